//! Raw ids from Python to dense indices and back: a numpy int64 array goes through the id
//! map in one call; any other sequence element by element (int or str). An unknown id is a
//! `ValueError` naming it, its position and what it was looked up in.

use gnnrec_data::IdMap;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::errors::value_error;

/// The indices of the raw ids in `ob` (`what`: `user`, `item`, for messages; `place`: the
/// run or dataset they are looked up in).
pub fn indices(map: &IdMap, ob: &Bound<'_, PyAny>, what: &str, place: &str) -> PyResult<Vec<u32>> {
    let unknown = |shown: String, pos: usize| {
        value_error(format!(
            "{what} `{shown}` (position {pos}) is not in {place} ({} {what}s)",
            map.len()
        ))
    };
    if let Ok(a) = ob.extract::<PyReadonlyArray1<'_, i64>>() {
        let ids = a.as_slice()?;
        return map
            .indices_of_ints(ids)
            .map_err(|pos| unknown(ids[pos].to_string(), pos));
    }
    let mut out = Vec::new();
    for (pos, item) in ob.try_iter()?.enumerate() {
        let item = item?;
        let found = if let Ok(i) = item.extract::<i64>() {
            (map.index_of_int(i), i.to_string())
        } else if let Ok(s) = item.extract::<String>() {
            (map.parse(&s), s)
        } else {
            return Err(value_error(format!(
                "{what} at position {pos} is {}, not an int or str id",
                item.get_type().name()?
            )));
        };
        match found {
            (Some(i), _) => out.push(i),
            (None, shown) => return Err(unknown(shown, pos)),
        }
    }
    Ok(out)
}

/// One raw id (int or str) to its index.
pub fn index(map: &IdMap, ob: &Bound<'_, PyAny>, what: &str, place: &str) -> PyResult<u32> {
    let shown = ob.str()?.to_string();
    let found = if let Ok(i) = ob.extract::<i64>() {
        map.index_of_int(i)
    } else if let Ok(s) = ob.extract::<String>() {
        map.parse(&s)
    } else {
        return Err(value_error(format!(
            "{what} `{shown}` is not an int or str id"
        )));
    };
    found.ok_or_else(|| {
        value_error(format!(
            "{what} `{shown}` is not in {place} ({} {what}s)",
            map.len()
        ))
    })
}
