//! Text decoding with line-accurate errors: UTF-8 validation and latin-1 transcoding.

use std::borrow::Cow;

use crate::error::{DataError, Result};

/// The character encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (ASCII included). Invalid bytes are an error naming the line.
    #[default]
    Utf8,
    /// ISO-8859-1, as in ml-100k's `u.item`: every byte is one character.
    Latin1,
}

/// The 1-based line that holds byte `offset`.
pub fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Decodes `bytes` to UTF-8 text, failing with the file and line of the first invalid byte.
pub fn decode<'a>(file: &str, bytes: Cow<'a, [u8]>, encoding: Encoding) -> Result<Cow<'a, [u8]>> {
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(&bytes) {
            Ok(_) => Ok(bytes),
            Err(e) => Err(DataError::line(
                file,
                line_of_offset(&bytes, e.valid_up_to()),
                format!(
                    "invalid UTF-8 (byte 0x{:02x}); is the file in another encoding?",
                    bytes[e.valid_up_to()]
                ),
            )),
        },
        Encoding::Latin1 => {
            if bytes.is_ascii() {
                return Ok(bytes);
            }
            let text: String = bytes.iter().map(|&b| b as char).collect();
            Ok(Cow::Owned(text.into_bytes()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_becomes_utf8() {
        let out = decode("f", Cow::Borrowed(b"caf\xe9\n"), Encoding::Latin1).unwrap();
        assert_eq!(std::str::from_utf8(&out).unwrap(), "café\n");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = decode("f.csv", Cow::Borrowed(b"a,b\nc,\xff\n"), Encoding::Utf8).unwrap_err();
        assert_eq!(err.line_number(), Some(2));
        assert!(err.to_string().contains("f.csv, line 2"), "{err}");
    }
}
