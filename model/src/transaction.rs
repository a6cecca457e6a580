//! Transactions: one user's changes to one or more entities, turned into one
//! event per touched entity with the entity's heads as precursors.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::backend::text::new_doc;
use crate::backend::{LwwOperation, TextOperation};
use crate::descriptor::{BackendKind, ModelDescriptor, Models};
use crate::error::ModelError;
use crate::event::{Event, Operation};
use crate::id::{EntityId, EventId};
use crate::state::EntityState;
use crate::text_edit::{TextDraft, TextEdit};
use crate::typed::Model;
use crate::value::{FieldType, Value};

/// Where a transaction reads the current state of the entities it touches.
pub trait StateReader: Sync {
    fn read_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ModelError>;
}

/// The changes a transaction holds for one entity.
struct Pending {
    descriptor: Arc<ModelDescriptor>,
    entity_id: EntityId,
    event_id: EventId,
    /// The state the changes are made against; `None` for a creation.
    base: Option<EntityState>,
    sets: BTreeMap<String, Value>,
    text: Option<TextDraft>,
    delete: bool,
}

impl Pending {
    fn text_draft(&mut self) -> Result<&mut TextDraft, ModelError> {
        open_draft(&mut self.text, self.base.as_ref(), &self.descriptor.collection, self.event_id)
    }

    fn into_event(self, user: &str) -> Option<Event> {
        let mut operations = Vec::new();
        if !self.sets.is_empty() || self.base.is_none() {
            operations.push(Operation::Lww(LwwOperation { sets: self.sets.into_iter().collect() }));
        }
        if let Some(update) = self.text.as_ref().and_then(TextDraft::finish) {
            operations.push(Operation::Text(TextOperation { update }));
        }
        if self.delete {
            operations.push(Operation::Delete);
        }
        if operations.is_empty() {
            return None;
        }
        Some(Event {
            id: self.event_id,
            collection: self.descriptor.collection.clone(),
            entity_id: self.entity_id,
            user_id: user.to_owned(),
            precursors: self.base.map(|b| b.heads.to_vec()).unwrap_or_default(),
            operations,
        })
    }
}

/// The text draft of a pending change, loaded from `base` on first use and
/// written under a client id taken from the change's event id.
fn open_draft<'p>(
    text: &'p mut Option<TextDraft>,
    base: Option<&EntityState>,
    collection: &str,
    event_id: EventId,
) -> Result<&'p mut TextDraft, ModelError> {
    match text {
        Some(draft) => Ok(draft),
        None => {
            let client = event_id.low_53_bits();
            let doc = match base {
                Some(base) => base.text.load(collection, client)?,
                None => new_doc(client),
            };
            Ok(text.insert(TextDraft::new(doc)))
        }
    }
}

/// A set of changes by one user, committed all-or-nothing by a store.
pub struct Transaction<'r> {
    user: String,
    models: &'r Models,
    reader: &'r dyn StateReader,
    pending: Vec<Pending>,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("user", &self.user)
            .field("entities", &self.pending.iter().map(|p| p.entity_id).collect::<Vec<_>>())
            .finish()
    }
}

impl<'r> Transaction<'r> {
    /// A transaction by `user` over `models`, reading current states from `reader`.
    pub fn new(user: impl Into<String>, models: &'r Models, reader: &'r dyn StateReader) -> Self {
        Self { user: user.into(), models, reader, pending: Vec::new() }
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn models(&self) -> &Models {
        self.models
    }

    /// Creates an entity from a model value; returns its new id.
    pub fn create<M: Model>(&mut self, model: M) -> Result<EntityId, ModelError> {
        self.create_with_id(EntityId::new(), model)
    }

    /// Creates an entity with a client-chosen id.
    pub fn create_with_id<M: Model>(&mut self, id: EntityId, model: M) -> Result<EntityId, ModelError> {
        let values = model.to_values().into_iter().map(|(name, v)| (name.to_owned(), v)).collect();
        self.create_entity(M::COLLECTION, id, values)
    }

    /// Creates an entity of `collection` from field values; text fields take a `Value::String`.
    pub fn create_entity(
        &mut self,
        collection: &str,
        id: EntityId,
        values: Vec<(String, Value)>,
    ) -> Result<EntityId, ModelError> {
        let descriptor = self.models.get(collection)?.clone();
        if self.position(collection, id).is_some() || self.reader.read_state(collection, id)?.is_some() {
            return Err(ModelError::EntityExists { collection: collection.to_owned(), id });
        }
        let mut pending = Pending {
            descriptor: descriptor.clone(),
            entity_id: id,
            event_id: EventId::new(),
            base: None,
            sets: BTreeMap::new(),
            text: None,
            delete: false,
        };
        for (name, value) in values {
            let field = descriptor.require_field(&name)?;
            check_value(&descriptor, field.name.as_str(), &field.ty, &value)?;
            match (field.backend(), value) {
                (BackendKind::Text, Value::String(text)) => {
                    if !text.is_empty() {
                        TextEdit::new(collection, field.name.as_str(), pending.text_draft()).insert(0, &text)?;
                    }
                }
                (_, value) => {
                    pending.sets.insert(name, value);
                }
            }
        }
        for field in descriptor.scalar_fields().filter(|f| !f.is_optional()) {
            if !pending.sets.contains_key(&field.name) {
                return Err(ModelError::MissingField { collection: collection.to_owned(), field: field.name.clone() });
            }
        }
        self.pending.push(pending);
        Ok(id)
    }

    /// Opens entity `id` of model `M` for editing.
    pub fn edit<M: Model>(&mut self, id: EntityId) -> Result<M::Editor<'_>, ModelError> {
        let edit = self.edit_entity(M::COLLECTION, id)?;
        Ok(M::editor(edit))
    }

