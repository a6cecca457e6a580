//! The sled engine: Chronicle's embedded default store.

mod commit;
mod durability;
mod engine_error;
mod keys;
mod read;
mod record;
mod schema;
mod verify;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chronicle_model::{
    AuditQuery, Batch, ChangeFeed, EntityId, EntityState, EventId, ExpectedHeads, ModelError, Models, Outcome, Page,
    Query, Related, Scope, StagingReads, StateReader, Storage, StoreError, StoredEvent, Subscription, VerifyReport,
};

use crate::blocking::{blocking, off_worker, within};
use crate::sync_mode::SyncMode;
use durability::Durability;
use engine_error::engine;

/// Options for [`SledStore::open_with`].
#[derive(Clone, Debug)]
pub struct SledOptions {
    pub sync: SyncMode,
    /// Signals buffered per subscription before it is told it lagged.
    pub feed_capacity: usize,
    /// sled's page cache, in bytes.
    pub cache_bytes: u64,
}

impl Default for SledOptions {
    fn default() -> Self {
        Self { sync: SyncMode::Always, feed_capacity: 4096, cache_bytes: 256 * 1024 * 1024 }
    }
}

/// The trees of one open database.
#[derive(Clone)]
pub(crate) struct Trees {
    pub db: sled::Db,
    pub meta: sled::Tree,
    pub events: sled::Tree,
    pub log: sled::Tree,
    pub entity_events: sled::Tree,
    pub user_events: sled::Tree,
    pub collection_events: sled::Tree,
    pub states: sled::Tree,
    pub indexes: sled::Tree,
}

impl Trees {
    fn open(db: sled::Db) -> Result<Self, StoreError> {
        Ok(Self {
            meta: db.open_tree(keys::META).map_err(engine)?,
            events: db.open_tree(keys::EVENTS).map_err(engine)?,
            log: db.open_tree(keys::LOG).map_err(engine)?,
            entity_events: db.open_tree(keys::ENTITY_EVENTS).map_err(engine)?,
            user_events: db.open_tree(keys::USER_EVENTS).map_err(engine)?,
            collection_events: db.open_tree(keys::COLLECTION_EVENTS).map_err(engine)?,
            states: db.open_tree(keys::STATES).map_err(engine)?,
            indexes: db.open_tree(keys::INDEXES).map_err(engine)?,
            db,
        })
    }
}

/// An event store on an embedded sled database.
pub struct SledStore {
    models: Models,
    trees: Trees,
    /// Serializes commits: reading heads, merging and writing happen under it,
    /// so sled transactions never conflict and sequences are gap-free.
    commit_lock: Mutex<()>,
    seq: AtomicU64,
    feed: ChangeFeed,
    durability: Durability,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore").field("seq", &self.last_seq()).finish()
    }
}

impl SledStore {
    /// Opens (or creates) the store in directory `path` with default options.
    pub fn open(path: impl AsRef<Path>, models: Models) -> Result<Self, StoreError> {
        Self::open_with(path, models, SledOptions::default())
    }

    /// Opens the store, reconciling stored model descriptors with `models`
    /// (see [`schema`]) and recovering the commit sequence.
    pub fn open_with(path: impl AsRef<Path>, models: Models, options: SledOptions) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let flush_every = match options.sync {
            SyncMode::None => Some(500),
            _ => None,
        };
        let config = sled::Config::new().path(path).cache_capacity(options.cache_bytes).flush_every_ms(flush_every);
        discard_incomplete_snapshots(path);
        let db = open_db(&config).map_err(|e| {
            // A failed open (a full disk, say) must not leave a half-written
            // snapshot that would make the next open fail.
            discard_incomplete_snapshots(path);
            StoreError::Open { path: path.to_owned(), source: Box::new(engine(e)) }
        })?;
        let trees = Trees::open(db.clone())?;
        schema::check_format(&trees)?;
        schema::reconcile(&trees, &models)?;
        let seq = match trees.log.last().map_err(engine)? {
            Some((k, _)) => u64::from_be_bytes(
                k.as_ref().try_into().map_err(|_| StoreError::corrupt(keys::LOG, &k, "key is not a sequence"))?,
            ),
            None => 0,
        };
        Ok(Self {
            models,
            durability: Durability::start(db, options.sync),
            trees,
            commit_lock: Mutex::new(()),
            seq: AtomicU64::new(seq),
            feed: ChangeFeed::new(options.feed_capacity),
        })
    }

    /// Flushes and stops the background flusher; ends every subscription.
    /// Commits that start afterwards fail with [`StoreError::Closed`].
    pub fn close(&self) -> Result<(), StoreError> {
        // Under the commit lock, so a commit either took its ticket before
        // (and the flusher's last flush covers it) or sees the store closing
        // and writes nothing: no ticket is left that nobody will flush.
        let guard = self.commit_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.durability.stop(FLUSH_AT_CLOSE);
        drop(guard);
        self.feed.close();
        self.last_flush()
    }

    /// The final flush, waited for at most [`FLUSH_AT_CLOSE`].
    fn last_flush(&self) -> Result<(), StoreError> {
        let db = self.trees.db.clone();
        match within(FLUSH_AT_CLOSE, move || db.flush()) {
            Some(flushed) => flushed.map(|_| ()).map_err(engine),
            None => Err(StoreError::FlushTimedOut(FLUSH_AT_CLOSE)),
        }
    }
}

