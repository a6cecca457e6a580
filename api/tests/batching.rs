//! Relations are batched: a page of albums with their artist and tracks costs
//! a bounded number of store reads, the same for 10 albums as for 50.
//!
//! The router runs in-process on a loopback port over a store that delegates
//! to a real `SledStore` and counts every call per `Storage` method.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chronicle_api::{AppConfig, demo};
use chronicle_model::{
    Batch, EntityId, EntityState, EventId, ModelError, Models, Outcome, Scope, StagingReads, StateReader, StoredEvent,
    Subscription,
};
use chronicle_store::{AuditQuery, ExpectedHeads, Page, Query, Related, SledStore, Storage, StoreError, VerifyReport};
use serde_json::{Value as Json, json};
use support::R;

mod support;

/// A `Storage` that delegates to a `SledStore` and counts calls per method.
struct Counting {
    inner: SledStore,
    calls: Mutex<BTreeMap<&'static str, usize>>,
}

impl Counting {
    fn count(&self, method: &'static str) {
        *self.calls.lock().unwrap_or_else(|p| p.into_inner()).entry(method).or_default() += 1;
    }

    fn take(&self) -> BTreeMap<&'static str, usize> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl StateReader for Counting {
    fn read_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ModelError> {
        Ok(self.entity_state(collection, id)?)
    }
}

impl StagingReads for Counting {
    fn entity_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
        self.count("read_state");
        self.inner.entity_state(collection, id)
    }

    fn event_depth(&self, id: EventId) -> Result<Option<(EntityId, u64)>, StoreError> {
        self.count("event_depth");
        self.inner.event_depth(id)
    }

    fn entity_owner(&self, id: EntityId) -> Result<Option<String>, StoreError> {
        self.count("entity_owner");
        self.inner.entity_owner(id)
    }
}

#[async_trait]
impl Storage for Counting {
    fn models(&self) -> &Models {
        self.inner.models()
    }

    fn reads(&self) -> &dyn StagingReads {
        self
    }

    async fn write(&self, batch: Batch, expected: &[ExpectedHeads]) -> Result<Vec<Outcome>, StoreError> {
        self.count("write");
        self.inner.write(batch, expected).await
    }

    async fn get(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
        self.count("get");
        self.inner.get(collection, id).await
    }

    async fn get_many(&self, collection: &str, ids: &[EntityId]) -> Result<Vec<Option<EntityState>>, StoreError> {
        self.count("get_many");
        self.inner.get_many(collection, ids).await
    }

    async fn query(&self, collection: &str, query: &Query) -> Result<Page, StoreError> {
        self.count("query");
        self.inner.query(collection, query).await
    }

    async fn query_related(&self, related: &Related<'_>, query: &Query) -> Result<Vec<Page>, StoreError> {
        self.count("query_related");
        self.inner.query_related(related, query).await
    }

    async fn event(&self, id: EventId) -> Result<Option<StoredEvent>, StoreError> {
        self.count("event");
        self.inner.event(id).await
    }

    async fn history(&self, collection: &str, entity: EntityId) -> Result<Vec<StoredEvent>, StoreError> {
        self.count("history");
        self.inner.history(collection, entity).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError> {
        self.count("audit");
        self.inner.audit(query).await
    }

    async fn events_after(&self, seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.count("events_after");
        self.inner.events_after(seq, limit).await
    }

    fn last_seq(&self) -> u64 {
        self.inner.last_seq()
    }

    fn subscribe(&self, scope: Scope) -> Subscription {
        self.count("subscribe");
        self.inner.subscribe(scope)
    }

    fn feed_index_size(&self) -> usize {
        self.inner.feed_index_size()
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.count("verify");
        self.inner.verify().await
    }

    fn size_on_disk(&self) -> Option<u64> {
        self.inner.size_on_disk()
    }

    async fn flush(&self) -> Result<(), StoreError> {
        self.inner.flush().await
    }
}

struct Server {
    addr: SocketAddr,
    store: Arc<Counting>,
    _dir: tempfile::TempDir,
}

async fn start() -> R<Server> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Counting { inner: SledStore::open(dir.path(), demo::catalogue()?)?, calls: Mutex::default() });
    let addr = support::serve(store.clone(), AppConfig::default()).await?;
    Ok(Server { addr, store, _dir: dir })
}

