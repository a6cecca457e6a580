//! Identity: every authentication failure is UNAUTHENTICATED and writes
//! nothing; `--public-read`; issuer and audience checks; `sub` is the user.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chronicle_tests::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

const CREATE: &str = "mutation { createArtist(input: { name: \"Intruder\" }) { id } }";
const READ: &str = "{ artists { totalCount } }";

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn encode(alg: Algorithm, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret.as_bytes())).expect("encode")
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// `Authorization` values that must all be refused by a server with `SECRET`.
fn bad_authorizations() -> Vec<(&'static str, String)> {
    let valid_claims = json!({ "sub": "mallory", "exp": now() + 600 });
    let good = token("mallory");
    let mut tampered = good.clone();
    // Flip the payload to another user, keeping the signature.
    let parts: Vec<&str> = good.split('.').collect();
    if let [h, _, sig] = parts.as_slice() {
        tampered = format!("{h}.{}.{sig}", b64(&json!({ "sub": "admin", "exp": now() + 600 })));
    }
    vec![
        ("malformed", "Bearer not-a-jwt".to_owned()),
        ("three garbage parts", "Bearer aaa.bbb.ccc".to_owned()),
        ("empty bearer", "Bearer ".to_owned()),
        ("not bearer", format!("Basic {}", URL_SAFE_NO_PAD.encode("alice:secret"))),
        ("bare token", good.clone()),
        (
            "wrong signature",
            format!("Bearer {}", encode(Algorithm::HS256, &valid_claims, "some-other-secret-entirely")),
        ),
        ("tampered payload", format!("Bearer {tampered}")),
        ("alg none", format!("Bearer {}.{}.", b64(&json!({ "alg": "none", "typ": "JWT" })), b64(&valid_claims))),
        (
            "alg none with signature",
            format!(
                "Bearer {}.{}.{}",
                b64(&json!({ "alg": "none", "typ": "JWT" })),
                b64(&valid_claims),
                parts.get(2).copied().unwrap_or_default()
            ),
        ),
        ("wrong algorithm (HS512)", format!("Bearer {}", encode(Algorithm::HS512, &valid_claims, SECRET))),
        (
            "expired",
            format!("Bearer {}", encode(Algorithm::HS256, &json!({ "sub": "mallory", "exp": now() - 120 }), SECRET)),
        ),
        ("no exp", format!("Bearer {}", encode(Algorithm::HS256, &json!({ "sub": "mallory" }), SECRET))),
        ("no sub", format!("Bearer {}", encode(Algorithm::HS256, &json!({ "exp": now() + 600 }), SECRET))),
        (
            "empty sub",
            format!("Bearer {}", encode(Algorithm::HS256, &json!({ "sub": "", "exp": now() + 600 }), SECRET)),
        ),
        (
            "not valid yet",
            format!(
                "Bearer {}",
                encode(Algorithm::HS256, &json!({ "sub": "mallory", "exp": now() + 600, "nbf": now() + 300 }), SECRET)
            ),
        ),
    ]
}

/// Asserts a request is refused as UNAUTHENTICATED, also with GraphQL over HTTP (401).
fn refused(c: &Client<'_>, query: &str, what: &str) {
    let r = c.request(query, json!({}));
    let body = r.json();
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{what}: {body}");
    assert_eq!(r.status, 200, "{what}: plain JSON clients get 200 with errors");
    assert!(body.get("data").is_none_or(Value::is_null), "{what}: no data: {body}");
    let r = c.request_with(query, json!({}), &[("Accept", "application/graphql-response+json")]);
    assert_eq!(r.status, 401, "{what}: GraphQL-over-HTTP clients get 401: {}", r.text);
    assert_eq!(r.codes(), ["UNAUTHENTICATED"]);
}

