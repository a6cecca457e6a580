//! Every filter operator, every ordering and cursor pagination, compared with
//! what the test created (evaluated locally).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chronicle_tests::fixtures::{Seeded, seeded};
use chronicle_tests::*;

#[derive(Clone, Debug)]
struct ArtistRow {
    id: String,
    name: String,
    country: Option<String>,
}

#[derive(Clone, Debug)]
struct AlbumRow {
    id: String,
    name: String,
    year: i64,
    artist: String,
}

struct Catalogue {
    artists: Vec<ArtistRow>,
    albums: Vec<AlbumRow>,
}

const WORDS: [&str; 9] = ["blue", "kind", "giant", "bitches", "round", "time", "moanin", "maiden", "blues"];
const COUNTRIES: [Option<&str>; 5] = [Some("US"), Some("UK"), None, Some("FR"), Some("DE")];
const ALBUMS: usize = 60;
const ARTISTS: usize = 12;

/// Creates the catalogue in a few multi-field mutations (one transaction each).
fn seed(c: &Client<'_>) -> Catalogue {
    let mut m = String::from("mutation {");
    for i in 0..ARTISTS {
        let country = COUNTRIES[i % COUNTRIES.len()].map_or("null".to_owned(), |c| format!("\"{c}\""));
        m.push_str(&format!(
            " a{i}: createArtist(input: {{ name: \"artist {:02} {}\", country: {country} }}) {{ id name country }}",
            (i * 7) % ARTISTS,
            WORDS[i % WORDS.len()]
        ));
    }
    m.push('}');
    let d = c.query(&m, json!({}));
    let artists: Vec<ArtistRow> = (0..ARTISTS)
        .map(|i| {
            let a = &d[format!("a{i}")];
            ArtistRow { id: s(&a["id"]), name: s(&a["name"]), country: a["country"].as_str().map(str::to_owned) }
        })
        .collect();

    let mut albums = Vec::new();
    for chunk in (0..ALBUMS).collect::<Vec<_>>().chunks(20) {
        let mut m = String::from("mutation {");
        for &i in chunk {
            let name = format!("{} {:02}", WORDS[(i * 5) % WORDS.len()], (i * 37) % ALBUMS);
            let year = 1950 + (i * 7) % 25;
            let artist = &artists[i % ARTISTS].id;
            m.push_str(&format!(
                " b{i}: createAlbum(input: {{ name: \"{name}\", year: {year}, artistId: \"{artist}\" }}) {{ id name year artistId }}"
            ));
        }
        m.push('}');
        let d = c.query(&m, json!({}));
        for &i in chunk {
            let b = &d[format!("b{i}")];
            albums.push(AlbumRow {
                id: s(&b["id"]),
                name: s(&b["name"]),
                year: b["year"].as_i64().expect("year"),
                artist: s(&b["artistId"]),
            });
        }
    }
    Catalogue { artists, albums }
}

/// Walks every page of `list(where, orderBy)` with page size `first`,
/// checking page invariants; returns the ids in order.
fn walk(c: &Client<'_>, list: &str, where_: &Value, order: &Value, first: usize) -> Vec<String> {
    let q = format!(
        "query($w: {w}, $o: [{o}!], $first: Int, $after: String) {{ {list}(where: $w, orderBy: $o, first: $first, after: $after) {{ totalCount nodes {{ id }} edges {{ cursor node {{ id }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}",
        w = if list == "albums" { "AlbumWhere" } else { "ArtistWhere" },
        o = if list == "albums" { "AlbumOrderBy" } else { "ArtistOrderBy" },
    );
    let mut ids: Vec<String> = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    for page_no in 0..1000 {
        let d = c.query(&q, json!({ "w": where_, "o": order, "first": first, "after": after }));
        let page = &d[list];
        let nodes: Vec<String> = page["nodes"].as_array().expect("nodes").iter().map(|n| s(&n["id"])).collect();
        let edges = page["edges"].as_array().expect("edges");
        let edge_ids: Vec<String> = edges.iter().map(|e| s(&e["node"]["id"])).collect();
        assert_eq!(nodes, edge_ids, "nodes and edges agree");
        let t = page["totalCount"].as_u64().expect("totalCount");
        assert_eq!(*total.get_or_insert(t), t, "totalCount is the same on every page");
        let info = &page["pageInfo"];
        assert_eq!(info["hasPreviousPage"], json!(page_no > 0), "hasPreviousPage on page {page_no}");
        if let (Some(first_edge), Some(last_edge)) = (edges.first(), edges.last()) {
            assert_eq!(info["startCursor"], first_edge["cursor"]);
            assert_eq!(info["endCursor"], last_edge["cursor"]);
        }
        ids.extend(nodes.iter().cloned());
        if info["hasNextPage"] != json!(true) {
            assert!(nodes.len() <= first, "a page holds at most `first` items");
            assert_eq!(ids.len() as u64, t, "all pages together hold totalCount items ({list} {where_} {order})");
            return ids;
        }
        assert_eq!(nodes.len(), first, "every page but the last is full");
        after = info["endCursor"].clone();
    }
    panic!("more than 1000 pages");
}

