//! The collaborative text backend: one Yrs document per entity, one root
//! `Text` per text field (named after the field, as a Yjs client expects).
//!
//! An operation is a Yrs v1 update. The state keeps the whole document as a
//! v1 update plus each field's current string, so reads never decode Yrs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, OffsetKind, Options, ReadTxn, StateVector, Transact, Update};

use super::EventContext;
use crate::descriptor::{BackendKind, ModelDescriptor};
use crate::error::ModelError;
use crate::id::EventId;

/// The text part of an entity's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextState {
    /// The whole Yrs document as a v1 update; empty until the first text operation.
    pub doc: Vec<u8>,
    /// Each text field's current string.
    pub values: BTreeMap<String, String>,
}

/// A Yrs v1 update against the entity's text document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextOperation {
    pub update: Vec<u8>,
}

/// A Yrs document whose text offsets count UTF-16 code units, like JavaScript and Yjs.
pub(crate) fn new_doc(client_id: u64) -> Doc {
    let mut options = Options::with_client_id(yrs::ClientID::new(client_id));
    options.offset_kind = OffsetKind::Utf16;
    Doc::with_options(options)
}

impl TextState {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }

    /// Loads the document into a fresh Yrs doc that will write as `client_id`.
    pub(crate) fn load(&self, collection: &str, client_id: u64) -> Result<Doc, ModelError> {
        let doc = new_doc(client_id);
        if !self.doc.is_empty() {
            apply_update(&doc, &self.doc, collection)?;
        }
        Ok(doc)
    }

    /// Applies an operation of an event already stored, which may write to
    /// text fields removed from the model since (even to all of them).
    pub(crate) fn apply_stored(
        &mut self,
        descriptor: &ModelDescriptor,
        op: &TextOperation,
        ctx: EventContext,
    ) -> Result<Vec<String>, ModelError> {
        self.merge(descriptor, op, ctx, true)
    }

    fn merge(
        &mut self,
        descriptor: &ModelDescriptor,
        op: &TextOperation,
        ctx: EventContext,
        stored: bool,
    ) -> Result<Vec<String>, ModelError> {
        let doc = self.load(&descriptor.collection, ctx.event.low_53_bits())?;
        let before = root_names(&doc);
        apply_update(&doc, &op.update, &descriptor.collection)?;
        check_roots(descriptor, &doc, &before, stored)?;
        Ok(self.store(descriptor, &doc))
    }

    /// Re-reads the document's bytes and field strings from `doc`.
    pub(crate) fn store(&mut self, descriptor: &ModelDescriptor, doc: &Doc) -> Vec<String> {
        let txn = doc.transact();
        self.doc = txn.encode_state_as_update_v1(&StateVector::default());
        let mut changed = Vec::new();
        for field in descriptor.text_fields() {
            let now = txn.get_text(field.name.as_str()).map(|t| t.get_string(&txn)).unwrap_or_default();
            if self.values.get(&field.name).map_or(!now.is_empty(), |before| *before != now) {
                changed.push(field.name.clone());
            }
            self.values.insert(field.name.clone(), now);
        }
        changed
    }
}

/// Applies a Yrs v1 update to `doc`; refuses undecodable updates and ones
/// that depend on text changes the document lacks.
pub(crate) fn apply_update(doc: &Doc, bytes: &[u8], collection: &str) -> Result<(), ModelError> {
    let invalid = |reason: String| ModelError::InvalidTextUpdate { collection: collection.to_owned(), reason };
    let update = decode_update(bytes, collection)?;
    let mut txn = doc.transact_mut();
    // yrs asserts on some malformed updates that decode; the document is a
    // draft that a refused edit discards, so a caught panic leaves nothing behind.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| txn.apply_update(update)))
        .map_err(|_| invalid("malformed Yrs update".into()))?
        .map_err(|e| invalid(e.to_string()))?;
    if txn.has_missing_updates() {
        return Err(invalid(
            "it depends on text changes this entity has not seen; compute it against the entity's whole current text document"
                .into(),
        ));
    }
    Ok(())
}

/// Decodes a Yrs v1 update from outside. yrs panics (asserts) on some
/// malformed input instead of returning an error; that is caught here and
/// refused like any other undecodable update.
fn decode_update(bytes: &[u8], collection: &str) -> Result<Update, ModelError> {
    let invalid = |reason: String| ModelError::InvalidTextUpdate { collection: collection.to_owned(), reason };
    std::panic::catch_unwind(|| Update::decode_v1(bytes))
        .map_err(|_| invalid("not a Yrs v1 update (malformed)".into()))?
        .map_err(|e| invalid(format!("not a Yrs v1 update ({e})")))
}

/// The names of the document's roots.
fn root_names(doc: &Doc) -> BTreeSet<String> {
    doc.transact().root_refs().map(|(name, _)| name.to_owned()).collect()
}

/// Refuses updates that write to a document root that is not a text field.
/// Roots in `before` were accepted when written (their field may have been
/// removed from the model since), and so are unknown names when `stored`.
fn check_roots(
    descriptor: &ModelDescriptor,
    doc: &Doc,
    before: &BTreeSet<String>,
    stored: bool,
) -> Result<(), ModelError> {
    let txn = doc.transact();
    for (name, _) in txn.root_refs() {
        if before.contains(name) {
            continue;
        }
        let field = match descriptor.field(name) {
            Some(field) => field,
            None if stored => continue,
            None => descriptor.require_field(name)?,
        };
        if field.backend() != BackendKind::Text {
            return Err(ModelError::WrongType {
                collection: descriptor.collection.clone(),
                field: name.to_owned(),
                expected: field.ty.to_string(),
                found: "Text".into(),
            });
        }
    }
    Ok(())
}

impl TextState {
    /// Checks `op` against the model without touching state.
    pub fn validate(descriptor: &ModelDescriptor, op: &TextOperation, event: EventId) -> Result<(), ModelError> {
        if !descriptor.has_text() {
            return Err(ModelError::InvalidEvent {
                event,
                reason: format!("`{}` has no text fields", descriptor.collection),
            });
        }
        decode_update(&op.update, &descriptor.collection)?;
        Ok(())
    }

    /// Merges `op` into this state; returns the names of the fields it set.
    pub fn apply(
        &mut self,
        descriptor: &ModelDescriptor,
        op: &TextOperation,
        ctx: EventContext,
    ) -> Result<Vec<String>, ModelError> {
        Self::validate(descriptor, op, ctx.event)?;
        self.merge(descriptor, op, ctx, false)
    }
}
