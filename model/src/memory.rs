//! The in-memory store: a [`Storage`] without I/O, for tests and for the
//! browser replica. Its synchronous methods are the same operations without
//! `async`, since nothing here ever waits.

use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::descriptor::Models;
use crate::error::ModelError;
use crate::event::Event;
use crate::history::{state_at_event, state_at_time};
use crate::id::{EntityId, EventId};
use crate::merge::replay;
use crate::query::{Page, Query};
use crate::signal::{ChangeFeed, Scope, Subscription};
use crate::staging::{Batch, StagingReads};
use crate::state::EntityState;
use crate::storage::{AuditQuery, Difference, ExpectedHeads, Outcome, Storage, StoredEvent, VerifyReport};
use crate::store_error::StoreError;
use crate::timestamp::Timestamp;
use crate::transaction::{StateReader, Transaction};
use crate::typed::{Model, View};

#[derive(Default)]
struct Inner {
    states: HashMap<(String, EntityId), EntityState>,
    events: HashMap<EventId, StoredEvent>,
    /// Each entity's events in the order they were applied (a causal order).
    entity_events: HashMap<EntityId, Vec<EventId>>,
    /// Event ids in commit order: index `i` holds sequence `i + 1`.
    log: Vec<EventId>,
}

impl Inner {
    fn seq(&self) -> u64 {
        self.log.len() as u64
    }

    fn history(&self, id: EntityId) -> impl Iterator<Item = &StoredEvent> {
        let ids = self.entity_events.get(&id).map(Vec::as_slice).unwrap_or_default();
        ids.iter().filter_map(|e| self.events.get(e))
    }
}

impl StateReader for Inner {
    fn read_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ModelError> {
        Ok(self.entity_state(collection, id)?)
    }
}

impl StagingReads for Inner {
    fn entity_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
        Ok(self.states.get(&(collection.to_owned(), id)).cloned())
    }

    fn event_depth(&self, id: EventId) -> Result<Option<(EntityId, u64)>, StoreError> {
        Ok(self.events.get(&id).map(|s| (s.event.entity_id, s.depth)))
    }

    fn entity_owner(&self, id: EntityId) -> Result<Option<String>, StoreError> {
        Ok(self.history(id).next().map(|s| s.event.collection.clone()))
    }
}

/// The in-memory store.
pub struct MemoryStore {
    models: Models,
    inner: Mutex<Inner>,
    feed: ChangeFeed,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("MemoryStore").field("entities", &inner.states.len()).field("seq", &inner.seq()).finish()
    }
}

impl StateReader for MemoryStore {
    fn read_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ModelError> {
        Ok(self.entity_state(collection, id)?)
    }
}

impl StagingReads for MemoryStore {
    fn entity_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
        self.lock().entity_state(collection, id)
    }

    fn event_depth(&self, id: EventId) -> Result<Option<(EntityId, u64)>, StoreError> {
        self.lock().event_depth(id)
    }

    fn entity_owner(&self, id: EntityId) -> Result<Option<String>, StoreError> {
        self.lock().entity_owner(id)
    }
}

impl MemoryStore {
    pub fn new(models: Models) -> Self {
        Self { models, inner: Mutex::default(), feed: ChangeFeed::default() }
    }

    /// A store whose subscriptions buffer `capacity` signals before they are
    /// told they lagged.
    pub fn with_feed_capacity(models: Models, capacity: usize) -> Self {
        Self { models, inner: Mutex::default(), feed: ChangeFeed::new(capacity) }
    }

    /// A store holding `log` (events in a causal order, as
    /// [`MemoryStore::events_since`] returns them) under `models`: how a
    /// replica reopens what it persisted, under the models of the build that
    /// reopens it ([`Batch::Stored`]). Signals are buffered up to `capacity`
    /// per subscription.
    pub fn restore(models: Models, log: Vec<Event>, capacity: usize) -> Result<Self, StoreError> {
        let store = Self::with_feed_capacity(models, capacity);
        store.write_now(Batch::Stored(log), &[])?;
        Ok(store)
    }

    pub fn models(&self) -> &Models {
        &self.models
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts a transaction by `user`.
    pub fn begin(&self, user: impl Into<String>) -> MemoryTransaction<'_> {
        MemoryTransaction { store: self, tx: Transaction::new(user, &self.models, self) }
    }

