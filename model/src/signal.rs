//! Change signals and the fan-out that delivers them as streams.
//!
//! A slow subscriber never blocks the publisher: each subscription has a
//! bounded queue, and when it is full the subscription is told it lagged
//! (with the first commit sequence it missed) so it can re-read from there.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use crate::event::{Event, EventKind, FieldChange};
use crate::id::EntityId;
use crate::state::EntityState;
use crate::storage::StoredEvent;
use crate::value::Value;

/// What a store publishes after a commit, once per event, in commit order:
/// the [`StoredEvent`]'s fields plus the entity's state before and after, so
/// that subscribers can classify the change without reading the store.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSignal {
    /// The store-wide commit sequence of the event.
    pub seq: u64,
    pub collection: String,
    pub entity_id: EntityId,
    pub kind: EventKind,
    pub event: Arc<Event>,
    /// The event's Lamport depth.
    pub depth: u64,
    /// The readable summary of the event.
    pub changes: Vec<FieldChange>,
    /// The model fields the event set (none for a delete).
    pub changed_fields: Vec<String>,
    /// The entity's state before the event; `None` for a creation.
    pub previous: Option<Arc<EntityState>>,
    /// The entity's state after the event.
    pub state: Arc<EntityState>,
}

impl ChangeSignal {
    /// The event as a store keeps it (for audit feeds built on signals).
    pub fn stored_event(&self) -> StoredEvent {
        StoredEvent { event: self.event.clone(), seq: self.seq, depth: self.depth, changes: self.changes.clone() }
    }
}

/// Which signals a subscription receives.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    All,
    Collection(String),
    Entity {
        collection: String,
        id: EntityId,
    },
    /// Changes to entities whose scalar `field` equals `value` before or after the change.
    Field {
        collection: String,
        field: String,
        value: Value,
    },
}

/// The subscription fell behind; signals from commit sequence `from` on were dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("subscriber lagged: signals from commit sequence {from} on were dropped; re-read from there")]
pub struct Lagged {
    pub from: u64,
}

struct Queue {
    items: VecDeque<Arc<ChangeSignal>>,
    lagged_from: Option<u64>,
    waker: Option<Waker>,
    closed: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

type Subscribers = Vec<Weak<Mutex<Queue>>>;

/// Subscriptions indexed by what they watch, so a signal reaches its
/// subscribers without looking at anyone else's.
#[derive(Default)]
struct Index {
    all: Subscribers,
    by_collection: HashMap<String, Subscribers>,
    by_entity: HashMap<(String, EntityId), Subscribers>,
    /// Key: collection, field, encoded value.
    by_field: HashMap<(String, String, Vec<u8>), Subscribers>,
    /// The fields of each collection that have field subscriptions, with how
    /// many subscriptions watch each (a commit encodes a key per watched field).
    watched_fields: HashMap<String, HashMap<String, usize>>,
}

/// Removes `queue` (and any dead subscriber) from `subs`; true when the list is then empty.
fn unregister(subs: &mut Subscribers, queue: *const Mutex<Queue>) -> bool {
    subs.retain(|w| w.strong_count() > 0 && w.as_ptr() != queue);
    subs.is_empty()
}

impl Index {
    /// Forgets a dropped subscription: its entry, its key once no one else
    /// uses it, and a watched field once no subscription watches it.
    fn remove(&mut self, scope: &Scope, queue: *const Mutex<Queue>) {
        match scope {
            Scope::All => {
                unregister(&mut self.all, queue);
            }
            Scope::Collection(c) => {
                if self.by_collection.get_mut(c).is_some_and(|subs| unregister(subs, queue)) {
                    self.by_collection.remove(c);
                }
            }
            Scope::Entity { collection, id } => {
                let key = (collection.clone(), *id);
                if self.by_entity.get_mut(&key).is_some_and(|subs| unregister(subs, queue)) {
                    self.by_entity.remove(&key);
                }
            }
            Scope::Field { collection, field, value } => {
                let key = field_key(collection, field, value);
                if self.by_field.get_mut(&key).is_some_and(|subs| unregister(subs, queue)) {
                    self.by_field.remove(&key);
                }
                if let Some(fields) = self.watched_fields.get_mut(collection) {
                    if let Some(count) = fields.get_mut(field) {
                        *count = count.saturating_sub(1);
                        if *count == 0 {
                            fields.remove(field);
                        }
                    }
                    if fields.is_empty() {
                        self.watched_fields.remove(collection);
                    }
                }
            }
        }
    }

