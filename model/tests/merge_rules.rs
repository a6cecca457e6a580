//! One test per merge rule (DESIGN.md section 3), on hand-built histories.

mod common;

use chronicle_model::{
    EntityId, Event, EventId, EventKind, LwwOperation, ModelError, Operation, Outcome, TextOperation, Value,
};
use common::{create_album, deliver, edit, field, replica};

type R = Result<(), Box<dyn std::error::Error>>;

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn causality_first_a_descendant_wins_over_its_ancestor() -> R {
    let a = replica();
    let (id, created) = create_album(&a, "alice", "Kind of Blue", 1959)?;
    let first = edit(&a, "alice", id, &[("year", Value::I32(1960))], &[])?;
    let second = edit(&a, "bob", id, &[("year", Value::I32(1961))], &[])?;
    assert_eq!(second.precursors, vec![first.id]);
    // A replica that sees them applies the descendant last or not: either way it wins.
    let b = replica();
    deliver(&b, &[created, first, second.clone()])?;
    assert_eq!(field(&b, id, "year"), Value::I32(1961));
    assert_eq!(b.state("album", id).map(|s| s.heads.to_vec()), Some(vec![second.id]));
    Ok(())
}

#[test]
fn diamond_op4_merges_a_concurrent_branch() -> R {
    // op1 <- op2 <- op3 <- op4, and op2 <- opQ <- opR, with op4 listing op3 and opR.
    let a = replica();
    let b = replica();
    let (id, op1) = create_album(&a, "alice", "Blue", 1)?;
    let op2 = edit(&a, "alice", id, &[("year", Value::I32(2))], &[])?;
    deliver(&b, &[op1.clone(), op2.clone()])?;

    let op_q = edit(&b, "bob", id, &[("name", s("Q"))], &[])?;
    let op_r = edit(&b, "bob", id, &[("name", s("R")), ("year", Value::I32(100))], &[])?;
    // op3 is minted after opR, so it is later by the clock, but shallower (depth 3 vs 4).
    let op3 = edit(&a, "alice", id, &[("year", Value::I32(3))], &[])?;
    assert!(op3.id > op_r.id);

    deliver(&a, &[op_q.clone(), op_r.clone()])?;
    let heads = a.state("album", id).map(|s| s.heads.to_vec()).unwrap_or_default();
    assert_eq!(heads, {
        let mut h = vec![op3.id, op_r.id];
        h.sort();
        h
    });
    // Concurrent writes to `year`: opR is deeper, so it wins over the later op3.
    assert_eq!(field(&a, id, "year"), Value::I32(100));

    let op4 = edit(&a, "carol", id, &[("rating", Value::F64(4.5))], &[])?;
    assert_eq!(op4.precursors, heads);
    deliver(&b, &[op3, op4.clone()])?;
    for r in [&a, &b] {
        let state = r.state("album", id);
        assert_eq!(state.as_ref().map(|s| s.heads.to_vec()), Some(vec![op4.id]));
        assert_eq!(field(r, id, "year"), Value::I32(100));
        assert_eq!(field(r, id, "name"), s("R"));
        assert_eq!(field(r, id, "rating"), Value::F64(4.5));
    }
    assert_eq!(a.state("album", id).map(|s| s.encode()), b.state("album", id).map(|s| s.encode()));
    Ok(())
}

#[test]
fn concurrent_writes_of_equal_depth_pick_the_greater_event_id_everywhere() -> R {
    let a = replica();
    let b = replica();
    let (id, created) = create_album(&a, "alice", "X", 1)?;
    deliver(&b, &[created])?;
    let from_a = edit(&a, "alice", id, &[("name", s("from a"))], &[])?;
    let from_b = edit(&b, "bob", id, &[("name", s("from b"))], &[])?;
    deliver(&a, std::slice::from_ref(&from_b))?;
    deliver(&b, std::slice::from_ref(&from_a))?;
    let winner = if from_a.id > from_b.id { "from a" } else { "from b" };
    assert_eq!(field(&a, id, "name"), s(winner));
    assert_eq!(field(&b, id, "name"), s(winner));
    assert_eq!(a.state("album", id).map(|s| s.heads.len()), Some(2));
    Ok(())
}

