//! Store benchmarks on real sled in temp directories:
//!
//! ```sh
//! cargo bench -p chronicle-store --bench store -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! - `durable_commit/{chronicle,raw_sled}/W`: durable commits with W
//!   concurrent writers (tokio tasks), each committing one-field LWW edits of
//!   its own entity in `SyncMode::Always`, next to raw sled inserts of the same
//!   bytes (the encoded event record and state of such a commit) where each
//!   writer inserts and then flushes itself (`Db::flush` on tokio's blocking
//!   pool: concurrent `flush_async` calls deadlock sled 0.34.7). One iteration
//!   is one commit, so criterion's throughput is commits per second.
//! - `commit_no_sync/chronicle/W`: the same commits in `SyncMode::None`: the
//!   write path's own cost (merge, encode, one sled transaction), no flush.
//! - `query_100k/*`: an indexed query for one page (50) over 100,000 albums.
//! - `verify/20k_events`: `verify` over 2,000 entities with 10 events each.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chronicle_model::{EntityId, Event, FieldChange, Model, Value, encoding, models};
use chronicle_store::{Filter, Op, OrderBy, Query, SledOptions, SledStore, Storage, StorageExt, SyncMode};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::Serialize;

#[derive(Debug, Clone, Model)]
pub struct Counter {
    pub name: String,
    pub n: i64,
}

#[derive(Debug, Clone, Model)]
pub struct Album {
    pub name: String,
    pub year: i32,
}

const WRITERS: [usize; 3] = [1, 8, 64];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

/// How many of `total` commits writer `w` of `writers` makes.
fn share(total: u64, writers: usize, w: usize) -> u64 {
    total / writers as u64 + u64::from((w as u64) < total % writers as u64)
}

/// The stored form of an event, field for field as the store encodes it
/// (`EventRecord` is private), so raw sled writes exactly as many bytes.
#[derive(Serialize)]
struct Record<'a> {
    event: &'a Event,
    seq: u64,
    depth: u64,
    changes: &'a [FieldChange],
}

/// Creates one `Counter` per writer and returns the ids and the sizes of
/// what one edit commit stores: (event record bytes, state bytes).
fn seed_writers(rt: &tokio::runtime::Runtime, store: &SledStore, writers: usize) -> (Vec<EntityId>, Vec<u8>, Vec<u8>) {
    rt.block_on(async {
        let mut tx = store.begin("bench");
        let ids: Vec<EntityId> =
            (0..writers).map(|w| tx.create(Counter { name: format!("writer {w}"), n: 0 }).expect("create")).collect();
        tx.commit().await.expect("commit");
        let mut tx = store.begin("bench");
        tx.edit_entity(Counter::COLLECTION, ids[0])
            .and_then(|mut e| e.set("n", Value::I64(1)).map(|_| ()))
            .expect("edit");
        tx.commit().await.expect("commit");
        let last = store.history(Counter::COLLECTION, ids[0]).await.expect("history").pop().expect("an event");
        let record =
            encoding::encode(&Record { event: &last.event, seq: last.seq, depth: last.depth, changes: &last.changes });
        let state = encoding::encode(&store.get(Counter::COLLECTION, ids[0]).await.expect("get").expect("state"));
        (ids, record, state)
    })
}

