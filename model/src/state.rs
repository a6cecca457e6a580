//! The materialized state of one entity: the fold of its events.

use serde::{Deserialize, Serialize};

use crate::backend::{LwwState, TextState};
use crate::descriptor::FieldDescriptor;
use crate::descriptor::ModelDescriptor;
use crate::encoding;
use crate::error::ModelError;
use crate::id::{EntityId, EventId};
use crate::value::{FieldType, Value};

/// The events of an entity that no other event lists as precursor, sorted.
///
/// One head is a linear history; several are concurrent branches that the next
/// local change merges by listing them all as its precursors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Heads(Vec<EventId>);

impl Heads {
    pub fn new(mut ids: Vec<EventId>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        Self(ids)
    }

    pub fn as_slice(&self) -> &[EventId] {
        &self.0
    }

    pub fn to_vec(&self) -> Vec<EventId> {
        self.0.clone()
    }

    pub fn contains(&self, id: &EventId) -> bool {
        self.0.binary_search(id).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The heads after `event` (whose precursors are all known) is applied.
    pub(crate) fn advance(&mut self, event: EventId, precursors: &[EventId]) {
        self.0.retain(|h| !precursors.contains(h));
        if let Err(at) = self.0.binary_search(&event) {
            self.0.insert(at, event);
        }
    }
}

/// Who wrote an event, and which event it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub event: EventId,
    pub user: String,
}

/// An entity's state, materialized on every commit.
///
/// Invariant: equal to the fold of the entity's events in any order that
/// respects precursors, byte for byte once encoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityState {
    pub id: EntityId,
    pub heads: Heads,
    /// The greatest Lamport depth among the entity's events (the creating event has depth 1).
    pub depth: u64,
    pub lww: LwwState,
    pub text: TextState,
    /// The greatest delete event, once any delete has been applied.
    pub deleted: Option<EventId>,
    /// The creating event.
    pub created: Stamp,
    /// The event with the greatest id (the latest by event time).
    pub updated: Stamp,
}

impl EntityState {
    pub fn is_deleted(&self) -> bool {
        self.deleted.is_some()
    }

    /// The current value of `field`: the register's value, the text, or the
    /// type's default for fields added after this state was written.
    pub fn value(&self, field: &FieldDescriptor) -> Value {
        match &field.ty {
            FieldType::Text => Value::String(self.text.get(&field.name).unwrap_or_default().to_owned()),
            FieldType::Scalar { ty, optional } => match self.lww.get(&field.name) {
                Some(v) => v.clone(),
                None if *optional => Value::Null,
                None => ty.default_value(),
            },
        }
    }

    /// Every field's current value, in the descriptor's order.
    pub fn values(&self, descriptor: &ModelDescriptor) -> Vec<(String, Value)> {
        descriptor.fields.iter().map(|f| (f.name.clone(), self.value(f))).collect()
    }

    /// The stable binary form; see [`crate::encoding`].
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ModelError> {
        encoding::decode(bytes, "entity state")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_advance_replaces_precursors() {
        let (a, b, c) = (EventId::new(), EventId::new(), EventId::new());
        let mut heads = Heads::new(vec![b, a]);
        assert_eq!(heads.as_slice(), &[a, b]);
        heads.advance(c, &[a, b]);
        assert_eq!(heads.as_slice(), &[c]);
    }
}
