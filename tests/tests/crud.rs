//! Create, read, update and delete on every demo model, over the real server.

use chronicle_tests::catalogue::{album, all_ids, artist, playlist, track};
use chronicle_tests::*;

/// One model's names and sample inputs.
struct Model<'a> {
    ty: &'a str,
    /// The collection name (snake_case).
    collection: &'a str,
    single: &'a str,
    list: &'a str,
    /// The model's own fields as a selection.
    fields: &'a str,
    create: Value,
    update: Value,
    /// What the fields read after `create` and after `update`.
    created: Value,
    updated: Value,
}

fn selection(m: &Model<'_>) -> String {
    format!("id {} createdBy createdAt updatedBy updatedAt heads", m.fields)
}

fn assert_fields(node: &Value, expected: &Value, what: &str) {
    for (k, v) in expected.as_object().expect("an object of expected fields") {
        assert_eq!(&node[k], v, "{what}: field `{k}` of {node:#}");
    }
}

/// The full cycle for one model; returns nothing, asserts everything.
fn crud_cycle(server: &Server, m: &Model<'_>) {
    let alice = server.user("alice");
    let bob = server.user("bob");
    let sel = selection(m);
    let (ty, single, list) = (m.ty, m.single, m.list);

    // Create.
    let before = server.seq();
    let d = alice.query(
        &format!("mutation($i: {ty}CreateInput!) {{ create{ty}(input: $i) {{ {sel} }} }}"),
        json!({ "i": m.create }),
    );
    let created = d[format!("create{ty}")].clone();
    let id = s(&created["id"]);
    assert_eq!(id.len(), 26, "{ty}: ids are ULIDs: {id}");
    assert_fields(&created, &m.created, &format!("create{ty}"));
    assert_eq!(created["createdBy"], "alice");
    assert_eq!(created["updatedBy"], "alice");
    assert_eq!(created["createdAt"], created["updatedAt"]);
    assert_eq!(created["heads"].as_array().map(Vec::len), Some(1), "{ty}: one head after create");
    assert!(server.seq() > before, "{ty}: a create commits");

    // Read by id.
    let read_q = format!("query($id: ID!) {{ {single}(id: $id) {{ {sel} }} }}");
    let read = alice.query(&read_q, json!({ "id": id }))[single].clone();
    assert_eq!(read, created, "{ty}: reading by id returns what create returned");

    // Update (by another user).
    let d = bob.query(
        &format!("mutation($id: ID!, $i: {ty}UpdateInput!) {{ update{ty}(id: $id, input: $i) {{ {sel} }} }}"),
        json!({ "id": id, "i": m.update }),
    );
    let updated = d[format!("update{ty}")].clone();
    assert_eq!(updated["id"], json!(id));
    assert_fields(&updated, &m.updated, &format!("update{ty}"));
    assert_eq!(updated["createdBy"], "alice", "{ty}: createdBy survives an update");
    assert_eq!(updated["updatedBy"], "bob", "{ty}: updatedBy is the updating user");
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert_ne!(updated["heads"], created["heads"], "{ty}: an update moves the heads");
    let read = alice.query(&read_q, json!({ "id": id }))[single].clone();
    assert_eq!(read, updated, "{ty}: reading after the update");

    // The list has it.
    assert!(all_ids(&alice, list).contains(&id), "{ty}: `{list}` lists the entity");

    // Delete.
    let d = bob.query(&format!("mutation($id: ID!) {{ delete{ty}(id: $id) }}"), json!({ "id": id }));
    assert_eq!(d[format!("delete{ty}")], json!(id), "{ty}: delete returns the id");
    assert_eq!(alice.query(&read_q, json!({ "id": id }))[single], Value::Null, "{ty}: deleted reads as null");
    assert!(!all_ids(&alice, list).contains(&id), "{ty}: `{list}` excludes the deleted entity");

    // History remains: created, updated, deleted (audit is newest first).
    let d = alice.query(
        "query($id: ID!) { events(where: { entityId: $id }) { nodes { id kind userId collection entityId } } }",
        json!({ "id": id }),
    );
    let events = d["events"]["nodes"].as_array().expect("events").clone();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["DELETED", "UPDATED", "CREATED"], "{ty}: history of a deleted entity");
    let users: Vec<&str> = events.iter().map(|e| e["userId"].as_str().unwrap_or_default()).collect();
    assert_eq!(users, ["bob", "bob", "alice"]);
    for e in &events {
        assert_eq!(e["entityId"], json!(id));
        assert_eq!(e["collection"], m.collection, "{ty}: the collection is the snake_case model name");
    }
    // The state as of the creating event is still readable.
    let at = alice.query(
        &format!("query($id: ID!, $e: ID!) {{ {single}At(id: $id, event: $e) {{ {sel} }} }}"),
        json!({ "id": id, "e": events[2]["id"] }),
    );
    assert_eq!(at[format!("{single}At")], created, "{ty}: the state right after the creating event");

    // A deleted entity can be neither updated nor deleted again, and nothing is written.
    let seq = server.seq();
    let r = bob.request(
        &format!("mutation($id: ID!, $i: {ty}UpdateInput!) {{ update{ty}(id: $id, input: $i) {{ id }} }}"),
        json!({ "id": id, "i": m.update }),
    );
    r.expect_error("NOT_FOUND");
    let r = bob.request(&format!("mutation($id: ID!) {{ delete{ty}(id: $id) }}"), json!({ "id": id }));
    r.expect_error("NOT_FOUND");
    assert_eq!(server.seq(), seq, "{ty}: failed writes commit nothing");

    // Client-chosen id; a duplicate is a CONFLICT that writes nothing.
    let chosen = fresh_ulid();
    let mut input = m.create.clone();
    input["id"] = json!(chosen);
    let create_q = format!("mutation($i: {ty}CreateInput!) {{ create{ty}(input: $i) {{ {sel} }} }}");
    let d = alice.query(&create_q, json!({ "i": input }));
    assert_eq!(d[format!("create{ty}")]["id"], json!(chosen), "{ty}: the client-chosen id is kept");
    assert_fields(&d[format!("create{ty}")], &m.created, &format!("create{ty} with id"));
    let seq = server.seq();
    let r = bob.request(&create_q, json!({ "i": input }));
    r.expect_error("CONFLICT");
    assert_eq!(server.seq(), seq, "{ty}: a duplicate id commits nothing");
    let read = alice.query(&read_q, json!({ "id": chosen }))[single].clone();
    assert_eq!(read["createdBy"], "alice", "{ty}: the duplicate did not overwrite the original");
    // Re-using the id of a deleted entity is a conflict too.
    input["id"] = json!(id);
    bob.request(&create_q, json!({ "i": input })).expect_error("CONFLICT");
    assert_eq!(server.seq(), seq);
    assert_eq!(alice.query(&read_q, json!({ "id": id }))[single], Value::Null, "{ty}: still deleted");
}

