//! Fuzz target run as a property test (cargo-fuzz needs a nightly toolchain,
//! which these machines cannot fetch): arbitrary request bodies and
//! documents through the real router, in process, on a sled store. The
//! service must never panic and never answer 5xx; every answer is a GraphQL
//! JSON response. The seeds are the hostile requests of the hardening issue.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, header};
use chronicle_api::{AppConfig, AuthConfig};
use chronicle_store::SledStore;
use chronicle_tests::hostile::{deep_and_query, deep_value_query, fragment_bomb};
use proptest::prelude::*;
use tower::ServiceExt as _;

const SECRET: &str = "arbitrary-requests-secret-0123456789";

struct Service {
    app: axum::Router,
    token: String,
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
}

fn service() -> Service {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(dir.path(), chronicle_api::demo::catalogue().expect("models")).expect("store");
    let config =
        AppConfig { auth: AuthConfig { secret: Some(SECRET.into()), ..AuthConfig::default() }, ..AppConfig::default() };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (app, _) = rt.block_on(async { chronicle_api::router(Arc::new(store), config) }).expect("router");
    let token = chronicle_api::auth::mint(SECRET, "fuzz", 3600, None, None).expect("token");
    Service { app, token, _dir: dir, rt }
}

impl Service {
    /// POSTs `body`; asserts a GraphQL JSON answer below 500.
    fn post(&self, body: Vec<u8>) {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .body(Body::from(body.clone()))
            .expect("request");
        let response = self.rt.block_on(self.app.clone().oneshot(request)).expect("infallible");
        let status = response.status();
        let bytes = self.rt.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).expect("body");
        let shown = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
        assert!(status.as_u16() < 500, "{status} for {shown}: {}", String::from_utf8_lossy(&bytes));
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}) for {shown}: {}", String::from_utf8_lossy(&bytes)));
        assert!(json.get("data").is_some() || json.get("errors").is_some(), "not a GraphQL response: {json}");
    }

    fn query(&self, query: &str) {
        self.post(serde_json::json!({ "query": query }).to_string().into_bytes());
    }
}

/// Pieces of GraphQL that random documents are made of.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ":",
    "...",
    "F",
    "on",
    "Artist",
    "Album",
    "fragment",
    "query",
    "mutation",
    "subscription",
    "$v",
    "albums",
    "artists",
    "nodes",
    "edges",
    "node",
    "name",
    "id",
    "first:",
    "after:",
    "where:",
    "and:",
    "or:",
    "eq:",
    "1",
    "-1",
    "2147483648",
    "1e309",
    "\"s\"",
    "\"\\u0000\"",
    "\"\"\"b\"\"\"",
    "null",
    "true",
    "@skip(if: true)",
    "#c\n",
    "__schema",
    "__type(name: \"Album\")",
    "types",
    "fields",
    "totalCount",
    "history",
    "me",
    "userId",
    "createArtist(input: {name: \"x\"})",
    "a:",
    "b:",
    ",",
    " ",
];

fn document() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..80).prop_map(|t| t.join(" "))
}

#[test]
fn the_hardening_repros_are_answered() {
    let s = service();
    let (deep_value, deep_and, bomb) = (deep_value_query(5_000), deep_and_query(2_000), fragment_bomb(30));
    for query in [
        deep_value.as_str(),
        deep_and.as_str(),
        bomb.as_str(),
        "",
        "{",
        "}}}}",
        "query Q($v: Int = 99999999999) { artists(first: $v) { totalCount } }",
    ] {
        s.query(query);
    }
    s.post(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes());
    s.post(vec![0xff, 0xfe, 0, 0x7b]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_are_answered(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        SERVICE.with(|s| s.post(body));
    }

    #[test]
    fn arbitrary_documents_are_answered(query in document(), variables in proptest::option::of(document())) {
        SERVICE.with(|s| {
            let mut body = serde_json::json!({ "query": query });
            if let Some(v) = variables {
                body["variables"] = serde_json::json!({ "v": v });
            }
            s.post(body.to_string().into_bytes());
        });
    }
}

thread_local! {
    static SERVICE: Service = service();
}
