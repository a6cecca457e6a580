//! The model's one error type. Every variant carries the offending value.

use crate::id::{EntityId, EventId};

/// Everything that can go wrong in the model: refused events, bad field
/// values, unknown entities, undecodable bytes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("unknown collection `{0}`")]
    UnknownCollection(String),

    #[error("invalid model registry: {0}")]
    InvalidModels(String),

    #[error("event {event} is for collection `{found}`, expected `{expected}`")]
    WrongCollection { event: EventId, expected: String, found: String },

    #[error("`{collection}` has no field `{field}`")]
    UnknownField { collection: String, field: String },

    #[error("`{collection}.{field}` is {expected}, got {found}")]
    WrongType { collection: String, field: String, expected: String, found: String },

    #[error("`{collection}.{field}` is required: the creating event must set it")]
    MissingField { collection: String, field: String },

    #[error("invalid {what} `{input}`: {reason}")]
    Unparsable { what: &'static str, input: String, reason: String },

    #[error("event {event} lists precursor {precursor}, which is not a known event of entity {entity}")]
    UnknownPrecursor { event: EventId, precursor: EventId, entity: EntityId },

    #[error("event {event} is malformed: {reason}")]
    InvalidEvent { event: EventId, reason: String },

    #[error("entity {id} already exists in `{collection}`")]
    EntityExists { collection: String, id: EntityId },

    #[error("entity id {id} belongs to collection `{owner}`; it cannot be used in `{collection}`")]
    IdInOtherCollection { id: EntityId, collection: String, owner: String },

    #[error("no entity {id} in `{collection}`")]
    NotFound { collection: String, id: EntityId },

    #[error("entity {id} in `{collection}` is deleted")]
    Deleted { collection: String, id: EntityId },

    #[error("text edit on `{field}` is out of range: index {index} (+{len}) past the end ({size})")]
    TextRange { field: String, index: usize, len: usize, size: usize },

    #[error(
        "text edit on `{field}` splits a character: UTF-16 offset {offset} falls inside a surrogate pair; \
         use the offset before or after the character"
    )]
    SplitsCharacter { field: String, offset: usize },

    #[error("invalid text update for `{collection}`: {reason}")]
    InvalidTextUpdate { collection: String, reason: String },

    #[error("cannot decode {what}: {reason}")]
    Decode { what: &'static str, reason: String },

    /// The store a transaction reads from failed (its engine's error is the source).
    #[error("reading the store failed: {0}")]
    Storage(#[source] StorageError),

    #[error("{what} was written by format version {found}; this build reads up to {supported}: upgrade Chronicle")]
    UnsupportedFormat { what: &'static str, found: u8, supported: u8 },
}

/// An engine's error carried through the model (which does no I/O itself),
/// shared so that [`ModelError`] stays `Clone`. Two are equal when they are
/// the same error.
#[derive(Clone, Debug)]
pub struct StorageError(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl StorageError {
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(error))
    }

    /// The engine's error, to look for a known kind of failure.
    pub fn inner(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl PartialEq for StorageError {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}
