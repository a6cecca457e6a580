//! Connections: the `XConnection`/`XEdge`/`PageInfo` types every list uses
//! (entities and events alike), their parent values, and the page arguments.

use std::sync::Arc;

use async_graphql::Value as Gql;
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, Object, ObjectAccessor, TypeRef};
use chronicle_model::{EntityState, ModelDescriptor, Page, StoredEvent};

use super::context::{EntityNode, EventNode};
use super::names::PAGE_INFO;
use crate::error::ApiError;

/// The nodes of one connection page, all entities of one model or all events.
#[derive(Clone, Debug)]
pub enum PageNodes {
    Entities(Arc<ModelDescriptor>, Vec<Arc<EntityState>>),
    Events(Vec<StoredEvent>),
}

/// A connection page as a GraphQL parent value.
#[derive(Clone, Debug)]
pub struct ConnectionNode {
    pub nodes: PageNodes,
    pub cursors: Vec<String>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: Option<u64>,
}

impl ConnectionNode {
    pub fn from_page(descriptor: Arc<ModelDescriptor>, page: Page, after_given: bool) -> Self {
        Self {
            nodes: PageNodes::Entities(descriptor, page.items.into_iter().map(Arc::new).collect()),
            cursors: page.cursors,
            has_next_page: page.has_next_page,
            has_previous_page: after_given,
            total_count: page.total_count,
        }
    }
}

/// `XConnection` and `XEdge` for a node type.
pub fn connection_types(node_type: &str, connection: &str, edge: &str) -> [Object; 2] {
    let node_ty = node_type.to_owned();
    let conn = Object::new(connection)
        .field(Field::new("edges", TypeRef::named_nn_list_nn(edge), |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnectionNode>()?;
                let edges = c.cursors.iter().enumerate().filter_map(|(i, cursor)| {
                    node_at(c, i).map(|node| FieldValue::owned_any(Edge { cursor: cursor.clone(), node }))
                });
                Ok(Some(FieldValue::list(edges.collect::<Vec<_>>())))
            })
        }))
        .field(Field::new("nodes", TypeRef::named_nn_list_nn(node_ty), |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnectionNode>()?;
                let nodes: Vec<FieldValue<'_>> =
                    (0..c.cursors.len()).filter_map(|i| node_at(c, i)).map(Node::into_value).collect();
                Ok(Some(FieldValue::list(nodes)))
            })
        }))
        .field(Field::new("pageInfo", TypeRef::named_nn(PAGE_INFO), |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnectionNode>()?;
                Ok(Some(FieldValue::owned_any(c.clone())))
            })
        }))
        .field(Field::new("totalCount", TypeRef::named_nn(TypeRef::INT), |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnectionNode>()?;
                let total = c.total_count.ok_or_else(|| ApiError::bad_input("totalCount is not available here"))?;
                Ok(Some(FieldValue::value(Gql::from(total))))
            })
        }));
    let edge_obj = Object::new(edge)
        .field(Field::new("cursor", TypeRef::named_nn(TypeRef::STRING), |ctx| {
            FieldFuture::new(async move {
                let e = ctx.parent_value.try_downcast_ref::<Edge>()?;
                Ok(Some(FieldValue::value(Gql::String(e.cursor.clone()))))
            })
        }))
        .field(Field::new("node", TypeRef::named_nn(node_type), |ctx| {
            FieldFuture::new(async move {
                let e = ctx.parent_value.try_downcast_ref::<Edge>()?;
                Ok(Some(e.node.clone().into_value()))
            })
        }));
    [conn, edge_obj]
}

pub fn page_info() -> Object {
    let flag = |name: &'static str, read: fn(&ConnectionNode) -> Gql| {
        Field::new(name, TypeRef::named_nn(TypeRef::BOOLEAN), move |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnectionNode>()?;
                Ok(Some(FieldValue::value(read(c))))
            })
        })
    };
    let cursor = |name: &'static str, read: fn(&ConnectionNode) -> Option<String>| {
        Field::new(name, TypeRef::named(TypeRef::STRING), move |ctx| {
            FieldFuture::new(async move {
                let c = ctx.parent_value.try_downcast_ref::<ConnectionNode>()?;
                Ok(read(c).map(|s| FieldValue::value(Gql::String(s))))
            })
        })
    };
    Object::new(PAGE_INFO)
        .field(flag("hasNextPage", |c| Gql::Boolean(c.has_next_page)))
        .field(flag("hasPreviousPage", |c| Gql::Boolean(c.has_previous_page)))
        .field(cursor("startCursor", |c| c.cursors.first().cloned()))
        .field(cursor("endCursor", |c| c.cursors.last().cloned()))
}

/// One node of a connection page, as the GraphQL parent value of its fields.
#[derive(Clone, Debug)]
pub enum Node {
    Entity(EntityNode),
    Event(EventNode),
}

impl Node {
    fn into_value(self) -> FieldValue<'static> {
        match self {
            Node::Entity(e) => FieldValue::owned_any(e),
            Node::Event(e) => FieldValue::owned_any(e),
        }
    }
}

#[derive(Clone, Debug)]
struct Edge {
    cursor: String,
    node: Node,
}

fn node_at(c: &ConnectionNode, i: usize) -> Option<Node> {
    match &c.nodes {
        PageNodes::Entities(d, states) => {
            states.get(i).map(|s| Node::Entity(EntityNode { descriptor: d.clone(), state: s.clone() }))
        }
        PageNodes::Events(events) => events.get(i).map(|e| Node::Event(EventNode(e.clone()))),
    }
}

/// `first` and `after` of a connection field, checked against the limit.
pub fn page_args(args: &ObjectAccessor<'_>, max_first: usize) -> Result<(Option<usize>, Option<String>), ApiError> {
    let first = match args.get("first").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => {
            let n = v.i64().map_err(|_| ApiError::bad_input("`first` must be an Int"))?;
            if n < 0 {
                return Err(ApiError::bad_input("`first` must not be negative"));
            }
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if n > max_first {
                return Err(ApiError::limit(format!("`first` is {n}; at most {max_first} items per page")));
            }
            Some(n)
        }
    };
    let after = args
        .get("after")
        .filter(|v| !v.is_null())
        .map(|v| v.string().map(str::to_owned))
        .transpose()
        .map_err(|_| ApiError::bad_input("`after` must be a String"))?;
    Ok((first, after))
}
