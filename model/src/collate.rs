//! Order-preserving byte encodings of scalar values, for index keys.
//!
//! For two values `a` and `b` of one field type, `collate(a) < collate(b)`
//! exactly when `a < b` in the type's natural order, and null sorts first.
//! Strings are escaped and terminated so a string sorts before its
//! extensions even when an entity id follows it in the key.

use crate::value::Value;

const NULL: u8 = 0x00;
const PRESENT: u8 = 0x01;

/// Appends the collated form of `value` to `out`.
pub fn collate_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(NULL),
        Value::Bool(b) => out.extend([PRESENT, u8::from(*b)]),
        Value::I32(n) => {
            out.push(PRESENT);
            out.extend(((*n as u32) ^ (1 << 31)).to_be_bytes());
        }
        Value::I64(n) => {
            out.push(PRESENT);
            out.extend(((*n as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::Timestamp(t) => {
            out.push(PRESENT);
            out.extend(((t.as_millis() as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::F64(f) => {
            out.push(PRESENT);
            let bits = f.to_bits();
            // IEEE 754 total order: flip all bits of negatives, only the sign of positives.
            let ordered = if bits >> 63 == 1 { !bits } else { bits ^ (1 << 63) };
            out.extend(ordered.to_be_bytes());
        }
        Value::String(s) => {
            out.push(PRESENT);
            escape_into(s.as_bytes(), out);
            out.extend([0x00, 0x00]);
        }
        Value::Ref(id) => {
            out.push(PRESENT);
            out.extend(id.to_bytes());
        }
    }
}

pub fn collate(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    collate_into(value, &mut out);
    out
}

/// The collated prefix shared by every string starting with `prefix`
/// (the escaped bytes, without the terminator).
pub fn string_prefix(prefix: &str) -> Vec<u8> {
    let mut out = vec![PRESENT];
    escape_into(prefix.as_bytes(), &mut out);
    out
}

/// `0x00` becomes `0x00 0xFF`, so the terminator `0x00 0x00` sorts below any content.
fn escape_into(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chronicle_model::{EntityId, Timestamp};
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn check_sorted<T: Clone + std::fmt::Debug>(
        mut values: Vec<T>,
        to_value: impl Fn(&T) -> Value,
        cmp: impl Fn(&T, &T) -> Ordering,
    ) {
        values.sort_by(&cmp);
        let mut by_bytes = values.clone();
        by_bytes.sort_by_key(|v| collate(&to_value(v)));
        for (a, b) in values.iter().zip(&by_bytes) {
            assert_eq!(cmp(a, b), Ordering::Equal, "natural {values:?}\ncollated {by_bytes:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn i32_order(v in prop::collection::vec(any::<i32>(), 0..200)) {
            check_sorted(v, |n| Value::I32(*n), Ord::cmp);
        }

        #[test]
        fn i64_and_timestamp_order(v in prop::collection::vec(any::<i64>(), 0..200)) {
            check_sorted(v.clone(), |n| Value::I64(*n), Ord::cmp);
            check_sorted(v, |n| Value::Timestamp(Timestamp::from_millis(*n)), Ord::cmp);
        }

        #[test]
        fn f64_total_order(v in prop::collection::vec(any::<f64>(), 0..200)) {
            check_sorted(v, |n| Value::F64(*n), f64::total_cmp);
        }

        #[test]
        fn string_order_with_shared_prefixes_and_nuls(v in prop::collection::vec("[ab\u{0}\u{ff}é]{0,6}", 0..200)) {
            check_sorted(v.clone(), |s| Value::String(s.clone()), |a, b| a.as_bytes().cmp(b.as_bytes()));
            // With an entity id appended, as in an index key, the order still holds.
            let id = [0xFFu8; 16];
            let mut keyed: Vec<(String, Vec<u8>)> = v.into_iter().map(|s| {
                let mut k = collate(&Value::String(s.clone()));
                k.extend(id);
                (s, k)
            }).collect();
            keyed.sort_by(|a, b| a.1.cmp(&b.1));
            prop_assert!(keyed.windows(2).all(|w| w[0].0.as_bytes() <= w[1].0.as_bytes()));
        }

        #[test]
        fn null_sorts_first(n in any::<i64>(), s in ".*", f in any::<f64>(), b in any::<bool>()) {
            for v in [Value::I64(n), Value::String(s), Value::F64(f), Value::Bool(b), Value::Ref(EntityId::new())] {
                prop_assert!(collate(&Value::Null) < collate(&v));
            }
        }

        #[test]
        fn string_prefix_matches_exactly_the_extensions(p in "[ab\u{0}]{0,3}", s in "[ab\u{0}]{0,5}") {
            let key = collate(&Value::String(s.clone()));
            prop_assert_eq!(key.starts_with(&string_prefix(&p)), s.starts_with(&p));
        }
    }

    #[test]
    fn bool_order() {
        assert!(collate(&Value::Bool(false)) < collate(&Value::Bool(true)));
    }
}
