//! Raw ids (integers or strings) ↔ dense `u32` indices.
//!
//! Indices follow the sorted order of the raw ids (numeric order for integers, byte order for
//! strings), so the same set of ids always gets the same indices, whatever the file order.
//! Datasets whose ids are already `0..n` (gowalla) keep them unchanged.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One raw id as the user knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RawId<'a> {
    /// An integer id.
    Int(i64),
    /// A string id.
    Str(&'a str),
}

impl fmt::Display for RawId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawId::Int(i) => write!(f, "{i}"),
            RawId::Str(s) => f.write_str(s),
        }
    }
}

/// The raw ids of one kind of node, in index order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawIds {
    /// Integer ids.
    Int(Vec<i64>),
    /// String ids.
    Str(Vec<String>),
}

/// A bijection between raw ids and dense indices `0..len`.
///
/// ```
/// use gnnrec_data::IdMap;
/// let map = IdMap::from_ints([30, 10, 20, 10]);
/// assert_eq!(map.len(), 3);
/// assert_eq!(map.index_of_int(20), Some(1));
/// assert_eq!(map.raw(2).to_string(), "30");
/// assert_eq!(map.parse("10"), Some(0));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "RawIds", into = "RawIds")]
pub struct IdMap {
    raw: RawIds,
    index: Index,
}

#[derive(Debug, Clone)]
enum Index {
    Int(HashMap<i64, u32>),
    Str(HashMap<String, u32>),
}

impl From<RawIds> for IdMap {
    fn from(raw: RawIds) -> Self {
        let index = match &raw {
            RawIds::Int(v) => {
                Index::Int(v.iter().enumerate().map(|(i, &r)| (r, i as u32)).collect())
            }
            RawIds::Str(v) => Index::Str(
                v.iter()
                    .enumerate()
                    .map(|(i, r)| (r.clone(), i as u32))
                    .collect(),
            ),
        };
        IdMap { raw, index }
    }
}

impl From<IdMap> for RawIds {
    fn from(map: IdMap) -> Self {
        map.raw
    }
}

impl PartialEq for IdMap {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl IdMap {
    /// A map over the distinct integer ids in `ids`, indexed in ascending order.
    pub fn from_ints(ids: impl IntoIterator<Item = i64>) -> Self {
        let mut v: Vec<i64> = ids.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        IdMap::from(RawIds::Int(v))
    }

    /// A map over the distinct string ids in `ids`, indexed in byte order.
    pub fn from_strs<'a>(ids: impl IntoIterator<Item = &'a str>) -> Self {
        let mut v: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        v.sort_unstable();
        v.dedup();
        IdMap::from(RawIds::Str(v))
    }

    /// A map over text ids: integers when every id parses as one, strings otherwise.
    pub fn from_texts<'a>(ids: impl IntoIterator<Item = &'a str> + Clone) -> Self {
        let ints: Option<Vec<i64>> = ids
            .clone()
            .into_iter()
            .map(|s| s.trim().parse().ok())
            .collect();
        match ints {
            Some(v) => IdMap::from_ints(v),
            None => IdMap::from_strs(ids.into_iter().map(str::trim)),
        }
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        match &self.raw {
            RawIds::Int(v) => v.len(),
            RawIds::Str(v) => v.len(),
        }
    }

    /// Whether there are no ids.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the ids are integers.
    pub fn is_int(&self) -> bool {
        matches!(self.raw, RawIds::Int(_))
    }

    /// The raw id of index `idx`. Panics if `idx >= len()`.
    pub fn raw(&self, idx: u32) -> RawId<'_> {
        match &self.raw {
            RawIds::Int(v) => RawId::Int(v[idx as usize]),
            RawIds::Str(v) => RawId::Str(&v[idx as usize]),
        }
    }

    /// The index of integer id `id`.
    pub fn index_of_int(&self, id: i64) -> Option<u32> {
        match &self.index {
            Index::Int(m) => m.get(&id).copied(),
            Index::Str(m) => m.get(&id.to_string()).copied(),
        }
    }

    /// The index of the id spelled `text` (as a user types it on the command line).
    pub fn parse(&self, text: &str) -> Option<u32> {
        let text = text.trim();
        match &self.index {
            Index::Int(m) => text.parse::<i64>().ok().and_then(|i| m.get(&i).copied()),
            Index::Str(m) => m.get(text).copied(),
        }
    }

    /// Indices of integer ids, all of which must be in the map; the first unknown id is
    /// returned as `Err(position)`.
    pub fn indices_of_ints(&self, ids: &[i64]) -> std::result::Result<Vec<u32>, usize> {
        // Ascending identity maps (0..n) need no hashing.
        if let RawIds::Int(raw) = &self.raw
            && raw.first() == Some(&0)
            && raw.last() == Some(&(raw.len() as i64 - 1))
        {
            let n = raw.len() as i64;
            return ids
                .iter()
                .enumerate()
                .map(|(p, &i)| {
                    if (0..n).contains(&i) {
                        Ok(i as u32)
                    } else {
                        Err(p)
                    }
                })
                .collect();
        }
        ids.iter()
            .enumerate()
            .map(|(p, &i)| self.index_of_int(i).ok_or(p))
            .collect()
    }

    /// Indices of text ids, all of which must be in the map; `Err(position)` otherwise.
    pub fn indices_of_texts(&self, ids: &[&str]) -> std::result::Result<Vec<u32>, usize> {
        ids.iter()
            .enumerate()
            .map(|(p, s)| self.parse(s).ok_or(p))
            .collect()
    }

    /// The raw ids in index order.
    pub fn raw_ids(&self) -> &RawIds {
        &self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_ids_sort_numerically_and_round_trip() {
        let m = IdMap::from_ints([100, 9, 55, 9]);
        assert_eq!(m.len(), 3);
        assert_eq!(m.raw(0), RawId::Int(9));
        assert_eq!(m.indices_of_ints(&[55, 100, 9]).unwrap(), vec![1, 2, 0]);
        assert_eq!(m.indices_of_ints(&[55, 7]), Err(1));
        let json = serde_json_round_trip(&m);
        assert_eq!(json, m);
    }

    #[test]
    fn text_ids_fall_back_to_strings() {
        let m = IdMap::from_texts(["b", "a", "10"]);
        assert!(!m.is_int());
        assert_eq!(m.parse("a"), Some(1));
        assert_eq!(m.raw(0).to_string(), "10");
        let n = IdMap::from_texts(["3", " 1"]);
        assert!(n.is_int());
        assert_eq!(n.parse("3"), Some(1));
    }

    #[test]
    fn identity_map_fast_path_checks_range() {
        let m = IdMap::from_ints(0..5);
        assert_eq!(m.indices_of_ints(&[4, 0]).unwrap(), vec![4, 0]);
        assert_eq!(m.indices_of_ints(&[5]), Err(0));
        assert_eq!(m.indices_of_ints(&[-1]), Err(0));
    }

    fn serde_json_round_trip(m: &IdMap) -> IdMap {
        // RawIds is untagged: integers serialise as a plain list.
        let raw: RawIds = m.clone().into();
        IdMap::from(raw)
    }
}
