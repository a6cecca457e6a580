//! The `Storage` trait every store implements (the engines in
//! `chronicle-store` and the [`MemoryStore`](crate::MemoryStore)), and the
//! types it speaks.
//!
//! Stores supply reads and one atomic write; what to write is decided by
//! [`Batch::stage`], so the rules are the same in every store. The futures
//! are `Send` wherever the target has threads; on `wasm32` they need not be,
//! so that a store over browser storage handles can implement the trait.

use std::ops::{Deref, DerefMut};

use async_trait::async_trait;

use std::sync::Arc;

use crate::descriptor::Models;
use crate::event::{Event, EventKind, FieldChange};
use crate::history::{state_at_event, state_at_time};
use crate::id::{EntityId, EventId};
use crate::query::{Page, Query};
use crate::signal::{Scope, Subscription};
use crate::staging::{Batch, StagingReads};
use crate::state::EntityState;
use crate::store_error::StoreError;
use crate::timestamp::Timestamp;
use crate::transaction::Transaction;
use crate::typed::{Model, View};

/// An event as a store keeps it in its log: the event and what applying it
/// established (history, audit and the log are made of these).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub event: Arc<Event>,
    /// The store-wide commit sequence.
    pub seq: u64,
    /// The Lamport depth: one more than its deepest precursor.
    pub depth: u64,
    /// The readable summary: each changed field and its value after the event.
    pub changes: Vec<FieldChange>,
}

/// What a commit did with one of the events it was given (what the committer
/// learns; subscribers learn the same through [`ChangeSignal`](crate::ChangeSignal)s).
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Applied {
        seq: u64,
        kind: EventKind,
        changed_fields: Vec<String>,
    },
    /// The event id was already stored; nothing changed.
    Duplicate,
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

impl ExpectedHeads {
    /// Fails with `HeadsMismatch` unless every entity of `expected` has
    /// exactly its heads in `reads` (under the store's commit lock, through
    /// [`Batch::stage`]).
    pub fn check_all(expected: &[ExpectedHeads], reads: &dyn StagingReads) -> Result<(), StoreError> {
        for e in expected {
            let heads = reads.entity_state(&e.collection, e.id)?.map(|s| s.heads.to_vec());
            if heads.as_ref() != Some(&e.heads) {
                return Err(StoreError::HeadsMismatch { collection: e.collection.clone(), id: e.id });
            }
        }
        Ok(())
    }
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

/// The entities of `collection` whose `Ref` field `field` points at one of
/// `targets`: a reverse relation, read for several parents at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Related<'a> {
    pub collection: &'a str,
    pub field: &'a str,
    pub targets: &'a [EntityId],
}

/// One page of the audit log: the events `filter` matches, newest first (by
/// event time), at most `first` of them, strictly before event `before`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditQuery {
    pub filter: AuditFilter,
    pub first: usize,
    pub before: Option<EventId>,
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

/// `Send + Sync` where the target has threads; nothing on `wasm32`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` where the target has threads; nothing on `wasm32`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

/// An event store with materialized state, indexes and a change feed.
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
pub trait Storage: StagingReads + MaybeSendSync + 'static {
    fn models(&self) -> &Models;

    /// This store as the reader a [`Transaction`] or a [`Staging`](crate::Staging) reads from.
    fn reads(&self) -> &dyn StagingReads;

    /// Under the store's commit lock: checks `expected` and stages the batch
    /// ([`Batch::stage`]), writes the staged events
    /// atomically (events, states, history, audit and index entries, commit
    /// sequence), then publishes their signals in commit order. Returns when
    /// the commit is as durable as the store promises. On any error nothing
    /// is written.
    async fn write(&self, batch: Batch, expected: &[ExpectedHeads]) -> Result<Vec<Outcome>, StoreError>;

    /// Applies `events` atomically: [`Storage::write`] of a batch to stage.
    async fn commit(&self, events: Vec<Event>) -> Result<Vec<Outcome>, StoreError> {
        self.write(Batch::Events(events), &[]).await
    }

    /// [`Storage::commit`], but only if every entity in `expected` still has
    /// exactly those heads; otherwise `StoreError::HeadsMismatch` and nothing
    /// is written.
    async fn commit_expecting(
        &self,
        events: Vec<Event>,
        expected: &[ExpectedHeads],
    ) -> Result<Vec<Outcome>, StoreError> {
        self.write(Batch::Events(events), expected).await
    }

    /// The entity's current state, deleted or not.
    async fn get(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError>;

    /// Several entities at once, in the order asked.
    async fn get_many(&self, collection: &str, ids: &[EntityId]) -> Result<Vec<Option<EntityState>>, StoreError>;

    /// One page of live (not deleted) entities of `collection`.
    async fn query(&self, collection: &str, query: &Query) -> Result<Page, StoreError>;

    /// For each of `related.targets`, one page of the entities pointing at
    /// it (a reverse relation). Engines that can read all targets' pages in
    /// one pass override this.
    async fn query_related(&self, related: &Related<'_>, query: &Query) -> Result<Vec<Page>, StoreError> {
        let mut pages = Vec::with_capacity(related.targets.len());
        for target in related.targets {
            pages.push(self.query(related.collection, &query.related_to(related.field, *target)).await?);
        }
        Ok(pages)
    }

    async fn event(&self, id: EventId) -> Result<Option<StoredEvent>, StoreError>;

    /// The events of `collection`'s entity `entity`, oldest first, in an
    /// order that respects precursors.
    async fn history(&self, collection: &str, entity: EntityId) -> Result<Vec<StoredEvent>, StoreError>;

    /// One page of the audit log.
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError>;

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
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
pub trait StorageExt: Storage {
    /// Starts a transaction by `user`.
    fn begin(&self, user: &str) -> StoreTransaction<'_, Self> {
        StoreTransaction { store: self, tx: Transaction::new(user, self.models(), self.reads()) }
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
