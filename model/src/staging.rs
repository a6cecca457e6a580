//! Staging: applying a batch of events over a store's current states before
//! the store writes them, the one implementation of "check these events,
//! produce the new states and the change signals" that every store and the
//! API's request transaction share.
//!
//! A store supplies reads ([`StagingReads`]) and the atomic write; the rules
//! (duplicates, precursor depths within the entity, one collection per id,
//! the merge) live here. A batch staged early (the API stages each mutation
//! field as it runs) is written as staged when the store finds, under its
//! commit lock, that nothing it was staged over changed ([`Batch::stage`]);
//! only then is each event applied once per request.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::descriptor::Models;
use crate::event::Event;
use crate::id::{EntityId, EventId};
use crate::merge::{Applied, apply_checked, check_owner};
use crate::signal::ChangeSignal;
use crate::state::EntityState;
use crate::storage::{ExpectedHeads, Outcome};
use crate::store_error::StoreError;
use crate::transaction::StateReader;

/// The reads staging needs from a store. Every store implements it (and
/// [`StateReader`], the same state read for transactions).
pub trait StagingReads: StateReader {
    /// The entity's current state, deleted or not.
    fn entity_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError>;

    /// The entity and Lamport depth of stored event `id`; `None` if it is not stored.
    fn event_depth(&self, id: EventId) -> Result<Option<(EntityId, u64)>, StoreError>;

    /// The collection entity `id` belongs to (that of its first stored
    /// event); `None` if no event of it is stored.
    fn entity_owner(&self, id: EntityId) -> Result<Option<String>, StoreError>;
}

/// One staged event: the event, what applying it did, and the entity's
/// state before it (`None` for a creation).
#[derive(Clone, Debug)]
pub struct StagedEvent {
    pub event: Event,
    pub applied: Applied,
    pub previous: Option<EntityState>,
}

/// Events applied in order over a store's states, not yet written.
#[derive(Clone, Default)]
pub struct Staging {
    staged: Vec<StagedEvent>,
    /// Each staged event's index, by id.
    by_id: HashMap<EventId, usize>,
    /// The first and the last staged event of each entity.
    by_entity: HashMap<EntityId, (usize, usize)>,
    /// Per event given to [`Staging::stage`]: its index in `staged`, or
    /// `None` when it was already stored (a duplicate).
    slots: Vec<Option<usize>>,
}

impl fmt::Debug for Staging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Staging").field("events", &self.staged.len()).field("given", &self.slots.len()).finish()
    }
}

impl Staging {
    /// Stages `events` in order over `reads`, all or nothing.
    pub fn of(models: &Models, reads: &dyn StagingReads, events: Vec<Event>) -> Result<Self, StoreError> {
        let mut staging = Self::default();
        for event in events {
            staging.stage(models, reads, event)?;
        }
        Ok(staging)
    }

    /// Applies `event` over the latest staged state of its entity, or else
    /// the store's. A refused event leaves the staging as it was.
    pub fn stage(&mut self, models: &Models, reads: &dyn StagingReads, event: Event) -> Result<(), StoreError> {
        self.stage_checked(models, reads, event, false)
    }

    /// Stages `events` that were accepted before (a persisted log being
    /// restored) under models that may have changed since: writes to fields
    /// the models no longer have are kept, fields added since read as their
    /// defaults (as [`replay`](crate::replay) folds a stored history).
    pub fn of_stored(models: &Models, reads: &dyn StagingReads, events: Vec<Event>) -> Result<Self, StoreError> {
        let mut staging = Self::default();
        for event in events {
            staging.stage_checked(models, reads, event, true)?;
        }
        Ok(staging)
    }

    fn stage_checked(
        &mut self,
        models: &Models,
        reads: &dyn StagingReads,
        event: Event,
        stored: bool,
    ) -> Result<(), StoreError> {
        if self.by_id.contains_key(&event.id) || reads.event_depth(event.id)?.is_some() {
            self.slots.push(None);
            return Ok(());
        }
        let descriptor = models.get(&event.collection)?;
        let previous = match self.by_entity.get(&event.entity_id) {
            Some(&(first, last)) => {
                check_owner(&event, Some(&self.staged[first].event.collection))?;
                Some(self.staged[last].applied.state.clone())
            }
            None => {
                let current = reads.entity_state(&event.collection, event.entity_id)?;
                if current.is_none() {
                    check_owner(&event, reads.entity_owner(event.entity_id)?.as_deref())?;
                }
                current
            }
        };
        // A read failure inside the depth lookup is kept and returned in
        // place of the "unknown precursor" the lookup's `None` would cause.
        let read_error = std::cell::RefCell::new(None);
        let depth_of = |id: EventId| -> Option<u64> {
            if let Some(s) = self.by_id.get(&id).map(|&i| &self.staged[i]) {
                return (s.event.entity_id == event.entity_id).then_some(s.applied.depth);
            }
            match reads.event_depth(id) {
                Ok(Some((entity, depth))) if entity == event.entity_id => Some(depth),
                Ok(_) => None,
                Err(e) => {
                    read_error.borrow_mut().get_or_insert(e);
                    None
                }
            }
        };
        let applied = apply_checked(descriptor, previous.as_ref(), &event, &depth_of, stored);
        if let Some(e) = read_error.into_inner() {
            return Err(e);
        }
        let applied = applied?;
        let at = self.staged.len();
        self.by_id.insert(event.id, at);
        self.by_entity.entry(event.entity_id).and_modify(|(_, last)| *last = at).or_insert((at, at));
        self.slots.push(Some(at));
        self.staged.push(StagedEvent { event, applied, previous });
        Ok(())
    }

