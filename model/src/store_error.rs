//! The one error type of every store (engines and the memory store): what a
//! store can refuse or fail at. Engine failures keep the engine's own error
//! as their source.

use crate::error::ModelError;
use crate::id::EntityId;

/// An engine's own error (sled's, PostgreSQL's, a join error), kept as the source.
pub type EngineError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything the store can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The model refused an event or a value (unknown field, wrong type, unknown precursor, ...).
    #[error(transparent)]
    Model(#[from] ModelError),

    #[error("query is invalid: {0}")]
    InvalidQuery(String),

    #[error("invalid cursor `{0}`: pass a cursor returned by the same query")]
    InvalidCursor(String),

    #[error("cursor `{0}` was issued by another query or ordering; pass a cursor returned by this same query")]
    ForeignCursor(String),

    #[error(
        "model `{model}` changed field `{field}` from {old} to {new}, which existing data cannot be read as; \
         keep the old type, make the field optional, or give a migration"
    )]
    IncompatibleSchema { model: String, field: String, old: String, new: String },

    #[error(
        "the data directory was written by format version {found}; this build reads up to {supported}: upgrade Chronicle"
    )]
    NewerFormat { found: u8, supported: u8 },

    #[error("stored value under {tree}/{key} is corrupt: {reason}; run `chronicle verify` and restore from a backup")]
    Corrupt { tree: &'static str, key: String, reason: String },

    /// A stored value whose format version byte is newer than this build
    /// reads; `at` is `tree/key` (key in hex), `source` the model's `UnsupportedFormat`.
    #[error("stored value under {at} was written by a newer Chronicle: {source}")]
    NewerValue { at: Box<str>, source: ModelError },

    #[error("entity {id} of `{collection}` has heads that differ from the expected ones")]
    HeadsMismatch { collection: String, id: EntityId },

    #[error("storage engine failed: {0}")]
    Engine(#[source] EngineError),

    /// The disk holding the store is full. Nothing of the failed write is
    /// acknowledged; the store accepts writes again once there is room.
    #[error("the disk holding the store is full: {0}")]
    StorageFull(#[source] EngineError),

    #[error("cannot open the data directory {path}: {source}")]
    Open {
        path: std::path::PathBuf,
        #[source]
        source: Box<StoreError>,
    },

    #[error("the store is shutting down")]
    Closed,

    #[error("the store's flush did not finish within {0:?}")]
    FlushTimedOut(std::time::Duration),

    #[error("a store task failed")]
    Task(#[source] EngineError),
}

/// A store's error where the model reads through a store (a
/// [`StateReader`](crate::StateReader)): the model's own errors as they
/// were, anything else as the store's failure, kept as the source.
impl From<StoreError> for ModelError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Model(e) => e,
            other => ModelError::Storage(crate::error::StorageError::new(other)),
        }
    }
}

/// Whether an I/O error says the disk (or the user's quota) is full.
pub fn is_disk_full(io: &std::io::Error) -> bool {
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    io.kind() == std::io::ErrorKind::StorageFull || matches!(io.raw_os_error(), Some(ENOSPC | EDQUOT))
}

impl StoreError {
    /// Whether this is (or was caused by) a full disk.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::StorageFull(_) => true,
            StoreError::Open { source, .. } => source.is_storage_full(),
            _ => false,
        }
    }
}

impl StoreError {
    /// A corrupt-value error for `key` of `tree`, showing the key in hex.
    pub fn corrupt(tree: &'static str, key: &[u8], reason: impl ToString) -> Self {
        StoreError::Corrupt { tree, key: hex(key), reason: reason.to_string() }
    }

    /// The error for a stored value under `key` of `tree` that `encoding::decode`
    /// refused: written by a newer build, or else corrupt.
    pub fn undecodable(tree: &'static str, key: &[u8], error: ModelError) -> Self {
        match error {
            ModelError::UnsupportedFormat { found, supported, .. } if found > supported => {
                StoreError::NewerValue { at: format!("{tree}/{}", hex(key)).into(), source: error }
            }
            error => Self::corrupt(tree, key, error),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
