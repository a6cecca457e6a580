//! What resolvers find in the GraphQL context: the service state, the
//! caller, the request's pending transaction and the batch loaders.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use chronicle_model::{EntityId, EntityState, ModelDescriptor, Models, StoredEvent};
use chronicle_store::{Page, Query, Related, Storage};

use super::transaction::RequestTx;
use crate::auth::Identity;
use crate::error::ApiError;

/// Limits on what one request may ask for and how long it may take.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The deepest nesting of data fields (introspection not counted).
    pub max_depth: usize,
    /// The highest cost of an operation (see [`crate::admission`]).
    pub max_complexity: usize,
    /// The largest page (`first`).
    pub max_first: usize,
    pub max_text_bytes: usize,
    pub max_body_bytes: usize,
    /// The largest response, in bytes of resolved values.
    pub max_response_bytes: usize,
    /// How long a query or mutation may run before it is refused (commits
    /// that have begun are never interrupted).
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers, and how long
    /// an idle keep-alive connection is kept.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 20_000,
            max_first: 500,
            max_text_bytes: 1024 * 1024,
            max_body_bytes: 2 * 1024 * 1024,
            max_response_bytes: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(20),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

/// Shared by every request.
#[derive(Clone)]
pub struct Service {
    pub store: Arc<dyn Storage>,
    pub models: Models,
    pub limits: Limits,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// The verified caller of this request, if any.
#[derive(Clone, Debug, Default)]
pub struct Caller(pub Option<Identity>);

/// An entity as a GraphQL parent value.
#[derive(Clone, Debug)]
pub struct EntityNode {
    pub descriptor: Arc<ModelDescriptor>,
    pub state: Arc<EntityState>,
}

/// An event as a GraphQL parent value.
#[derive(Clone, Debug)]
pub struct EventNode(pub StoredEvent);

impl<'a> From<EventNode> for async_graphql::dynamic::FieldValue<'a> {
    fn from(node: EventNode) -> Self {
        async_graphql::dynamic::FieldValue::owned_any(node)
    }
}

/// Key of the entity batch loader.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntityKey {
    pub collection: Arc<str>,
    pub id: EntityId,
}

/// Loads entities by id, one `get_many` per collection per batch.
pub struct EntityLoader(pub Arc<dyn Storage>);

impl std::fmt::Debug for EntityLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EntityLoader")
    }
}

impl Loader<EntityKey> for EntityLoader {
    type Value = Arc<EntityState>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[EntityKey]) -> Result<HashMap<EntityKey, Self::Value>, Self::Error> {
        let mut by_collection: HashMap<Arc<str>, Vec<EntityId>> = HashMap::new();
        for k in keys {
            by_collection.entry(k.collection.clone()).or_default().push(k.id);
        }
        let mut out = HashMap::new();
        for (collection, ids) in by_collection {
            let states = self.0.get_many(&collection, &ids).await.map_err(|e| Arc::new(ApiError::from(e)))?;
            for (id, state) in ids.into_iter().zip(states) {
                if let Some(s) = state {
                    out.insert(EntityKey { collection: collection.clone(), id }, Arc::new(s));
                }
            }
        }
        Ok(out)
    }
}

/// Key of the reverse-relation loader: the page of `collection` entities
/// whose `field` points at `target`, for the query registered as `query`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RelatedKey {
    pub collection: Arc<str>,
    pub field: Arc<str>,
    pub target: EntityId,
    pub query: usize,
}

/// Loads reverse relations, one `query_related` per (relation, query) per batch.
pub struct RelatedLoader {
    pub store: Arc<dyn Storage>,
    pub queries: std::sync::Mutex<Vec<Query>>,
}

impl std::fmt::Debug for RelatedLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelatedLoader").finish_non_exhaustive()
    }
}

impl RelatedLoader {
    /// Registers `query` and returns its number (equal queries share one).
    pub fn register(&self, query: Query) -> usize {
        let mut queries = self.queries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = queries.iter().position(|q| *q == query) {
            return i;
        }
        queries.push(query);
        queries.len() - 1
    }
}

impl Loader<RelatedKey> for RelatedLoader {
    type Value = Arc<Page>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[RelatedKey]) -> Result<HashMap<RelatedKey, Self::Value>, Self::Error> {
        let mut groups: HashMap<(Arc<str>, Arc<str>, usize), Vec<EntityId>> = HashMap::new();
        for k in keys {
            groups.entry((k.collection.clone(), k.field.clone(), k.query)).or_default().push(k.target);
        }
        let mut out = HashMap::new();
        for ((collection, field, q), targets) in groups {
            let query = self.queries.lock().unwrap_or_else(|p| p.into_inner()).get(q).cloned().unwrap_or_default();
            let pages = self
                .store
                .query_related(&Related { collection: &collection, field: &field, targets: &targets }, &query)
                .await
                .map_err(|e| Arc::new(ApiError::from(e)))?;
            for (target, page) in targets.into_iter().zip(pages) {
                out.insert(
                    RelatedKey { collection: collection.clone(), field: field.clone(), target, query: q },
                    Arc::new(page),
                );
            }
        }
        Ok(out)
    }
}

/// Per-request data: loaders, the pending transaction, the response budget
/// and which pass of a mutation this is.
pub struct RequestData {
    pub entities: DataLoader<EntityLoader>,
    pub related: DataLoader<RelatedLoader>,
    pub tx: Arc<RequestTx>,
    pub budget: Arc<ResponseBudget>,
    pub pass: Pass,
}

