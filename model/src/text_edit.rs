//! Editing a text field inside a transaction.
//!
//! Edits go into a Yrs document loaded from the entity's state and written
//! under a client id derived from the new event's id, so edits of concurrent
//! events never collide. At commit the difference since loading becomes the
//! event's text operation.

use yrs::{Doc, GetString, ReadTxn, Snapshot, StateVector, Text as _, Transact};

use crate::error::ModelError;

/// The text document of one entity being edited in a transaction.
#[derive(Debug)]
pub(crate) struct TextDraft {
    doc: Doc,
    before: StateVector,
    /// What the document had seen when loaded (inserts and deletions), to
    /// tell an edit that changed nothing (an empty Yrs update, say).
    seen: Snapshot,
    dirty: bool,
}

impl TextDraft {
    pub(crate) fn new(doc: Doc) -> Self {
        let txn = doc.transact();
        let (before, seen) = (txn.state_vector(), txn.snapshot());
        drop(txn);
        Self { doc, before, seen, dirty: false }
    }

    /// The Yrs update holding every edit made since loading; `None` when
    /// nothing changed, so no empty text operation is ever committed.
    pub(crate) fn finish(&self) -> Option<Vec<u8>> {
        if !self.dirty {
            return None;
        }
        let txn = self.doc.transact();
        (txn.snapshot() != self.seen).then(|| txn.encode_diff_v1(&self.before))
    }

    pub(crate) fn get(&self, field: &str) -> String {
        let txn = self.doc.transact();
        txn.get_text(field).map(|t| t.get_string(&txn)).unwrap_or_default()
    }

    fn splice(&mut self, field: &str, utf16_index: u32, delete: u32, insert: &str) {
        if delete == 0 && insert.is_empty() {
            return;
        }
        let text = self.doc.get_or_insert_text(field);
        let mut txn = self.doc.transact_mut();
        if delete > 0 {
            text.remove_range(&mut txn, utf16_index, delete);
        }
        if !insert.is_empty() {
            text.insert(&mut txn, utf16_index, insert);
        }
        self.dirty = true;
    }

    fn apply_update(&mut self, collection: &str, bytes: &[u8]) -> Result<(), ModelError> {
        crate::backend::text::apply_update(&self.doc, bytes, collection)?;
        self.dirty = true;
        Ok(())
    }
}

/// An editor for one text field of one entity in a transaction.
///
/// Character indexes count Unicode scalar values; the `_utf16` variants count
/// UTF-16 code units as JavaScript and Yjs do.
#[derive(Debug)]
pub struct TextEdit<'a> {
    collection: &'a str,
    field: &'a str,
    draft: Result<&'a mut TextDraft, ModelError>,
}

impl<'a> TextEdit<'a> {
    pub(crate) fn new(collection: &'a str, field: &'a str, draft: Result<&'a mut TextDraft, ModelError>) -> Self {
        Self { collection, field, draft }
    }

    fn draft(&mut self) -> Result<&mut TextDraft, ModelError> {
        self.draft.as_deref_mut().map_err(|e| e.clone())
    }

    /// The field's text including this transaction's edits so far.
    pub fn get(&mut self) -> Result<String, ModelError> {
        let field = self.field;
        Ok(self.draft()?.get(field))
    }

    /// Inserts `text` before the character at `index`.
    pub fn insert(&mut self, index: usize, text: &str) -> Result<&mut Self, ModelError> {
        self.replace(index, 0, text)
    }

    /// Deletes `len` characters starting at `index`.
    pub fn delete(&mut self, index: usize, len: usize) -> Result<&mut Self, ModelError> {
        self.replace(index, len, "")
    }

    /// Replaces `len` characters starting at `index` with `text`.
    pub fn replace(&mut self, index: usize, len: usize, text: &str) -> Result<&mut Self, ModelError> {
        let field = self.field;
        let current = self.draft()?.get(field);
        let size = current.chars().count();
        if index.checked_add(len).is_none_or(|end| end > size) {
            return Err(ModelError::TextRange { field: field.to_owned(), index, len, size });
        }
        let start: usize = current.chars().take(index).map(char::len_utf16).sum();
        let removed: usize = current.chars().skip(index).take(len).map(char::len_utf16).sum();
        self.draft()?.splice(field, to_u32(start)?, to_u32(removed)?, text);
        Ok(self)
    }

    /// Deletes `delete` UTF-16 code units at UTF-16 offset `index`, then inserts `insert` there.
    pub fn splice_utf16(&mut self, index: usize, delete: usize, insert: &str) -> Result<&mut Self, ModelError> {
        let field = self.field;
        let current = self.draft()?.get(field);
        let size = current.encode_utf16().count();
        let out_of_range = ModelError::TextRange { field: field.to_owned(), index, len: delete, size };
        let end = index.checked_add(delete).ok_or_else(|| out_of_range.clone())?;
        if end > size {
            return Err(out_of_range);
        }
        for offset in [index, end] {
            if !is_utf16_boundary(&current, offset) {
                return Err(ModelError::SplitsCharacter { field: field.to_owned(), offset });
            }
        }
        self.draft()?.splice(field, to_u32(index)?, to_u32(delete)?, insert);
        Ok(self)
    }

    /// Makes the text equal to `text` with the smallest single splice, so
    /// concurrent edits elsewhere in the text survive the merge.
    pub fn set(&mut self, text: &str) -> Result<&mut Self, ModelError> {
        let field = self.field;
        let current = self.draft()?.get(field);
        let (old, new): (Vec<char>, Vec<char>) = (current.chars().collect(), text.chars().collect());
        let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
        let inserted: String = new[prefix..new.len() - suffix].iter().collect();
        self.replace(prefix, old.len() - prefix - suffix, &inserted)
    }

    /// Applies a Yrs/Yjs v1 update made by a client against the entity's text document.
    pub fn apply_yrs_update(&mut self, update: &[u8]) -> Result<&mut Self, ModelError> {
        let collection = self.collection;
        self.draft()?.apply_update(collection, update)?;
        Ok(self)
    }
}

fn to_u32(n: usize) -> Result<u32, ModelError> {
    u32::try_from(n).map_err(|_| ModelError::Decode { what: "text offset", reason: format!("{n} exceeds u32") })
}

fn is_utf16_boundary(s: &str, offset: usize) -> bool {
    let mut at = 0;
    for c in s.chars() {
        if at >= offset {
            break;
        }
        at += c.len_utf16();
    }
    at == offset || offset == 0
}
