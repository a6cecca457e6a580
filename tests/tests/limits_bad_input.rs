//! Limits and bad input: never a 5xx, never a crash, the right code, nothing
//! written; the server answers normally afterwards.

use chronicle_tests::catalogue::{artist, artist_with_album};
use chronicle_tests::fixtures::{Seeded, seeded};
use chronicle_tests::*;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const SET_DESCRIPTION: &str =
    "mutation($b: ID!, $d: String!) { updateAlbum(id: $b, input: { description: { set: $d } }) { id } }";

/// The server is alive and serves a normal query.
fn still_fine(server: &Server, c: &Client<'_>, seq: u64) {
    assert!(c.server.health()["status"] == "ok");
    let d = c.query("{ artists { totalCount } albums { totalCount } }", json!({}));
    assert!(d["artists"]["totalCount"].is_u64());
    assert_eq!(server.seq(), seq, "bad requests commit nothing");
    assert!(server.is_running(), "the server is still running:\n{}", server.log());
}

/// POSTs `body` as JSON with a token for alice, and `accept` as the `Accept`
/// header when given; an error when the connection failed (the server may
/// answer an oversized body early and close it, see [`Server::try_post_raw`]).
fn try_raw(
    server: &Server,
    body: impl Into<reqwest::blocking::Body>,
    accept: Option<&str>,
) -> Result<Reply, reqwest::Error> {
    let auth = bearer("alice");
    let mut headers = vec![("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    if let Some(a) = accept {
        headers.push(("Accept", a));
    }
    server.try_post_raw(body, &headers)
}

fn raw(server: &Server, body: impl Into<reqwest::blocking::Body>, accept: Option<&str>) -> Reply {
    try_raw(server, body, accept).expect("POST /graphql")
}

#[test]
fn malformed_requests_are_bad_user_input() {
    let server = Server::start();
    let seq = server.seq();
    let bodies: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"".to_vec(),
        b"not json at all".to_vec(),
        b"[]".to_vec(),
        b"42".to_vec(),
        br#"{"query": 5}"#.to_vec(),
        br#"{"variables": {}}"#.to_vec(),
        br#"{"query": "{ me { userId } }", "variables": "nope"}"#.to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
    ];
    for body in bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        // A body that is not a GraphQL request is 400 whatever the client accepts
        // (GraphQL over HTTP: "SHOULD use 400 on JSON parsing failure").
        let r = raw(&server, body.clone(), None);
        assert!(matches!(r.status, 200 | 400), "plain JSON: {shown}: {}", r.text);
        r.expect_error("BAD_USER_INPUT");
        let r = raw(&server, body, Some(GRAPHQL_RESPONSE));
        assert_eq!(r.status, 400, "GraphQL over HTTP: a malformed request is 400: {shown}: {}", r.text);
        assert!(r.content_type.starts_with(GRAPHQL_RESPONSE), "content type {}", r.content_type);
        r.expect_error("BAD_USER_INPUT");
    }
    // Over-nested JSON is refused before it is parsed.
    let nested: Vec<Vec<u8>> = vec![
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        format!(
            r#"{{"query": "{{ me {{ userId }} }}", "variables": {{"x": {}1{}}}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        )
        .into_bytes(),
    ];
    for body in nested {
        let r = raw(&server, body, None);
        assert_eq!(r.status, 400, "{}", r.text);
        r.expect_error("LIMIT_EXCEEDED");
    }
    let c = server.user("alice");
    still_fine(&server, &c, seq);
}