#[test]
fn concurrent_text_inserts_all_survive() -> R {
    let a = replica();
    let b = replica();
    let (id, created) = create_album(&a, "alice", "X", 1)?;
    let base = edit(&a, "alice", id, &[], &[("description", 0, 0, "hello world")])?;
    deliver(&b, &[created, base])?;
    let from_a = edit(&a, "alice", id, &[], &[("description", 5, 0, ", dear")])?;
    let from_b = edit(&b, "bob", id, &[], &[("description", 11, 0, "!"), ("description", 0, 1, "H")])?;
    deliver(&a, &[from_b])?;
    deliver(&b, &[from_a])?;
    assert_eq!(field(&a, id, "description"), s("Hello, dear world!"));
    assert_eq!(a.state("album", id).map(|s| s.encode()), b.state("album", id).map(|s| s.encode()));
    Ok(())
}

#[test]
fn delete_wins_over_a_concurrent_edit_and_keeps_history() -> R {
    let a = replica();
    let b = replica();
    let (id, created) = create_album(&a, "alice", "X", 1)?;
    deliver(&b, &[created])?;
    let mut tx = a.begin("alice");
    tx.delete_entity("album", id)?;
    let deleted = tx.commit()?;
    assert_eq!(deleted[0].kind(), EventKind::Deleted);
    let edited = edit(&b, "bob", id, &[("year", Value::I32(2))], &[("notes", 0, 0, "late")])?;
    deliver(&a, &[edited])?;
    deliver(&b, &deleted)?;
    for r in [&a, &b] {
        assert!(r.state("album", id).is_some_and(|s| s.is_deleted()));
        assert_eq!(r.history_of("album", id).len(), 3);
    }
    // Local edits of a deleted entity are refused.
    let mut tx = a.begin("alice");
    assert!(matches!(tx.edit_entity("album", id), Err(ModelError::Deleted { .. })));
    Ok(())
}

#[test]
fn any_causal_order_gives_byte_identical_state_and_replay_matches() -> R {
    let a = replica();
    let b = replica();
    let (id, created) = create_album(&a, "alice", "X", 1)?;
    deliver(&b, std::slice::from_ref(&created))?;
    let a1 = edit(&a, "alice", id, &[("year", Value::I32(2))], &[("description", 0, 0, "abc")])?;
    let b1 = edit(&b, "bob", id, &[("name", s("Y"))], &[("description", 0, 0, "xyz")])?;
    let a2 = edit(&a, "alice", id, &[], &[("description", 1, 1, "")])?;
    let c = replica();
    deliver(&c, &[created.clone(), b1.clone(), a1.clone(), a2.clone()])?;
    let d = replica();
    deliver(&d, &[created, a1, b1, a2])?;
    assert_eq!(c.state("album", id).map(|s| s.encode()), d.state("album", id).map(|s| s.encode()));
    assert!(c.verify_now()?.is_clean());
    assert!(d.verify_now()?.is_clean());
    Ok(())
}

#[test]
fn an_unknown_precursor_is_refused_and_nothing_is_stored() -> R {
    let a = replica();
    let (id, _) = create_album(&a, "alice", "X", 1)?;
    let before = a.state("album", id);
    let stray = Event {
        id: EventId::new(),
        collection: "album".into(),
        entity_id: id,
        user_id: "mallory".into(),
        precursors: vec![EventId::new()],
        operations: vec![Operation::Lww(LwwOperation { sets: vec![("year".into(), Value::I32(9))] })],
    };
    assert!(matches!(a.apply_remote(stray.clone()), Err(ModelError::UnknownPrecursor { .. })));
    assert_eq!(a.state("album", id), before);
    assert_eq!(a.history_of("album", id).len(), 1);
    // A precursor that exists but belongs to another entity is unknown too.
    let (_, other) = create_album(&a, "alice", "Y", 1)?;
    let crossed = Event { precursors: vec![other.id], ..stray };
    assert!(matches!(a.apply_remote(crossed), Err(ModelError::UnknownPrecursor { .. })));
    Ok(())
}

#[test]
fn a_duplicate_event_is_an_idempotent_no_op() -> R {
    let a = replica();
    let b = replica();
    let (id, created) = create_album(&a, "alice", "X", 1)?;
    let e = edit(&a, "alice", id, &[("year", Value::I32(5))], &[("description", 0, 0, "once")])?;
    assert!(matches!(b.apply_remote(created.clone())?, Outcome::Applied { .. }));
    assert!(matches!(b.apply_remote(e.clone())?, Outcome::Applied { .. }));
    let before = b.state("album", id).map(|s| s.encode());
    let seq = b.seq();
    assert_eq!(b.apply_remote(e)?, Outcome::Duplicate);
    assert_eq!(b.apply_remote(created)?, Outcome::Duplicate);
    assert_eq!(b.state("album", id).map(|s| s.encode()), before);
    assert_eq!(b.seq(), seq);
    assert_eq!(field(&b, id, "description"), s("once"));
    Ok(())
}

