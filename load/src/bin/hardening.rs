//! `chronicle-hardening`: what hostile requests cost the real server.
//!
//! Starts the `chronicle` binary (release build by default) on a free
//! loopback port with a temporary data directory, seeds it, then
//!
//! 1. sends each hostile request of the hardening issue `--repeat` times and
//!    prints how fast it is refused, with what code, and the server's
//!    resident memory before and after;
//! 2. runs `--heavy` clients that send, in a loop, the largest requests the
//!    default limits accept, while one light client alternates `GET /healthz`
//!    and a query by id, and prints the light client's latency percentiles;
//! 3. subscribes and completes `--cycles` subscriptions over one WebSocket,
//!    each on a new entity id, and prints the change feed's index size
//!    (`/metrics`) and the server's memory before and after.
//!
//! ```sh
//! cargo build --release -p chronicle-api -p chronicle-load
//! target/release/chronicle-hardening --duration 20
//! ```

use std::error::Error;
use std::path::PathBuf;

use std::time::{Duration, Instant};

use chronicle_load::ChildServer;
use chronicle_tests::hostile::{counted_aliases, deep_and_query, deep_value_query, fragment_bomb, nested_lists};
use clap::Parser;
use serde_json::{Value, json};

type Fallible<T = ()> = Result<T, Box<dyn Error + Send + Sync>>;

#[derive(Parser, Debug)]
#[command(name = "chronicle-hardening", about = "Measure hostile requests against the chronicle binary on loopback")]
struct Cli {
    /// The server binary.
    #[arg(long, default_value = "target/release/chronicle")]
    bin: PathBuf,
    /// Times each hostile request is sent.
    #[arg(long, default_value_t = 20)]
    repeat: usize,
    /// Seconds the heavy load runs.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Clients sending the largest accepted requests.
    #[arg(long, default_value_t = 4)]
    heavy: usize,
    /// Subscribe/complete cycles over one WebSocket, each on a new entity id.
    #[arg(long, default_value_t = 100_000)]
    cycles: usize,
}

struct Client {
    http: reqwest::Client,
    url: String,
    bearer: String,
}

impl Client {
    async fn post(&self, query: &str, variables: Value) -> Fallible<Value> {
        let body = json!({ "query": query, "variables": variables });
        let r = self
            .http
            .post(format!("{}/graphql", self.url))
            .header("Authorization", &self.bearer)
            .json(&body)
            .send()
            .await?;
        Ok(r.json().await?)
    }