fn assert_no_duplicates(ids: &[String], what: &str) {
    let set: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "{what}: no item twice");
}

fn cmp_str_opt(a: &Option<String>, b: &Option<String>) -> Ordering {
    // Null first, then byte order.
    a.cmp(b)
}

#[test]
fn album_filters_match_local_evaluation() {
    let Seeded { server, ids: cat, .. } = seeded(seed);
    let c = server.user("alice");
    let albums = &cat.albums;
    let a0 = cat.artists[0].id.clone();
    let a1 = cat.artists[1].id.clone();
    let some = albums[17].name.clone();
    let other = albums[3].name.clone();

    // The predicates borrow `some`, `other`, `a0` and `a1`, which outlive the cases.
    type Pred<'a> = Box<dyn Fn(&AlbumRow) -> bool + 'a>;
    let cases: Vec<(Value, Pred<'_>)> = vec![
        (json!({}), Box::new(|_| true)),
        (json!({ "name": { "eq": some } }), Box::new(|a| a.name == some)),
        (json!({ "name": { "ne": some } }), Box::new(|a| a.name != some)),
        (json!({ "name": { "in": [some, other, "no such album"] } }), Box::new(|a| a.name == some || a.name == other)),
        (json!({ "name": { "in": [] } }), Box::new(|_| false)),
        (json!({ "name": { "lt": "kind" } }), Box::new(|a| a.name.as_str() < "kind")),
        (json!({ "name": { "lte": some } }), Box::new(|a| a.name <= some)),
        (json!({ "name": { "gt": "maiden 30" } }), Box::new(|a| a.name.as_str() > "maiden 30")),
        (json!({ "name": { "gte": some } }), Box::new(|a| a.name >= some)),
        (json!({ "name": { "startsWith": "blue" } }), Box::new(|a| a.name.starts_with("blue"))),
        (json!({ "name": { "startsWith": "blues" } }), Box::new(|a| a.name.starts_with("blues"))),
        (json!({ "name": { "startsWith": "" } }), Box::new(|_| true)),
        (json!({ "name": { "isNull": false } }), Box::new(|_| true)),
        (json!({ "name": { "isNull": true } }), Box::new(|_| false)),
        (json!({ "year": { "eq": 1957 } }), Box::new(|a| a.year == 1957)),
        (json!({ "year": { "ne": 1957 } }), Box::new(|a| a.year != 1957)),
        (json!({ "year": { "in": [1950, 1960, 1970] } }), Box::new(|a| [1950, 1960, 1970].contains(&a.year))),
        (json!({ "year": { "lt": 1960 } }), Box::new(|a| a.year < 1960)),
        (json!({ "year": { "lte": 1960 } }), Box::new(|a| a.year <= 1960)),
        (json!({ "year": { "gt": 1960 } }), Box::new(|a| a.year > 1960)),
        (json!({ "year": { "gte": 1960 } }), Box::new(|a| a.year >= 1960)),
        (json!({ "year": { "gte": 1955, "lt": 1965 } }), Box::new(|a| (1955..1965).contains(&a.year))),
        (json!({ "year": { "gt": 1990 } }), Box::new(|_| false)),
        (json!({ "artistId": { "eq": a0 } }), Box::new(|a| a.artist == a0)),
        (json!({ "artistId": { "ne": a0 } }), Box::new(|a| a.artist != a0)),
        (json!({ "artistId": { "in": [a0, a1] } }), Box::new(|a| a.artist == a0 || a.artist == a1)),
        (
            json!({ "name": { "startsWith": "b" }, "year": { "gte": 1965 } }),
            Box::new(|a| a.name.starts_with('b') && a.year >= 1965),
        ),
        (
            json!({ "and": [{ "year": { "gt": 1955 } }, { "name": { "startsWith": "bl" } }] }),
            Box::new(|a| a.year > 1955 && a.name.starts_with("bl")),
        ),
        (
            json!({ "or": [{ "year": { "lt": 1953 } }, { "name": { "startsWith": "time" } }] }),
            Box::new(|a| a.year < 1953 || a.name.starts_with("time")),
        ),
        (
            json!({ "or": [
                { "and": [{ "year": { "gte": 1970 } }, { "artistId": { "eq": a1 } }] },
                { "name": { "in": [some] } }
            ], "year": { "ne": 1950 } }),
            Box::new(|a| ((a.year >= 1970 && a.artist == a1) || a.name == some) && a.year != 1950),
        ),
    ];
    for (where_, pred) in &cases {
        let mut expected: Vec<String> = albums.iter().filter(|a| pred(a)).map(|a| a.id.clone()).collect();
        expected.sort();
        let got = walk(&c, "albums", where_, &json!(["ID_ASC"]), 500);
        assert_eq!(got, expected, "albums(where: {where_}) ordered by id");
        // The same through small pages.
        let paged = walk(&c, "albums", where_, &json!(["ID_ASC"]), 7);
        assert_eq!(paged, expected, "albums(where: {where_}) in pages of 7");
    }
}

