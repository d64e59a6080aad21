//! Fuzzing the loaders: random bytes and random mutations of valid files (cut lines, extra
//! fields, bad UTF-8, huge numbers, empty files) fed to every format's loader. Never a panic;
//! every error names a file of the dataset, and an error that belongs to a line names a line
//! the file has.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use gnnrec_data::loaders::delimited::{self, InteractionFile};
use gnnrec_data::registry::load;
use gnnrec_data::{DataError, Dataset};
use proptest::prelude::*;

/// One format: the dataset's folder name and its files (name, valid content).
struct Format {
    name: &'static str,
    folder: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
}

fn formats() -> Vec<Format> {
    let b = |s: &str| s.as_bytes().to_vec();
    let mut item =
        b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
            .to_vec();
    item.extend_from_slice(
        b"2|Caf\xe9 (1994)|01-Jan-1994||http://y|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
    );
    vec![
        Format {
            name: "ml-latest-small",
            folder: "ml-latest-small",
            files: vec![
                (
                    "ratings.csv",
                    b(
                        "userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,2,3.5,964981247\r\n2,1,5.0,964982224\r\n",
                    ),
                ),
                (
                    "movies.csv",
                    b(
                        "movieId,title,genres\r\n1,Toy Story (1995),Animation|Comedy\r\n2,\"Heat, The (1995)\",Action\r\n",
                    ),
                ),
            ],
        },
        Format {
            name: "ml-100k",
            folder: "ml-100k",
            files: vec![
                (
                    "u.data",
                    b("1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t878542960\n"),
                ),
                ("u.user", b("1|24|M|technician|85711\n2|53|F|other|94043\n")),
                ("u.item", item),
                ("u.occupation", b("technician\nother\n")),
                (
                    "u.genre",
                    b(
                        "unknown|0\nAction|1\nAdventure|2\nAnimation|3\nChildren's|4\nComedy|5\nCrime|6\nDocumentary|7\nDrama|8\nFantasy|9\nFilm-Noir|10\nHorror|11\nMusical|12\nMystery|13\nRomance|14\nSci-Fi|15\nThriller|16\nWar|17\nWestern|18\n",
                    ),
                ),
            ],
        },
        Format {
            name: "ml-1m",
            folder: "ml-1m",
            files: vec![
                (
                    "ratings.dat",
                    b("1::1::5::978300760\n1::2::3::978302109\n2::1::4::978301968\n"),
                ),
                ("users.dat", b("1::F::1::10::48067\n2::M::56::16::70072\n")),
                (
                    "movies.dat",
                    b(
                        "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Star Wars: Episode IV (1977)::Action|Sci-Fi\n",
                    ),
                ),
            ],
        },
        Format {
            name: "lastfm",
            folder: "lastfm",
            files: vec![
                (
                    "data1.txt",
                    b("1\t1\t13883\n1\t2\t11690\n2\t1\t3.2466e+05\n"),
                ),
                ("test1.txt", b("1\t3\t11351\n2\t2\t10300\n")),
                ("trustnetwork.txt", b("1\t2\n2\t1\n")),
            ],
        },
        Format {
            name: "lastfm-hetrec",
            folder: "lastfm/hetrec2011",
            files: vec![
                (
                    "user_artists.dat",
                    b("userID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\t11690\r\n3\t51\t228\r\n"),
                ),
                (
                    "user_taggedartists.dat",
                    b("userID\tartistID\ttagID\tday\tmonth\tyear\r\n2\t52\t13\t1\t4\t2009\r\n"),
                ),
                (
                    "artists.dat",
                    b(
                        "id\tname\turl\tpictureURL\n51\tDuran Duran\thttp://a\thttp://b\n52\tMorcheeba\thttp://c\thttp://d\n",
                    ),
                ),
            ],
        },
        Format {
            name: "gowalla",
            folder: "gowalla",
            files: vec![
                ("train.txt", b("0 0 1 2\n1 1 2\n2 0 2\n")),
                ("test.txt", b("0 3\n1 0\n2 1\n")),
            ],
        },
    ]
}

/// A mutation of one file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    /// The file cut at this share of its length.
    Cut(f64),
    /// Random bytes inserted at a share of its length.
    Insert(f64, Vec<u8>),
    /// One byte replaced by an invalid UTF-8 byte.
    BadUtf8(f64),
    /// A field of one line replaced by a huge number.
    HugeNumber(f64),
    /// An extra field appended to one line.
    ExtraField(f64),
    /// A line removed.
    DropLine(f64),
    /// The file emptied.
    Empty,
    /// The file replaced by random bytes.
    Random(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0f64..1.0;
    prop_oneof![
        at.clone().prop_map(Mutation::Cut),
        (at.clone(), prop::collection::vec(any::<u8>(), 1..12))
            .prop_map(|(a, b)| Mutation::Insert(a, b)),
        at.clone().prop_map(Mutation::BadUtf8),
        at.clone().prop_map(Mutation::HugeNumber),
        at.clone().prop_map(Mutation::ExtraField),
        at.prop_map(Mutation::DropLine),
        Just(Mutation::Empty),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(Mutation::Random),
    ]
}

