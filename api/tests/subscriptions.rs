//! Subscriptions over real WebSockets against the real server on a loopback
//! port: each change kind, the resumable audit feed under concurrent writes,
//! authentication, a stuck client, limits, and the legacy protocol.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

mod support;

use chronicle_api::{AppConfig, AuthConfig, auth::mint, demo};
use chronicle_store::{SledStore, Storage};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value as Json, json};
use support::{R, SECRET, WAIT, post, token};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A server on a loopback port over a sled store in a temporary directory.
struct Server {
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

async fn start(public_read: bool) -> Result<Server, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Storage> = Arc::new(SledStore::open(dir.path(), demo::catalogue()?)?);
    let config = AppConfig { auth: AuthConfig { public_read, ..AuthConfig::default() }, ..AppConfig::default() };
    Ok(Server { addr: support::serve(store, config).await?, _dir: dir })
}

/// The change feed's subscription index grows when a new subscription (or
/// the first of identical ones) is live at the store.
const FEED_ENTRIES: &str = "chronicle_feed_index_entries";
/// Subscriptions being relayed to clients.
const SUBSCRIPTIONS: &str = "chronicle_subscriptions";

/// Waits until a subscription started after the feed had `before` entries is live.
async fn live(addr: SocketAddr, before: u64) -> R {
    support::wait_for_metric(addr, FEED_ENTRIES, |n| n > before).await
}

async fn connect(addr: SocketAddr, protocol: &str) -> Result<Ws, Box<dyn std::error::Error>> {
    let mut request = format!("ws://{addr}/graphql").into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_str(protocol)?);
    let (ws, response) = tokio_tungstenite::connect_async(request).await?;
    let chosen = response.headers().get("Sec-WebSocket-Protocol").and_then(|v| v.to_str().ok());
    assert_eq!(chosen, Some(protocol));
    Ok(ws)
}

async fn send(ws: &mut Ws, value: Json) -> R {
    ws.send(Message::text(value.to_string())).await?;
    Ok(())
}

/// The next JSON message, skipping pings and keepalives.
async fn recv(ws: &mut Ws) -> Result<Json, Box<dyn std::error::Error>> {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next()).await.map_err(|_| "no message within the timeout")?;
        match msg {
            Some(Ok(Message::Text(t))) => {
                let v: Json = serde_json::from_str(t.as_str())?;
                if v["type"] == "ping" {
                    send(ws, json!({"type": "pong"})).await?;
                    continue;
                }
                if v["type"] == "ka" {
                    continue;
                }
                return Ok(v);
            }
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) =
                    frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((0, String::new()));
                return Ok(json!({"type": "closed", "code": code, "reason": reason}));
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => return Ok(json!({"type": "closed", "code": 0})),
        }
    }
}

async fn client(addr: SocketAddr, user: &str) -> Result<Ws, Box<dyn std::error::Error>> {
    let mut ws = connect(addr, "graphql-transport-ws").await?;
    send(&mut ws, json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", token(user))}}))
        .await?;
    let ack = recv(&mut ws).await?;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    Ok(ws)
}

async fn subscribe(ws: &mut Ws, id: &str, query: &str, variables: Json) -> R {
    send(ws, json!({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}})).await
}

/// The payload data of the next `next` message for subscription `id`.
async fn next_data(ws: &mut Ws, id: &str) -> Result<Json, Box<dyn std::error::Error>> {
    let msg = recv(ws).await?;
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id, "{msg}");
    assert!(msg["payload"].get("errors").is_none(), "{msg}");
    Ok(msg["payload"]["data"].clone())
}

async fn artist(addr: SocketAddr, name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let data =
        post(addr, "alice", "mutation($n: String!) { createArtist(input: {name: $n}) { id } }", json!({"n": name}))
            .await?;
    Ok(data["createArtist"]["id"].as_str().ok_or("no id")?.to_owned())
}

const CHANGE: &str = "kind id changedFields event { userId kind } album { name year }";