#[test]
fn artist_filters_with_nulls() {
    let Seeded { server, ids: cat, .. } = seeded(seed);
    let c = server.user("alice");
    let artists = &cat.artists;
    type Pred = Box<dyn Fn(&ArtistRow) -> bool>;
    let cases: Vec<(Value, Pred)> = vec![
        (json!({ "country": { "isNull": true } }), Box::new(|a| a.country.is_none())),
        (json!({ "country": { "isNull": false } }), Box::new(|a| a.country.is_some())),
        (json!({ "country": { "eq": "US" } }), Box::new(|a| a.country.as_deref() == Some("US"))),
        // `ne` of a non-null operand matches null values too.
        (json!({ "country": { "ne": "US" } }), Box::new(|a| a.country.as_deref() != Some("US"))),
        (json!({ "country": { "in": ["UK", "FR"] } }), Box::new(|a| matches!(a.country.as_deref(), Some("UK" | "FR")))),
        // Range operators never match null.
        (json!({ "country": { "lt": "FR" } }), Box::new(|a| a.country.as_deref().is_some_and(|c| c < "FR"))),
        (json!({ "country": { "gte": "FR" } }), Box::new(|a| a.country.as_deref().is_some_and(|c| c >= "FR"))),
        (json!({ "name": { "startsWith": "artist 0" } }), Box::new(|a| a.name.starts_with("artist 0"))),
        (
            json!({ "or": [{ "country": { "isNull": true } }, { "country": { "eq": "UK" } }] }),
            Box::new(|a| a.country.is_none() || a.country.as_deref() == Some("UK")),
        ),
    ];
    for (where_, pred) in &cases {
        let mut expected: Vec<String> = artists.iter().filter(|a| pred(a)).map(|a| a.id.clone()).collect();
        expected.sort();
        assert!(!expected.is_empty() && expected.len() < artists.len(), "a case that selects some: {where_}");
        assert_eq!(walk(&c, "artists", where_, &json!(["ID_ASC"]), 3), expected, "artists(where: {where_})");
    }

    // Ordering by a nullable field: nulls first ascending, last descending; id breaks ties.
    let mut asc = artists.clone();
    asc.sort_by(|a, b| cmp_str_opt(&a.country, &b.country).then_with(|| a.id.cmp(&b.id)));
    let ids = |v: &[ArtistRow]| v.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert_eq!(walk(&c, "artists", &json!({}), &json!(["COUNTRY_ASC"]), 5), ids(&asc), "COUNTRY_ASC");
    let mut desc = artists.clone();
    desc.sort_by(|a, b| cmp_str_opt(&b.country, &a.country).then_with(|| a.id.cmp(&b.id)));
    assert_eq!(walk(&c, "artists", &json!({}), &json!(["COUNTRY_DESC"]), 5), ids(&desc), "COUNTRY_DESC");
    let mut by_name = artists.clone();
    by_name.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(walk(&c, "artists", &json!({}), &json!(["NAME_ASC"]), 4), ids(&by_name), "NAME_ASC");
}