#[test]
fn crud_on_every_model() {
    let server = Server::start();
    let alice = server.user("alice");
    let artist_a = artist(&alice, "Miles Davis", Some("US"));
    let artist_b = artist(&alice, "Bill Evans", None);
    let album_a = album(&alice, "Kind of Blue", 1959, &artist_a);
    let album_b = album(&alice, "Sunday at the Village Vanguard", 1961, &artist_b);
    let track_a = track(&alice, "So What", 1, &album_a);
    let track_b = track(&alice, "Gloria's Step", 1, &album_b);
    let list_a = playlist(&alice, "Late night");
    let list_b = playlist(&alice, "Morning");

    let models = [
        Model {
            ty: "Artist",
            collection: "artist",
            single: "artist",
            list: "artists",
            fields: "name country",
            create: json!({ "name": "John Coltrane", "country": "US" }),
            update: json!({ "name": "J. Coltrane", "country": null }),
            created: json!({ "name": "John Coltrane", "country": "US" }),
            updated: json!({ "name": "J. Coltrane", "country": null }),
        },
        Model {
            ty: "Album",
            collection: "album",
            single: "album",
            list: "albums",
            fields: "name year artistId description",
            create: json!({ "name": "Blue Train", "year": 1957, "artistId": artist_a, "description": "Hard bop." }),
            update: json!({ "year": 1958, "artistId": artist_b, "description": { "set": "Hard bop, 1957." } }),
            created: json!({ "name": "Blue Train", "year": 1957, "artistId": artist_a, "description": "Hard bop." }),
            updated: json!({ "name": "Blue Train", "year": 1958, "artistId": artist_b, "description": "Hard bop, 1957." }),
        },
        Model {
            ty: "Track",
            collection: "track",
            single: "track",
            list: "tracks",
            fields: "name position albumId",
            create: json!({ "name": "Freddie Freeloader", "position": 2, "albumId": album_a }),
            update: json!({ "position": 3, "albumId": album_b }),
            created: json!({ "name": "Freddie Freeloader", "position": 2, "albumId": album_a }),
            updated: json!({ "name": "Freddie Freeloader", "position": 3, "albumId": album_b }),
        },
        Model {
            ty: "Playlist",
            collection: "playlist",
            single: "playlist",
            list: "playlists",
            fields: "name",
            create: json!({ "name": "Focus" }),
            update: json!({ "name": "Deep focus" }),
            created: json!({ "name": "Focus" }),
            updated: json!({ "name": "Deep focus" }),
        },
        Model {
            ty: "PlaylistEntry",
            collection: "playlist_entry",
            single: "playlistEntry",
            list: "playlistEntries",
            fields: "playlistId trackId position",
            create: json!({ "playlistId": list_a, "trackId": track_a, "position": 1 }),
            update: json!({ "playlistId": list_b, "trackId": track_b, "position": 7 }),
            created: json!({ "playlistId": list_a, "trackId": track_a, "position": 1 }),
            updated: json!({ "playlistId": list_b, "trackId": track_b, "position": 7 }),
        },
    ];
    for m in &models {
        crud_cycle(&server, m);
    }
}

