//! Property backends: how each kind of field is merged.
//!
//! A backend owns a slice of an entity's state (its registers or document) and
//! applies the one operation an event holds for it. Every backend's apply is
//! commutative over concurrent events, so replicas that see the same events in
//! different causal orders end with byte-identical state.

pub mod lww;
pub mod text;

use crate::descriptor::{BackendKind, ModelDescriptor};
use crate::error::ModelError;
use crate::id::EventId;

pub use lww::{LwwOperation, LwwRegister, LwwState};
pub use text::{TextOperation, TextState};

/// Where an operation comes from: the event and its Lamport depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventContext {
    pub event: EventId,
    pub depth: u64,
}

/// A property backend: validates and applies its operations to its state.
pub trait PropertyBackend {
    /// The operation type of this backend.
    type Operation;

    const KIND: BackendKind;

    /// Checks `op` against the model without touching state.
    fn validate(descriptor: &ModelDescriptor, op: &Self::Operation, event: EventId) -> Result<(), ModelError>;

    /// Merges `op` into this state; returns the names of the fields it set.
    fn apply(
        &mut self,
        descriptor: &ModelDescriptor,
        op: &Self::Operation,
        ctx: EventContext,
    ) -> Result<Vec<String>, ModelError>;
}