fn apply(m: &Mutation, bytes: &[u8]) -> Vec<u8> {
    let pos = |share: f64| ((bytes.len() as f64 * share) as usize).min(bytes.len());
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let line_at =
        |share: f64| ((lines.len() as f64 * share) as usize).min(lines.len().saturating_sub(1));
    let with_line = |share: f64, f: &dyn Fn(&[u8]) -> Vec<u8>| -> Vec<u8> {
        let k = line_at(share);
        lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| if i == k { f(l) } else { l.to_vec() })
            .collect()
    };
    match m {
        Mutation::Cut(s) => bytes[..pos(*s)].to_vec(),
        Mutation::Insert(s, b) => [&bytes[..pos(*s)], b, &bytes[pos(*s)..]].concat(),
        Mutation::BadUtf8(s) => {
            let mut v = bytes.to_vec();
            if !v.is_empty() {
                let p = pos(*s).min(v.len() - 1);
                v[p] = 0xff;
            }
            v
        }
        Mutation::HugeNumber(s) => with_line(*s, &|l| {
            let text = String::from_utf8_lossy(l).into_owned();
            let digits = text.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
            let mut out = text[..digits].to_string();
            out.push_str("99999999999999999999999");
            out.push_str(&text[digits..]);
            out.into_bytes()
        }),
        Mutation::ExtraField(s) => with_line(*s, &|l| {
            let body = l.strip_suffix(b"\n").unwrap_or(l);
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            let sep = [b'\t', b',', b'|', b' ', b':']
                .into_iter()
                .find(|c| body.contains(c))
                .unwrap_or(b',');
            [body, &[sep], b"7", &l[body.len()..]].concat()
        }),
        Mutation::DropLine(s) => with_line(*s, &|_| Vec::new()),
        Mutation::Empty => Vec::new(),
        Mutation::Random(b) => b.clone(),
    }
}

/// Loads `fmt` with file `which` mutated by `m`; checks the outcome.
fn check(fmt: &Format, which: usize, m: &Mutation) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join(fmt.folder);
    std::fs::create_dir_all(&dir).unwrap();
    let mut mutated = Vec::new();
    for (k, (file, bytes)) in fmt.files.iter().enumerate() {
        let content = if k == which {
            apply(m, bytes)
        } else {
            bytes.clone()
        };
        std::fs::write(dir.join(file), &content).unwrap();
        if k == which {
            mutated = content;
        }
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| load(fmt.name, root.path())));
    let Ok(result) = outcome else {
        panic!(
            "{}: loading panicked with {} mutated by {m:?}",
            fmt.name, fmt.files[which].0
        );
    };
    if let Err(e) = result {
        names_a_file_and_a_real_line(
            &e,
            &fmt.files.iter().map(|f| f.0).collect::<Vec<_>>(),
            fmt.files[which].0,
            &mutated,
        );
    }
}

fn names_a_file_and_a_real_line(e: &DataError, files: &[&str], mutated_file: &str, mutated: &[u8]) {
    let msg = e.to_string();
    assert!(
        files.iter().any(|f| msg.contains(f)),
        "the error names no file: {msg}"
    );
    if let DataError::Invalid { at, .. } = e
        && let Some(line) = at.line
    {
        assert!(line >= 1, "{msg}");
        if Path::new(&at.file).file_name() == Some(std::ffi::OsStr::new(mutated_file)) {
            let lines = mutated.split(|&b| b == b'\n').count();
            assert!(line <= lines, "line {line} of {lines}: {msg}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn named_formats_never_panic_and_name_the_file(f in 0usize..6, which in 0usize..5, m in mutation()) {
        let formats = formats();
        let fmt = &formats[f];
        check(fmt, which % fmt.files.len(), &m);
    }

    #[test]
    fn a_users_own_file_never_panics(m in mutation(), header in any::<bool>(), sep in prop::sample::select(vec![b',', b'\t', b';', b' '])) {
        let s = sep as char;
        let mut body = if header { format!("user{s}item{s}rating{s}timestamp\n") } else { String::new() };
        body.push_str(&format!("u1{s}i1{s}4{s}100\nu1{s}i2{s}3{s}200\nu2{s}i1{s}5{s}300\n"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.csv");
        let mutated = apply(&m, body.as_bytes());
        std::fs::write(&path, &mutated).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| delimited::load(&InteractionFile::auto(&path))));
        let result: Result<Dataset, DataError> = match outcome {
            Ok(r) => r,
            Err(_) => panic!("loading panicked on {m:?}"),
        };
        if let Err(e) = result {
            names_a_file_and_a_real_line(&e, &["mine.csv"], "mine.csv", &mutated);
        }
    }
}

#[test]
fn the_fixtures_themselves_load() {
    for fmt in formats() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join(fmt.folder);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, bytes) in &fmt.files {
            std::fs::write(dir.join(file), bytes).unwrap();
        }
        let d = load(fmt.name, root.path()).unwrap_or_else(|e| panic!("{}: {e}", fmt.name));
        assert!(d.interactions.len() >= 3, "{}", fmt.name);
    }
}
