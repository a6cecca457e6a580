//! The hostile requests of the hardening work, as documents: shared by the
//! end-to-end tests, the in-process property tests and the benchmark tool
//! (`chronicle-hardening`), so all three try exactly the same inputs.

/// `{a: {a: ... 1 ...}}`, `levels` deep (an argument value).
pub fn nested_value(levels: usize) -> String {
    format!("{}1{}", "{a: ".repeat(levels), "}".repeat(levels))
}

/// `{and: [{and: [... {name: {eq: "x"}} ...]}]}`, `levels` deep (a `where`).
pub fn nested_and(levels: usize) -> String {
    format!("{}{{name: {{eq: \"x\"}}}}{}", "{and: [".repeat(levels), "]}".repeat(levels))
}

/// `{ me(x: <nested_value>) { userId } }`.
pub fn deep_value_query(levels: usize) -> String {
    format!("{{ me(x: {}) {{ userId }} }}", nested_value(levels))
}

/// `{ artists(where: <nested_and>) { totalCount } }`.
pub fn deep_and_query(levels: usize) -> String {
    format!("{{ artists(where: {}) {{ totalCount }} }}", nested_and(levels))
}

/// Fragments `F1 .. F<levels>`, each spreading the previous one twice, asked
/// for on a list of artists: 1 KB of text that expands to 2^levels fields.
pub fn fragment_bomb(levels: usize) -> String {
    let mut query = String::from("fragment F1 on Artist { name }\n");
    for i in 2..=levels {
        query.push_str(&format!("fragment F{i} on Artist {{ ...F{p} ...F{p} }}\n", p = i - 1));
    }
    query.push_str(&format!("{{ artists {{ nodes {{ ...F{levels} }} }} }}"));
    query
}

/// Four nested lists of `first: 500` through an artist's albums: output that
/// grows as N^4.
pub fn nested_lists(artist: &str) -> String {
    let lists = "{ nodes { artist { albums(first: 500) { nodes { artist { albums(first: 500) { nodes { artist { albums(first: 500) { nodes { id } } } } } } } } } } }";
    format!("{{ albums(first: 500, where: {{artistId: {{eq: \"{artist}\"}}}}) {lists} }}")
}

/// `count` aliases of `artists(first: 1) { totalCount }`.
pub fn counted_aliases(count: usize) -> String {
    let aliases: String = (0..count).map(|i| format!("a{i}: artists(first: 1) {{ totalCount }} ")).collect();
    format!("{{ {aliases}}}")
}
