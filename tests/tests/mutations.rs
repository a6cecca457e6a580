//! `ifHeads`, atomic multi-field mutations, and `TextEdit` (set, UTF-16
//! splices, Yrs updates) with `textState` interop.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chronicle_tests::catalogue::{all_ids, artist, artist_with_album};
use chronicle_tests::fixtures::{Seeded, seeded};
use chronicle_tests::ws::WsClient;
use chronicle_tests::*;
use yrs::updates::decoder::Decode as _;
use yrs::{GetString as _, ReadTxn as _, Text as _, Transact as _};

fn heads(c: &Client<'_>, album: &str) -> Value {
    c.query("query($id: ID!) { album(id: $id) { heads } }", json!({ "id": album }))["album"]["heads"].clone()
}

const UPDATE_NAME: &str = "mutation($id: ID!, $name: String!, $h: [ID!]) { updateAlbum(id: $id, input: { name: $name }, ifHeads: $h) { name heads } }";
const DELETE: &str = "mutation($id: ID!, $h: [ID!]) { deleteAlbum(id: $id, ifHeads: $h) }";

#[test]
fn if_heads_guards_updates_and_deletes() {
    let Seeded { server, ids: (_, b), .. } = seeded(|alice| artist_with_album(alice, "Miles Davis"));
    let c = server.user("alice");

    // Matching heads: succeeds and moves the heads.
    let h1 = heads(&c, &b);
    assert_eq!(h1.as_array().map(Vec::len), Some(1));
    let d = c.query(UPDATE_NAME, json!({ "id": b, "name": "v2", "h": h1 }));
    let h2 = d["updateAlbum"]["heads"].clone();
    assert_eq!(d["updateAlbum"]["name"], "v2");
    assert_ne!(h1, h2);
    // The new head is the event just written, and it lists the old head as precursor.
    let e = c.query("query($e: ID!) { event(id: $e) { kind precursors } }", json!({ "e": h2[0] }));
    assert_eq!(e["event"]["kind"], "UPDATED");
    assert_eq!(e["event"]["precursors"], h1);

    // Stale heads: CONFLICT, nothing written.
    let seq = server.seq();
    let body = c.fails(UPDATE_NAME, json!({ "id": b, "name": "lost", "h": h1 }), "CONFLICT");
    let msg = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(msg.contains(h2[0].as_str().unwrap_or("?")), "the conflict names the current heads: {msg}");
    // An event id that does not exist: CONFLICT.
    c.fails(UPDATE_NAME, json!({ "id": b, "name": "lost", "h": [fresh_ulid()] }), "CONFLICT");
    // Current heads plus an unknown one, or none at all: CONFLICT.
    c.fails(UPDATE_NAME, json!({ "id": b, "name": "lost", "h": [h2[0], fresh_ulid()] }), "CONFLICT");
    c.fails(UPDATE_NAME, json!({ "id": b, "name": "lost", "h": [] }), "CONFLICT");
    // The same for delete.
    c.fails(DELETE, json!({ "id": b, "h": h1 }), "CONFLICT");
    assert_eq!(server.seq(), seq, "refused writes commit nothing");
    let d = c.query("query($id: ID!) { album(id: $id) { name heads history { totalCount } } }", json!({ "id": b }));
    assert_eq!(d["album"]["name"], "v2");
    assert_eq!(d["album"]["heads"], h2);
    assert_eq!(d["album"]["history"]["totalCount"], 2);

    // Duplicated heads are the same set; null means "don't check".
    let d = c.query(UPDATE_NAME, json!({ "id": b, "name": "v3", "h": [h2[0], h2[0]] }));
    assert_eq!(d["updateAlbum"]["name"], "v3");
    let d = c.query(UPDATE_NAME, json!({ "id": b, "name": "v4", "h": null }));
    assert_eq!(d["updateAlbum"]["name"], "v4");

    // ifHeads on an unknown entity: not found, not a crash.
    let r = c.request(UPDATE_NAME, json!({ "id": fresh_ulid(), "name": "x", "h": h2 }));
    r.expect_error("NOT_FOUND");

    // Matching heads on delete: deleted.
    let h = heads(&c, &b);
    c.query(DELETE, json!({ "id": b, "h": h }));
    assert_eq!(c.query("query($id: ID!) { album(id: $id) { id } }", json!({ "id": b }))["album"], Value::Null);
}