/// How long opening waits for sled's lock on the directory.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Opens the database, waiting a little for its file lock: sled's I/O threads
/// release it a moment after the previous `Db` on the directory is dropped
/// (sled issue 1234), so an immediate reopen in the same process would fail.
fn open_db(config: &sled::Config) -> sled::Result<sled::Db> {
    let started = Instant::now();
    loop {
        match config.open() {
            Err(sled::Error::Io(e))
                if e.to_string().starts_with("could not acquire lock") && started.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Removes the snapshot files sled was still writing when it stopped
/// (`snap.<lsn>.generating`: it writes, syncs, then renames them). A crash
/// or a full disk can leave one behind, empty or cut short, and sled would
/// read it as the newest snapshot and refuse to open. The store's data is in
/// its log; sled rebuilds the snapshot from there.
fn discard_incomplete_snapshots(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => tracing::warn!(file = %entry.path().display(), "discarded an incomplete snapshot file"),
                Err(e) => {
                    tracing::warn!(file = %entry.path().display(), error = %e, "cannot remove an incomplete snapshot file")
                }
            }
        }
    }
}

/// How long closing the store may wait for its last flush.
const FLUSH_AT_CLOSE: Duration = Duration::from_secs(5);

impl Drop for SledStore {
    fn drop(&mut self) {
        self.durability.stop(FLUSH_AT_CLOSE);
        if let Err(e) = self.last_flush() {
            tracing::error!(error = %e, "closing the store without its last flush");
        }
    }
}

impl StateReader for SledStore {
    fn read_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ModelError> {
        Ok(self.entity_state(collection, id)?)
    }
}

impl StagingReads for SledStore {
    fn entity_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
        read::state(&self.trees, collection, id)
    }

    fn event_depth(&self, id: EventId) -> Result<Option<(EntityId, u64)>, StoreError> {
        Ok(read::event_record(&self.trees, id)?.map(|r| (r.event.entity_id, r.depth)))
    }

    fn entity_owner(&self, id: EntityId) -> Result<Option<String>, StoreError> {
        read::owner(&self.trees, id)
    }
}

#[async_trait]
impl Storage for SledStore {
    fn models(&self) -> &Models {
        &self.models
    }

    fn reads(&self) -> &dyn StagingReads {
        self
    }

    async fn write(&self, batch: Batch, expected: &[ExpectedHeads]) -> Result<Vec<Outcome>, StoreError> {
        let (outcomes, ticket) = blocking(|| commit::commit(self, batch, expected))?;
        if let Some(ticket) = ticket {
            self.durability.wait(ticket).await?;
        }
        Ok(outcomes)
    }

    async fn get(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
        self.models.get(collection)?;
        read::state(&self.trees, collection, id)
    }

    async fn get_many(&self, collection: &str, ids: &[EntityId]) -> Result<Vec<Option<EntityState>>, StoreError> {
        self.models.get(collection)?;
        // Point reads (microseconds each) stay inline: handing the worker off
        // costs more than they do.
        ids.iter().map(|id| read::state(&self.trees, collection, *id)).collect()
    }

    async fn query(&self, collection: &str, query: &Query) -> Result<Page, StoreError> {
        let descriptor = self.models.get(collection)?.clone();
        let (trees, query) = (self.trees.clone(), query.clone());
        off_worker(move || read::query(&trees, &descriptor, &query)).await
    }

    async fn query_related(&self, related: &Related<'_>, query: &Query) -> Result<Vec<Page>, StoreError> {
        let descriptor = self.models.get(related.collection)?.clone();
        let (trees, field, targets) = (self.trees.clone(), related.field.to_owned(), related.targets.to_vec());
        let query = query.clone();
        off_worker(move || {
            targets.iter().map(|t| read::query(&trees, &descriptor, &query.related_to(&field, *t))).collect()
        })
        .await
    }

    async fn event(&self, id: EventId) -> Result<Option<StoredEvent>, StoreError> {
        read::event(&self.trees, id)
    }

    async fn history(&self, collection: &str, entity: EntityId) -> Result<Vec<StoredEvent>, StoreError> {
        let (trees, collection) = (self.trees.clone(), collection.to_owned());
        off_worker(move || read::history(&trees, &collection, entity)).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let (trees, query) = (self.trees.clone(), query.clone());
        off_worker(move || read::audit(&trees, &query)).await
    }

    async fn events_after(&self, seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let trees = self.trees.clone();
        off_worker(move || read::events_after(&trees, seq, limit)).await
    }

    fn last_seq(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    fn subscribe(&self, scope: Scope) -> Subscription {
        self.feed.subscribe(scope)
    }

    fn feed_index_size(&self) -> usize {
        self.feed.index_size()
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let (trees, models) = (self.trees.clone(), self.models.clone());
        off_worker(move || verify::verify(&trees, &models)).await
    }

    fn size_on_disk(&self) -> Option<u64> {
        self.trees.db.size_on_disk().ok()
    }

    async fn flush(&self) -> Result<(), StoreError> {
        // The blocking flush, not `flush_async`: concurrent `flush_async`
        // calls deadlock sled 0.34.7 (its thread pool's threads all wait for
        // a buffer write queued behind them; sled issue 1308).
        let db = self.trees.db.clone();
        off_worker(move || db.flush().map(|_| ()).map_err(engine)).await
    }
}
