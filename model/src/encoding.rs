//! The stable binary encoding of events and states.
//!
//! Every encoded value is one format-version byte followed by the value in
//! postcard's stable wire format (varint integers, length-prefixed strings and
//! sequences, enum variants as varint indexes in declaration order, `f64` as 8
//! little-endian bytes). Version 1 is the only version so far. A reader refuses
//! a higher version with `UnsupportedFormat` instead of misreading it; new
//! variants and fields are only ever appended, with a version bump.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ModelError;

/// The format version this build writes and the highest it reads.
pub const FORMAT_VERSION: u8 = 1;

/// `[FORMAT_VERSION] ++ postcard(value)`.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let out = vec![FORMAT_VERSION];
    // Serializing into a Vec cannot fail for the model's types: they hold no
    // maps with non-string keys and no unsized sequences.
    match postcard::to_extend(value, out) {
        Ok(bytes) => bytes,
        Err(e) => unreachable!("postcard cannot fail writing to a Vec: {e}"),
    }
}

/// Reads a value written by [`encode`]; `what` names it in errors.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, ModelError> {
    let Some((&version, body)) = bytes.split_first() else {
        return Err(ModelError::Decode { what, reason: "empty input".into() });
    };
    if version == 0 || version > FORMAT_VERSION {
        return Err(ModelError::UnsupportedFormat { what, found: version, supported: FORMAT_VERSION });
    }
    let (value, rest) =
        postcard::take_from_bytes(body).map_err(|e| ModelError::Decode { what, reason: e.to_string() })?;
    if !rest.is_empty() {
        return Err(ModelError::Decode { what, reason: format!("{} trailing bytes", rest.len()) });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_refusals() {
        let bytes = encode(&(7u32, "seven".to_string()));
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(decode::<(u32, String)>(&bytes, "pair"), Ok((7, "seven".into())));

        let mut newer = bytes.clone();
        newer[0] = FORMAT_VERSION + 1;
        assert!(matches!(decode::<(u32, String)>(&newer, "pair"), Err(ModelError::UnsupportedFormat { .. })));

        let truncated = &bytes[..bytes.len() - 2];
        assert!(matches!(decode::<(u32, String)>(truncated, "pair"), Err(ModelError::Decode { .. })));
        assert!(matches!(decode::<(u32, String)>(&[], "pair"), Err(ModelError::Decode { .. })));
    }
}
