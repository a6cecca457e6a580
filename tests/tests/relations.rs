//! Relations both ways, many-to-many through `PlaylistEntry`, and refs to
//! missing or deleted entities.

use chronicle_tests::catalogue::{album, artist, artist_with_album, entry, playlist, track, tracks};
use chronicle_tests::*;

fn names(nodes: &Value, path: &[&str]) -> Vec<String> {
    nodes
        .as_array()
        .unwrap_or_else(|| panic!("expected a list of nodes, got {nodes}"))
        .iter()
        .map(|n| {
            let mut v = n;
            for p in path {
                v = &v[*p];
            }
            s(v)
        })
        .collect()
}

#[test]
fn one_to_many_both_ways() {
    let server = Server::start();
    let c = server.user("alice");
    let [miles, evans] = ["Miles Davis", "Bill Evans"].map(|name| artist(&c, name, Some("US")));
    let nico = artist(&c, "Nico", None);
    let kob = album(&c, "Kind of Blue", 1959, &miles);
    let bitches = album(&c, "Bitches Brew", 1970, &miles);
    let sketches = album(&c, "Sketches of Spain", 1960, &miles);
    let waltz = album(&c, "Waltz for Debby", 1961, &evans);
    tracks(&c, &kob, ["So What", "Freddie Freeloader", "Blue in Green"]);
    track(&c, "Pharaoh's Dance", 1, &bitches);

    // Album.artist and Track.album (forward), two levels deep.
    let d = c.query(
        "query($a: ID!) { album(id: $a) { artistId artist { id name } tracks(orderBy: [POSITION_ASC]) { totalCount nodes { name position albumId album { name artist { name } } } } } }",
        json!({ "a": kob }),
    );
    let a = &d["album"];
    assert_eq!(a["artistId"], json!(miles));
    assert_eq!(a["artist"]["name"], "Miles Davis");
    assert_eq!(a["tracks"]["totalCount"], 3);
    assert_eq!(names(&a["tracks"]["nodes"], &["name"]), ["So What", "Freddie Freeloader", "Blue in Green"]);
    for t in a["tracks"]["nodes"].as_array().into_iter().flatten() {
        assert_eq!(t["albumId"], json!(kob));
        assert_eq!(t["album"]["name"], "Kind of Blue");
        assert_eq!(t["album"]["artist"]["name"], "Miles Davis");
    }

    // Artist.albums (reverse), with ordering, a filter and paging on the nested connection.
    let d = c.query(
        "query($m: ID!) { artist(id: $m) { albums(orderBy: [YEAR_ASC]) { totalCount nodes { name artist { id } } } } }",
        json!({ "m": miles }),
    );
    let albums = &d["artist"]["albums"];
    assert_eq!(albums["totalCount"], 3);
    assert_eq!(names(&albums["nodes"], &["name"]), ["Kind of Blue", "Sketches of Spain", "Bitches Brew"]);
    for n in albums["nodes"].as_array().into_iter().flatten() {
        assert_eq!(n["artist"]["id"], json!(miles));
    }
    let d = c.query(
        "query($m: ID!) { artist(id: $m) { albums(where: { year: { gte: 1960 } }, orderBy: [NAME_DESC]) { totalCount nodes { name } } } }",
        json!({ "m": miles }),
    );
    assert_eq!(names(&d["artist"]["albums"]["nodes"], &["name"]), ["Sketches of Spain", "Bitches Brew"]);
    assert_eq!(d["artist"]["albums"]["totalCount"], 2);
    let mut seen = Vec::new();
    let mut after = Value::Null;
    for _ in 0..10 {
        let d = c.query(
            "query($m: ID!, $after: String) { artist(id: $m) { albums(orderBy: [NAME_ASC], first: 1, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } } }",
            json!({ "m": miles, "after": after }),
        );
        let page = &d["artist"]["albums"];
        seen.extend(names(&page["nodes"], &["name"]));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["Bitches Brew", "Kind of Blue", "Sketches of Spain"], "paging a nested connection");

    // Several parents in one query: each gets its own children (batched loading).
    let d = c.query(
        "{ artists(orderBy: [NAME_ASC]) { nodes { name albums(orderBy: [NAME_ASC]) { totalCount nodes { name } } } } }",
        json!({}),
    );
    let artists = d["artists"]["nodes"].as_array().expect("artists").clone();
    assert_eq!(names(&d["artists"]["nodes"], &["name"]), ["Bill Evans", "Miles Davis", "Nico"]);
    assert_eq!(names(&artists[0]["albums"]["nodes"], &["name"]), ["Waltz for Debby"]);
    assert_eq!(names(&artists[1]["albums"]["nodes"], &["name"]), ["Bitches Brew", "Kind of Blue", "Sketches of Spain"]);
    assert_eq!(artists[2]["albums"]["totalCount"], 0);
    assert_eq!(artists[2]["albums"]["nodes"], json!([]));
    let _ = nico;

    // Moving an album to another artist moves it between the reverse lists.
    c.query(
        "mutation($a: ID!, $e: ID!) { updateAlbum(id: $a, input: { artistId: $e }) { id } }",
        json!({ "a": sketches, "e": evans }),
    );
    let d = c.query(
        "query($m: ID!, $e: ID!) { m: artist(id: $m) { albums(orderBy: [NAME_ASC]) { nodes { name } } } e: artist(id: $e) { albums(orderBy: [NAME_ASC]) { nodes { name } } } }",
        json!({ "m": miles, "e": evans }),
    );
    assert_eq!(names(&d["m"]["albums"]["nodes"], &["name"]), ["Bitches Brew", "Kind of Blue"]);
    assert_eq!(names(&d["e"]["albums"]["nodes"], &["name"]), ["Sketches of Spain", "Waltz for Debby"]);

    // A deleted child leaves the reverse list; a deleted parent reads as null.
    c.query("mutation($a: ID!) { deleteAlbum(id: $a) }", json!({ "a": waltz }));
    c.query("mutation($e: ID!) { deleteArtist(id: $e) }", json!({ "e": evans }));
    let d = c.query(
        "query($s: ID!, $e: ID!) { album(id: $s) { artistId artist { name } } artist(id: $e) { id } albums(where: { artistId: { eq: $e } }) { nodes { name } } }",
        json!({ "s": sketches, "e": evans }),
    );
    assert_eq!(d["album"]["artistId"], json!(evans), "the ref keeps the id");
    assert_eq!(d["album"]["artist"], Value::Null, "a deleted parent reads as null");
    assert_eq!(d["artist"], Value::Null);
    assert_eq!(names(&d["albums"]["nodes"], &["name"]), ["Sketches of Spain"]);
}

