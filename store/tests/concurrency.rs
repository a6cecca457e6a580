//! Many writers at once on every engine, through `begin`/`commit`: each
//! transaction branches from the heads it read, so concurrent commits fork an
//! entity's heads and later commits merge them. Afterwards the log, the heads,
//! the materialized states and the change feed must all agree.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chronicle_model::{EntityId, Event, EventId, Lagged, Ref, Scope, Text, models};
use chronicle_store::{Storage, StorageExt, StoreError};
use futures_util::StreamExt;
use support::notes::{Artist, Note};
use support::{Engine, Options, Place, R};

mod support;

engine_tests!(multi_thread:
    many_writers_on_one_entity,
    many_writers_on_many_entities,
    a_slow_subscriber_lags_without_blocking_commits,
);

const WRITERS: usize = 16;
/// Every step that could hang is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

fn open<E: Engine>(place: &Place, options: Options) -> Result<Arc<E::Store>, StoreError> {
    E::open_with(place, models![Artist, Note]?, options)
}

fn note(title: &str) -> Note {
    Note { title: title.into(), rank: 0, body: Text::default(), artist: None }
}

/// Checks that `store`'s log is gap-free (seqs 1..=last_seq) and returns it.
async fn gap_free_log(store: &impl Storage) -> Result<Vec<Arc<Event>>, Box<dyn std::error::Error>> {
    let log = store.events_after(0, usize::MAX).await?;
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=store.last_seq()).collect::<Vec<_>>(), "the commit sequence has gaps or is out of order");
    Ok(log.into_iter().map(|e| e.event).collect())
}

/// Checks an entity's history and heads: every event once, each precursor an
/// earlier event of the same entity, each depth one more than its deepest
/// precursor, and the stored heads exactly the events no other event of the
/// entity lists as precursor.
async fn check_heads(
    store: &impl Storage,
    collection: &str,
    id: EntityId,
) -> Result<Vec<Arc<Event>>, Box<dyn std::error::Error>> {
    let history = store.history(collection, id).await?;
    let state = store.get(collection, id).await?.ok_or("entity has no state")?;
    let mut depths: HashMap<EventId, u64> = HashMap::new();
    let mut precursors = HashSet::new();
    for stored in &history {
        let e = &stored.event;
        assert_eq!(e.entity_id, id, "history of {id} holds an event of {}", e.entity_id);
        let mut deepest = 0;
        for p in &e.precursors {
            let depth =
                depths.get(p).ok_or_else(|| format!("event {} lists {p}, not an earlier event of {id}", e.id))?;
            deepest = deepest.max(*depth);
            precursors.insert(*p);
        }
        assert_eq!(stored.depth, deepest + 1, "Lamport depth of event {}", e.id);
        assert!(depths.insert(e.id, stored.depth).is_none(), "event {} appears twice in the history of {id}", e.id);
    }
    let expected: BTreeSet<EventId> = depths.keys().copied().filter(|e| !precursors.contains(e)).collect();
    let heads: BTreeSet<EventId> = state.heads.as_slice().iter().copied().collect();
    assert_eq!(heads, expected, "stored heads of {id} differ from the events nobody lists as precursor");
    assert_eq!(Some(state.depth), depths.values().max().copied(), "state depth of {id}");
    Ok(history.into_iter().map(|e| e.event).collect())
}

/// Reads signals from `sub` until it has seen `last` seqs; they must be
/// 1..=last in order, none lagged, each matching the log.
async fn drain_in_order(
    sub: &mut chronicle_model::Subscription,
    log: &[Arc<Event>],
) -> Result<(), Box<dyn std::error::Error>> {
    let mut expected = 1u64;
    while expected <= log.len() as u64 {
        let signal = tokio::time::timeout(LIMIT, sub.next())
            .await
            .map_err(|_| format!("signal {expected} never arrived"))?
            .ok_or("the feed ended early")?
            .map_err(|Lagged { from }| format!("subscriber lagged from {from}"))?;
        assert_eq!(signal.seq, expected, "signals out of order or missing");
        let logged = &log[(expected - 1) as usize];
        assert_eq!(signal.event.id, logged.id, "signal {expected} is not the logged event");
        expected += 1;
    }
    assert!(sub.try_next().is_none(), "more signals than commits");
    Ok(())
}

