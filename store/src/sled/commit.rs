//! The write path: merge under the commit lock, one atomic sled transaction,
//! then signals, then (outside the lock) the wait for durability.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use chronicle_model::{
    Applied, ChangeSignal, EntityId, EntityState, Event, EventId, ModelDescriptor, Outcome, apply, check_owner,
    encoding,
};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::keys;
use super::record::EventRecord;
use super::{SledStore, read};
use crate::error::StoreError;
use crate::storage::ExpectedHeads;

/// One staged event with everything the write needs.
struct Staged {
    event: Event,
    applied: Applied,
    previous: Option<EntityState>,
    descriptor: Arc<ModelDescriptor>,
}

/// Applies `events` atomically. Returns the outcomes and, when anything was
/// written, the durability ticket to wait for.
pub fn commit(
    store: &SledStore,
    events: Vec<Event>,
    expected: &[ExpectedHeads],
) -> Result<(Vec<Outcome>, Option<u64>), StoreError> {
    let trees = &store.trees;
    let _guard = store.commit_lock.lock().unwrap_or_else(|p| p.into_inner());
    if store.durability.is_closing() {
        return Err(StoreError::Closed);
    }
    for e in expected {
        let heads = read::state(trees, &e.collection, e.id)?.map(|s| s.heads.to_vec());
        if heads.as_ref() != Some(&e.heads) {
            return Err(StoreError::HeadsMismatch { collection: e.collection.clone(), id: e.id });
        }
    }

    let mut staged: Vec<Staged> = Vec::new();
    let mut latest: HashMap<(String, EntityId), usize> = HashMap::new();
    let mut slots: Vec<Option<usize>> = Vec::with_capacity(events.len());
    for event in events {
        if staged.iter().any(|s| s.event.id == event.id) || trees.events.contains_key(event.id.to_bytes())? {
            slots.push(None);
            continue;
        }
        let descriptor = store.models.get(&event.collection)?.clone();
        let key = (event.collection.clone(), event.entity_id);
        let previous = match latest.get(&key) {
            Some(&i) => Some(staged[i].applied.state.clone()),
            None => read::state(trees, &event.collection, event.entity_id)?,
        };
        if previous.is_none() {
            let owner = match staged.iter().find(|s| s.event.entity_id == event.entity_id) {
                Some(s) => Some(s.event.collection.clone()),
                None => read::owner(trees, event.entity_id)?,
            };
            check_owner(&event, owner.as_deref())?;
        }
        let lookup_error = std::cell::RefCell::new(None);
        let depth_of = |id: EventId| -> Option<u64> {
            if let Some(s) = staged.iter().find(|s| s.event.id == id) {
                return (s.event.entity_id == event.entity_id).then_some(s.applied.depth);
            }
            match read::event_record(trees, id) {
                Ok(Some(r)) if r.event.entity_id == event.entity_id => Some(r.depth),
                Ok(_) => None,
                Err(e) => {
                    lookup_error.borrow_mut().get_or_insert(e);
                    None
                }
            }
        };
        let applied = apply(&descriptor, previous.as_ref(), &event, &depth_of);
        if let Some(e) = lookup_error.into_inner() {
            return Err(e);
        }
        let applied = applied?;
        latest.insert(key, staged.len());
        slots.push(Some(staged.len()));
        staged.push(Staged { event, applied, previous, descriptor });
    }
    if staged.is_empty() {
        return Ok((slots.into_iter().map(|_| Outcome::Duplicate).collect(), None));
    }

    let first_seq = store.seq.load(Ordering::SeqCst) + 1;
    write(store, &staged, first_seq)?;
    store.seq.store(first_seq + staged.len() as u64 - 1, Ordering::SeqCst);
    let ticket = store.durability.issue();

    let mut signals = Vec::with_capacity(staged.len());
    for (i, s) in staged.into_iter().enumerate() {
        signals.push(Arc::new(ChangeSignal {
            seq: first_seq + i as u64,
            collection: s.event.collection.clone(),
            entity_id: s.event.entity_id,
            kind: s.applied.kind,
            event: Arc::new(s.event),
            depth: s.applied.depth,
            changes: s.applied.changes,
            changed_fields: s.applied.changed_fields,
            previous: s.previous.map(Arc::new),
            state: Arc::new(s.applied.state),
        }));
    }
    // Still under the commit lock, so every subscriber sees commit order.
    for signal in &signals {
        store.feed.publish(signal.clone());
    }
    let outcomes = slots
        .into_iter()
        .map(|slot| match slot.and_then(|i| signals.get(i)) {
            Some(s) => Outcome::Applied { seq: s.seq, kind: s.kind, changed_fields: s.changed_fields.clone() },
            None => Outcome::Duplicate,
        })
        .collect();
    Ok((outcomes, Some(ticket)))
}

