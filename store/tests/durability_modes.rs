//! Durability modes on a real sled directory: what each `SyncMode` commits
//! survives a drop or a `close()` and a reopen; concurrent `Always` commits
//! share flushes and all succeed; closing the store never leaves a committer
//! waiting for a flush that will not come.

use std::sync::Arc;
use std::time::Duration;

use chronicle_model::{EntityId, EventId, Model, Text, models};
use chronicle_store::{SledOptions, SledStore, Storage, StorageExt, StoreError, SyncMode};

#[derive(Debug, Clone, Model)]
pub struct Note {
    pub title: String,
    pub rank: i64,
    pub body: Text,
}

type R = Result<(), Box<dyn std::error::Error>>;

/// Every test step that could hang is bounded by this.
const LIMIT: Duration = Duration::from_secs(20);

fn open(dir: &std::path::Path, sync: SyncMode) -> Result<SledStore, StoreError> {
    SledStore::open_with(dir, models![Note]?, SledOptions { sync, ..SledOptions::default() })
}

/// How the store is let go before reopening.
#[derive(Clone, Copy, Debug)]
enum Shutdown {
    Drop,
    Close,
}

/// Commits a creation, a scalar edit, a text edit and a second entity, shuts
/// the store down, reopens it and checks everything is there.
async fn survives_reopen(sync: SyncMode, shutdown: Shutdown) -> R {
    let dir = tempfile::tempdir()?;
    let context = format!("{sync:?} / {shutdown:?}");
    let (first, second, events) = {
        let store = open(dir.path(), sync)?;
        let mut events: Vec<EventId> = Vec::new();
        let mut tx = store.begin("alice");
        let first = tx.create(Note { title: "one".into(), rank: 1, body: Text::from("Hello") })?;
        events.extend(tx.commit().await?.iter().map(|e| e.id));
        let mut tx = store.begin("bob");
        tx.edit::<Note>(first)?.set_rank(2).body().insert(5, ", world")?;
        let second = tx.create(Note { title: "two".into(), rank: 20, body: Text::default() })?;
        events.extend(tx.commit().await?.iter().map(|e| e.id));
        let mut tx = store.begin("carol");
        tx.edit::<Note>(second)?.set_title("deux");
        events.extend(tx.commit().await?.iter().map(|e| e.id));
        assert_eq!(store.last_seq(), 4, "{context}: four events committed");
        match shutdown {
            Shutdown::Drop => drop(store),
            Shutdown::Close => {
                store.close()?;
                drop(store);
            }
        }
        (first, second, events)
    };

    let store = open(dir.path(), sync)?;
    assert_eq!(store.last_seq(), 4, "{context}: commit sequence after reopen");
    for id in &events {
        assert!(store.event(*id).await?.is_some(), "{context}: event {id} lost");
    }
    let one = store.load::<Note>(first).await?.ok_or_else(|| format!("{context}: first note lost"))?;
    assert_eq!((one.rank, one.body.as_str()), (2, "Hello, world"), "{context}");
    let two = store.load::<Note>(second).await?.ok_or_else(|| format!("{context}: second note lost"))?;
    assert_eq!((two.title.as_str(), two.rank), ("deux", 20), "{context}");
    let report = store.verify().await?;
    assert!(report.is_clean(), "{context}: {:?}", report.differences);
    assert_eq!((report.entities, report.events), (2, 4), "{context}");
    Ok(())
}

#[tokio::test]
async fn always_survives_drop_and_close() -> R {
    survives_reopen(SyncMode::Always, Shutdown::Drop).await?;
    survives_reopen(SyncMode::Always, Shutdown::Close).await
}

#[tokio::test]
async fn batch_survives_drop_and_close() -> R {
    let sync = SyncMode::Batch(Duration::from_millis(10));
    survives_reopen(sync, Shutdown::Drop).await?;
    survives_reopen(sync, Shutdown::Close).await
}

#[tokio::test]
async fn none_survives_drop_and_close() -> R {
    survives_reopen(SyncMode::None, Shutdown::Drop).await?;
    survives_reopen(SyncMode::None, Shutdown::Close).await
}