async fn many_writers_on_one_entity<E: Engine>() -> R {
    const EACH: usize = 12;
    let seed = fastrand::u64(..);
    println!("seed {seed}");
    let place = Place::new()?;
    let store = open::<E>(&place, Options::default())?;
    let mut feed = store.subscribe(Scope::All);

    let mut tx = store.begin("setup");
    let id = tx.create(Note { body: Text::from("|"), ..note("shared") })?;
    let created = tx.commit().await?;

    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        let mut rng = fastrand::Rng::with_seed(seed ^ w as u64);
        tasks.push(tokio::spawn(async move {
            let mut mine: Vec<(EventId, String)> = Vec::new();
            for i in 0..EACH {
                let marker = format!("<{w}.{i}>");
                let mut tx = store.begin(&format!("writer-{w}"));
                {
                    let mut edit = tx.edit::<Note>(id)?;
                    edit.set_rank((w * 1000 + i) as i64);
                    if rng.bool() {
                        edit.set_title(format!("title by {w}"));
                    }
                    let mut body = edit.body();
                    // At either end only, so no later insert lands inside a marker.
                    let at = if rng.bool() { 0 } else { body.get()?.chars().count() };
                    body.insert(at, &marker)?;
                }
                // Let other writers read the same heads before this commits.
                for _ in 0..rng.usize(0..3) {
                    tokio::task::yield_now().await;
                }
                let events = tx.commit().await?;
                assert_eq!(events.len(), 1);
                mine.push((events[0].id, marker));
            }
            Ok::<_, StoreError>(mine)
        }));
    }
    let mut committed = vec![(created[0].id, String::new())];
    for task in tasks {
        committed.extend(tokio::time::timeout(LIMIT, task).await???);
    }

    let report = store.verify().await?;
    assert!(report.is_clean(), "{:?}", report.differences);
    let log = gap_free_log(&*store).await?;
    assert_eq!(log.len(), 1 + WRITERS * EACH);

    let history = check_heads(&*store, "note", id).await?;
    let in_history: HashSet<EventId> = history.iter().map(|e| e.id).collect();
    assert_eq!(history.len(), committed.len(), "history length differs from the commits");
    for (event, _) in &committed {
        assert!(in_history.contains(event), "committed event {event} missing from history");
    }
    let merges = history.iter().filter(|e| e.precursors.len() > 1).count();
    assert!(merges > 0, "no commit ever merged a fork: the writers did not run concurrently");

    let text = store.load::<Note>(id).await?.ok_or("note missing")?.body.as_str().to_owned();
    for (_, marker) in committed.iter().filter(|(_, m)| !m.is_empty()) {
        assert_eq!(text.matches(marker.as_str()).count(), 1, "marker {marker} in {text}");
    }
    let marker_chars: usize = committed.iter().map(|(_, m)| m.chars().count()).sum();
    assert_eq!(text.chars().count(), marker_chars + 1, "text holds more than the inserts: {text}");

    // One more commit merges every head into one.
    let mut tx = store.begin("merger");
    tx.edit::<Note>(id)?.set_rank(-1);
    let merged = tx.commit().await?;
    let state = store.get("note", id).await?.ok_or("note missing")?;
    assert_eq!(state.heads.as_slice(), [merged[0].id]);
    let log = gap_free_log(&*store).await?;
    drain_in_order(&mut feed, &log).await?;
    Ok(())
}

