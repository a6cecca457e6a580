//! How a committed change relates to what a subscription watches: the
//! classification every live query uses, in the server and in a replica.

use crate::descriptor::ModelDescriptor;
use crate::event::EventKind;
use crate::query::Filter;
use crate::signal::ChangeSignal;
use crate::state::EntityState;

/// A change as seen through a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A new entity that matches.
    Created,
    /// A matching entity changed and still matches.
    Updated,
    /// A matching entity was deleted.
    Deleted,
    /// An update moved an entity into the filter.
    Entered,
    /// An update moved an entity out of the filter.
    Left,
}

impl ChangeKind {
    /// How `signal` relates to the live entities matching `filter` (all live
    /// entities of the collection when `None`); `None` when it does not
    /// concern them (a change outside the filter before and after).
    pub fn classify(descriptor: &ModelDescriptor, filter: Option<&Filter>, signal: &ChangeSignal) -> Option<Self> {
        let matches = |state: &EntityState| !state.is_deleted() && filter.is_none_or(|f| f.matches(descriptor, state));
        let before = signal.previous.as_deref().is_some_and(matches);
        let after = matches(&signal.state);
        match (signal.kind, before, after) {
            (EventKind::Created, _, true) => Some(ChangeKind::Created),
            (EventKind::Deleted, true, _) => Some(ChangeKind::Deleted),
            (EventKind::Updated, true, true) => Some(ChangeKind::Updated),
            (EventKind::Updated, false, true) => Some(ChangeKind::Entered),
            (EventKind::Updated, true, false) => Some(ChangeKind::Left),
            _ => None,
        }
    }
}

impl From<EventKind> for ChangeKind {
    fn from(kind: EventKind) -> Self {
        match kind {
            EventKind::Created => ChangeKind::Created,
            EventKind::Updated => ChangeKind::Updated,
            EventKind::Deleted => ChangeKind::Deleted,
        }
    }
}
