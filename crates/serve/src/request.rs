//! Reading what a client sent: query strings and JSON bodies, each error naming its field.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, de::DeserializeOwned};

use crate::error::ApiError;

/// A query string's parameters, checked against the names a route takes.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `raw`, refusing malformed encoding, unknown names and repeated names.
    pub fn parse(raw: Option<&str>, known: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::bad("query", format!("the query string is malformed: {e}")))?;
        for (n, (name, _)) in pairs.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                return Err(ApiError::bad(
                    name,
                    format!(
                        "unknown parameter `{name}`; this route takes: {}",
                        known.join(", ")
                    ),
                ));
            }
            if pairs[..n].iter().any(|(m, _)| m == name) {
                return Err(ApiError::bad(name, format!("`{name}` is given twice")));
            }
        }
        Ok(Params(pairs))
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, which the route requires.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        match self.get(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(ApiError::bad(name, format!("`{name}` is empty"))),
            None => Err(ApiError::bad(name, format!("`{name}` is required"))),
        }
    }

    /// `name` as `true` / `false` (default `default`).
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(v) => Err(ApiError::bad(
                name,
                format!("`{name}` must be true or false, got `{v}`"),
            )),
        }
    }

    /// `name` as a comma-separated list of ids (empty when absent).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Checks a K: an integer from 1 to `max`.
pub fn check_k(k: i64, max: usize) -> Result<usize, ApiError> {
    if k < 1 || k as u64 > max as u64 {
        return Err(ApiError::bad(
            "k",
            format!("k must be from 1 to {max}, got {k}"),
        ));
    }
    Ok(k as usize)
}

/// Parses a K given as text.
pub fn parse_k(text: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    match text {
        None => Ok(default),
        Some(t) => {
            let k: i64 = t.trim().parse().map_err(|_| {
                ApiError::bad(
                    "k",
                    format!("k must be an integer from 1 to {max}, got `{t}`"),
                )
            })?;
            check_k(k, max)
        }
    }
}

/// Parses a JSON body into `T`, naming the field at fault (`items[3]`, `k`) and mapping a
/// body over the size limit to 413. The body must be declared `Content-Type: application/json`
/// (415 otherwise): a web page can send a form or plain text to a server on its visitor's
/// machine without asking (no CORS preflight), but not JSON, so no other site can drive these
/// routes from a browser (cross-site request forgery).
pub fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let bytes = body.map_err(|r| {
        ApiError::new(
            r.status(),
            Some("body"),
            format!("the request body could not be read: {}", r.body_text()),
        )
    })?;
    let declared = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = declared.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("content-type"),
            format!(
                "send the body as JSON with `Content-Type: application/json` (got {})",
                if declared.is_empty() {
                    "none".to_string()
                } else {
                    format!("`{declared}`")
                }
            ),
        ));
    }
    if bytes.is_empty() {
        return Err(ApiError::bad(
            "body",
            "the request body is empty; send a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." || path.is_empty() || inner.is_syntax() || inner.is_eof() {
            "body".to_string()
        } else {
            path
        };
        let what = if inner.is_syntax() || inner.is_eof() {
            "the body is not valid JSON"
        } else {
            "the body does not have the expected shape"
        };
        ApiError::bad(&field, format!("{what}: {inner}"))
    })
}

/// A raw id as a client sends it: a JSON string or integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawIdIn(pub String);

impl<'de> Deserialize<'de> for RawIdIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawIdIn;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an id (a string or an integer)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawIdIn, E> {
                Ok(RawIdIn(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawIdIn, E> {
                Ok(RawIdIn(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawIdIn, E> {
                Ok(RawIdIn(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_refuse_unknown_and_repeated_names() {
        let p = Params::parse(Some("user=3&k=5"), &["user", "k"]).unwrap();
        assert_eq!(p.get("user"), Some("3"));
        let e = Params::parse(Some("usr=3"), &["user", "k"]).err().unwrap();
        assert_eq!(e.field.as_deref(), Some("usr"));
        let e = Params::parse(Some("k=1&k=2"), &["k"]).err().unwrap();
        assert_eq!(e.field.as_deref(), Some("k"));
    }

    #[test]
    fn k_is_checked() {
        assert_eq!(parse_k(None, 10, 100).unwrap(), 10);
        assert_eq!(parse_k(Some("7"), 10, 100).unwrap(), 7);
        for bad in ["0", "-1", "101", "x", "1e9", "99999999999999999999"] {
            let e = parse_k(Some(bad), 10, 100).err().unwrap();
            assert_eq!(e.status, 400, "{bad}");
            assert_eq!(e.field.as_deref(), Some("k"));
        }
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        items: Vec<RawIdIn>,
        k: Option<i64>,
    }

    /// The headers of a JSON body.
    fn json() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        h
    }

    #[test]
    fn a_body_not_declared_json_is_refused_with_415() {
        let body = || Ok(Bytes::from_static(br#"{"items": [1]}"#));
        for declared in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut h = HeaderMap::new();
            if let Some(d) = declared {
                h.insert(axum::http::header::CONTENT_TYPE, d.parse().unwrap());
            }
            let e = json_body::<Body>(&h, body()).err().unwrap();
            assert_eq!(e.status, 415, "{declared:?}");
            assert_eq!(e.field.as_deref(), Some("content-type"));
        }
        assert!(json_body::<Body>(&json(), body()).is_ok());
    }

    #[test]
    fn json_errors_name_the_field() {
        let ok: Body =
            json_body(&json(), Ok(Bytes::from_static(br#"{"items": ["a", 3]}"#))).unwrap();
        assert_eq!(ok.items, vec![RawIdIn("a".into()), RawIdIn("3".into())]);
        let e = json_body::<Body>(&json(), Ok(Bytes::from_static(br#"{"items": ["a", {}]}"#)))
            .err()
            .unwrap();
        assert_eq!(e.field.as_deref(), Some("items[1]"));
        let e = json_body::<Body>(
            &json(),
            Ok(Bytes::from_static(br#"{"items": [], "k": "x"}"#)),
        )
        .err()
        .unwrap();
        assert_eq!(e.field.as_deref(), Some("k"));
        let e = json_body::<Body>(&json(), Ok(Bytes::from_static(br#"{"items": [1"#)))
            .err()
            .unwrap();
        assert_eq!(e.status, 400);
        assert_eq!(e.field.as_deref(), Some("body"));
        let e = json_body::<Body>(&json(), Ok(Bytes::from_static(br#"{"items": [], "x": 1}"#)))
            .err()
            .unwrap();
        assert!(e.message.contains("unknown field"), "{}", e.message);
    }
}