#[test]
fn all_mutation_fields_of_a_request_commit_together_or_not_at_all() {
    let server = Server::start();
    let c = server.user("alice");

    // Two fields, the second referring to the first's client-chosen id: both committed.
    let artist_id = fresh_ulid();
    let d = c.query(
        "mutation($a: ID!) { artist: createArtist(input: { id: $a, name: \"Nina Simone\" }) { id } album: createAlbum(input: { name: \"Pastel Blues\", year: 1965, artistId: $a }) { id artist { name } } }",
        json!({ "a": artist_id }),
    );
    assert_eq!(d["artist"]["id"], json!(artist_id));
    assert_eq!(d["album"]["artist"]["name"], "Nina Simone", "later fields see earlier fields' writes");
    let album_id = s(&d["album"]["id"]);
    let d = c.query("query($a: ID!) { artist(id: $a) { name albums { nodes { id } } } }", json!({ "a": artist_id }));
    assert_eq!(d["artist"]["name"], "Nina Simone");
    assert_eq!(d["artist"]["albums"]["nodes"], json!([{ "id": album_id }]));

    // A later field fails: nothing of the request is written.
    let artists_before = all_ids(&c, "artists");
    let albums_before = all_ids(&c, "albums");
    let seq = server.seq();
    let failing: [(&str, Value, &str); 4] = [
        (
            "mutation($x: ID!) { a: createArtist(input: { name: \"Ghost\" }) { id } b: updateAlbum(id: $x, input: { name: \"y\" }) { id } }",
            json!({ "x": fresh_ulid() }),
            "NOT_FOUND",
        ),
        (
            "mutation($x: ID!) { a: createArtist(input: { name: \"Ghost\" }) { id } b: createAlbum(input: { name: \"y\", year: 1, artistId: $x }) { id } }",
            json!({ "x": fresh_ulid() }),
            "BAD_USER_INPUT",
        ),
        (
            "mutation($x: ID!) { a: createArtist(input: { name: \"Ghost\" }) { id } b: createArtist(input: { id: $x, name: \"Dup\" }) { id } }",
            json!({ "x": artist_id }),
            "CONFLICT",
        ),
        (
            "mutation($x: ID!, $b: ID!) { a: updateArtist(id: $x, input: { name: \"Renamed\" }) { id } b: deleteAlbum(id: $b) c: updateAlbum(id: $b, input: { year: 2000 }) { id } }",
            json!({ "x": artist_id, "b": album_id }),
            "NOT_FOUND",
        ),
    ];
    for (query, vars, code) in &failing {
        c.fails(query, vars.clone(), code);
        assert_eq!(server.seq(), seq, "nothing committed for {query}");
    }
    assert_eq!(all_ids(&c, "artists"), artists_before, "no artist was written");
    assert_eq!(all_ids(&c, "albums"), albums_before, "no album was written");
    let d = c.query("query($a: ID!) { artist(id: $a) { name history { totalCount } } }", json!({ "a": artist_id }));
    assert_eq!(d["artist"]["name"], "Nina Simone");
    assert_eq!(d["artist"]["history"]["totalCount"], 1);

    // Several changes of one entity in one request: all applied, in order.
    let d = c.query(
        "mutation($b: ID!) { u1: updateAlbum(id: $b, input: { name: \"Pastel Blues (remaster)\" }) { name } u2: updateAlbum(id: $b, input: { year: 1966 }) { name year } }",
        json!({ "b": album_id }),
    );
    assert_eq!(d["u2"]["name"], "Pastel Blues (remaster)");
    assert_eq!(d["u2"]["year"], 1966);
    let d = c.query("query($b: ID!) { album(id: $b) { name year } }", json!({ "b": album_id }));
    assert_eq!(d["album"], json!({ "name": "Pastel Blues (remaster)", "year": 1966 }));
}

/// Creates an artist and its album "KoB" (1959) with `description`; returns
/// the album's id and the `createAlbum` answer, which holds `fields`.
fn described_album(c: &Client<'_>, description: &str, fields: &str) -> (String, Value) {
    let a = artist(c, "Miles Davis", None);
    let d = c.query(
        &format!("mutation($a: ID!, $d: String!) {{ createAlbum(input: {{ name: \"KoB\", year: 1959, artistId: $a, description: $d }}) {{ id {fields} }} }}"),
        json!({ "a": a, "d": description }),
    );
    (s(&d["createAlbum"]["id"]), d["createAlbum"].clone())
}

fn description(c: &Client<'_>, id: &str) -> String {
    s(&c.query("query($id: ID!) { album(id: $id) { description } }", json!({ "id": id }))["album"]["description"])
}

