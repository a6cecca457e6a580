//! The write path: merge under the commit lock, one atomic sled transaction,
//! then signals, then (outside the lock) the wait for durability.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use chronicle_model::{Batch, EntityState, ExpectedHeads, ModelDescriptor, Outcome, Staging, StoreError, encoding};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::SledStore;
use super::engine_error::engine;
use super::keys;
use super::record::EventRecord;

/// Writes `batch` atomically under the commit lock (staged by the model's
/// one staging rule). Returns the outcomes and, when anything was written,
/// the durability ticket to wait for.
pub fn commit(
    store: &SledStore,
    batch: Batch,
    expected: &[ExpectedHeads],
) -> Result<(Vec<Outcome>, Option<u64>), StoreError> {
    let _guard = store.commit_lock.lock().unwrap_or_else(|p| p.into_inner());
    if store.durability.is_closing() {
        return Err(StoreError::Closed);
    }
    let staging = batch.stage(&store.models, store, expected)?;
    if staging.is_empty() {
        let (_, outcomes) = staging.into_signals(0);
        return Ok((outcomes, None));
    }
    let first_seq = store.seq.load(Ordering::SeqCst) + 1;
    let count = staging.events().len() as u64;
    write(store, &staging, first_seq)?;
    store.seq.store(first_seq + count - 1, Ordering::SeqCst);
    let ticket = store.durability.issue();
    let (signals, outcomes) = staging.into_signals(first_seq);
    // Still under the commit lock, so every subscriber sees commit order.
    for signal in signals {
        store.feed.publish(signal);
    }
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

fn write(store: &SledStore, staging: &Staging, first_seq: u64) -> Result<(), StoreError> {
    let mut w = Writes::default();
    for (s, seq) in staging.events().iter().zip(first_seq..) {
        let e = &s.event;
        let id = e.id.to_bytes().to_vec();
        let record = EventRecord { event: e.clone(), seq, depth: s.applied.depth, changes: s.applied.changes.clone() };
        w.events.push((id.clone(), record.encode()));
        w.log.push((keys::log_key(seq).to_vec(), id.clone()));
        w.entity_events.push((keys::entity_event_key(e.entity_id, seq), id.clone()));
        w.user_events.push(keys::user_event_key(&e.user_id, e.id));
        w.collection_events.push(keys::collection_event_key(&e.collection, e.id));
    }
    for (first, last) in staging.entities() {
        let descriptor = store.models.get(&last.event.collection)?;
        let before = index_keys(descriptor, first.previous.as_ref());
        let after_state = &last.applied.state;
        let after = index_keys(descriptor, Some(after_state));
        w.index_removes.extend(before.difference(&after).cloned());
        w.index_inserts.extend(after.difference(&before).cloned());
        w.states.push((keys::state_key(&last.event.collection, after_state.id), encoding::encode(after_state)));
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
        Err(TransactionError::Storage(e)) => Err(engine(e)),
    }
}
