//! Damaged data on disk: values overwritten through raw sled between two
//! opens of the store. Every read that meets them returns a typed error
//! naming the tree and key; nothing panics, and the healthy data still reads.

use std::error::Error;
use std::path::Path;

use chronicle_model::{EntityId, EventId, Model, ModelError, Text, models};
use chronicle_store::{AuditFilter, AuditQuery, Filter, Op, Query, SledStore, Storage, StorageExt, StoreError};

type R = Result<(), Box<dyn Error>>;

#[derive(Debug, Clone, Model)]
pub struct Album {
    pub name: String,
    pub year: i32,
    pub notes: Text,
}

fn open(dir: &Path) -> Result<SledStore, StoreError> {
    SledStore::open(dir, models![Album]?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of an album's state: the length-prefixed collection, then the id.
fn state_key(id: EntityId) -> Vec<u8> {
    let mut k = (b"album".len() as u32).to_be_bytes().to_vec();
    k.extend(b"album");
    k.extend(id.to_bytes());
    k
}

/// Seeds `n` albums (one event each, then a second event on the first),
/// closes the store, and returns the ids with their creating events.
async fn seed(dir: &Path, n: usize) -> Result<Vec<(EntityId, EventId)>, Box<dyn Error>> {
    let store = open(dir)?;
    let mut tx = store.begin("alice");
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(tx.create(Album { name: format!("album {i}"), year: 1950 + i as i32, notes: Text::from("n") })?);
    }
    let events = tx.commit().await?;
    let mut tx = store.begin("bob");
    tx.edit::<Album>(ids[0])?.set_year(1949);
    tx.commit().await?;
    store.close()?;
    drop(store);
    Ok(ids.into_iter().zip(events.iter().map(|e| e.id)).collect())
}

/// Runs `f` on the raw sled trees of a closed store, then flushes.
fn with_raw(dir: &Path, f: impl FnOnce(&sled::Db) -> Result<(), Box<dyn Error>>) -> R {
    let db = sled::open(dir)?;
    f(&db)?;
    db.flush()?;
    Ok(())
}

/// Whether `e` is `Corrupt` for `tree` and exactly `key`.
fn corrupt_at(e: &StoreError, tree: &str, key: &[u8]) -> bool {
    matches!(e, StoreError::Corrupt { tree: t, key: k, .. } if *t == tree && *k == hex(key))
}

fn expect_corrupt<T: std::fmt::Debug>(r: Result<T, StoreError>, tree: &str, key: &[u8], what: &str) -> R {
    match r {
        Err(e) if corrupt_at(&e, tree, key) => {
            let message = e.to_string();
            assert!(message.contains(&hex(key)) && message.contains(tree), "{what}: {message:?} does not name the key");
            Ok(())
        }
        other => Err(format!("{what}: expected Corrupt at {tree}/{}, got {other:?}", hex(key)).into()),
    }
}

#[tokio::test]
async fn a_damaged_state_is_a_corrupt_error_naming_its_key() -> R {
    let dir = tempfile::tempdir()?;
    let albums = seed(dir.path(), 9).await?;
    let mut rng = fastrand::Rng::with_seed(7);
    // One kind of damage per album; the last album stays healthy.
    let mut damaged: Vec<(EntityId, &str)> = Vec::new();
    with_raw(dir.path(), |db| {
        let states = db.open_tree("states")?;
        for (i, (id, _)) in albums.iter().take(8).enumerate() {
            let key = state_key(*id);
            let good = states.get(&key)?.ok_or("seeded state missing")?.to_vec();
            let (bad, how): (Vec<u8>, &str) = match i {
                0 => (Vec::new(), "empty"),
                1 => (good[..1].to_vec(), "version byte only"),
                2 => (good[..good.len() / 2].to_vec(), "cut in half"),
                3 => (good[..good.len() - 1].to_vec(), "last byte cut"),
                4 => ([&[1u8][..], &[0xFF; 24]].concat(), "0xFF garbage"),
                5 => ([&good[..], &[0u8, 1, 2][..]].concat(), "trailing bytes"),
                6 => ([&[0u8][..], &good[1..]].concat(), "version 0"),
                _ => (
                    [&[1u8][..], &std::iter::repeat_with(|| rng.u8(..)).take(40).collect::<Vec<u8>>()].concat(),
                    "random",
                ),
            };
            states.insert(&key, bad)?;
            damaged.push((*id, how));
        }
        Ok(())
    })?;

    let store = open(dir.path())?;
    for (id, how) in &damaged {
        let key = state_key(*id);
        expect_corrupt(store.get("album", *id).await, "states", &key, &format!("get ({how})"))?;
        expect_corrupt(store.get_many("album", &[*id]).await, "states", &key, &format!("get_many ({how})"))?;
        expect_corrupt(store.load::<Album>(*id).await, "states", &key, &format!("load ({how})"))?;
        // The index still points at it, and reading the candidate fails.
        let name = format!("album {}", albums.iter().position(|(a, _)| a == id).ok_or("unknown album")?);
        let by_name = Query::filter(Filter::field("name", Op::Eq(name.into())));
        expect_corrupt(store.query("album", &by_name).await, "states", &key, &format!("indexed query ({how})"))?;
        // Its history is intact.
        assert!(!store.history("album", *id).await?.is_empty());
        // A transaction cannot start from it.
        let mut tx = store.begin("carol");
        let edit = tx.edit::<Album>(*id).map(|_| ());
        // The store's typed error comes through the model as its source.
        match edit {
            Err(ModelError::Storage(source)) => {
                let store_error = source.inner().downcast_ref::<StoreError>();
                assert!(
                    matches!(store_error, Some(StoreError::Corrupt { tree: "states", .. })),
                    "the edit error is the store's corrupt-value error: {source:?}"
                );
                assert!(source.to_string().contains(&hex(&key)), "the edit error names the key: {source}");
            }
            other => return Err(format!("edit ({how}): expected the store's error, got {other:?}").into()),
        }
    }
    // A scan meets the first damaged state in key order.
    let mut keys: Vec<Vec<u8>> = damaged.iter().map(|(id, _)| state_key(*id)).collect();
    keys.sort();
    expect_corrupt(store.query("album", &Query::default()).await, "states", &keys[0], "full scan")?;
    expect_corrupt(store.verify().await, "states", &keys[0], "verify")?;

    // The healthy album still reads and takes writes.
    let (healthy, _) = albums[8];
    assert_eq!(store.load::<Album>(healthy).await?.ok_or("healthy album missing")?.year, 1958);
    let mut tx = store.begin("carol");
    tx.edit::<Album>(healthy)?.set_year(2000);
    tx.commit().await?;
    let page = store.query("album", &Query::filter(Filter::field("year", Op::Eq(2000.into())))).await?;
    assert_eq!(page.ids(), [healthy]);
    Ok(())
}

#[tokio::test]
async fn a_damaged_event_is_a_corrupt_error_naming_its_key() -> R {
    let dir = tempfile::tempdir()?;
    let albums = seed(dir.path(), 3).await?;
    let (first, first_event) = albums[0];
    let (second, second_event) = albums[1];
    with_raw(dir.path(), |db| {
        let events = db.open_tree("events")?;
        let good = events.get(first_event.to_bytes())?.ok_or("seeded event missing")?.to_vec();
        events.insert(first_event.to_bytes(), &good[..good.len() - 3])?;
        events.insert(second_event.to_bytes(), &[1u8, 0xFF, 0xFF, 0xFF, 0xFF][..])?;
        Ok(())
    })?;

    let store = open(dir.path())?;
    let last_seq = store.last_seq();
    for (id, event) in [(first, first_event), (second, second_event)] {
        let key = event.to_bytes();
        expect_corrupt(store.event(event).await, "events", &key, "event")?;
        expect_corrupt(store.history("album", id).await, "events", &key, "history")?;
        expect_corrupt(store.load_at::<Album>(id, event).await, "events", &key, "load_at")?;
        let by_entity = AuditFilter { entity_id: Some(id), ..AuditFilter::default() };
        let by_entity = AuditQuery { filter: by_entity, first: 10, before: None };
        expect_corrupt(store.audit(&by_entity).await, "events", &key, "audit by entity")?;
        // The materialized state does not need the event.
        assert!(store.load::<Album>(id).await?.is_some());
    }
    let everything = AuditQuery { filter: AuditFilter::default(), first: 10, before: None };
    assert!(store.audit(&everything).await.is_err(), "audit over everything");
    assert!(store.events_after(0, 100).await.is_err(), "the log");
    assert!(store.verify().await.is_err(), "verify");

    // A write on top of a damaged event is refused and writes nothing.
    let mut tx = store.begin("carol");
    tx.edit::<Album>(second)?.set_year(1);
    let refused = tx.commit().await;
    expect_corrupt(refused, "events", &second_event.to_bytes(), "commit on a damaged precursor")?;
    assert_eq!(store.last_seq(), last_seq);
    assert_eq!(store.load::<Album>(second).await?.ok_or("album missing")?.year, 1951);
    Ok(())
}

#[tokio::test]
async fn a_newer_directory_format_is_refused_at_open() -> R {
    let dir = tempfile::tempdir()?;
    let albums = seed(dir.path(), 2).await?;
    with_raw(dir.path(), |db| {
        db.open_tree("meta")?.insert("format", &[2u8][..])?;
        Ok(())
    })?;
    match open(dir.path()) {
        Err(e @ StoreError::NewerFormat { found: 2, supported: 1 }) => {
            let message = e.to_string();
            assert!(message.contains("upgrade Chronicle"), "{message:?}");
            assert!(message.contains("version 2"), "{message:?}");
        }
        Err(other) => return Err(format!("expected NewerFormat, got {other}").into()),
        Ok(_) => return Err("a directory of a newer format was opened".into()),
    }
    with_raw(dir.path(), |db| {
        let marker = db.open_tree("meta")?.get("format")?.ok_or("marker gone")?;
        assert_eq!(marker.as_ref(), [2], "the refusal leaves the marker as it was");
        db.open_tree("meta")?.insert("format", &[1u8, 0][..])?;
        Ok(())
    })?;
    expect_corrupt(open(dir.path()), "meta", b"format", "a two-byte marker")?;

    with_raw(dir.path(), |db| {
        db.open_tree("meta")?.insert("format", &[1u8][..])?;
        Ok(())
    })?;
    let store = open(dir.path())?;
    assert_eq!(store.load::<Album>(albums[1].0).await?.ok_or("album missing")?.year, 1951);
    assert!(store.verify().await?.is_clean());
    Ok(())
}

#[tokio::test]
async fn a_damaged_model_descriptor_is_refused_at_open() -> R {
    let dir = tempfile::tempdir()?;
    seed(dir.path(), 1).await?;
    with_raw(dir.path(), |db| {
        db.open_tree("meta")?.insert("model/album", &[1u8, 0xFF][..])?;
        Ok(())
    })?;
    expect_corrupt(open(dir.path()), "meta", b"model/album", "open")?;
    Ok(())
}

/// The `ModelError` somewhere in the source chain of `e`.
fn model_error_in<'e>(e: &'e (dyn Error + 'static)) -> Option<&'e ModelError> {
    let mut at: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(e) = at {
        if let Some(m) = e.downcast_ref::<ModelError>() {
            return Some(m);
        }
        at = e.source();
    }
    None
}

#[tokio::test]
async fn a_value_of_a_newer_version_is_reported_as_unsupported() -> R {
    let dir = tempfile::tempdir()?;
    let albums = seed(dir.path(), 2).await?;
    let (album, event) = albums[1];
    with_raw(dir.path(), |db| {
        for (tree, key) in [("events", event.to_bytes().to_vec()), ("states", state_key(album))] {
            let tree = db.open_tree(tree)?;
            let mut value = tree.get(&key)?.ok_or("seeded value missing")?.to_vec();
            value[0] = 2;
            tree.insert(&key, value)?;
        }
        Ok(())
    })?;

    let store = open(dir.path())?;
    let (event_key, state_key) = (event.to_bytes().to_vec(), state_key(album));
    let failures: [(&str, Result<(), StoreError>, &[u8]); 4] = [
        ("history", store.history("album", album).await.map(|_| ()), &event_key),
        ("event", store.event(event).await.map(|_| ()), &event_key),
        ("get", store.get("album", album).await.map(|_| ()), &state_key),
        ("verify", store.verify().await.map(|_| ()), &state_key),
    ];
    for (what, result, key) in failures {
        let e = result.err().ok_or(format!("{what}: a value of format 2 was read"))?;
        let message = e.to_string();
        assert!(message.contains("upgrade Chronicle"), "{what}: {message:?}");
        assert!(message.contains(&hex(key)), "{what}: {message:?} does not name the key");
        assert!(!message.contains("corrupt"), "{what}: a newer value is not corrupt: {message:?}");
        match model_error_in(&e) {
            Some(ModelError::UnsupportedFormat { found: 2, supported: 1, .. }) => {}
            other => return Err(format!("{what}: no UnsupportedFormat in the chain of {e:?} (found {other:?})").into()),
        }
    }
    // The other album is untouched.
    assert_eq!(store.load::<Album>(albums[0].0).await?.ok_or("album missing")?.year, 1949);
    Ok(())
}

fn index_key(field: &str, collated: &[u8], id: EntityId) -> Vec<u8> {
    let mut k = Vec::new();
    for part in ["album", field] {
        k.extend((part.len() as u32).to_be_bytes());
        k.extend(part.as_bytes());
    }
    k.extend(collated);
    k.extend(id.to_bytes());
    k
}

#[tokio::test]
async fn damaged_lookup_trees_are_reported_not_misread() -> R {
    let dir = tempfile::tempdir()?;
    let albums = seed(dir.path(), 3).await?;
    let (first, _) = albums[0];
    let (second, _) = albums[1];
    let ghost = EntityId::new();
    let mut log_key = Vec::new();
    let mut entity_key = Vec::new();
    with_raw(dir.path(), |db| {
        // The log points at something that is not an event id.
        let log = db.open_tree("log")?;
        let (k, _) = log.first()?.ok_or("empty log")?;
        log.insert(&k, &[7u8; 3][..])?;
        log_key = k.to_vec();
        // The first album's history points at an event that does not exist.
        let entity_events = db.open_tree("entity_events")?;
        let (k, _) = entity_events.scan_prefix(first.to_bytes()).next().ok_or("no history")??;
        entity_events.insert(&k, &EventId::new().to_bytes()[..])?;
        entity_key = k.to_vec();
        // The second album loses its `year` entry; a ghost gains one.
        let indexes = db.open_tree("indexes")?;
        let year = |n: i32| [&[1u8][..], &((n as u32) ^ (1 << 31)).to_be_bytes()[..]].concat();
        let removed = indexes.remove(index_key("year", &year(1951), second))?;
        assert!(removed.is_some(), "the test's index key layout matches the store's");
        indexes.insert(index_key("year", &year(1951), ghost), &[][..])?;
        Ok(())
    })?;

    let store = open(dir.path())?;
    expect_corrupt(store.events_after(0, 10).await, "log", &log_key, "events_after")?;
    expect_corrupt(store.history("album", first).await, "entity_events", &entity_key, "history")?;
    // A ghost entry leads nowhere; a missing entry hides the album from an indexed query.
    let by_year = Query::filter(Filter::field("year", Op::Eq(1951.into())));
    assert!(store.query("album", &by_year).await?.ids().is_empty());
    // verify stops at the broken history; once it is repaired, it names the index problems.
    assert!(store.verify().await.is_err());
    drop(store);
    with_raw(dir.path(), |db| {
        db.open_tree("entity_events")?.remove(&entity_key)?;
        Ok(())
    })?;
    let store = open(dir.path())?;
    let report = store.verify().await?;
    // The first album's history lost its creating event, so it no longer replays.
    let mut problems: Vec<(Option<EntityId>, &str)> =
        report.differences.iter().map(|d| (d.entity_id, d.problem.split(':').next().unwrap_or_default())).collect();
    problems.sort();
    let mut expected = vec![
        (Some(first), "its events do not replay"),
        (Some(second), "index entry missing"),
        (Some(ghost), "stray index entry"),
    ];
    expected.sort();
    assert_eq!(problems, expected);
    Ok(())
}

#[derive(Debug, Clone, Model)]
pub struct Artist {
    pub name: String,
}

/// Data written before ids were checked at commit could hold an id used in
/// two collections. `verify` reports it; each entity's history keeps to its
/// own collection, so reads stay correct.
#[tokio::test]
async fn verify_reports_an_id_used_in_two_collections() -> R {
    let dir = tempfile::tempdir()?;
    let (artist, album_event) = {
        let store = SledStore::open(dir.path(), models![Album, Artist]?)?;
        let mut tx = store.begin("alice");
        let artist = tx.create(Artist { name: "Miles".into() })?;
        tx.create(Album { name: "Kind of Blue".into(), year: 1959, notes: Text::from("") })?;
        let events = tx.commit().await?;
        store.close()?;
        (artist, events[1].id)
    };
    // As the old bug left it: an album event filed under the artist's id.
    with_raw(dir.path(), |db| {
        let mut key = artist.to_bytes().to_vec();
        key.extend(99u64.to_be_bytes());
        db.open_tree("entity_events")?.insert(key, &album_event.to_bytes()[..])?;
        Ok(())
    })?;
    let store = SledStore::open(dir.path(), models![Album, Artist]?)?;
    let report = store.verify().await?;
    let collision = report.differences.iter().find(|d| d.entity_id == Some(artist));
    assert!(
        collision.is_some_and(|d| d.collection == "artist" && d.problem.contains("collection `album`")),
        "verify names the collision: {report:?}"
    );
    assert_eq!(report.differences.len(), 1, "nothing else differs: {report:?}");
    let history = store.history("artist", artist).await?;
    assert_eq!(history.len(), 1, "the artist's history keeps to its collection");
    Ok(())
}