#[tokio::test]
async fn album_changed_delivers_created_updated_deleted() -> R {
    let s = start(false).await?;
    let a = artist(s.addr, "Miles").await?;
    let id = chronicle_model::EntityId::new().to_string();
    let mut ws = client(s.addr, "bob").await?;
    let before = support::metric(s.addr, FEED_ENTRIES).await?;
    subscribe(
        &mut ws,
        "1",
        &format!("subscription($id: ID!) {{ albumChanged(id: $id) {{ {CHANGE} }} }}"),
        json!({"id": id}),
    )
    .await?;
    live(s.addr, before).await?;

    post(s.addr, "alice", "mutation($id: ID, $a: ID!) { createAlbum(input: {id: $id, name: \"Kind of Blue\", year: 1959, artistId: $a}) { id } }", json!({"id": id, "a": a})).await?;
    let created = next_data(&mut ws, "1").await?;
    assert_eq!(created["albumChanged"]["kind"], "CREATED");
    assert_eq!(created["albumChanged"]["album"]["name"], "Kind of Blue");
    assert_eq!(created["albumChanged"]["event"]["userId"], "alice");
    assert_eq!(created["albumChanged"]["changedFields"], json!(["name", "year", "artistId"]));

    post(s.addr, "carol", "mutation($id: ID!) { updateAlbum(id: $id, input: {year: 1960}) { id } }", json!({"id": id}))
        .await?;
    let updated = next_data(&mut ws, "1").await?;
    assert_eq!(updated["albumChanged"]["kind"], "UPDATED");
    assert_eq!(updated["albumChanged"]["changedFields"], json!(["year"]));
    assert_eq!(updated["albumChanged"]["album"]["year"], 1960);

    post(s.addr, "carol", "mutation($id: ID!) { deleteAlbum(id: $id) }", json!({"id": id})).await?;
    let deleted = next_data(&mut ws, "1").await?;
    assert_eq!(deleted["albumChanged"]["kind"], "DELETED");
    assert_eq!(deleted["albumChanged"]["album"], Json::Null);
    assert_eq!(deleted["albumChanged"]["changedFields"], json!([]));
    Ok(())
}

#[tokio::test]
async fn albums_changed_is_a_live_filter_with_entered_and_left() -> R {
    let s = start(false).await?;
    let a = artist(s.addr, "Miles").await?;
    let mut ws = client(s.addr, "bob").await?;
    let before = support::metric(s.addr, FEED_ENTRIES).await?;
    subscribe(
        &mut ws,
        "f",
        &format!("subscription {{ albumsChanged(where: {{year: {{gte: 1960}}}}) {{ {CHANGE} }} }}"),
        json!({}),
    )
    .await?;
    live(s.addr, before).await?;

    let create = "mutation($y: Int!, $a: ID!) { createAlbum(input: {name: \"X\", year: $y, artistId: $a}) { id } }";
    let old = post(s.addr, "alice", create, json!({"y": 1959, "a": a})).await?["createAlbum"]["id"].clone();
    let update = "mutation($id: ID!, $y: Int!) { updateAlbum(id: $id, input: {year: $y}) { id } }";
    post(s.addr, "alice", update, json!({"id": old, "y": 1961})).await?;
    let entered = next_data(&mut ws, "f").await?;
    assert_eq!(
        (entered["albumsChanged"]["kind"].clone(), entered["albumsChanged"]["id"].clone()),
        (json!("ENTERED"), old.clone())
    );

    post(
        s.addr,
        "alice",
        "mutation($id: ID!) { updateAlbum(id: $id, input: {name: \"Y\"}) { id } }",
        json!({"id": old}),
    )
    .await?;
    assert_eq!(next_data(&mut ws, "f").await?["albumsChanged"]["kind"], "UPDATED");

    post(s.addr, "alice", update, json!({"id": old, "y": 1950})).await?;
    let left = next_data(&mut ws, "f").await?;
    assert_eq!(left["albumsChanged"]["kind"], "LEFT");
    assert_eq!(left["albumsChanged"]["album"]["year"], 1950);

    let new = post(s.addr, "alice", create, json!({"y": 1970, "a": a})).await?["createAlbum"]["id"].clone();
    assert_eq!(next_data(&mut ws, "f").await?["albumsChanged"]["kind"], "CREATED");
    post(s.addr, "alice", "mutation($id: ID!) { deleteAlbum(id: $id) }", json!({"id": new})).await?;
    let deleted = next_data(&mut ws, "f").await?;
    assert_eq!(
        (deleted["albumsChanged"]["kind"].clone(), deleted["albumsChanged"]["id"].clone()),
        (json!("DELETED"), new)
    );
    Ok(())
}

