//! Events as GraphQL: `Event`, `FieldChange`, `EventKind`, `EventWhere`,
//! entity history and the audit log.

use async_graphql::Value as Gql;
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, ObjectAccessor, TypeRef,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chronicle_model::{EntityId, EventId, EventKind, StoredEvent};
use chronicle_store::{AuditFilter, AuditQuery};

use super::connection::{ConnectionNode, PageNodes, connection_types, page_args};
use super::context::{EventNode, Service, charged};
use super::names::{
    DATE_TIME, EVENT, EVENT_CONNECTION, EVENT_EDGE, EVENT_KIND, EVENT_WHERE, FIELD_CHANGE, JSON, camel, event_kind_name,
};
use super::scalars::{parse_entity_id, parse_time, to_json};
use crate::error::ApiError;

/// `Event.cursor`: the commit sequence and the event id, opaque to clients.
pub fn event_cursor(seq: u64, id: EventId) -> String {
    let mut bytes = Vec::with_capacity(25);
    bytes.push(1);
    bytes.extend(seq.to_be_bytes());
    bytes.extend(id.to_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode_event_cursor(cursor: &str) -> Result<(u64, EventId), ApiError> {
    let bad = || {
        ApiError::bad_input(format!(
            "`{}` is not an event cursor: pass an `Event.cursor` or edge cursor",
            super::scalars::clip(cursor)
        ))
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    if bytes.len() != 25 || bytes[0] != 1 {
        return Err(bad());
    }
    let seq = u64::from_be_bytes(bytes[1..9].try_into().map_err(|_| bad())?);
    let id: [u8; 16] = bytes[9..25].try_into().map_err(|_| bad())?;
    Ok((seq, EventId::from_bytes(id)))
}

fn event<'a>(ctx: &async_graphql::dynamic::ResolverContext<'a>) -> Result<&'a StoredEvent, async_graphql::Error> {
    ctx.parent_value.try_downcast_ref::<EventNode>().map(|e| &e.0)
}

fn event_field(name: &str, ty: TypeRef, read: fn(&StoredEvent) -> Gql) -> Field {
    Field::new(name, ty, move |ctx| match event(&ctx) {
        Ok(e) => charged(&ctx, read(e)),
        Err(_) => FieldFuture::Value(None),
    })
}

pub fn event_types() -> (Vec<Object>, Enum, InputObject) {
    let event_obj = Object::new(EVENT)
        .description("One change to one entity by one user, after the events it lists as precursors.")
        .field(event_field("id", TypeRef::named_nn(TypeRef::ID), |e| Gql::String(e.event.id.to_string())))
        .field(event_field("cursor", TypeRef::named_nn(TypeRef::STRING), |e| {
            Gql::String(event_cursor(e.seq, e.event.id))
        }))
        .field(event_field("kind", TypeRef::named_nn(EVENT_KIND), |e| {
            Gql::Enum(async_graphql::Name::new(event_kind_name(e.event.kind())))
        }))
        .field(event_field("collection", TypeRef::named_nn(TypeRef::STRING), |e| {
            Gql::String(e.event.collection.clone())
        }))
        .field(event_field("entityId", TypeRef::named_nn(TypeRef::ID), |e| Gql::String(e.event.entity_id.to_string())))
        .field(event_field("userId", TypeRef::named_nn(TypeRef::STRING), |e| Gql::String(e.event.user_id.clone())))
        .field(event_field("at", TypeRef::named_nn(DATE_TIME), |e| Gql::String(e.event.at().to_rfc3339())))
        .field(event_field("precursors", TypeRef::named_nn_list_nn(TypeRef::ID), |e| {
            Gql::List(e.event.precursors.iter().map(|p| Gql::String(p.to_string())).collect())
        }))
        .field(event_field("yrsUpdate", TypeRef::named(TypeRef::STRING), |e| {
            e.event.text().map_or(Gql::Null, |op| Gql::String(STANDARD.encode(&op.update)))
        }))
        .field(Field::new("changes", TypeRef::named_nn_list_nn(FIELD_CHANGE), |ctx| {
            FieldFuture::new(async move {
                let e = event(&ctx)?;
                let descriptor =
                    super::context::service(&ctx).ok().and_then(|s| s.models.get(&e.event.collection).ok().cloned());
                let changes = e.changes.iter().map(|c| {
                    // The GraphQL name (`artistId`), as in `changedFields`; a field
                    // since removed from the model keeps its camelCase name.
                    let name = descriptor
                        .as_ref()
                        .and_then(|d| d.field(&c.field))
                        .map_or_else(|| camel(&c.field), super::names::field_name);
                    let mut m = async_graphql::indexmap::IndexMap::new();
                    m.insert(async_graphql::Name::new("field"), Gql::String(name));
                    m.insert(async_graphql::Name::new("value"), to_json(&c.value));
                    Gql::Object(m)
                });
                let changes: Vec<Gql> = changes.collect();
                let req = super::context::request(&ctx)?;
                req.budget.charge(changes.iter().map(super::context::response_size).sum())?;
                Ok(Some(FieldValue::list(changes.into_iter().map(FieldValue::value).collect::<Vec<_>>())))
            })
        }));
    let change = Object::new(FIELD_CHANGE)
        .description("A field an event set, and its value after the event (for text: the whole text).")
        .field(Field::new("field", TypeRef::named_nn(TypeRef::STRING), |ctx| {
            FieldFuture::Value(ctx.parent_value.as_value().and_then(|v| match v {
                Gql::Object(m) => m.get("field").cloned().map(FieldValue::value),
                _ => None,
            }))
        }))
        .field(Field::new("value", TypeRef::named(JSON), |ctx| {
            FieldFuture::Value(ctx.parent_value.as_value().and_then(|v| match v {
                Gql::Object(m) => m.get("value").cloned().map(FieldValue::value),
                _ => None,
            }))
        }));
    let [conn, edge] = connection_types(EVENT, EVENT_CONNECTION, EVENT_EDGE);
    let kind =
        Enum::new(EVENT_KIND).items([EventKind::Created, EventKind::Updated, EventKind::Deleted].map(event_kind_name));
    let filter = InputObject::new(EVENT_WHERE)
        .description("Exact matches on events, all optional, combined with AND.")
        .field(InputValue::new("userId", TypeRef::named(TypeRef::STRING)))
        .field(InputValue::new("collection", TypeRef::named(TypeRef::STRING)))
        .field(InputValue::new("entityId", TypeRef::named(TypeRef::ID)))
        .field(InputValue::new("since", TypeRef::named(DATE_TIME)))
        .field(InputValue::new("until", TypeRef::named(DATE_TIME)));
    (vec![event_obj, change, conn, edge], kind, filter)
}

/// Parses an `EventWhere` input.
pub fn parse_event_where(input: Option<ObjectAccessor<'_>>) -> Result<AuditFilter, ApiError> {
    let mut f = AuditFilter::default();
    let Some(input) = input else { return Ok(f) };
    let string = |key: &str| -> Result<Option<String>, ApiError> {
        match input.get(key).filter(|v| !v.is_null()) {
            Some(v) => {
                Ok(Some(v.string().map_err(|_| ApiError::bad_input(format!("`{key}` must be a String")))?.to_owned()))
            }
            None => Ok(None),
        }
    };
    f.user_id = string("userId")?;
    f.collection = string("collection")?;
    f.entity_id = string("entityId")?.map(|s| parse_entity_id(&s, "entityId")).transpose()?;
    f.since = string("since")?.map(|s| parse_time(&s, "since")).transpose()?;
    f.until = string("until")?.map(|s| parse_time(&s, "until")).transpose()?;
    Ok(f)
}

/// An entity's history, oldest first, paged by event cursor.
pub async fn history_connection(
    svc: &Service,
    collection: &str,
    id: EntityId,
    args: &ObjectAccessor<'_>,
) -> Result<ConnectionNode, ApiError> {
    let (first, after) = page_args(args, svc.limits.max_first)?;
    let first = first.unwrap_or(chronicle_store::DEFAULT_FIRST);
    let after_seq = after.as_deref().map(decode_event_cursor).transpose()?.map(|(seq, _)| seq);
    let all = svc.store.history(collection, id).await?;
    let total = all.len() as u64;
    let rest: Vec<StoredEvent> = all.into_iter().filter(|e| after_seq.is_none_or(|s| e.seq > s)).collect();
    let has_next_page = rest.len() > first;
    let page: Vec<StoredEvent> = rest.into_iter().take(first).collect();
    Ok(ConnectionNode {
        cursors: page.iter().map(|e| event_cursor(e.seq, e.event.id)).collect(),
        nodes: PageNodes::Events(page),
        has_next_page,
        has_previous_page: after_seq.is_some(),
        total_count: Some(total),
    })
}

/// The audit log, newest first.
pub async fn audit_connection(
    svc: &Service,
    filter: &AuditFilter,
    args: &ObjectAccessor<'_>,
    count: bool,
) -> Result<ConnectionNode, ApiError> {
    let (first, after) = page_args(args, svc.limits.max_first)?;
    let first = first.unwrap_or(chronicle_store::DEFAULT_FIRST);
    let before = after.as_deref().map(decode_event_cursor).transpose()?.map(|(_, id)| id);
    let query = AuditQuery { filter: filter.clone(), first: first + 1, before };
    let mut page = svc.store.audit(&query).await?;
    let has_next_page = page.len() > first;
    page.truncate(first);
    let total_count = match count {
        false => None,
        // Commit sequences are gap-free, one per event: the whole log's size is the latest.
        true if *filter == AuditFilter::default() => Some(svc.store.last_seq()),
        true => {
            let everything = AuditQuery { filter: filter.clone(), first: usize::MAX, before: None };
            Some(svc.store.audit(&everything).await?.len() as u64)
        }
    };
    Ok(ConnectionNode {
        cursors: page.iter().map(|e| event_cursor(e.seq, e.event.id)).collect(),
        nodes: PageNodes::Events(page),
        has_next_page,
        has_previous_page: before.is_some(),
        total_count,
    })
}