fn durable_commits(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("durable_commit");
    group.sample_size(10).throughput(Throughput::Elements(1));
    for writers in WRITERS {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(
            SledStore::open_with(
                dir.path(),
                models![Counter].expect("models"),
                SledOptions { sync: SyncMode::Always, ..SledOptions::default() },
            )
            .expect("open"),
        );
        let (ids, record, state) = seed_writers(&rt, &store, writers);
        let sizes = (record.len(), state.len());

        group.bench_function(BenchmarkId::new("chronicle", writers), |b| {
            b.iter_custom(|iters| commit_edits(&rt, &store, &ids, iters))
        });
        drop(store);

        let raw_dir = tempfile::tempdir().expect("temp dir");
        let db = sled::Config::new().path(raw_dir.path()).cache_capacity(256 * 1024 * 1024).open().expect("sled");
        let tree = db.open_tree("raw").expect("tree");
        let (record, state) = (Arc::new(record), Arc::new(state));
        group.bench_function(BenchmarkId::new("raw_sled", writers), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let started = Instant::now();
                    let tasks: Vec<_> = (0..writers)
                        .map(|w| {
                            let (db, tree) = (db.clone(), tree.clone());
                            let (record, state) = (record.clone(), state.clone());
                            let n = share(iters, writers, w);
                            tokio::spawn(async move {
                                let state_key = format!("state/{w}");
                                for _ in 0..n {
                                    tree.insert(EntityId::new().to_bytes(), record.as_slice()).expect("insert");
                                    tree.insert(state_key.as_bytes(), state.as_slice()).expect("insert");
                                    // The naive per-writer flush. Not `flush_async`: concurrent
                                    // calls of it deadlock sled 0.34.7 (sled issue 1308), so each
                                    // writer runs the blocking flush on tokio's blocking pool.
                                    let db = db.clone();
                                    tokio::task::spawn_blocking(move || db.flush())
                                        .await
                                        .expect("flush task")
                                        .expect("flush");
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.expect("writer");
                    }
                    started.elapsed()
                })
            })
        });
        eprintln!("durable_commit/{writers}: bytes per commit: event record {} + state {}", sizes.0, sizes.1);
    }
    group.finish();
}

