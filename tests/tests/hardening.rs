//! Hostile requests against the real binary: over-nested input, exponential
//! fragments, huge lists and responses, slow sockets, protocol abuse, odd
//! tokens, dev-mode exposure. Each gets a clear coded error (or the correct
//! result), nothing is written, and the server keeps answering.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use chronicle_tests::catalogue::{album, artist, artist_with_album, track};
use chronicle_tests::fixtures::{Seeded, seeded};
use chronicle_tests::hostile::{counted_aliases, fragment_bomb, nested_and, nested_lists, nested_value};
use chronicle_tests::ws::WsClient;
use chronicle_tests::*;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The server is alive, answers a normal query, and wrote nothing since `seq`.
fn still_fine(server: &Server, seq: u64) {
    let c = server.user("alice");
    let d = c.query("{ artists { totalCount } }", json!({}));
    assert!(d["artists"]["totalCount"].is_u64());
    assert_eq!(server.seq(), seq, "refused requests write nothing");
    assert!(server.is_running(), "the server is still running:\n{}", server.log());
}

#[test]
fn over_nested_documents_and_variables_are_refused_on_http() {
    let server = Server::start();
    let c = server.user("alice");
    let seq = server.seq();
    let documents = [
        format!("{{ me(x: {}) {{ userId }} }}", nested_value(10_000)),
        format!("{{ artists(where: {}) {{ totalCount }} }}", nested_and(10_000)),
        format!("{{ artists(where: {}) {{ totalCount }} }}", nested_and(800)),
        format!("{}{}", "{ me ".repeat(10_000), "}".repeat(10_000)),
        format!("query {{ me(x: {}1{}) {{ userId }} }}", "[".repeat(10_000), "]".repeat(10_000)),
    ];
    for document in &documents {
        c.fails(document, json!({}), "LIMIT_EXCEEDED");
        let r = c.request_with(document, json!({}), &[("Accept", GRAPHQL_RESPONSE)]);
        assert_eq!(r.status, 400, "{}", r.text);
        let body = r.expect_error("LIMIT_EXCEEDED");
        assert!(body.get("data").is_none(), "a request error has no data entry: {body}");
    }
    // Nested JSON in variables, and a nested `where` passed as a variable.
    // (Built as text: a 10,000-level serde_json value would overflow the test's own stack.)
    let deep = format!("{}1{}", r#"{"a": "#.repeat(10_000), "}".repeat(10_000));
    let body = format!(
        r#"{{"query": "query($w: ArtistWhere) {{ artists(where: $w) {{ totalCount }} }}", "variables": {{"w": {deep}}}}}"#
    );
    let auth = bearer("alice");
    let r = server.post_raw(body, &[("Authorization", auth.as_str()), ("Content-Type", "application/json")]);
    assert_eq!(r.status, 400, "{}", r.text);
    r.expect_error("LIMIT_EXCEEDED");
    let mut filter = json!({"name": {"eq": "x"}});
    for _ in 0..40 {
        filter = json!({ "and": [filter] });
    }
    c.fails("query($w: ArtistWhere) { artists(where: $w) { totalCount } }", json!({ "w": filter }), "LIMIT_EXCEEDED");
    still_fine(&server, seq);
}

#[test]
fn over_nested_input_is_refused_on_websocket() {
    let server = Server::start();
    let seq = server.seq();
    let mut ws = WsClient::user(&server, "alice");
    for (i, document) in [
        format!("subscription {{ artistsChanged(where: {}) {{ kind }} }}", nested_and(10_000)),
        format!("{{ me(x: {}) {{ userId }} }}", nested_value(10_000)),
    ]
    .iter()
    .enumerate()
    {
        let id = format!("deep{i}");
        ws.subscribe(&id, document, json!({}));
        let m = ws.next_json();
        assert_eq!((m["type"].as_str(), m["id"].as_str()), (Some("error"), Some(id.as_str())), "{m}");
        assert_eq!(m["payload"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{m}");
    }
    // The connection still works.
    ws.subscribe("ok", "{ me { userId } }", json!({}));
    let m = ws.next_json();
    assert_eq!(m["payload"]["data"]["me"]["userId"], "alice", "{m}");
    // A message whose JSON itself nests 10,000 levels closes the connection as invalid.
    ws.send_text(format!(
        r#"{{"type": "subscribe", "id": "x", "payload": {}1{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    ));
    assert_eq!(ws.close_code(), Some(4400));
    still_fine(&server, seq);
}

#[test]
fn exponential_fragments_are_refused_before_validation() {
    let Seeded { server, seq, .. } = seeded(|alice| artist(alice, "Miles", None));
    let c = server.user("alice");
    for levels in [24, 40] {
        let body = c.fails(&fragment_bomb(levels), json!({}), "LIMIT_EXCEEDED");
        assert!(body.to_string().contains("cost"), "says what is too big: {body}");
    }
    // Two at once, over WebSocket too, while /healthz keeps answering.
    let mut ws = WsClient::user(&server, "alice");
    ws.subscribe("bomb", &fragment_bomb(30), json!({}));
    let m = ws.next_json();
    assert_eq!(m["payload"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{m}");
    still_fine(&server, seq);
}

#[test]
fn list_sizes_multiply_the_cost_and_real_pages_pass() {
    let Seeded { server, ids: a, seq } = seeded(|alice| {
        let a = artist(alice, "Miles", None);
        for i in 0..3 {
            let b = album(alice, &format!("album {i}"), 1959, &a);
            track(alice, "So What", 1, &b);
        }
        a
    });
    let c = server.user("alice");
    c.fails(&nested_lists(&a), json!({}), "LIMIT_EXCEEDED");
    c.fails(&counted_aliases(1000), json!({}), "LIMIT_EXCEEDED");
    c.fails("{ events { totalCount } e2: events { totalCount } artists(first: 500) { nodes { albums(first: 500) { nodes { id } } } } }", json!({}), "LIMIT_EXCEEDED");
    // What real clients ask for passes.
    let page = c.query(
        "{ albums(first: 50) { nodes { name artist { name } tracks(first: 50) { nodes { name position } } } } }",
        json!({}),
    );
    assert_eq!(page["albums"]["nodes"].as_array().map(Vec::len), Some(3));
    c.query(
        "query($first: Int) { albums(orderBy: [NAME_ASC], first: $first) { nodes { id name year } pageInfo { hasNextPage endCursor } totalCount } latest: events(first: 1) { nodes { cursor } } }",
        json!({ "first": 50 }),
    );
    // Depth still protects data fields.
    let deep = "{ albums { nodes { artist { albums { nodes { artist { albums { nodes { artist { albums { nodes { artist { name } } } } } } } } } } } } }";
    c.fails(deep, json!({}), "LIMIT_EXCEEDED");
    still_fine(&server, seq);
}

#[test]
fn responses_larger_than_the_limit_are_refused() {
    let server = Server::with_args(&["--max-response-bytes", "2000"]);
    let c = server.user("alice");
    let a = artist(&c, "Miles", None);
    for i in 0..40 {
        album(&c, &format!("a rather long album name number {i:03} to fill the response"), 1959, &a);
    }
    let seq = server.seq();
    let body = c.fails("{ albums(first: 100) { nodes { id name createdBy } } }", json!({}), "LIMIT_EXCEEDED");
    assert!(body.get("data").is_none_or(Value::is_null), "no partial data: {body}");
    // A mutation whose answer is too big writes nothing.
    c.fails(
        "mutation($a: ID!) { createArtist(input: {name: \"x\"}) { id } artist: updateArtist(id: $a, input: {name: \"y\"}) { albums(first: 100) { nodes { name } } } }",
        json!({ "a": a }),
        "LIMIT_EXCEEDED",
    );
    // Small answers still pass.
    c.query("{ albums(first: 3) { nodes { id } } }", json!({}));
    still_fine(&server, seq);
}

#[test]
fn an_entity_id_belongs_to_one_collection() {
    let Seeded { server, ids: a, seq } = seeded(|alice| artist(alice, "A1", None));
    let c = server.user("alice");
    let create_album = "mutation($i: AlbumCreateInput!) { createAlbum(input: $i) { id } }";
    let input = json!({ "i": { "id": a, "name": "Collide", "year": 1999, "artistId": a, "description": "" } });
    let body = c.fails(create_album, input, "CONFLICT");
    assert!(body.to_string().contains("artist"), "names the owning collection: {body}");
    // Both creates in one request: refused as a whole.
    let fresh = fresh_ulid();
    c.fails(
        "mutation($id: ID!, $a: ID!) { createArtist(input: {id: $id, name: \"B\"}) { id } createAlbum(input: {id: $id, name: \"C\", year: 1, artistId: $a}) { id } }",
        json!({ "id": fresh, "a": a }),
        "CONFLICT",
    );
    assert_eq!(server.seq(), seq, "nothing written");
    let history = c.query("query($a: ID!) { artist(id: $a) { history { totalCount } } }", json!({ "a": a }));
    assert_eq!(history["artist"]["history"]["totalCount"], 1);
    server.kill();
    let out = run_cli(&["verify", "--data", server.data_dir().to_str().unwrap_or_default()]);
    assert!(out.contains("clean"), "{out}");
}

#[test]
fn http_transport_limits() {
    let server =
        Server::with_args(&["--header-read-timeout", "1s", "--body-read-timeout", "1s", "--max-body-bytes", "10000"]);
    let seq = server.seq();
    let auth = bearer("alice");
    // A body over the limit: a GraphQL error, not plain text.
    let big = format!(r#"{{"query": "{{ me {{ userId }} }}", "pad": "{}"}}"#, "x".repeat(20_000));
    let r = server.post_raw(big, &[("Authorization", auth.as_str()), ("Content-Type", "application/json")]);
    assert_eq!(r.status, 413, "{}", r.text);
    r.expect_error("LIMIT_EXCEEDED");
    // No content type, or not JSON: 415 with a coded error.
    let r = server.post_raw(r#"{"query": "{ me { userId } }"}"#, &[("Authorization", auth.as_str())]);
    assert_eq!(r.status, 415, "{}", r.text);
    r.expect_error("BAD_USER_INPUT");
    let r = server.post_raw("query=x", &[("Authorization", auth.as_str()), ("Content-Type", "text/plain")]);
    assert_eq!(r.status, 415, "{}", r.text);
    // A body that is not JSON: 400 whatever the client accepts.
    let r = server.post_raw("{", &[("Authorization", auth.as_str()), ("Content-Type", "application/json")]);
    assert_eq!(r.status, 400, "{}", r.text);
    r.expect_error("BAD_USER_INPUT");

    let addr = server.base.trim_start_matches("http://").to_owned();
    let closed_within = |stream: &mut TcpStream, wait: Duration| -> bool {
        stream.set_read_timeout(Some(wait)).expect("read timeout");
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    };
    // Half a request line is dropped after the header timeout.
    let mut half = TcpStream::connect(&addr).expect("connect");
    half.write_all(b"POST /graphql HT").expect("write");
    assert!(closed_within(&mut half, Duration::from_secs(5)), "a half-sent request is not held");
    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(&addr).expect("connect");
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).expect("write");
    assert!(closed_within(&mut idle, Duration::from_secs(5)), "an idle keep-alive connection is closed");
    // A body that stops arriving gets 408 with a coded error.
    let mut slow = TcpStream::connect(&addr).expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"query\""
    );
    slow.write_all(head.as_bytes()).expect("write");
    slow.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("LIMIT_EXCEEDED"), "{answer}");
    still_fine(&server, seq);
}

#[test]
fn graphql_over_http_request_errors() {
    let server = Server::start();
    let c = server.user("alice");
    for query in ["{ me {", "{ nosuchfield }"] {
        let r = c.request_with(query, json!({}), &[("Accept", GRAPHQL_RESPONSE)]);
        assert_eq!(r.status, 400);
        let body = r.expect_error("BAD_USER_INPUT");
        assert!(body.get("data").is_none(), "no data entry on a request error: {body}");
    }
    // Out-of-range Ints: one answer.
    for query in ["{ artists(first: 2147483648) { totalCount } }", "{ artists(first: 99999999999999) { totalCount } }"]
    {
        c.fails(query, json!({}), "BAD_USER_INPUT");
    }
    c.fails(
        "query($n: Int) { artists(first: $n) { totalCount } }",
        json!({ "n": 2_147_483_648_i64 }),
        "BAD_USER_INPUT",
    );
}

#[test]
fn introspection_of_graphql_js_works_under_the_default_limits() {
    let server = Server::start();
    let c = server.user("alice");
    let type_ref = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }";
    let query = format!(
        "query IntrospectionQuery {{ __schema {{ description queryType {{ name }} mutationType {{ name }} subscriptionType {{ name }} types {{ ...FullType }} directives {{ name description isRepeatable locations args(includeDeprecated: true) {{ ...InputValue }} }} }} }}
        fragment FullType on __Type {{ kind name description specifiedByURL fields(includeDeprecated: true) {{ name description args(includeDeprecated: true) {{ ...InputValue }} type {{ ...TypeRef }} isDeprecated deprecationReason }} inputFields(includeDeprecated: true) {{ ...InputValue }} interfaces {{ ...TypeRef }} enumValues(includeDeprecated: true) {{ name description isDeprecated deprecationReason }} possibleTypes {{ ...TypeRef }} }}
        fragment InputValue on __InputValue {{ name description type {{ ...TypeRef }} defaultValue isDeprecated deprecationReason }}
        fragment TypeRef on __Type {{ {type_ref} }}"
    );
    let d = c.query(&query, json!({}));
    let types = d["__schema"]["types"].as_array().map(Vec::len).unwrap_or_default();
    assert!(types > 20, "the schema's types: {types}");
    assert_eq!(d["__schema"]["queryType"]["name"], "Query");
}

#[test]
fn odd_tokens_are_refused_and_never_crash() {
    let server = Server::start();
    let seq = server.seq();
    // `crit` names an extension this server does not understand (RFC 7515).
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let header = b64(br#"{"alg":"HS256","typ":"JWT","crit":["x-ext"],"x-ext":1}"#);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let payload = b64(format!(r#"{{"sub":"mallory","exp":{}}}"#, now + 600).as_bytes());
    let input = format!("{header}.{payload}");
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256).expect("sign");
    let crit = server.client(Some(format!("Bearer {input}.{signature}")));
    crit.fails("{ me { userId } }", json!({}), "UNAUTHENTICATED");
    // A missing claim is named.
    let no_exp = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &json!({"sub": "bob"}), &key).expect("encode");
    let body = server.client(Some(format!("Bearer {no_exp}"))).fails("{ me { userId } }", json!({}), "UNAUTHENTICATED");
    assert!(body.to_string().contains("`exp`"), "{body}");
    // A token that expires in the far future works on both transports (no overflow).
    let forever =
        jsonwebtoken::encode(&jsonwebtoken::Header::default(), &json!({"sub": "carol", "exp": u64::MAX - 1}), &key)
            .expect("encode");
    let bearer = format!("Bearer {forever}");
    let d = server.client(Some(bearer.clone())).query("{ me { userId } }", json!({}));
    assert_eq!(d["me"]["userId"], "carol");
    let mut ws = WsClient::connect(&server, Some(&bearer));
    ws.subscribe("1", "{ me { userId } }", json!({}));
    assert_eq!(ws.next_json()["payload"]["data"]["me"]["userId"], "carol");
    still_fine(&server, seq);
}

#[test]
fn websocket_protocol_errors_close_with_codes() {
    let server = Server::with_args(&["--max-body-bytes", "100000"]);
    let seq = server.seq();
    // A message over the limit: 1009.
    let mut ws = WsClient::user(&server, "alice");
    ws.send_text(format!(r#"{{"type": "ping", "pad": "{}"}}"#, "x".repeat(300_000)));
    assert_eq!(ws.close_code(), Some(1009));
    // Binary and non-JSON messages: 4400.
    let mut ws = WsClient::user(&server, "alice");
    ws.send_message(tungstenite::Message::Binary(vec![1, 2, 3].into())).expect("send");
    assert_eq!(ws.close_code(), Some(4400));
    // An unmasked client frame breaks RFC 6455: 1002.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut raw = TcpStream::connect(&addr).expect("connect");
    raw.write_all(
        format!(
            "GET /graphql HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        )
        .as_bytes(),
    )
    .expect("handshake");
    raw.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut head = [0u8; 4096];
    let n = raw.read(&mut head).expect("handshake answer");
    assert!(head[..n].starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head[..n]));
    let text = br#"{"type":"connection_init"}"#;
    let mut frame = vec![0x81, text.len() as u8];
    frame.extend_from_slice(text);
    raw.write_all(&frame).expect("an unmasked frame");
    let mut answer = Vec::new();
    let _ = raw.read_to_end(&mut answer);
    let close = answer.windows(2).position(|w| w[0] == 0x88).map(|i| &answer[i..]);
    let code = close.and_then(|c| c.get(2..4)).map(|b| u16::from_be_bytes([b[0], b[1]]));
    assert_eq!(code, Some(1002), "close frame in {answer:?}");
    still_fine(&server, seq);
}

#[test]
fn dev_mode_keeps_its_token_to_its_own_origin() {
    let server = Server::with(ServerOptions { secret: None, ..Default::default() });
    let get = |headers: &[(&str, &str)]| {
        let mut req = server.http().get(server.url("/dev-token"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().expect("GET /dev-token")
    };
    let r = get(&[]);
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none(), "no CORS on the dev token");
    assert_eq!(get(&[("Origin", "http://evil.example")]).status(), 403);
    assert_eq!(get(&[("Sec-Fetch-Site", "cross-site")]).status(), 403);
    let own = server.base.clone();
    assert_eq!(get(&[("Origin", own.as_str()), ("Sec-Fetch-Site", "same-origin")]).status(), 200);
    // No CORS on /graphql unless origins are listed.
    let preflight = server
        .http()
        .request(reqwest::Method::OPTIONS, server.url("/graphql"))
        .header("Origin", "http://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .expect("preflight");
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn cors_is_an_allow_list() {
    let server = Server::with_args(&["--cors-origin", "http://app.example"]);
    let preflight = |origin: &str| {
        server
            .http()
            .request(reqwest::Method::OPTIONS, server.url("/graphql"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization,content-type")
            .send()
            .expect("preflight")
    };
    let allowed = preflight("http://app.example");
    assert_eq!(
        allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some("http://app.example")
    );
    assert!(preflight("http://evil.example").headers().get("access-control-allow-origin").is_none());
}

#[test]
fn startup_refuses_unsafe_exposure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        std::process::Command::new(binary())
            .args(args)
            .env_remove("CHRONICLE_JWT_SECRET")
            .env_remove("CHRONICLE_DEV")
            .output()
            .expect("run chronicle")
    };
    // Dev mode on a non-loopback address needs --dev; it exits before binding.
    let out = run(&["serve", "--listen", "0.0.0.0:0", "--data", data.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--dev") && err.contains("--jwt-secret"), "{err}");
    let out =
        run(&["serve", "--listen", "127.0.0.1:0", "--cors-origin", "*", "--data", data.to_str().unwrap_or_default()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cors-origin"));
}

#[test]
fn graphiql_is_served_with_pinned_versions_when_not_bundled() {
    let server = Server::start();
    let page = server.http().get(server.url("/graphql")).header("Accept", "text/html").send().expect("GET /graphql");
    assert_eq!(page.status(), 200);
    let html = page.text().expect("html");
    assert!(html.contains("graphiql@3.9.0"), "pinned GraphiQL");
    assert!(!html.contains("unpkg.com/graphiql/"), "no unpinned URL");
    assert!(html.contains("npm run build"), "says how to get the bundled GraphiQL");
}

/// The change feed's subscription index, from `/metrics`.
fn feed_index_entries(server: &Server) -> u64 {
    let text = server.http().get(server.url("/metrics")).send().expect("GET /metrics").text().expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix("chronicle_feed_index_entries "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no chronicle_feed_index_entries gauge in:\n{text}"))
}

#[test]
fn ended_subscriptions_leave_nothing_in_the_feed_index() {
    let server = Server::start();
    let c = server.user("alice");
    let a = artist(&c, "Miles", None);
    let start = feed_index_entries(&server);
    let mut ws = WsClient::user(&server, "alice");
    // Rounds of 100 (a connection's limit) on distinct ids (each a new index
    // key) and watched field values: wait until the index holds them, so each
    // really registered, then complete them and wait until it is back.
    let wait_for = |done: &dyn Fn(u64) -> bool, what: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let now = feed_index_entries(&server);
            if done(now) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{what}: the feed index holds {now} entries, {start} at the start"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    for round in 0..20 {
        let ids: Vec<String> = (0..100).map(|i| format!("{round}-{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            let query = if i % 2 == 0 {
                format!("subscription {{ artistChanged(id: \"{}\") {{ kind }} }}", fresh_ulid())
            } else {
                format!(
                    "subscription {{ albumsChanged(where: {{artistId: {{eq: \"{a}\"}}, year: {{eq: {}}}}}) {{ kind }} }}",
                    round * 100 + i
                )
            };
            ws.subscribe(id, &query, json!({}));
        }
        wait_for(&|now| now >= start + 100, "subscriptions registered");
        for id in &ids {
            ws.send(&json!({"type": "complete", "id": id}));
        }
        wait_for(&|now| now == start, "subscriptions dropped");
    }
    drop(ws);
}

#[test]
fn a_cursor_only_pages_its_own_query() {
    let server = Server::start();
    let c = server.user("alice");
    for name in ["A", "B", "C"] {
        artist(&c, name, None);
    }
    let page = c.query("{ artists(first: 1, orderBy: [NAME_ASC]) { pageInfo { endCursor } } }", json!({}));
    let cursor = page["artists"]["pageInfo"]["endCursor"].clone();
    let next = c.query(
        "query($c: String) { artists(first: 1, orderBy: [NAME_ASC], after: $c) { nodes { name } } }",
        json!({ "c": cursor }),
    );
    assert_eq!(next["artists"]["nodes"][0]["name"], "B");
    for other in [
        "query($c: String) { artists(first: 1, orderBy: [NAME_DESC], after: $c) { nodes { name } } }",
        "query($c: String) { artists(first: 1, after: $c) { nodes { name } } }",
        "query($c: String) { artists(first: 1, orderBy: [NAME_ASC], where: {name: {ne: \"Z\"}}, after: $c) { nodes { name } } }",
        "query($c: String) { albums(first: 1, after: $c) { nodes { name } } }",
    ] {
        c.fails(other, json!({ "c": cursor }), "BAD_USER_INPUT");
    }
}

#[test]
fn a_named_subscription_without_operation_name_runs() {
    let server = Server::start();
    let c = server.user("alice");
    let mut ws = WsClient::user(&server, "alice");
    ws.subscribe("s", "subscription S { artistsChanged { kind artist { name } } }", json!({}));
    // Subscriptions start asynchronously: create until the change arrives (bounded).
    let mut got = None;
    for i in 0..50 {
        artist(&c, &format!("A{i}"), None);
        if let chronicle_tests::ws::Received::Json(m) = ws.receive() {
            got = Some(m);
            break;
        }
    }
    let m = got.expect("a change");
    assert_eq!(m["type"], "next", "{m}");
    assert_eq!(m["payload"]["data"]["artistsChanged"]["kind"], "CREATED", "{m}");
}

#[test]
fn text_edits_that_change_nothing_commit_nothing() {
    let Seeded { server, ids: (_, b), .. } = seeded(|alice| artist_with_album(alice, "Miles"));
    let c = server.user("alice");
    c.query(
        "mutation($b: ID!) { updateAlbum(id: $b, input: { description: { set: \"🎷 jazz\" } }) { id } }",
        json!({ "b": b }),
    );
    let seq = server.seq();
    // An empty Yrs update, an empty splice and setting the same text: no event.
    for input in [
        json!({ "description": { "yrsUpdate": "AAA=" } }),
        json!({ "description": { "splices": [{ "index": 0, "delete": 0, "insert": "" }] } }),
        json!({ "description": { "set": "🎷 jazz" } }),
    ] {
        c.query(
            "mutation($b: ID!, $i: AlbumUpdateInput!) { updateAlbum(id: $b, input: $i) { id } }",
            json!({ "b": b, "i": input }),
        );
    }
    assert_eq!(server.seq(), seq, "no empty UPDATED event was committed");
    // A splice inside the saxophone's surrogate pair says so.
    let body = c.fails(
        "mutation($b: ID!) { updateAlbum(id: $b, input: { description: { splices: [{ index: 1, insert: \"x\" }] } }) { id } }",
        json!({ "b": b }),
        "BAD_USER_INPUT",
    );
    assert!(body.to_string().contains("splits a character"), "{body}");
}

/// Found by the arbitrary-input property test: yrs asserts (panics) on some
/// malformed updates. Each is a clear BAD_USER_INPUT, and nothing is written.
#[test]
fn malformed_yrs_updates_are_refused_without_a_panic() {
    use base64::Engine as _;
    let Seeded { server, ids: (_, b), seq } = seeded(|alice| artist_with_album(alice, "Miles"));
    let c = server.user("alice");
    let updates: [&[u8]; 5] = [
        &[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        &[0xff; 16],
        &[1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        &[1, 1, 1, 0, 4, 1, 4, 116, 101, 120, 116, 1, 120, 0],
        &[1],
    ];
    for update in updates {
        let u = base64::engine::general_purpose::STANDARD.encode(update);
        c.fails(
            "mutation($b: ID!, $u: String!) { updateAlbum(id: $b, input: { description: { yrsUpdate: $u } }) { id } }",
            json!({ "b": b, "u": u }),
            "BAD_USER_INPUT",
        );
    }
    still_fine(&server, seq);
}

/// `xChanged` and `xsChanged` resume after an `Event.cursor`: the changes
/// committed while the client was away come first (ENTERED/LEFT computed
/// from the states before and after each), then live ones, without gap or
/// duplicate.
#[test]
fn change_streams_resume_after_a_cursor() {
    let server = Server::start();
    let c = server.user("alice");
    let (a, b) = artist_with_album(&c, "Miles");
    let other = artist(&c, "Coltrane", None);
    let latest = c.query("{ events(first: 1) { nodes { cursor } } }", json!({}));
    let cursor = latest["events"]["nodes"][0]["cursor"].clone();
    // While the client is away.
    c.query("mutation($b: ID!) { updateAlbum(id: $b, input: { name: \"KoB\" }) { id } }", json!({ "b": b }));
    let second = album(&c, "Sketches", 1960, &a);
    c.query(
        "mutation($b: ID!, $o: ID!) { updateAlbum(id: $b, input: { artistId: $o }) { id } }",
        json!({ "b": b, "o": other }),
    );

    let mut ws = WsClient::user(&server, "alice");
    ws.subscribe(
        "many",
        "subscription($a: ID!, $c: String) { albumsChanged(where: { artistId: { eq: $a } }, after: $c) { kind id event { cursor } } }",
        json!({ "a": a, "c": cursor }),
    );
    let mut kinds = Vec::new();
    for _ in 0..3 {
        let m = ws.next_json();
        let change = &m["payload"]["data"]["albumsChanged"];
        kinds.push((s(&change["kind"]), s(&change["id"])));
    }
    assert_eq!(
        kinds,
        [("UPDATED".to_owned(), b.clone()), ("CREATED".to_owned(), second.clone()), ("LEFT".to_owned(), b.clone())],
        "the missed changes, in commit order"
    );
    // Then live.
    let live = album(&c, "Live", 1961, &a);
    let m = ws.next_json();
    assert_eq!(m["payload"]["data"]["albumsChanged"]["kind"], "CREATED", "{m}");
    assert_eq!(m["payload"]["data"]["albumsChanged"]["id"], json!(live), "{m}");

    // One entity's changes.
    ws.subscribe(
        "one",
        "subscription($b: ID!, $c: String) { albumChanged(id: $b, after: $c) { kind changedFields } }",
        json!({ "b": b, "c": cursor }),
    );
    let fields: Vec<Value> =
        (0..2).map(|_| ws.next_json()["payload"]["data"]["albumChanged"]["changedFields"].clone()).collect();
    assert_eq!(fields, [json!(["name"]), json!(["artistId"])]);

    // A cursor from the future is refused.
    use base64::Engine as _;
    let mut bytes = vec![1u8];
    bytes.extend(999_999u64.to_be_bytes());
    bytes.extend([0u8; 16]);
    let future = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    ws.subscribe(
        "future",
        "subscription($b: ID!, $c: String) { albumChanged(id: $b, after: $c) { kind } }",
        json!({ "b": b, "c": future }),
    );
    let m = ws.next_json();
    assert_eq!(m["type"], "error", "{m}");
    assert_eq!(m["payload"][0]["extensions"]["code"], "BAD_USER_INPUT", "{m}");
}

/// A client that subscribes to large payloads and stops reading is closed
/// with 4008 once its queue passes its byte bound; the server stays up.
#[test]
fn a_client_that_stops_reading_is_closed_by_bytes() {
    let Seeded { server, ids: (_, b), .. } = seeded(|alice| artist_with_album(alice, "Miles"));
    let c = server.user("alice");
    let big = "x".repeat(900 * 1024);
    c.query(
        "mutation($b: ID!, $d: String!) { updateAlbum(id: $b, input: { description: { set: $d } }) { id } }",
        json!({ "b": b, "d": big }),
    );
    let mut ws = WsClient::user(&server, "alice");
    for i in 0..20 {
        ws.subscribe(
            &format!("s{i}"),
            "subscription($b: ID!) { albumChanged(id: $b) { album { description } } }",
            json!({ "b": b }),
        );
    }
    // Let the subscriptions start, then change the album while the client reads nothing.
    std::thread::sleep(Duration::from_millis(500));
    for year in 0..6 {
        c.query(
            "mutation($b: ID!, $y: Int!) { updateAlbum(id: $b, input: { year: $y }) { id } }",
            json!({ "b": b, "y": 1960 + year }),
        );
    }
    assert_eq!(ws.close_code(), Some(4008), "a slow client is closed as too slow");
    let seq = server.seq();
    still_fine(&server, seq);
}

/// `--request-timeout` stops a query or mutation that runs too long, with
/// LIMIT_EXCEEDED, and a stopped mutation writes nothing. (The limit is set
/// far below what a page of 200 albums takes in any build, so the outcome
/// does not depend on the machine's speed.)
#[test]
fn the_request_time_limit_stops_long_requests() {
    let server = Server::with_args(&["--request-timeout", "1ms"]);
    let c = server.user("alice");
    // Writes made before the limit matters: small requests may or may not
    // finish within 1 ms, so seed with retries.
    let mut artist_id = None;
    for _ in 0..200 {
        let r = c.request("mutation { createArtist(input: { name: \"Miles\" }) { id } }", json!({}));
        if let Some(id) = r.json()["data"]["createArtist"]["id"].as_str() {
            artist_id = Some(id.to_owned());
            break;
        }
    }
    let a = artist_id.expect("a small create gets through within 1 ms at least once");
    let seq = server.seq();
    let creates: String = (0..200)
        .map(|i| format!("b{i}: createAlbum(input: {{ name: \"album {i}\", year: 1959, artistId: \"{a}\" }}) {{ id artist {{ name }} }} "))
        .collect();
    let body = c.fails(&format!("mutation {{ {creates} }}"), json!({}), "LIMIT_EXCEEDED");
    assert!(body.to_string().contains("ran longer than"), "{body}");
    assert_eq!(server.seq(), seq, "a mutation stopped by the time limit writes nothing");
}