    /// Applies `events` all-or-nothing: either every event is applied (or is a
    /// duplicate) and signals go out, or nothing changes and the first refusal
    /// is returned.
    pub fn apply_events(&self, events: Vec<Event>) -> Result<Vec<Outcome>, ModelError> {
        Ok(self.write_now(Batch::Events(events), &[])?)
    }

    /// Applies one event received from elsewhere.
    pub fn apply_remote(&self, event: Event) -> Result<Outcome, ModelError> {
        let mut outcomes = self.apply_events(vec![event])?;
        Ok(outcomes.pop().unwrap_or(Outcome::Duplicate))
    }

    /// [`Storage::write`], synchronously.
    pub fn write_now(&self, batch: Batch, expected: &[ExpectedHeads]) -> Result<Vec<Outcome>, StoreError> {
        let mut inner = self.lock();
        let staging = batch.stage(&self.models, &*inner, expected)?;
        let first_seq = inner.seq() + 1;
        for (_, last) in staging.entities() {
            let state = &last.applied.state;
            inner.states.insert((last.event.collection.clone(), state.id), state.clone());
        }
        let (signals, outcomes) = staging.into_signals(first_seq);
        for signal in &signals {
            let stored = signal.stored_event();
            inner.log.push(stored.event.id);
            inner.entity_events.entry(signal.entity_id).or_default().push(stored.event.id);
            inner.events.insert(stored.event.id, stored);
        }
        // Published under the lock so subscribers see signals in commit order.
        for signal in signals {
            self.feed.publish(signal);
        }
        Ok(outcomes)
    }

    /// The current state of an entity, deleted or not.
    pub fn state(&self, collection: &str, id: EntityId) -> Option<EntityState> {
        self.lock().states.get(&(collection.to_owned(), id)).cloned()
    }

    /// The typed current view of entity `id`; `None` when absent or deleted.
    pub fn get<M: Model>(&self, id: EntityId) -> Result<Option<View<M>>, ModelError> {
        View::live(self.state(M::COLLECTION, id))
    }

    /// The events of `collection`'s entity `id`, oldest first in an order
    /// that respects precursors.
    pub fn history_of(&self, collection: &str, id: EntityId) -> Vec<StoredEvent> {
        self.lock().history(id).filter(|s| s.event.collection == collection).cloned().collect()
    }

    /// The events of model `M`'s entity `id`, oldest first.
    pub fn history<M: Model>(&self, id: EntityId) -> Vec<StoredEvent> {
        self.history_of(M::COLLECTION, id)
    }

    fn history_events<M: Model>(&self, id: EntityId) -> Vec<Event> {
        self.history::<M>(id).into_iter().map(|s| (*s.event).clone()).collect()
    }

    /// The typed view of `id` right after event `at`.
    pub fn get_at<M: Model>(&self, id: EntityId, at: EventId) -> Result<Option<View<M>>, ModelError> {
        View::live(state_at_event(&M::descriptor(), &self.history_events::<M>(id), at)?)
    }

    /// The typed view of `id` as of time `at`.
    pub fn get_at_time<M: Model>(&self, id: EntityId, at: Timestamp) -> Result<Option<View<M>>, ModelError> {
        View::live(state_at_time(&M::descriptor(), &self.history_events::<M>(id), at)?)
    }

    /// Every event with a commit sequence greater than `seq`, in commit order.
    pub fn events_since(&self, seq: u64) -> Vec<StoredEvent> {
        self.events_after_now(seq, usize::MAX)
    }

    fn events_after_now(&self, seq: u64, limit: usize) -> Vec<StoredEvent> {
        let inner = self.lock();
        let from = usize::try_from(seq).unwrap_or(usize::MAX).min(inner.log.len());
        inner.log[from..].iter().take(limit).filter_map(|id| inner.events.get(id)).cloned().collect()
    }

    /// The latest commit sequence.
    pub fn seq(&self) -> u64 {
        self.lock().seq()
    }

    pub fn watch_entity<M: Model>(&self, id: EntityId) -> Subscription {
        self.feed.subscribe(Scope::Entity { collection: M::COLLECTION.to_owned(), id })
    }

