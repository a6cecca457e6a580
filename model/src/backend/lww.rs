//! The last-writer-wins backend: one register per scalar field.
//!
//! A register keeps the value with the greatest (Lamport depth, event id).
//! A descendant always has a greater depth than its ancestors, so causality
//! wins first; between concurrent writes the order is the same on every
//! replica, whatever the wall clocks said.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::EventContext;
use crate::descriptor::{BackendKind, ModelDescriptor};
use crate::error::ModelError;
use crate::id::EventId;
use crate::value::Value;

/// One field's register: the winning value and the write that put it there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LwwRegister {
    pub value: Value,
    pub event: EventId,
    pub depth: u64,
}

impl LwwRegister {
    fn loses_to(&self, ctx: EventContext) -> bool {
        (self.depth, self.event) < (ctx.depth, ctx.event)
    }
}

/// All scalar registers of one entity, by field name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LwwState {
    pub registers: BTreeMap<String, LwwRegister>,
}

/// The scalar fields one event sets, sorted by field name, each at most once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LwwOperation {
    pub sets: Vec<(String, Value)>,
}

impl LwwState {
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.registers.get(field).map(|r| &r.value)
    }

    /// Applies an operation of an event already stored, which may set
    /// fields removed from the model since: their registers are kept.
    pub(crate) fn apply_stored(
        &mut self,
        descriptor: &ModelDescriptor,
        op: &LwwOperation,
        ctx: EventContext,
    ) -> Result<Vec<String>, ModelError> {
        check(descriptor, op, ctx.event, true)?;
        Ok(self.merge(op, ctx))
    }

    fn merge(&mut self, op: &LwwOperation, ctx: EventContext) -> Vec<String> {
        for (name, value) in &op.sets {
            let fresh = LwwRegister { value: value.clone(), event: ctx.event, depth: ctx.depth };
            match self.registers.get_mut(name) {
                Some(reg) if reg.loses_to(ctx) => *reg = fresh,
                Some(_) => {}
                None => {
                    self.registers.insert(name.clone(), fresh);
                }
            }
        }
        op.sets.iter().map(|(name, _)| name.clone()).collect()
    }
}

impl LwwState {
    /// Checks `op` against the model without touching state.
    pub fn validate(descriptor: &ModelDescriptor, op: &LwwOperation, event: EventId) -> Result<(), ModelError> {
        check(descriptor, op, event, false)
    }

    /// Merges `op` into this state; returns the names of the fields it set.
    pub fn apply(
        &mut self,
        descriptor: &ModelDescriptor,
        op: &LwwOperation,
        ctx: EventContext,
    ) -> Result<Vec<String>, ModelError> {
        Self::validate(descriptor, op, ctx.event)?;
        Ok(self.merge(op, ctx))
    }
}

/// Checks `op` against the model; with `stored`, fields the model no longer
/// has are let through (the event was checked when it was written).
fn check(descriptor: &ModelDescriptor, op: &LwwOperation, event: EventId, stored: bool) -> Result<(), ModelError> {
    if !op.sets.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(ModelError::InvalidEvent {
            event,
            reason: "scalar fields must be sorted by name and set at most once".into(),
        });
    }
    for (name, value) in &op.sets {
        let field = match descriptor.field(name) {
            Some(field) => field,
            None if stored => continue,
            None => descriptor.require_field(name)?,
        };
        if field.backend() != BackendKind::Lww || !field.ty.accepts(value) {
            return Err(ModelError::WrongType {
                collection: descriptor.collection.clone(),
                field: name.clone(),
                expected: field.ty.to_string(),
                found: value.type_name().to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::FieldDescriptor;
    use crate::value::{FieldType, ScalarType};

    fn descriptor() -> ModelDescriptor {
        ModelDescriptor {
            name: "Thing".into(),
            collection: "thing".into(),
            fields: vec![FieldDescriptor::new("n", FieldType::Scalar { ty: ScalarType::I32, optional: false }, false)],
        }
    }

    fn set(n: i32) -> LwwOperation {
        LwwOperation { sets: vec![("n".into(), Value::I32(n))] }
    }

    #[test]
    fn deeper_write_wins_whatever_the_arrival_order() {
        let d = descriptor();
        let early = EventContext { event: EventId::new(), depth: 1 };
        let late_but_shallow = EventContext { event: EventId::new(), depth: 1 };
        let deep = EventContext { event: EventId::new(), depth: 2 };
        let mut a = LwwState::default();
        let mut b = LwwState::default();
        for (op, ctx) in [(set(1), early), (set(2), deep), (set(3), late_but_shallow)] {
            a.apply(&d, &op, ctx).ok();
        }
        for (op, ctx) in [(set(3), late_but_shallow), (set(2), deep), (set(1), early)] {
            b.apply(&d, &op, ctx).ok();
        }
        assert_eq!(a, b);
        assert_eq!(a.get("n"), Some(&Value::I32(2)));
    }

    #[test]
    fn unsorted_or_mistyped_operations_are_refused() {
        let d = descriptor();
        let ctx = EventContext { event: EventId::new(), depth: 1 };
        let mut s = LwwState::default();
        let wrong = LwwOperation { sets: vec![("n".into(), Value::String("x".into()))] };
        assert!(matches!(s.apply(&d, &wrong, ctx), Err(ModelError::WrongType { .. })));
        let dup = LwwOperation { sets: vec![("n".into(), Value::I32(1)), ("n".into(), Value::I32(2))] };
        assert!(matches!(s.apply(&d, &dup, ctx), Err(ModelError::InvalidEvent { .. })));
        assert_eq!(s, LwwState::default());
    }
}