#[test]
fn parse_and_validation_errors_are_bad_user_input() {
    let Seeded { server, seq, .. } = seeded(|alice| artist(alice, "Miles", None));
    let c = server.user("alice");
    let cases: Vec<(&str, Value)> = vec![
        ("{ artists { nodes { id }", json!({})),                        // syntax
        ("query {", json!({})),                                         // syntax
        ("}{", json!({})),                                              // syntax
        ("", json!({})),                                                // empty document
        ("{ nosuchfield }", json!({})),                                 // unknown field
        ("{ artists { nodes { nosuchfield } } }", json!({})),           // unknown nested field
        ("{ artists(nosucharg: 1) { totalCount } }", json!({})),        // unknown argument
        ("{ artists(first: \"ten\") { totalCount } }", json!({})),      // String for Int
        ("{ artists(first: 1.5) { totalCount } }", json!({})),          // Float for Int
        ("{ artists(orderBy: [SIDEWAYS]) { totalCount } }", json!({})), // unknown enum value
        ("{ artists(where: { nosuchfield: { eq: 1 } }) { totalCount } }", json!({})),
        ("{ artists(where: { name: { eq: 1 } }) { totalCount } }", json!({})), // Int for String
        ("{ albums(where: { year: { eq: \"1959\" } }) { totalCount } }", json!({})), // String for Int
        ("{ artist { name } }", json!({})),                                    // missing required argument
        ("{ artists }", json!({})),                                            // object without selection
        ("{ me { userId { x } } }", json!({})),                                // selection on a scalar
        ("query($n: Int) { artists(first: $n) { totalCount } }", json!({ "n": "ten" })), // variable type
        ("query($n: Int!) { artists(first: $n) { totalCount } }", json!({})),  // missing variable
        ("query($id: ID!) { artist(id: $id) { name } }", json!({ "id": null })),
        ("query A { me { userId } } query B { me { userId } }", json!({})), // which operation?
        ("fragment F on Artist { ...F name } { artists { nodes { ...F } } }", json!({})), // fragment cycle
        ("mutation { createAlbum(input: { name: \"x\", year: \"1959\", artistId: \"x\" }) { id } }", json!({})),
        ("subscription { nothing }", json!({})),
    ];
    for (query, vars) in &cases {
        let r = c.request(query, vars.clone());
        assert_eq!(r.status, 200, "{query}: {}", r.text);
        let body = r.expect_error("BAD_USER_INPUT");
        assert!(body.get("data").is_none_or(Value::is_null), "{query}: no data on a request error: {body}");
        let r = c.request_with(query, vars.clone(), &[("Accept", GRAPHQL_RESPONSE)]);
        assert_eq!(r.status, 400, "GraphQL over HTTP: {query} is a 400: {}", r.text);
        r.expect_error("BAD_USER_INPUT");
    }
    still_fine(&server, &c, seq);
}

#[test]
fn invalid_ids_and_null_operands_are_bad_user_input() {
    let Seeded { server, ids: (_, b), seq } = seeded(|alice| artist_with_album(alice, "Miles"));
    let c = server.user("alice");
    // Documents without variables.
    let documents = [
        // Null operands are errors, never "match everything".
        "{ albums(where: { name: { eq: null } }) { totalCount } }",
        "{ albums(where: { name: { ne: null } }) { totalCount } }",
        "{ albums(where: { year: { gt: null } }) { totalCount } }",
        "{ albums(where: { name: { startsWith: null } }) { totalCount } }",
        "{ albums(where: { name: { isNull: null } }) { totalCount } }",
        "{ albums(where: { name: { in: null } }) { totalCount } }",
        "{ albums(where: { name: null }) { totalCount } }",
        "{ albums(where: { and: null }) { totalCount } }",
        "{ albums(where: { or: null }) { totalCount } }",
        // Other bad values.
        "{ albums(first: -1) { totalCount } }",
        "{ albums(after: \"garbage\") { totalCount } }",
        "{ albums(after: \"\") { totalCount } }",
        "{ events(after: \"garbage\") { totalCount } }",
        "{ events(where: { since: \"yesterday\" }) { totalCount } }",
    ];
    let mut cases: Vec<(&str, Value)> = documents.map(|query| (query, json!({}))).to_vec();
    // Requests with variables.
    cases.extend([
        // Invalid ULIDs everywhere an ID goes.
        ("query($id: ID!) { artist(id: $id) { name } }", json!({ "id": "not-a-ulid" })),
        ("query($id: ID!) { artist(id: $id) { name } }", json!({ "id": "" })),
        ("query($id: ID!) { artist(id: $id) { name } }", json!({ "id": "8ZZZZZZZZZZZZZZZZZZZZZZZZZ" })), // overflows 128 bits
        ("query($id: ID!) { artist(id: $id) { name } }", json!({ "id": "01ARZ3NDEKTSV4RRFFQ69G5FAVX" })), // 27 chars
        ("query($id: ID!) { album(id: $id) { name } }", json!({ "id": "01arz3ndektsv4rrffq69g5fa!" })),
        ("query($id: ID!) { artistAt(id: $id, event: $id) { name } }", json!({ "id": "x" })),
        ("query($id: ID!) { event(id: $id) { id } }", json!({ "id": "x" })),
        ("query($id: ID!) { events(where: { entityId: $id }) { totalCount } }", json!({ "id": "x" })),
        ("query($id: ID!) { albums(where: { artistId: { eq: $id } }) { totalCount } }", json!({ "id": "x" })),
        ("query($id: ID!) { albums(where: { artistId: { in: [$id] } }) { totalCount } }", json!({ "id": "x" })),
        ("mutation($id: ID!) { updateArtist(id: $id, input: { name: \"x\" }) { id } }", json!({ "id": "x" })),
        ("mutation($id: ID!) { deleteArtist(id: $id) }", json!({ "id": "x" })),
        ("mutation($id: ID!) { createArtist(input: { id: $id, name: \"x\" }) { id } }", json!({ "id": "x" })),
        (
            "mutation($id: ID!) { createAlbum(input: { name: \"x\", year: 1, artistId: $id }) { id } }",
            json!({ "id": "x" }),
        ),
        (
            "mutation($b: ID!, $h: [ID!]) { updateAlbum(id: $b, input: { year: 2 }, ifHeads: $h) { id } }",
            json!({ "b": b, "h": ["x"] }),
        ),
        // Null operands in variables.
        ("query($v: String) { albums(where: { name: { eq: $v } }) { totalCount } }", json!({ "v": null })),
        ("query($v: String) { albums(where: { name: { eq: $v } }) { totalCount } }", json!({})),
        ("query($w: AlbumWhere) { albums(where: { and: [$w] }) { totalCount } }", json!({ "w": null })),
        // Other bad values.
        ("query($b: ID!) { album(id: $b) { history(after: \"garbage\") { totalCount } } }", json!({ "b": b })),
        ("mutation($b: ID!) { updateAlbum(id: $b, input: { year: null }) { id } }", json!({ "b": b })),
        // Int beyond 32 bits (async-graphql does not check the range, the server does).
        ("mutation($b: ID!) { updateAlbum(id: $b, input: { year: 2147483648 }) { id } }", json!({ "b": b })),
        ("mutation($b: ID!) { updateAlbum(id: $b, input: { year: -2147483649 }) { id } }", json!({ "b": b })),
    ]);
    for (query, vars) in &cases {
        let r = c.request(query, vars.clone());
        r.expect_error("BAD_USER_INPUT");
        let body = r.json();
        let msg = body["errors"][0]["message"].as_str().unwrap_or_default().to_lowercase();
        assert!(!msg.contains("internal"), "{query}: {msg}");
    }
    // `isNull` is the way to ask for nulls.
    let d = c.query("{ artists(where: { country: { isNull: true } }) { totalCount } }", json!({}));
    assert_eq!(d["artists"]["totalCount"], 1);
    still_fine(&server, &c, seq);
}

