//! Root subscription fields: `xChanged(id)`, `xsChanged(where)` (a live
//! filter with ENTERED and LEFT) and `events(where, after)`, the resumable
//! audit feed. All are built on the store's change feed.

use std::collections::VecDeque;
use std::sync::Arc;

use async_graphql::Value as Gql;
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputValue, Object, SubscriptionField, SubscriptionFieldFuture, TypeRef,
};
use chronicle_model::{ChangeKind, ChangeSignal, EntityId, ModelDescriptor, Scope, StoredEvent, Subscription, Value};
use chronicle_store::{AuditFilter, Filter, Op};
use futures_util::{Stream, StreamExt};

use super::context::{EntityNode, EventNode, service};
use super::events::{decode_event_cursor, parse_event_where};
use super::filters::parse_where;
use super::names::{CHANGE_KIND, EVENT, EVENT_WHERE, ModelNames, camel, change_kind_name};
use super::scalars::entity_id_arg;
use crate::error::ApiError;

/// An `XChange` as a GraphQL parent value.
#[derive(Clone, Debug)]
pub struct ChangeNode {
    pub descriptor: Arc<ModelDescriptor>,
    pub kind: ChangeKind,
    pub signal: Arc<ChangeSignal>,
}

impl<'a> From<ChangeNode> for FieldValue<'a> {
    fn from(node: ChangeNode) -> Self {
        FieldValue::owned_any(node)
    }
}

pub fn change_kind_enum() -> Enum {
    Enum::new(CHANGE_KIND).items(
        [ChangeKind::Created, ChangeKind::Updated, ChangeKind::Deleted, ChangeKind::Entered, ChangeKind::Left]
            .map(change_kind_name),
    )
}

fn change<'a>(ctx: &async_graphql::dynamic::ResolverContext<'a>) -> Result<&'a ChangeNode, async_graphql::Error> {
    ctx.parent_value.try_downcast_ref::<ChangeNode>()
}

/// `XChange { kind id event x changedFields }`.
pub fn change_object(d: &ModelDescriptor) -> Object {
    let names = ModelNames::of(d);
    Object::new(names.change())
        .field(Field::new("kind", TypeRef::named_nn(CHANGE_KIND), |ctx| {
            FieldFuture::Value(
                change(&ctx)
                    .ok()
                    .map(|c| FieldValue::value(Gql::Enum(async_graphql::Name::new(change_kind_name(c.kind))))),
            )
        }))
        .field(Field::new("id", TypeRef::named_nn(TypeRef::ID), |ctx| {
            FieldFuture::Value(
                change(&ctx).ok().map(|c| FieldValue::value(Gql::String(c.signal.entity_id.to_string()))),
            )
        }))
        .field(Field::new("event", TypeRef::named_nn(EVENT), |ctx| {
            FieldFuture::Value(change(&ctx).ok().map(|c| FieldValue::owned_any(EventNode(c.signal.stored_event()))))
        }))
        .field(
            Field::new(&names.single, TypeRef::named(&names.ty), |ctx| {
                FieldFuture::Value(change(&ctx).ok().and_then(|c| {
                    let gone = matches!(c.kind, ChangeKind::Deleted) || c.signal.state.is_deleted();
                    (!gone).then(|| {
                        FieldValue::owned_any(EntityNode {
                            descriptor: c.descriptor.clone(),
                            state: c.signal.state.clone(),
                        })
                    })
                }))
            })
            .description("The entity after the change; null when it was deleted."),
        )
        .field(Field::new("changedFields", TypeRef::named_nn_list_nn(TypeRef::STRING), |ctx| {
            FieldFuture::Value(change(&ctx).ok().map(|c| {
                let names = c.signal.changed_fields.iter().map(|f| {
                    let field = c.descriptor.field(f);
                    Gql::String(field.map_or_else(|| camel(f), super::names::field_name))
                });
                FieldValue::value(Gql::List(names.collect()))
            }))
        }))
}

fn lagged_error(from: u64) -> async_graphql::Error {
    ApiError::limit(format!(
        "this subscription fell behind and missed changes from commit {from} on; resubscribe with `after:` set to the last change's `event.cursor` (it resumes without gaps)"
    ))
    .into_graphql()
}