#[test]
fn many_to_many_through_playlist_entries() {
    let server = Server::start();
    let c = server.user("alice");
    let (_, b) = artist_with_album(&c, "Miles Davis");
    let [so_what, freddie, blue] = tracks(&c, &b, ["So What", "Freddie Freeloader", "Blue in Green"]);
    let night = playlist(&c, "Night");
    let day = playlist(&c, "Day");
    entry(&c, &night, &blue, 1);
    let night_so_what = entry(&c, &night, &so_what, 2);
    entry(&c, &night, &freddie, 3);
    entry(&c, &day, &so_what, 1);

    let d = c.query(
        "query($p: ID!) { playlist(id: $p) { name playlistEntries(orderBy: [POSITION_ASC]) { totalCount nodes { position playlistId playlist { name } track { name album { name artist { name } } } } } } }",
        json!({ "p": night }),
    );
    let entries = &d["playlist"]["playlistEntries"];
    assert_eq!(entries["totalCount"], 3);
    assert_eq!(names(&entries["nodes"], &["track", "name"]), ["Blue in Green", "So What", "Freddie Freeloader"]);
    for n in entries["nodes"].as_array().into_iter().flatten() {
        assert_eq!(n["playlistId"], json!(night));
        assert_eq!(n["playlist"]["name"], "Night");
        assert_eq!(n["track"]["album"]["artist"]["name"], "Miles Davis");
    }

    // The other way: the playlists a track is on.
    let d = c.query(
        "query($t: ID!) { track(id: $t) { playlistEntries(orderBy: [POSITION_ASC]) { totalCount nodes { playlist { name } } } } }",
        json!({ "t": so_what }),
    );
    let mut on: Vec<String> = names(&d["track"]["playlistEntries"]["nodes"], &["playlist", "name"]);
    on.sort();
    assert_eq!(on, ["Day", "Night"]);
    assert_eq!(d["track"]["playlistEntries"]["totalCount"], 2);

    // Filtering the link entities directly.
    let d = c.query(
        "query($p: ID!) { playlistEntries(where: { playlistId: { eq: $p }, position: { gt: 1 } }, orderBy: [POSITION_DESC]) { nodes { track { name } } } }",
        json!({ "p": night }),
    );
    assert_eq!(names(&d["playlistEntries"]["nodes"], &["track", "name"]), ["Freddie Freeloader", "So What"]);

    // Removing a track from a playlist = deleting its entry.
    c.query("mutation($e: ID!) { deletePlaylistEntry(id: $e) }", json!({ "e": night_so_what }));
    let d = c.query(
        "query($p: ID!, $t: ID!) { playlist(id: $p) { playlistEntries(orderBy: [POSITION_ASC]) { totalCount nodes { track { name } } } } track(id: $t) { playlistEntries { nodes { playlist { name } } } } }",
        json!({ "p": night, "t": so_what }),
    );
    assert_eq!(
        names(&d["playlist"]["playlistEntries"]["nodes"], &["track", "name"]),
        ["Blue in Green", "Freddie Freeloader"]
    );
    assert_eq!(d["playlist"]["playlistEntries"]["totalCount"], 2);
    assert_eq!(names(&d["track"]["playlistEntries"]["nodes"], &["playlist", "name"]), ["Day"]);
}

