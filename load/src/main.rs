//! `chronicle-load`: drives the Chronicle GraphQL server over keep-alive HTTP
//! on loopback and prints requests per second and latency percentiles.
//!
//! By default it starts the real server in-process (the `chronicle_api`
//! router on `axum::serve`, a `SledStore` in a temp directory, an HS256 secret
//! and a minted token) on 127.0.0.1:0, in its own tokio runtime; `--url`
//! targets a running server instead (loopback addresses only). It seeds a
//! catalogue, then runs each scenario for a bounded time with N concurrent
//! clients (closed loop), or at a fixed rate with `--rate` (open loop).
//! In-process, it first times the pieces of a request one by one (store
//! calls, JWT check, parsing, the router without a socket) to show where the
//! time goes.
//!
//! ```sh
//! cargo run --release -p chronicle-load -- --clients 1,8,32 --duration 5
//! cargo run --release -p chronicle-load -- --scenarios by-id --rate 1000 --duration 10
//! ```

use std::error::Error;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use chronicle_api::{AppConfig, Auth, AuthConfig, demo};
use chronicle_model::EntityId;
use chronicle_store::{Filter, Op, Query, Related, SledOptions, SledStore, Storage, SyncMode};
use clap::{Parser, ValueEnum};
use serde_json::{Value as Json, json};
use tower::ServiceExt as _;

type Fallible<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

#[derive(Parser, Debug)]
#[command(name = "chronicle-load", about = "Load-test a Chronicle GraphQL server on loopback")]
struct Cli {
    /// GraphQL endpoint of a running server, loopback only (e.g. http://127.0.0.1:8000/graphql).
    /// Without it, a server is started in-process on 127.0.0.1:0 with a temp data directory.
    #[arg(long)]
    url: Option<String>,
    /// Bearer token for `--url` (e.g. from `chronicle token`, or the dev token the server prints).
    #[arg(long, conflicts_with = "jwt_secret")]
    token: Option<String>,
    /// HS256 secret of the `--url` server: a token for user `load` is minted with it.
    #[arg(long)]
    jwt_secret: Option<String>,
    /// Concurrent clients (closed loop: each sends its next request when the last one answered).
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    clients: Vec<usize>,
    /// Scenarios to run, in this order.
    #[arg(long, value_delimiter = ',', default_value = "typename,by-id,page,create")]
    scenarios: Vec<Scenario>,
    /// Seconds each measurement runs (after the warm-up).
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Seconds of warm-up before each measurement (not counted).
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Open loop: send this many requests per second, whatever the answers, instead of N clients.
    #[arg(long)]
    rate: Option<f64>,
    /// Artists to seed.
    #[arg(long, default_value_t = 50)]
    artists: usize,
    /// Albums to seed (each by one of the artists; years 1960-2019).
    #[arg(long, default_value_t = 500)]
    albums: usize,
    /// Tracks to seed (spread evenly over the albums).
    #[arg(long, default_value_t = 5000)]
    tracks: usize,
    /// Use the albums and artists already on the `--url` server instead of seeding.
    #[arg(long)]
    skip_seed: bool,
    /// Durability of the in-process server's store.
    #[arg(long, value_enum, default_value = "always")]
    sync: SyncFlag,
    /// Skip the in-process breakdown of where a request's time goes.
    #[arg(long)]
    no_breakdown: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    /// `{ __typename }`: HTTP, auth, parse, validate, no resolver: the floor.
    Typename,
    /// `album(id:) { id name year }` for a random seeded album.
    ById,
    /// 50 albums (`year >= random`) with their artist and tracks.
    Page,
    /// `createAlbum`, committed with the store's sync mode (durable by default).
    Create,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum SyncFlag {
    Always,
    Batch,
    None,
}

const TYPENAME: &str = "{ __typename }";
const BY_ID: &str = "query($id: ID!) { album(id: $id) { id name year } }";
const PAGE: &str = "query($year: Int!) { albums(where: {year: {gte: $year}}, first: 50) \
                    { nodes { name artist { name } tracks { nodes { name } } } } }";
const CREATE: &str = "mutation($name: String!, $year: Int!, $artist: ID!) \
                      { createAlbum(input: {name: $name, year: $year, artistId: $artist}) { id } }";

/// Every request waits at most this long; every loop below is bounded by it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Open loop: requests in flight beyond this are counted as errors, not sent.
const MAX_IN_FLIGHT: usize = 1024;
const FIRST_YEAR: i32 = 1960;
const YEARS: i32 = 60;

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Typename => "typename",
            Scenario::ById => "by-id",
            Scenario::Page => "page",
            Scenario::Create => "create",
        }
    }

    fn body(self, data: &Seeded, rng: &mut fastrand::Rng) -> Vec<u8> {
        let pick = |ids: &[String], rng: &mut fastrand::Rng| ids[rng.usize(..ids.len())].clone();
        let request = match self {
            Scenario::Typename => json!({ "query": TYPENAME }),
            Scenario::ById => json!({ "query": BY_ID, "variables": { "id": pick(&data.albums, rng) } }),
            // At least half of the albums match, so every page is full.
            Scenario::Page => {
                json!({ "query": PAGE, "variables": { "year": FIRST_YEAR + rng.i32(0..YEARS / 2) } })
            }
            Scenario::Create => json!({
                "query": CREATE,
                "variables": {
                    "name": format!("Load {}", rng.u64(..)),
                    "year": FIRST_YEAR + rng.i32(0..YEARS),
                    "artist": pick(&data.artists, rng),
                }
            }),
        };
        request.to_string().into_bytes()
    }
}