/// How far back (in commits) `after:` may resume a change stream. Past it
/// the client is told to re-read and subscribe afresh.
pub const RESUME_WINDOW: u64 = 10_000;

/// The signals of one collection (or one entity of it) from a commit
/// sequence on: first those already committed, rebuilt from the log with the
/// entity's state before and after each event, then live ones, with no gap
/// and no duplicate. Without a resume point it is the live feed alone.
struct Resumable {
    store: Arc<dyn chronicle_store::Storage>,
    descriptor: Arc<ModelDescriptor>,
    entity: Option<EntityId>,
    live: Subscription,
    /// Every signal up to this commit sequence has been handed on (or skipped).
    done: u64,
    backlog: VecDeque<Arc<ChangeSignal>>,
    /// The log has been read up to this sequence (the backlog holds the rest).
    read_to: u64,
    replaying: bool,
}

impl Resumable {
    /// Subscribes to `scope` first, then (with `after`) arranges to replay
    /// what was committed since, so nothing committed in between is missed.
    fn new(
        store: Arc<dyn chronicle_store::Storage>,
        descriptor: Arc<ModelDescriptor>,
        entity: Option<EntityId>,
        scope: Scope,
        after: Option<u64>,
    ) -> Result<Self, ApiError> {
        let live = store.subscribe(scope);
        let last = store.last_seq();
        if let Some(after) = after {
            if after > last {
                return Err(ApiError::bad_input(format!(
                    "`after` is commit {after}, but the latest is {last}: pass an `Event.cursor` this server issued"
                )));
            }
            if last - after > RESUME_WINDOW {
                return Err(ApiError::limit(format!(
                    "`after` is {} commits back; changes resume at most {RESUME_WINDOW} commits back: re-read, then subscribe afresh",
                    last - after
                )));
            }
        }
        let done = after.unwrap_or(0);
        Ok(Self {
            store,
            descriptor,
            entity,
            live,
            done,
            backlog: VecDeque::new(),
            read_to: done,
            replaying: after.is_some(),
        })
    }

    async fn next(&mut self) -> Option<async_graphql::Result<Arc<ChangeSignal>>> {
        loop {
            if let Some(signal) = self.backlog.pop_front() {
                self.done = signal.seq;
                return Some(Ok(signal));
            }
            self.done = self.done.max(self.read_to);
            if self.replaying {
                match self.replay_batch().await {
                    Ok(true) => {}
                    Ok(false) => self.replaying = false,
                    Err(e) => return Some(Err(e.into_graphql())),
                }
                continue;
            }
            match self.live.next().await? {
                // Already replayed.
                Ok(s) if s.seq <= self.done => {}
                Ok(s) => {
                    self.done = s.seq;
                    return Some(Ok(s));
                }
                // Fell behind the live feed: read the log from where we are,
                // within the resume window.
                Err(lag) if self.store.last_seq() - self.done <= RESUME_WINDOW => {
                    let _ = lag;
                    self.replaying = true;
                }
                Err(lag) => return Some(Err(lagged_error(lag.from))),
            }
        }
    }

    /// Reads the next batch of the log into the backlog; false at its end.
    async fn replay_batch(&mut self) -> Result<bool, ApiError> {
        let batch = self.store.events_after(self.read_to, REPLAY_BATCH).await?;
        let Some(last) = batch.last().map(|e| e.seq) else { return Ok(false) };
        let collection = &self.descriptor.collection;
        let ours: Vec<&StoredEvent> = batch
            .iter()
            .filter(|e| e.event.collection == *collection && self.entity.is_none_or(|id| id == e.event.entity_id))
            .collect();
        // Each entity's history once per batch, folded to the states around each event.
        let mut entities: Vec<EntityId> = ours.iter().map(|e| e.event.entity_id).collect();
        entities.sort_unstable();
        entities.dedup();
        let mut signals: std::collections::HashMap<u64, Arc<ChangeSignal>> = std::collections::HashMap::new();
        for id in entities {
            let history = self.store.history(collection, id).await?;
            let wanted: std::collections::HashSet<u64> =
                ours.iter().filter(|e| e.event.entity_id == id).map(|e| e.seq).collect();
            let mut seqs = history.iter().map(|e| (e.seq, e.event.clone()));
            chronicle_model::replay_each(&self.descriptor, history.iter().map(|e| &*e.event), |before, applied| {
                let Some((seq, event)) = seqs.next() else { return };
                if wanted.contains(&seq) {
                    signals.insert(
                        seq,
                        Arc::new(ChangeSignal {
                            seq,
                            collection: collection.clone(),
                            entity_id: id,
                            kind: applied.kind,
                            event,
                            depth: applied.depth,
                            changes: applied.changes.clone(),
                            changed_fields: applied.changed_fields.clone(),
                            previous: before.cloned().map(Arc::new),
                            state: Arc::new(applied.state.clone()),
                        }),
                    );
                }
            })?;
        }
        for e in ours {
            if let Some(signal) = signals.remove(&e.seq) {
                self.backlog.push_back(signal);
            }
        }
        self.read_to = last;
        Ok(true)
    }
}