#[tokio::test]
async fn a_filter_on_a_relation_sees_entities_move_in_and_out() -> R {
    let s = start(false).await?;
    let (a, b) = (artist(s.addr, "A").await?, artist(s.addr, "B").await?);
    let mut ws = client(s.addr, "bob").await?;
    let before = support::metric(s.addr, FEED_ENTRIES).await?;
    subscribe(
        &mut ws,
        "r",
        "subscription($b: ID!) { albumsChanged(where: {artistId: {eq: $b}}) { kind id } }",
        json!({"b": b}),
    )
    .await?;
    live(s.addr, before).await?;
    let create = "mutation($a: ID!) { createAlbum(input: {name: \"X\", year: 1, artistId: $a}) { id } }";
    let id = post(s.addr, "alice", create, json!({"a": a})).await?["createAlbum"]["id"].clone();
    let moved = "mutation($id: ID!, $a: ID!) { updateAlbum(id: $id, input: {artistId: $a}) { id } }";
    post(s.addr, "alice", moved, json!({"id": id, "a": b})).await?;
    assert_eq!(next_data(&mut ws, "r").await?["albumsChanged"], json!({"kind": "ENTERED", "id": id}));
    post(s.addr, "alice", moved, json!({"id": id, "a": a})).await?;
    assert_eq!(next_data(&mut ws, "r").await?["albumsChanged"], json!({"kind": "LEFT", "id": id}));
    Ok(())
}

#[tokio::test]
async fn the_audit_feed_resumes_after_a_cursor_with_no_gap_and_no_duplicate() -> R {
    let s = start(false).await?;
    let a = artist(s.addr, "Seed").await?;
    let first = post(s.addr, "alice", "{ events(first: 1) { nodes { id cursor } } }", json!({})).await?;
    let cursor = first["events"]["nodes"][0]["cursor"].clone();

    // A writer commits while the subscriber resumes from the cursor.
    let addr = s.addr;
    let writer = tokio::spawn(async move {
        for i in 0..60 {
            let q = "mutation($n: String!, $a: ID!) { createAlbum(input: {name: $n, year: 1, artistId: $a}) { id } }";
            if post(addr, "writer", q, json!({"n": format!("album {i}"), "a": a})).await.is_err() {
                return false;
            }
        }
        true
    });
    // Subscribe while the writer is under way: after its first commits.
    let seeded = support::metric(s.addr, "chronicle_commit_sequence").await?;
    support::wait_for_metric(s.addr, "chronicle_commit_sequence", |n| n > seeded + 2).await?;
    let mut ws = client(s.addr, "bob").await?;
    subscribe(
        &mut ws,
        "e",
        "subscription($after: String) { events(after: $after) { id cursor } }",
        json!({"after": cursor}),
    )
    .await?;
    assert!(writer.await?, "the writer failed");

    let all = post(s.addr, "alice", "{ events(first: 500) { nodes { id } } }", json!({})).await?;
    let mut expected: Vec<Json> =
        all["events"]["nodes"].as_array().ok_or("no events")?.iter().map(|n| n["id"].clone()).collect();
    expected.reverse(); // oldest first
    expected.remove(0); // the cursor's own event
    let mut received = Vec::new();
    while received.len() < expected.len() {
        received.push(next_data(&mut ws, "e").await?["events"]["id"].clone());
    }
    assert_eq!(received, expected);
    // Nothing more (no duplicate) arrives.
    let extra = tokio::time::timeout(Duration::from_millis(300), ws.next()).await;
    assert!(
        extra.is_err() || matches!(extra, Ok(Some(Ok(Message::Text(ref t)))) if t.as_str().contains("ping")),
        "{extra:?}"
    );
    Ok(())
}