#[test]
fn refs_to_missing_or_deleted_entities_are_bad_user_input() {
    let server = Server::start();
    let c = server.user("alice");
    let gone = artist(&c, "Gone", None);
    c.query("mutation($g: ID!) { deleteArtist(id: $g) }", json!({ "g": gone }));
    let (a, b) = artist_with_album(&c, "Miles Davis");
    let t = track(&c, "So What", 1, &b);
    let p = playlist(&c, "Night");
    let dead_track = track(&c, "Deleted", 2, &b);
    c.query("mutation($t: ID!) { deleteTrack(id: $t) }", json!({ "t": dead_track }));
    let missing = fresh_ulid();

    let seq = server.seq();
    let create_album = "mutation($a: ID!) { createAlbum(input: { name: \"X\", year: 1, artistId: $a }) { id } }";
    for target in [&missing, &gone] {
        let body = c.fails(create_album, json!({ "a": target }), "BAD_USER_INPUT");
        let msg = body["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
        assert!(msg.contains("artistId") && msg.contains(target.as_str()), "the message names the field and id: {msg}");
        c.fails(
            "mutation($b: ID!, $a: ID!) { updateAlbum(id: $b, input: { artistId: $a }) { id } }",
            json!({ "b": b, "a": target }),
            "BAD_USER_INPUT",
        );
    }
    c.fails(
        "mutation($b: ID!) { createTrack(input: { name: \"X\", position: 1, albumId: $b }) { id } }",
        json!({ "b": missing }),
        "BAD_USER_INPUT",
    );
    // Refs to an entity of another collection (an album id where a playlist is
    // wanted) and to a deleted track.
    let create_entry = "mutation($p: ID!, $t: ID!) { createPlaylistEntry(input: { playlistId: $p, trackId: $t, position: 1 }) { id } }";
    for (playlist_id, track_id) in [(&b, &t), (&p, &dead_track)] {
        c.fails(create_entry, json!({ "p": playlist_id, "t": track_id }), "BAD_USER_INPUT");
    }
    assert_eq!(server.seq(), seq, "refused refs commit nothing");
    let d = c.query("query($b: ID!) { album(id: $b) { artistId } }", json!({ "b": b }));
    assert_eq!(d["album"]["artistId"], json!(a), "the album still points at its artist");
}