/// Runs `iters` one-field edit commits spread over one writer task per id; returns the wall time.
fn commit_edits(rt: &tokio::runtime::Runtime, store: &Arc<SledStore>, ids: &[EntityId], iters: u64) -> Duration {
    rt.block_on(async {
        let started = Instant::now();
        let tasks: Vec<_> = ids
            .iter()
            .enumerate()
            .map(|(w, &id)| {
                let store = store.clone();
                let n = share(iters, ids.len(), w);
                tokio::spawn(async move {
                    for k in 0..n {
                        let mut tx = store.begin("bench");
                        tx.edit_entity(Counter::COLLECTION, id)
                            .and_then(|mut e| e.set("n", Value::I64(k as i64)).map(|_| ()))
                            .expect("edit");
                        tx.commit().await.expect("commit");
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("writer");
        }
        started.elapsed()
    })
}

/// The same commits with `SyncMode::None`: the write path's own cost, no flush.
fn commits_without_sync(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("commit_no_sync");
    group.sample_size(10).throughput(Throughput::Elements(1));
    for writers in [1, 8] {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(
            SledStore::open_with(
                dir.path(),
                models![Counter].expect("models"),
                SledOptions { sync: SyncMode::None, ..SledOptions::default() },
            )
            .expect("open"),
        );
        let (ids, _, _) = seed_writers(&rt, &store, writers);
        group.bench_function(BenchmarkId::new("chronicle", writers), |b| {
            b.iter_custom(|iters| commit_edits(&rt, &store, &ids, iters))
        });
    }
    group.finish();
}

const ALBUMS: usize = 100_000;

fn indexed_query(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open_with(
        dir.path(),
        models![Album].expect("models"),
        SledOptions { sync: SyncMode::None, ..SledOptions::default() },
    )
    .expect("open");
    let started = Instant::now();
    rt.block_on(async {
        for chunk in 0..ALBUMS / 1_000 {
            let mut tx = store.begin("bench");
            for i in 0..1_000 {
                let n = chunk * 1_000 + i;
                // 100 distinct years: each year matches 1,000 albums.
                tx.create(Album { name: format!("album {n}"), year: 1900 + (n % 100) as i32 }).expect("create");
            }
            tx.commit().await.expect("commit");
        }
        store.flush().await.expect("flush");
    });
    eprintln!("query_100k: built {ALBUMS} albums in {:.1?}", started.elapsed());

    let page = |filter: Filter| Query { filter: Some(filter), first: Some(50), count: false, ..Query::default() };
    let eq_1959 = || Filter::field("year", Op::Eq(1959.into()));
    let every = || Filter::field("year", Op::Ne((-1).into()));
    let by_name = || vec![OrderBy::asc("name")];
    let cases = [
        ("eq_year_1000_matches", page(Filter::field("year", Op::Eq(1959.into())))),
        (
            "range_10_years_10000_matches",
            page(Filter::And(vec![
                Filter::field("year", Op::Gte(1990.into())),
                Filter::field("year", Op::Lt(2000.into())),
            ])),
        ),
        ("eq_year_counted", Query { count: true, ..page(Filter::field("year", Op::Eq(1959.into()))) }),
        // The baselines, in the same run: `year != -1` matches every album
        // but no index serves it, so these evaluate every match the way
        // every page did before pages were read in order.
        ("eq_year_evaluated", Query { count: true, ..page(Filter::And(vec![eq_1959(), every()])) }),
        ("unfiltered_by_id", Query { first: Some(50), count: false, ..Query::default() }),
        ("unfiltered_by_id_counted", Query { first: Some(50), count: true, ..Query::default() }),
        ("all_by_id_evaluated", Query { count: true, ..page(every()) }),
        (
            "range_10_years_by_year",
            Query { order: vec![OrderBy::asc("year")], ..page(Filter::field("year", Op::Gte(1990.into()))) },
        ),
        (
            "range_10_years_by_year_evaluated",
            Query {
                order: vec![OrderBy::asc("year")],
                count: true,
                ..page(Filter::And(vec![Filter::field("year", Op::Gte(1990.into())), every()]))
            },
        ),
        ("unfiltered_by_name", Query { first: Some(50), count: false, order: by_name(), ..Query::default() }),
        ("all_by_name_evaluated", Query { count: true, order: by_name(), ..page(every()) }),
    ];
    let mut group = c.benchmark_group("query_100k");
    group.sample_size(20);
    for (name, query) in &cases {
        let found = rt.block_on(store.query(Album::COLLECTION, query)).expect("query");
        assert_eq!(found.items.len(), 50);
        group.bench_function(*name, |b| {
            b.iter(|| black_box(rt.block_on(store.query(Album::COLLECTION, query)).expect("query")))
        });
    }
    group.finish();
}

const VERIFY_ENTITIES: usize = 2_000;
const EVENTS_PER_ENTITY: usize = 10;

fn verify(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open_with(
        dir.path(),
        models![Counter].expect("models"),
        SledOptions { sync: SyncMode::None, ..SledOptions::default() },
    )
    .expect("open");
    rt.block_on(async {
        let mut ids = Vec::new();
        for chunk in 0..VERIFY_ENTITIES / 500 {
            let mut tx = store.begin("bench");
            for i in 0..500 {
                ids.push(tx.create(Counter { name: format!("c{}", chunk * 500 + i), n: 0 }).expect("create"));
            }
            tx.commit().await.expect("commit");
        }
        for round in 1..EVENTS_PER_ENTITY {
            for chunk in ids.chunks(500) {
                let mut tx = store.begin("bench");
                for &id in chunk {
                    tx.edit_entity(Counter::COLLECTION, id)
                        .and_then(|mut e| e.set("n", Value::I64(round as i64)).map(|_| ()))
                        .expect("edit");
                }
                tx.commit().await.expect("commit");
            }
        }
    });
    let report = rt.block_on(store.verify()).expect("verify");
    assert!(report.is_clean(), "{:?}", report.differences);
    assert_eq!(report.events as usize, VERIFY_ENTITIES * EVENTS_PER_ENTITY);

    let mut group = c.benchmark_group("verify");
    group.sample_size(10).throughput(Throughput::Elements(report.events));
    group.bench_function("20k_events", |b| b.iter(|| black_box(rt.block_on(store.verify()).expect("verify"))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = durable_commits, commits_without_sync, indexed_query, verify
}
criterion_main!(benches);