#[test]
fn absent_ids_read_as_null_and_optional_fields_default() {
    let server = Server::start();
    let alice = server.user("alice");
    let d = alice.query(
        "query($id: ID!) { artist(id: $id) { id } album(id: $id) { id } track(id: $id) { id } playlist(id: $id) { id } playlistEntry(id: $id) { id } }",
        json!({ "id": fresh_ulid() }),
    );
    for k in ["artist", "album", "track", "playlist", "playlistEntry"] {
        assert_eq!(d[k], Value::Null, "{k} of an unknown id");
    }
    // `country` is optional and `description` (Text) defaults to "".
    let a = alice.query("mutation { createArtist(input: { name: \"Nico\" }) { id name country } }", json!({}));
    assert_eq!(a["createArtist"]["country"], Value::Null);
    let id = s(&a["createArtist"]["id"]);
    let b = alice.query(
        "mutation($a: ID!) { createAlbum(input: { name: \"Chelsea Girl\", year: 1967, artistId: $a }) { description textState } }",
        json!({ "a": id }),
    );
    assert_eq!(b["createAlbum"]["description"], "");
    assert!(b["createAlbum"]["textState"].is_string());
    // A required field left out is refused.
    let seq = server.seq();
    alice.fails("mutation { createArtist(input: { country: \"DE\" }) { id } }", json!({}), "BAD_USER_INPUT");
    alice.fails("mutation { createArtist(input: { name: null }) { id } }", json!({}), "BAD_USER_INPUT");
    alice.fails(
        "mutation($a: ID!) { updateArtist(id: $a, input: { name: null }) { id } }",
        json!({ "a": id }),
        "BAD_USER_INPUT",
    );
    assert_eq!(server.seq(), seq);
}

#[test]
fn acknowledged_writes_survive_a_kill_and_verify_clean() {
    let mut server = Server::start();
    let alice = server.user("alice");
    let a = artist(&alice, "Alice Coltrane", Some("US"));
    let b = album(&alice, "Journey in Satchidananda", 1971, &a);
    alice.query(
        "mutation($b: ID!) { updateAlbum(id: $b, input: { description: { set: \"Spiritual jazz\" } }) { id } }",
        json!({ "b": b }),
    );
    server.restart(); // SIGKILL, then start on the same data directory.
    let alice = server.user("alice");
    let d = alice.query(
        "query($b: ID!) { album(id: $b) { name year description artist { name } history { totalCount } } }",
        json!({ "b": b }),
    );
    assert_eq!(d["album"]["name"], "Journey in Satchidananda");
    assert_eq!(d["album"]["description"], "Spiritual jazz");
    assert_eq!(d["album"]["artist"]["name"], "Alice Coltrane");
    assert_eq!(d["album"]["history"]["totalCount"], 2);
    server.kill();
    let data = server.data_dir();
    let out = run_cli(&["verify", "--data", data.to_str().expect("a UTF-8 path")]);
    assert!(out.contains("clean"), "`chronicle verify` after a kill: {out}");
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_cleanly_and_keeps_the_data() {
    let mut server = Server::start();
    let alice = server.user("alice");
    let a = artist(&alice, "Sun Ra", None);
    let status = server.terminate(std::time::Duration::from_secs(20));
    let status = status.unwrap_or_else(|| panic!("the server did not stop within 20 s of SIGTERM:\n{}", server.log()));
    assert!(status.success(), "a graceful shutdown exits 0: {status}\n{}", server.log());
    server.restart();
    let alice = server.user("alice");
    let d = alice.query("query($a: ID!) { artist(id: $a) { name } }", json!({ "a": a }));
    assert_eq!(d["artist"]["name"], "Sun Ra");
}
