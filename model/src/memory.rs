//! An in-memory store: applies local and remote events atomically and emits
//! change signals. Used by tests and by the wasm build.

use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::descriptor::Models;
use crate::error::ModelError;
use crate::event::{Event, EventKind, FieldChange};
use crate::history::{state_at_event, state_at_time};
use crate::id::{EntityId, EventId};
use crate::merge::{Applied, apply, check_owner, replay};
use crate::signal::{ChangeFeed, ChangeSignal, Scope, Subscription};
use crate::state::EntityState;
use crate::transaction::{StateReader, Transaction};
use crate::typed::{Model, View};
use crate::value::Timestamp;

/// An event as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub event: Arc<Event>,
    pub seq: u64,
    pub depth: u64,
    pub changes: Vec<FieldChange>,
}

/// What applying one event did.
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

#[derive(Default)]
struct Inner {
    states: HashMap<(String, EntityId), EntityState>,
    events: HashMap<EventId, StoredEvent>,
    /// Each entity's events in the order they were applied (a causal order).
    entity_events: HashMap<EntityId, Vec<EventId>>,
    seq: u64,
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
        f.debug_struct("MemoryStore").field("entities", &inner.states.len()).field("seq", &inner.seq).finish()
    }
}

impl StateReader for MemoryStore {
    fn read_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ModelError> {
        Ok(self.lock().states.get(&(collection.to_owned(), id)).cloned())
    }
}

impl MemoryStore {
    pub fn new(models: Models) -> Self {
        Self { models, inner: Mutex::default(), feed: ChangeFeed::default() }
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
        let mut inner = self.lock();
        let mut staged_states: HashMap<(String, EntityId), EntityState> = HashMap::new();
        let mut staged: Vec<(Event, Applied)> = Vec::new();
        // `None` for a duplicate, else the index of the staged event.
        let mut slots: Vec<Option<usize>> = Vec::with_capacity(events.len());
        for event in events {
            if inner.events.contains_key(&event.id) || staged.iter().any(|(e, _)| e.id == event.id) {
                slots.push(None);
                continue;
            }
            let descriptor = self.models.get(&event.collection)?;
            let key = (event.collection.clone(), event.entity_id);
            let current = staged_states.get(&key).or_else(|| inner.states.get(&key));
            if current.is_none() {
                let first_event = |id: &EventId| inner.events.get(id).map(|s| s.event.collection.as_str());
                let owner = staged
                    .iter()
                    .find(|(e, _)| e.entity_id == event.entity_id)
                    .map(|(e, _)| e.collection.as_str())
                    .or_else(|| inner.entity_events.get(&event.entity_id)?.first().and_then(first_event));
                check_owner(&event, owner)?;
            }
            let depth_of = |id: EventId| {
                let stored = inner.events.get(&id).filter(|s| s.event.entity_id == event.entity_id).map(|s| s.depth);
                stored.or_else(|| {
                    staged.iter().find(|(e, _)| e.id == id && e.entity_id == event.entity_id).map(|(_, a)| a.depth)
                })
            };
            let applied = apply(descriptor, current, &event, &depth_of)?;
            staged_states.insert(key, applied.state.clone());
            slots.push(Some(staged.len()));
            staged.push((event, applied));
        }
        let mut signals = Vec::with_capacity(staged.len());
        for (event, applied) in staged {
            inner.seq += 1;
            let seq = inner.seq;
            let event = Arc::new(event);
            let key = (event.collection.clone(), event.entity_id);
            let previous = inner.states.get(&key).cloned().map(Arc::new);
            inner.entity_events.entry(event.entity_id).or_default().push(event.id);
            inner.events.insert(
                event.id,
                StoredEvent { event: event.clone(), seq, depth: applied.depth, changes: applied.changes.clone() },
            );
            inner.states.insert(key, applied.state.clone());
            signals.push(Arc::new(ChangeSignal {
                seq,
                collection: event.collection.clone(),
                entity_id: event.entity_id,
                kind: applied.kind,
                event,
                depth: applied.depth,
                changes: applied.changes,
                changed_fields: applied.changed_fields,
                previous,
                state: Arc::new(applied.state),
            }));
        }
        // Published under the lock so subscribers see signals in commit order.
        for signal in &signals {
            self.feed.publish(signal.clone());
        }
        drop(inner);
        Ok(slots
            .into_iter()
            .map(|slot| match slot.and_then(|i| signals.get(i)) {
                Some(s) => Outcome::Applied { seq: s.seq, kind: s.kind, changed_fields: s.changed_fields.clone() },
                None => Outcome::Duplicate,
            })
            .collect())
    }

    /// Applies one event received from elsewhere.
    pub fn apply_remote(&self, event: Event) -> Result<Outcome, ModelError> {
        let mut outcomes = self.apply_events(vec![event])?;
        Ok(outcomes.pop().unwrap_or(Outcome::Duplicate))
    }

    /// The current state of an entity, deleted or not.
    pub fn state(&self, collection: &str, id: EntityId) -> Option<EntityState> {
        self.lock().states.get(&(collection.to_owned(), id)).cloned()
    }

    /// The typed current view of entity `id`; `None` when absent or deleted.
    pub fn get<M: Model>(&self, id: EntityId) -> Result<Option<View<M>>, ModelError> {
        View::live(self.state(M::COLLECTION, id))
    }

    /// The entity's events, oldest first in an order that respects precursors.
    pub fn history(&self, id: EntityId) -> Vec<StoredEvent> {
        let inner = self.lock();
        let ids = inner.entity_events.get(&id).map(Vec::as_slice).unwrap_or_default();
        ids.iter().filter_map(|e| inner.events.get(e).cloned()).collect()
    }

    fn history_events(&self, id: EntityId) -> Vec<Event> {
        self.history(id).into_iter().map(|s| (*s.event).clone()).collect()
    }

    /// The typed view of `id` right after event `at`.
    pub fn get_at<M: Model>(&self, id: EntityId, at: EventId) -> Result<Option<View<M>>, ModelError> {
        let descriptor = M::descriptor();
        View::live(state_at_event(&descriptor, &self.history_events(id), at)?)
    }

    /// The typed view of `id` as of time `at`.
    pub fn get_at_time<M: Model>(&self, id: EntityId, at: Timestamp) -> Result<Option<View<M>>, ModelError> {
        let descriptor = M::descriptor();
        View::live(state_at_time(&descriptor, &self.history_events(id), at)?)
    }

    /// Every event with a commit sequence greater than `seq`, in commit order.
    pub fn events_since(&self, seq: u64) -> Vec<StoredEvent> {
        let inner = self.lock();
        let mut events: Vec<StoredEvent> = inner.events.values().filter(|s| s.seq > seq).cloned().collect();
        events.sort_by_key(|s| s.seq);
        events
    }

    /// The latest commit sequence.
    pub fn seq(&self) -> u64 {
        self.lock().seq
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

    /// Replays every entity's history and returns the ids whose materialized
    /// state differs from the replay.
    pub fn verify(&self) -> Result<Vec<EntityId>, ModelError> {
        let inner = self.lock();
        let mut differing = Vec::new();
        for ((collection, id), state) in &inner.states {
            let descriptor = self.models.get(collection)?;
            let ids = inner.entity_events.get(id).map(Vec::as_slice).unwrap_or_default();
            let events: Vec<Event> =
                ids.iter().filter_map(|e| inner.events.get(e)).map(|s| (*s.event).clone()).collect();
            if replay(descriptor, &events)?.as_ref() != Some(state) {
                differing.push(*id);
            }
        }
        Ok(differing)
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