#[test]
fn limits_are_limit_exceeded() {
    let Seeded { server, ids: (a, b), seq } = seeded(|alice| artist_with_album(alice, "Miles"));
    let c = server.user("alice");

    // `first` above 500, on every connection.
    for (query, vars) in [
        ("{ albums(first: 501) { totalCount } }", json!({})),
        ("{ artists(first: 100000) { totalCount } }", json!({})),
        ("{ events(first: 501) { totalCount } }", json!({})),
        ("query($a: ID!) { artist(id: $a) { albums(first: 501) { totalCount } } }", json!({ "a": a })),
        ("query($b: ID!) { album(id: $b) { history(first: 501) { totalCount } } }", json!({ "b": b })),
    ] {
        c.fails(query, vars, "LIMIT_EXCEEDED");
    }
    let d = c.query("{ albums(first: 500) { totalCount } }", json!({}));
    assert_eq!(d["albums"]["totalCount"], 1, "500 is allowed");

    // Too deep: album{artist{albums{nodes{artist{…}}}}} past depth 12.
    let mut deep = String::from("id");
    for _ in 0..4 {
        deep = format!("artist {{ albums {{ nodes {{ {deep} }} }} }}");
    }
    let query = format!("query($b: ID!) {{ album(id: $b) {{ {deep} }} }}");
    let r = c.request(&query, json!({ "b": b }));
    r.expect_error("LIMIT_EXCEEDED");
    let r = c.request_with(&query, json!({ "b": b }), &[("Accept", GRAPHQL_RESPONSE)]);
    assert_eq!(r.status, 400, "a limit is a request error: {}", r.text);
    r.expect_error("LIMIT_EXCEEDED");
    // Depth 12 (counting the leaf) is fine, 13 is not.
    // (Small pages, so that the cost limit stays out of the way of the depth limit.)
    let twelve = "query($b: ID!) { album(id: $b) { artist { albums(first: 2) { nodes { artist { albums(first: 2) { nodes { artist { albums(first: 2) { nodes { artist { name } } } } } } } } } } } }";
    let d = c.query(twelve, json!({ "b": b }));
    assert_eq!(
        d["album"]["artist"]["albums"]["nodes"][0]["artist"]["albums"]["nodes"][0]["artist"]["albums"]["nodes"][0]["artist"]
            ["name"],
        "Miles"
    );
    let thirteen = twelve.replace("artist { name }", "artist { albums(first: 1) { nodes { id } } }");
    c.fails(&thirteen, json!({ "b": b }), "LIMIT_EXCEEDED");

    // Too complex: thousands of aliased fields (2 each, above the default 20,000).
    let wide: String = (0..10_100).map(|i| format!(" f{i}: me {{ userId }}")).collect();
    c.fails(&format!("{{{wide} }}"), json!({}), "LIMIT_EXCEEDED");

    // A Text value over 1 MiB, on create, on set, via splices and via a long name.
    let big = "x".repeat(1024 * 1024 + 1);
    let half = "y".repeat(600 * 1024);
    for (query, vars) in [
        (
            "mutation($a: ID!, $d: String!) { createAlbum(input: { name: \"Big\", year: 1, artistId: $a, description: $d }) { id } }",
            json!({ "a": a, "d": big }),
        ),
        (SET_DESCRIPTION, json!({ "b": b, "d": big })),
        (
            "mutation($b: ID!, $d: String!) { updateAlbum(id: $b, input: { description: { splices: [{ index: 0, insert: $d }, { index: 0, insert: $d }] } }) { id } }",
            json!({ "b": b, "d": half }),
        ),
        (
            "mutation($b: ID!, $d: String!) { updateAlbum(id: $b, input: { name: $d }) { id } }",
            json!({ "b": b, "d": big }),
        ),
    ] {
        c.fails(query, vars, "LIMIT_EXCEEDED");
    }
    // Just under the limit is accepted... and then written, so check the sequence before.
    still_fine(&server, &c, seq);
    let fits = "z".repeat(1024 * 1024);
    let d = c.query(SET_DESCRIPTION, json!({ "b": b, "d": fits }));
    assert_eq!(d["updateAlbum"]["id"], json!(b));
    let seq = server.seq();

    // A 3 MiB body: 413 (or LIMIT_EXCEEDED), never a 5xx.
    let huge = json!({ "query": "{ me { userId } }", "variables": { "pad": "p".repeat(3 * 1024 * 1024) } }).to_string();
    for accept in [None, Some(GRAPHQL_RESPONSE)] {
        // The server may answer 413 and close before the client finished sending.
        let Ok(r) = try_raw(&server, huge.clone(), accept) else { continue };
        assert!(
            r.status == 413 || (r.status < 500 && r.codes() == ["LIMIT_EXCEEDED"]),
            "a 3 MiB body: status {} {}",
            r.status,
            &r.text[..r.text.len().min(200)]
        );
    }
    still_fine(&server, &c, seq);
}

