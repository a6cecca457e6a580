//! Events: the unit of history. One event per entity per transaction.

use serde::{Deserialize, Serialize};

use crate::backend::{LwwOperation, TextOperation};
use crate::descriptor::BackendKind;
use crate::encoding;
use crate::error::ModelError;
use crate::id::{EntityId, EventId};
use crate::timestamp::Timestamp;
use crate::value::Value;

/// One backend's part of an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Operation {
    /// Scalar fields set (last-writer-wins).
    Lww(LwwOperation),
    /// A Yrs update to the entity's text document.
    Text(TextOperation),
    /// The entity is deleted. Delete wins over concurrent edits.
    Delete,
}

impl Operation {
    /// The backend this operation belongs to; `None` for a delete.
    pub fn backend(&self) -> Option<BackendKind> {
        match self {
            Operation::Lww(_) => Some(BackendKind::Lww),
            Operation::Text(_) => Some(BackendKind::Text),
            Operation::Delete => None,
        }
    }
}

/// What an event did to its entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    Created,
    Updated,
    Deleted,
}

/// A change by one user to one entity, after the events it lists as precursors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub collection: String,
    pub entity_id: EntityId,
    pub user_id: String,
    /// Sorted, without duplicates; empty only for the creating event.
    pub precursors: Vec<EventId>,
    /// At most one operation per backend, plus at most one delete.
    pub operations: Vec<Operation>,
}

impl Event {
    pub fn kind(&self) -> EventKind {
        if self.operations.iter().any(|op| matches!(op, Operation::Delete)) {
            EventKind::Deleted
        } else if self.precursors.is_empty() {
            EventKind::Created
        } else {
            EventKind::Updated
        }
    }

    /// The event time, taken from its id.
    pub fn at(&self) -> Timestamp {
        self.id.timestamp()
    }

    pub fn lww(&self) -> Option<&LwwOperation> {
        self.operations.iter().find_map(|op| match op {
            Operation::Lww(op) => Some(op),
            _ => None,
        })
    }

    pub fn text(&self) -> Option<&TextOperation> {
        self.operations.iter().find_map(|op| match op {
            Operation::Text(op) => Some(op),
            _ => None,
        })
    }

    /// Checks the event's shape, independent of any model or state.
    pub fn check_shape(&self) -> Result<(), ModelError> {
        let invalid = |reason: &str| ModelError::InvalidEvent { event: self.id, reason: reason.to_owned() };
        if !self.precursors.windows(2).all(|w| w[0] < w[1]) {
            return Err(invalid("precursors must be sorted and distinct"));
        }
        if self.precursors.contains(&self.id) {
            return Err(invalid("an event cannot be its own precursor"));
        }
        if self.operations.is_empty() {
            return Err(invalid("an event needs at least one operation"));
        }
        let mut seen = Vec::new();
        for op in &self.operations {
            let key = op.backend();
            if seen.contains(&key) {
                return Err(invalid("at most one operation per backend"));
            }
            seen.push(key);
        }
        if self.precursors.is_empty() && seen.contains(&None) {
            return Err(invalid("the creating event cannot delete"));
        }
        if self.user_id.is_empty() {
            return Err(invalid("an event needs a user"));
        }
        Ok(())
    }

    /// The stable binary form; see [`crate::encoding`].
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ModelError> {
        encoding::decode(bytes, "event")
    }
}

/// One line of an event's readable summary: a field and its value after the event.
///
/// Scalars show the value the event wrote; text fields show the field's whole
/// text after the event was applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub value: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(precursors: Vec<EventId>, operations: Vec<Operation>) -> Event {
        Event {
            id: EventId::new(),
            collection: "album".into(),
            entity_id: EntityId::new(),
            user_id: "alice".into(),
            precursors,
            operations,
        }
    }

    #[test]
    fn encoding_roundtrips() {
        let e = event(
            vec![EventId::new()],
            vec![
                Operation::Lww(LwwOperation { sets: vec![("year".into(), Value::I32(1959))] }),
                Operation::Text(TextOperation { update: vec![1, 2, 3] }),
            ],
        );
        assert_eq!(Event::decode(&e.encode()), Ok(e));
    }

    #[test]
    fn kinds() {
        let set = Operation::Lww(LwwOperation { sets: vec![("x".into(), Value::Null)] });
        assert_eq!(event(vec![], vec![set.clone()]).kind(), EventKind::Created);
        assert_eq!(event(vec![EventId::new()], vec![set]).kind(), EventKind::Updated);
        assert_eq!(event(vec![EventId::new()], vec![Operation::Delete]).kind(), EventKind::Deleted);
    }

    #[test]
    fn malformed_shapes_are_refused() {
        let set = || Operation::Lww(LwwOperation { sets: vec![("x".into(), Value::Null)] });
        let (a, b) = (EventId::new(), EventId::new());
        assert!(event(vec![b, a], vec![set()]).check_shape().is_err());
        assert!(event(vec![a, a], vec![set()]).check_shape().is_err());
        assert!(event(vec![a], vec![]).check_shape().is_err());
        assert!(event(vec![a], vec![set(), set()]).check_shape().is_err());
        assert!(event(vec![], vec![Operation::Delete]).check_shape().is_err());
        assert!(event(vec![a, b], vec![set()]).check_shape().is_ok());
    }
}
