//! The handlers: each reads its request (errors naming the field), turns it into queries for
//! the run's engine, and writes the JSON answer.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::engine::{Engine, Query, Ranking};
use crate::error::ApiError;
use crate::query::{Ask, KIn, Who, ensure_fold_in, to_query};
use crate::request::{Params, RawIdIn, json_body};
use crate::state::AppState;

type ApiResult = Result<Response, ApiError>;

/// One route: its path, the methods it takes (for the 404's listing) and their handlers.
pub struct Route {
    /// The path.
    pub path: &'static str,
    /// The methods, for people (`GET`, `POST`).
    pub methods: &'static [&'static str],
    /// The handlers.
    pub handlers: MethodRouter<AppState>,
}

/// Every route the server answers, written once: the router, the metrics' route labels and the
/// 404's listing all come from this table.
pub fn table() -> Vec<Route> {
    let route = |path, methods, handlers| Route {
        path,
        methods,
        handlers,
    };
    vec![
        route(
            "/v1/recommend",
            &["GET", "POST"],
            get(recommend_user).post(recommend_history),
        ),
        route("/v1/recommend/batch", &["POST"], post(recommend_batch)),
        route("/v1/similar", &["GET"], get(similar)),
        route("/v1/items", &["GET"], get(crate::browse::items)),
        route(
            "/v1/users/{id}/history",
            &["GET"],
            get(crate::browse::history),
        ),
        route("/v1/runs", &["GET"], get(runs)),
        route("/v1/runs/{name}/log", &["GET"], get(crate::browse::log)),
        route("/healthz", &["GET"], get(healthz)),
        route("/readyz", &["GET"], get(readyz)),
        route("/metrics", &["GET"], get(metrics)),
        route("/admin/reload", &["POST"], post(reload)),
        route("/", &["GET"], get(crate::page::index)),
        route("/app.js", &["GET"], get(crate::page::script)),
        route("/app.css", &["GET"], get(crate::page::style)),
    ]
}

/// The paths of [`table`], in order.
fn paths() -> &'static [&'static str] {
    static PATHS: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| table().iter().map(|r| r.path).collect());
    &PATHS
}

/// Whether `path` is an instance of the route `template` (`{name}` matches one segment).
fn instance_of(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b || (a.starts_with('{') && !b.is_empty()) => {}
            _ => return false,
        }
    }
}

/// The label of `path` in the metrics: the route (its template), or `other` (a client cannot
/// grow the metrics without bound by requesting random paths).
pub fn label(path: &str) -> &'static str {
    paths()
        .iter()
        .find(|r| instance_of(r, path))
        .copied()
        .unwrap_or("other")
}

/// Every route as `GET /v1/recommend, POST /v1/recommend, …`, for the 404 of an unknown path.
pub fn listing() -> &'static str {
    static LISTING: LazyLock<String> = LazyLock::new(|| {
        table()
            .iter()
            .flat_map(|r| r.methods.iter().map(move |m| format!("{m} {}", r.path)))
            .collect::<Vec<_>>()
            .join(", ")
    });
    &LISTING
}

/// A ranking as JSON rows: raw item id, score, title where the dataset has titles.
fn rows(engine: &Engine, r: &Ranking) -> Vec<Value> {
    r.iter()
        .map(|&(i, s)| {
            let mut row = json!({ "item": engine.run.items.raw(i).to_string(), "score": s });
            if let Some(t) = &engine.run.titles {
                row["title"] = Value::String(t[i as usize].clone());
            }
            row
        })
        .collect()
}

/// Ranks one query and answers it: the run, the model, `echo` (the request's subject, e.g.
/// `("user", "42")`) where there is one, K and the ranked items.
async fn answer(engine: &Engine, run: String, echo: Option<(&str, &str)>, q: Query) -> ApiResult {
    let k = q.k;
    let r = engine.rank(vec![q]).await?;
    let mut body = json!({
        "run": run,
        "model": engine.run.model_name,
        "k": k,
        "items": rows(engine, &r[0]),
    });
    if let Some((key, value)) = echo {
        body[key] = Value::String(value.to_string());
    }
    Ok(Json(body).into_response())
}