    async fn data(&self, query: &str, variables: Value) -> Fallible<Value> {
        let body = self.post(query, variables).await?;
        if let Some(errors) = body.get("errors") {
            return Err(format!("{query}: {errors}").into());
        }
        Ok(body["data"].clone())
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn code(body: &Value) -> String {
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => code.to_owned(),
        None => "(answered)".to_owned(),
    }
}

/// Alternates `GET /healthz` and a query by id for `span`; returns both
/// latency lists, sorted.
async fn light(
    http: &reqwest::Client,
    client: &Client,
    url: &str,
    album: &str,
    span: Duration,
) -> Fallible<[Vec<Duration>; 2]> {
    let stop = Instant::now() + span;
    let (mut health, mut by_id) = (Vec::new(), Vec::new());
    while Instant::now() < stop {
        let started = Instant::now();
        http.get(format!("{url}/healthz")).send().await?.bytes().await?;
        health.push(started.elapsed());
        let started = Instant::now();
        client.data("query($id: ID!) { album(id: $id) { name artist { name } } }", json!({ "id": album })).await?;
        by_id.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    health.sort();
    by_id.sort();
    Ok([health, by_id])
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> Fallible {
    let cli = Cli::parse();
    let secret = format!("{:032x}", fastrand::u128(..));
    let server = ChildServer::start(&cli.bin, &secret, &["--sync", "batch"])?;
    let url = server.url();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{}/healthz", url)).send().await.is_err() {
        if Instant::now() > deadline {
            return Err("the server did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = chronicle_api::auth::mint(&secret, "bench", 3600, None, None)?;
    let client = Client { http: http.clone(), url: url.clone(), bearer: format!("Bearer {token}") };

    // Seed: 800 artists, one of them with 30 albums (the issue's repros).
    let mut artist = String::new();
    for chunk in 0..8 {
        let fields: String = (0..100)
            .map(|i| format!("a{i}: createArtist(input: {{ name: \"artist {chunk}-{i}\" }}) {{ id }} "))
            .collect();
        let d = client.data(&format!("mutation {{ {fields} }}"), json!({})).await?;
        artist = d["a0"]["id"].as_str().unwrap_or_default().to_owned();
    }
    let albums: String = (0..30)
        .map(|i| {
            format!(
                "b{i}: createAlbum(input: {{ name: \"album {i}\", year: {}, artistId: \"{artist}\" }}) {{ id }} ",
                1960 + i
            )
        })
        .collect();
    let d = client.data(&format!("mutation {{ {albums} }}"), json!({})).await?;
    let album = d["b0"]["id"].as_str().unwrap_or_default().to_owned();

    println!("## Hostile requests ({} each, sequential)\n", cli.repeat);
    // The baseline in the same run: a trivial query, answered.
    let mut baseline = Vec::with_capacity(cli.repeat);
    for _ in 0..cli.repeat {
        let started = Instant::now();
        client.data("{ me { userId } }", json!({})).await?;
        baseline.push(started.elapsed());
    }
    baseline.sort();
    let base = percentile(&baseline, 0.5);
    println!("| request | bytes | answer | median ms | max ms | median / `{{ me {{ userId }} }}` |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| `{{ me {{ userId }} }}` (baseline) | 19 | (answered) | {} | {} | 1.0 |",
        ms(base),
        ms(percentile(&baseline, 1.0))
    );
    let (deep_value, deep_and, bomb) = (deep_value_query(1_600), deep_and_query(800), fragment_bomb(24));
    let (n4, aliases) = (nested_lists(&artist), counted_aliases(1000));
    let repros: [(&str, &str); 5] = [
        ("value nested 1,600 levels", &deep_value),
        ("`and` nested 800 levels", &deep_and),
        ("fragments F1..F24, each spreading the previous twice", &bomb),
        ("four nested lists of `first: 500`", &n4),
        ("1,000 aliases of `artists(first: 1) { totalCount }`", &aliases),
    ];
    let rss_before = mib(server.rss_kib());
    for (name, query) in repros {
        let mut times = Vec::with_capacity(cli.repeat);
        let mut answer = String::new();
        for _ in 0..cli.repeat {
            let started = Instant::now();
            let body = client.post(query, json!({})).await?;
            times.push(started.elapsed());
            answer = code(&body);
            if answer != "LIMIT_EXCEEDED" {
                eprintln!("{name}: {body}");
            }
        }
        times.sort();
        let median = percentile(&times, 0.5);
        let ratio = median.as_secs_f64() / base.as_secs_f64().max(1e-9);
        println!(
            "| {name} | {} | {answer} | {} | {} | {ratio:.1} |",
            query.len(),
            ms(median),
            ms(percentile(&times, 1.0))
        );
    }
    println!(
        "\nServer memory: {rss_before:.1} MiB before the hostile requests, {:.1} MiB after.\n",
        mib(server.rss_kib())
    );

    println!(
        "## Light requests, idle and while {} clients send the largest accepted ones ({}s each)\n",
        cli.heavy, cli.duration
    );
    let heavy_queries = [
        "{ albums(first: 500, where: {name: {startsWith: \"album\"}}) { totalCount nodes { id name year } } }".to_owned(),
        "{ artists(first: 20) { nodes { albums(first: 20) { nodes { artist { albums(first: 20) { nodes { name } } } } } } } }".to_owned(),
        "{ events { totalCount } }".to_owned(),
    ];
    let idle = light(&http, &client, &url, &album, Duration::from_secs_f64(cli.duration)).await?;
    let stop = Instant::now() + Duration::from_secs_f64(cli.duration);
    let mut heavy = Vec::new();
    for i in 0..cli.heavy {
        let c = Client { http: http.clone(), url: url.clone(), bearer: client.bearer.clone() };
        let query = heavy_queries[i % heavy_queries.len()].clone();
        heavy.push(tokio::spawn(async move {
            let mut sent = 0u64;
            while Instant::now() < stop {
                if let Ok(body) = c.post(&query, json!({})).await
                    && body.get("errors").is_some()
                {
                    eprintln!("a heavy request was refused: {body}");
                    break;
                }
                sent += 1;
            }
            sent
        }));
    }
    let loaded = light(&http, &client, &url, &album, Duration::from_secs_f64(cli.duration)).await?;
    let mut heavy_sent = 0;
    for h in heavy {
        heavy_sent += h.await.unwrap_or(0);
    }
    println!("| light request | load | samples | p50 ms | p99 ms | max ms | p99 / idle p99 |");
    println!("|---|---|---|---|---|---|---|");
    for (i, name) in ["GET /healthz", "album by id"].iter().enumerate() {
        let idle_p99 = percentile(&idle[i], 0.99);
        for (load, times) in [("idle", &idle[i]), ("heavy", &loaded[i])] {
            let p99 = percentile(times, 0.99);
            println!(
                "| {name} | {load} | {} | {} | {} | {} | {:.1} |",
                times.len(),
                ms(percentile(times, 0.5)),
                ms(p99),
                ms(percentile(times, 1.0)),
                p99.as_secs_f64() / idle_p99.as_secs_f64().max(1e-9)
            );
        }
    }
    println!("\nHeavy requests completed: {heavy_sent} ({:.0}/s).", heavy_sent as f64 / cli.duration);

    soak(&server, &client, cli.cycles).await?;
    Ok(())
}

/// The change feed's index entries, from `/metrics`.
async fn feed_index(http: &reqwest::Client, url: &str) -> Fallible<u64> {
    let text = http.get(format!("{url}/metrics")).send().await?.text().await?;
    text.lines()
        .find_map(|l| l.strip_prefix("chronicle_feed_index_entries "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| "no chronicle_feed_index_entries in /metrics".into())
}

/// Subscribes and completes `cycles` subscriptions on distinct ids over one
/// WebSocket; prints the feed index and memory before and after.
async fn soak(server: &ChildServer, client: &Client, cycles: usize) -> Fallible {
    let url = server.url();
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;

    let (entries_before, rss_before) = (feed_index(&client.http, &url).await?, mib(server.rss_kib()));
    let mut request = format!("{}/graphql", url.replacen("http://", "ws://", 1)).into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({"type": "connection_init", "payload": {"authorization": client.bearer}});
    ws.send(Message::text(init.to_string())).await?;
    ws.next().await.ok_or("no connection_ack")??;
    // Rounds of 100 (a connection's limit): subscribe, wait until the index
    // holds them (so each really registered), complete, wait until it is back.
    let started = Instant::now();
    let mut peak = entries_before;
    let mut entries_after = entries_before;
    for round in 0..cycles.div_ceil(100) {
        let ids: Vec<String> = (0..100).map(|i| format!("{round}-{i}")).collect();
        for id in &ids {
            let entity = chronicle_model::EntityId::new();
            let query = format!("subscription {{ albumChanged(id: \"{entity}\") {{ kind }} }}");
            let subscribe = json!({"type": "subscribe", "id": id, "payload": {"query": query}});
            ws.send(Message::text(subscribe.to_string())).await?;
        }
        let wait = Instant::now() + Duration::from_secs(30);
        loop {
            let now = feed_index(&client.http, &url).await?;
            peak = peak.max(now);
            if now >= entries_before + 100 || Instant::now() > wait {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for id in &ids {
            ws.send(Message::text(json!({"type": "complete", "id": id}).to_string())).await?;
        }
        let wait = Instant::now() + Duration::from_secs(30);
        loop {
            entries_after = feed_index(&client.http, &url).await?;
            if entries_after == entries_before || Instant::now() > wait {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let elapsed = started.elapsed();
    drop(ws);
    println!(
        "\n## {cycles} subscribe/complete cycles on distinct ids, one WebSocket ({:.1}s)\n",
        elapsed.as_secs_f64()
    );
    println!("| | before | after |");
    println!("|---|---|---|");
    println!("| feed index entries (`/metrics`) | {entries_before} (peak {peak} within a round) | {entries_after} |");
    println!("| server memory (MiB) | {rss_before:.1} | {:.1} |", mib(server.rss_kib()));
    Ok(())
}
