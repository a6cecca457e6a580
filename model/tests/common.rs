//! Hand-built descriptors and helpers shared by the model's integration tests.

#![allow(dead_code)]

use std::sync::Arc;

use chronicle_model::{
    EntityId, Event, FieldDescriptor, FieldType, MemoryStore, ModelDescriptor, ModelError, Models, ScalarType, Value,
};

pub fn scalar(name: &str, ty: ScalarType, optional: bool) -> FieldDescriptor {
    FieldDescriptor::new(name, FieldType::Scalar { ty, optional }, false)
}

pub fn text(name: &str) -> FieldDescriptor {
    FieldDescriptor::new(name, FieldType::Text, false)
}

/// `album { name, year, rating?, description: Text, notes: Text, tagline: Text }` and `artist { name }`.
pub fn models() -> Models {
    let album = ModelDescriptor {
        name: "Album".into(),
        collection: "album".into(),
        fields: vec![
            scalar("name", ScalarType::String, false),
            scalar("year", ScalarType::I32, false),
            scalar("rating", ScalarType::F64, true),
            text("description"),
            text("notes"),
            text("tagline"),
        ],
    };
    let artist = ModelDescriptor {
        name: "Artist".into(),
        collection: "artist".into(),
        fields: vec![scalar("name", ScalarType::String, false)],
    };
    match Models::new([Arc::new(album), Arc::new(artist)]) {
        Ok(m) => m,
        Err(e) => panic!("test models are valid: {e}"),
    }
}

pub fn replica() -> MemoryStore {
    MemoryStore::new(models())
}

/// Creates an album on `store` and returns its id and creating event.
pub fn create_album(store: &MemoryStore, user: &str, name: &str, year: i32) -> Result<(EntityId, Event), ModelError> {
    let mut tx = store.begin(user);
    let id = tx.create_entity(
        "album",
        EntityId::new(),
        vec![("name".into(), Value::String(name.into())), ("year".into(), Value::I32(year))],
    )?;
    let mut events = tx.commit()?;
    Ok((id, events.remove(0)))
}

/// One committed edit on `store`: set scalars, then apply text splices (char index, delete, insert).
pub fn edit(
    store: &MemoryStore,
    user: &str,
    id: EntityId,
    sets: &[(&str, Value)],
    splices: &[(&str, usize, usize, &str)],
) -> Result<Event, ModelError> {
    let mut tx = store.begin(user);
    {
        let mut e = tx.edit_entity("album", id)?;
        for (field, value) in sets {
            e.set(field, value.clone())?;
        }
        for (field, at, delete, insert) in splices {
            e.text(field)?.replace(*at, *delete, insert)?;
        }
    }
    let mut events = tx.commit()?;
    events.pop().ok_or(ModelError::InvalidModels("the edit changed nothing".into()))
}

pub fn deliver(store: &MemoryStore, events: &[Event]) -> Result<(), ModelError> {
    for e in events {
        store.apply_remote(e.clone())?;
    }
    Ok(())
}

pub fn field(store: &MemoryStore, id: EntityId, name: &str) -> Value {
    let models = models();
    let descriptor = models.get("album").cloned();
    match (store.state("album", id), descriptor) {
        (Some(s), Ok(d)) => d.field(name).map_or(Value::Null, |f| s.value(f)),
        _ => Value::Null,
    }
}
