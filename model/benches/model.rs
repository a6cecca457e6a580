//! Model-core benchmarks: `cargo bench -p chronicle-model --bench model`.

use std::hint::black_box;
use std::sync::Arc;

use chronicle_model::{
    EntityId, EntityState, Event, FieldDescriptor, FieldType, MemoryStore, ModelDescriptor, ModelError, Models,
    ScalarType, StateReader, Transaction, Value, replay,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use yrs::{Text as _, Transact};

fn models() -> Models {
    let album = ModelDescriptor {
        name: "Album".into(),
        collection: "album".into(),
        fields: vec![
            FieldDescriptor::new("name", FieldType::Scalar { ty: ScalarType::String, optional: false }, false),
            FieldDescriptor::new("year", FieldType::Scalar { ty: ScalarType::I32, optional: false }, false),
            FieldDescriptor::new("description", FieldType::Text, false),
        ],
    };
    Models::new([Arc::new(album)]).expect("valid models")
}

fn create(store: &MemoryStore) -> (EntityId, Event) {
    let mut tx = store.begin("bench");
    let id = tx
        .create_entity(
            "album",
            EntityId::new(),
            vec![("name".into(), Value::String("Kind of Blue".into())), ("year".into(), Value::I32(1959))],
        )
        .expect("create");
    let events = tx.commit().expect("commit");
    (id, events[0].clone())
}

/// A reader that always returns one fixed state: every transaction against it
/// branches from the same heads, which makes its events mutually concurrent.
struct Fixed(EntityState);

impl StateReader for Fixed {
    fn read_state(&self, _: &str, _: EntityId) -> Result<Option<EntityState>, ModelError> {
        Ok(Some(self.0.clone()))
    }
}

fn lww_commit(c: &mut Criterion) {
    let store = MemoryStore::new(models());
    let (id, _) = create(&store);
    let mut year = 0;
    c.bench_function("commit one LWW field (memory)", |b| {
        b.iter(|| {
            year += 1;
            let mut tx = store.begin("bench");
            tx.edit_entity("album", id).and_then(|mut e| e.set("year", Value::I32(year)).map(|_| ())).expect("edit");
            black_box(tx.commit().expect("commit"));
        })
    });
}

fn concurrent_remote(c: &mut Criterion) {
    let models = models();
    let origin = MemoryStore::new(models.clone());
    let (id, created) = create(&origin);
    let base = Fixed(origin.state("album", id).expect("state"));
    let events: Vec<Event> = (0..1000)
        .map(|i| {
            let mut tx = Transaction::new(format!("user{i}"), &models, &base);
            tx.edit_entity("album", id).and_then(|mut e| e.set("year", Value::I32(i)).map(|_| ())).expect("edit");
            tx.into_events().remove(0)
        })
        .collect();
    c.bench_function("apply 1,000 concurrent remote events", |b| {
        b.iter_batched(
            || {
                let store = MemoryStore::new(models.clone());
                store.apply_remote(created.clone()).expect("create");
                (store, events.clone())
            },
            |(store, events)| {
                for e in events {
                    store.apply_remote(e).expect("apply");
                }
                black_box(store)
            },
            BatchSize::LargeInput,
        )
    });
}

fn replay_history(c: &mut Criterion) {
    let store = MemoryStore::new(models());
    let (id, _) = create(&store);
    for i in 0..9_999 {
        let mut tx = store.begin("bench");
        tx.edit_entity("album", id).and_then(|mut e| e.set("year", Value::I32(i)).map(|_| ())).expect("edit");
        tx.commit().expect("commit");
    }
    let events: Vec<Event> = store.history_of("album", id).into_iter().map(|s| (*s.event).clone()).collect();
    let models = models();
    let descriptor = models.get("album").expect("album").clone();
    c.bench_function("replay a 10,000-event history", |b| {
        b.iter(|| black_box(replay(&descriptor, &events).expect("replay")))
    });
}

fn text_edit(c: &mut Criterion) {
    let mut group = c.benchmark_group("insert one char into a 2,000-char text");
    let initial: String = "Modal jazz, recorded in two sessions. ".repeat(53).chars().take(2000).collect();

    let seeded = MemoryStore::new(models());
    let (id, _) = create(&seeded);
    let mut tx = seeded.begin("bench");
    tx.edit_entity("album", id)
        .and_then(|mut e| e.text("description").and_then(|mut t| t.insert(0, &initial).map(|_| ())))
        .expect("seed text");
    tx.commit().expect("commit");
    let seed_events: Vec<Event> = seeded.history_of("album", id).into_iter().map(|s| (*s.event).clone()).collect();
    group.bench_function("chronicle transaction (edit + commit)", |b| {
        b.iter_batched(
            || {
                let store = MemoryStore::new(models());
                store.apply_events(seed_events.clone()).expect("seed");
                store
            },
            |store| {
                let mut tx = store.begin("bench");
                tx.edit_entity("album", id)
                    .and_then(|mut e| e.text("description").and_then(|mut t| t.insert(1000, "x").map(|_| ())))
                    .expect("edit");
                black_box(tx.commit().expect("commit"));
                store
            },
            BatchSize::SmallInput,
        )
    });

    group.bench_function("raw yrs insert", |b| {
        b.iter_batched(
            || {
                let doc = yrs::Doc::new();
                let text = doc.get_or_insert_text("description");
                text.insert(&mut doc.transact_mut(), 0, &initial);
                (doc, text)
            },
            |(doc, text)| {
                text.insert(&mut doc.transact_mut(), 1000, "x");
                (doc, text)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, lww_commit, concurrent_remote, replay_history, text_edit);
criterion_main!(benches);
