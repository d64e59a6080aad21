//! The routes the browser page reads besides recommendations: item search, a user's history
//! and a run's training log. Same rules as every route: unknown parameters refused, each error
//! naming its field, 404 for what is not there.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::engine::Engine;
use crate::error::ApiError;
use crate::query::user_index;
use crate::request::Params;
use crate::state::AppState;

type ApiResult = Result<Response, ApiError>;

/// Items a search or a history lists at most.
pub const MAX_LIMIT: usize = 1000;

/// `limit` of `p`: an integer from 1 to [`MAX_LIMIT`], `default` when absent.
fn limit(p: &Params, default: usize) -> Result<usize, ApiError> {
    match p.get("limit") {
        None => Ok(default),
        Some(t) => match t.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(ApiError::bad(
                "limit",
                format!("`limit` must be an integer from 1 to {MAX_LIMIT}, got `{t}`"),
            )),
        },
    }
}

/// An item as JSON: its raw id and, where the dataset has them, its title.
fn item(engine: &Engine, i: u32) -> Value {
    let mut row = json!({ "item": engine.run.items.raw(i).to_string() });
    if let Some(t) = &engine.run.titles {
        row["title"] = Value::String(t[i as usize].clone());
    }
    row
}

/// `GET /v1/items?q=TEXT[&limit=20][&run=NAME]`: the item whose raw id is `q` first, then the
/// items whose title contains `q` (case-insensitive), in index order; an empty `q` lists the
/// first items. `total` counts every match.
pub async fn items(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let p = Params::parse(q.as_deref(), &["q", "limit", "run"])?;
    let (run, engine) = s.served.get(p.get("run"))?;
    let limit = limit(&p, 20)?;
    let text = p.get("q").unwrap_or("").trim();
    let needle = text.to_lowercase();
    let by_id = engine.run.items.parse(text).filter(|_| !text.is_empty());
    let titles = engine.run.titles.as_deref();
    let matches: Vec<u32> = by_id
        .into_iter()
        .chain((0..engine.run.items.len() as u32).filter(|&i| {
            Some(i) != by_id
                && (needle.is_empty()
                    || titles.is_some_and(|t| t[i as usize].to_lowercase().contains(&needle)))
        }))
        .collect();
    let shown: Vec<Value> = matches
        .iter()
        .take(limit)
        .map(|&i| item(&engine, i))
        .collect();
    Ok(Json(json!({
        "run": run,
        "q": text,
        "total": matches.len(),
        "items": shown,
    }))
    .into_response())
}

/// `GET /v1/users/{id}/history[?limit=N][&run=NAME]`: the user's training items (the items
/// the run excludes from their recommendations), with titles where the dataset has them.
pub async fn history(
    State(s): State<AppState>,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let p = Params::parse(q.as_deref(), &["limit", "run"])?;
    let (run, engine) = s.served.get(p.get("run"))?;
    let limit = limit(&p, MAX_LIMIT)?;
    let u = user_index(&engine, &run, &user)?;
    let seen = engine.run.seen.of(u);
    let shown: Vec<Value> = seen.iter().take(limit).map(|&i| item(&engine, i)).collect();
    Ok(Json(json!({
        "run": run,
        "user": user,
        "total": seen.len(),
        "items": shown,
    }))
    .into_response())
}

/// `GET /v1/runs/{name}/log`: the run's training log, one record per epoch (loss, seconds, and
/// the monitored metrics where evaluated); empty for a model trained in closed form.
pub async fn log(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let (run, engine) = s.served.get(Some(&name))?;
    let dir = gnnrec_run::RunDir::open(&engine.run.path)
        .map_err(|e| ApiError::internal(format!("run `{run}`: {e}")))?;
    let epochs = if dir.file(gnnrec_run::run_dir::LOG_FILE).exists() {
        dir.read_log()
            .map_err(|e| ApiError::internal(format!("run `{run}`'s log: {e}")))?
    } else {
        Vec::new()
    };
    Ok(
        Json(json!({ "run": run, "model": engine.run.model_name, "epochs": epochs }))
            .into_response(),
    )
}
