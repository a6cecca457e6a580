//! Property backends: how each kind of field is merged.
//!
//! A backend owns a slice of an entity's state (its registers or document)
//! and applies the one operation an event holds for it (`validate`, `apply`).
//! Every backend's apply is commutative over concurrent events, so replicas
//! that see the same events in different causal orders end with
//! byte-identical state.

pub mod lww;
pub mod text;

use crate::id::EventId;

pub use lww::{LwwOperation, LwwRegister, LwwState};
pub use text::{TextOperation, TextState};

/// Where an operation comes from: the event and its Lamport depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventContext {
    pub event: EventId,
    pub depth: u64,
}