/// Turns a change source into a stream of `XChange`s, classifying each
/// signal with `classify` (returning `None` skips it). Ends after an error.
fn changes(
    source: Resumable,
    descriptor: Arc<ModelDescriptor>,
    classify: impl Fn(&ChangeSignal) -> Option<ChangeKind> + Send + Sync + 'static,
) -> impl Stream<Item = async_graphql::Result<ChangeNode>> + Send {
    let classify = Arc::new(classify);
    futures_util::stream::unfold(Some(source), move |source| {
        let descriptor = descriptor.clone();
        let classify = classify.clone();
        async move {
            let mut source = source?;
            loop {
                match source.next().await? {
                    Ok(signal) => {
                        if let Some(kind) = classify(&signal) {
                            let node = ChangeNode { descriptor: descriptor.clone(), kind, signal };
                            return Some((Ok(node), Some(source)));
                        }
                    }
                    Err(e) => return Some((Err(e), None)),
                }
            }
        }
    })
}

/// The `after` argument of a change stream: the commit sequence of an `Event.cursor`.
fn resume_point(args: &async_graphql::dynamic::ObjectAccessor<'_>) -> Result<Option<u64>, ApiError> {
    match args.get("after").filter(|v| !v.is_null()) {
        Some(v) => {
            let cursor = v.string().map_err(|_| ApiError::bad_input("`after` must be an `Event.cursor` String"))?;
            Ok(Some(decode_event_cursor(cursor)?.0))
        }
        None => Ok(None),
    }
}

fn after_argument() -> InputValue {
    InputValue::new("after", TypeRef::named(TypeRef::STRING)).description(format!(
        "Resume after this `Event.cursor`: first every matching change committed since (at most {RESUME_WINDOW} commits back), then live ones, with no gap and no duplicate."
    ))
}

/// The scope that narrows a filter's signals best: an `eq` on a scalar field.
fn scope_for(d: &ModelDescriptor, filter: Option<&Filter>) -> Scope {
    let eq = |f: &Filter| match f {
        Filter::Field { field, op: Op::Eq(v) } => Some((field.clone(), v.clone())),
        _ => None,
    };
    let found = match filter {
        Some(Filter::And(all)) => all.iter().find_map(eq),
        Some(f) => eq(f),
        None => None,
    };
    match found {
        Some((field, value)) if !matches!(value, Value::Null) => {
            Scope::Field { collection: d.collection.clone(), field, value }
        }
        _ => Scope::Collection(d.collection.clone()),
    }
}

