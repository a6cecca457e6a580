//! `verify`: replays every entity and compares it with what is materialized.

use std::collections::BTreeSet;
use std::time::Instant;

use chronicle_model::{EntityState, Event, ModelDescriptor, Models, replay};

use super::Trees;
use super::engine_error::engine;
use super::keys;
use super::read::{all_events_of, decode_state};
use chronicle_model::StoreError;
use chronicle_model::storage::{Difference, VerifyReport};

pub fn verify(trees: &Trees, models: &Models) -> Result<VerifyReport, StoreError> {
    let started = Instant::now();
    let mut report = VerifyReport::default();
    for model in models.iter() {
        let collection = &model.collection;
        let mut expected_index: BTreeSet<Vec<u8>> = BTreeSet::new();
        for item in trees.states.scan_prefix(keys::part(collection)) {
            let (k, v) = item.map_err(engine)?;
            let state = decode_state(&k, &v)?;
            let mut events: Vec<Event> = Vec::new();
            let mut others: BTreeSet<String> = BTreeSet::new();
            for stored in all_events_of(trees, state.id) {
                let stored = stored?;
                if stored.event.collection == *collection {
                    events.push((*stored.event).clone());
                } else {
                    others.insert(stored.event.collection.clone());
                }
            }
            report.entities += 1;
            report.events += events.len() as u64;
            let differ =
                |problem: String| Difference { collection: collection.clone(), entity_id: Some(state.id), problem };
            for other in others {
                report.differences.push(differ(format!(
                    "its id is also used by events of collection `{other}`: an id belongs to one collection"
                )));
            }
            match replay(model, &events) {
                Ok(Some(replayed)) if same_state(model, &replayed, &state) => {}
                Ok(Some(_)) => {
                    report.differences.push(differ("materialized state differs from the replay of its events".into()))
                }
                Ok(None) => report.differences.push(differ("state has no events".into())),
                Err(e) => report.differences.push(differ(format!("its events do not replay: {e}"))),
            }
            if !state.is_deleted() {
                for f in model.fields.iter().filter(|f| f.indexed) {
                    expected_index.insert(keys::index_key(collection, &f.name, &state.value(f), state.id));
                }
            }
            if report.entities.is_multiple_of(10_000) {
                tracing::info!(entities = report.entities, events = report.events, "verify progress");
            }
        }
        let mut actual_index = BTreeSet::new();
        for item in trees.indexes.scan_prefix(keys::part(collection)) {
            actual_index.insert(item.map_err(engine)?.0.to_vec());
        }
        for missing in expected_index.difference(&actual_index) {
            report.differences.push(index_difference(collection, missing, "index entry missing"));
        }
        for stray in actual_index.difference(&expected_index) {
            report.differences.push(index_difference(collection, stray, "stray index entry"));
        }
    }
    tracing::info!(
        entities = report.entities,
        events = report.events,
        differences = report.differences.len(),
        seconds = started.elapsed().as_secs_f64(),
        "verify finished"
    );
    Ok(report)
}

/// Whether a replay under today's model equals the materialized state.
/// Each text field's string is compared through the model, since the state
/// lists the text fields of the model it was written under.
fn same_state(model: &ModelDescriptor, replayed: &EntityState, state: &EntityState) -> bool {
    let texts_agree = model.text_fields().all(|f| replayed.value(f) == state.value(f));
    let EntityState { id, heads, depth, lww, text, deleted, created, updated } = replayed;
    texts_agree
        && (id, heads, depth, lww, &text.doc, deleted, created, updated)
            == (
                &state.id,
                &state.heads,
                &state.depth,
                &state.lww,
                &state.text.doc,
                &state.deleted,
                &state.created,
                &state.updated,
            )
}

fn index_difference(collection: &str, key: &[u8], problem: &str) -> Difference {
    Difference { collection: collection.to_owned(), entity_id: keys::trailing_id(key), problem: problem.to_owned() }
}
