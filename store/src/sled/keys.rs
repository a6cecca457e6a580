//! Tree names and key layouts of the sled engine (see store/DESIGN.md).
//!
//! Variable-length parts (collection, field, user) are prefixed with their
//! length as a big-endian u32, so no part can run into the next and every
//! prefix scan is exact.

use chronicle_model::{EntityId, EventId, Value};

use chronicle_model::collate::collate_into;

pub const META: &str = "meta";
pub const EVENTS: &str = "events";
pub const LOG: &str = "log";
pub const ENTITY_EVENTS: &str = "entity_events";
pub const USER_EVENTS: &str = "user_events";
pub const COLLECTION_EVENTS: &str = "collection_events";
pub const STATES: &str = "states";
pub const INDEXES: &str = "indexes";

pub const META_FORMAT: &[u8] = b"format";
pub const META_MODEL_PREFIX: &[u8] = b"model/";
pub const META_RETIRED_PREFIX: &[u8] = b"retired/";

pub fn push_part(out: &mut Vec<u8>, part: &str) {
    out.extend((part.len() as u32).to_be_bytes());
    out.extend(part.as_bytes());
}

pub fn part(p: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + p.len());
    push_part(&mut out, p);
    out
}

pub fn model_key(collection: &str) -> Vec<u8> {
    let mut k = META_MODEL_PREFIX.to_vec();
    k.extend(collection.as_bytes());
    k
}

/// The fields removed from a model, with the type their data was written as.
pub fn retired_key(collection: &str) -> Vec<u8> {
    let mut k = META_RETIRED_PREFIX.to_vec();
    k.extend(collection.as_bytes());
    k
}

pub fn log_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub fn entity_event_key(entity: EntityId, seq: u64) -> Vec<u8> {
    let mut k = entity.to_bytes().to_vec();
    k.extend(seq.to_be_bytes());
    k
}

pub fn user_event_key(user: &str, event: EventId) -> Vec<u8> {
    let mut k = part(user);
    k.extend(event.to_bytes());
    k
}

pub fn collection_event_key(collection: &str, event: EventId) -> Vec<u8> {
    let mut k = part(collection);
    k.extend(event.to_bytes());
    k
}

pub fn state_key(collection: &str, id: EntityId) -> Vec<u8> {
    let mut k = part(collection);
    k.extend(id.to_bytes());
    k
}

/// The prefix of every index entry of `collection.field`.
pub fn index_prefix(collection: &str, field: &str) -> Vec<u8> {
    let mut k = part(collection);
    push_part(&mut k, field);
    k
}

pub fn index_key(collection: &str, field: &str, value: &Value, id: EntityId) -> Vec<u8> {
    let mut k = index_prefix(collection, field);
    collate_into(value, &mut k);
    k.extend(id.to_bytes());
    k
}

/// The entity id at the end of an index or state key.
pub fn trailing_id(key: &[u8]) -> Option<EntityId> {
    let start = key.len().checked_sub(16)?;
    let bytes: [u8; 16] = key[start..].try_into().ok()?;
    Some(EntityId::from_bytes(bytes))
}

pub fn id_from(bytes: &[u8]) -> Option<EventId> {
    let bytes: [u8; 16] = bytes.try_into().ok()?;
    Some(EventId::from_bytes(bytes))
}

/// The smallest key greater than every key starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}
