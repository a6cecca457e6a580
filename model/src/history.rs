//! Time travel: an entity's state as of an event or a time, by folding history.

use std::collections::HashSet;

use crate::descriptor::ModelDescriptor;
use crate::error::ModelError;
use crate::event::Event;
use crate::id::EventId;
use crate::merge::replay;
use crate::state::EntityState;
use crate::timestamp::Timestamp;

/// The state right after `target`: the fold of `target` and its ancestors.
///
/// `history` is the entity's events in an order that respects precursors.
/// Returns `None` when `target` is not in the history.
pub fn state_at_event(
    descriptor: &ModelDescriptor,
    history: &[Event],
    target: EventId,
) -> Result<Option<EntityState>, ModelError> {
    let Some(end) = history.iter().position(|e| e.id == target) else {
        return Ok(None);
    };
    let mut wanted: HashSet<EventId> = HashSet::from([target]);
    // Walking backwards visits every descendant before its ancestors.
    for event in history[..=end].iter().rev() {
        if wanted.contains(&event.id) {
            wanted.extend(event.precursors.iter().copied());
        }
    }
    replay(descriptor, history[..=end].iter().filter(|e| wanted.contains(&e.id)))
}

/// The state as of time `at`: the fold of every event stamped at or before
/// `at` whose ancestors are all stamped at or before `at` too.
pub fn state_at_time(
    descriptor: &ModelDescriptor,
    history: &[Event],
    at: Timestamp,
) -> Result<Option<EntityState>, ModelError> {
    let mut included: HashSet<EventId> = HashSet::new();
    for event in history {
        if event.at() <= at && event.precursors.iter().all(|p| included.contains(p)) {
            included.insert(event.id);
        }
    }
    replay(descriptor, history.iter().filter(|e| included.contains(&e.id)))
}
