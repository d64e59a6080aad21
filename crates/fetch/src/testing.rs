//! For tests (no internet here): a loopback HTTP/1.1 server that plays a dataset mirror —
//! serving files with `Range` support, cutting connections mid-file, answering 404, or never
//! answering. Used by this crate's tests and the CLI's.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request the mirror saw: its path and its `Range` header.
pub type Request = (String, Option<String>);

/// What the mirror does with requests for one path.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Serves the bytes, honouring `Range: bytes=N-`.
    Serve(Arc<Vec<u8>>),
    /// The first `times` requests get the full length announced and `at` bytes sent, then the
    /// connection closes; later ones are served.
    Cut {
        /// The file.
        bytes: Arc<Vec<u8>>,
        /// Bytes sent before the cut.
        at: usize,
        /// Requests still to cut.
        times: usize,
    },
    /// Answers 404.
    NotFound,
    /// Accepts and never answers.
    Silent,
}

/// A loopback HTTP/1.1 server: one thread per connection, `Connection: close`.
#[derive(Debug)]
pub struct Mirror {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// (path, range header) of every request.
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Mirror {
    /// Serves `routes` (request path → behaviour) on an ephemeral loopback port.
    pub fn start(routes: HashMap<String, Behaviour>) -> Mirror {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let routes = Arc::new(Mutex::new(routes));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (log, routes) = (log.clone(), routes.clone());
                std::thread::spawn(move || answer(stream, &log, &routes));
            }
        });
        Mirror { base, requests }
    }
    /// The `Range` header of every request so far, in order.
    pub fn ranges(&self) -> Vec<Option<String>> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.1.clone())
            .collect()
    }
}

fn answer(
    mut stream: TcpStream,
    log: &Mutex<Vec<Request>>,
    routes: &Mutex<HashMap<String, Behaviour>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("range")
        {
            range = Some(v.trim().to_string());
        }
    }
    log.lock().unwrap().push((path.clone(), range.clone()));
    let behaviour = {
        let mut r = routes.lock().unwrap();
        let b = r.get(&path).cloned();
        if let Some(Behaviour::Cut { bytes, at, times }) = &b
            && *times > 0
        {
            r.insert(
                path.clone(),
                Behaviour::Cut {
                    bytes: bytes.clone(),
                    at: *at,
                    times: times - 1,
                },
            );
        }
        b
    };
    let serve = |stream: &mut TcpStream, bytes: &[u8]| {
        let start = range
            .as_deref()
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
        let _ = match start {
            Some(s) if s >= bytes.len() => {
                write!(stream, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            }
            Some(s) => write!(
                stream,
                "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {}-{}/{}\r\nConnection: close\r\n\r\n",
                bytes.len() - s,
                s,
                bytes.len() - 1,
                bytes.len()
            )
            .and_then(|_| stream.write_all(&bytes[s..])),
            None => write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", bytes.len())
                .and_then(|_| stream.write_all(bytes)),
        };
    };
    match behaviour {
        Some(Behaviour::Serve(bytes)) => serve(&mut stream, &bytes),
        Some(Behaviour::Cut { bytes, at, times }) if times > 0 => {
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bytes.len()
            );
            let _ = stream.write_all(&bytes[..at]);
            let _ = stream.flush();
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Some(Behaviour::Cut { bytes, .. }) => serve(&mut stream, &bytes),
        Some(Behaviour::Silent) => {
            std::thread::sleep(Duration::from_secs(30));
        }
        Some(Behaviour::NotFound) | None => {
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found"
            );
        }
    }
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}