pub fn model_fields(d: &Arc<ModelDescriptor>) -> Vec<SubscriptionField> {
    let names = ModelNames::of(d);
    let one = {
        let d = d.clone();
        SubscriptionField::new(names.changed(), TypeRef::named_nn(names.change()), move |ctx| {
            let d = d.clone();
            SubscriptionFieldFuture::new(async move {
                let svc = service(&ctx)?;
                let id = entity_id_arg(&ctx.args, "id")?;
                let scope = Scope::Entity { collection: d.collection.clone(), id };
                let source = Resumable::new(svc.store.clone(), d.clone(), Some(id), scope, resume_point(&ctx.args)?)?;
                Ok(changes(source, d, |s| Some(ChangeKind::from(s.kind))))
            })
        })
        .description(format!("Every change to one `{}`.", names.ty))
        .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(after_argument())
    };
    let many = {
        let d = d.clone();
        SubscriptionField::new(names.list_changed(), TypeRef::named_nn(names.change()), move |ctx| {
            let d = d.clone();
            SubscriptionFieldFuture::new(async move {
                let svc = service(&ctx)?;
                let filter = match ctx.args.get("where").filter(|v| !v.is_null()) {
                    Some(w) => Some(parse_where(&d, &w.object()?)?),
                    None => None,
                };
                if let Some(f) = &filter {
                    f.validate(&d).map_err(ApiError::from)?;
                }
                let scope = scope_for(&d, filter.as_ref());
                let source = Resumable::new(svc.store.clone(), d.clone(), None, scope, resume_point(&ctx.args)?)?;
                let descriptor = d.clone();
                Ok(changes(source, d, move |s| ChangeKind::classify(&descriptor, filter.as_ref(), s)))
            })
        })
        .description(format!(
            "Changes to `{}` entities matching `where`: ENTERED and LEFT when an update moves one into or out of it.",
            names.ty
        ))
        .argument(InputValue::new("where", TypeRef::named(names.where_input())))
        .argument(after_argument())
    };
    vec![one, many]
}

/// State of the audit feed stream: replaying the log, then live.
struct Feed {
    store: Arc<dyn chronicle_store::Storage>,
    live: Subscription,
    filter: AuditFilter,
    /// Everything up to this commit sequence has been sent (or skipped).
    done: u64,
    /// Replayed events not yet sent.
    backlog: VecDeque<StoredEvent>,
    replaying: bool,
}

const REPLAY_BATCH: usize = 256;

impl Feed {
    async fn next(&mut self) -> Option<async_graphql::Result<EventNode>> {
        loop {
            if let Some(e) = self.backlog.pop_front() {
                self.done = e.seq;
                if self.filter.matches(&e.event) {
                    return Some(Ok(EventNode(e)));
                }
                continue;
            }
            if self.replaying {
                match self.store.events_after(self.done, REPLAY_BATCH).await {
                    Ok(batch) if batch.is_empty() => self.replaying = false,
                    Ok(batch) => self.backlog.extend(batch),
                    Err(e) => return Some(Err(ApiError::from(e).into_graphql())),
                }
                continue;
            }
            match self.live.next().await? {
                // Signals at or below `done` were already replayed.
                Ok(s) if s.seq <= self.done => {}
                Ok(s) if s.seq == self.done + 1 => {
                    self.done = s.seq;
                    if self.filter.matches(&s.event) {
                        return Some(Ok(EventNode(s.stored_event())));
                    }
                }
                // A gap (we lagged, or signals raced the replay): read the log from where we are.
                Ok(_) | Err(_) => self.replaying = true,
            }
        }
    }
}

pub fn events_field() -> SubscriptionField {
    SubscriptionField::new("events", TypeRef::named_nn(EVENT), |ctx| {
        SubscriptionFieldFuture::new(async move {
            let svc = service(&ctx)?;
            let filter = parse_event_where(ctx.args.get("where").filter(|v| !v.is_null()).and_then(|v| v.object().ok()))?;
            let after = match ctx.args.get("after").filter(|v| !v.is_null()) {
                Some(v) => Some(decode_event_cursor(v.string()?)?.0),
                None => None,
            };
            // Subscribe before reading the log, so nothing committed in between is missed.
            let live = svc.store.subscribe(Scope::All);
            let (done, replaying) = match after {
                Some(seq) => (seq, true),
                None => (svc.store.last_seq(), false),
            };
            let feed = Feed { store: svc.store.clone(), live, filter, done, backlog: VecDeque::new(), replaying };
            Ok(futures_util::stream::unfold(feed, |mut feed| async move { feed.next().await.map(|item| (item, feed)) }))
        })
    })
    .description("The audit feed. With `after` (an `Event.cursor`) it first replays every later matching event, then continues live, with no gap and no duplicate.")
    .argument(InputValue::new("where", TypeRef::named(EVENT_WHERE)))
    .argument(InputValue::new("after", TypeRef::named(TypeRef::STRING)))
}