#[tokio::test]
async fn bad_missing_and_expiring_tokens_close_with_4403() -> R {
    let s = start(false).await?;
    for payload in [
        json!({"authorization": "Bearer not-a-jwt"}),
        json!({}),
        json!({"authorization": format!("Bearer {}", mint("another-secret-entirely", "eve", 60, None, None)?)}),
    ] {
        let mut ws = connect(s.addr, "graphql-transport-ws").await?;
        send(&mut ws, json!({"type": "connection_init", "payload": payload})).await?;
        let closed = recv(&mut ws).await?;
        assert_eq!((closed["type"].clone(), closed["code"].clone()), (json!("closed"), json!(4403)), "{closed}");
    }
    // A token that expires in two seconds ends the connection and its subscriptions.
    let mut ws = connect(s.addr, "graphql-transport-ws").await?;
    let short = mint(SECRET, "bob", 2, None, None)?;
    send(&mut ws, json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {short}")}})).await?;
    assert_eq!(recv(&mut ws).await?["type"], "connection_ack");
    subscribe(&mut ws, "x", "subscription { albumsChanged { kind } }", json!({})).await?;
    let closed = recv(&mut ws).await?;
    assert_eq!((closed["type"].clone(), closed["code"].clone()), (json!("closed"), json!(4403)), "{closed}");
    Ok(())
}

#[tokio::test]
async fn a_stuck_client_does_not_hold_back_a_healthy_one() -> R {
    let s = start(false).await?;
    let a = artist(s.addr, "Miles").await?;
    let mut stuck = client(s.addr, "stuck").await?;
    let before = support::metric(s.addr, FEED_ENTRIES).await?;
    subscribe(&mut stuck, "s", "subscription { albumsChanged { kind id album { name description } } }", json!({}))
        .await?;
    let mut healthy = client(s.addr, "healthy").await?;
    // The same document as the stuck client's, so both share one execution.
    subscribe(&mut healthy, "h", "subscription { albumsChanged { kind id album { name description } } }", json!({}))
        .await?;
    live(s.addr, before).await?;
    support::wait_for_metric(s.addr, SUBSCRIPTIONS, |n| n >= 2).await?;

    // Large descriptions fill the stuck client's socket and queue quickly.
    let big = "x".repeat(200_000);
    let n = 40;
    let addr = s.addr;
    let writer = tokio::spawn(async move {
        let q = "mutation($a: ID!, $d: String!) { createAlbum(input: {name: \"X\", year: 1, artistId: $a, description: $d}) { id } }";
        for _ in 0..n {
            if post(addr, "writer", q, json!({"a": a, "d": big})).await.is_err() {
                return false;
            }
        }
        true
    });
    for _ in 0..n {
        assert_eq!(next_data(&mut healthy, "h").await?["albumsChanged"]["kind"], "CREATED");
    }
    assert!(writer.await?, "commits failed while a client was stuck");
    let health = post(s.addr, "alice", "{ me { userId } }", json!({})).await?;
    assert_eq!(health["me"]["userId"], "alice");
    drop(stuck.close(None).await);
    Ok(())
}

#[tokio::test]
async fn identical_subscriptions_each_get_every_change_once() -> R {
    let s = start(false).await?;
    let a = artist(s.addr, "Miles").await?;
    let doc = "subscription { albumsChanged { kind album { name } } }";
    let mut clients = Vec::new();
    let before = support::metric(s.addr, FEED_ENTRIES).await?;
    for user in ["u1", "u2", "u3"] {
        let mut ws = client(s.addr, user).await?;
        subscribe(&mut ws, "same", doc, json!({})).await?;
        clients.push(ws);
    }
    // A fourth subscriber joins the running shared execution later.
    live(s.addr, before).await?;
    support::wait_for_metric(s.addr, SUBSCRIPTIONS, |n| n >= 3).await?;
    let create = "mutation($n: String!, $a: ID!) { createAlbum(input: {name: $n, year: 1, artistId: $a}) { id } }";
    post(s.addr, "alice", create, json!({"n": "first", "a": a})).await?;
    let mut late = client(s.addr, "u4").await?;
    subscribe(&mut late, "same", doc, json!({})).await?;
    support::wait_for_metric(s.addr, SUBSCRIPTIONS, |n| n >= 4).await?;
    for name in ["second", "third"] {
        post(s.addr, "alice", create, json!({"n": name, "a": a})).await?;
    }
    for ws in &mut clients {
        for name in ["first", "second", "third"] {
            assert_eq!(next_data(ws, "same").await?["albumsChanged"]["album"]["name"], name);
        }
    }
    for name in ["second", "third"] {
        assert_eq!(next_data(&mut late, "same").await?["albumsChanged"]["album"]["name"], name);
    }
    // Nothing is delivered twice.
    let extra = tokio::time::timeout(Duration::from_millis(300), clients[0].next()).await;
    assert!(extra.is_err(), "{extra:?}");
    Ok(())
}

#[tokio::test]
async fn protocol_errors_and_limits() -> R {
    let s = start(false).await?;
    // Subscribing before connection_init: 4401.
    let mut ws = connect(s.addr, "graphql-transport-ws").await?;
    subscribe(&mut ws, "1", "subscription { albumsChanged { kind } }", json!({})).await?;
    assert_eq!(recv(&mut ws).await?["code"], 4401);
    // Not JSON: 4400.
    let mut ws = client(s.addr, "bob").await?;
    ws.send(Message::text("{{{")).await?;
    assert_eq!(recv(&mut ws).await?["code"], 4400);
    // A second connection_init: 4429.
    let mut ws = client(s.addr, "bob").await?;
    send(&mut ws, json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", token("bob"))}}))
        .await?;
    assert_eq!(recv(&mut ws).await?["code"], 4429);
    // A duplicate subscription id: 4409.
    let mut ws = client(s.addr, "bob").await?;
    subscribe(&mut ws, "dup", "subscription { albumsChanged { kind } }", json!({})).await?;
    subscribe(&mut ws, "dup", "subscription { albumsChanged { kind } }", json!({})).await?;
    assert_eq!(recv(&mut ws).await?["code"], 4409);
    // Too many subscriptions on one connection: an error for the extra one, the rest keep working.
    let mut ws = client(s.addr, "bob").await?;
    for i in 0..chronicle_api::ws::MAX_SUBSCRIPTIONS {
        subscribe(&mut ws, &format!("s{i}"), "subscription { artistsChanged { kind } }", json!({})).await?;
    }
    subscribe(&mut ws, "one-too-many", "subscription { artistsChanged { kind } }", json!({})).await?;
    let err = recv(&mut ws).await?;
    assert_eq!((err["type"].clone(), err["id"].clone()), (json!("error"), json!("one-too-many")), "{err}");
    assert_eq!(err["payload"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    // A validation error is an `error` message with a code, not a closed socket.
    let mut ws = client(s.addr, "bob").await?;
    subscribe(&mut ws, "bad", "subscription { nope }", json!({})).await?;
    let err = recv(&mut ws).await?;
    assert_eq!(err["type"], "error");
    assert_eq!(err["payload"][0]["extensions"]["code"], "BAD_USER_INPUT", "{err}");
    // A message over the size limit closes the connection, and the server keeps serving.
    let mut ws = client(s.addr, "bob").await?;
    let huge = "y".repeat(3 * 1024 * 1024);
    let _ = ws.send(Message::text(json!({"type": "ping", "payload": {"pad": huge}}).to_string())).await;
    let closed = recv(&mut ws).await;
    assert!(closed.is_err() || closed.as_ref().is_ok_and(|c| c["type"] == "closed"), "{closed:?}");
    assert_eq!(post(s.addr, "alice", "{ me { userId } }", json!({})).await?["me"]["userId"], "alice");
    Ok(())
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_works_too() -> R {
    let s = start(false).await?;
    let a = artist(s.addr, "Miles").await?;
    let mut ws = connect(s.addr, "graphql-ws").await?;
    send(&mut ws, json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", token("bob"))}}))
        .await?;
    assert_eq!(recv(&mut ws).await?["type"], "connection_ack");
    let before = support::metric(s.addr, FEED_ENTRIES).await?;
    send(&mut ws, json!({"type": "start", "id": "1", "payload": {"query": "subscription { albumsChanged { kind album { name } } }"}})).await?;
    live(s.addr, before).await?;
    post(
        s.addr,
        "alice",
        "mutation($a: ID!) { createAlbum(input: {name: \"Legacy\", year: 1, artistId: $a}) { id } }",
        json!({"a": a}),
    )
    .await?;
    let msg = recv(&mut ws).await?;
    assert_eq!(msg["type"], "data", "{msg}");
    assert_eq!(msg["payload"]["data"]["albumsChanged"]["album"]["name"], "Legacy");
    send(&mut ws, json!({"type": "stop", "id": "1"})).await?;
    assert_eq!(recv(&mut ws).await?["type"], "complete");
    Ok(())
}

#[tokio::test]
async fn anonymous_subscriptions_need_public_read() -> R {
    let s = start(true).await?;
    let mut ws = connect(s.addr, "graphql-transport-ws").await?;
    send(&mut ws, json!({"type": "connection_init"})).await?;
    assert_eq!(recv(&mut ws).await?["type"], "connection_ack");
    Ok(())
}
