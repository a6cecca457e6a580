//! Change signals and the fan-out that delivers them as streams.
//!
//! A slow subscriber never blocks the publisher: each subscription has a
//! bounded queue, and when it is full the subscription is told it lagged
//! (with the first commit sequence it missed) so it can re-read from there.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use crate::event::{Event, EventKind};
use crate::id::EntityId;

/// Emitted after a commit, once per event, in commit order.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSignal {
    /// The store-wide commit sequence of the event.
    pub seq: u64,
    pub collection: String,
    pub entity_id: EntityId,
    pub kind: EventKind,
    pub event: Arc<Event>,
    /// The model fields the event set (none for a delete).
    pub changed_fields: Vec<String>,
}

/// Which signals a subscription receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Collection(String),
    Entity { collection: String, id: EntityId },
}

impl Scope {
    fn matches(&self, signal: &ChangeSignal) -> bool {
        match self {
            Scope::All => true,
            Scope::Collection(c) => *c == signal.collection,
            Scope::Entity { collection, id } => *collection == signal.collection && *id == signal.entity_id,
        }
    }
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

/// A subscription's scope and its queue, forgotten once the subscription is dropped.
type Subscriber = (Scope, Weak<Mutex<Queue>>);

/// Fans change signals out to subscriptions.
#[derive(Clone)]
pub struct ChangeFeed {
    subscribers: Arc<Mutex<Vec<Subscriber>>>,
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
        Self { subscribers: Arc::default(), capacity: capacity.max(1) }
    }

    pub fn subscribe(&self, scope: Scope) -> Subscription {
        let queue =
            Arc::new(Mutex::new(Queue { items: VecDeque::new(), lagged_from: None, waker: None, closed: false }));
        lock(&self.subscribers).push((scope, Arc::downgrade(&queue)));
        Subscription { queue }
    }

    /// Delivers `signal` to every matching subscription without waiting on any.
    pub fn publish(&self, signal: Arc<ChangeSignal>) {
        let mut subscribers = lock(&self.subscribers);
        subscribers.retain(|(scope, weak)| {
            let Some(queue) = weak.upgrade() else { return false };
            if scope.matches(&signal) {
                let mut q = lock(&queue);
                if q.items.len() >= self.capacity {
                    q.lagged_from.get_or_insert(signal.seq);
                } else if q.lagged_from.is_none() {
                    q.items.push_back(signal.clone());
                }
                if let Some(w) = q.waker.take() {
                    w.wake();
                }
            }
            true
        });
    }

    pub fn subscriber_count(&self) -> usize {
        lock(&self.subscribers).iter().filter(|(_, w)| w.strong_count() > 0).count()
    }

    /// Ends every subscription (their streams finish).
    pub fn close(&self) {
        for (_, weak) in lock(&self.subscribers).drain(..) {
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

/// A stream of change signals; yields `Err(Lagged)` once when it fell behind.
pub struct Subscription {
    queue: Arc<Mutex<Queue>>,
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

    fn signal(seq: u64, collection: &str, entity_id: EntityId) -> Arc<ChangeSignal> {
        let event = Event {
            id: EventId::new(),
            collection: collection.into(),
            entity_id,
            user_id: "u".into(),
            precursors: vec![],
            operations: vec![Operation::Lww(LwwOperation::default())],
        };
        Arc::new(ChangeSignal {
            seq,
            collection: collection.into(),
            entity_id,
            kind: EventKind::Created,
            event: Arc::new(event),
            changed_fields: vec![],
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
    fn dropped_subscriptions_are_forgotten() {
        let feed = ChangeFeed::new(2);
        let sub = feed.subscribe(Scope::All);
        assert_eq!(feed.subscriber_count(), 1);
        drop(sub);
        feed.publish(signal(1, "album", EntityId::new()));
        assert_eq!(feed.subscriber_count(), 0);
    }
}
