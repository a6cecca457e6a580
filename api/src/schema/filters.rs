//! Filter, where and order-by inputs, and their conversion to store queries.

use async_graphql::dynamic::{Enum, InputObject, InputValue, ObjectAccessor, TypeRef, ValueAccessor};
use chronicle_model::{FieldType, ModelDescriptor, ScalarType};
use chronicle_store::{Filter, Op, OrderBy, Query};

use super::names::{DATE_TIME, INT64, ModelNames, field_name, filter_type_name, screaming};
use super::scalars::{from_gql, scalar_type_name};
use crate::error::ApiError;

fn filter_input(name: &str, of: &str, ordered: bool, prefix: bool) -> InputObject {
    let mut input = InputObject::new(name)
        .description(format!(
            "Conditions on a {of} field, combined with AND. A null operand is an error; use `isNull`."
        ))
        .field(InputValue::new("eq", TypeRef::named(of)))
        .field(InputValue::new("ne", TypeRef::named(of)))
        .field(InputValue::new("in", TypeRef::named_nn_list(of)));
    if ordered {
        for op in ["lt", "lte", "gt", "gte"] {
            input = input.field(InputValue::new(op, TypeRef::named(of)));
        }
    }
    if prefix {
        input = input.field(InputValue::new("startsWith", TypeRef::named(TypeRef::STRING)));
    }
    input.field(InputValue::new("isNull", TypeRef::named(TypeRef::BOOLEAN)))
}

/// The shared filter inputs (one per scalar kind).
pub fn shared_filter_inputs() -> Vec<InputObject> {
    vec![
        filter_input(&filter_type_name(&ScalarType::String), TypeRef::STRING, true, true),
        filter_input(&filter_type_name(&ScalarType::Bool), TypeRef::BOOLEAN, false, false),
        filter_input(&filter_type_name(&ScalarType::I32), TypeRef::INT, true, false),
        filter_input(&filter_type_name(&ScalarType::I64), INT64, true, false),
        filter_input(&filter_type_name(&ScalarType::F64), TypeRef::FLOAT, true, false),
        filter_input(&filter_type_name(&ScalarType::Timestamp), DATE_TIME, true, false),
        filter_input(&filter_type_name(&ScalarType::Ref { collection: String::new() }), TypeRef::ID, false, false),
    ]
}

/// A filter input and a GraphQL enum for a model enum type.
pub fn enum_types(name: &str, variants: &[String]) -> (Enum, InputObject) {
    let e = Enum::new(name).items(variants.iter().map(|v| screaming(v)));
    (e, filter_input(&format!("{name}Filter"), name, false, false))
}

pub fn where_input(d: &ModelDescriptor) -> InputObject {
    let names = ModelNames::of(d);
    let mut input = InputObject::new(names.where_input())
        .description(format!("Conditions on `{}` entities; all given conditions must hold.", names.ty));
    for f in d.fields.iter() {
        if let FieldType::Scalar { ty, .. } = &f.ty {
            input = input.field(InputValue::new(field_name(f), TypeRef::named(filter_type_name(ty))));
        }
    }
    input
        .field(InputValue::new("and", TypeRef::named_nn_list(names.where_input())))
        .field(InputValue::new("or", TypeRef::named_nn_list(names.where_input())))
}

pub fn order_by_enum(d: &ModelDescriptor) -> Enum {
    let names = ModelNames::of(d);
    let mut items = Vec::new();
    for f in d.fields.iter().filter(|f| f.indexed) {
        let base = screaming(&field_name(f));
        items.push(format!("{base}_ASC"));
        items.push(format!("{base}_DESC"));
    }
    items.push("ID_ASC".into());
    items.push("ID_DESC".into());
    Enum::new(names.order_by()).items(items)
}

/// Converts a `XWhere` input to a store filter.
pub fn parse_where(d: &ModelDescriptor, input: &ObjectAccessor<'_>) -> Result<Filter, ApiError> {
    let mut all = Vec::new();
    for (key, value) in input.iter() {
        let key = key.as_str();
        match key {
            "and" | "or" => {
                if value.is_null() {
                    return Err(ApiError::bad_input(format!("`{key}` is null: omit it instead")));
                }
                let list = value.list().map_err(|_| ApiError::bad_input(format!("`{key}` must be a list")))?;
                let mut parts = Vec::new();
                for item in list.iter() {
                    let obj =
                        item.object().map_err(|_| ApiError::bad_input(format!("`{key}` items must be objects")))?;
                    parts.push(parse_where(d, &obj)?);
                }
                all.push(if key == "and" { Filter::And(parts) } else { Filter::Or(parts) });
            }
            _ => {
                let field = d
                    .fields
                    .iter()
                    .find(|f| field_name(f) == key)
                    .ok_or_else(|| ApiError::bad_input(format!("unknown filter field `{key}`")))?;
                let FieldType::Scalar { ty, .. } = &field.ty else {
                    return Err(ApiError::bad_input(format!("`{key}` cannot be filtered")));
                };
                if value.is_null() {
                    return Err(ApiError::bad_input(format!("the filter on `{key}` is null: omit it instead")));
                }
                let ops =
                    value.object().map_err(|_| ApiError::bad_input(format!("`{key}` must be a filter object")))?;
                for (op, operand) in ops.iter() {
                    let what = format!("{key}.{}", op.as_str());
                    all.push(Filter::field(field.name.clone(), parse_op(ty, op.as_str(), &operand, &what)?));
                }
            }
        }
    }
    Ok(if all.len() == 1 { all.remove(0) } else { Filter::And(all) })
}

