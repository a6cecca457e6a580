//! `chronicle-fanout`: commit-to-delivery latency of subscriptions with many
//! WebSocket subscribers, and server memory per idle subscription.
//!
//! It starts the real `chronicle` binary as a child process on loopback (so
//! its memory can be read from /proc), opens subscribers over
//! `graphql-transport-ws` (several subscriptions per connection, to stay
//! within the file-descriptor limit), and times each delivery from the
//! moment the writer sent the mutation. Signals go out before the commit's
//! flush, so the figure is parse + merge + write + fan-out + delivery.
//!
//! ```sh
//! cargo build --release -p chronicle-api -p chronicle-load
//! target/release/chronicle-fanout --subscribers 1000,10000
//! ```

use std::error::Error;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

use chronicle_load::ChildServer;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Fallible<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

const SECRET: &str = "fanout-benchmark-secret";

#[derive(Parser, Debug)]
#[command(name = "chronicle-fanout", about = "Subscription fan-out latency and memory on loopback")]
struct Cli {
    /// Subscriber counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    subscribers: Vec<usize>,
    /// Subscriptions per WebSocket connection.
    #[arg(long, default_value_t = 10)]
    per_connection: usize,
    /// Updates per scenario.
    #[arg(long, default_value_t = 30)]
    updates: usize,
    /// Pause between updates, in milliseconds.
    #[arg(long, default_value_t = 200)]
    interval_ms: u64,
    /// Subscribers per entity in the many-entities scenario.
    #[arg(long, default_value_t = 2)]
    per_entity: usize,
    /// The `chronicle` binary (default: next to this one).
    #[arg(long)]
    bin: Option<PathBuf>,
}

fn start(bin: &Path) -> Fallible<ChildServer> {
    ChildServer::start(bin, SECRET, &[])
}

fn token(user: &str) -> String {
    chronicle_api::auth::mint(SECRET, user, 3600, None, None).unwrap_or_default()
}

async fn post(http: &reqwest::Client, addr: SocketAddr, query: &str, variables: Json) -> Fallible<Json> {
    let body: Json = http
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token("writer"))
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await?
        .json()
        .await?;
    if let Some(e) = body.get("errors") {
        return Err(format!("GraphQL errors: {e}").into());
    }
    Ok(body["data"].clone())
}

/// One delivery: the update's number, when it arrived, and which subscription got it.
type Delivery = (usize, Instant, usize);

/// Opens one connection with `subs` subscriptions (id, query) and forwards
/// every `next` as a delivery; returns once all are acknowledged.
async fn subscriber(
    addr: SocketAddr,
    first_sub: usize,
    subs: Vec<String>,
    out: mpsc::UnboundedSender<Delivery>,
) -> Fallible<tokio::task::JoinHandle<()>> {
    let mut request = format!("ws://{addr}/graphql").into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", token("reader"))}});
    ws.send(Message::text(init.to_string())).await?;
    match ws.next().await {
        Some(Ok(Message::Text(t))) if t.as_str().contains("connection_ack") => {}
        other => return Err(format!("no connection_ack: {other:?}").into()),
    }
    for (i, query) in subs.iter().enumerate() {
        let msg = json!({"type": "subscribe", "id": i.to_string(), "payload": {"query": query}});
        ws.send(Message::text(msg.to_string())).await?;
    }
    Ok(tokio::spawn(async move {
        while let Some(Ok(msg)) = ws.next().await {
            let Message::Text(t) = msg else { continue };
            let now = Instant::now();
            let t = t.as_str();
            // Scanning for the two numbers instead of parsing the JSON keeps the
            // client's share of the two cores small.
            if t.starts_with(r#"{"type":"next""#) {
                if let (Some(sub), Some(year)) = (number_after(t, r#""id":""#), number_after(t, r#""year":"#)) {
                    let _ = out.send((year, now, first_sub + sub));
                }
            } else if t.contains(r#""type":"ping""#) {
                let _ = ws.send(Message::text(json!({"type": "pong"}).to_string())).await;
            }
        }
    }))
}

/// The decimal number right after the first `marker` in `text`.
fn number_after(text: &str, marker: &str) -> Option<usize> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Row {
    scenario: String,
    subscribers: usize,
    delivered: usize,
    expected: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    rss_per_sub: f64,
}

/// Sends `updates` year changes to `targets` (round robin), timing each
/// delivery from its send, and waits for every expected delivery.
async fn measure(
    addr: SocketAddr,
    http: &reqwest::Client,
    targets: &[String],
    updates: usize,
    per_update: usize,
    interval: Duration,
    rx: &mut mpsc::UnboundedReceiver<Delivery>,
) -> Fallible<(Vec<Duration>, usize)> {
    let mut sent: Vec<Instant> = Vec::with_capacity(updates);
    let mut latencies = Vec::with_capacity(updates * per_update);
    let expected = updates * per_update;
    let update = "mutation($id: ID!, $y: Int!) { updateAlbum(id: $id, input: {year: $y}) { id } }";
    for n in 0..updates {
        // Years below 10,000 are the warm-up's; measured updates are numbered from 10,000.
        let year = 10_000 + n;
        sent.push(Instant::now());
        post(http, addr, update, json!({"id": targets[n % targets.len()], "y": year})).await?;
        while let Ok((y, at, _)) = rx.try_recv() {
            if let Some(t) = y.checked_sub(10_000).and_then(|i| sent.get(i)) {
                latencies.push(at.duration_since(*t));
            }
        }
        tokio::time::sleep(interval).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while latencies.len() < expected && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), rx.recv()).await {
            Ok(Some((y, at, _))) => {
                if let Some(t) = y.checked_sub(10_000).and_then(|i| sent.get(i)) {
                    latencies.push(at.duration_since(*t));
                }
            }
            Ok(None) => break,
            Err(_) => {}
        }
    }
    let delivered = latencies.len();
    latencies.sort();
    Ok((latencies, delivered))
}

