//! The stored form of an event: the event plus what the store learned applying it.

use std::sync::Arc;

use chronicle_model::{Event, FieldChange, StoredEvent, encoding};
use serde::{Deserialize, Serialize};

use chronicle_model::StoreError;

/// sled's on-disk form of a [`StoredEvent`]: the same fields, owned, in the
/// versioned encoding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub event: Event,
    pub seq: u64,
    pub depth: u64,
    pub changes: Vec<FieldChange>,
}

impl EventRecord {
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    pub fn decode(key: &[u8], bytes: &[u8]) -> Result<Self, StoreError> {
        encoding::decode(bytes, "event record").map_err(|e| StoreError::undecodable(super::keys::EVENTS, key, e))
    }

    pub fn into_stored(self) -> StoredEvent {
        StoredEvent { event: Arc::new(self.event), seq: self.seq, depth: self.depth, changes: self.changes }
    }
}