/// Where requests go.
#[derive(Clone, Debug)]
struct Target {
    url: String,
    bearer: Option<String>,
}

/// Ids of the seeded catalogue.
#[derive(Debug, Default)]
struct Seeded {
    artists: Vec<String>,
    albums: Vec<String>,
}

/// Accepts only `http://` URLs on a loopback address; adds `/graphql` to a bare origin.
fn loopback_url(url: &str) -> Result<String, String> {
    let mut parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!("`{url}`: only http:// is supported"));
    }
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!("`{url}`: only loopback addresses (127.0.0.0/8, ::1, localhost) may be targeted"));
    }
    if parsed.path() == "/" || parsed.path().is_empty() {
        parsed.set_path("/graphql");
    }
    Ok(parsed.to_string())
}

/// The server started in-process, on its own runtime and thread.
struct InProcess {
    addr: SocketAddr,
    store: Arc<SledStore>,
    router: axum::Router,
    auth: Arc<Auth>,
    bearer: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: std::sync::mpsc::Receiver<()>,
    _dir: tempfile::TempDir,
}

impl InProcess {
    fn start(sync: SyncFlag) -> Fallible<Self> {
        let dir = tempfile::tempdir()?;
        let sync = match sync {
            SyncFlag::Always => SyncMode::Always,
            SyncFlag::Batch => SyncMode::BATCH,
            SyncFlag::None => SyncMode::None,
        };
        let store =
            Arc::new(SledStore::open_with(dir.path(), demo::catalogue()?, SledOptions { sync, ..Default::default() })?);
        let secret = format!("{:032x}", fastrand::u128(..));
        let config = AppConfig {
            auth: AuthConfig { secret: Some(secret.clone()), ..AuthConfig::default() },
            ..AppConfig::default()
        };
        let (router, auth) = chronicle_api::router(store.clone(), config)?;
        let token = chronicle_api::auth::mint(&secret, "load", 24 * 3600, None, None)?;

        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (shutdown, on_shutdown) = tokio::sync::oneshot::channel::<()>();
        let (stopped_tx, stopped) = std::sync::mpsc::channel();
        let app = router.clone();
        std::thread::Builder::new().name("chronicle-server".into()).spawn(move || {
            let result = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("chronicle-server")
                .build()
                .map_err(|e| e.to_string())
                .and_then(|rt| {
                    rt.block_on(async move {
                        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
                        axum::serve(listener, app)
                            .with_graceful_shutdown(async {
                                let _ = on_shutdown.await;
                            })
                            .await
                            .map_err(|e| e.to_string())
                    })
                });
            if let Err(e) = result {
                eprintln!("server error: {e}");
            }
            let _ = stopped_tx.send(());
        })?;
        Ok(Self {
            addr,
            store,
            router,
            auth,
            bearer: format!("Bearer {token}"),
            shutdown: Some(shutdown),
            stopped,
            _dir: dir,
        })
    }

