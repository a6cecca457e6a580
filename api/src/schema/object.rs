//! Output types: one object per model, its relations both ways, its history and its text state.

use std::sync::Arc;

use async_graphql::Value as Gql;
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, InputValue, Object, ResolverContext, TypeRef};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chronicle_model::{FieldType, ModelDescriptor, Models};

use super::connection::ConnectionNode;
use super::context::{EntityNode, Load, RelatedKey, charged, load_entity, request, service};
use super::events::history_connection;
use super::filters::{list_arguments, list_query};
use super::names::{DATE_TIME, EVENT_CONNECTION, ModelNames, camel, field_name, reverse_name};
use super::scalars::{scalar_type_name, to_gql};
use crate::error::ApiError;

pub fn entity<'a>(ctx: &ResolverContext<'a>) -> Result<&'a EntityNode, async_graphql::Error> {
    ctx.parent_value.try_downcast_ref::<EntityNode>()
}

fn value_field(name: String, ty: TypeRef, read: impl Fn(&EntityNode) -> Gql + Send + Sync + 'static) -> Field {
    Field::new(name, ty, move |ctx| match entity(&ctx) {
        Ok(node) => charged(&ctx, read(node)),
        Err(_) => FieldFuture::Value(None),
    })
}

/// The object type of model `d`, with its reverse relations from `models`.
pub fn model_object(models: &Models, d: &Arc<ModelDescriptor>) -> Object {
    let names = ModelNames::of(d);
    let mut obj = Object::new(&names.ty)
        .description(format!("A `{}` entity (collection `{}`).", names.ty, d.collection))
        .field(value_field("id".into(), TypeRef::named_nn(TypeRef::ID), |n| Gql::String(n.state.id.to_string())));

    for f in &d.fields {
        let name = field_name(f);
        let field = f.clone();
        match &f.ty {
            FieldType::Text => {
                obj = obj.field(value_field(name, TypeRef::named_nn(TypeRef::STRING), move |n| {
                    Gql::String(n.state.text.get(&field.name).unwrap_or_default().to_owned())
                }));
            }
            FieldType::Scalar { ty, optional } => {
                let tn = scalar_type_name(ty);
                let type_ref = if *optional { TypeRef::named(tn) } else { TypeRef::named_nn(tn) };
                let read_field = field.clone();
                obj = obj
                    .field(value_field(name, type_ref, move |n| to_gql(&read_field.ty, &n.state.value(&read_field))));
                if let Some(target) = f.relation() {
                    let Ok(target_d) = models.get(target) else { continue };
                    let target_d = target_d.clone();
                    let target_ty = ModelNames::of(&target_d).ty;
                    obj = obj.field(Field::new(camel(&f.name), TypeRef::named(target_ty), move |ctx| {
                        let field = field.clone();
                        let target_d = target_d.clone();
                        FieldFuture::new(async move {
                            let node = entity(&ctx)?;
                            let chronicle_model::Value::Ref(id) = node.state.value(&field) else { return Ok(None) };
                            Ok(load_entity(&ctx, &target_d, id, Load::Batched).await?.map(FieldValue::owned_any))
                        })
                    }));
                }
            }
        }
    }

    for rel in models.reverse_relations(&d.collection) {
        let source = rel.source.clone();
        let source_names = ModelNames::of(&source);
        let description = format!("`{}` entities whose `{}` is this one.", source_names.ty, camel(&rel.field));
        let via_field = rel.field.clone();
        let mut field = Field::new(
            reverse_name(&source, &rel.field, &d.collection),
            TypeRef::named_nn(source_names.connection()),
            move |ctx| {
                let source = source.clone();
                let via = via_field.clone();
                FieldFuture::new(async move {
                    let node = entity(&ctx)?;
                    let svc = service(&ctx)?;
                    let counted = ctx.look_ahead().field("totalCount").exists();
                    let query = list_query(&source, &ctx.args, svc.limits.max_first, counted)?;
                    let after_given = query.after.is_some();
                    let req = request(&ctx)?;
                    let key = RelatedKey {
                        collection: source.collection.as_str().into(),
                        field: via.as_str().into(),
                        target: node.state.id,
                        query: req.related.loader().register(query),
                    };
                    let page = req.related.load_one(key).await.map_err(|e| (*e).clone())?.unwrap_or_default();
                    Ok(Some(FieldValue::owned_any(ConnectionNode::from_page(source, (*page).clone(), after_given))))
                })
            },
        )
        .description(description);
        for arg in list_arguments(&rel.source) {
            field = field.argument(arg);
        }
        obj = obj.field(field);
    }

    obj = obj
        .field(value_field("createdAt".into(), TypeRef::named_nn(DATE_TIME), |n| {
            Gql::String(n.state.created.event.timestamp().to_rfc3339())
        }))
        .field(value_field("createdBy".into(), TypeRef::named_nn(TypeRef::STRING), |n| {
            Gql::String(n.state.created.user.clone())
        }))
        .field(value_field("updatedAt".into(), TypeRef::named_nn(DATE_TIME), |n| {
            Gql::String(n.state.updated.event.timestamp().to_rfc3339())
        }))
        .field(value_field("updatedBy".into(), TypeRef::named_nn(TypeRef::STRING), |n| {
            Gql::String(n.state.updated.user.clone())
        }))
        .field(value_field("heads".into(), TypeRef::named_nn_list_nn(TypeRef::ID), |n| {
            Gql::List(n.state.heads.as_slice().iter().map(|h| Gql::String(h.to_string())).collect())
        }))
        .field(
            Field::new("history", TypeRef::named_nn(EVENT_CONNECTION), |ctx| {
                FieldFuture::new(async move {
                    let node = entity(&ctx)?;
                    let svc = service(&ctx)?;
                    let history = history_connection(svc, &node.descriptor.collection, node.state.id, &ctx.args);
                    Ok(Some(FieldValue::owned_any(history.await?)))
                })
            })
            .description("This entity's events, oldest first.")
            .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)))
            .argument(InputValue::new("after", TypeRef::named(TypeRef::STRING))),
        );
    if d.has_text() {
        obj = obj.field(
            value_field("textState".into(), TypeRef::named_nn(TypeRef::STRING), |n| {
                let doc = if n.state.text.doc.is_empty() { vec![0, 0] } else { n.state.text.doc.clone() };
                Gql::String(STANDARD.encode(doc))
            })
            .description("The entity's whole text document as a base64 Yrs v1 update; each text field is `getText(\"<field>\")`."),
        );
    }
    obj
}

/// Used by `xAt`: the typed view at an event or time is loaded through the store.
pub async fn entity_at(
    svc: &super::context::Service,
    d: &Arc<ModelDescriptor>,
    id: chronicle_model::EntityId,
    at: At,
) -> Result<Option<EntityNode>, ApiError> {
    let history: Vec<chronicle_model::Event> =
        svc.store.history(&d.collection, id).await?.into_iter().map(|e| (*e.event).clone()).collect();
    let state = match at {
        At::Event(event) => chronicle_model::state_at_event(d, &history, event)?,
        At::Time(t) => chronicle_model::state_at_time(d, &history, t)?,
    };
    Ok(state.filter(|s| !s.is_deleted()).map(|s| EntityNode { descriptor: d.clone(), state: Arc::new(s) }))
}

/// A point in an entity's history.
#[derive(Clone, Copy, Debug)]
pub enum At {
    Event(chronicle_model::EventId),
    Time(chronicle_model::Timestamp),
}
