//! The handlers: each reads its request (errors naming the field), turns it into queries for
//! the run's engine, and writes the JSON answer.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::engine::{Engine, Query, Ranking, Subject};
use crate::error::ApiError;
use crate::request::{Params, RawIdIn, check_k, json_body, parse_k};
use crate::server::AppState;

/// K when a request gives none.
pub const DEFAULT_K: usize = 10;

type ApiResult = Result<Response, ApiError>;

/// The user index of raw id `raw` in `engine`'s run, or 404 with the fold-in hint.
fn user_index(engine: &Engine, run: &str, raw: &str) -> Result<u32, ApiError> {
    engine.run.users.parse(raw).ok_or_else(|| {
        ApiError::not_found(
            "user",
            format!(
                "user `{raw}` is not in run `{run}` ({} users); for a new user, POST \
                 /v1/recommend with {{\"items\": [the user's items]}} (fold-in)",
                engine.run.users.len()
            ),
        )
    })
}

/// The item indices of raw ids, sorted and distinct; an unknown id is a 404 naming
/// `field[position]`.
fn item_indices(
    engine: &Engine,
    run: &str,
    field: &str,
    raw: &[String],
) -> Result<Vec<u32>, ApiError> {
    let mut out = Vec::with_capacity(raw.len());
    for (n, r) in raw.iter().enumerate() {
        match engine.run.items.parse(r) {
            Some(i) => out.push(i),
            None => {
                return Err(ApiError::not_found(
                    &format!("{field}[{n}]"),
                    format!(
                        "item `{r}` is not in run `{run}` ({} items)",
                        engine.run.items.len()
                    ),
                ));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// `a ∪ b`, both sorted and distinct.
fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = a.iter().chain(b).copied().collect();
    out.sort_unstable();
    out.dedup();
    out
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

fn no_fold_in(engine: &Engine, run: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("run"),
        format!(
            "run `{run}`'s model ({}) cannot score item histories (fold-in); serve a model that \
             can: pop, itemknn, irgnn, ease, gfcf, bspm, mf, lightgcn, simgcl, xsimgcl",
            engine.run.model_name
        ),
    )
}

/// `GET /v1/recommend?user=RAW&k=10[&run=NAME][&exclude_seen=false][&items=…][&exclude=…]`
pub async fn recommend_user(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let p = Params::parse(
        q.as_deref(),
        &["user", "k", "run", "exclude_seen", "items", "exclude"],
    )?;
    let (run, engine) = s.served.get(p.get("run"))?;
    let raw = p.required("user")?;
    let u = user_index(&engine, &run, raw)?;
    let k = parse_k(p.get("k"), DEFAULT_K, s.limits.max_k)?;
    let explicit = item_indices(&engine, &run, "exclude", &p.list("exclude"))?;
    let exclude = if p.flag("exclude_seen", true)? {
        union(engine.run.seen.of(u), &explicit)
    } else {
        explicit
    };
    let candidates = match p.get("items") {
        Some(_) => Some(item_indices(&engine, &run, "items", &p.list("items"))?),
        None => None,
    };
    let q = Query {
        subject: Subject::User(u),
        k,
        exclude,
        candidates,
    };
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
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let b: HistoryRequest = json_body(body)?;
    let (run, engine) = s.served.get(b.run.as_deref())?;
    if engine.run.model.fold_in().is_none() {
        return Err(no_fold_in(&engine, &run));
    }
    let k = check_k(b.k.unwrap_or(DEFAULT_K as i64), s.limits.max_k)?;
    if b.items.len() > s.limits.max_history {
        return Err(ApiError::bad(
            "items",
            format!(
                "{} items: a history may hold at most {}",
                b.items.len(),
                s.limits.max_history
            ),
        ));
    }
    let history = item_indices(&engine, &run, "items", &texts(&b.items))?;
    let explicit = item_indices(
        &engine,
        &run,
        "exclude",
        &texts(b.exclude.as_deref().unwrap_or_default()),
    )?;
    let exclude = if b.exclude_seen.unwrap_or(true) {
        union(&history, &explicit)
    } else {
        explicit
    };
    let candidates = match &b.candidates {
        Some(c) => Some(item_indices(&engine, &run, "candidates", &texts(c))?),
        None => None,
    };
    let q = Query {
        subject: Subject::History(history),
        k,
        exclude,
        candidates,
    };
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
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let b: BatchRequest = json_body(body)?;
    let (run, engine) = s.served.get(b.run.as_deref())?;
    let k = check_k(b.k.unwrap_or(DEFAULT_K as i64), s.limits.max_k)?;
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
    let exclude_seen = b.exclude_seen.unwrap_or(true);
    let looked_up: Vec<Result<u32, ApiError>> = b
        .users
        .iter()
        .map(|r| user_index(&engine, &run, &r.0))
        .collect();
    let queries: Vec<Query> = looked_up
        .iter()
        .filter_map(|u| u.as_ref().ok())
        .map(|&u| Query {
            subject: Subject::User(u),
            k,
            exclude: if exclude_seen {
                engine.run.seen.of(u).to_vec()
            } else {
                Vec::new()
            },
            candidates: None,
        })
        .collect();
    let mut ranked = engine.rank(queries).await?.into_iter();
    let results: Vec<Value> = b
        .users
        .iter()
        .zip(looked_up)
        .map(|(raw, u)| match u {
            Ok(_) => {
                let r = ranked.next().expect("one ranking per known user");
                json!({ "user": raw.0, "items": rows(&engine, &r) })
            }
            Err(e) => json!({
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
    if engine.run.model.fold_in().is_none() {
        return Err(no_fold_in(&engine, &run));
    }
    let raw = p.required("item")?;
    let item = item_indices(&engine, &run, "item", &[raw.to_string()]).map_err(|e| ApiError {
        field: Some("item".into()),
        ..e
    })?;
    let k = parse_k(p.get("k"), DEFAULT_K, s.limits.max_k)?;
    let q = Query {
        subject: Subject::History(item.clone()),
        k,
        exclude: item,
        candidates: None,
    };
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
    /// The run directory to serve under it.
    run: PathBuf,
}

/// `POST /admin/reload {"name": …, "run": DIR}`: serve the run at DIR under `name` (which
/// must be served). In-flight requests finish on the old model; on error the old one stays.
pub async fn reload(State(s): State<AppState>, body: Result<Bytes, BytesRejection>) -> ApiResult {
    let b: ReloadRequest = json_body(body)?;
    // 404 when the name is not served (a reload replaces, it does not add).
    s.served.get(Some(&b.name))?;
    reload_one(&s, b.name, b.run).await?;
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