    /// Stops the server (bounded wait) and flushes the store.
    async fn stop(mut self) -> Fallible {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        let stopped = tokio::task::spawn_blocking(move || (self.stopped.recv_timeout(REQUEST_TIMEOUT), self.store));
        let (waited, store) = stopped.await?;
        if waited.is_err() {
            eprintln!("note: the server did not stop within {REQUEST_TIMEOUT:?}");
        }
        store.flush().await?;
        Ok(())
    }
}

async fn send(client: &reqwest::Client, target: &Target, body: Vec<u8>) -> Result<Json, String> {
    let bytes = send_raw(client, target, body).await?;
    serde_json::from_slice(&bytes).map_err(|e| format!("response is not JSON: {e}"))
}

/// Sends one request; an HTTP error status or a GraphQL `errors` entry is an error.
async fn send_raw(client: &reqwest::Client, target: &Target, body: Vec<u8>) -> Result<axum::body::Bytes, String> {
    let mut request = client.post(&target.url).header("content-type", "application/json").body(body);
    if let Some(bearer) = &target.bearer {
        request = request.header("authorization", bearer);
    }
    let response = request.send().await.map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| format!("reading the response failed: {e}"))?;
    let has_errors = bytes.windows(9).any(|w| w == b"\"errors\"");
    if !status.is_success() || has_errors {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
        return Err(format!("HTTP {status}: {text}"));
    }
    Ok(bytes)
}

