//! Root mutation fields: create, update (with `ifHeads`) and delete per model.
//! All of them add to the request's one pending transaction.

use std::sync::Arc;

use async_graphql::Value as Gql;
use async_graphql::dynamic::{
    Field, FieldFuture, FieldValue, InputObject, InputValue, ObjectAccessor, ResolverContext, TypeRef,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chronicle_model::{EntityId, EntityState, EventId, FieldDescriptor, FieldType, ModelDescriptor, Value};

use super::context::{EntityNode, Pass, Service, request, service};
use super::names::{ModelNames, TEXT_EDIT, TEXT_SPLICE, field_name};
use super::scalars::{clip, entity_id_arg, from_gql, parse_entity_id, parse_event_id};
use super::transaction::{RequestTx, not_found};
use crate::error::ApiError;

pub fn text_inputs() -> [InputObject; 2] {
    [
        InputObject::new(TEXT_EDIT)
            .description("An edit of a collaborative text field: `set` replaces the text (diffed, so concurrent edits elsewhere survive), `splices` apply in order (UTF-16 offsets), `yrsUpdate` is a base64 Yjs/Yrs v1 update against `textState`.")
            .field(InputValue::new("set", TypeRef::named(TypeRef::STRING)))
            .field(InputValue::new("splices", TypeRef::named_nn_list(TEXT_SPLICE)))
            .field(InputValue::new("yrsUpdate", TypeRef::named(TypeRef::STRING))),
        InputObject::new(TEXT_SPLICE)
            .field(InputValue::new("index", TypeRef::named_nn(TypeRef::INT)))
            .field(InputValue::new("delete", TypeRef::named(TypeRef::INT)).default_value(0))
            .field(InputValue::new("insert", TypeRef::named(TypeRef::STRING)).default_value("")),
    ]
}

fn scalar_input_type(f: &FieldDescriptor, for_update: bool) -> TypeRef {
    match &f.ty {
        FieldType::Text if for_update => TypeRef::named(TEXT_EDIT),
        FieldType::Text => TypeRef::named(TypeRef::STRING),
        FieldType::Scalar { ty, optional } => {
            let name = super::filters::input_type_name(ty);
            if *optional || for_update { TypeRef::named(name) } else { TypeRef::named_nn(name) }
        }
    }
}

pub fn inputs(d: &ModelDescriptor) -> [InputObject; 2] {
    let names = ModelNames::of(d);
    let mut create = InputObject::new(names.create_input()).field(
        InputValue::new("id", TypeRef::named(TypeRef::ID))
            .description("A client-chosen id (a ULID); minted when absent."),
    );
    let mut update = InputObject::new(names.update_input());
    for f in &d.fields {
        create = create.field(InputValue::new(field_name(f), scalar_input_type(f, false)));
        update = update.field(InputValue::new(field_name(f), scalar_input_type(f, true)));
    }
    [create, update]
}

fn node(d: &Arc<ModelDescriptor>, state: EntityState) -> FieldValue<'static> {
    FieldValue::owned_any(EntityNode { descriptor: d.clone(), state: Arc::new(state) })
}

fn if_heads(ctx: &ResolverContext<'_>) -> Result<Option<Vec<EventId>>, ApiError> {
    let Some(list) = ctx.args.get("ifHeads").filter(|v| !v.is_null()) else { return Ok(None) };
    let list = list.list().map_err(|_| ApiError::bad_input("`ifHeads` must be a list of event IDs"))?;
    let mut heads = Vec::new();
    for v in list.iter() {
        let s = v.string().map_err(|_| ApiError::bad_input("`ifHeads` must be a list of event IDs"))?;
        heads.push(parse_event_id(s, "ifHeads")?);
    }
    Ok(Some(heads))
}

