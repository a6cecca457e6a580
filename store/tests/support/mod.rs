//! What every store test shares: the engines the generic suite runs on, and
//! the macro that instantiates a generic test once per engine.
//!
//! A generic test is an `async fn name<E: Engine>() -> R`; `engine_tests!`
//! turns it into `memory::name` and `sled::name`. A new engine (PostgreSQL)
//! implements [`Engine`] and is added to the macro.

#![allow(dead_code)] // Each test binary uses part of this module.

use std::sync::{Arc, Mutex};

use chronicle_model::{Event, MemoryStore, Models};
use chronicle_store::{SledOptions, SledStore, Storage, StoreError, SyncMode};

pub type R = Result<(), Box<dyn std::error::Error>>;

/// Notes by artists: the models of the write-heavy tests (concurrency, crashes).
pub mod notes {
    use chronicle_model::{Model, Ref, Text};

    #[derive(Debug, Clone, Model)]
    pub struct Artist {
        pub name: String,
    }

    #[derive(Debug, Clone, Model)]
    pub struct Note {
        pub title: String,
        pub rank: i64,
        pub body: Text,
        pub artist: Option<Ref<Artist>>,
    }
}

/// How a test wants its store.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Signals buffered per subscription before it is told it lagged.
    pub feed_capacity: usize,
    /// Whether commits wait for the disk (engines that have one). Tests of
    /// query semantics run many cases and do not need it.
    pub durable: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { feed_capacity: 4096, durable: true }
    }
}

/// Where a store keeps its data between a close and the next open: a
/// directory for engines on disk, the event log for the memory store.
#[derive(Debug)]
pub struct Place {
    pub dir: tempfile::TempDir,
    log: Mutex<Vec<Event>>,
}

impl Place {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self { dir: tempfile::tempdir()?, log: Mutex::default() })
    }
}

/// A store engine under test.
pub trait Engine: 'static {
    type Store: Storage;

    /// Opens the store kept at `place` under `models`, empty when new.
    fn open_with(place: &Place, models: Models, options: Options) -> Result<Arc<Self::Store>, StoreError>;

    /// Closes `store`, keeping what it holds at `place` for the next open.
    fn close(place: &Place, store: Arc<Self::Store>);

    fn open(place: &Place, models: Models) -> Result<Arc<Self::Store>, StoreError> {
        Self::open_with(place, models, Options::default())
    }

    /// How many index entries `collection.field` has in the closed store at
    /// `place`; `None` for an engine without indexes (the memory store
    /// evaluates every query over all states of the collection).
    fn index_entries(place: &Place, collection: &str, field: &str)
    -> Result<Option<usize>, Box<dyn std::error::Error>>;
}

/// The in-memory store; reopening restores its log under the new models.
#[derive(Debug)]
pub struct Memory;

impl Engine for Memory {
    type Store = MemoryStore;

    fn open_with(place: &Place, models: Models, options: Options) -> Result<Arc<MemoryStore>, StoreError> {
        let log = place.log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(Arc::new(MemoryStore::restore(models, log, options.feed_capacity)?))
    }

    fn close(place: &Place, store: Arc<MemoryStore>) {
        let log = store.events_since(0).into_iter().map(|s| (*s.event).clone()).collect();
        *place.log.lock().unwrap_or_else(|p| p.into_inner()) = log;
    }

    fn index_entries(_: &Place, _: &str, _: &str) -> Result<Option<usize>, Box<dyn std::error::Error>> {
        Ok(None)
    }
}

/// The sled engine on a real temporary directory.
#[derive(Debug)]
pub struct Sled;

impl Engine for Sled {
    type Store = SledStore;

    fn open_with(place: &Place, models: Models, options: Options) -> Result<Arc<SledStore>, StoreError> {
        let sled_options = SledOptions {
            sync: if options.durable { SyncMode::Always } else { SyncMode::None },
            feed_capacity: options.feed_capacity,
            cache_bytes: if options.durable { SledOptions::default().cache_bytes } else { 8 * 1024 * 1024 },
        };
        Ok(Arc::new(SledStore::open_with(place.dir.path(), models, sled_options)?))
    }

    fn close(_: &Place, store: Arc<SledStore>) {
        drop(store);
    }

    /// Reads the `indexes` tree with raw sled (the key layout of
    /// `store/DESIGN.md`: length-prefixed collection and field, then the value).
    fn index_entries(
        place: &Place,
        collection: &str,
        field: &str,
    ) -> Result<Option<usize>, Box<dyn std::error::Error>> {
        let mut prefix = Vec::new();
        for part in [collection, field] {
            prefix.extend((part.len() as u32).to_be_bytes());
            prefix.extend(part.as_bytes());
        }
        let db = sled::open(place.dir.path())?;
        Ok(Some(db.open_tree("indexes")?.scan_prefix(prefix).count()))
    }
}

/// Instantiates generic tests once per engine: `engine_tests!(a, b, ...)`
/// for `async fn a<E: Engine>() -> R` and so on, as `memory::a`, `sled::a`.
/// `engine_tests!(multi_thread: a, ...)` runs them on a two-thread runtime.
#[macro_export]
macro_rules! engine_tests {
    (multi_thread: $($name:ident),* $(,)?) => {
        $crate::engine_tests!(@each (flavor = "multi_thread", worker_threads = 2) $($name),*);
    };
    ($($name:ident),* $(,)?) => {
        $crate::engine_tests!(@each () $($name),*);
    };
    (@each $runtime:tt $($name:ident),*) => {
        mod memory {
            $(
                #[tokio::test $runtime]
                async fn $name() -> $crate::support::R {
                    super::$name::<$crate::support::Memory>().await
                }
            )*
        }
        mod sled {
            $(
                #[tokio::test $runtime]
                async fn $name() -> $crate::support::R {
                    super::$name::<$crate::support::Sled>().await
                }
            )*
        }
    };
}
