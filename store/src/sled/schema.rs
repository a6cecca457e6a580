//! Format checks and schema reconciliation at open: the registered structs
//! are the ground truth, the stored descriptors say what the data was written as.

use chronicle_model::{FieldDescriptor, FieldType, ModelDescriptor, Models, ScalarType, encoding};

use super::Trees;
use super::engine_error::engine;
use super::keys;
use super::read::decode_state;
use chronicle_model::StoreError;

/// The on-disk format this build writes and the newest it reads.
pub const STORE_FORMAT: u8 = 1;

/// Refuses directories written by a newer build; stamps new ones.
pub fn check_format(trees: &Trees) -> Result<(), StoreError> {
    match trees.meta.get(keys::META_FORMAT).map_err(engine)? {
        None => {
            trees.meta.insert(keys::META_FORMAT, &[STORE_FORMAT]).map_err(engine)?;
            Ok(())
        }
        Some(v) => match v.as_ref() {
            [found] if *found > STORE_FORMAT => Err(StoreError::NewerFormat { found: *found, supported: STORE_FORMAT }),
            [_] => Ok(()),
            _ => Err(StoreError::corrupt(keys::META, keys::META_FORMAT, "format marker is not one byte")),
        },
    }
}

/// Whether data written as `old` can be read as `new` without a migration.
fn compatible(old: &FieldType, new: &FieldType) -> bool {
    match (old, new) {
        (FieldType::Text, FieldType::Text) => true,
        (FieldType::Scalar { ty: a, optional: oa }, FieldType::Scalar { ty: b, optional: ob }) => {
            // Making a field optional is safe; making it required is not (old nulls).
            let optional_ok = *ob || !*oa;
            let type_ok = match (a, b) {
                (ScalarType::Enum { variants: va, .. }, ScalarType::Enum { variants: vb, .. }) => {
                    va.iter().all(|v| vb.contains(v))
                }
                _ => a == b,
            };
            optional_ok && type_ok
        }
        _ => false,
    }
}

/// Compares each registered model with its stored descriptor: refuses
/// incompatible type changes, backfills new indexes, drops removed ones,
/// then stores the new descriptors.
pub fn reconcile(trees: &Trees, models: &Models) -> Result<(), StoreError> {
    for model in models.iter() {
        let key = keys::model_key(&model.collection);
        let stored: Option<ModelDescriptor> = match trees.meta.get(&key).map_err(engine)? {
            Some(v) => Some(
                encoding::decode(&v, "model descriptor").map_err(|e| StoreError::undecodable(keys::META, &key, e))?,
            ),
            None => None,
        };
        let stored_fields = stored.as_ref().map(|d| d.fields.as_slice()).unwrap_or_default();
        // Removed fields keep their data in states and events, so a field
        // that comes back is checked against the type it had.
        let retired_key = keys::retired_key(&model.collection);
        let retired: Vec<FieldDescriptor> = match trees.meta.get(&retired_key).map_err(engine)? {
            Some(v) => encoding::decode(&v, "retired fields")
                .map_err(|e| StoreError::undecodable(keys::META, &retired_key, e))?,
            None => Vec::new(),
        };
        for field in &model.fields {
            if let Some(old) = stored_fields.iter().chain(&retired).find(|f| f.name == field.name)
                && !compatible(&old.ty, &field.ty)
            {
                return Err(StoreError::IncompatibleSchema {
                    model: model.name.clone(),
                    field: field.name.clone(),
                    old: old.ty.to_string(),
                    new: field.ty.to_string(),
                });
            }
        }
        let has_data = trees.states.scan_prefix(keys::part(&model.collection)).next().is_some();
        // A required relation has no default for the entities that exist already.
        if has_data
            && let Some(field) = model
                .fields
                .iter()
                .find(|f| f.relation().is_some() && !f.is_optional() && !stored_fields.iter().any(|s| s.name == f.name))
        {
            return Err(StoreError::IncompatibleSchema {
                model: model.name.clone(),
                field: field.name.clone(),
                old: "(absent)".into(),
                new: field.ty.to_string(),
            });
        }
        for field in model.fields.iter().filter(|f| f.indexed) {
            let was_indexed = stored_fields.iter().any(|f| f.name == field.name && f.indexed);
            if !was_indexed && has_data {
                backfill(trees, model, &field.name)?;
            }
        }
        for old in stored_fields.iter().filter(|f| f.indexed) {
            if !model.fields.iter().any(|f| f.name == old.name && f.indexed) {
                drop_index(trees, &model.collection, &old.name)?;
            }
        }
        let mut now_retired: Vec<FieldDescriptor> = Vec::new();
        for old in stored_fields.iter().chain(&retired) {
            if model.field(&old.name).is_none() && !now_retired.iter().any(|f| f.name == old.name) {
                now_retired.push(old.clone());
            }
        }
        if now_retired != retired {
            if now_retired.is_empty() {
                trees.meta.remove(&retired_key).map_err(engine)?;
            } else {
                trees.meta.insert(&retired_key, encoding::encode(&now_retired)).map_err(engine)?;
            }
        }
        if stored.as_deref_eq(model) {
            continue;
        }
        if stored.is_some() {
            tracing::info!(model = %model.name, "stored model descriptor updated to match the registered struct");
        }
        trees.meta.insert(key, encoding::encode(model.as_ref())).map_err(engine)?;
    }
    trees.db.flush().map_err(engine)?;
    Ok(())
}

trait AsDerefEq {
    fn as_deref_eq(&self, other: &ModelDescriptor) -> bool;
}

impl AsDerefEq for Option<ModelDescriptor> {
    fn as_deref_eq(&self, other: &ModelDescriptor) -> bool {
        self.as_ref() == Some(other)
    }
}

/// Indexes `field` for every live entity of the model, logging progress.
fn backfill(trees: &Trees, model: &ModelDescriptor, field: &str) -> Result<(), StoreError> {
    let Some(f) = model.field(field) else { return Ok(()) };
    tracing::info!(model = %model.name, field, "building a new index");
    let mut done: u64 = 0;
    let mut batch = sled::Batch::default();
    for item in trees.states.scan_prefix(keys::part(&model.collection)) {
        let (k, v) = item.map_err(engine)?;
        let state = decode_state(&k, &v)?;
        if !state.is_deleted() {
            batch.insert(keys::index_key(&model.collection, field, &state.value(f), state.id), &[][..]);
        }
        done += 1;
        if done.is_multiple_of(10_000) {
            trees.indexes.apply_batch(std::mem::take(&mut batch)).map_err(engine)?;
            tracing::info!(model = %model.name, field, entities = done, "index backfill progress");
        }
    }
    trees.indexes.apply_batch(batch).map_err(engine)?;
    tracing::info!(model = %model.name, field, entities = done, "index built");
    Ok(())
}

fn drop_index(trees: &Trees, collection: &str, field: &str) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for item in trees.indexes.scan_prefix(keys::index_prefix(collection, field)) {
        let (k, _) = item.map_err(engine)?;
        batch.remove(k);
    }
    trees.indexes.apply_batch(batch).map_err(engine)?;
    tracing::info!(collection, field, "index dropped: the field is no longer indexed");
    Ok(())
}
