//! Applying events to states: validation and the merge rules.
//!
//! 1. Causality first: an LWW write that descends from another wins over it.
//! 2. Concurrent LWW writes: the greater (Lamport depth, event id) wins.
//! 3. Text merges with Yrs; no concurrent insert is lost.
//! 4. Delete is an event and wins over concurrent (and later) edits.
//! 5. Any causal order of the same events gives byte-identical state.
//! 6. Unknown precursors, wrong collections, unknown fields and wrong types
//!    are refused and leave the state as it was.

use crate::backend::{EventContext, LwwState, TextState};
use crate::descriptor::ModelDescriptor;
use crate::error::ModelError;
use crate::event::{Event, EventKind, FieldChange, Operation};
use crate::id::EventId;
use crate::state::{EntityState, Heads, Stamp};
use crate::value::Value;

/// What applying one event to one state produced: the merge's result, before
/// any store gives it a commit sequence. (Once committed, the event is a
/// [`StoredEvent`](crate::StoredEvent) in the log and a
/// [`ChangeSignal`](crate::ChangeSignal) on the feed; the committer gets an
/// [`Outcome`](crate::Outcome) per event it gave.)
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub state: EntityState,
    /// The event's Lamport depth: one more than its deepest precursor.
    pub depth: u64,
    pub kind: EventKind,
    /// The model fields the event set, in descriptor order.
    pub changed_fields: Vec<String>,
    /// The readable summary: each changed field and its value after the event.
    pub changes: Vec<FieldChange>,
}

/// Applies `event` to `state` (`None` when the entity does not exist yet).
///
/// `depth_of` returns the Lamport depth of a known event of this entity, and
/// `None` for any other id. The input state is never modified: on error the
/// caller still holds the state as it was.
pub fn apply(
    descriptor: &ModelDescriptor,
    state: Option<&EntityState>,
    event: &Event,
    depth_of: &dyn Fn(EventId) -> Option<u64>,
) -> Result<Applied, ModelError> {
    apply_checked(descriptor, state, event, depth_of, false)
}

/// [`apply`], or with `stored` the fold of an event accepted earlier, under
/// a model that may have changed since: a creation need not set fields added
/// later (they read as their defaults) and writes to removed fields are kept.
pub(crate) fn apply_checked(
    descriptor: &ModelDescriptor,
    state: Option<&EntityState>,
    event: &Event,
    depth_of: &dyn Fn(EventId) -> Option<u64>,
    stored: bool,
) -> Result<Applied, ModelError> {
    if event.collection != descriptor.collection {
        return Err(ModelError::WrongCollection {
            event: event.id,
            expected: descriptor.collection.clone(),
            found: event.collection.clone(),
        });
    }
    event.check_shape()?;
    let mut depth = 0;
    for &precursor in &event.precursors {
        let d = depth_of(precursor).ok_or(ModelError::UnknownPrecursor {
            event: event.id,
            precursor,
            entity: event.entity_id,
        })?;
        depth = depth.max(d);
    }
    let depth = depth + 1;
    let mut next = match (state, event.precursors.is_empty()) {
        (Some(_), true) => {
            return Err(ModelError::EntityExists { collection: descriptor.collection.clone(), id: event.entity_id });
        }
        (Some(s), false) => s.clone(),
        (None, true) => {
            if !stored {
                check_creation(descriptor, event)?;
            }
            let stamp = Stamp { event: event.id, user: event.user_id.clone() };
            EntityState {
                id: event.entity_id,
                heads: Heads::default(),
                depth: 0,
                lww: LwwState::default(),
                text: TextState::default(),
                deleted: None,
                created: stamp.clone(),
                updated: stamp,
            }
        }
        (None, false) => {
            return Err(ModelError::UnknownPrecursor {
                event: event.id,
                precursor: event.precursors[0],
                entity: event.entity_id,
            });
        }
    };
    if next.id != event.entity_id {
        return Err(ModelError::InvalidEvent { event: event.id, reason: "event is for another entity".into() });
    }

    let ctx = EventContext { event: event.id, depth };
    let mut changed = Vec::new();
    for op in &event.operations {
        match op {
            Operation::Lww(op) if stored => changed.extend(next.lww.apply_stored(descriptor, op, ctx)?),
            Operation::Lww(op) => changed.extend(next.lww.apply(descriptor, op, ctx)?),
            Operation::Text(op) if stored => changed.extend(next.text.apply_stored(descriptor, op, ctx)?),
            Operation::Text(op) => changed.extend(next.text.apply(descriptor, op, ctx)?),
            Operation::Delete => {
                next.deleted = next.deleted.max(Some(event.id));
            }
        }
    }
    next.heads.advance(event.id, &event.precursors);
    next.depth = next.depth.max(depth);
    if event.id > next.updated.event {
        next.updated = Stamp { event: event.id, user: event.user_id.clone() };
    }

    let kind = event.kind();
    let changed_fields: Vec<String> = if kind == EventKind::Deleted {
        Vec::new()
    } else {
        descriptor.fields.iter().filter(|f| changed.contains(&f.name)).map(|f| f.name.clone()).collect()
    };
    // The summary names every field the event wrote: for a stored event
    // also those the model has dropped since, as when it was first applied.
    let mut summarized = changed_fields.clone();
    if kind != EventKind::Deleted {
        let mut dropped: Vec<String> = changed.into_iter().filter(|name| descriptor.field(name).is_none()).collect();
        dropped.sort();
        dropped.dedup();
        summarized.extend(dropped);
    }
    let changes = summarize(event, &next, &summarized);
    Ok(Applied { state: next, depth, kind, changed_fields, changes })
}

