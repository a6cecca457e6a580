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

    #[error("{what} was written by format version {found}; this build reads up to {supported}: upgrade Chronicle")]
    UnsupportedFormat { what: &'static str, found: u8, supported: u8 },
}