/// Creates the catalogue through GraphQL mutations, 100 per request.
async fn seed(client: &reqwest::Client, target: &Target, cli: &Cli) -> Fallible<Seeded> {
    async fn create_all(
        client: &reqwest::Client,
        target: &Target,
        count: usize,
        field: impl Fn(usize) -> String,
    ) -> Fallible<Vec<String>> {
        let mut ids = Vec::with_capacity(count);
        for start in (0..count).step_by(100) {
            let end = (start + 100).min(count);
            let fields: String = (start..end).map(|i| format!("m{i}: {} {{ id }} ", field(i))).collect();
            let data =
                send(client, target, json!({ "query": format!("mutation {{ {fields} }}") }).to_string().into()).await?;
            for i in start..end {
                let id = data["data"][format!("m{i}")]["id"].as_str().ok_or("a create returned no id")?;
                ids.push(id.to_owned());
            }
        }
        Ok(ids)
    }
    if cli.artists == 0 || cli.albums == 0 {
        return Err("seed at least one artist and one album".into());
    }
    let artists = create_all(client, target, cli.artists, |i| {
        format!(r#"createArtist(input: {{name: "Artist {i}", country: "NO"}})"#)
    })
    .await?;
    let albums = create_all(client, target, cli.albums, |i| {
        let year = FIRST_YEAR + (i as i32 * 7) % YEARS;
        let artist = &artists[i % artists.len()];
        format!(r#"createAlbum(input: {{name: "Album {i}", year: {year}, artistId: "{artist}"}})"#)
    })
    .await?;
    create_all(client, target, cli.tracks, |i| {
        let album = &albums[i % albums.len()];
        let position = i / albums.len() + 1;
        format!(r#"createTrack(input: {{name: "Track {i}", position: {position}, albumId: "{album}"}})"#)
    })
    .await?;
    Ok(Seeded { artists, albums })
}

/// Reads the first 500 albums and artists of the target.
async fn existing(client: &reqwest::Client, target: &Target) -> Fallible<Seeded> {
    let query = "{ albums(first: 500) { nodes { id } } artists(first: 500) { nodes { id } } }";
    let data = send(client, target, json!({ "query": query }).to_string().into()).await?;
    let ids = |list: &str| -> Vec<String> {
        data["data"][list]["nodes"]
            .as_array()
            .map(|nodes| nodes.iter().filter_map(|n| n["id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let seeded = Seeded { albums: ids("albums"), artists: ids("artists") };
    if seeded.albums.is_empty() || seeded.artists.is_empty() {
        return Err("--skip-seed: the server has no albums or no artists".into());
    }
    Ok(seeded)
}

/// What one measurement sends, and where.
struct Workload<'a> {
    client: &'a reqwest::Client,
    target: &'a Target,
    data: &'a Arc<Seeded>,
    scenario: Scenario,
}

/// One measurement: latencies of the successful requests, sorted.
struct Stats {
    scenario: String,
    clients: String,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
    /// Open loop: how late the sender was against the schedule (p99).
    send_lag_p99: Option<Duration>,
}

fn percentile(sorted: &[Duration], q: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn fmt_dur(d: Option<Duration>) -> String {
    match d {
        None => "-".into(),
        Some(d) if d < Duration::from_millis(1) => format!("{} µs", d.as_micros()),
        Some(d) if d < Duration::from_secs(1) => format!("{:.2} ms", d.as_secs_f64() * 1e3),
        Some(d) => format!("{:.2} s", d.as_secs_f64()),
    }
}

impl Stats {
    /// No requests yet, for `scenario` run as `clients` (a count or a rate).
    fn new(scenario: Scenario, clients: String) -> Self {
        Self {
            scenario: scenario.name().into(),
            clients,
            elapsed: Duration::ZERO,
            latencies: Vec::new(),
            errors: 0,
            first_error: None,
            send_lag_p99: None,
        }
    }

    /// Counts a failed request; the first error is kept for the notes.
    fn failed(&mut self, error: String) {
        self.errors += 1;
        self.first_error.get_or_insert(error);
    }

    fn row(&self) -> String {
        let requests = self.latencies.len() + self.errors;
        let rps = self.latencies.len() as f64 / self.elapsed.as_secs_f64();
        format!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            self.scenario,
            self.clients,
            requests,
            rps,
            fmt_dur(percentile(&self.latencies, 0.50)),
            fmt_dur(percentile(&self.latencies, 0.99)),
            fmt_dur(self.latencies.last().copied()),
            self.errors,
        )
    }
}

const HEADER: &str =
    "| scenario | clients | requests | rps | p50 | p99 | max | errors |\n|---|---|---|---|---|---|---|---|";

/// N clients, each sending its next request as soon as the last one answered, until `duration` is over.
async fn closed_loop(workload: &Workload<'_>, clients: usize, duration: Duration) -> Stats {
    let Workload { client, target, data, scenario } = *workload;
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, target, data) = (client.clone(), target.clone(), data.clone());
            tokio::spawn(async move {
                let mut rng = fastrand::Rng::with_seed(fastrand::u64(..) ^ c as u64);
                let (mut latencies, mut errors, mut first_error) = (Vec::new(), 0, None);
                while Instant::now() < deadline {
                    let body = scenario.body(&data, &mut rng);
                    let sent = Instant::now();
                    match send_raw(&client, &target, body).await {
                        Ok(_) => latencies.push(sent.elapsed()),
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                (latencies, errors, first_error)
            })
        })
        .collect();
    let mut stats = Stats::new(scenario, clients.to_string());
    for task in tasks {
        match task.await {
            Ok((latencies, errors, first_error)) => {
                stats.latencies.extend(latencies);
                stats.errors += errors;
                stats.first_error = stats.first_error.or(first_error);
            }
            Err(e) => stats.failed(format!("client task failed: {e}")),
        }
    }
    stats.elapsed = started.elapsed();
    stats.latencies.sort_unstable();
    stats
}

/// Sends `rate` requests per second on a fixed schedule for `duration`,
/// each on its own task, whether or not earlier ones have answered.
async fn open_loop(workload: &Workload<'_>, rate: f64, duration: Duration) -> Stats {
    let Workload { client, target, data, scenario } = *workload;
    let period = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut rng = fastrand::Rng::new();
    let mut tasks = tokio::task::JoinSet::new();
    let mut lags = Vec::with_capacity(total as usize);
    let mut refused = 0;
    for i in 0..total {
        let due = started + period.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        lags.push(due.elapsed());
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            refused += 1;
            continue;
        };
        let (client, target) = (client.clone(), target.clone());
        let body = scenario.body(data, &mut rng);
        tasks.spawn(async move {
            let sent = Instant::now();
            let result = send_raw(&client, &target, body).await.map(|_| sent.elapsed());
            drop(permit);
            result
        });
    }
    let mut stats = Stats::new(scenario, format!("rate {rate:.0}/s"));
    stats.latencies.reserve(total as usize);
    stats.errors = refused;
    stats.first_error = (refused > 0).then(|| format!("{refused} requests not sent: {MAX_IN_FLIGHT} in flight"));
    let drain = async {
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(latency)) => stats.latencies.push(latency),
                Ok(Err(e)) => stats.failed(e),
                Err(e) => stats.failed(format!("request task failed: {e}")),
            }
        }
    };
    if tokio::time::timeout(REQUEST_TIMEOUT + Duration::from_secs(1), drain).await.is_err() {
        stats.errors += tasks.len();
        tasks.abort_all();
    }
    stats.elapsed = started.elapsed();
    stats.latencies.sort_unstable();
    lags.sort_unstable();
    stats.send_lag_p99 = percentile(&lags, 0.99);
    stats
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// What [`Steps::time`] measured: (calls, mean, p50, p99).
type Timing = (usize, Duration, Duration, Duration);

/// The rows of the breakdown: each step timed sequentially, for up to
/// `budget` or its own number of calls.
struct Steps {
    budget: Duration,
    rows: Vec<(&'static str, Timing)>,
}

impl Steps {
    /// Times `f` for up to `max` calls and adds the row `name`; what a call
    /// returns is dropped (inside the timing), an error ends the breakdown.
    async fn time<F, Fut, T, E>(&mut self, name: &'static str, max: usize, mut f: F) -> Fallible
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
        E: Into<Box<dyn Error + Send + Sync>>,
    {
        let mut samples = Vec::new();
        let started = Instant::now();
        while samples.len() < max && started.elapsed() < self.budget {
            let t = Instant::now();
            f().await.map_err(Into::into)?;
            samples.push(t.elapsed());
        }
        let total: Duration = samples.iter().sum();
        let mean = total / samples.len().max(1) as u32;
        samples.sort_unstable();
        let p = |q| percentile(&samples, q).unwrap_or_default();
        self.rows.push((name, (samples.len(), mean, p(0.5), p(0.99))));
        Ok(())
    }
}

/// Sends one request body through the router, without a socket; an error
/// status or a GraphQL `errors` entry is an error.
async fn route(router: axum::Router, bearer: String, body: Vec<u8>) -> Fallible {
    let request = axum::http::Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", bearer)
        .body(Body::from(body))?;
    let response = router.oneshot(request).await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    if !status.is_success() || bytes.windows(9).any(|w| w == b"\"errors\"") {
        return Err(String::from_utf8_lossy(&bytes).into_owned().into());
    }
    Ok(())
}

/// Times the pieces of a request one by one, single-threaded, to show where the time goes.
async fn breakdown(server: &InProcess, client: &reqwest::Client, target: &Target, data: &Seeded) -> Fallible {
    let store: &SledStore = &server.store;
    let album = |i: usize| -> Fallible<EntityId> { Ok(data.albums[i % data.albums.len()].parse()?) };
    let page_query = Query {
        filter: Some(Filter::field("year", Op::Gte((FIRST_YEAR + YEARS / 4).into()))),
        first: Some(50),
        count: false,
        ..Query::default()
    };
    let page = store.query("album", &page_query).await?;
    let page_ids: Vec<EntityId> = page.items.iter().map(|s| s.id).collect();
    let artist_field = store.models().get("album")?.require_field("artist")?.clone();
    let artist_ids: Vec<EntityId> = page
        .items
        .iter()
        .filter_map(|s| match s.value(&artist_field) {
            chronicle_model::Value::Ref(id) => Some(id),
            _ => None,
        })
        .collect();
    let uncounted = Query { count: false, ..Query::default() };
    let mut steps = Steps { budget: Duration::from_secs(2), rows: Vec::new() };

    let mut i = 0;
    steps
        .time("store.get: one album", 20_000, || {
            i += 1;
            let id = album(i);
            async move { Fallible::Ok(store.get("album", id?).await?) }
        })
        .await?;
    steps.time("store.query: page of 50 albums (year >=)", 2_000, || store.query("album", &page_query)).await?;
    steps.time("store.get_many: the page's 50 artists", 5_000, || store.get_many("artist", &artist_ids)).await?;
    let tracks = Related { collection: "track", field: "album", targets: &page_ids };
    steps.time("store.query_related: the page's tracks", 2_000, || store.query_related(&tracks, &uncounted)).await?;
    steps
        .time("JWT check (HS256)", 20_000, || async {
            server.auth.verify_header(&server.bearer).map_err(|e| e.message)
        })
        .await?;
    for (name, query) in [("parse only: typename", TYPENAME), ("parse only: by-id", BY_ID), ("parse only: page", PAGE)]
    {
        steps.time(name, 20_000, || async { async_graphql::parser::parse_query(query) }).await?;
    }
    let mut rng = fastrand::Rng::with_seed(7);
    for (name, scenario) in [
        ("router, no socket: typename", Scenario::Typename),
        ("router, no socket: by-id", Scenario::ById),
        ("router, no socket: page", Scenario::Page),
    ] {
        steps
            .time(name, 20_000, || route(server.router.clone(), server.bearer.clone(), scenario.body(data, &mut rng)))
            .await?;
    }
    for (name, scenario) in [
        ("HTTP on loopback, 1 client: typename", Scenario::Typename),
        ("HTTP on loopback, 1 client: by-id", Scenario::ById),
        ("HTTP on loopback, 1 client: page", Scenario::Page),
    ] {
        steps.time(name, 20_000, || send_raw(client, target, scenario.body(data, &mut rng))).await?;
    }

    println!("\n### Where the time goes (one task, sequential; load average {})\n", load_average());
    println!("| step | calls | mean | p50 | p99 |\n|---|---|---|---|---|");
    for (name, (n, mean, p50, p99)) in steps.rows {
        println!("| {name} | {n} | {} | {} | {} |", fmt_dur(Some(mean)), fmt_dur(Some(p50)), fmt_dur(Some(p99)));
    }
    Ok(())
}

async fn run(cli: Cli) -> Fallible {
    if cli.clients.is_empty() || cli.clients.contains(&0) || cli.duration <= 0.0 || cli.warmup < 0.0 {
        return Err("--clients must be positive counts and --duration positive".into());
    }
    if cli.rate.is_some_and(|r| !(r > 0.0 && r <= 100_000.0)) {
        return Err("--rate must be between 0 and 100000 requests per second".into());
    }
    let (target, server) = match &cli.url {
        Some(url) => {
            let bearer = match (&cli.token, &cli.jwt_secret) {
                (Some(t), _) => Some(format!("Bearer {t}")),
                (None, Some(secret)) => {
                    Some(format!("Bearer {}", chronicle_api::auth::mint(secret, "load", 24 * 3600, None, None)?))
                }
                (None, None) => None,
            };
            (Target { url: loopback_url(url)?, bearer }, None)
        }
        None => {
            let server = InProcess::start(cli.sync)?;
            let target = Target { url: format!("http://{}/graphql", server.addr), bearer: Some(server.bearer.clone()) };
            (target, Some(server))
        }
    };
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(MAX_IN_FLIGHT)
        .build()?;

    println!("# chronicle-load");
    println!(
        "target: {} ({}), {} cores, load average {}",
        target.url,
        if server.is_some() { "in-process server, temp sled store" } else { "running server" },
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        load_average()
    );
    let seeding = Instant::now();
    let data = if cli.skip_seed && server.is_none() {
        existing(&client, &target).await?
    } else {
        seed(&client, &target, &cli).await?
    };
    println!(
        "seeded {} artists, {} albums, {} tracks in {:.1?}",
        data.artists.len(),
        data.albums.len(),
        if cli.skip_seed { 0 } else { cli.tracks },
        seeding.elapsed()
    );
    let data = Arc::new(data);

    if let Some(server) = &server
        && !cli.no_breakdown
    {
        breakdown(server, &client, &target, &data).await?;
    }

    let duration = Duration::from_secs_f64(cli.duration);
    let warmup = Duration::from_secs_f64(cli.warmup);
    println!("\n### Load ({} s per row after {} s warm-up)\n", cli.duration, cli.warmup);
    println!("{HEADER}");
    let mut notes = Vec::new();
    for &scenario in &cli.scenarios {
        let workload = Workload { client: &client, target: &target, data: &data, scenario };
        let runs: Vec<Option<usize>> = match cli.rate {
            Some(_) => vec![None],
            None => cli.clients.iter().copied().map(Some).collect(),
        };
        for clients in runs {
            let load_before = load_average();
            let stats = match (clients, cli.rate) {
                (Some(n), _) => {
                    if !warmup.is_zero() {
                        closed_loop(&workload, n, warmup).await;
                    }
                    closed_loop(&workload, n, duration).await
                }
                (None, Some(rate)) => {
                    if !warmup.is_zero() {
                        open_loop(&workload, rate, warmup).await;
                    }
                    open_loop(&workload, rate, duration).await
                }
                (None, None) => unreachable!("closed loop runs have a client count"),
            };
            println!("{}", stats.row());
            notes.push(format!(
                "{} / {}: load average {} before, {} after{}{}",
                stats.scenario,
                stats.clients,
                load_before,
                load_average(),
                stats.send_lag_p99.map(|l| format!("; sender lag p99 {}", fmt_dur(Some(l)))).unwrap_or_default(),
                stats.first_error.as_ref().map(|e| format!("; first error: {e}")).unwrap_or_default(),
            ));
        }
    }
    println!();
    for note in notes {
        println!("- {note}");
    }
    drop(client);
    if let Some(server) = server {
        server.stop().await?;
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("chronicle-load")
        .build()
        .map_err(Into::into)
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls() {
        assert_eq!(loopback_url("http://127.0.0.1:8000").as_deref(), Ok("http://127.0.0.1:8000/graphql"));
        assert!(loopback_url("http://localhost:8000/graphql").is_ok());
        assert!(loopback_url("http://[::1]:8000/graphql").is_ok());
        assert!(loopback_url("http://10.0.0.1:8000/graphql").is_err());
        assert!(loopback_url("http://example.com/graphql").is_err());
        assert!(loopback_url("https://127.0.0.1/graphql").is_err());
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 0.5), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 0.99), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