const EDIT: &str =
    "mutation($id: ID!, $e: TextEdit!) { updateAlbum(id: $id, input: { description: $e }) { description } }";

#[test]
fn text_edits_set_and_utf16_splices() {
    let server = Server::start();
    let c = server.user("alice");
    let (id, created) = described_album(&c, "a😀b", "description");
    assert_eq!(created["description"], "a😀b");

    // The emoji is two UTF-16 code units: index 3 is after it.
    let d = c.query(EDIT, json!({ "id": id, "e": { "splices": [{ "index": 3, "insert": "X" }] } }));
    assert_eq!(d["updateAlbum"]["description"], "a😀Xb");
    // Delete the emoji (2 units at 1).
    let d = c.query(EDIT, json!({ "id": id, "e": { "splices": [{ "index": 1, "delete": 2 }] } }));
    assert_eq!(d["updateAlbum"]["description"], "aXb");
    // Splices apply in order, each to the text the previous one left.
    let d = c.query(
        EDIT,
        json!({ "id": id, "e": { "splices": [
            { "index": 0, "insert": "🎺 " },   // "🎺 aXb"
            { "index": 3, "delete": 1, "insert": "A" }, // "🎺 AXb"
            { "index": 6, "insert": "!" },    // end: "🎺 AXb!"
        ] } }),
    );
    assert_eq!(d["updateAlbum"]["description"], "🎺 AXb!");
    // `set` replaces the whole text; splices after it apply to the new text.
    let d = c.query(
        EDIT,
        json!({ "id": id, "e": { "set": "Modal jazz.", "splices": [{ "index": 0, "insert": "Cool, " }] } }),
    );
    assert_eq!(d["updateAlbum"]["description"], "Cool, Modal jazz.");
    let d = c.query(EDIT, json!({ "id": id, "e": { "set": "" } }));
    assert_eq!(d["updateAlbum"]["description"], "");
    c.query(EDIT, json!({ "id": id, "e": { "set": "日本語 ✓" } }));
    assert_eq!(description(&c, &id), "日本語 ✓");

    // Out of range, negative, or splitting a surrogate pair: BAD_USER_INPUT, nothing written.
    c.query(EDIT, json!({ "id": id, "e": { "set": "a😀b" } }));
    let seq = server.seq();
    for splice in [
        json!({ "index": 5, "insert": "x" }),
        json!({ "index": 2, "insert": "x" }),
        json!({ "index": 0, "delete": 2 }),
        json!({ "index": 3, "delete": 2 }),
        json!({ "index": -1, "insert": "x" }),
        json!({ "index": 0, "delete": -1 }),
    ] {
        c.fails(EDIT, json!({ "id": id, "e": { "splices": [splice] } }), "BAD_USER_INPUT");
    }
    // A failing second splice undoes the first.
    c.fails(
        EDIT,
        json!({ "id": id, "e": { "splices": [{ "index": 0, "insert": "ok" }, { "index": 99, "insert": "bad" }] } }),
        "BAD_USER_INPUT",
    );
    assert_eq!(server.seq(), seq, "refused text edits commit nothing");
    assert_eq!(description(&c, &id), "a😀b");

    // The history shows the text after each change.
    let d = c.query(
        "query($id: ID!) { album(id: $id) { history(first: 500) { nodes { kind changes { field value } yrsUpdate } } } }",
        json!({ "id": id }),
    );
    let events = d["album"]["history"]["nodes"].as_array().expect("history").clone();
    let last = events.last().expect("events");
    assert_eq!(last["changes"], json!([{ "field": "description", "value": "a😀b" }]));
    assert!(
        last["yrsUpdate"].as_str().is_some_and(|u| STANDARD.decode(u).is_ok()),
        "a text event carries its Yrs update"
    );
}

/// Loads a `textState` into a fresh Yrs document.
fn load(text_state: &str) -> yrs::Doc {
    let bytes = STANDARD.decode(text_state).expect("textState is base64");
    let doc = yrs::Doc::new();
    {
        let mut txn = doc.transact_mut();
        txn.apply_update(yrs::Update::decode_v1(&bytes).expect("textState is a Yrs v1 update"))
            .expect("textState applies");
    }
    doc
}

fn text_of(doc: &yrs::Doc, field: &str) -> String {
    let txn = doc.transact();
    txn.get_text(field).map(|t| t.get_string(&txn)).unwrap_or_default()
}

