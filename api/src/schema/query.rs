//! Root query fields: by id, lists, state as of a time or event, audit, `me`.

use std::sync::Arc;

use async_graphql::Value as Gql;
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, InputValue, Object, TypeRef};
use chronicle_model::ModelDescriptor;

use super::connection::ConnectionNode;
use super::context::{EventNode, Load, caller, load_entity, service};
use super::events::{audit_connection, parse_event_where};
use super::filters::{list_arguments, list_query};
use super::names::{DATE_TIME, EVENT, EVENT_CONNECTION, EVENT_WHERE, ME, ModelNames};
use super::object::{At, entity_at};
use super::scalars::{entity_id_arg, parse_event_id, parse_time, required_arg};
use crate::error::ApiError;

/// The query fields of one model.
pub fn model_fields(d: &Arc<ModelDescriptor>) -> Vec<Field> {
    let names = ModelNames::of(d);
    let by_id = {
        let d = d.clone();
        Field::new(&names.single, TypeRef::named(&names.ty), move |ctx| {
            let d = d.clone();
            FieldFuture::new(async move {
                let id = entity_id_arg(&ctx.args, "id")?;
                Ok(load_entity(&ctx, &d, id, Load::Now).await?.map(FieldValue::owned_any))
            })
        })
        .description(format!("The `{}` with this id; null when absent or deleted.", names.ty))
        .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)))
    };
    let mut list = {
        let d = d.clone();
        Field::new(&names.list, TypeRef::named_nn(names.connection()), move |ctx| {
            let d = d.clone();
            FieldFuture::new(async move {
                let svc = service(&ctx)?;
                let counted = ctx.look_ahead().field("totalCount").exists();
                let query = list_query(&d, &ctx.args, svc.limits.max_first, counted)?;
                let after_given = query.after.is_some();
                let page = svc.store.query(&d.collection, &query).await.map_err(ApiError::from)?;
                Ok(Some(FieldValue::owned_any(ConnectionNode::from_page(d, page, after_given))))
            })
        })
        .description(format!("A page of `{}` entities.", names.ty))
    };
    for arg in list_arguments(d) {
        list = list.argument(arg);
    }
    let at = {
        let d = d.clone();
        Field::new(names.at(), TypeRef::named(&names.ty), move |ctx| {
            let d = d.clone();
            FieldFuture::new(async move {
                let svc = service(&ctx)?;
                let id = entity_id_arg(&ctx.args, "id")?;
                let time = ctx.args.get("at").filter(|v| !v.is_null()).map(|v| v.string().map(str::to_owned));
                let event = ctx.args.get("event").filter(|v| !v.is_null()).map(|v| v.string().map(str::to_owned));
                let at = match (time, event) {
                    (Some(Ok(t)), None) => At::Time(parse_time(&t, "at")?),
                    (None, Some(Ok(e))) => At::Event(parse_event_id(&e, "event")?),
                    _ => {
                        return Err(ApiError::bad_input(
                            "give exactly one of `at` (a DateTime) or `event` (an event ID)",
                        )
                        .into());
                    }
                };
                Ok(entity_at(svc, &d, id, at).await?.map(FieldValue::owned_any))
            })
        })
        .description(format!("The `{}` as it was at a time or right after an event.", names.ty))
        .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(InputValue::new("at", TypeRef::named(DATE_TIME)))
        .argument(InputValue::new("event", TypeRef::named(TypeRef::ID)))
    };
    vec![by_id, list, at]
}

/// `event`, `events` and `me`.
pub fn shared_fields() -> Vec<Field> {
    let event = Field::new("event", TypeRef::named(EVENT), |ctx| {
        FieldFuture::new(async move {
            let svc = service(&ctx)?;
            let id = parse_event_id(&required_arg(&ctx.args, "id")?, "id")?;
            Ok(svc.store.event(id).await.map_err(ApiError::from)?.map(|e| FieldValue::owned_any(EventNode(e))))
        })
    })
    .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)));
    let events = Field::new("events", TypeRef::named_nn(EVENT_CONNECTION), |ctx| {
        FieldFuture::new(async move {
            let svc = service(&ctx)?;
            let filter =
                parse_event_where(ctx.args.get("where").filter(|v| !v.is_null()).and_then(|v| v.object().ok()))?;
            let count = ctx.look_ahead().field("totalCount").exists();
            Ok(Some(FieldValue::owned_any(audit_connection(svc, &filter, &ctx.args, count).await?)))
        })
    })
    .description("The audit log: who changed what, newest first.")
    .argument(InputValue::new("where", TypeRef::named(EVENT_WHERE)))
    .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)))
    .argument(InputValue::new("after", TypeRef::named(TypeRef::STRING)));
    let me = Field::new("me", TypeRef::named(ME), |ctx| {
        FieldFuture::Value(caller(&ctx).map(|i| FieldValue::value(Gql::String(i.user_id.clone()))))
    })
    .description("The signed-in user; null when anonymous.");
    vec![event, events, me]
}

pub fn me_type() -> Object {
    Object::new(ME).field(Field::new("userId", TypeRef::named_nn(TypeRef::STRING), |ctx| {
        FieldFuture::Value(ctx.parent_value.as_value().cloned().map(FieldValue::value))
    }))
}
