//! The typed face of the model: the `Model` trait that `#[derive(Model)]`
//! implements, the `Field` trait for field types, `Ref<T>`, `Text`, and `View<M>`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use crate::descriptor::ModelDescriptor;
use crate::error::ModelError;
use crate::id::{EntityId, EventId};
use crate::state::EntityState;
use crate::timestamp::Timestamp;
use crate::transaction::EntityEdit;
use crate::value::{FieldType, ScalarType, Value};

/// A struct stored by Chronicle. Implement it with `#[derive(Model)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Chronicle model",
    label = "not a model",
    note = "add `#[derive(Model)]` to `{Self}`"
)]
pub trait Model: Sized + Send + Sync + 'static {
    /// The collection name (snake_case of the type name unless overridden).
    const COLLECTION: &'static str;

    /// The typed editor returned by `Transaction::edit`.
    type Editor<'a>;

    /// The model's descriptor, built once.
    fn descriptor() -> Arc<ModelDescriptor>;

    /// Every field's value, in declaration order (text fields as `Value::String`).
    fn to_values(&self) -> Vec<(&'static str, Value)>;

    /// Reads the typed model out of a materialized state.
    fn from_state(state: &EntityState) -> Result<Self, ModelError>;

    /// Wraps an untyped edit in the typed editor.
    fn editor(edit: EntityEdit<'_>) -> Self::Editor<'_>;
}

/// A type that can be a model field.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a Chronicle model field",
    label = "unsupported field type",
    note = "supported: String, bool, i32, i64, f64, Timestamp, Text, Ref<M>, Option<T> of those, and enums with #[derive(ModelEnum)]"
)]
pub trait Field: Sized {
    fn field_type() -> FieldType;
    fn to_value(&self) -> Value;
    /// `None` when `value` is not of this type.
    fn from_value(value: Value) -> Option<Self>;
}

/// Every scalar field type (merged last-writer-wins); `Text` is not one.
///
/// `#[derive(Model)]` checks fields against it, so a `Text` behind another
/// name cannot be mistaken for a scalar by the generated editor.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a scalar field type",
    label = "declared as a scalar",
    note = "a collaborative text field must be declared with the type name `Text`"
)]
pub trait ScalarField: Field {}

/// `Text` only; `#[derive(Model)]` checks fields spelled `Text` against it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is spelled `Text` but is not `chronicle_model::Text`",
    label = "not Chronicle's Text",
    note = "import `chronicle_model::Text`, or rename your own type"
)]
pub trait TextField: Field {}

macro_rules! scalar_field {
    ($t:ty, $variant:ident, $scalar:ident) => {
        impl ScalarField for $t {}

        impl Field for $t {
            fn field_type() -> FieldType {
                FieldType::Scalar { ty: ScalarType::$scalar, optional: false }
            }
            fn to_value(&self) -> Value {
                Value::$variant(self.clone())
            }
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}

scalar_field!(String, String, String);
scalar_field!(bool, Bool, Bool);
scalar_field!(i32, I32, I32);
scalar_field!(i64, I64, I64);
scalar_field!(f64, F64, F64);
scalar_field!(Timestamp, Timestamp, Timestamp);

impl<T: ScalarField> ScalarField for Option<T> {}

impl<T: Field> Field for Option<T> {
    fn field_type() -> FieldType {
        match T::field_type() {
            FieldType::Scalar { ty, .. } => FieldType::Scalar { ty, optional: true },
            FieldType::Text => FieldType::Text,
        }
    }
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A relation to an entity of model `T`.
pub struct Ref<T> {
    id: EntityId,
    target: PhantomData<fn() -> T>,
}

impl<T> Ref<T> {
    pub const fn new(id: EntityId) -> Self {
        Self { id, target: PhantomData }
    }

    pub const fn id(&self) -> EntityId {
        self.id
    }
}

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Ref<T> {}
impl<T> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl<T> Eq for Ref<T> {}
impl<T> Hash for Ref<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}
impl<T> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ref({})", self.id)
    }
}
impl<T> From<EntityId> for Ref<T> {
    fn from(id: EntityId) -> Self {
        Self::new(id)
    }
}

impl<T: Model> ScalarField for Ref<T> {}

impl<T: Model> Field for Ref<T> {
    fn field_type() -> FieldType {
        FieldType::Scalar { ty: ScalarType::Ref { collection: T::COLLECTION.to_owned() }, optional: false }
    }
    fn to_value(&self) -> Value {
        Value::Ref(self.id)
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Ref(id) => Some(Self::new(id)),
            _ => None,
        }
    }
}

/// A collaborative text field, merged with Yrs so concurrent edits all survive.
///
/// In a model value it is the text as of the read; edits go through
/// `TextEdit` in a transaction.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Text(String);

impl Text {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Text({:?})", self.0)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl TextField for Text {}

impl Field for Text {
    fn field_type() -> FieldType {
        FieldType::Text
    }
    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
    fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(Self(s)),
            _ => None,
        }
    }
}

/// A plain Rust enum usable as a field. Implement it with `#[derive(ModelEnum)]`.
pub trait ModelEnum: Sized {
    const NAME: &'static str;
    const VARIANTS: &'static [&'static str];
    fn as_str(&self) -> &'static str;
    fn from_name(name: &str) -> Option<Self>;
}

/// Reads field `name` of `state` as a `T` (used by the derive).
pub fn read_field<T: Field>(state: &EntityState, descriptor: &ModelDescriptor, name: &str) -> Result<T, ModelError> {
    let field = descriptor.require_field(name)?;
    let value = state.value(field);
    let found = value.type_name();
    T::from_value(value).ok_or_else(|| ModelError::WrongType {
        collection: descriptor.collection.clone(),
        field: name.to_owned(),
        expected: field.ty.to_string(),
        found: found.to_owned(),
    })
}

/// Metadata every entity carries besides its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityMeta {
    pub heads: Vec<EventId>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

impl EntityMeta {
    pub fn of(state: &EntityState) -> Self {
        Self {
            heads: state.heads.to_vec(),
            created_at: state.created.event.timestamp(),
            created_by: state.created.user.clone(),
            updated_at: state.updated.event.timestamp(),
            updated_by: state.updated.user.clone(),
        }
    }
}

/// A typed read of one entity: the model's fields (through `Deref`) and its metadata.
#[derive(Clone, Debug)]
pub struct View<M> {
    pub id: EntityId,
    pub meta: EntityMeta,
    pub model: M,
}

impl<M: Model> View<M> {
    pub fn from_state(state: &EntityState) -> Result<Self, ModelError> {
        Ok(Self { id: state.id, meta: EntityMeta::of(state), model: M::from_state(state)? })
    }

    /// The view of a state read from a store: `None` when absent or deleted.
    pub fn live(state: Option<EntityState>) -> Result<Option<Self>, ModelError> {
        match state {
            Some(s) if !s.is_deleted() => Self::from_state(&s).map(Some),
            _ => Ok(None),
        }
    }
}

impl<M> Deref for View<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.model
    }
}