#[test]
fn orderings_and_pagination_walk_everything_once() {
    let Seeded { server, ids: cat, .. } = seeded(seed);
    let c = server.user("alice");
    let albums = &cat.albums;
    let ids = |v: Vec<&AlbumRow>| v.into_iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    let sorted = |f: &dyn Fn(&AlbumRow, &AlbumRow) -> Ordering| {
        let mut v: Vec<&AlbumRow> = albums.iter().collect();
        v.sort_by(|a, b| f(a, b));
        ids(v)
    };
    // The id breaks ties, ascending (unless the last key is ID_DESC).
    let orders: Vec<(Value, Vec<String>)> = vec![
        (json!(["NAME_ASC"]), sorted(&|a, b| a.name.cmp(&b.name))),
        (json!(["NAME_DESC"]), sorted(&|a, b| b.name.cmp(&a.name))),
        (json!(["YEAR_ASC"]), sorted(&|a, b| a.year.cmp(&b.year).then_with(|| a.id.cmp(&b.id)))),
        (json!(["YEAR_DESC"]), sorted(&|a, b| b.year.cmp(&a.year).then_with(|| a.id.cmp(&b.id)))),
        (json!(["ID_ASC"]), sorted(&|a, b| a.id.cmp(&b.id))),
        (json!(["ID_DESC"]), sorted(&|a, b| b.id.cmp(&a.id))),
        (json!(["YEAR_ASC", "NAME_DESC"]), sorted(&|a, b| a.year.cmp(&b.year).then_with(|| b.name.cmp(&a.name)))),
        (json!(["YEAR_DESC", "ID_DESC"]), sorted(&|a, b| b.year.cmp(&a.year).then_with(|| b.id.cmp(&a.id)))),
        (
            json!(["ARTIST_ID_ASC", "YEAR_DESC"]),
            sorted(&|a, b| a.artist.cmp(&b.artist).then_with(|| b.year.cmp(&a.year)).then_with(|| a.id.cmp(&b.id))),
        ),
    ];
    let all: BTreeSet<String> = albums.iter().map(|a| a.id.clone()).collect();
    for (order, expected) in &orders {
        for first in [1, 7, 50, 500] {
            let got = walk(&c, "albums", &json!({}), order, first);
            assert_no_duplicates(&got, &format!("{order} first {first}"));
            assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), all, "{order} first {first}: none missing");
            assert_eq!(&got, expected, "albums(orderBy: {order}) in pages of {first}");
        }
    }
    // The same ordering with a filter, in pages.
    let mut expected: Vec<&AlbumRow> = albums.iter().filter(|a| a.year >= 1960).collect();
    expected.sort_by(|a, b| b.name.cmp(&a.name));
    assert_eq!(walk(&c, "albums", &json!({ "year": { "gte": 1960 } }), &json!(["NAME_DESC"]), 4), ids(expected));

    // `first` defaults to 50.
    let d = c.query("{ albums { totalCount nodes { id } pageInfo { hasNextPage } } }", json!({}));
    assert_eq!(d["albums"]["nodes"].as_array().map(Vec::len), Some(50));
    assert_eq!(d["albums"]["totalCount"], ALBUMS);
    assert_eq!(d["albums"]["pageInfo"]["hasNextPage"], true);
    // `first: 0` is an empty page.
    let d = c.query("{ albums(first: 0) { nodes { id } } }", json!({}));
    assert_eq!(d["albums"]["nodes"], json!([]));
}

#[test]
fn cursors_survive_changes_between_pages() {
    let Seeded { server, ids: cat, .. } = seeded(seed);
    let c = server.user("alice");
    let mut by_name: Vec<AlbumRow> = cat.albums.clone();
    by_name.sort_by(|a, b| a.name.cmp(&b.name));
    let q = "query($after: String) { albums(orderBy: [NAME_ASC], first: 10, after: $after) { nodes { id } pageInfo { endCursor } } }";
    let d = c.query(q, json!({ "after": null }));
    let first_page: Vec<String> = d["albums"]["nodes"].as_array().expect("nodes").iter().map(|n| s(&n["id"])).collect();
    assert_eq!(first_page, by_name[..10].iter().map(|a| a.id.clone()).collect::<Vec<_>>());
    let cursor = d["albums"]["pageInfo"]["endCursor"].clone();
    // The item the cursor points at is deleted, another one is added before it.
    c.query("mutation($id: ID!) { deleteAlbum(id: $id) }", json!({ "id": by_name[9].id }));
    c.query(
        "mutation($a: ID!) { createAlbum(input: { name: \"aaa first\", year: 2000, artistId: $a }) { id } }",
        json!({ "a": cat.artists[0].id }),
    );
    let d = c.query(q, json!({ "after": cursor }));
    let second_page: Vec<String> =
        d["albums"]["nodes"].as_array().expect("nodes").iter().map(|n| s(&n["id"])).collect();
    assert_eq!(
        second_page,
        by_name[10..20].iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        "the next page continues right after the cursor's position"
    );
    // A cursor that is not one is refused.
    c.fails("{ albums(after: \"not-a-cursor\") { nodes { id } } }", json!({}), "BAD_USER_INPUT");
}
