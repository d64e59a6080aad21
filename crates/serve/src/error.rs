//! The one error type of the server: what went wrong, on which request field, with which HTTP
//! status. Every client error leaves the server as the same JSON shape:
//!
//! ```json
//! {"error": {"status": 404, "field": "user", "message": "user `99999` is not in …"}}
//! ```

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answered to a client (4xx) or, for the server's own failures, 5xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The request field at fault (`user`, `k`, `items[3]`, `body`, …), where one is.
    pub field: Option<String>,
    /// What is wrong and, where it helps, what to do instead.
    pub message: String,
    /// Seconds after which a retry may succeed (503 answers).
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error of `status` about `field`.
    pub fn new(status: StatusCode, field: Option<&str>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            field: field.map(str::to_string),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400: the request's `field` is malformed or out of range.
    pub fn bad(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(field), message)
    }

    /// 404: the id in `field` names nothing served.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, Some(field), message)
    }

    /// 503 with `Retry-After`: the server is at capacity; try again shortly.
    pub fn overloaded(message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, None, message)
        }
    }

    /// 500: a failure of the server itself (never caused by what a client sent).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": {
                "status": self.status.as_u16(),
                "field": self.field,
                "message": self.message,
            }
        });
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// Errors of loading a run for serving: the run layer's.
pub type LoadError = gnnrec_run::RunError;