#[test]
fn yrs_updates_and_text_state_interop() {
    let server = Server::start();
    let c = server.user("alice");
    let (id, created) = described_album(&c, "Modal jazz.", "textState");
    let doc = load(&s(&created["textState"]));
    assert_eq!(text_of(&doc, "description"), "Modal jazz.", "textState holds the description");

    // A client edit made with Yrs against textState, sent as yrsUpdate.
    let before = doc.transact().state_vector();
    {
        let text = doc.get_or_insert_text("description");
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, "Cool ");
        text.push(&mut txn, " 🎷");
    }
    let update = doc.transact().encode_diff_v1(&before);
    let d = c.query(
        "mutation($id: ID!, $u: String!) { updateAlbum(id: $id, input: { description: { yrsUpdate: $u } }) { description textState } }",
        json!({ "id": id, "u": STANDARD.encode(&update) }),
    );
    assert_eq!(d["updateAlbum"]["description"], "Cool Modal jazz. 🎷");
    let server_doc = load(&s(&d["updateAlbum"]["textState"]));
    assert_eq!(text_of(&server_doc, "description"), "Cool Modal jazz. 🎷");
    // Replaying the events' yrsUpdates from the history rebuilds the same text.
    let d = c.query(
        "query($id: ID!) { album(id: $id) { history(first: 500) { nodes { yrsUpdate } } } }",
        json!({ "id": id }),
    );
    let replay = yrs::Doc::new();
    for e in d["album"]["history"]["nodes"].as_array().into_iter().flatten() {
        let bytes = STANDARD.decode(s(&e["yrsUpdate"])).expect("base64");
        let mut txn = replay.transact_mut();
        txn.apply_update(yrs::Update::decode_v1(&bytes).expect("v1 update")).expect("applies");
    }
    assert_eq!(text_of(&replay, "description"), "Cool Modal jazz. 🎷");

    // Garbage: not base64, base64 of junk, an update depending on unseen changes.
    let seq = server.seq();
    let yrs_edit =
        "mutation($id: ID!, $u: String!) { updateAlbum(id: $id, input: { description: { yrsUpdate: $u } }) { id } }";
    for junk in
        ["%%% not base64 %%%".to_owned(), STANDARD.encode([0xff, 0xfe, 0x01, 0x02, 0x03]), STANDARD.encode([1u8; 64])]
    {
        c.fails(yrs_edit, json!({ "id": id, "u": junk }), "BAD_USER_INPUT");
    }
    let other = yrs::Doc::new();
    let step1 = {
        let t = other.get_or_insert_text("description");
        let mut txn = other.transact_mut();
        t.insert(&mut txn, 0, "unseen ");
        drop(txn);
        other.transact().state_vector()
    };
    {
        let t = other.get_or_insert_text("description");
        let mut txn = other.transact_mut();
        t.push(&mut txn, "depends on it");
    }
    let dependent = other.transact().encode_diff_v1(&step1);
    c.fails(yrs_edit, json!({ "id": id, "u": STANDARD.encode(dependent) }), "BAD_USER_INPUT");
    assert_eq!(server.seq(), seq, "refused Yrs updates commit nothing");
    assert_eq!(description(&c, &id), "Cool Modal jazz. 🎷");

    // Events without a text operation have a null yrsUpdate.
    let d =
        c.query("mutation($id: ID!) { updateAlbum(id: $id, input: { year: 1960 }) { heads } }", json!({ "id": id }));
    let e = c.query(
        "query($e: ID!) { event(id: $e) { yrsUpdate changes { field value } } }",
        json!({ "e": d["updateAlbum"]["heads"][0] }),
    );
    assert_eq!(e["event"]["yrsUpdate"], Value::Null);
    assert_eq!(e["event"]["changes"], json!([{ "field": "year", "value": 1960 }]));
}