fn parse_op(ty: &ScalarType, op: &str, operand: &ValueAccessor<'_>, what: &str) -> Result<Op, ApiError> {
    if operand.is_null() {
        return Err(ApiError::bad_input(format!(
            "null operand for `{what}`: use `isNull: true` to match missing values"
        )));
    }
    let one = || from_gql(ty, operand, what);
    Ok(match op {
        "eq" => Op::Eq(one()?),
        "ne" => Op::Ne(one()?),
        "lt" => Op::Lt(one()?),
        "lte" => Op::Lte(one()?),
        "gt" => Op::Gt(one()?),
        "gte" => Op::Gte(one()?),
        "in" => {
            let list = operand.list().map_err(|_| ApiError::bad_input(format!("`{what}` must be a list")))?;
            Op::In(list.iter().map(|v| from_gql(ty, &v, what)).collect::<Result<_, _>>()?)
        }
        "startsWith" => Op::StartsWith(
            operand.string().map_err(|_| ApiError::bad_input(format!("`{what}` must be a String")))?.to_owned(),
        ),
        "isNull" => {
            Op::IsNull(operand.boolean().map_err(|_| ApiError::bad_input(format!("`{what}` must be a Boolean")))?)
        }
        other => return Err(ApiError::bad_input(format!("unknown operator `{other}`"))),
    })
}

/// Converts a `[XOrderBy!]` list.
pub fn parse_order(d: &ModelDescriptor, input: Option<ValueAccessor<'_>>) -> Result<Vec<OrderBy>, ApiError> {
    let Some(input) = input.filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let list = input.list().map_err(|_| ApiError::bad_input("`orderBy` must be a list"))?;
    let mut out = Vec::new();
    for item in list.iter() {
        let name = item.enum_name().map_err(|_| ApiError::bad_input("`orderBy` items must be enum values"))?;
        let (base, descending) = match (name.strip_suffix("_ASC"), name.strip_suffix("_DESC")) {
            (Some(b), _) => (b, false),
            (_, Some(b)) => (b, true),
            _ => return Err(ApiError::bad_input(format!("unknown ordering `{name}`"))),
        };
        let field = if base == "ID" {
            None
        } else {
            let f = d
                .fields
                .iter()
                .find(|f| f.indexed && screaming(&field_name(f)) == base)
                .ok_or_else(|| ApiError::bad_input(format!("unknown ordering `{name}`")))?;
            Some(f.name.clone())
        };
        out.push(OrderBy { field, descending });
    }
    Ok(out)
}

/// Builds a store query from a list field's arguments.
pub fn list_query(
    d: &ModelDescriptor,
    args: &ObjectAccessor<'_>,
    max_first: usize,
    count: bool,
) -> Result<Query, ApiError> {
    let filter = match args.get("where").filter(|v| !v.is_null()) {
        Some(w) => Some(parse_where(d, &w.object().map_err(|_| ApiError::bad_input("`where` must be an object"))?)?),
        None => None,
    };
    let (first, after) = super::connection::page_args(args, max_first)?;
    Ok(Query { filter, order: parse_order(d, args.get("orderBy"))?, first, after, count })
}

/// The arguments every entity connection field takes.
pub fn list_arguments(d: &ModelDescriptor) -> Vec<InputValue> {
    let names = ModelNames::of(d);
    vec![
        InputValue::new("where", TypeRef::named(names.where_input())),
        InputValue::new("orderBy", TypeRef::named_nn_list(names.order_by())),
        InputValue::new("first", TypeRef::named(TypeRef::INT)),
        InputValue::new("after", TypeRef::named(TypeRef::STRING)),
    ]
}

/// The GraphQL input type of a scalar field (used by create/update inputs).
pub fn input_type_name(ty: &ScalarType) -> String {
    scalar_type_name(ty)
}