    /// Entries and keys held: what the index costs in memory.
    fn size(&self) -> usize {
        // Each key counts once, each subscriber in its list once.
        let keyed = |lists: &mut dyn Iterator<Item = &Subscribers>| lists.map(|l| l.len() + 1).sum::<usize>();
        self.all.len()
            + keyed(&mut self.by_collection.values())
            + keyed(&mut self.by_entity.values())
            + keyed(&mut self.by_field.values())
            + self.watched_fields.values().map(HashMap::len).sum::<usize>()
    }
}

fn field_key(collection: &str, field: &str, value: &Value) -> (String, String, Vec<u8>) {
    (collection.to_owned(), field.to_owned(), crate::encoding::encode(value))
}

fn register_value(state: &EntityState, field: &str) -> Value {
    state.lww.get(field).cloned().unwrap_or(Value::Null)
}

/// Fans change signals out to subscriptions.
#[derive(Clone)]
pub struct ChangeFeed {
    index: Arc<Mutex<Index>>,
    capacity: usize,
}

impl fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeFeed").field("subscribers", &self.subscriber_count()).finish()
    }
}

impl Default for ChangeFeed {
    fn default() -> Self {
        Self::new(1024)
    }
}

impl ChangeFeed {
    /// A feed whose subscriptions buffer at most `capacity` signals each.
    pub fn new(capacity: usize) -> Self {
        Self { index: Arc::default(), capacity: capacity.max(1) }
    }

    pub fn subscribe(&self, scope: Scope) -> Subscription {
        let queue =
            Arc::new(Mutex::new(Queue { items: VecDeque::new(), lagged_from: None, waker: None, closed: false }));
        let weak = Arc::downgrade(&queue);
        let mut index = lock(&self.index);
        match &scope {
            Scope::All => index.all.push(weak),
            Scope::Collection(c) => index.by_collection.entry(c.clone()).or_default().push(weak),
            Scope::Entity { collection, id } => {
                index.by_entity.entry((collection.clone(), *id)).or_default().push(weak);
            }
            Scope::Field { collection, field, value } => {
                *index.watched_fields.entry(collection.clone()).or_default().entry(field.clone()).or_default() += 1;
                index.by_field.entry(field_key(collection, field, value)).or_default().push(weak);
            }
        }
        Subscription { queue, registration: Some((Arc::downgrade(&self.index), scope)) }
    }

    /// Entries and keys the subscription index holds; back to its old value
    /// once the subscriptions made since are dropped.
    pub fn index_size(&self) -> usize {
        lock(&self.index).size()
    }

    /// Delivers `signal` to every matching subscription without waiting on any.
    pub fn publish(&self, signal: Arc<ChangeSignal>) {
        let mut index = lock(&self.index);
        let index = &mut *index;
        let c = &signal.collection;
        deliver(&mut index.all, &signal, self.capacity);
        if let Some(subs) = index.by_collection.get_mut(c) {
            deliver(subs, &signal, self.capacity);
        }
        if let Some(subs) = index.by_entity.get_mut(&(c.clone(), signal.entity_id)) {
            deliver(subs, &signal, self.capacity);
        }
        if let Some(fields) = index.watched_fields.get(c) {
            for field in fields.keys() {
                let after = field_key(c, field, &register_value(&signal.state, field));
                if let Some(subs) = index.by_field.get_mut(&after) {
                    deliver(subs, &signal, self.capacity);
                }
                if let Some(previous) = &signal.previous {
                    let before = field_key(c, field, &register_value(previous, field));
                    if before != after
                        && let Some(subs) = index.by_field.get_mut(&before)
                    {
                        deliver(subs, &signal, self.capacity);
                    }
                }
            }
        }
    }

