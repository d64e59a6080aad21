//! Bad input gets an error naming the file, the line and the reason; never a panic.

use std::path::{Path, PathBuf};

use gnnrec_data::DataError;
use gnnrec_data::loaders::delimited::{self, InteractionFile};
use gnnrec_data::registry::load;

const MOVIES: &str =
    "movieId,title,genres\r\n1,Toy Story (1995),Animation|Comedy\r\n2,Heat (1995),Action\r\n";
const HEADER: &str = "userId,movieId,rating,timestamp\r\n";

/// A data directory whose ml-latest-small has the given ratings.csv body.
fn ml_small_with(ratings: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("ml-latest-small");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("ratings.csv"), ratings).unwrap();
    std::fs::write(dir.join("movies.csv"), MOVIES).unwrap();
    let p = root.path().to_path_buf();
    (root, p)
}

fn error_of(ratings: &str) -> DataError {
    let (_keep, dir) = ml_small_with(ratings);
    load("ml-latest-small", &dir).expect_err("bad input must be rejected")
}

fn assert_line(err: &DataError, line: usize, words: &str) {
    let msg = err.to_string();
    assert_eq!(err.line_number(), Some(line), "{msg}");
    assert!(msg.contains("ratings.csv"), "message names the file: {msg}");
    assert!(
        msg.contains(&format!("line {line}")),
        "message names the line: {msg}"
    );
    assert!(
        msg.contains(words),
        "message gives the reason `{words}`: {msg}"
    );
}

#[test]
fn good_file_loads() {
    let (_keep, dir) = ml_small_with(&format!("{HEADER}1,1,4.0,10\r\n1,2,3.5,11\r\n2,1,5,12\r\n"));
    let d = load("ml-latest-small", &dir).unwrap();
    assert_eq!((d.n_users(), d.n_items(), d.interactions.len()), (2, 2, 3));
}

#[test]
fn missing_file_is_named() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("ml-100k")).unwrap();
    let err = load("ml-100k", root.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DataError::Io { .. }), "{msg}");
    assert!(msg.contains("u.user"), "{msg}");
}

#[test]
fn missing_dataset_says_where_to_put_it() {
    let root = tempfile::tempdir().unwrap();
    let msg = load("gowalla", root.path()).unwrap_err().to_string();
    assert!(
        msg.contains("gowalla") && msg.contains("GNNREC_DATA"),
        "{msg}"
    );
}

#[test]
fn empty_file() {
    let err = error_of("");
    assert!(
        err.to_string().contains("ratings.csv") && err.to_string().contains("empty"),
        "{err}"
    );
    let err = error_of(HEADER);
    assert!(err.to_string().contains("no data rows"), "{err}");
}

#[test]
fn too_many_fields() {
    assert_line(
        &error_of(&format!("{HEADER}1,1,4.0,10\r\n1,2,3.5,11,99\r\n")),
        3,
        "expected 4 fields",
    );
}

#[test]
fn too_few_fields() {
    assert_line(
        &error_of(&format!("{HEADER}1,1,4.0,10\r\n1,2,3.5,11\r\n1,2\r\n")),
        4,
        "expected 4 fields, found 2",
    );
}

#[test]
fn non_numeric_id() {
    assert_line(
        &error_of(&format!("{HEADER}1,1,4.0,10\r\nbob,2,3.5,11\r\n")),
        3,
        "userId `bob` is not a number",
    );
}

#[test]
fn non_numeric_rating() {
    assert_line(
        &error_of(&format!("{HEADER}1,1,four,10\r\n")),
        2,
        "rating `four` is not a number",
    );
}

#[test]
fn nan_rating() {
    assert_line(
        &error_of(&format!("{HEADER}1,1,4,10\r\n1,2,NaN,10\r\n")),
        3,
        "not a finite number",
    );
}

#[test]
fn out_of_range_rating() {
    assert_line(
        &error_of(&format!("{HEADER}1,1,4,10\r\n1,2,7.5,10\r\n")),
        3,
        "outside [0.5, 5]",
    );
}

#[test]
fn unreadable_encoding() {
    let (_keep, dir) = ml_small_with(HEADER);
    let bad: Vec<u8> = [HEADER.as_bytes(), b"1,1,4,10\r\n1,2,3,1\xff\r\n"].concat();
    std::fs::write(dir.join("ml-latest-small/ratings.csv"), bad).unwrap();
    let err = load("ml-latest-small", &dir).unwrap_err();
    assert_line(&err, 3, "invalid UTF-8");
}

#[test]
fn blank_lines_do_not_shift_line_numbers() {
    assert_line(
        &error_of(&format!("{HEADER}1,1,4,10\r\n\r\n1,2,x,10\r\n")),
        4,
        "rating `x`",
    );
}

#[test]
fn duplicates_follow_the_first_occurrence_rule_and_are_counted() {
    let (_keep, dir) = ml_small_with(&format!("{HEADER}1,1,4.0,10\r\n1,1,2.0,20\r\n1,2,3,1\r\n"));
    let d = load("ml-latest-small", &dir).unwrap();
    assert_eq!(d.report.duplicates_removed, 1);
    assert_eq!(d.interactions.len(), 2);
    assert_eq!(d.interactions.ratings.as_ref().unwrap()[0], 4.0);
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn user_files_with_and_without_header() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "edges.csv",
        "user,item,weight,timestamp\nalice,x,2,100\nbob,y,1.5,50\n",
    );
    let d = delimited::load(&InteractionFile::auto(&p)).unwrap();
    assert_eq!((d.n_users(), d.n_items()), (2, 2));
    assert_eq!(d.users.raw(0).to_string(), "alice");
    assert_eq!(d.interactions.weights.as_ref().unwrap(), &[2.0, 1.5]);
    assert_eq!(d.interactions.timestamps.as_ref().unwrap(), &[100, 50]);

    let p = write(dir.path(), "ratings.tsv", "7\t3\t4\n8\t3\t5\n");
    let spec = InteractionFile {
        rating: Some("2".into()),
        ..InteractionFile::auto(&p)
    };
    let d = delimited::load(&spec).unwrap();
    assert_eq!(d.interactions.ratings.as_ref().unwrap(), &[4.0, 5.0]);
    assert!(d.interactions.weights.is_none());

    let p = write(dir.path(), "bad.tsv", "7\t3\t4\n8\t3\tNaN\n");
    let err = delimited::load(&InteractionFile::auto(&p)).unwrap_err();
    assert_eq!(err.line_number(), Some(2), "{err}");

    let spec = InteractionFile {
        item: Some("genre".into()),
        ..InteractionFile::auto(write(dir.path(), "h.csv", "user,item\n1,2\n"))
    };
    let msg = delimited::load(&spec).unwrap_err().to_string();
    assert!(msg.contains("no column `genre`"), "{msg}");
}