/// `GET /v1/recommend?user=RAW&k=10[&run=NAME][&exclude_seen=false][&items=…][&exclude=…]`
pub async fn recommend_user(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let p = Params::parse(
        q.as_deref(),
        &["user", "k", "run", "exclude_seen", "items", "exclude"],
    )?;
    let (run, engine) = s.served.get(p.get("run"))?;
    let raw = p.required("user")?;
    let (exclude, items) = (p.list("exclude"), p.list("items"));
    let ask = Ask {
        who: Who::User(raw),
        k: KIn::Text(p.get("k")),
        exclude_seen: p.flag("exclude_seen", true)?,
        exclude: &exclude,
        candidates: p.get("items").map(|_| ("items", items.as_slice())),
    };
    let q = to_query(&engine, &run, &s.limits, &ask)?;
    answer(&engine, run, Some(("user", raw)), q).await
}

/// The body of `POST /v1/recommend`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryRequest {
    /// The user's items (raw ids), in any order.
    items: Vec<RawIdIn>,
    k: Option<i64>,
    run: Option<String>,
    /// Exclude the history's own items (default true).
    exclude_seen: Option<bool>,
    exclude: Option<Vec<RawIdIn>>,
    candidates: Option<Vec<RawIdIn>>,
}

fn texts(v: &[RawIdIn]) -> Vec<String> {
    v.iter().map(|r| r.0.clone()).collect()
}

/// `POST /v1/recommend` with `{"items": [raw ids], "k": 10}`: fold-in of a new user.
pub async fn recommend_history(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let b: HistoryRequest = json_body(&headers, body)?;
    let (run, engine) = s.served.get(b.run.as_deref())?;
    let items = texts(&b.items);
    let exclude = texts(b.exclude.as_deref().unwrap_or_default());
    let candidates = b.candidates.as_deref().map(texts);
    let ask = Ask {
        who: Who::History(&items),
        k: KIn::Number(b.k),
        exclude_seen: b.exclude_seen.unwrap_or(true),
        exclude: &exclude,
        candidates: candidates.as_deref().map(|c| ("candidates", c)),
    };
    let q = to_query(&engine, &run, &s.limits, &ask)?;
    answer(&engine, run, None, q).await
}

/// The body of `POST /v1/recommend/batch`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    users: Vec<RawIdIn>,
    k: Option<i64>,
    run: Option<String>,
    exclude_seen: Option<bool>,
}

/// `POST /v1/recommend/batch` with `{"users": [raw ids], "k": 10}`: every known user's top K
/// in one call; an unknown user gets an `error` entry of its own.
pub async fn recommend_batch(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let b: BatchRequest = json_body(&headers, body)?;
    let (run, engine) = s.served.get(b.run.as_deref())?;
    let k = KIn::Number(b.k).checked(s.limits.max_k)?;
    if b.users.len() > s.limits.max_batch_users {
        return Err(ApiError::bad(
            "users",
            format!(
                "{} users: a batch may hold at most {}",
                b.users.len(),
                s.limits.max_batch_users
            ),
        ));
    }
    // Each known user's query goes to the engine; an unknown one keeps its error, in place.
    let mut queries = Vec::with_capacity(b.users.len());
    let refused: Vec<Option<ApiError>> = b
        .users
        .iter()
        .map(|r| {
            let ask = Ask {
                who: Who::User(&r.0),
                k: KIn::Number(b.k),
                exclude_seen: b.exclude_seen.unwrap_or(true),
                exclude: &[],
                candidates: None,
            };
            to_query(&engine, &run, &s.limits, &ask)
                .map(|q| queries.push(q))
                .err()
        })
        .collect();
    let mut ranked = engine.rank(queries).await?.into_iter();
    let results: Vec<Value> = b
        .users
        .iter()
        .zip(refused)
        .map(|(raw, refused)| match refused {
            None => {
                let r = ranked.next().expect("one ranking per known user");
                json!({ "user": raw.0, "items": rows(&engine, &r) })
            }
            Some(e) => json!({
                "user": raw.0,
                "error": { "status": e.status.as_u16(), "field": e.field, "message": e.message },
            }),
        })
        .collect();
    Ok(
        Json(json!({ "run": run, "model": engine.run.model_name, "k": k, "results": results }))
            .into_response(),
    )
}