    pub fn watch_collection<M: Model>(&self) -> Subscription {
        self.feed.subscribe(Scope::Collection(M::COLLECTION.to_owned()))
    }

    pub fn watch(&self, scope: Scope) -> Subscription {
        self.feed.subscribe(scope)
    }

    /// One page of live entities of `collection`: every state of the
    /// collection is a candidate (there are no indexes to narrow them).
    pub fn query_now(&self, collection: &str, query: &Query) -> Result<Page, StoreError> {
        let descriptor = self.models.get(collection)?;
        let candidates: Vec<EntityState> = {
            let inner = self.lock();
            inner.states.iter().filter(|((c, _), _)| c == collection).map(|(_, s)| s.clone()).collect()
        };
        query.page(descriptor, candidates)
    }

    /// Replays every entity's history and compares it with the materialized state.
    pub fn verify_now(&self) -> Result<VerifyReport, StoreError> {
        let inner = self.lock();
        let mut report = VerifyReport { events: inner.seq(), ..VerifyReport::default() };
        for ((collection, id), state) in &inner.states {
            report.entities += 1;
            let descriptor = self.models.get(collection)?;
            let events: Vec<Event> = inner.history(*id).map(|s| (*s.event).clone()).collect();
            if replay(descriptor, &events)?.as_ref() != Some(state) {
                report.differences.push(Difference {
                    collection: collection.clone(),
                    entity_id: Some(*id),
                    problem: "materialized state differs from the replay of its events".into(),
                });
            }
        }
        Ok(report)
    }

    fn audit_now(&self, query: &AuditQuery) -> Vec<StoredEvent> {
        let inner = self.lock();
        let mut matching: Vec<&StoredEvent> = inner
            .events
            .values()
            .filter(|s| query.filter.matches(&s.event) && query.before.is_none_or(|b| s.event.id < b))
            .collect();
        matching.sort_by_key(|s| std::cmp::Reverse(s.event.id));
        matching.into_iter().take(query.first).cloned().collect()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
impl Storage for MemoryStore {
    fn models(&self) -> &Models {
        &self.models
    }

    fn reads(&self) -> &dyn StagingReads {
        self
    }

    async fn write(&self, batch: Batch, expected: &[ExpectedHeads]) -> Result<Vec<Outcome>, StoreError> {
        self.write_now(batch, expected)
    }

    async fn get(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
        self.models.get(collection)?;
        Ok(self.state(collection, id))
    }

    async fn get_many(&self, collection: &str, ids: &[EntityId]) -> Result<Vec<Option<EntityState>>, StoreError> {
        self.models.get(collection)?;
        Ok(ids.iter().map(|id| self.state(collection, *id)).collect())
    }

    async fn query(&self, collection: &str, query: &Query) -> Result<Page, StoreError> {
        self.query_now(collection, query)
    }

    async fn event(&self, id: EventId) -> Result<Option<StoredEvent>, StoreError> {
        Ok(self.lock().events.get(&id).cloned())
    }

    async fn history(&self, collection: &str, entity: EntityId) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self.history_of(collection, entity))
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self.audit_now(query))
    }

    async fn events_after(&self, seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self.events_after_now(seq, limit))
    }

    fn last_seq(&self) -> u64 {
        self.seq()
    }

    fn subscribe(&self, scope: Scope) -> Subscription {
        self.feed.subscribe(scope)
    }

    fn feed_index_size(&self) -> usize {
        self.feed.index_size()
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.verify_now()
    }

    fn size_on_disk(&self) -> Option<u64> {
        None
    }

    async fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A transaction on a [`MemoryStore`]; derefs to [`Transaction`].
pub struct MemoryTransaction<'s> {
    store: &'s MemoryStore,
    tx: Transaction<'s>,
}

impl fmt::Debug for MemoryTransaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tx.fmt(f)
    }
}

impl<'s> Deref for MemoryTransaction<'s> {
    type Target = Transaction<'s>;
    fn deref(&self) -> &Transaction<'s> {
        &self.tx
    }
}

impl DerefMut for MemoryTransaction<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl MemoryTransaction<'_> {
    /// Commits every change atomically; returns the events written.
    pub fn commit(self) -> Result<Vec<Event>, ModelError> {
        let events = self.tx.into_events();
        self.store.apply_events(events.clone())?;
        Ok(events)
    }
}