/// The `id` argument of an update or delete, after its `ifHeads` check.
fn target(ctx: &ResolverContext<'_>, tx: &RequestTx, d: &ModelDescriptor) -> Result<EntityId, ApiError> {
    let id = entity_id_arg(&ctx.args, "id")?;
    if let Some(heads) = if_heads(ctx)? {
        tx.check_heads(&d.collection, id, &heads)?;
    }
    Ok(id)
}

fn check_text_size(svc: &Service, field: &str, bytes: usize) -> Result<(), ApiError> {
    if bytes > svc.limits.max_text_bytes {
        return Err(ApiError::limit(format!(
            "`{field}` is {bytes} bytes; text values are limited to {} bytes",
            svc.limits.max_text_bytes
        )));
    }
    Ok(())
}

/// Reads a scalar input and checks a `Ref` points at a live entity.
fn scalar_value(
    svc: &Service,
    tx: &RequestTx,
    f: &FieldDescriptor,
    input: &async_graphql::dynamic::ValueAccessor<'_>,
) -> Result<Value, ApiError> {
    let name = field_name(f);
    let FieldType::Scalar { ty, optional } = &f.ty else {
        return Err(ApiError::bad_input(format!("`{name}` is text")));
    };
    if input.is_null() {
        return if *optional {
            Ok(Value::Null)
        } else {
            Err(ApiError::bad_input(format!("`{name}` is required and cannot be null")))
        };
    }
    let value = from_gql(ty, input, &name)?;
    if let (Some(target), Value::Ref(id)) = (f.relation(), &value) {
        let exists = tx.current(target, *id)?.is_some_and(|s| !s.is_deleted());
        if !exists {
            return Err(ApiError::bad_input(format!("`{name}`: no `{target}` with id {id}")));
        }
    }
    if let Value::String(s) = &value {
        check_text_size(svc, &name, s.len())?;
    }
    Ok(value)
}

/// The key a field's answer appears under (its alias, else its name).
fn response_key(ctx: &ResolverContext<'_>) -> String {
    ctx.ctx.item.node.response_key().node.to_string()
}

/// On the pass after the commit (see [`Pass`]), the entity this field
/// recorded, as committed (even if the request then deleted it).
async fn committed_answer(
    ctx: &ResolverContext<'_>,
    d: &Arc<ModelDescriptor>,
) -> Result<Option<FieldValue<'static>>, ApiError> {
    let Pass::Committed(answers) = &request(ctx)?.pass else { return Ok(None) };
    let id = *answers.get(&response_key(ctx)).ok_or_else(|| super::context::internal("no answer recorded"))?;
    let state = service(ctx)?.store.get(&d.collection, id).await?.ok_or_else(|| not_found(&d.collection, id))?;
    Ok(Some(node(d, state)))
}

/// Records which entity this field answers with, and answers with its staged state.
fn staged_answer(
    ctx: &ResolverContext<'_>,
    d: &Arc<ModelDescriptor>,
    state: EntityState,
) -> Result<FieldValue<'static>, ApiError> {
    request(ctx)?.tx.record_answer(response_key(ctx), state.id);
    Ok(node(d, state))
}

async fn create(ctx: &ResolverContext<'_>, d: &Arc<ModelDescriptor>) -> Result<EntityState, ApiError> {
    let svc = service(ctx)?;
    let tx = &request(ctx)?.tx;
    tx.user()?;
    let input =
        ctx.args.try_get("input").and_then(|v| v.object()).map_err(|_| ApiError::bad_input("`input` is required"))?;
    let id = match input.get("id").filter(|v| !v.is_null()) {
        Some(v) => parse_entity_id(v.string().map_err(|_| ApiError::bad_input("`id` must be an ID"))?, "id")?,
        None => EntityId::new(),
    };
    let mut values = Vec::new();
    for f in &d.fields {
        let name = field_name(f);
        match (&f.ty, input.get(&name)) {
            (FieldType::Text, Some(v)) if !v.is_null() => {
                let text = v.string().map_err(|_| ApiError::bad_input(format!("`{name}` must be a String")))?;
                check_text_size(svc, &name, text.len())?;
                values.push((f.name.clone(), Value::String(text.to_owned())));
            }
            (FieldType::Text, _) => {}
            (FieldType::Scalar { .. }, Some(v)) => values.push((f.name.clone(), scalar_value(svc, tx, f, &v)?)),
            (FieldType::Scalar { optional: true, .. }, None) => {}
            (FieldType::Scalar { .. }, None) => return Err(ApiError::bad_input(format!("`{name}` is required"))),
        }
    }
    let collection = d.collection.clone();
    let mut states = tx.change(move |t| {
        t.create_entity(&collection, id, values)?;
        Ok(())
    })?;
    states.pop().ok_or_else(|| super::context::internal("create produced no event"))
}

