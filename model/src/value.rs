//! Scalar values and their types.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::id::EntityId;
use crate::timestamp::Timestamp;

/// The value of one scalar (last-writer-wins) field.
///
/// Enum fields hold their variant name as a `String`; `Null` is only valid for
/// optional fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    I32(i32),
    I64(i64),
    F64(f64),
    String(String),
    Ref(EntityId),
    Timestamp(Timestamp),
}

impl Value {
    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F64(_) => "f64",
            Value::String(_) => "String",
            Value::Ref(_) => "Ref",
            Value::Timestamp(_) => "Timestamp",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::I32(n) => write!(f, "{n}"),
            Value::I64(n) => write!(f, "{n}"),
            Value::F64(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Ref(id) => write!(f, "{id}"),
            Value::Timestamp(t) => write!(f, "{}ms", t.as_millis()),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(v)
            }
        }
    )*};
}

value_from!(bool => Bool, i32 => I32, i64 => I64, f64 => F64, String => String, EntityId => Ref, Timestamp => Timestamp);

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

/// The type of a scalar field's non-null values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScalarType {
    String,
    Bool,
    I32,
    I64,
    F64,
    Timestamp,
    /// A relation: the id of an entity of `collection`.
    Ref {
        collection: String,
    },
    /// A plain Rust enum, stored as its variant name.
    Enum {
        name: String,
        variants: Vec<String>,
    },
}

impl ScalarType {
    /// Whether a non-null `value` is of this type.
    pub fn accepts(&self, value: &Value) -> bool {
        match (self, value) {
            (ScalarType::String, Value::String(_))
            | (ScalarType::Bool, Value::Bool(_))
            | (ScalarType::I32, Value::I32(_))
            | (ScalarType::I64, Value::I64(_))
            | (ScalarType::F64, Value::F64(_))
            | (ScalarType::Timestamp, Value::Timestamp(_))
            | (ScalarType::Ref { .. }, Value::Ref(_)) => true,
            (ScalarType::Enum { variants, .. }, Value::String(s)) => variants.iter().any(|v| v == s),
            _ => false,
        }
    }

    /// The value a required field of this type reads as in states written before the field existed.
    pub fn default_value(&self) -> Value {
        match self {
            ScalarType::String => Value::String(String::new()),
            ScalarType::Bool => Value::Bool(false),
            ScalarType::I32 => Value::I32(0),
            ScalarType::I64 => Value::I64(0),
            ScalarType::F64 => Value::F64(0.0),
            ScalarType::Timestamp => Value::Timestamp(Timestamp::default()),
            ScalarType::Ref { .. } => Value::Null,
            ScalarType::Enum { variants, .. } => variants.first().map_or(Value::Null, |v| Value::String(v.clone())),
        }
    }
}

impl fmt::Display for ScalarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalarType::String => f.write_str("String"),
            ScalarType::Bool => f.write_str("bool"),
            ScalarType::I32 => f.write_str("i32"),
            ScalarType::I64 => f.write_str("i64"),
            ScalarType::F64 => f.write_str("f64"),
            ScalarType::Timestamp => f.write_str("Timestamp"),
            ScalarType::Ref { collection } => write!(f, "Ref<{collection}>"),
            ScalarType::Enum { name, .. } => f.write_str(name),
        }
    }
}

/// The type of a model field: a scalar (merged last-writer-wins) or collaborative text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldType {
    Scalar { ty: ScalarType, optional: bool },
    Text,
}

impl FieldType {
    /// Whether `value` may be stored in a field of this type.
    pub fn accepts(&self, value: &Value) -> bool {
        match self {
            FieldType::Scalar { optional, .. } if value.is_null() => *optional,
            FieldType::Scalar { ty, .. } => ty.accepts(value),
            FieldType::Text => matches!(value, Value::String(_)),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::Scalar { ty, optional: true } => write!(f, "Option<{ty}>"),
            FieldType::Scalar { ty, optional: false } => write!(f, "{ty}"),
            FieldType::Text => f.write_str("Text"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_only_accepted_by_optional_fields() {
        let required = FieldType::Scalar { ty: ScalarType::I32, optional: false };
        let optional = FieldType::Scalar { ty: ScalarType::I32, optional: true };
        assert!(!required.accepts(&Value::Null));
        assert!(optional.accepts(&Value::Null));
        assert!(required.accepts(&Value::I32(3)));
        assert!(!required.accepts(&Value::I64(3)));
    }

    #[test]
    fn enum_accepts_only_its_variants() {
        let ty = ScalarType::Enum { name: "Genre".into(), variants: vec!["Jazz".into(), "Rock".into()] };
        assert!(ty.accepts(&Value::String("Jazz".into())));
        assert!(!ty.accepts(&Value::String("Polka".into())));
        assert_eq!(ty.default_value(), Value::String("Jazz".into()));
    }
}
