//! Model descriptors: the one runtime description of a model that storage,
//! indexes, migrations, the GraphQL schema and the wasm bindings are built from.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::value::{FieldType, ScalarType};

/// Which property backend merges a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BackendKind {
    /// Last-writer-wins registers, one per scalar field.
    Lww,
    /// One Yrs document per entity, one `Text` root per text field.
    Text,
}

/// One field of a model.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldDescriptor {
    pub name: String,
    pub ty: FieldType,
    /// Whether the store keeps a secondary index on the field (scalars only).
    pub indexed: bool,
}

impl FieldDescriptor {
    /// A field; scalars are indexed unless `unindexed`, text never is.
    pub fn new(name: &str, ty: FieldType, unindexed: bool) -> Self {
        let indexed = !unindexed && matches!(ty, FieldType::Scalar { .. });
        Self { name: name.to_owned(), ty, indexed }
    }

    pub fn backend(&self) -> BackendKind {
        match self.ty {
            FieldType::Scalar { .. } => BackendKind::Lww,
            FieldType::Text => BackendKind::Text,
        }
    }

    /// The collection a `Ref` field points to.
    pub fn relation(&self) -> Option<&str> {
        match &self.ty {
            FieldType::Scalar { ty: ScalarType::Ref { collection }, .. } => Some(collection),
            _ => None,
        }
    }

    pub fn is_optional(&self) -> bool {
        matches!(self.ty, FieldType::Scalar { optional: true, .. })
    }
}

/// The description of one model: its collection and fields.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModelDescriptor {
    /// The Rust type name, e.g. `PlaylistEntry`.
    pub name: String,
    /// The collection name, e.g. `playlist_entry`.
    pub collection: String,
    pub fields: Vec<FieldDescriptor>,
}

impl ModelDescriptor {
    pub fn field(&self, name: &str) -> Option<&FieldDescriptor> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field called `name`, or an error naming the collection and the field.
    pub fn require_field(&self, name: &str) -> Result<&FieldDescriptor, ModelError> {
        self.field(name)
            .ok_or_else(|| ModelError::UnknownField { collection: self.collection.clone(), field: name.to_owned() })
    }

    pub fn text_fields(&self) -> impl Iterator<Item = &FieldDescriptor> {
        self.fields.iter().filter(|f| f.ty == FieldType::Text)
    }

    pub fn scalar_fields(&self) -> impl Iterator<Item = &FieldDescriptor> {
        self.fields.iter().filter(|f| f.backend() == BackendKind::Lww)
    }

    pub fn has_text(&self) -> bool {
        self.text_fields().next().is_some()
    }
}

/// A relation seen from its target: `source.field` points at the target collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReverseRelation {
    pub source: Arc<ModelDescriptor>,
    pub field: String,
}

/// The set of models an application registers, keyed by collection.
#[derive(Clone, Debug, Default)]
pub struct Models {
    by_collection: BTreeMap<String, Arc<ModelDescriptor>>,
}

impl Models {
    /// Registers `descriptors`; every `Ref` must point at a registered model and
    /// collection names must be unique.
    pub fn new(descriptors: impl IntoIterator<Item = Arc<ModelDescriptor>>) -> Result<Self, ModelError> {
        let mut by_collection = BTreeMap::new();
        for d in descriptors {
            let collection = d.collection.clone();
            if by_collection.insert(collection.clone(), d).is_some() {
                return Err(ModelError::InvalidModels(format!("two models use the collection `{collection}`")));
            }
        }
        for d in by_collection.values() {
            for f in &d.fields {
                if let Some(target) = f.relation()
                    && !by_collection.contains_key(target)
                {
                    return Err(ModelError::InvalidModels(format!(
                        "`{}.{}` refers to `{target}`, which is not registered; register that model too",
                        d.name, f.name
                    )));
                }
            }
        }
        Ok(Self { by_collection })
    }

    pub fn get(&self, collection: &str) -> Result<&Arc<ModelDescriptor>, ModelError> {
        self.by_collection.get(collection).ok_or_else(|| ModelError::UnknownCollection(collection.to_owned()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<ModelDescriptor>> {
        self.by_collection.values()
    }

    /// Every `Ref` field of any model that points at `collection`.
    pub fn reverse_relations(&self, collection: &str) -> Vec<ReverseRelation> {
        self.iter()
            .flat_map(|d| {
                d.fields
                    .iter()
                    .filter(|f| f.relation() == Some(collection))
                    .map(|f| ReverseRelation { source: d.clone(), field: f.name.clone() })
            })
            .collect()
    }
}

/// Builds a [`Models`] registry from model types: `models![Artist, Album]`.
#[macro_export]
macro_rules! models {
    ($($model:ty),* $(,)?) => {
        $crate::Models::new([$(<$model as $crate::Model>::descriptor()),*])
    };
}