/// One text edit from a `TextEdit` input.
enum TextChange {
    Set(String),
    Splice { index: usize, delete: usize, insert: String },
    Yrs(Vec<u8>),
}

fn text_changes(svc: &Service, name: &str, edit: &ObjectAccessor<'_>) -> Result<Vec<TextChange>, ApiError> {
    let mut out = Vec::new();
    if let Some(v) = edit.get("set").filter(|v| !v.is_null()) {
        let s = v.string().map_err(|_| ApiError::bad_input(format!("`{name}.set` must be a String")))?;
        check_text_size(svc, name, s.len())?;
        out.push(TextChange::Set(s.to_owned()));
    }
    if let Some(list) = edit.get("splices").filter(|v| !v.is_null()) {
        let list = list.list().map_err(|_| ApiError::bad_input(format!("`{name}.splices` must be a list")))?;
        for s in list.iter() {
            let s = s.object().map_err(|_| ApiError::bad_input(format!("`{name}.splices` items must be objects")))?;
            let int = |key: &str| -> Result<usize, ApiError> {
                match s.get(key).filter(|v| !v.is_null()) {
                    None => Ok(0),
                    Some(v) => {
                        let n = v
                            .i64()
                            .map_err(|_| ApiError::bad_input(format!("`{name}.splices.{key}` must be an Int")))?;
                        usize::try_from(n)
                            .map_err(|_| ApiError::bad_input(format!("`{name}.splices.{key}` must not be negative")))
                    }
                }
            };
            let insert = match s.get("insert").filter(|v| !v.is_null()) {
                Some(v) => v
                    .string()
                    .map_err(|_| ApiError::bad_input(format!("`{name}.splices.insert` must be a String")))?
                    .to_owned(),
                None => String::new(),
            };
            check_text_size(svc, name, insert.len())?;
            out.push(TextChange::Splice { index: int("index")?, delete: int("delete")?, insert });
        }
    }
    if let Some(v) = edit.get("yrsUpdate").filter(|v| !v.is_null()) {
        let b64 = v.string().map_err(|_| ApiError::bad_input(format!("`{name}.yrsUpdate` must be a base64 String")))?;
        check_text_size(svc, name, b64.len())?;
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| ApiError::bad_input(format!("`{name}.yrsUpdate` is not base64: `{}`", clip(b64))))?;
        out.push(TextChange::Yrs(bytes));
    }
    Ok(out)
}

