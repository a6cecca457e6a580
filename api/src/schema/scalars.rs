//! Custom scalars and conversions between model values and GraphQL values.

use async_graphql::dynamic::{ObjectAccessor, Scalar, TypeRef, ValueAccessor};
use async_graphql::{Name, Value as Gql};
use chronicle_model::{EntityId, EventId, FieldType, ScalarType, Timestamp, Value};

use super::names::{DATE_TIME, INT64, JSON, screaming};
use crate::error::ApiError;

pub fn scalars() -> Vec<Scalar> {
    vec![
        Scalar::new(DATE_TIME)
            .description("An instant in RFC 3339 form, e.g. `2026-11-25T11:40:52.123Z`.")
            .validator(|v| matches!(v, Gql::String(s) if Timestamp::parse_rfc3339(s).is_ok())),
        Scalar::new(JSON).description("Any JSON value."),
        Scalar::new(INT64)
            .description(
                "A 64-bit integer, as a string (JSON numbers lose precision past 2^53); numbers are accepted in input.",
            )
            .validator(|v| match v {
                Gql::String(s) => s.parse::<i64>().is_ok(),
                Gql::Number(n) => n.as_i64().is_some(),
                _ => false,
            }),
    ]
}

/// The GraphQL type name of a scalar type (enums are named after the Rust enum).
pub fn scalar_type_name(ty: &ScalarType) -> String {
    match ty {
        ScalarType::String => TypeRef::STRING.into(),
        ScalarType::Bool => TypeRef::BOOLEAN.into(),
        ScalarType::I32 => TypeRef::INT.into(),
        ScalarType::I64 => INT64.into(),
        ScalarType::F64 => TypeRef::FLOAT.into(),
        ScalarType::Timestamp => DATE_TIME.into(),
        ScalarType::Ref { .. } => TypeRef::ID.into(),
        ScalarType::Enum { name, .. } => name.clone(),
    }
}

/// The GraphQL output value of a model value.
pub fn to_gql(ty: &FieldType, value: &Value) -> Gql {
    match value {
        Value::Null => Gql::Null,
        Value::Bool(b) => Gql::Boolean(*b),
        Value::I32(n) => Gql::from(*n),
        Value::I64(n) => Gql::String(n.to_string()),
        Value::F64(f) => serde_json::Number::from_f64(*f).map_or(Gql::Null, Gql::Number),
        Value::String(s) => match ty {
            FieldType::Scalar { ty: ScalarType::Enum { .. }, .. } => Gql::Enum(Name::new(screaming(s))),
            _ => Gql::String(s.clone()),
        },
        Value::Ref(id) => Gql::String(id.to_string()),
        Value::Timestamp(t) => Gql::String(t.to_rfc3339()),
    }
}

/// A model value as plain JSON, for audit summaries.
pub fn to_json(value: &Value) -> Gql {
    match value {
        Value::I64(n) => Gql::from(*n),
        Value::String(s) => Gql::String(s.clone()),
        other => to_gql(&FieldType::Text, other),
    }
}

/// Reads a non-null input for a field of scalar type `ty`; `what` names it in errors.
pub fn from_gql(ty: &ScalarType, input: &ValueAccessor<'_>, what: &str) -> Result<Value, ApiError> {
    let wrong = |expected: &str| ApiError::bad_input(format!("`{what}` must be {expected}"));
    Ok(match ty {
        ScalarType::String => Value::String(input.string().map_err(|_| wrong("a String"))?.to_owned()),
        ScalarType::Bool => Value::Bool(input.boolean().map_err(|_| wrong("a Boolean"))?),
        ScalarType::I32 => {
            let n = input.i64().map_err(|_| wrong("an Int"))?;
            Value::I32(i32::try_from(n).map_err(|_| wrong("a 32-bit Int"))?)
        }
        ScalarType::I64 => match input.as_value() {
            Gql::String(s) => Value::I64(s.parse().map_err(|_| wrong("a 64-bit integer"))?),
            _ => Value::I64(input.i64().map_err(|_| wrong("a 64-bit integer"))?),
        },
        ScalarType::F64 => Value::F64(input.f64().map_err(|_| wrong("a Float"))?),
        ScalarType::Timestamp => {
            let s = input.string().map_err(|_| wrong("a DateTime string"))?;
            Value::Timestamp(Timestamp::parse_rfc3339(s).map_err(|e| ApiError::bad_input(format!("`{what}`: {e}")))?)
        }
        ScalarType::Ref { .. } => Value::Ref(parse_entity_id(input.string().map_err(|_| wrong("an ID"))?, what)?),
        ScalarType::Enum { variants, .. } => {
            let given = input.enum_name().or_else(|_| input.string()).map_err(|_| wrong("an enum value"))?;
            let variant = variants
                .iter()
                .find(|v| screaming(v) == given)
                .ok_or_else(|| ApiError::bad_input(format!("`{what}`: `{given}` is not a valid value")))?;
            Value::String(variant.clone())
        }
    })
}

/// A required String or ID argument.
pub fn required_arg(args: &ObjectAccessor<'_>, name: &str) -> Result<String, ApiError> {
    args.try_get(name)
        .and_then(|v| v.string().map(str::to_owned))
        .map_err(|_| ApiError::bad_input(format!("`{name}` is required")))
}

/// A required entity ID argument.
pub fn entity_id_arg(args: &ObjectAccessor<'_>, name: &str) -> Result<EntityId, ApiError> {
    parse_entity_id(&required_arg(args, name)?, name)
}

pub fn parse_entity_id(s: &str, what: &str) -> Result<EntityId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::bad_input(format!("`{what}`: `{}` is not a valid ID (a 26-character ULID)", clip(s))))
}

pub fn parse_event_id(s: &str, what: &str) -> Result<EventId, ApiError> {
    s.parse().map_err(|_| {
        ApiError::bad_input(format!("`{what}`: `{}` is not a valid event ID (a 26-character ULID)", clip(s)))
    })
}

pub fn parse_time(s: &str, what: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse_rfc3339(s).map_err(|e| ApiError::bad_input(format!("`{what}`: {e}")))
}

/// At most 64 characters of user input, for messages.
pub fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}