    pub fn subscriber_count(&self) -> usize {
        let index = lock(&self.index);
        let live = |subs: &Subscribers| subs.iter().filter(|w| w.strong_count() > 0).count();
        live(&index.all)
            + index.by_collection.values().map(live).sum::<usize>()
            + index.by_entity.values().map(live).sum::<usize>()
            + index.by_field.values().map(live).sum::<usize>()
    }

    /// Ends every subscription (their streams finish).
    pub fn close(&self) {
        let mut index = lock(&self.index);
        let index = std::mem::take(&mut *index);
        let lists = std::iter::once(index.all)
            .chain(index.by_collection.into_values())
            .chain(index.by_entity.into_values())
            .chain(index.by_field.into_values());
        for weak in lists.flatten() {
            if let Some(queue) = weak.upgrade() {
                let mut q = lock(&queue);
                q.closed = true;
                if let Some(w) = q.waker.take() {
                    w.wake();
                }
            }
        }
    }
}

/// Pushes `signal` to each live queue of `subs` (dropping the dead ones);
/// a full queue records that it lagged instead of blocking.
fn deliver(subs: &mut Subscribers, signal: &Arc<ChangeSignal>, capacity: usize) {
    subs.retain(|weak| {
        let Some(queue) = weak.upgrade() else { return false };
        let mut q = lock(&queue);
        if q.items.len() >= capacity {
            q.lagged_from.get_or_insert(signal.seq);
        } else if q.lagged_from.is_none() {
            q.items.push_back(signal.clone());
        }
        if let Some(w) = q.waker.take() {
            w.wake();
        }
        true
    });
}

/// A stream of change signals; yields `Err(Lagged)` once when it fell behind.
/// Dropping it removes it from its feed's index.
pub struct Subscription {
    queue: Arc<Mutex<Queue>>,
    /// The feed's index and the scope it is registered under.
    registration: Option<(Weak<Mutex<Index>>, Scope)>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let Some((index, scope)) = self.registration.take() else { return };
        if let Some(index) = index.upgrade() {
            lock(&index).remove(&scope, Arc::as_ptr(&self.queue));
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription").field("buffered", &lock(&self.queue).items.len()).finish()
    }
}

impl Subscription {
    /// The next signal if one is buffered, without waiting.
    pub fn try_next(&mut self) -> Option<Result<Arc<ChangeSignal>, Lagged>> {
        let mut q = lock(&self.queue);
        Self::pop(&mut q)
    }

    fn pop(q: &mut Queue) -> Option<Result<Arc<ChangeSignal>, Lagged>> {
        if let Some(item) = q.items.pop_front() {
            return Some(Ok(item));
        }
        q.lagged_from.take().map(|from| Err(Lagged { from }))
    }
}

impl Stream for Subscription {
    type Item = Result<Arc<ChangeSignal>, Lagged>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut q = lock(&self.queue);
        if let Some(item) = Self::pop(&mut q) {
            return Poll::Ready(Some(item));
        }
        if q.closed {
            return Poll::Ready(None);
        }
        q.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::LwwOperation;
    use crate::event::Operation;
    use crate::id::EventId;

    fn descriptor(collection: &str) -> crate::descriptor::ModelDescriptor {
        crate::descriptor::ModelDescriptor { name: "T".into(), collection: collection.into(), fields: vec![] }
    }