async fn update(ctx: &ResolverContext<'_>, d: &Arc<ModelDescriptor>) -> Result<EntityState, ApiError> {
    let svc = service(ctx)?;
    let tx = &request(ctx)?.tx;
    tx.user()?;
    let id = target(ctx, tx, d)?;
    let input =
        ctx.args.try_get("input").and_then(|v| v.object()).map_err(|_| ApiError::bad_input("`input` is required"))?;
    let mut sets = Vec::new();
    let mut texts = Vec::new();
    for f in &d.fields {
        let name = field_name(f);
        let Some(v) = input.get(&name) else { continue };
        match &f.ty {
            FieldType::Text if v.is_null() => {}
            FieldType::Text => {
                let edit = v.object().map_err(|_| ApiError::bad_input(format!("`{name}` must be a TextEdit")))?;
                texts.push((f.name.clone(), name.clone(), text_changes(svc, &name, &edit)?));
            }
            FieldType::Scalar { .. } => sets.push((f.name.clone(), scalar_value(svc, tx, f, &v)?)),
        }
    }
    let collection = d.collection.clone();
    let max_text = svc.limits.max_text_bytes;
    let mut states = tx.change(move |t| {
        let mut e = t.edit_entity(&collection, id)?;
        for (field, value) in sets {
            e.set(&field, value)?;
        }
        for (field, name, changes) in texts {
            let mut text = e.text(&field)?;
            for change in changes {
                match change {
                    TextChange::Set(s) => text.set(&s)?,
                    TextChange::Splice { index, delete, insert } => text.splice_utf16(index, delete, &insert)?,
                    TextChange::Yrs(bytes) => text.apply_yrs_update(&bytes)?,
                };
            }
            let size = text.get()?.len();
            if size > max_text {
                return Err(ApiError::limit(format!(
                    "`{name}` would be {size} bytes; text values are limited to {max_text} bytes"
                )));
            }
        }
        Ok(())
    })?;
    match states.pop() {
        Some(s) => Ok(s),
        // Nothing changed: answer with the current state.
        None => tx.current(&d.collection, id)?.ok_or_else(|| not_found(&d.collection, id)),
    }
}

async fn delete(ctx: &ResolverContext<'_>, d: &Arc<ModelDescriptor>) -> Result<FieldValue<'static>, ApiError> {
    let req = request(ctx)?;
    if let Pass::Committed(_) = req.pass {
        // The deletion is committed; the answer is its id.
        return Ok(FieldValue::value(Gql::String(entity_id_arg(&ctx.args, "id")?.to_string())));
    }
    let tx = &req.tx;
    tx.user()?;
    let id = target(ctx, tx, d)?;
    let collection = d.collection.clone();
    tx.change(move |t| {
        t.delete_entity(&collection, id)?;
        Ok(())
    })?;
    Ok(FieldValue::value(Gql::String(id.to_string())))
}

pub fn model_fields(d: &Arc<ModelDescriptor>) -> Vec<Field> {
    let names = ModelNames::of(d);
    let (c, u, x) = (d.clone(), d.clone(), d.clone());
    let if_heads_arg = || {
        InputValue::new("ifHeads", TypeRef::named_nn_list(TypeRef::ID))
            .description("Fail with CONFLICT unless the entity's heads are exactly these events.")
    };
    vec![
        Field::new(names.create(), TypeRef::named_nn(&names.ty), move |ctx| {
            let d = c.clone();
            FieldFuture::new(async move {
                if let Some(answer) = committed_answer(&ctx, &d).await? {
                    return Ok(Some(answer));
                }
                let state = create(&ctx, &d).await?;
                Ok(Some(staged_answer(&ctx, &d, state)?))
            })
        })
        .argument(InputValue::new("input", TypeRef::named_nn(names.create_input()))),
        Field::new(names.update(), TypeRef::named_nn(&names.ty), move |ctx| {
            let d = u.clone();
            FieldFuture::new(async move {
                if let Some(answer) = committed_answer(&ctx, &d).await? {
                    return Ok(Some(answer));
                }
                let state = update(&ctx, &d).await?;
                Ok(Some(staged_answer(&ctx, &d, state)?))
            })
        })
        .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(InputValue::new("input", TypeRef::named_nn(names.update_input())))
        .argument(if_heads_arg()),
        Field::new(names.delete(), TypeRef::named_nn(TypeRef::ID), move |ctx| {
            let d = x.clone();
            FieldFuture::new(async move { Ok(Some(delete(&ctx, &d).await?)) })
        })
        .argument(InputValue::new("id", TypeRef::named_nn(TypeRef::ID)))
        .argument(if_heads_arg()),
    ]
}
