//! The `Storage` trait every engine implements, and the types it speaks.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use async_trait::async_trait;
use chronicle_model::{
    EntityId, EntityState, Event, EventId, Model, Models, Outcome, Scope, StateReader, StoredEvent, Subscription,
    Timestamp, Transaction, View, state_at_event, state_at_time,
};

use crate::error::StoreError;
use crate::query::{Page, Query};

/// When a commit is acknowledged relative to reaching the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// A commit returns only after its events are flushed; concurrent commits
    /// share one flush (group commit). Survives a crash or power loss.
    #[default]
    Always,
    /// A commit returns at once; a background flush runs within the interval.
    /// A crash loses at most the commits of the last interval, whole.
    Batch(Duration),
    /// Chronicle never flushes on its own; data reaches the disk on the
    /// engine's schedule and at clean shutdown. A crash may lose recent
    /// commits, whole.
    None,
}

impl SyncMode {
    /// `Batch` with the interval `chronicle serve --sync batch` uses; every
    /// tool that says "batch" means this one.
    pub const BATCH: SyncMode = SyncMode::Batch(Duration::from_millis(10));
}

/// The heads an entity must still have when a commit applies: optimistic
/// concurrency for "change this only if nobody else did since I read it".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedHeads {
    pub collection: String,
    pub id: EntityId,
    /// Sorted.
    pub heads: Vec<EventId>,
}

/// Exact-match filters on the audit log, combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub collection: Option<String>,
    pub entity_id: Option<EntityId>,
    /// Events at or after this time.
    pub since: Option<Timestamp>,
    /// Events at or before this time.
    pub until: Option<Timestamp>,
}

impl AuditFilter {
    pub fn matches(&self, event: &Event) -> bool {
        self.user_id.as_ref().is_none_or(|u| *u == event.user_id)
            && self.collection.as_ref().is_none_or(|c| *c == event.collection)
            && self.entity_id.is_none_or(|id| id == event.entity_id)
            && self.since.is_none_or(|t| event.at() >= t)
            && self.until.is_none_or(|t| event.at() <= t)
    }
}

/// One difference `verify` found between the log and what is materialized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub collection: String,
    /// The entity; `None` for a damaged index key that holds no id.
    pub entity_id: Option<EntityId>,
    pub problem: String,
}

/// What `verify` checked and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub entities: u64,
    pub events: u64,
    pub differences: Vec<Difference>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }
}

