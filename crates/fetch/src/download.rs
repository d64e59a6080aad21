//! A streaming HTTP download into a partial file that survives interruptions: a rerun, or a
//! retry after a connection cut mid-file, asks for the rest with `Range: bytes=N-` and
//! appends it (a server that ignores the range gets the file rewritten from the start).

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use ureq::Agent;

use crate::error::{FetchError, Result};

/// Attempts per file when the transfer breaks mid-body.
pub const ATTEMPTS: usize = 4;

/// What a download reports as it goes.
pub trait DownloadProgress {
    /// A transfer of `url` starts at byte `from` of `total` (when the server says).
    fn begin(&self, url: &str, from: u64, total: Option<u64>);
    /// `n` more bytes arrived.
    fn advance(&self, n: u64);
    /// The transfer broke and is retried from byte `at`.
    fn retry(&self, url: &str, at: u64, reason: &str);
}

/// An HTTP agent whose connect, first-answer and per-read waits are bounded by `timeout`.
pub fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        .timeout_connect(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_recv_body(None)
        .timeout_per_read(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("gnnrec/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Downloads `url` into `part`, resuming what `part` already holds.
pub fn download(
    agent: &Agent,
    url: &str,
    part: &Path,
    progress: &dyn DownloadProgress,
) -> Result<()> {
    let mut last = String::new();
    for _ in 0..ATTEMPTS {
        let have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
        let mut req = agent.get(url);
        if have > 0 {
            req = req.header("Range", format!("bytes={have}-"));
        }
        let resp = req.call().map_err(|e| FetchError::Transfer {
            url: url.to_string(),
            reason: describe(&e),
        })?;
        let status = resp.status().as_u16();
        let append = match status {
            200 => false,
            206 => true,
            // The range starts at the end: the partial file is complete.
            416 if have > 0 => return Ok(()),
            _ => {
                return Err(FetchError::Http {
                    url: url.to_string(),
                    status,
                });
            }
        };
        let length = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let start = if append { have } else { 0 };
        progress.begin(url, start, length.map(|l| l + start));
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(part)
            .map_err(|e| FetchError::io(part, e))?;
        let mut body = resp.into_body().into_reader();
        let mut buf = vec![0u8; 1 << 16];
        let mut received = 0u64;
        let outcome: std::result::Result<(), String> = loop {
            match body.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    file.write_all(&buf[..n])
                        .map_err(|e| FetchError::io(part, e))?;
                    received += n as u64;
                    progress.advance(n as u64);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e.to_string()),
            }
        };
        file.flush().map_err(|e| FetchError::io(part, e))?;
        match outcome {
            Ok(()) if length.is_none_or(|l| received == l) => return Ok(()),
            Ok(()) => {
                last = format!(
                    "the connection closed after {received} of {} bytes",
                    length.unwrap_or(0)
                )
            }
            Err(reason) => last = reason,
        }
        progress.retry(url, start + received, &last);
    }
    Err(FetchError::Transfer {
        url: url.to_string(),
        reason: format!(
            "the transfer broke {ATTEMPTS} times (last: {last}); run the fetch again to resume"
        ),
    })
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "no answer in time (a timeout; --timeout sets it)".to_string(),
        other => other.to_string(),
    }
}
