//! Chronicle's storage engines: [`SledStore`], the embedded engine, with indexes, queries, schema reconciliation,
//! durability modes and a change feed.
//!
//! ```
//! use chronicle_model::{Model, Text, models};
//! use chronicle_store::{Filter, Op, Query, SledStore, Storage, StorageExt};
//!
//! #[derive(Model)]
//! pub struct Album {
//!     pub name: String,
//!     pub year: i32,
//!     pub description: Text,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let store = SledStore::open(dir.path(), models![Album]?)?;
//!
//! let mut tx = store.begin("alice");
//! let id = tx.create(Album { name: "Kind of Blue".into(), year: 1959, description: Text::default() })?;
//! tx.commit().await?; // durable: flushed before it returns
//!
//! let album = store.load::<Album>(id).await?.expect("stored");
//! assert_eq!(album.year, 1959);
//!
//! let page = store.query("album", &Query::filter(Filter::field("year", Op::Gte(1950.into())))).await?;
//! assert_eq!(page.ids(), [id]);
//! # Ok(())
//! # }
//! ```

pub mod blocking;
pub mod sled;
pub mod sync_mode;

// The store interface and query semantics live in the runtime-free core, so
// that every engine and the browser replica share them; re-exported here for
// users of an engine.
pub use chronicle_model::{
    AuditFilter, AuditQuery, Batch, DEFAULT_FIRST, Difference, ExpectedHeads, Filter, Op, OrderBy, Page, Query,
    Related, Storage, StorageExt, StoreError, StoreTransaction, VerifyReport,
};
pub use sled::{SledOptions, SledStore};
pub use sync_mode::SyncMode;
