//! Interactions a caller already holds in memory — a DataFrame's columns, a sparse matrix's
//! coordinates, arrays from another program — made into a [`Dataset`] by the rules of an
//! interactions file ([`crate::loaders::delimited`]): ids integers or strings, mapped in
//! ascending order; duplicate pairs removed and counted; ratings and weights finite; the
//! default split random 80/20 with seed 42. Every refusal names the table, the column and
//! the row.

use crate::dataset::{Dataset, LoadReport};
use crate::error::{DataError, Result};
use crate::idmap::IdMap;
use crate::interactions::Interactions;
use crate::loaders::delimited::{own_dataset, scale_of};

/// One id column: integers or strings.
#[derive(Debug, Clone, PartialEq)]
pub enum IdColumn {
    /// Integer ids.
    Int(Vec<i64>),
    /// String ids.
    Str(Vec<String>),
}

impl IdColumn {
    fn len(&self) -> usize {
        match self {
            IdColumn::Int(v) => v.len(),
            IdColumn::Str(v) => v.len(),
        }
    }

    /// The map over the column's distinct ids (ascending) and each row's index in it.
    fn mapped(&self) -> (IdMap, Vec<u32>) {
        match self {
            IdColumn::Int(v) => {
                let map = IdMap::from_ints(v.iter().copied());
                let idx = map.indices_of_ints(v).expect("map built from these ids");
                (map, idx)
            }
            IdColumn::Str(v) => {
                let map = IdMap::from_strs(v.iter().map(String::as_str));
                let refs: Vec<&str> = v.iter().map(String::as_str).collect();
                let idx = map
                    .indices_of_texts(&refs)
                    .expect("map built from these ids");
                (map, idx)
            }
        }
    }
}

/// The columns of a table of interactions, one row per interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// What the table is, for messages (`DataFrame`, `scipy matrix`).
    pub table: String,
    /// The user column's name, for messages.
    pub user_name: String,
    /// The item column's name, for messages.
    pub item_name: String,
    /// User ids.
    pub users: IdColumn,
    /// Item ids.
    pub items: IdColumn,
    /// Explicit ratings (column name, values).
    pub ratings: Option<(String, Vec<f32>)>,
    /// Implicit weights (column name, values), e.g. play counts.
    pub weights: Option<(String, Vec<f32>)>,
    /// Unix seconds (column name, values).
    pub times: Option<(String, Vec<i64>)>,
}

/// The dataset `name` of the interactions in `c`, or the error naming the column and row at
/// fault: columns of different lengths, an empty table, a rating or weight that is not a
/// finite number.
pub fn dataset_from_columns(name: &str, c: Columns) -> Result<Dataset> {
    let n = c.users.len();
    let at = |column: &str, row: Option<usize>| match row {
        Some(r) => format!("{}, column `{column}`, row {r}", c.table),
        None => format!("{}, column `{column}`", c.table),
    };
    if n == 0 {
        return Err(DataError::file(
            c.table.clone(),
            "no interactions: the table is empty",
        ));
    }
    let mut lengths = vec![(c.item_name.as_str(), c.items.len())];
    lengths.extend(c.ratings.as_ref().map(|(k, v)| (k.as_str(), v.len())));
    lengths.extend(c.weights.as_ref().map(|(k, v)| (k.as_str(), v.len())));
    lengths.extend(c.times.as_ref().map(|(k, v)| (k.as_str(), v.len())));
    for (column, len) in lengths {
        if len != n {
            return Err(DataError::file(
                at(column, None),
                format!("{len} rows, but column `{}` has {n}", c.user_name),
            ));
        }
    }
    for (column, values) in [&c.ratings, &c.weights].into_iter().flatten() {
        if let Some(row) = values.iter().position(|v| !v.is_finite()) {
            return Err(DataError::file(
                at(column, Some(row)),
                format!("{} is not a finite number", values[row]),
            ));
        }
    }
    let (users, u) = c.users.mapped();
    let (items, i) = c.items.mapped();
    let mut x = Interactions::new(u, i);
    x.ratings = c.ratings.as_ref().map(|(_, v)| v.clone());
    x.weights = c.weights.as_ref().map(|(_, v)| v.clone());
    x.timestamps = c.times.as_ref().map(|(_, v)| v.clone());
    let rating_scale = x.ratings.as_deref().map(scale_of);
    let duplicates_removed = x.dedup_pairs();
    let mut notes = Vec::new();
    if duplicates_removed > 0 {
        notes.push(format!(
            "{duplicates_removed} duplicate (user, item) rows removed: the first of each kept"
        ));
    }
    Ok(own_dataset(
        name.to_string(),
        users,
        items,
        x,
        rating_scale,
        LoadReport {
            duplicates_removed,
            notes,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idmap::RawIds;

    fn table(users: IdColumn, items: IdColumn) -> Columns {
        Columns {
            table: "DataFrame".into(),
            user_name: "user".into(),
            item_name: "item".into(),
            users,
            items,
            ratings: None,
            weights: None,
            times: None,
        }
    }

    #[test]
    fn ids_map_in_ascending_order_and_duplicates_are_counted() {
        let mut c = table(
            IdColumn::Int(vec![30, 10, 30, 10]),
            IdColumn::Str(vec!["b".into(), "a".into(), "b".into(), "c".into()]),
        );
        c.ratings = Some(("rating".into(), vec![4.0, 2.0, 5.0, 1.0]));
        let d = dataset_from_columns("mine", c).unwrap();
        assert_eq!(d.users.raw_ids(), &RawIds::Int(vec![10, 30]));
        assert_eq!(
            d.items.raw_ids(),
            &RawIds::Str(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(d.report.duplicates_removed, 1);
        assert_eq!(d.interactions.users, vec![1, 0, 0]);
        assert_eq!(d.interactions.items, vec![1, 0, 2]);
        assert_eq!(d.interactions.ratings, Some(vec![4.0, 2.0, 1.0]));
        // The scale is that of every rating given, the dropped duplicate's too (as a file's).
        let s = d.rating_scale.unwrap();
        assert_eq!((s.min, s.max), (1.0, 5.0));
    }

    #[test]
    fn bad_tables_are_refused_naming_column_and_row() {
        let e = dataset_from_columns("x", table(IdColumn::Int(vec![]), IdColumn::Int(vec![])));
        assert!(e.unwrap_err().to_string().contains("empty"));
        let e = dataset_from_columns(
            "x",
            table(IdColumn::Int(vec![1, 2]), IdColumn::Int(vec![1])),
        );
        let m = e.unwrap_err().to_string();
        assert!(m.contains("column `item`") && m.contains("1 rows"), "{m}");
        let mut c = table(IdColumn::Int(vec![1, 2]), IdColumn::Int(vec![1, 2]));
        c.weights = Some(("plays".into(), vec![1.0, f32::NAN]));
        let m = dataset_from_columns("x", c).unwrap_err().to_string();
        assert!(
            m.contains("column `plays`, row 1") && m.contains("NaN"),
            "{m}"
        );
    }
}
