//! Chronicle's model core: event-sourced entities whose history is a DAG.
//!
//! Models are plain structs with `#[derive(Model)]`. Every create, update and
//! delete becomes an [`Event`] carrying its user and its precursors; states
//! are the fold of events, merged per field: last-writer-wins registers for
//! scalars, Yrs for [`Text`]. This crate does no I/O: stores (sled,
//! PostgreSQL, the [`MemoryStore`] here) persist what it computes.
//!
//! ```
//! use chronicle_model::{models, MemoryStore, Model, Ref, Text};
//!
//! #[derive(Model, Debug)]
//! pub struct Artist {
//!     pub name: String,
//!     pub country: Option<String>,
//! }
//!
//! #[derive(Model, Debug)]
//! pub struct Album {
//!     pub name: String,
//!     pub year: i32,
//!     pub artist: Ref<Artist>,
//!     pub description: Text,
//! }
//!
//! # fn main() -> Result<(), chronicle_model::ModelError> {
//! let store = MemoryStore::new(models![Artist, Album]?);
//!
//! // One transaction, one event per entity.
//! let mut tx = store.begin("alice");
//! let miles = tx.create(Artist { name: "Miles Davis".into(), country: Some("US".into()) })?;
//! let album = tx.create(Album {
//!     name: "Kind of Blue".into(),
//!     year: 1958,
//!     artist: Ref::new(miles),
//!     description: Text::from("Recorded in 1959."),
//! })?;
//! let created = tx.commit()?;
//!
//! // Typed edits: set scalars, edit text by character index.
//! let mut tx = store.begin("bob");
//! tx.edit::<Album>(album)?.set_year(1959).description().insert(0, "Modal jazz. ")?;
//! tx.commit()?;
//!
//! let now = store.get::<Album>(album)?.expect("the album exists");
//! assert_eq!(now.year, 1959);
//! assert_eq!(now.description.as_str(), "Modal jazz. Recorded in 1959.");
//! assert_eq!(now.meta.updated_by, "bob");
//!
//! // Time travel: the album as of its creating event.
//! let then = store.get_at::<Album>(album, created[1].id)?.expect("it existed then");
//! assert_eq!(then.year, 1958);
//!
//! // History, oldest first.
//! let users: Vec<_> = store.history::<Album>(album).iter().map(|e| e.event.user_id.clone()).collect();
//! assert_eq!(users, ["alice", "bob"]);
//!
//! let mut tx = store.begin("carol");
//! tx.delete::<Album>(album)?;
//! tx.commit()?;
//! assert!(store.get::<Album>(album)?.is_none());
//! # Ok(())
//! # }
//! ```

// Lets `#[derive(Model)]`'s `::chronicle_model` paths resolve inside this crate's own tests.
#[allow(unused_extern_crates)]
extern crate self as chronicle_model;

pub mod backend;
pub mod change_kind;
pub mod collate;
pub mod descriptor;
pub mod encoding;
pub mod error;
pub mod event;
pub mod history;
pub mod id;
pub mod memory;
pub mod merge;
pub mod query;
pub mod signal;
pub mod staging;
pub mod state;
pub mod storage;
pub mod store_error;
pub mod text_edit;
pub mod timestamp;
pub mod transaction;
pub mod typed;
pub mod value;

pub use backend::{EventContext, LwwOperation, LwwRegister, LwwState, TextOperation, TextState};
pub use change_kind::ChangeKind;
pub use chronicle_derive::{Model, ModelEnum};
pub use descriptor::{BackendKind, FieldDescriptor, ModelDescriptor, Models, ReverseRelation};
pub use error::{ModelError, StorageError};
pub use event::{Event, EventKind, FieldChange, Operation};
pub use history::{state_at_event, state_at_time};
pub use id::{EntityId, EventId};
pub use memory::{MemoryStore, MemoryTransaction};
pub use merge::{Applied, apply, check_owner, replay, replay_each};
pub use query::{DEFAULT_FIRST, Filter, Op, OrderBy, Page, Query, Walk};
pub use signal::{ChangeFeed, ChangeSignal, Lagged, Scope, Subscription};
pub use staging::{Batch, StagedEvent, Staging, StagingReads};
pub use state::{EntityState, Heads, Stamp};
pub use storage::{
    AuditFilter, AuditQuery, Difference, ExpectedHeads, MaybeSendSync, Outcome, Related, Storage, StorageExt,
    StoreTransaction, StoredEvent, VerifyReport,
};
pub use store_error::{EngineError, StoreError};
pub use text_edit::TextEdit;
pub use timestamp::Timestamp;
pub use transaction::{EntityEdit, StateReader, Transaction};
pub use typed::{EntityMeta, Field, Model, ModelEnum, Ref, ScalarField, Text, TextField, View, read_field};
pub use value::{FieldType, ScalarType, Value};