    fn signal(seq: u64, collection: &str, entity_id: EntityId) -> Arc<ChangeSignal> {
        let event = Event {
            id: EventId::new(),
            collection: collection.into(),
            entity_id,
            user_id: "u".into(),
            precursors: vec![],
            operations: vec![Operation::Lww(LwwOperation::default())],
        };
        let state = crate::merge::apply(&descriptor(collection), None, &event, &|_| None).map(|a| a.state);
        let Ok(state) = state else { panic!("test event applies") };
        Arc::new(ChangeSignal {
            seq,
            collection: collection.into(),
            entity_id,
            kind: EventKind::Created,
            event: Arc::new(event),
            depth: 1,
            changes: vec![],
            changed_fields: vec![],
            previous: None,
            state: Arc::new(state),
        })
    }

    #[test]
    fn scopes_filter_and_order_is_kept() {
        let feed = ChangeFeed::new(16);
        let (a, b) = (EntityId::new(), EntityId::new());
        let mut all = feed.subscribe(Scope::All);
        let mut albums = feed.subscribe(Scope::Collection("album".into()));
        let mut one = feed.subscribe(Scope::Entity { collection: "album".into(), id: b });
        feed.publish(signal(1, "album", a));
        feed.publish(signal(2, "artist", a));
        feed.publish(signal(3, "album", b));
        let seqs =
            |s: &mut Subscription| std::iter::from_fn(|| s.try_next()).map(|r| r.map(|s| s.seq)).collect::<Vec<_>>();
        assert_eq!(seqs(&mut all), vec![Ok(1), Ok(2), Ok(3)]);
        assert_eq!(seqs(&mut albums), vec![Ok(1), Ok(3)]);
        assert_eq!(seqs(&mut one), vec![Ok(3)]);
    }

    #[test]
    fn a_full_subscriber_is_told_it_lagged_and_never_blocks() {
        let feed = ChangeFeed::new(2);
        let id = EntityId::new();
        let mut slow = feed.subscribe(Scope::All);
        for seq in 1..=5 {
            feed.publish(signal(seq, "album", id));
        }
        assert_eq!(slow.try_next().map(|r| r.map(|s| s.seq)), Some(Ok(1)));
        assert_eq!(slow.try_next().map(|r| r.map(|s| s.seq)), Some(Ok(2)));
        assert_eq!(slow.try_next().map(|r| r.map(|s| s.seq)), Some(Err(Lagged { from: 3 })));
        feed.publish(signal(6, "album", id));
        assert_eq!(slow.try_next().map(|r| r.map(|s| s.seq)), Some(Ok(6)));
    }

    #[test]
    fn the_index_shrinks_back_when_subscriptions_are_dropped() {
        let feed = ChangeFeed::new(2);
        let keep = feed.subscribe(Scope::Collection("album".into()));
        let start = feed.index_size();
        for i in 0..100_000u32 {
            let scope = match i % 3 {
                0 => Scope::Entity { collection: "album".into(), id: EntityId::new() },
                1 => Scope::Field {
                    collection: "album".into(),
                    field: format!("f{}", i % 7),
                    value: Value::I32(i as i32),
                },
                _ => Scope::Collection(format!("c{i}")),
            };
            let sub = feed.subscribe(scope);
            assert!(feed.index_size() > start);
            drop(sub);
        }
        assert_eq!(feed.index_size(), start);
        // Two subscriptions on one key: the key stays until both are gone.
        let id = EntityId::new();
        let a = feed.subscribe(Scope::Entity { collection: "album".into(), id });
        let b = feed.subscribe(Scope::Entity { collection: "album".into(), id });
        drop(a);
        feed.publish(signal(1, "album", id));
        let mut b = b;
        assert_eq!(b.try_next().map(|r| r.map(|s| s.seq)), Some(Ok(1)));
        drop(b);
        assert_eq!(feed.index_size(), start);
        drop(keep);
        assert_eq!(feed.index_size(), 0);
    }

    #[test]
    fn dropped_subscriptions_are_forgotten() {
        let feed = ChangeFeed::new(2);
        let sub = feed.subscribe(Scope::All);
        assert_eq!(feed.subscriber_count(), 1);
        drop(sub);
        feed.publish(signal(1, "album", EntityId::new()));
        assert_eq!(feed.subscriber_count(), 0);
    }
}
