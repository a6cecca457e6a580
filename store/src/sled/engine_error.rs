//! sled's errors as store errors: the engine's error kept as the source, a
//! full disk told apart from other failures.

use chronicle_model::StoreError;
use chronicle_model::store_error::is_disk_full;

/// The store error for a failed sled call.
pub(crate) fn engine(e: sled::Error) -> StoreError {
    match &e {
        sled::Error::Io(io) if is_disk_full(io) => StoreError::StorageFull(Box::new(e)),
        _ => StoreError::Engine(Box::new(e)),
    }
}
