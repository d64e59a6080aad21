//! Numbers to bytes and back, little-endian, for the byte collectives.

macro_rules! codec {
    ($to:ident, $from:ident, $t:ty) => {
        /// The little-endian bytes of `xs`.
        pub fn $to(xs: &[$t]) -> Vec<u8> {
            let mut out = Vec::with_capacity(std::mem::size_of_val(xs));
            for x in xs {
                out.extend_from_slice(&x.to_le_bytes());
            }
            out
        }

        /// Values read back from their little-endian bytes.
        pub fn $from(b: &[u8]) -> Vec<$t> {
            b.chunks_exact(std::mem::size_of::<$t>())
                .map(|c| <$t>::from_le_bytes(c.try_into().expect("chunk of the type's size")))
                .collect()
        }
    };
}

codec!(from_u32s, u32s, u32);
codec!(from_u64s, u64s, u64);
codec!(from_i64s, i64s, i64);
codec!(from_f32s, f32s, f32);
codec!(from_f64s, f64s, f64);

/// Strings as bytes: each one's length (`u32`, little-endian), then its UTF-8.
pub fn from_strs(xs: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for x in xs {
        let len = u32::try_from(x.len()).expect("a string under 4 GiB");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(x.as_bytes());
    }
    out
}

/// Strings read back from [`from_strs`]'s bytes.
pub fn strs(mut b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while b.len() >= 4 {
        let len = u32::from_le_bytes(b[..4].try_into().expect("four bytes")) as usize;
        out.push(String::from_utf8_lossy(&b[4..4 + len]).into_owned());
        b = &b[4 + len..];
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_round_trip() {
        assert_eq!(
            super::u32s(&super::from_u32s(&[1, u32::MAX])),
            vec![1, u32::MAX]
        );
        assert_eq!(super::i64s(&super::from_i64s(&[-3, 7])), vec![-3, 7]);
        assert_eq!(
            super::strs(&super::from_strs(&["", "sku-9", "é"])),
            vec!["", "sku-9", "é"]
        );
        assert_eq!(
            super::f32s(&super::from_f32s(&[0.5, -1e-9])),
            vec![0.5, -1e-9]
        );
    }
}
