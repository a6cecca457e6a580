//! [`Timestamp`], a point in time, and its RFC 3339 text:
//! `2026-11-25T11:40:52.123Z`.
//!
//! Dates are proleptic Gregorian in UTC, converted with Howard Hinnant's
//! days-from-civil algorithm, so no time-zone database is needed.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// A point in time: milliseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The timestamp `millis` milliseconds after the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The current wall-clock time.
    pub fn now() -> Self {
        let millis = match web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH) {
            Ok(d) => d.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        };
        Self(millis)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({}ms)", self.0)
    }
}

const MS_PER_DAY: i64 = 86_400_000;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Timestamp {
    /// RFC 3339 in UTC with milliseconds.
    pub fn to_rfc3339(self) -> String {
        let ms = self.as_millis();
        let (days, rem) = (ms.div_euclid(MS_PER_DAY), ms.rem_euclid(MS_PER_DAY));
        let (y, m, d) = civil_from_days(days);
        let (h, min, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
    }

    /// Parses RFC 3339 (`Z` or a `±HH:MM` offset, optional fraction; digits
    /// past milliseconds are truncated).
    pub fn parse_rfc3339(input: &str) -> Result<Self, ModelError> {
        let bad = |why: &str| ModelError::Unparsable {
            what: "date-time",
            input: input.chars().take(64).collect(),
            reason: format!("{why}; expected RFC 3339 such as 2026-11-25T11:40:52Z"),
        };
        let b = input.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(bad("malformed"));
        }
        let num = |from: usize, to: usize| -> Result<i64, ModelError> {
            input
                .get(from..to)
                .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("not a number"))
        };
        let (y, m, d, h, min, s) = (num(0, 4)?, num(5, 7)?, num(8, 10)?, num(11, 13)?, num(14, 16)?, num(17, 19)?);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] || h > 23 || min > 59 || s > 60 {
            return Err(bad("field out of range"));
        }
        let mut at = 19;
        let mut millis = 0;
        if b.get(at) == Some(&b'.') {
            let start = at + 1;
            at = start;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            if at == start {
                return Err(bad("empty fraction"));
            }
            let digits: String = input[start..at].chars().chain("000".chars()).take(3).collect();
            millis = digits.parse::<i64>().map_err(|_| bad("bad fraction"))?;
        }
        let offset_min = match &b[at..] {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (oh, om) = (num(at + 1, at + 3)?, num(at + 4, at + 6)?);
                if oh > 23 || om > 59 {
                    return Err(bad("offset out of range"));
                }
                let total = oh * 60 + om;
                if *sign == b'+' { total } else { -total }
            }
            _ => return Err(bad("missing or malformed offset")),
        };
        let days = days_from_civil(y, m, d);
        let ms = days * MS_PER_DAY + ((h * 60 + min - offset_min) * 60 + s.min(59)) * 1000 + millis;
        Ok(Timestamp::from_millis(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(Timestamp::from_millis(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Timestamp::from_millis(951_782_400_000).to_rfc3339(), "2000-02-29T00:00:00.000Z");
        assert_eq!(Timestamp::from_millis(-1).to_rfc3339(), "1969-12-31T23:59:59.999Z");
        let t = Timestamp::parse_rfc3339("2026-11-25T12:40:52.5+01:00");
        assert_eq!(t.map(Timestamp::to_rfc3339).ok().as_deref(), Some("2026-11-25T11:40:52.500Z"));
    }

    #[test]
    fn roundtrip_over_a_wide_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let t = Timestamp::from_millis(rng.i64(-62_135_596_800_000..253_402_300_799_999));
            assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).ok(), Some(t));
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-25T11:40:52",
            "2026-11-25T11:40:52.Z",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
