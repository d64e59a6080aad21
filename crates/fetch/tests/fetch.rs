//! `fetch` against an in-process HTTP server on loopback (there is no internet here): a
//! success with every pinned hash checked, a checksum mismatch, a connection cut mid-file
//! (resumed with a Range request, within one fetch and across two), a 404, and a server that
//! never answers.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gnnrec_fetch::testing::{Behaviour, Mirror};
use gnnrec_fetch::{FetchError, FetchOptions, Progress, fetch, staging_dir};

struct Quiet;
impl Progress for Quiet {
    fn begin(&self, _: &str, _: u64, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn retry(&self, _: &str, _: u64, _: &str) {}
}

/// The bundled ml-latest-small folder (the publisher's bytes: its hashes are the pinned ones).
fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ml-latest-small")
}

/// A zip of ml-latest-small as GroupLens lays it out (top folder `ml-latest-small/`), with
/// `tamper` applied to each file's bytes.
fn ml_latest_small_zip(tamper: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Arc<Vec<u8>> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.add_directory("ml-latest-small/", opts).unwrap();
        for f in [
            "README.txt",
            "links.csv",
            "movies.csv",
            "ratings.csv",
            "tags.csv",
        ] {
            zip.start_file(format!("ml-latest-small/{f}"), opts)
                .unwrap();
            let bytes = tamper(f, std::fs::read(bundled().join(f)).unwrap());
            zip.write_all(&bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    Arc::new(buf.into_inner())
}

const ML_SMALL: &str = "/files.grouplens.org/datasets/movielens/ml-latest-small.zip";

fn options(dir: &Path, mirror: &Mirror, timeout: Duration) -> FetchOptions {
    FetchOptions {
        data_dir: dir.to_path_buf(),
        mirror: Some(mirror.base.clone()),
        timeout,
    }
}

/// A mirror serving `behaviour` for ml-latest-small's archive, and a fetch of it into a
/// fresh data directory (timeout 5 s).
fn fetch_small(
    behaviour: Behaviour,
) -> (
    Mirror,
    tempfile::TempDir,
    gnnrec_fetch::Result<gnnrec_fetch::FetchReport>,
) {
    let mirror = Mirror::start(HashMap::from([(ML_SMALL.to_string(), behaviour)]));
    let dir = tempfile::tempdir().unwrap();
    let result = fetch(
        "ml-latest-small",
        &options(dir.path(), &mirror, Duration::from_secs(5)),
        &Quiet,
    );
    (mirror, dir, result)
}

fn nothing_left(dir: &Path, folder: &str) {
    assert!(!dir.join(folder).exists(), "{folder} was left behind");
    assert!(
        !staging_dir(dir).exists(),
        "the staging folder was left behind"
    );
}

#[test]
fn a_fetch_checks_every_pinned_hash_and_places_the_folder() {
    let mirror = Mirror::start(HashMap::from([(
        ML_SMALL.to_string(),
        Behaviour::Serve(ml_latest_small_zip(|_, b| b)),
    )]));
    let dir = tempfile::tempdir().unwrap();
    let report = fetch(
        "ml-latest-small",
        &options(dir.path(), &mirror, Duration::from_secs(5)),
        &Quiet,
    )
    .unwrap();
    assert_eq!(report.files.len(), 5);
    assert!(report.files.iter().all(|f| f.pinned));
    for f in [
        "README.txt",
        "links.csv",
        "movies.csv",
        "ratings.csv",
        "tags.csv",
    ] {
        assert_eq!(
            std::fs::read(dir.path().join("ml-latest-small").join(f)).unwrap(),
            std::fs::read(bundled().join(f)).unwrap()
        );
    }
    assert!(!staging_dir(dir.path()).exists());
    // A second fetch refuses to overwrite it.
    let again = fetch(
        "ml-latest-small",
        &options(dir.path(), &mirror, Duration::from_secs(5)),
        &Quiet,
    );
    assert!(
        matches!(again, Err(FetchError::AlreadyPresent { .. })),
        "{again:?}"
    );
}

#[test]
fn a_checksum_mismatch_is_a_clear_error_and_leaves_nothing() {
    let tampered = ml_latest_small_zip(|f, mut b| {
        if f == "ratings.csv" {
            b[100] ^= 1;
        }
        b
    });
    let (_mirror, dir, result) = fetch_small(Behaviour::Serve(tampered));
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("ratings.csv") && text.contains("checksum mismatch"),
        "{text}"
    );
    assert!(
        text.contains("aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646"),
        "{text}"
    );
    nothing_left(dir.path(), "ml-latest-small");
}

#[test]
fn a_connection_cut_mid_file_is_resumed_with_a_range_request() {
    let zip = ml_latest_small_zip(|_, b| b);
    let at = zip.len() / 2;
    let mirror = Mirror::start(HashMap::from([(
        ML_SMALL.to_string(),
        Behaviour::Cut {
            bytes: zip,
            at,
            times: 1,
        },
    )]));
    let dir = tempfile::tempdir().unwrap();
    fetch(
        "ml-latest-small",
        &options(dir.path(), &mirror, Duration::from_secs(5)),
        &Quiet,
    )
    .unwrap();
    assert_eq!(mirror.ranges(), vec![None, Some(format!("bytes={at}-"))]);
    assert!(dir.path().join("ml-latest-small/ratings.csv").is_file());
    nothing_left_but(dir.path());
}

fn nothing_left_but(dir: &Path) {
    assert!(!staging_dir(dir).exists());
}

#[test]
fn a_fetch_cut_off_every_time_keeps_its_partial_file_and_the_next_one_resumes() {
    let zip = ml_latest_small_zip(|_, b| b);
    let at = zip.len() / 3;
    let mirror = Mirror::start(HashMap::from([(
        ML_SMALL.to_string(),
        Behaviour::Cut {
            bytes: zip.clone(),
            at,
            times: gnnrec_fetch::download::ATTEMPTS,
        },
    )]));
    let dir = tempfile::tempdir().unwrap();
    let opts = options(dir.path(), &mirror, Duration::from_secs(5));
    // Every attempt restarts from where the last stopped: the cut server always sends from 0
    // with a 200, so the partial file holds the first third again after each.
    let err = fetch("ml-latest-small", &opts, &Quiet).unwrap_err();
    assert!(
        err.to_string().contains("run the fetch again to resume"),
        "{err}"
    );
    assert!(!dir.path().join("ml-latest-small").exists());
    let part = staging_dir(dir.path()).join("ml-latest-small/downloads/ml-latest-small.zip.part");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), at as u64);
    // The server recovers; the next fetch asks for the rest only.
    fetch("ml-latest-small", &opts, &Quiet).unwrap();
    assert_eq!(
        mirror.ranges().last().unwrap(),
        &Some(format!("bytes={at}-"))
    );
    assert!(!staging_dir(dir.path()).exists());
}