async fn create_note(store: &SledStore, user: &str, rank: i64) -> Result<(EntityId, Vec<EventId>), StoreError> {
    let mut tx = store.begin(user);
    let id = tx.create(Note { title: format!("note {rank}"), rank, body: Text::default() })?;
    let events = tx.commit().await?;
    Ok((id, events.iter().map(|e| e.id).collect()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_always_commits_all_succeed() -> R {
    const WRITERS: i64 = 16;
    const EACH: i64 = 8;
    let dir = tempfile::tempdir()?;
    let mut created = Vec::new();
    {
        let store = Arc::new(open(dir.path(), SyncMode::Always)?);
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for i in 0..EACH {
                    mine.push(create_note(&store, &format!("writer-{w}"), w * 100 + i).await?);
                }
                Ok::<_, StoreError>(mine)
            }));
        }
        for task in tasks {
            created.extend(tokio::time::timeout(LIMIT, task).await???);
        }
        assert_eq!(store.last_seq(), (WRITERS * EACH) as u64);
        // Drop without close: `Always` already made every acknowledged commit durable.
    }
    let store = open(dir.path(), SyncMode::Always)?;
    assert_eq!(store.last_seq(), (WRITERS * EACH) as u64);
    for (id, events) in &created {
        assert!(store.load::<Note>(*id).await?.is_some(), "note {id} lost");
        for e in events {
            assert!(store.event(*e).await?.is_some(), "event {e} lost");
        }
    }
    let seqs: Vec<u64> = store.events_after(0, usize::MAX).await?.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=(WRITERS * EACH) as u64).collect::<Vec<_>>());
    assert!(store.verify().await?.is_clean());
    Ok(())
}

/// A commit after `close()` is refused with `Closed` and writes nothing; it
/// must not wait forever for a flusher that has stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_after_close_is_refused_without_hanging() -> R {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path(), SyncMode::Always)?;
    let (before, _) = create_note(&store, "alice", 1).await?;
    store.close()?;
    let after = tokio::time::timeout(LIMIT, create_note(&store, "alice", 2))
        .await
        .map_err(|_| "a commit after close() waited forever for durability")?;
    assert!(matches!(after, Err(StoreError::Closed)), "commit after close(): {after:?}");
    assert_eq!(store.last_seq(), 1, "a refused commit took a sequence number");
    drop(store);
    let store = open(dir.path(), SyncMode::Always)?;
    assert!(store.load::<Note>(before).await?.is_some());
    assert_eq!(store.last_seq(), 1, "a refused commit was written");
    assert!(store.verify().await?.is_clean());
    Ok(())
}

/// Committers racing with `close()`: every commit ends (Ok or `Closed`) and
/// every acknowledged one is there after reopening.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_while_committers_wait() -> R {
    let seed = fastrand::u64(..);
    println!("seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    for round in 0..5 {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(open(dir.path(), SyncMode::Always)?);
        let mut tasks = Vec::new();
        for w in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                for i in 0..200 {
                    match create_note(&store, &format!("writer-{w}"), i).await {
                        Ok((id, _)) => acked.push(id),
                        Err(StoreError::Closed) => {
                            // Closed stays closed.
                            let again = create_note(&store, &format!("writer-{w}"), -1).await;
                            assert!(matches!(again, Err(StoreError::Closed)), "commit after Closed: {again:?}");
                            return Ok((acked, true));
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok::<_, StoreError>((acked, false))
            }));
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(5..60))).await;
        let closer = store.clone();
        tokio::task::spawn_blocking(move || closer.close()).await??;
        let mut acked = Vec::new();
        let mut refused = 0;
        for task in tasks {
            let (ids, closed) = tokio::time::timeout(LIMIT, task)
                .await
                .map_err(|_| format!("round {round} (seed {seed}): a committer hung after close()"))???;
            acked.extend(ids);
            refused += usize::from(closed);
        }
        assert!(refused > 0, "round {round} (seed {seed}): close() did not land while committers ran");
        assert_eq!(
            store.last_seq(),
            acked.len() as u64,
            "round {round} (seed {seed}): only acknowledged commits are written"
        );
        drop(store);
        let store = open(dir.path(), SyncMode::Always)?;
        for id in &acked {
            assert!(store.load::<Note>(*id).await?.is_some(), "round {round} (seed {seed}): acknowledged note lost");
        }
        let report = store.verify().await?;
        assert!(report.is_clean(), "round {round} (seed {seed}): {:?}", report.differences);
        let seqs: Vec<u64> = store.events_after(0, usize::MAX).await?.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=store.last_seq()).collect::<Vec<_>>(), "round {round} (seed {seed})");
    }
    Ok(())
}

/// Concurrent explicit flushes used to deadlock sled's thread pool
/// (`flush_async`, sled issue 1308); `flush` must stay safe to call from many tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_flushes_do_not_hang() -> R {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(open(dir.path(), SyncMode::None)?);
    let mut tasks = Vec::new();
    for t in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..50 {
                create_note(&store, &format!("writer{t}"), i).await?;
                store.flush().await?;
            }
            Ok::<(), StoreError>(())
        }));
    }
    let all = async {
        for t in tasks {
            t.await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    };
    tokio::time::timeout(Duration::from_secs(60), all).await.map_err(|_| "flushes hung")??;
    assert_eq!(store.last_seq(), 16 * 50);
    Ok(())
}