async fn scenario(cli: &Cli, bin: &Path, n: usize, many: bool) -> Fallible<Row> {
    let server = start(bin)?;
    let addr = server.addr;
    let http = reqwest::Client::new();
    let artist =
        post(&http, addr, "mutation { createArtist(input: {name: \"Fan\"}) { id } }", json!({})).await?["createArtist"]
            ["id"]
            .as_str()
            .ok_or("no artist id")?
            .to_owned();
    let entities = if many { (n / cli.per_entity).max(1) } else { 1 };
    let mut ids = Vec::with_capacity(entities);
    for chunk in (0..entities).collect::<Vec<_>>().chunks(100) {
        let fields: Vec<String> = chunk
            .iter()
            .map(|i| format!("a{i}: createAlbum(input: {{name: \"A{i}\", year: 1, artistId: \"{artist}\"}}) {{ id }}"))
            .collect();
        let data = post(&http, addr, &format!("mutation {{ {} }}", fields.join(" ")), json!({})).await?;
        for i in chunk {
            ids.push(data[format!("a{i}")]["id"].as_str().ok_or("no album id")?.to_owned());
        }
    }
    let rss_before = server.rss_kib();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let queries: Vec<String> = (0..n)
        .map(|i| format!("subscription {{ albumChanged(id: \"{}\") {{ kind album {{ year }} }} }}", ids[i % ids.len()]))
        .collect();
    let mut readers = Vec::new();
    let per = cli.per_connection.max(1);
    for (c, chunk) in queries.chunks(per).enumerate() {
        readers.push(subscriber(addr, c * per, chunk.to_vec(), tx.clone()).await?);
    }
    drop(tx);
    // Warm-up: update every entity until every subscription has seen a change
    // (a subscription starts listening a moment after its `subscribe`).
    let update = "mutation($id: ID!, $y: Int!) { updateAlbum(id: $id, input: {year: $y}) { id } }";
    let mut seen = vec![false; n];
    let mut warm = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while warm < n && Instant::now() < deadline {
        for id in &ids {
            post(&http, addr, update, json!({"id": id, "y": 2})).await?;
        }
        let round = Instant::now() + Duration::from_secs(2);
        while warm < n && Instant::now() < round {
            if let Ok(Some((_, _, sub))) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
                && let Some(s) = seen.get_mut(sub)
                && !*s
            {
                *s = true;
                warm += 1;
            }
        }
    }
    while rx.try_recv().is_ok() {}
    if warm < n {
        return Err(format!("only {warm} of {n} subscribers answered the warm-up").into());
    }
    let rss_after = server.rss_kib();
    let per_update = if many { cli.per_entity } else { n };
    let (latencies, delivered) =
        measure(addr, &http, &ids, cli.updates, per_update, Duration::from_millis(cli.interval_ms), &mut rx).await?;
    for r in readers {
        r.abort();
    }
    Ok(Row {
        scenario: if many {
            format!("{entities} entities x {} subscribers", cli.per_entity)
        } else {
            "1 entity, all subscribers".into()
        },
        subscribers: n,
        delivered,
        expected: cli.updates * per_update,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
        rss_per_sub: (rss_after.saturating_sub(rss_before) as f64 * 1024.0) / n as f64,
    })
}

#[tokio::main]
async fn main() -> Fallible {
    let cli = Cli::parse();
    let bin = match &cli.bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?.with_file_name("chronicle"),
    };
    let mut rows = Vec::new();
    for &n in &cli.subscribers {
        for many in [false, true] {
            eprintln!("measuring {n} subscribers, {} ...", if many { "many entities" } else { "one entity" });
            rows.push(scenario(&cli, &bin, n, many).await?);
        }
    }
    println!("| scenario | subscribers | delivered | p50 | p99 | max | server RSS per subscription |");
    println!("|---|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {}/{} | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} B |",
            r.scenario,
            r.subscribers,
            r.delivered,
            r.expected,
            r.p50.as_secs_f64() * 1e3,
            r.p99.as_secs_f64() * 1e3,
            r.max.as_secs_f64() * 1e3,
            r.rss_per_sub
        );
    }
    Ok(())
}
