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
            super::f32s(&super::from_f32s(&[0.5, -1e-9])),
            vec![0.5, -1e-9]
        );
    }
}