/// `GET /v1/similar?item=RAW&k=10[&run=NAME]`: the items the model recommends to a history of
/// that one item (fold-in), the item itself excluded.
pub async fn similar(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let p = Params::parse(q.as_deref(), &["item", "k", "run"])?;
    let (run, engine) = s.served.get(p.get("run"))?;
    // A model that cannot fold in is refused before the request's own fields are read.
    ensure_fold_in(&engine, &run)?;
    let raw = p.required("item")?;
    let ask = Ask {
        who: Who::Item(raw),
        k: KIn::Text(p.get("k")),
        exclude_seen: true,
        exclude: &[],
        candidates: None,
    };
    let q = to_query(&engine, &run, &s.limits, &ask)?;
    answer(&engine, run, Some(("item", raw)), q).await
}

/// `GET /v1/runs`: what is served.
pub async fn runs(State(s): State<AppState>) -> ApiResult {
    let list: Vec<Value> = s
        .served
        .list()
        .into_iter()
        .enumerate()
        .map(|(n, (name, path, e))| {
            json!({
                "name": name,
                "default": n == 0,
                "path": path,
                "model": e.run.model_name,
                "dataset": e.run.dataset,
                "settings": e.run.settings,
                "users": e.run.users.len(),
                "items": e.run.items.len(),
                "fold_in": e.run.model.fold_in().is_some(),
                "titles": e.run.titles.is_some(),
                "metrics": e.run.metrics,
            })
        })
        .collect();
    Ok(Json(json!({ "runs": list })).into_response())
}

/// `GET /healthz`: the process answers.
pub async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`: every run is loaded and the server is not shutting down.
pub async fn readyz(State(s): State<AppState>) -> Response {
    if s.draining.load(Ordering::SeqCst) {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, None, "shutting down")
            .into_response();
    }
    Json(json!({ "status": "ready", "runs": s.served.list().len() })).into_response()
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(s): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

/// The body of `POST /admin/reload`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReloadRequest {
    /// The served name to replace.
    name: String,
    /// The run directory to serve under it, under the runs root (absent: the served run's own
    /// folder, re-read).
    run: Option<PathBuf>,
}

/// `POST /admin/reload {"name": …[, "run": DIR]}`: serve the run at DIR (a folder under the
/// server's runs root) under `name`, which must be served; without `run`, re-read the served
/// run's own folder. In-flight requests finish on the old model; on error the old one stays.
pub async fn reload(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let b: ReloadRequest = json_body(&headers, body)?;
    // 404 when the name is not served (a reload replaces, it does not add).
    s.served.get(Some(&b.name))?;
    let path = match &b.run {
        Some(p) => crate::reload_path::resolve(s.runs_root.as_deref(), p)?,
        None => s
            .served
            .list()
            .into_iter()
            .find(|(n, _, _)| *n == b.name)
            .map(|(_, p, _)| p)
            .ok_or_else(|| ApiError::not_found("name", format!("`{}` is not served", b.name)))?,
    };
    reload_one(&s, b.name, path).await?;
    runs(State(s)).await
}

/// Reloads `name` from `path` off the async threads, updating the metrics.
pub async fn reload_one(s: &AppState, name: String, path: PathBuf) -> Result<(), ApiError> {
    let state = s.clone();
    let (n, p) = (name.clone(), path.clone());
    let result = tokio::task::spawn_blocking(move || state.served.reload(&n, &p))
        .await
        .map_err(|e| ApiError::internal(format!("the reload task failed: {e}")))?;
    s.metrics.reloaded(&name, result.is_ok());
    match result {
        Ok(()) => {
            tracing::info!(name, path = %path.display(), "reloaded");
            s.publish_runs();
            Ok(())
        }
        Err(e) => {
            tracing::warn!(name, path = %path.display(), error = %e, "reload failed; the old model keeps serving");
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("run"),
                format!("the run cannot be served (the old model keeps serving): {e}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templated_routes_label_their_instances_and_nothing_else() {
        assert_eq!(label("/v1/users/42/history"), "/v1/users/{id}/history");
        assert_eq!(label("/v1/runs/main/log"), "/v1/runs/{name}/log");
        assert_eq!(label("/v1/users//history"), "other");
        assert_eq!(label("/v1/users/42/history/x"), "other");
        assert_eq!(label("/v1/recommend"), "/v1/recommend");
        assert_eq!(label("/"), "/");
        assert_eq!(label("/nope"), "other");
    }
}