#[test]
fn other_routes_behave() {
    let server = Server::start();
    let c = server.user("alice");
    let seq = server.seq();
    let http = server.http();
    // GraphiQL in a browser.
    let r = http.get(server.url("/graphql")).send().expect("GET /graphql");
    assert_eq!(r.status(), 200);
    assert!(r.text().unwrap_or_default().to_lowercase().contains("graphiql"));
    // Unknown paths and methods.
    let r = http.get(server.url("/no-such-page")).send().expect("GET");
    assert_eq!(r.status(), 404);
    let r = http.delete(server.url("/graphql")).send().expect("DELETE");
    assert_eq!(r.status(), 405);
    // Metrics in Prometheus text.
    let r = http.get(server.url("/metrics")).send().expect("GET /metrics");
    assert_eq!(r.status(), 200);
    let text = r.text().unwrap_or_default();
    assert!(text.lines().any(|l| l.starts_with("# TYPE") || l.starts_with("# HELP")), "Prometheus text: {text}");
    // A successful request with the GraphQL-over-HTTP media type.
    let r = c.request_with("{ me { userId } }", json!({}), &[("Accept", GRAPHQL_RESPONSE)]);
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with(GRAPHQL_RESPONSE));
    assert_eq!(r.data()["me"]["userId"], "alice");
    // A resolver error (not a request error) with that media type is still 200 with errors.
    let r = c.request_with(
        "query($id: ID!) { artist(id: $id) { name } }",
        json!({ "id": "bad" }),
        &[("Accept", GRAPHQL_RESPONSE)],
    );
    assert!(r.status == 200 || r.status == 400, "status {}", r.status);
    r.expect_error("BAD_USER_INPUT");
    still_fine(&server, &c, seq);
}