/// The index keys a state contributes: none once deleted.
fn index_keys(descriptor: &ModelDescriptor, state: Option<&EntityState>) -> BTreeSet<Vec<u8>> {
    let Some(state) = state.filter(|s| !s.is_deleted()) else { return BTreeSet::new() };
    descriptor
        .fields
        .iter()
        .filter(|f| f.indexed)
        .map(|f| keys::index_key(&descriptor.collection, &f.name, &state.value(f), state.id))
        .collect()
}

/// Everything one commit writes, as key/value lists per tree.
#[derive(Default)]
struct Writes {
    events: Vec<(Vec<u8>, Vec<u8>)>,
    log: Vec<(Vec<u8>, Vec<u8>)>,
    entity_events: Vec<(Vec<u8>, Vec<u8>)>,
    user_events: Vec<Vec<u8>>,
    collection_events: Vec<Vec<u8>>,
    states: Vec<(Vec<u8>, Vec<u8>)>,
    index_removes: BTreeSet<Vec<u8>>,
    index_inserts: BTreeSet<Vec<u8>>,
}

fn write(store: &SledStore, staged: &[Staged], first_seq: u64) -> Result<(), StoreError> {
    let mut w = Writes::default();
    let mut final_states: HashMap<(String, EntityId), (usize, usize)> = HashMap::new();
    for (i, s) in staged.iter().enumerate() {
        let seq = first_seq + i as u64;
        let e = &s.event;
        let id = e.id.to_bytes().to_vec();
        let record = EventRecord { event: e.clone(), seq, depth: s.applied.depth, changes: s.applied.changes.clone() };
        w.events.push((id.clone(), record.encode()));
        w.log.push((keys::log_key(seq).to_vec(), id.clone()));
        w.entity_events.push((keys::entity_event_key(e.entity_id, seq), id.clone()));
        w.user_events.push(keys::user_event_key(&e.user_id, e.id));
        w.collection_events.push(keys::collection_event_key(&e.collection, e.id));
        // The first staged event of an entity holds its state before the commit,
        // the last one its state after.
        final_states.entry((e.collection.clone(), e.entity_id)).and_modify(|(_, last)| *last = i).or_insert((i, i));
    }
    for (&(ref collection, id), &(first, last)) in &final_states {
        let before = index_keys(&staged[first].descriptor, staged[first].previous.as_ref());
        let after_state = &staged[last].applied.state;
        let after = index_keys(&staged[last].descriptor, Some(after_state));
        w.index_removes.extend(before.difference(&after).cloned());
        w.index_inserts.extend(after.difference(&before).cloned());
        w.states.push((keys::state_key(collection, id), encoding::encode(after_state)));
    }

    let t = &store.trees;
    let result = (&t.events, &t.log, &t.entity_events, &t.user_events, &t.collection_events, &t.states, &t.indexes)
        .transaction(|(events, log, entity_events, user_events, collection_events, states, indexes)| {
            for (k, v) in &w.events {
                events.insert(k.as_slice(), v.as_slice())?;
            }
            for (k, v) in &w.log {
                log.insert(k.as_slice(), v.as_slice())?;
            }
            for (k, v) in &w.entity_events {
                entity_events.insert(k.as_slice(), v.as_slice())?;
            }
            for k in &w.user_events {
                user_events.insert(k.as_slice(), &[][..])?;
            }
            for k in &w.collection_events {
                collection_events.insert(k.as_slice(), &[][..])?;
            }
            for (k, v) in &w.states {
                states.insert(k.as_slice(), v.as_slice())?;
            }
            for k in &w.index_removes {
                indexes.remove(k.as_slice())?;
            }
            for k in &w.index_inserts {
                indexes.insert(k.as_slice(), &[][..])?;
            }
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        });
    match result {
        Ok(()) => Ok(()),
        Err(TransactionError::Abort(e)) => Err(e),
        Err(TransactionError::Storage(e)) => Err(e.into()),
    }
}
