//! The browser page at `GET /`: three files embedded in the binary (`assets/`), nothing
//! fetched from anywhere else, served with a Content Security Policy that lets the page load
//! only its own origin's scripts, styles and data — no inline script, no other site, no frames.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The policy every page file is served with.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /`: the page.
pub async fn index() -> Response {
    file(
        "text/html; charset=utf-8",
        include_str!("../assets/index.html"),
    )
}

/// `GET /app.js`: its script.
pub async fn script() -> Response {
    file(
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    )
}

/// `GET /app.css`: its style.
pub async fn style() -> Response {
    file("text/css; charset=utf-8", include_str!("../assets/app.css"))
}

/// The page's own paths, served without the API key (the page asks for the key and sends it
/// with every API call; the API routes still refuse without it).
pub const PATHS: [&str; 3] = ["/", "/app.js", "/app.css"];
