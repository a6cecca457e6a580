//! What resolvers find in the GraphQL context: the service state, the
//! caller, the request's pending transaction and the batch loaders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::dynamic::ResolverContext;
use chronicle_model::{EntityId, EntityState, ModelDescriptor, Models, StoredEvent};
use chronicle_store::{Page, Query, Storage};

use super::transaction::RequestTx;
use crate::auth::Identity;
use crate::error::ApiError;

/// Limits on what one request may ask for.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_first: usize,
    pub max_text_bytes: usize,
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 2_000,
            max_first: chronicle_store::MAX_FIRST,
            max_text_bytes: 1024 * 1024,
            max_body_bytes: 2 * 1024 * 1024,
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

/// The items of a connection.
#[derive(Clone, Debug)]
pub enum Items {
    Entities(Arc<ModelDescriptor>, Vec<Arc<EntityState>>),
    Events(Vec<StoredEvent>),
}

/// A connection page as a GraphQL parent value.
#[derive(Clone, Debug)]
pub struct ConnectionNode {
    pub items: Items,
    pub cursors: Vec<String>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: Option<u64>,
}

impl ConnectionNode {
    pub fn from_page(descriptor: Arc<ModelDescriptor>, page: Page, after_given: bool) -> Self {
        Self {
            items: Items::Entities(descriptor, page.items.into_iter().map(Arc::new).collect()),
            cursors: page.cursors,
            has_next_page: page.has_next_page,
            has_previous_page: after_given,
            total_count: page.total_count,
        }
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
                .query_related(&collection, &field, &targets, &query)
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

/// Per-request data: loaders and the pending transaction.
pub struct RequestData {
    pub entities: DataLoader<EntityLoader>,
    pub related: DataLoader<RelatedLoader>,
    pub tx: Arc<RequestTx>,
}

impl std::fmt::Debug for RequestData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestData").finish_non_exhaustive()
    }
}

impl RequestData {
    pub fn new(store: Arc<dyn Storage>, models: Models, caller: &Caller) -> Self {
        // Sibling fields register their keys in the same poll, so a short wait
        // still batches them; the default 1 ms was most of a by-id query's time.
        let delay = std::time::Duration::from_micros(100);
        Self {
            entities: DataLoader::new(EntityLoader(store.clone()), tokio::spawn).delay(delay),
            related: DataLoader::new(RelatedLoader { store: store.clone(), queries: Default::default() }, tokio::spawn)
                .delay(delay),
            tx: Arc::new(RequestTx::new(store, models, caller.0.clone())),
        }
    }
}

pub fn service<'a>(ctx: &ResolverContext<'a>) -> Result<&'a Service, ApiError> {
    ctx.ctx.data::<Service>().map_err(|_| internal("service state missing"))
}

pub fn request<'a>(ctx: &ResolverContext<'a>) -> Result<&'a RequestData, ApiError> {
    ctx.ctx.data::<RequestData>().map_err(|_| internal("request data missing"))
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
pub async fn load_entity(
    ctx: &ResolverContext<'_>,
    descriptor: &Arc<ModelDescriptor>,
    id: EntityId,
) -> Result<Option<EntityNode>, ApiError> {
    let req = request(ctx)?;
    let state = match req.tx.staged(&descriptor.collection, id) {
        Some(s) => Some(Arc::new(s)),
        None => req
            .entities
            .load_one(EntityKey { collection: descriptor.collection.as_str().into(), id })
            .await
            .map_err(|e| (*e).clone())?,
    };
    Ok(state.filter(|s| !s.is_deleted()).map(|state| EntityNode { descriptor: descriptor.clone(), state }))
}