#[test]
fn every_authentication_failure_is_unauthenticated_and_writes_nothing() {
    let server = Server::start(); // no --public-read
    let seq = server.seq();
    // No token at all.
    refused(&server.anonymous(), READ, "no token, query");
    refused(&server.anonymous(), CREATE, "no token, mutation");
    refused(&server.anonymous(), "{ me { userId } }", "no token, me");
    for (what, auth) in bad_authorizations() {
        let c = server.client(Some(auth));
        refused(&c, CREATE, what);
        refused(&c, READ, what);
    }
    assert_eq!(server.seq(), seq, "refused requests commit nothing");
    let d = server.user("alice").query(READ, json!({}));
    assert_eq!(d["artists"]["totalCount"], 0, "nothing was written");
    // A token that became valid in the past is fine.
    let past_nbf = encode(Algorithm::HS256, &json!({ "sub": "alice", "exp": now() + 600, "nbf": now() - 60 }), SECRET);
    assert_eq!(
        server.client(Some(format!("Bearer {past_nbf}"))).query("{ me { userId } }", json!({}))["me"]["userId"],
        "alice"
    );
    // A valid token still works on the same server.
    let d = server.user("alice").query(CREATE, json!({}));
    assert!(d["createArtist"]["id"].is_string());
}

#[test]
fn sub_is_the_user_and_cannot_be_chosen() {
    let server = Server::start();
    let c = server.user("user-42@example.com");
    assert_eq!(c.query("{ me { userId } }", json!({}))["me"]["userId"], "user-42@example.com");
    let d = c.query(
        "mutation { createArtist(input: { name: \"Björk\", country: \"IS\" }) { id createdBy updatedBy } }",
        json!({}),
    );
    let id = s(&d["createArtist"]["id"]);
    assert_eq!(d["createArtist"]["createdBy"], "user-42@example.com");
    assert_eq!(d["createArtist"]["updatedBy"], "user-42@example.com");
    let e = c.query("query($id: ID!) { events(where: { entityId: $id }) { nodes { userId } } }", json!({ "id": id }));
    assert_eq!(e["events"]["nodes"], json!([{ "userId": "user-42@example.com" }]));
    // Inputs have no way to name a user.
    let seq = server.seq();
    c.fails(
        "mutation { createArtist(input: { name: \"X\", createdBy: \"someone-else\" }) { id } }",
        json!({}),
        "BAD_USER_INPUT",
    );
    c.fails(
        "mutation($id: ID!) { updateArtist(id: $id, input: { updatedBy: \"someone-else\" }) { id } }",
        json!({ "id": id }),
        "BAD_USER_INPUT",
    );
    assert_eq!(server.seq(), seq);
    // A token minted by the CLI works the same way.
    let minted = run_cli(&["token", "--sub", "cli-user", "--ttl", "10m", "--jwt-secret", SECRET]);
    let cli = server.client(Some(format!("Bearer {}", minted.trim())));
    assert_eq!(cli.query("{ me { userId } }", json!({}))["me"]["userId"], "cli-user");
    let d = cli.query(
        "mutation($id: ID!) { updateArtist(id: $id, input: { country: \"NO\" }) { createdBy updatedBy } }",
        json!({ "id": id }),
    );
    assert_eq!(d["updateArtist"], json!({ "createdBy": "user-42@example.com", "updatedBy": "cli-user" }));
}

#[test]
fn public_read_allows_anonymous_queries_only() {
    let server = Server::with(ServerOptions { public_read: true, ..ServerOptions::default() });
    let alice = server.user("alice");
    let id = chronicle_tests::catalogue::artist(&alice, "Miles", None);
    let anon = server.anonymous();
    let d = anon.query(
        "query($id: ID!) { me { userId } artist(id: $id) { name createdBy } artists { totalCount } }",
        json!({ "id": id }),
    );
    assert_eq!(d["me"], Value::Null, "anonymous: me is null");
    assert_eq!(d["artist"], json!({ "name": "Miles", "createdBy": "alice" }));
    assert_eq!(d["artists"]["totalCount"], 1);
    let d = anon.query("{ events { totalCount } }", json!({}));
    assert_eq!(d["events"]["totalCount"], 1);

    let seq = server.seq();
    for m in [
        CREATE.to_owned(),
        format!("mutation {{ updateArtist(id: \"{id}\", input: {{ name: \"Hacked\" }}) {{ id }} }}"),
        format!("mutation {{ deleteArtist(id: \"{id}\") }}"),
    ] {
        let body = anon.request(&m, json!({})).json();
        assert_eq!(codes(&body), ["UNAUTHENTICATED"], "anonymous mutation {m}: {body}");
    }
    // A bad token is refused, not downgraded to anonymous.
    for (what, auth) in bad_authorizations() {
        refused(&server.client(Some(auth)), READ, what);
    }
    assert_eq!(server.seq(), seq, "anonymous and refused mutations commit nothing");
    assert_eq!(
        anon.query("query($id: ID!) { artist(id: $id) { name } }", json!({ "id": id }))["artist"]["name"],
        "Miles"
    );
}

