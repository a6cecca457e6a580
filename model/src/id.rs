//! Entity and event identifiers (ULIDs) and the monotonic minting of new ones.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ulid::Ulid;

use crate::error::ModelError;
use crate::timestamp::Timestamp;

macro_rules! ulid_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub Ulid);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(&self.0)
                } else {
                    self.0.to_bytes().serialize(s)
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = String::deserialize(d)?;
                    s.parse().map_err(serde::de::Error::custom)
                } else {
                    <[u8; 16]>::deserialize(d).map(Self::from_bytes)
                }
            }
        }

        impl $name {
            /// Mints a fresh id, monotonic within this process.
            // Deliberately no `Default`: a "default" id would be a made-up
            // one, passed off as data (a report once named a corrupt key by it).
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(mint())
            }

            /// The id as 16 big-endian bytes; byte order equals id order.
            pub fn to_bytes(self) -> [u8; 16] {
                self.0.to_bytes()
            }

            /// Reads an id written by [`Self::to_bytes`].
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Ulid::from_bytes(bytes))
            }

            /// The creation time encoded in the id.
            pub fn timestamp(self) -> Timestamp {
                Timestamp::from_millis(self.0.timestamp_ms() as i64)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = ModelError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let unparsable = |reason: String| ModelError::Unparsable {
                    what: $what,
                    input: s.chars().take(64).collect(),
                    reason,
                };
                // The first character holds the top 3 bits; above `7` the text
                // overflows 128 bits and the decoder would wrap it to another id.
                if s.as_bytes().first().is_some_and(|c| !(b'0'..=b'7').contains(c)) && s.len() == 26 {
                    return Err(unparsable("a ULID starts with 0-7".into()));
                }
                Ulid::from_string(s).map(Self).map_err(|e| unparsable(e.to_string()))
            }
        }

        impl From<Ulid> for $name {
            fn from(u: Ulid) -> Self {
                Self(u)
            }
        }
    };
}

ulid_newtype!(
    /// The id of an entity: a ULID, fixed at creation.
    EntityId,
    "entity id"
);
ulid_newtype!(
    /// The id of an event: a ULID whose timestamp is the event time used for audit.
    EventId,
    "event id"
);

impl EventId {
    /// The smallest id an event stamped at `t` can have (for time-bounded scans).
    pub fn first_at(t: Timestamp) -> Self {
        Self(Ulid::from_parts(clamp_ms(t), 0))
    }

    /// The greatest id an event stamped at `t` can have.
    pub fn last_at(t: Timestamp) -> Self {
        Self(Ulid::from_parts(clamp_ms(t), u128::MAX))
    }

    /// The 53 random low bits: the Yjs client id under which this event's text
    /// edits are written, unique per event so concurrent edits never collide.
    pub(crate) fn low_53_bits(self) -> u64 {
        (self.0.0 as u64) & ((1u64 << 53) - 1)
    }
}

/// ULIDs hold 48-bit millisecond timestamps from the Unix epoch.
fn clamp_ms(t: Timestamp) -> u64 {
    t.as_millis().clamp(0, (1i64 << 48) - 1) as u64
}

static LAST: Mutex<u128> = Mutex::new(0);

/// Mints a ULID that is greater than every ULID minted before in this process.
///
/// Two events committed one after the other in the same millisecond must still
/// sort in commit order in an entity's history, so a plain random ULID is not
/// enough: within one millisecond the random part is incremented instead.
fn mint() -> Ulid {
    let now_ms =
        web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let fresh = Ulid::from_parts(now_ms, fastrand::u128(..)).0;
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let next =
        if (fresh >> 80) > (*last >> 80) { fresh } else { last.wrapping_add(1 + (fastrand::u64(..) as u128 >> 24)) };
    *last = next;
    Ulid(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_are_strictly_increasing() {
        let ids: Vec<EventId> = (0..10_000).map(|_| EventId::new()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn parse_roundtrips_and_rejects_garbage() {
        let id = EntityId::new();
        assert_eq!(id.to_string().parse::<EntityId>().ok(), Some(id));
        let err = "not-a-ulid".parse::<EntityId>().err().map(|e| e.to_string());
        assert!(err.is_some_and(|m| m.contains("entity id") && m.contains("not-a-ulid")));
    }

    #[test]
    fn ids_past_128_bits_are_refused_not_wrapped() {
        assert!("7ZZZZZZZZZZZZZZZZZZZZZZZZZ".parse::<EntityId>().is_ok());
        assert!("8ZZZZZZZZZZZZZZZZZZZZZZZZZ".parse::<EntityId>().is_err());
        assert!("ZZZZZZZZZZZZZZZZZZZZZZZZZZ".parse::<EventId>().is_err());
    }

    #[test]
    fn bytes_order_equals_id_order() {
        let a = EventId::new();
        let b = EventId::new();
        assert!(a < b);
        assert!(a.to_bytes() < b.to_bytes());
        assert_eq!(EventId::from_bytes(a.to_bytes()), a);
    }
}
