//! Property tests: random concurrent histories on several replicas converge.
//!
//! Replicas edit one album concurrently (scalars, text splices, deletes) and
//! occasionally sync. Finally every event reaches every replica, and fresh
//! replicas apply the whole log in random orders that respect precursors.
//! All of them must hold byte-identical state, equal to a replay of the log.

mod common;

use std::collections::{HashMap, HashSet};

use chronicle_model::{EntityId, Event, EventId, MemoryStore, ModelError, Value};
use common::{create_album, replica};
use proptest::prelude::*;

const REPLICAS: usize = 3;
const TEXT_FIELDS: [&str; 2] = ["description", "notes"];
const WORDS: [&str; 6] = ["a", "bc", "déf", "😀", " ", "xyz"];

/// One step of a random history.
#[derive(Clone, Debug)]
enum Step {
    Edit { replica: usize, seed: u64 },
    Delete { replica: usize },
    Sync { from: usize, to: usize, seed: u64 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0..REPLICAS, any::<u64>()).prop_map(|(replica, seed)| Step::Edit { replica, seed }),
        1 => (0..REPLICAS).prop_map(|replica| Step::Delete { replica }),
        3 => (0..REPLICAS, 0..REPLICAS, any::<u64>()).prop_map(|(from, to, seed)| Step::Sync { from, to, seed }),
    ]
}

/// Events of `all` ordered randomly, but every event after its precursors.
fn causal_shuffle(all: &[Event], rng: &mut fastrand::Rng) -> Vec<Event> {
    let mut remaining: Vec<Event> = all.to_vec();
    let mut done: HashSet<EventId> = HashSet::new();
    let mut out = Vec::with_capacity(all.len());
    while !remaining.is_empty() {
        let ready: Vec<usize> =
            (0..remaining.len()).filter(|&i| remaining[i].precursors.iter().all(|p| done.contains(p))).collect();
        let pick = ready[rng.usize(..ready.len())];
        let e = remaining.swap_remove(pick);
        done.insert(e.id);
        out.push(e);
    }
    out
}

fn random_edit(store: &MemoryStore, id: EntityId, user: &str, rng: &mut fastrand::Rng) -> Result<(), ModelError> {
    let mut tx = store.begin(user);
    {
        let mut e = tx.edit_entity("album", id)?;
        if rng.bool() {
            e.set("year", Value::I32(rng.i32(1900..2100)))?;
        }
        if rng.u8(..4) == 0 {
            e.set("rating", if rng.bool() { Value::Null } else { Value::F64(rng.f64()) })?;
        }
        if rng.u8(..4) == 0 {
            e.set("name", Value::String(WORDS[rng.usize(..WORDS.len())].into()))?;
        }
        for _ in 0..rng.usize(0..3) {
            let field = TEXT_FIELDS[rng.usize(..TEXT_FIELDS.len())];
            let mut t = e.text(field)?;
            let len = t.get()?.chars().count();
            let at = rng.usize(0..=len);
            let delete = rng.usize(0..=(len - at).min(3));
            t.replace(at, delete, WORDS[rng.usize(..WORDS.len())])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn log(store: &MemoryStore) -> Vec<Event> {
    store.events_since(0).into_iter().map(|s| (*s.event).clone()).collect()
}

fn run(steps: &[Step], seed: u64) -> Result<(), TestCaseError> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let replicas: Vec<MemoryStore> = (0..REPLICAS).map(|_| replica()).collect();
    let (id, created) = create_album(&replicas[0], "u0", "start", 2000).map_err(fail)?;
    for r in &replicas[1..] {
        r.apply_remote(created.clone()).map_err(fail)?;
    }
    for step in steps {
        match *step {
            Step::Edit { replica, seed } => {
                let store = &replicas[replica];
                if store.state("album", id).is_some_and(|s| !s.is_deleted()) {
                    let mut local = fastrand::Rng::with_seed(seed);
                    random_edit(store, id, &format!("u{replica}"), &mut local).map_err(fail)?;
                }
            }
            Step::Delete { replica } => {
                let store = &replicas[replica];
                if store.state("album", id).is_some_and(|s| !s.is_deleted()) {
                    let mut tx = store.begin(format!("u{replica}"));
                    tx.delete_entity("album", id).map_err(fail)?;
                    tx.commit().map_err(fail)?;
                }
            }
            Step::Sync { from, to, seed } => {
                let missing = log(&replicas[from]);
                let mut local = fastrand::Rng::with_seed(seed);
                for e in causal_shuffle(&missing, &mut local) {
                    replicas[to].apply_remote(e).map_err(fail)?;
                }
            }
        }
    }

    let mut all: HashMap<EventId, Event> = HashMap::new();
    for r in &replicas {
        for e in log(r) {
            all.insert(e.id, e);
        }
    }
    let all: Vec<Event> = all.into_values().collect();
    let fresh: Vec<MemoryStore> = (0..2).map(|_| replica()).collect();
    for store in replicas.iter().chain(&fresh) {
        for e in causal_shuffle(&all, &mut rng) {
            store.apply_remote(e).map_err(fail)?;
        }
    }
    let expected = replicas[0].state("album", id).map(|s| s.encode());
    prop_assert!(expected.is_some());
    for store in replicas.iter().chain(&fresh) {
        prop_assert_eq!(&store.state("album", id).map(|s| s.encode()), &expected);
        prop_assert!(store.verify_now().map_err(fail)?.is_clean());
    }
    let descriptor = common::models().get("album").map_err(fail)?.clone();
    let replayed = chronicle_model::replay(&descriptor, &causal_shuffle(&all, &mut rng)).map_err(fail)?;
    prop_assert_eq!(replayed.map(|s| s.encode()), expected);
    Ok(())
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_to_byte_identical_state(steps in prop::collection::vec(step(), 1..24), seed in any::<u64>()) {
        run(&steps, seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn long_histories_converge(steps in prop::collection::vec(step(), 40..80), seed in any::<u64>()) {
        run(&steps, seed)?;
    }
}