async fn many_writers_on_many_entities<E: Engine>() -> R {
    const ENTITIES: usize = 8;
    const EACH: usize = 10;
    let seed = fastrand::u64(..);
    println!("seed {seed}");
    let place = Place::new()?;
    let store = open::<E>(&place, Options::default())?;
    let mut feed = store.subscribe(Scope::All);
    // A second subscriber read concurrently with the writers.
    let mut live = store.subscribe(Scope::All);
    // The last seq once the writers are done; 0 until then.
    let target = Arc::new(AtomicU64::new(0));
    let reader = {
        let target = target.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let mut seqs = Vec::new();
            let mut last = 0;
            while started.elapsed() < LIMIT {
                let done = target.load(Ordering::SeqCst);
                if done != 0 && last >= done {
                    break;
                }
                match tokio::time::timeout(Duration::from_millis(20), live.next()).await {
                    Ok(Some(item)) => {
                        last = item.as_ref().map_or(u64::MAX, |s| s.seq);
                        seqs.push(item.map(|s| s.seq));
                    }
                    Ok(None) => break,
                    Err(_) => {}
                }
            }
            seqs
        })
    };

    let mut tx = store.begin("setup");
    let artist = tx.create(Artist { name: "shared".into() })?;
    let mut ids = Vec::new();
    for e in 0..ENTITIES {
        ids.push(tx.create(note(&format!("note {e}")))?);
    }
    let setup = tx.commit().await?;
    let ids = Arc::new(ids);

    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (store, ids) = (store.clone(), ids.clone());
        let mut rng = fastrand::Rng::with_seed(seed ^ w as u64);
        tasks.push(tokio::spawn(async move {
            let mut mine: Vec<(Vec<Event>, String)> = Vec::new();
            for i in 0..EACH {
                let marker = format!("<{w}.{i}>");
                let mut tx = store.begin(&format!("writer-{w}"));
                let mut touched = HashSet::new();
                for _ in 0..rng.usize(1..=3) {
                    let id = ids[rng.usize(..ids.len())];
                    if !touched.insert(id) {
                        continue;
                    }
                    let mut edit = tx.edit::<Note>(id)?;
                    edit.set_rank((w * 1000 + i) as i64);
                    if rng.bool() {
                        edit.set_artist(Some(Ref::new(artist)));
                    }
                    edit.body().insert(0, &marker)?;
                }
                if rng.u8(..10) == 0 {
                    tx.create(note(&format!("extra {w}.{i}")))?;
                }
                for _ in 0..rng.usize(0..3) {
                    tokio::task::yield_now().await;
                }
                let events = tx.commit().await?;
                assert!(!events.is_empty());
                mine.push((events, marker));
            }
            Ok::<_, StoreError>(mine)
        }));
    }
    let mut committed: Vec<Event> = setup;
    let mut markers: HashMap<EntityId, Vec<String>> = HashMap::new();
    for task in tasks {
        for (events, marker) in tokio::time::timeout(LIMIT, task).await??? {
            for e in &events {
                if e.text().is_some() {
                    markers.entry(e.entity_id).or_default().push(marker.clone());
                }
            }
            committed.extend(events);
        }
    }

    let report = store.verify().await?;
    assert!(report.is_clean(), "{:?}", report.differences);
    let log = gap_free_log(&*store).await?;
    assert_eq!(log.len(), committed.len(), "the log holds other events than the committed ones");
    let logged: HashMap<EventId, usize> = log.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    for e in &committed {
        assert!(logged.contains_key(&e.id), "committed event {} missing from the log", e.id);
    }

    let mut entities: BTreeSet<(String, EntityId)> = BTreeSet::new();
    for e in &committed {
        entities.insert((e.collection.clone(), e.entity_id));
    }
    let mut total = 0;
    let mut merges = 0;
    for (collection, id) in &entities {
        let history = check_heads(&*store, collection, *id).await?;
        let mine: HashSet<EventId> = committed.iter().filter(|e| e.entity_id == *id).map(|e| e.id).collect();
        let theirs: HashSet<EventId> = history.iter().map(|e| e.id).collect();
        assert_eq!(mine, theirs, "history of {id} differs from its committed events");
        merges += history.iter().filter(|e| e.precursors.len() > 1).count();
        total += history.len();
    }
    assert_eq!(total, log.len(), "histories and log disagree");
    assert!(merges > 0, "no commit ever merged a fork: the writers did not run concurrently");
    for id in ids.iter() {
        let text = store.load::<Note>(*id).await?.ok_or("note missing")?.body.as_str().to_owned();
        let expected = markers.remove(id).unwrap_or_default();
        for marker in &expected {
            assert_eq!(text.matches(marker.as_str()).count(), 1, "note {id}: marker {marker} in {text}");
        }
        assert_eq!(text.matches('<').count(), expected.len(), "note {id}: unexpected text {text}");
    }
    assert!(markers.is_empty(), "text edits on entities that are not notes");

    drain_in_order(&mut feed, &log).await?;
    target.store(store.last_seq(), Ordering::SeqCst);
    let live_seqs = tokio::time::timeout(LIMIT, reader).await??;
    let expected: Vec<Result<u64, Lagged>> = (1..=log.len() as u64).map(Ok).collect();
    assert_eq!(live_seqs, expected, "the concurrent subscriber saw signals out of order or lagged");
    Ok(())
}

async fn a_slow_subscriber_lags_without_blocking_commits<E: Engine>() -> R {
    const CAPACITY: usize = 4;
    const COMMITS: u64 = 40;
    let place = Place::new()?;
    let store = open::<E>(&place, Options { feed_capacity: CAPACITY, ..Options::default() })?;
    let mut slow = store.subscribe(Scope::All);

    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin("w");
            let id = tx.create(note("n"))?;
            tx.commit().await?;
            for i in 1..COMMITS {
                let mut tx = store.begin("w");
                tx.edit::<Note>(id)?.set_rank(i as i64);
                tx.commit().await?;
            }
            Ok::<_, StoreError>(())
        })
    };
    tokio::time::timeout(LIMIT, writer).await.map_err(|_| "commits blocked behind a slow subscriber")???;
    assert_eq!(store.last_seq(), COMMITS);

    let mut seqs = Vec::new();
    let lagged = loop {
        match tokio::time::timeout(LIMIT, slow.next()).await?.ok_or("feed ended")? {
            Ok(signal) => seqs.push(signal.seq),
            Err(lagged) => break lagged,
        }
    };
    assert_eq!(seqs, (1..=CAPACITY as u64).collect::<Vec<_>>(), "the buffered signals");
    assert_eq!(lagged, Lagged { from: CAPACITY as u64 + 1 });
    let missed = store.events_after(lagged.from - 1, usize::MAX).await?;
    assert_eq!(missed.iter().map(|e| e.seq).collect::<Vec<_>>(), (lagged.from..=COMMITS).collect::<Vec<_>>());
    assert!(slow.try_next().is_none(), "signals after a lag notice without new commits");

    // After catching up, the subscriber gets new signals again.
    let mut tx = store.begin("w");
    tx.create(note("after"))?;
    tx.commit().await?;
    let next = tokio::time::timeout(LIMIT, slow.next()).await?.ok_or("feed ended")?;
    assert_eq!(next.map(|s| s.seq), Ok(COMMITS + 1));
    Ok(())
}