/// Has eight clients, `writer-0` to `writer-7`, send `request(client, i)` at
/// once (a barrier releases them together); returns their replies in that order.
fn race(server: &Server, request: impl Fn(&Client<'_>, usize) -> Reply + Sync) -> Vec<Reply> {
    let writers = 8;
    let barrier = std::sync::Barrier::new(writers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|i| {
                let (barrier, request) = (&barrier, &request);
                scope.spawn(move || {
                    let c = server.user(&format!("writer-{i}"));
                    barrier.wait();
                    request(&c, i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a writer thread")).collect()
    })
}

#[test]
fn concurrent_writers_with_the_same_if_heads_one_wins() {
    let Seeded { server, ids: (_, b), .. } = seeded(|alice| artist_with_album(alice, "Miles Davis"));
    let c = server.user("alice");
    for round in 0..5 {
        let h = heads(&c, &b);
        let results = race(&server, |c, i| {
            c.request(UPDATE_NAME, json!({ "id": b, "name": format!("round {round} writer {i}"), "h": h }))
        });
        let won: Vec<&Reply> = results.iter().filter(|r| r.codes().is_empty()).collect();
        for r in &results {
            assert!(r.codes().is_empty() || r.codes() == ["CONFLICT"], "round {round}: {}", r.text);
        }
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one writer with the same ifHeads wins: {:?}",
            results.iter().map(|r| r.codes()).collect::<Vec<_>>()
        );
        let d = c.query("query($id: ID!) { album(id: $id) { name heads } }", json!({ "id": b }));
        assert_eq!(d["album"]["heads"].as_array().map(Vec::len), Some(1), "round {round}: no fork");
        assert_eq!(d["album"]["name"], won[0].data()["updateAlbum"]["name"]);
    }
}

#[test]
fn concurrent_creates_with_one_client_id_one_wins() {
    let server = Server::start();
    for round in 0..5 {
        let id = fresh_ulid();
        let results = race(&server, |c, i| {
            c.request(
                "mutation($i: ArtistCreateInput!) { createArtist(input: $i) { id } }",
                json!({ "i": { "id": id, "name": format!("writer {i}") } }),
            )
        });
        let codes: Vec<Vec<String>> = results.iter().map(Reply::codes).collect();
        assert_eq!(codes.iter().filter(|c| c.is_empty()).count(), 1, "round {round}: one create wins: {codes:?}");
        assert!(
            codes.iter().all(|c| c.is_empty() || *c == ["CONFLICT"]),
            "round {round}: the others conflict: {codes:?}"
        );
        let c = server.user("reader");
        let d = c.query("query($id: ID!) { artist(id: $id) { heads history { totalCount } } }", json!({ "id": id }));
        assert_eq!(d["artist"]["history"]["totalCount"], 1, "round {round}: one creating event");
    }
}

/// A mutation's selection is resolved after the request's commit: it sees
/// the request's own events (with their cursors), reverse relations and
/// counts, and two fields touching one entity both show its final state.
#[test]
fn mutation_answers_show_the_committed_state() {
    let Seeded { server, ids: (a, b), .. } = seeded(|alice| artist_with_album(alice, "Miles"));
    let c = server.user("alice");
    let d = c.query(
        "mutation($b: ID!) { updateAlbum(id: $b, input: { year: 1960, description: { set: \"Modal\" } }) { year history { totalCount nodes { userId cursor yrsUpdate } } } }",
        json!({ "b": b }),
    );
    let history = &d["updateAlbum"]["history"];
    assert_eq!(history["totalCount"], 2, "the update's own event is in its history: {d}");
    let last = &history["nodes"][1];
    assert_eq!(last["userId"], "alice");
    assert!(last["cursor"].as_str().is_some_and(|c| !c.is_empty()), "a committed cursor: {last}");
    assert!(last["yrsUpdate"].is_string(), "the text edit's update: {last}");

    let d = c.query(
        "mutation($a: ID!, $b: ID!) {
            t: createTrack(input: { name: \"So What\", position: 1, albumId: $b }) { album { tracks { totalCount } } }
            first: updateArtist(id: $a, input: { name: \"Miles D\" }) { name albums { totalCount nodes { name } } }
            second: updateArtist(id: $a, input: { country: \"US\" }) { name country }
        }",
        json!({ "a": a, "b": b }),
    );
    assert_eq!(d["t"]["album"]["tracks"]["totalCount"], 1, "the new track is counted: {d}");
    assert_eq!(d["first"]["name"], "Miles D");
    assert_eq!(d["first"]["albums"]["totalCount"], 1);
    // Both fields show the entity as the request left it.
    assert_eq!(d["first"]["name"], d["second"]["name"]);
    assert_eq!(d["second"]["country"], "US");

    // Over WebSocket too.
    let mut ws = WsClient::user(&server, "alice");
    ws.subscribe(
        "m",
        "mutation($b: ID!) { updateAlbum(id: $b, input: { year: 1961 }) { year history { totalCount } } }",
        json!({ "b": b }),
    );
    let m = ws.next_json();
    assert_eq!(m["payload"]["data"]["updateAlbum"]["history"]["totalCount"], 3, "{m}");
}