    /// Opens entity `id` of `collection` for editing.
    pub fn edit_entity(&mut self, collection: &str, id: EntityId) -> Result<EntityEdit<'_>, ModelError> {
        let at = self.open(collection, id)?;
        Ok(EntityEdit { pending: &mut self.pending[at] })
    }

    /// Deletes entity `id` of model `M`.
    pub fn delete<M: Model>(&mut self, id: EntityId) -> Result<(), ModelError> {
        self.delete_entity(M::COLLECTION, id)
    }

    pub fn delete_entity(&mut self, collection: &str, id: EntityId) -> Result<(), ModelError> {
        let at = self.open(collection, id)?;
        let pending = &mut self.pending[at];
        if pending.base.is_none() {
            return Err(ModelError::InvalidEvent {
                event: pending.event_id,
                reason: format!("entity {id} is created in this transaction and cannot be deleted in it"),
            });
        }
        pending.delete = true;
        Ok(())
    }

    /// The heads the changes to `id` are made against (`None` if untouched or created here).
    pub fn base_heads(&self, collection: &str, id: EntityId) -> Option<&[crate::id::EventId]> {
        let at = self.position(collection, id)?;
        self.pending[at].base.as_ref().map(|b| b.heads.as_slice())
    }

    /// The events this transaction produces, one per changed entity.
    pub fn into_events(self) -> Vec<Event> {
        let user = self.user;
        self.pending.into_iter().filter_map(|p| p.into_event(&user)).collect()
    }

    fn position(&self, collection: &str, id: EntityId) -> Option<usize> {
        self.pending.iter().position(|p| p.entity_id == id && p.descriptor.collection == collection)
    }

    fn open(&mut self, collection: &str, id: EntityId) -> Result<usize, ModelError> {
        if let Some(at) = self.position(collection, id) {
            if self.pending[at].delete {
                return Err(ModelError::Deleted { collection: collection.to_owned(), id });
            }
            return Ok(at);
        }
        let descriptor = self.models.get(collection)?.clone();
        let base = self
            .reader
            .read_state(collection, id)?
            .ok_or_else(|| ModelError::NotFound { collection: collection.to_owned(), id })?;
        if base.is_deleted() {
            return Err(ModelError::Deleted { collection: collection.to_owned(), id });
        }
        self.pending.push(Pending {
            descriptor,
            entity_id: id,
            event_id: EventId::new(),
            base: Some(base),
            sets: BTreeMap::new(),
            text: None,
            delete: false,
        });
        Ok(self.pending.len() - 1)
    }
}

fn check_value(descriptor: &ModelDescriptor, field: &str, ty: &FieldType, value: &Value) -> Result<(), ModelError> {
    if ty.accepts(value) {
        return Ok(());
    }
    Err(ModelError::WrongType {
        collection: descriptor.collection.clone(),
        field: field.to_owned(),
        expected: ty.to_string(),
        found: value.type_name().to_owned(),
    })
}

/// Changes to one entity inside a transaction.
pub struct EntityEdit<'t> {
    pending: &'t mut Pending,
}

impl fmt::Debug for EntityEdit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntityEdit")
            .field("collection", &self.pending.descriptor.collection)
            .field("id", &self.pending.entity_id)
            .finish()
    }
}

impl EntityEdit<'_> {
    pub fn id(&self) -> EntityId {
        self.pending.entity_id
    }

    pub fn descriptor(&self) -> &ModelDescriptor {
        &self.pending.descriptor
    }

    /// Sets scalar field `field` to `value` (last writer wins).
    pub fn set(&mut self, field: &str, value: Value) -> Result<&mut Self, ModelError> {
        let descriptor = &self.pending.descriptor;
        let f = descriptor.require_field(field)?;
        if f.backend() != BackendKind::Lww {
            return Err(ModelError::WrongType {
                collection: descriptor.collection.clone(),
                field: field.to_owned(),
                expected: f.ty.to_string(),
                found: value.type_name().to_owned(),
            });
        }
        check_value(descriptor, field, &f.ty, &value)?;
        self.pending.sets.insert(field.to_owned(), value);
        Ok(self)
    }

    /// Sets a field the caller knows exists with a value of its type (used by the derive).
    #[doc(hidden)]
    pub fn set_unchecked(&mut self, field: &'static str, value: Value) -> &mut Self {
        self.pending.sets.insert(field.to_owned(), value);
        self
    }

    /// Opens text field `field` for editing.
    pub fn text(&mut self, field: &str) -> Result<TextEdit<'_>, ModelError> {
        let pending = &mut *self.pending;
        let descriptor = &pending.descriptor;
        let f = descriptor.require_field(field)?;
        if f.backend() != BackendKind::Text {
            return Err(ModelError::WrongType {
                collection: descriptor.collection.clone(),
                field: field.to_owned(),
                expected: f.ty.to_string(),
                found: "Text".into(),
            });
        }
        // Disjoint borrows of `pending`: the descriptor, the base and the draft.
        let draft = open_draft(&mut pending.text, pending.base.as_ref(), &descriptor.collection, pending.event_id);
        Ok(TextEdit::new(&descriptor.collection, &f.name, draft))
    }

    /// Opens a text field the caller knows exists (used by the derive, whose
    /// field names come from the struct).
    #[doc(hidden)]
    pub fn text_unchecked(&mut self, field: &'static str) -> TextEdit<'_> {
        let pending = &mut *self.pending;
        let collection = pending.descriptor.collection.as_str();
        let draft = open_draft(&mut pending.text, pending.base.as_ref(), collection, pending.event_id);
        TextEdit::new(collection, field, draft)
    }
}