/// A creating event must set every required scalar field.
fn check_creation(descriptor: &ModelDescriptor, event: &Event) -> Result<(), ModelError> {
    let sets = event.lww().map(|op| op.sets.as_slice()).unwrap_or_default();
    for field in descriptor.scalar_fields().filter(|f| !f.is_optional()) {
        if !sets.iter().any(|(name, _)| *name == field.name) {
            return Err(ModelError::MissingField {
                collection: descriptor.collection.clone(),
                field: field.name.clone(),
            });
        }
    }
    Ok(())
}

fn summarize(event: &Event, after: &EntityState, fields: &[String]) -> Vec<FieldChange> {
    let written = event.lww().map(|op| op.sets.as_slice()).unwrap_or_default();
    fields
        .iter()
        .filter_map(|name| {
            let value = match written.iter().find(|(n, _)| n == name) {
                Some((_, v)) => v.clone(),
                None => Value::String(after.text.get(name)?.to_owned()),
            };
            Some(FieldChange { field: name.clone(), value })
        })
        .collect()
}

/// An entity id belongs for ever to the collection of its first event.
/// `owner` is that collection as the store knows it (`None` for an id never
/// seen); an event for the id in any other collection is refused, so no
/// history can mix two entities.
pub fn check_owner(event: &Event, owner: Option<&str>) -> Result<(), ModelError> {
    match owner {
        Some(owner) if owner != event.collection => Err(ModelError::IdInOtherCollection {
            id: event.entity_id,
            collection: event.collection.clone(),
            owner: owner.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Folds `events` (in an order that respects precursors) into a state.
///
/// The events are a stored history, checked when they were applied, so the
/// fold tolerates what model changes since allow: a creation without a field
/// added later, writes to a field removed since (kept in the state).
/// Returns `None` for an empty history.
pub fn replay<'e>(
    descriptor: &ModelDescriptor,
    events: impl IntoIterator<Item = &'e Event>,
) -> Result<Option<EntityState>, ModelError> {
    replay_each(descriptor, events, |_, _| {})
}

/// Folds a stored history like [`replay`], calling `each` with every event's
/// state before it and what applying it gave (for rebuilding the change
/// signals of past events); returns the final state.
pub fn replay_each<'e>(
    descriptor: &ModelDescriptor,
    events: impl IntoIterator<Item = &'e Event>,
    mut each: impl FnMut(Option<&EntityState>, &Applied),
) -> Result<Option<EntityState>, ModelError> {
    let mut depths = std::collections::HashMap::new();
    let mut state: Option<EntityState> = None;
    for event in events {
        if depths.contains_key(&event.id) {
            continue;
        }
        let applied = apply_checked(descriptor, state.as_ref(), event, &|id| depths.get(&id).copied(), true)?;
        depths.insert(event.id, applied.depth);
        each(state.as_ref(), &applied);
        state = Some(applied.state);
    }
    Ok(state)
}
