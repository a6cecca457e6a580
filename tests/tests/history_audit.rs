//! Entity history (oldest first), state as of an event or a time, single
//! events, and the audit log (newest first) with its filters and paging.

use std::time::Duration;

use chronicle_tests::*;

/// The events of the scenario, in the order they were written.
struct Scenario {
    artist_a: String,
    album_b: String,
    artist_c: String,
    /// name → event (id, at)
    events: Vec<(&'static str, String)>,
}

impl Scenario {
    fn id(&self, name: &str) -> String {
        self.events.iter().find(|(n, _)| *n == name).map(|(_, id)| id.clone()).expect("a scenario event")
    }
    fn ids(&self, names: &[&str]) -> Vec<String> {
        names.iter().map(|n| self.id(n)).collect()
    }
}

/// Distinct milliseconds per event, so time order = id order = write order.
fn tick() {
    std::thread::sleep(Duration::from_millis(3));
}

fn head(d: &Value) -> String {
    let heads = d["heads"].as_array().expect("heads");
    assert_eq!(heads.len(), 1, "one head: {d}");
    s(&heads[0])
}

/// Writes the scenario's events, naming each as it is written.
struct Script {
    events: Vec<(&'static str, String)>,
}

impl Script {
    /// Creates a `ty` from `input` as `c`, names its event `name`, and returns the new id.
    fn create(&mut self, name: &'static str, c: &Client<'_>, ty: &str, input: Value) -> String {
        let mutation = format!("mutation($i: {ty}CreateInput!) {{ written: create{ty}(input: $i) {{ id heads }} }}");
        s(&self.write(name, c, &mutation, json!({ "i": input }))["id"])
    }

    /// Updates the `ty` `id` with `input` as `c`, and names its event `name`.
    fn update(&mut self, name: &'static str, c: &Client<'_>, ty: &str, id: &str, input: Value) {
        let mutation = format!(
            "mutation($id: ID!, $i: {ty}UpdateInput!) {{ written: update{ty}(id: $id, input: $i) {{ heads }} }}"
        );
        self.write(name, c, &mutation, json!({ "id": id, "i": input }));
    }

