//! One function turns what a request asks into a [`Query`] for the run's engine
//! ([`to_query`]): the subject looked up (a user, an item history, one item), K and the size
//! limits checked, the exclusions (seen items, the history, explicit ids) and the candidates
//! resolved — the same checks, in the same order, for every handler.

use axum::http::StatusCode;

use crate::engine::{Engine, Query, Subject};
use crate::error::ApiError;
use crate::request::{check_k, parse_k};
use crate::state::RequestLimits;

/// K when a request gives none.
pub const DEFAULT_K: usize = 10;

/// Whose recommendations a request asks for, by raw id.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A known user (`user`).
    User(&'a str),
    /// A new user's item history (`items`): fold-in.
    History(&'a [String]),
    /// The items like one item (`item`): the fold-in of a history of that item, itself excluded.
    Item(&'a str),
}

/// K as the request gave it.
#[derive(Debug, Clone, Copy)]
pub enum KIn<'a> {
    /// From a query string (text), if given.
    Text(Option<&'a str>),
    /// From a JSON body, if given.
    Number(Option<i64>),
}

impl KIn<'_> {
    /// The K asked, checked against `max`.
    pub fn checked(self, max: usize) -> Result<usize, ApiError> {
        match self {
            KIn::Text(t) => parse_k(t, DEFAULT_K, max),
            KIn::Number(n) => check_k(n.unwrap_or(DEFAULT_K as i64), max),
        }
    }
}

/// What a request asks, before it is checked against a run.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// Whose recommendations.
    pub who: Who<'a>,
    /// How many.
    pub k: KIn<'a>,
    /// Exclude what the subject has seen (a user's training items, a history's items).
    pub exclude_seen: bool,
    /// Items never returned (raw ids; field `exclude`).
    pub exclude: &'a [String],
    /// If given, only these are ranked (raw ids) and the field that holds them.
    pub candidates: Option<(&'static str, &'a [String])>,
}

/// The [`Query`] `ask` makes in `engine`'s run (served as `run`), or the error naming the
/// field at fault: 422 for a history or item asked of a model that cannot fold in, 404 for
/// an unknown user or item, 400 for K or a history over the limits.
pub fn to_query(
    engine: &Engine,
    run: &str,
    limits: &RequestLimits,
    ask: &Ask<'_>,
) -> Result<Query, ApiError> {
    if matches!(ask.who, Who::History(_) | Who::Item(_)) {
        ensure_fold_in(engine, run)?;
    }
    // The subject and K, each request's fields checked in the order its route always had.
    let (subject, k) = match ask.who {
        Who::User(raw) => {
            let u = user_index(engine, run, raw)?;
            (Subject::User(u), ask.k.checked(limits.max_k)?)
        }
        Who::Item(raw) => {
            let item =
                item_indices(engine, run, "item", &[raw.to_string()]).map_err(|e| ApiError {
                    field: Some("item".into()),
                    ..e
                })?;
            (Subject::History(item), ask.k.checked(limits.max_k)?)
        }
        Who::History(items) => {
            let k = ask.k.checked(limits.max_k)?;
            if items.len() > limits.max_history {
                return Err(ApiError::bad(
                    "items",
                    format!(
                        "{} items: a history may hold at most {}",
                        items.len(),
                        limits.max_history
                    ),
                ));
            }
            (
                Subject::History(item_indices(engine, run, "items", items)?),
                k,
            )
        }
    };
    // What the subject has seen: a user's training items, or the history itself.
    let seen = match &subject {
        Subject::User(u) => engine.run.seen.of(*u),
        Subject::History(h) => h.as_slice(),
    };
    let explicit = item_indices(engine, run, "exclude", ask.exclude)?;
    let exclude = if ask.exclude_seen {
        union(seen, &explicit)
    } else {
        explicit
    };
    let candidates = match ask.candidates {
        Some((field, raw)) => Some(item_indices(engine, run, field, raw)?),
        None => None,
    };
    Ok(Query {
        subject,
        k,
        exclude,
        candidates,
    })
}

/// The user index of raw id `raw` in `engine`'s run, or 404 with the fold-in hint.
pub fn user_index(engine: &Engine, run: &str, raw: &str) -> Result<u32, ApiError> {
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

/// 422 unless the run's model can score item histories (fold-in).
pub fn ensure_fold_in(engine: &Engine, run: &str) -> Result<(), ApiError> {
    if engine.run.model.fold_in().is_some() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("run"),
        format!(
            "run `{run}`'s model ({}) cannot score item histories (fold-in); serve a model that \
             can: {}",
            engine.run.model_name,
            gnnrec_models::registry::folding_models().join(", ")
        ),
    ))
}