#[test]
fn issuer_and_audience_are_checked() {
    let server = Server::with(ServerOptions {
        issuer: Some("https://auth.example".into()),
        audience: Some("chronicle".into()),
        ..ServerOptions::default()
    });
    let mint = |iss: Option<&str>, aud: Option<&str>| {
        let t = chronicle_api::auth::mint(SECRET, "alice", 600, iss, aud).expect("mint");
        server.client(Some(format!("Bearer {t}")))
    };
    let ok = mint(Some("https://auth.example"), Some("chronicle"));
    assert_eq!(ok.query("{ me { userId } }", json!({}))["me"]["userId"], "alice");
    let seq = server.seq();
    for (what, c) in [
        ("wrong issuer", mint(Some("https://evil.example"), Some("chronicle"))),
        ("wrong audience", mint(Some("https://auth.example"), Some("someone-else"))),
        ("no issuer", mint(None, Some("chronicle"))),
        ("no audience", mint(Some("https://auth.example"), None)),
        ("neither", mint(None, None)),
    ] {
        refused(&c, CREATE, what);
        refused(&c, READ, what);
    }
    // `aud` may be an array (RFC 7519): accepted when it names this server.
    let claims = |aud: Value| json!({ "sub": "carol", "exp": now() + 600, "iss": "https://auth.example", "aud": aud });
    let many = server
        .client(Some(format!("Bearer {}", encode(Algorithm::HS256, &claims(json!(["other", "chronicle"])), SECRET))));
    assert_eq!(many.query("{ me { userId } }", json!({}))["me"]["userId"], "carol");
    let others = server.client(Some(format!("Bearer {}", encode(Algorithm::HS256, &claims(json!(["other"])), SECRET))));
    refused(&others, CREATE, "audience array without this server");
    assert_eq!(server.seq(), seq);
    // The CLI mints tokens with issuer and audience.
    let minted = run_cli(&[
        "token",
        "--sub",
        "bob",
        "--jwt-secret",
        SECRET,
        "--jwt-issuer",
        "https://auth.example",
        "--jwt-audience",
        "chronicle",
    ]);
    let bob = server.client(Some(format!("Bearer {}", minted.trim())));
    let d = bob.query(CREATE, json!({}));
    assert!(d["createArtist"]["id"].is_string());
}

#[test]
fn dev_mode_prints_a_token_and_allows_anonymous_reads() {
    let server = Server::with(ServerOptions { secret: None, ..ServerOptions::default() });
    // The dev token is printed on stderr; wait (bounded) for the log to have it.
    let mut token = None;
    for _ in 0..100 {
        token = server
            .log()
            .split_whitespace()
            .find(|w| w.starts_with("eyJ") && w.matches('.').count() == 2)
            .map(str::to_owned);
        if token.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let token = token.unwrap_or_else(|| panic!("no dev token in the log:\n{}", server.log()));
    let dev = server.client(Some(format!("Bearer {token}")));
    let d = dev.query("mutation { createArtist(input: { name: \"Dev\" }) { createdBy } }", json!({}));
    assert_eq!(d["createArtist"]["createdBy"], "dev");
    let anon = server.anonymous();
    assert_eq!(anon.query(READ, json!({}))["artists"]["totalCount"], 1);
    let seq = server.seq();
    assert_eq!(anon.request(CREATE, json!({})).codes(), ["UNAUTHENTICATED"]);
    // Tokens signed with a guessable secret are refused: the dev secret is random.
    refused(&server.client(Some(format!("Bearer {}", token_with("dev", SECRET)))), READ, "a non-dev secret");
    assert_eq!(server.seq(), seq);
    // The server hands the same token to a web client.
    let handed: serde_json::Value =
        server.http().get(server.url("/dev-token")).send().expect("GET /dev-token").json().expect("JSON");
    assert_eq!(handed["token"], json!(token));
}

#[test]
fn outside_dev_mode_there_is_no_dev_token() {
    let server = Server::start();
    let r = server.http().get(server.url("/dev-token")).send().expect("GET /dev-token");
    assert_eq!(r.status(), 404);
}

fn token_with(sub: &str, secret: &str) -> String {
    chronicle_api::auth::mint(secret, sub, 600, None, None).expect("mint")
}