#[test]
fn a_404_is_an_error_naming_the_url() {
    let (_mirror, dir, result) = fetch_small(Behaviour::NotFound);
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("404") && text.contains("ml-latest-small.zip"),
        "{text}"
    );
    nothing_left(dir.path(), "ml-latest-small");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let mirror = Mirror::start(HashMap::from([(ML_SMALL.to_string(), Behaviour::Silent)]));
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let err = fetch(
        "ml-latest-small",
        &options(dir.path(), &mirror, Duration::from_millis(500)),
        &Quiet,
    )
    .unwrap_err();
    assert!(
        t0.elapsed() < Duration::from_secs(20),
        "took {:?}",
        t0.elapsed()
    );
    assert!(err.to_string().contains("timeout"), "{err}");
    assert!(!dir.path().join("ml-latest-small").exists());
}

#[test]
fn a_dataset_without_pins_reports_the_hashes_it_computed() {
    let files = [
        ("train.txt", "0 0 1\n1 1 2\n"),
        ("test.txt", "0 2\n1 0\n"),
        ("user_list.txt", "org_id remap_id\na 0\nb 1\n"),
        ("item_list.txt", "org_id remap_id\nx 0\ny 1\nz 2\n"),
    ];
    let routes = files
        .iter()
        .map(|(f, body)| {
            (
                format!("/raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/amazon-book/{f}"),
                Behaviour::Serve(Arc::new(body.as_bytes().to_vec())),
            )
        })
        .collect();
    let mirror = Mirror::start(routes);
    let dir = tempfile::tempdir().unwrap();
    let report = fetch(
        "amazon-book",
        &options(dir.path(), &mirror, Duration::from_secs(5)),
        &Quiet,
    )
    .unwrap();
    assert_eq!(report.files.len(), 4);
    assert!(
        report
            .files
            .iter()
            .all(|f| !f.pinned && f.sha256.len() == 64)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("amazon-book/test.txt")).unwrap(),
        "0 2\n1 0\n"
    );
    assert!(!staging_dir(dir.path()).exists());
}