/// POSTs a GraphQL request; returns `data`.
async fn post(addr: SocketAddr, query: &str) -> R<Json> {
    support::post(addr, "batcher", query, json!({})).await
}

/// Runs `field(i)` for every `i` as aliased mutation fields of one request; returns the created ids.
async fn create_all(addr: SocketAddr, count: usize, field: impl Fn(usize) -> String) -> R<Vec<String>> {
    let fields: String = (0..count).map(|i| format!("m{i}: {} {{ id }} ", field(i))).collect();
    let data = post(addr, &format!("mutation {{ {fields} }}")).await?;
    (0..count).map(|i| Ok(data[format!("m{i}")]["id"].as_str().ok_or("a create returned no id")?.to_owned())).collect()
}

const PAGE: &str = "{ albums(where: {year: {gte: 1990}}, first: 50) \
                    { nodes { name artist { name } tracks { nodes { name } } } } }";

/// Seeds `albums` albums, each with its own artist and 3 tracks, runs the
/// page query once and returns the store calls it made.
async fn page_reads(albums: usize) -> R<BTreeMap<&'static str, usize>> {
    let server = start().await?;
    let addr = server.addr;
    let artists = create_all(addr, albums, |i| format!(r#"createArtist(input: {{name: "Artist {i}"}})"#)).await?;
    let album_ids = create_all(addr, albums, |i| {
        format!(r#"createAlbum(input: {{name: "Album {i}", year: {}, artistId: "{}"}})"#, 1990 + i % 20, artists[i])
    })
    .await?;
    create_all(addr, albums * 3, |i| {
        format!(
            r#"createTrack(input: {{name: "Track {}-{}", position: {}, albumId: "{}"}})"#,
            i / 3,
            i % 3,
            i % 3 + 1,
            album_ids[i / 3]
        )
    })
    .await?;

    server.store.take();
    let data = post(addr, PAGE).await?;
    let calls = server.store.take();

    let nodes = data["albums"]["nodes"].as_array().ok_or("no album nodes")?;
    assert_eq!(nodes.len(), albums, "the page holds every album");
    for node in nodes {
        let name = node["name"].as_str().ok_or("album without a name")?;
        let i: usize = name.trim_start_matches("Album ").parse()?;
        assert_eq!(node["artist"]["name"], json!(format!("Artist {i}")), "{name}'s artist");
        let tracks: Vec<&str> = node["tracks"]["nodes"]
            .as_array()
            .ok_or("no track nodes")?
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        let mut expected: Vec<String> = (0..3).map(|k| format!("Track {i}-{k}")).collect();
        let mut got: Vec<String> = tracks.iter().map(|t| (*t).to_owned()).collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "{name}'s tracks");
    }
    Ok(calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_albums_with_artist_and_tracks_costs_a_bounded_number_of_reads() -> R {
    let fifty = page_reads(50).await?;
    eprintln!("store calls for a page of 50 albums: {fifty:?}");
    let get = |calls: &BTreeMap<&str, usize>, m: &str| calls.get(m).copied().unwrap_or(0);
    assert_eq!(get(&fifty, "query"), 1, "one query for the page: {fifty:?}");
    assert!((1..=2).contains(&get(&fifty, "get_many")), "the 50 artists are loaded in one or two batches: {fifty:?}");
    assert!(
        (1..=2).contains(&get(&fifty, "query_related")),
        "the tracks of 50 albums are loaded in one or two batches: {fifty:?}"
    );
    for unbatched in ["get", "read_state", "history", "event"] {
        assert_eq!(get(&fifty, unbatched), 0, "no per-item `{unbatched}`: {fifty:?}");
    }
    let total: usize = fifty.values().sum();
    assert!(total <= 5, "at most 5 store calls for the page: {fifty:?}");

    let ten = page_reads(10).await?;
    assert_eq!(ten, fifty, "the page costs the same store calls for 10 albums as for 50");
    Ok(())
}