    /// The latest staged state of an entity, if this staging touches it.
    pub fn state(&self, collection: &str, id: EntityId) -> Option<&EntityState> {
        let &(_, last) = self.by_entity.get(&id)?;
        let staged = &self.staged[last];
        (staged.event.collection == collection).then_some(&staged.applied.state)
    }

    /// The staged events in order (duplicates left out).
    pub fn events(&self) -> &[StagedEvent] {
        &self.staged
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Each touched entity once: its first staged event (whose `previous` is
    /// the state before the batch) and its last (whose state is the one after).
    pub fn entities(&self) -> impl Iterator<Item = (&StagedEvent, &StagedEvent)> {
        self.by_entity.values().map(|&(first, last)| (&self.staged[first], &self.staged[last]))
    }

    /// Whether the states this staging was made over are still the store's:
    /// every touched entity has the heads it was staged over, and an entity
    /// staged as new has still no event anywhere.
    pub fn still_holds(&self, reads: &dyn StagingReads) -> Result<bool, StoreError> {
        for (first, _) in self.entities() {
            let event = &first.event;
            let current = reads.entity_state(&event.collection, event.entity_id)?;
            let unchanged = match (&first.previous, current) {
                (Some(before), Some(now)) => before.heads == now.heads,
                (None, None) => reads.entity_owner(event.entity_id)?.is_none(),
                _ => false,
            };
            if !unchanged {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The events given to [`Staging::stage`], duplicates left out, in order.
    pub fn into_events(self) -> Vec<Event> {
        self.staged.into_iter().map(|s| s.event).collect()
    }

    /// The change signals of the staged events committed from sequence
    /// `first_seq` on, and the outcome of each event given.
    pub fn into_signals(self, first_seq: u64) -> (Vec<Arc<ChangeSignal>>, Vec<Outcome>) {
        let signals: Vec<Arc<ChangeSignal>> = self
            .staged
            .into_iter()
            .zip(first_seq..)
            .map(|(s, seq)| {
                Arc::new(ChangeSignal {
                    seq,
                    collection: s.event.collection.clone(),
                    entity_id: s.event.entity_id,
                    kind: s.applied.kind,
                    event: Arc::new(s.event),
                    depth: s.applied.depth,
                    changes: s.applied.changes,
                    changed_fields: s.applied.changed_fields,
                    previous: s.previous.map(Arc::new),
                    state: Arc::new(s.applied.state),
                })
            })
            .collect();
        let outcomes = self
            .slots
            .into_iter()
            .map(|slot| match slot.and_then(|i| signals.get(i)) {
                Some(s) => Outcome::Applied { seq: s.seq, kind: s.kind, changed_fields: s.changed_fields.clone() },
                None => Outcome::Duplicate,
            })
            .collect();
        (signals, outcomes)
    }
}

/// What a store is asked to write.
#[derive(Debug)]
pub enum Batch {
    /// Events to stage under the store's commit lock (remote events, a
    /// transaction's events).
    Events(Vec<Event>),
    /// Events staged earlier over the store's states (the API's request).
    Staged(Staging),
    /// Events accepted before, restored under models that may have changed
    /// since (a replica reopening its persisted log): see [`Staging::of_stored`].
    Stored(Vec<Event>),
}

impl Batch {
    /// Under the store's commit lock: the staging to write, once every entity
    /// of `expected` still has its heads ([`ExpectedHeads::check_all`]). A
    /// staged batch is kept when nothing it was staged over changed, and
    /// staged again over the current states otherwise.
    pub fn stage(
        self,
        models: &Models,
        reads: &dyn StagingReads,
        expected: &[ExpectedHeads],
    ) -> Result<Staging, StoreError> {
        ExpectedHeads::check_all(expected, reads)?;
        match self {
            Batch::Events(events) => Staging::of(models, reads, events),
            Batch::Stored(events) => Staging::of_stored(models, reads, events),
            Batch::Staged(staging) if staging.still_holds(reads)? => Ok(staging),
            Batch::Staged(staging) => Staging::of(models, reads, staging.into_events()),
        }
    }
}