/// A mutation runs twice: its fields stage changes (recording which entity
/// each answers with), the request commits, then the same document runs
/// again and each field answers with its entity as committed. So every
/// selection of a mutation sees the state after the request's commit, with
/// the committed events' cursors and times.
#[derive(Clone, Debug, Default)]
pub enum Pass {
    /// Queries, subscriptions, and a mutation's first pass.
    #[default]
    Staging,
    /// After the commit: each mutation field's entity, by response key.
    Committed(Arc<HashMap<String, EntityId>>),
}

/// The bytes a response may still grow by. Resolvers charge each value
/// before handing it over, so an oversized response is refused while it is
/// being built, not after.
#[derive(Debug)]
pub struct ResponseBudget {
    limit: usize,
    used: AtomicUsize,
}

impl ResponseBudget {
    pub fn new(limit: usize) -> Self {
        Self { limit, used: AtomicUsize::new(0) }
    }

    /// Takes `bytes` from the budget; fails once the response would exceed it.
    pub fn charge(&self, bytes: usize) -> Result<(), ApiError> {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if used > self.limit { Err(self.exceeded()) } else { Ok(()) }
    }

    pub fn is_exceeded(&self) -> bool {
        self.used.load(Ordering::Relaxed) > self.limit
    }

    /// Whether the budget was exceeded, and a full budget again for the next
    /// response (a subscription resolves one per change).
    pub fn take_exceeded(&self) -> bool {
        self.used.swap(0, Ordering::Relaxed) > self.limit
    }

    /// The error that replaces a response past the budget.
    pub fn exceeded(&self) -> ApiError {
        ApiError::limit(format!(
            "the response would be larger than {} bytes; ask for fewer fields or smaller pages",
            self.limit
        ))
    }
}

/// About the bytes `value` adds to a serialized response.
pub fn response_size(value: &async_graphql::Value) -> usize {
    use async_graphql::Value as V;
    match value {
        V::String(s) => s.len() + 2,
        V::List(items) => items.iter().map(response_size).sum::<usize>() + 2,
        V::Object(fields) => fields.iter().map(|(k, v)| k.len() + 3 + response_size(v)).sum::<usize>() + 2,
        V::Binary(b) => b.len() * 4 / 3 + 4,
        V::Null | V::Number(_) | V::Boolean(_) | V::Enum(_) => 8,
    }
}

impl std::fmt::Debug for RequestData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestData").finish_non_exhaustive()
    }
}

impl RequestData {
    pub fn new(store: Arc<dyn Storage>, caller: &Caller, limits: &Limits, pass: Pass) -> Self {
        // Sibling fields register their keys in the same poll, so a short wait
        // still batches them; the default 1 ms was most of a by-id query's time.
        let delay = std::time::Duration::from_micros(100);
        Self {
            entities: DataLoader::new(EntityLoader(store.clone()), tokio::spawn).delay(delay),
            related: DataLoader::new(RelatedLoader { store: store.clone(), queries: Default::default() }, tokio::spawn)
                .delay(delay),
            tx: Arc::new(RequestTx::new(store, caller.0.clone())),
            budget: Arc::new(ResponseBudget::new(limits.max_response_bytes)),
            pass,
        }
    }
}

pub fn service<'a>(ctx: &ResolverContext<'a>) -> Result<&'a Service, ApiError> {
    ctx.ctx.data::<Service>().map_err(|_| internal("service state missing"))
}

pub fn request<'a>(ctx: &ResolverContext<'a>) -> Result<&'a RequestData, ApiError> {
    ctx.ctx.data::<RequestData>().map_err(|_| internal("request data missing"))
}

/// Hands `value` to async-graphql once it is charged to the request's
/// response budget; past the budget the field fails instead.
pub fn charged<'a>(ctx: &ResolverContext<'a>, value: async_graphql::Value) -> FieldFuture<'a> {
    match request(ctx).and_then(|r| r.budget.charge(response_size(&value))) {
        Ok(()) => FieldFuture::Value(Some(FieldValue::value(value))),
        Err(e) => FieldFuture::new(async move { Err::<Option<FieldValue<'_>>, _>(e.into()) }),
    }
}

pub fn caller<'a>(ctx: &ResolverContext<'a>) -> Option<&'a Identity> {
    ctx.ctx.data::<Caller>().ok().and_then(|c| c.0.as_ref())
}

pub fn internal(what: &str) -> ApiError {
    tracing::error!(what, "internal error");
    ApiError::new(crate::error::Code::Internal, "internal error; the server log has the details")
}

/// The entity `id` of `collection` as this request sees it: its own pending
/// changes first, then the store (batched). Deleted entities read as absent.
/// How a resolver reads an entity by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Load {
    /// Through the request's batch loader: relations of many parents become
    /// one read, after the loader's short wait for siblings.
    Batched,
    /// At once: a root `x(id)` has no siblings worth waiting for.
    Now,
}

/// Entity `id` as this request sees it (staged by its mutations, else read);
/// `None` when absent or deleted.
pub async fn load_entity(
    ctx: &ResolverContext<'_>,
    descriptor: &Arc<ModelDescriptor>,
    id: EntityId,
    load: Load,
) -> Result<Option<EntityNode>, ApiError> {
    let req = request(ctx)?;
    let state = match (req.tx.staged(&descriptor.collection, id), load) {
        (Some(s), _) => Some(Arc::new(s)),
        (None, Load::Batched) => req
            .entities
            .load_one(EntityKey { collection: descriptor.collection.as_str().into(), id })
            .await
            .map_err(|e| (*e).clone())?,
        (None, Load::Now) => service(ctx)?.store.get(&descriptor.collection, id).await?.map(Arc::new),
    };
    Ok(state.filter(|s| !s.is_deleted()).map(|state| EntityNode { descriptor: descriptor.clone(), state }))
}