    fn write(&mut self, name: &'static str, c: &Client<'_>, mutation: &str, variables: Value) -> Value {
        let written = c.query(mutation, variables)["written"].clone();
        self.events.push((name, head(&written)));
        tick();
        written
    }
}

fn scenario(server: &Server) -> Scenario {
    let alice = server.user("alice");
    let bob = server.user("bob");
    let mut script = Script { events: Vec::new() };
    let artist_a = script.create("a1", &alice, "Artist", json!({ "name": "Miles" }));
    let album_b = script.create(
        "b1",
        &alice,
        "Album",
        json!({ "name": "Kind of Blue", "year": 1959, "artistId": artist_a, "description": "Modal" }),
    );
    script.update("b2", &bob, "Album", &album_b, json!({ "name": "Kind of Blue (Legacy)" }));
    let splice = json!({ "description": { "splices": [{ "index": 5, "insert": " jazz" }] } });
    script.update("b3", &alice, "Album", &album_b, splice);
    let artist_c = script.create("c1", &bob, "Artist", json!({ "name": "Temp", "country": "FR" }));
    script.update("a2", &alice, "Artist", &artist_a, json!({ "country": "US" }));
    // A delete answers with the id only: its event is the entity's newest.
    bob.query("mutation($c: ID!) { deleteArtist(id: $c) }", json!({ "c": artist_c }));
    let d = bob.query(
        "query($c: ID!) { events(where: { entityId: $c }, first: 1) { nodes { id kind } } }",
        json!({ "c": artist_c }),
    );
    assert_eq!(d["events"]["nodes"][0]["kind"], "DELETED");
    let mut events = script.events;
    events.push(("c2", s(&d["events"]["nodes"][0]["id"])));
    Scenario { artist_a, album_b, artist_c, events }
}

/// The event `id` as `c` reads it, with `fields`.
fn event(c: &Client<'_>, id: &str, fields: &str) -> Value {
    c.query(&format!("query($e: ID!) {{ event(id: $e) {{ {fields} }} }}"), json!({ "e": id }))["event"].clone()
}

/// When the scenario's event `name` was written.
fn time_of(c: &Client<'_>, sc: &Scenario, name: &str) -> String {
    s(&event(c, &sc.id(name), "at")["at"])
}

fn ids_of(nodes: &Value) -> Vec<String> {
    nodes.as_array().expect("nodes").iter().map(|n| s(&n["id"])).collect()
}

#[test]
fn entity_history_is_oldest_first_with_kinds_and_changes() {
    let server = Server::start();
    let sc = scenario(&server);
    let c = server.user("carol");
    let d = c.query(
        "query($b: ID!) { album(id: $b) { history { totalCount pageInfo { hasNextPage } nodes { id kind collection entityId userId at precursors changes { field value } } } } }",
        json!({ "b": sc.album_b }),
    );
    let h = &d["album"]["history"];
    assert_eq!(h["totalCount"], 3);
    assert_eq!(h["pageInfo"]["hasNextPage"], false);
    let nodes = h["nodes"].as_array().expect("nodes");
    assert_eq!(ids_of(&h["nodes"]), sc.ids(&["b1", "b2", "b3"]), "history is oldest first");
    let kinds: Vec<&str> = nodes.iter().map(|n| n["kind"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["CREATED", "UPDATED", "UPDATED"]);
    let users: Vec<&str> = nodes.iter().map(|n| n["userId"].as_str().unwrap_or_default()).collect();
    assert_eq!(users, ["alice", "bob", "alice"]);
    assert_eq!(nodes[0]["precursors"], json!([]), "the creating event has no precursors");
    assert_eq!(nodes[1]["precursors"], json!([sc.id("b1")]));
    assert_eq!(nodes[2]["precursors"], json!([sc.id("b2")]));
    for n in nodes {
        assert_eq!(n["collection"], "album");
        assert_eq!(n["entityId"], json!(sc.album_b));
    }
    let ats: Vec<String> = nodes.iter().map(|n| s(&n["at"])).collect();
    assert!(ats.windows(2).all(|w| w[0] < w[1]), "times increase: {ats:?}");
    // Changes: every set field on create, only the changed field after.
    let created: Vec<(String, Value)> =
        nodes[0]["changes"].as_array().expect("changes").iter().map(|c| (s(&c["field"]), c["value"].clone())).collect();
    for (field, value) in [("name", json!("Kind of Blue")), ("year", json!(1959)), ("description", json!("Modal"))] {
        assert!(
            created.contains(&(field.to_owned(), value.clone())),
            "CREATED changes hold {field} = {value}: {created:?}"
        );
    }
    assert!(
        created.iter().any(|(f, v)| f.starts_with("artist") && *v == json!(sc.artist_a)),
        "CREATED changes hold the artist ref: {created:?}"
    );
    assert_eq!(nodes[1]["changes"], json!([{ "field": "name", "value": "Kind of Blue (Legacy)" }]));
    assert_eq!(nodes[2]["changes"], json!([{ "field": "description", "value": "Modal jazz" }]));

    // Paging the history.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    for _ in 0..10 {
        let d = c.query(
            "query($b: ID!, $after: String) { album(id: $b) { history(first: 1, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } }",
            json!({ "b": sc.album_b, "after": after }),
        );
        let h = &d["album"]["history"];
        assert_eq!(h["totalCount"], 3);
        seen.extend(ids_of(&h["nodes"]));
        if h["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = h["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, sc.ids(&["b1", "b2", "b3"]), "history in pages of one");
}

#[test]
fn state_as_of_an_event_or_a_time() {
    let server = Server::start();
    let sc = scenario(&server);
    let c = server.user("carol");
    let at_event = |e: &str| {
        c.query(
            "query($b: ID!, $e: ID!) { albumAt(id: $b, event: $e) { id name description heads updatedBy } }",
            json!({ "b": sc.album_b, "e": sc.id(e) }),
        )["albumAt"]
            .clone()
    };
    let b1 = at_event("b1");
    assert_eq!(b1["name"], "Kind of Blue");
    assert_eq!(b1["description"], "Modal");
    assert_eq!(b1["heads"], json!([sc.id("b1")]));
    assert_eq!(b1["updatedBy"], "alice");
    let b2 = at_event("b2");
    assert_eq!(b2["name"], "Kind of Blue (Legacy)");
    assert_eq!(b2["description"], "Modal");
    assert_eq!(b2["updatedBy"], "bob");
    let b3 = at_event("b3");
    assert_eq!(b3["description"], "Modal jazz");

    // By time: the state including every event at or before it.
    let t = |e: &str| time_of(&c, &sc, e);
    let at_time = |t: &str| {
        c.query(
            "query($b: ID!, $t: DateTime!) { albumAt(id: $b, at: $t) { name description } }",
            json!({ "b": sc.album_b, "t": t }),
        )["albumAt"]
            .clone()
    };
    assert_eq!(at_time(&t("b1")), json!({ "name": "Kind of Blue", "description": "Modal" }));
    assert_eq!(at_time(&t("b2")), json!({ "name": "Kind of Blue (Legacy)", "description": "Modal" }));
    assert_eq!(at_time(&t("b3")), json!({ "name": "Kind of Blue (Legacy)", "description": "Modal jazz" }));
    assert_eq!(at_time("2000-01-01T00:00:00Z"), Value::Null, "before creation: null");
    assert_eq!(
        at_time("2999-01-01T00:00:00.000Z"),
        json!({ "name": "Kind of Blue (Legacy)", "description": "Modal jazz" })
    );
    assert_eq!(
        at_time(&t("b1").replace('Z', "+00:00")),
        json!({ "name": "Kind of Blue", "description": "Modal" }),
        "offsets are accepted"
    );

    // A deleted entity: readable as of before the deletion, null after.
    let d = c.query(
        "query($c: ID!, $e1: ID!, $e2: ID!) { before: artistAt(id: $c, event: $e1) { name country } after: artistAt(id: $c, event: $e2) { name } now: artist(id: $c) { name } }",
        json!({ "c": sc.artist_c, "e1": sc.id("c1"), "e2": sc.id("c2") }),
    );
    assert_eq!(d["before"], json!({ "name": "Temp", "country": "FR" }));
    assert_eq!(d["after"], Value::Null);
    assert_eq!(d["now"], Value::Null);

    // Exactly one of `at` and `event`.
    let seq = server.seq();
    c.fails("query($b: ID!) { albumAt(id: $b) { name } }", json!({ "b": sc.album_b }), "BAD_USER_INPUT");
    c.fails(
        "query($b: ID!, $e: ID!) { albumAt(id: $b, event: $e, at: \"2999-01-01T00:00:00Z\") { name } }",
        json!({ "b": sc.album_b, "e": sc.id("b1") }),
        "BAD_USER_INPUT",
    );
    c.fails(
        "query($b: ID!) { albumAt(id: $b, event: \"nope\") { name } }",
        json!({ "b": sc.album_b }),
        "BAD_USER_INPUT",
    );
    c.fails(
        "query($b: ID!) { albumAt(id: $b, at: \"yesterday\") { name } }",
        json!({ "b": sc.album_b }),
        "BAD_USER_INPUT",
    );
    // An event of another entity, or an unknown event, is not a state of this album.
    for e in [sc.id("a1"), fresh_ulid()] {
        let r = c.request(
            "query($b: ID!, $e: ID!) { albumAt(id: $b, event: $e) { name } }",
            json!({ "b": sc.album_b, "e": e }),
        );
        let body = r.json();
        assert!(r.status < 500, "no 5xx: {body}");
        assert!(
            body["data"]["albumAt"].is_null(),
            "albumAt with an event that is not the album's must not return a state: {body}"
        );
        let codes = codes(&body);
        assert!(codes.iter().all(|c| c == "BAD_USER_INPUT" || c == "NOT_FOUND"), "{body}");
    }
    assert_eq!(server.seq(), seq, "queries write nothing");
}

#[test]
fn single_events() {
    let server = Server::start();
    let sc = scenario(&server);
    let c = server.user("carol");
    let e = event(&c, &sc.id("b2"), "id cursor kind collection entityId userId at precursors changes { field value }");
    assert_eq!(e["id"], json!(sc.id("b2")));
    assert_eq!(e["kind"], "UPDATED");
    assert_eq!(e["collection"], "album");
    assert_eq!(e["entityId"], json!(sc.album_b));
    assert_eq!(e["userId"], "bob");
    assert_eq!(e["precursors"], json!([sc.id("b1")]));
    assert_eq!(e["changes"], json!([{ "field": "name", "value": "Kind of Blue (Legacy)" }]));
    assert!(e["cursor"].as_str().is_some_and(|c| !c.is_empty()));
    let deleted = event(&c, &sc.id("c2"), "kind collection changes { field }");
    assert_eq!(deleted["kind"], "DELETED");
    assert_eq!(deleted["collection"], "artist");
    assert_eq!(deleted["changes"], json!([]), "a delete sets no field");
    assert_eq!(event(&c, &fresh_ulid(), "id"), Value::Null);
    c.fails("{ event(id: \"not-an-id\") { id } }", json!({}), "BAD_USER_INPUT");
}

const AUDIT: &str = "query($w: EventWhere, $first: Int, $after: String) { events(where: $w, first: $first, after: $after) { totalCount nodes { id userId collection entityId at cursor } edges { cursor } pageInfo { hasNextPage hasPreviousPage endCursor } } }";

fn audit(c: &Client<'_>, where_: Value) -> (Vec<String>, Value) {
    let d = c.query(AUDIT, json!({ "w": where_, "first": 500 }));
    (ids_of(&d["events"]["nodes"]), d["events"].clone())
}

#[test]
fn audit_log_filters_newest_first() {
    let server = Server::start();
    let sc = scenario(&server);
    let c = server.user("carol");
    let t = |e: &str| time_of(&c, &sc, e);

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!(null), vec!["c2", "a2", "c1", "b3", "b2", "b1", "a1"]),
        (json!({}), vec!["c2", "a2", "c1", "b3", "b2", "b1", "a1"]),
        (json!({ "userId": "alice" }), vec!["a2", "b3", "b1", "a1"]),
        (json!({ "userId": "bob" }), vec!["c2", "c1", "b2"]),
        (json!({ "userId": "nobody" }), vec![]),
        (json!({ "collection": "album" }), vec!["b3", "b2", "b1"]),
        (json!({ "collection": "artist" }), vec!["c2", "a2", "c1", "a1"]),
        (json!({ "collection": "artist", "userId": "bob" }), vec!["c2", "c1"]),
        (json!({ "collection": "playlist_entry" }), vec![]),
        (json!({ "entityId": sc.album_b }), vec!["b3", "b2", "b1"]),
        (json!({ "entityId": sc.artist_c }), vec!["c2", "c1"]),
        (json!({ "entityId": sc.artist_a, "userId": "alice" }), vec!["a2", "a1"]),
        (json!({ "entityId": sc.artist_a, "collection": "album" }), vec![]),
        (json!({ "since": t("b2") }), vec!["c2", "a2", "c1", "b3", "b2"]),
        (json!({ "until": t("b2") }), vec!["b2", "b1", "a1"]),
        (json!({ "since": t("b2"), "until": t("c1") }), vec!["c1", "b3", "b2"]),
        (json!({ "since": t("b2"), "until": t("c1"), "userId": "alice" }), vec!["b3"]),
        (json!({ "since": t("c1"), "until": t("b2") }), vec![]),
        (json!({ "since": t("b1"), "entityId": sc.album_b, "until": t("b2") }), vec!["b2", "b1"]),
        (json!({ "userId": "bob", "since": t("b3") }), vec!["c2", "c1"]),
    ];
    for (where_, expected) in &cases {
        let (got, conn) = audit(&c, where_.clone());
        assert_eq!(got, sc.ids(expected), "events(where: {where_}) newest first");
        assert_eq!(conn["totalCount"], expected.len(), "totalCount of events(where: {where_})");
        assert_eq!(conn["pageInfo"]["hasNextPage"], false);
        let nodes = conn["nodes"].as_array().expect("nodes");
        for n in nodes {
            if let Some(u) = where_.get("userId") {
                assert_eq!(&n["userId"], u);
            }
        }
        let ats: Vec<String> = nodes.iter().map(|n| s(&n["at"])).collect();
        assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first by time: {ats:?}");
    }
    c.fails(AUDIT, json!({ "w": { "since": "last tuesday" } }), "BAD_USER_INPUT");
    c.fails(AUDIT, json!({ "w": { "entityId": "nope" } }), "BAD_USER_INPUT");
    c.fails(AUDIT, json!({ "after": "garbage" }), "BAD_USER_INPUT");
}

#[test]
fn audit_log_pages_with_after() {
    let server = Server::start();
    let sc = scenario(&server);
    let c = server.user("carol");
    for (where_, page_size) in [
        (json!({}), 1),
        (json!({}), 2),
        (json!({}), 3),
        (json!({ "userId": "alice" }), 3),
        (json!({ "collection": "artist" }), 1),
    ] {
        let (all, _) = audit(&c, where_.clone());
        let mut seen: Vec<String> = Vec::new();
        let mut after = Value::Null;
        for page_no in 0..100 {
            let d = c.query(AUDIT, json!({ "w": where_, "first": page_size, "after": after }));
            let conn = &d["events"];
            let ids = ids_of(&conn["nodes"]);
            assert!(ids.len() <= page_size);
            assert_eq!(conn["totalCount"], all.len(), "totalCount on every page");
            assert_eq!(conn["pageInfo"]["hasPreviousPage"], json!(page_no > 0));
            // Node cursors and edge cursors agree.
            let node_cursors: Vec<Value> =
                conn["nodes"].as_array().expect("nodes").iter().map(|n| n["cursor"].clone()).collect();
            let edge_cursors: Vec<Value> =
                conn["edges"].as_array().expect("edges").iter().map(|e| e["cursor"].clone()).collect();
            assert_eq!(node_cursors, edge_cursors);
            seen.extend(ids);
            if conn["pageInfo"]["hasNextPage"] != json!(true) {
                break;
            }
            after = conn["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, all, "events(where: {where_}) in pages of {page_size}: none missing, none twice");
    }
    // `Event.cursor` from anywhere works as `after`.
    let (all, conn) = audit(&c, json!({}));
    let third = conn["nodes"][2]["cursor"].clone();
    let d = c.query(AUDIT, json!({ "after": third, "first": 500 }));
    assert_eq!(ids_of(&d["events"]["nodes"]), all[3..].to_vec());
    let _ = sc;
}