/// An event store with materialized state, indexes and a change feed.
#[async_trait]
pub trait Storage: StateReader + Send + Sync + 'static {
    fn models(&self) -> &Models;

    /// This store as the reader a [`Transaction`] loads states from.
    fn reader(&self) -> &dyn StateReader;

    /// Applies `events` atomically (events, states, history, audit and index
    /// entries, commit sequence), then publishes their signals. Returns when
    /// the commit is as durable as the store's [`SyncMode`] promises.
    async fn commit(&self, events: Vec<Event>) -> Result<Vec<Outcome>, StoreError>;

    /// [`Storage::commit`], but only if every entity in `expected` still has
    /// exactly those heads; otherwise `StoreError::HeadsMismatch` and nothing
    /// is written. Engines check under their commit lock; this default checks
    /// first and commits after, which a concurrent writer can slip between.
    async fn commit_expecting(
        &self,
        events: Vec<Event>,
        expected: &[ExpectedHeads],
    ) -> Result<Vec<Outcome>, StoreError> {
        for e in expected {
            let heads = self.get(&e.collection, e.id).await?.map(|s| s.heads.to_vec());
            if heads.as_ref() != Some(&e.heads) {
                return Err(StoreError::HeadsMismatch { collection: e.collection.clone(), id: e.id });
            }
        }
        self.commit(events).await
    }

    /// The entity's current state, deleted or not.
    async fn get(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError>;

    /// Several entities at once, in the order asked.
    async fn get_many(&self, collection: &str, ids: &[EntityId]) -> Result<Vec<Option<EntityState>>, StoreError>;

    /// One page of live (not deleted) entities of `collection`.
    async fn query(&self, collection: &str, query: &Query) -> Result<Page, StoreError>;

    /// For each target id, one page of `collection` entities whose `Ref`
    /// field `field` points at it (a reverse relation), in one call.
    async fn query_related(
        &self,
        collection: &str,
        field: &str,
        targets: &[EntityId],
        query: &Query,
    ) -> Result<Vec<Page>, StoreError>;

    async fn event(&self, id: EventId) -> Result<Option<StoredEvent>, StoreError>;

    /// The events of `collection`'s entity `entity`, oldest first, in an
    /// order that respects precursors.
    async fn history(&self, collection: &str, entity: EntityId) -> Result<Vec<StoredEvent>, StoreError>;

    /// Audit: matching events, newest first (by event time), strictly before `before`.
    async fn audit(
        &self,
        filter: &AuditFilter,
        first: usize,
        before: Option<EventId>,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Up to `limit` events with a commit sequence above `seq`, in commit order.
    async fn events_after(&self, seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;

    /// The latest commit sequence.
    fn last_seq(&self) -> u64;

    /// Change signals after commit, in commit order.
    fn subscribe(&self, scope: Scope) -> Subscription;

    /// Entries and keys the change feed's subscription index holds (a gauge:
    /// it returns to its old value when subscriptions end).
    fn feed_index_size(&self) -> usize;

    /// Replays every entity and compares with the materialized state and indexes.
    async fn verify(&self) -> Result<VerifyReport, StoreError>;

    /// Bytes the store occupies on disk, when the engine can tell.
    fn size_on_disk(&self) -> Option<u64>;

    /// Makes every acknowledged commit durable now.
    async fn flush(&self) -> Result<(), StoreError>;
}

/// Typed conveniences over any [`Storage`].
#[async_trait]
pub trait StorageExt: Storage {
    /// Starts a transaction by `user`.
    fn begin(&self, user: &str) -> StoreTransaction<'_, Self> {
        StoreTransaction { store: self, tx: Transaction::new(user, self.models(), self.reader()) }
    }

    /// The typed view of entity `id`; `None` when absent or deleted.
    async fn load<M: Model>(&self, id: EntityId) -> Result<Option<View<M>>, StoreError> {
        let state = self.get(M::COLLECTION, id).await?;
        Ok(View::live(state)?)
    }

    /// The typed view of `id` right after event `at`.
    async fn load_at<M: Model>(&self, id: EntityId, at: EventId) -> Result<Option<View<M>>, StoreError> {
        let history: Vec<Event> =
            self.history(M::COLLECTION, id).await?.into_iter().map(|s| (*s.event).clone()).collect();
        Ok(View::live(state_at_event(&M::descriptor(), &history, at)?)?)
    }

    /// The typed view of `id` as of time `at`.
    async fn load_at_time<M: Model>(&self, id: EntityId, at: Timestamp) -> Result<Option<View<M>>, StoreError> {
        let history: Vec<Event> =
            self.history(M::COLLECTION, id).await?.into_iter().map(|s| (*s.event).clone()).collect();
        Ok(View::live(state_at_time(&M::descriptor(), &history, at)?)?)
    }

    /// Signals for one entity of model `M`.
    fn watch<M: Model>(&self, id: EntityId) -> Subscription {
        self.subscribe(Scope::Entity { collection: M::COLLECTION.to_owned(), id })
    }
}

impl<S: Storage + ?Sized> StorageExt for S {}

/// A transaction on a store; derefs to [`Transaction`].
pub struct StoreTransaction<'s, S: Storage + ?Sized> {
    store: &'s S,
    tx: Transaction<'s>,
}

impl<S: Storage + ?Sized> std::fmt::Debug for StoreTransaction<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.tx.fmt(f)
    }
}

impl<'s, S: Storage + ?Sized> Deref for StoreTransaction<'s, S> {
    type Target = Transaction<'s>;
    fn deref(&self) -> &Transaction<'s> {
        &self.tx
    }
}

impl<S: Storage + ?Sized> DerefMut for StoreTransaction<'_, S> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl<S: Storage + ?Sized> StoreTransaction<'_, S> {
    /// Commits every change atomically and durably; returns the events written.
    pub async fn commit(self) -> Result<Vec<Event>, StoreError> {
        let store = self.store;
        let events = self.tx.into_events();
        store.commit(events.clone()).await?;
        Ok(events)
    }
}