fn update(id: EntityId, precursor: EventId, collection: &str, operations: Vec<Operation>) -> Event {
    Event {
        id: EventId::new(),
        collection: collection.into(),
        entity_id: id,
        user_id: "mallory".into(),
        precursors: vec![precursor],
        operations,
    }
}

#[test]
fn wrong_type_unknown_field_and_wrong_collection_are_refused_with_state_unchanged() -> R {
    let a = replica();
    let (id, created) = create_album(&a, "alice", "X", 1)?;
    let before = a.state("album", id);
    let set = |f: &str, v: Value| vec![Operation::Lww(LwwOperation { sets: vec![(f.into(), v)] })];

    let wrong_type = update(id, created.id, "album", set("year", s("nineteen")));
    match a.apply_remote(wrong_type) {
        Err(ModelError::WrongType { field, expected, found, .. }) => {
            assert_eq!((field.as_str(), expected.as_str(), found.as_str()), ("year", "i32", "String"));
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    let null_required = update(id, created.id, "album", set("name", Value::Null));
    assert!(matches!(a.apply_remote(null_required), Err(ModelError::WrongType { .. })));

    let unknown = update(id, created.id, "album", set("genre", s("jazz")));
    assert!(matches!(a.apply_remote(unknown), Err(ModelError::UnknownField { field, .. }) if field == "genre"));

    // A text operation on a scalar field, by naming it as a Yrs root.
    let doc = yrs_update_for_root("year");
    let text_on_scalar = update(id, created.id, "album", vec![Operation::Text(TextOperation { update: doc })]);
    assert!(matches!(a.apply_remote(text_on_scalar), Err(ModelError::WrongType { .. })));

    let garbage = update(id, created.id, "album", vec![Operation::Text(TextOperation { update: vec![9, 9, 9] })]);
    assert!(matches!(a.apply_remote(garbage), Err(ModelError::InvalidTextUpdate { .. })));

    // The album's event, relabelled for the artist collection (whose fields differ).
    let other = update(id, created.id, "artist", set("year", Value::I32(2)));
    assert!(a.apply_remote(other).is_err());
    let unknown_collection = update(id, created.id, "polka", set("year", Value::I32(2)));
    assert!(matches!(a.apply_remote(unknown_collection), Err(ModelError::UnknownCollection(c)) if c == "polka"));

    assert_eq!(a.state("album", id), before);
    assert_eq!(a.history_of("album", id).len(), 1);
    Ok(())
}

#[test]
fn an_event_for_another_collection_is_refused_by_apply() {
    let models = common::models();
    let Ok(artist) = models.get("artist") else { panic!("artist is registered") };
    let event = Event {
        id: EventId::new(),
        collection: "album".into(),
        entity_id: EntityId::new(),
        user_id: "u".into(),
        precursors: vec![],
        operations: vec![Operation::Lww(LwwOperation { sets: vec![("name".into(), s("x"))] })],
    };
    let refused = chronicle_model::apply(artist, None, &event, &|_| None);
    assert!(matches!(refused, Err(ModelError::WrongCollection { .. })));
}

#[test]
fn a_batch_is_all_or_nothing() -> R {
    let a = replica();
    let (id, created) = create_album(&a, "alice", "X", 1)?;
    let good = update(
        id,
        created.id,
        "album",
        vec![Operation::Lww(LwwOperation { sets: vec![("year".into(), Value::I32(2))] })],
    );
    let bad = update(
        id,
        EventId::new(),
        "album",
        vec![Operation::Lww(LwwOperation { sets: vec![("year".into(), Value::I32(3))] })],
    );
    assert!(a.apply_events(vec![good, bad]).is_err());
    assert_eq!(field(&a, id, "year"), Value::I32(1));
    assert_eq!(a.history_of("album", id).len(), 1);
    Ok(())
}

#[test]
fn a_creating_event_must_set_required_fields() {
    let a = replica();
    let mut tx = a.begin("alice");
    let missing = tx.create_entity("album", EntityId::new(), vec![("name".into(), s("X"))]);
    assert!(matches!(missing, Err(ModelError::MissingField { field, .. }) if field == "year"));
}

/// A Yrs update that inserts text into root `name` of a fresh document.
fn yrs_update_for_root(name: &str) -> Vec<u8> {
    use yrs::{Doc, ReadTxn, StateVector, Text, Transact};
    let doc = Doc::new();
    let text = doc.get_or_insert_text(name);
    let mut txn = doc.transact_mut();
    text.insert(&mut txn, 0, "1959");
    txn.encode_state_as_update_v1(&StateVector::default())
}
