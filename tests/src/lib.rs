//! End-to-end test harness: starts the real `chronicle` binary on a free
//! loopback port with a temporary data directory, talks to it over real HTTP,
//! and kills it when the [`Server`] guard drops.
//!
//! # Finding the binary
//!
//! `env!("CARGO_BIN_EXE_chronicle")` only exists in tests of the package that
//! owns the binary (`chronicle-api`), and cargo does not build a dependency's
//! binaries, so depending on `chronicle-api` (done for `auth::mint`) only
//! guarantees its library is compiled. The harness therefore:
//!
//! 1. uses `$CHRONICLE_BIN` when set (a binary built elsewhere);
//! 2. otherwise runs `cargo build -p chronicle-api --bin chronicle` once per
//!    test process (a no-op link check when it is fresh; cargo has released the
//!    target-dir lock by the time tests run), with the profile the tests were
//!    built with, so the binary under test is never stale;
//! 3. and takes the binary that sits next to the test executable:
//!    `current_exe()` is `target/<profile>/deps/<test>-<hash>`, the binary is
//!    `target/<profile>/chronicle`.
//!
//! Set `CHRONICLE_TESTS_NO_BUILD=1` to skip step 2.

use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

pub use serde_json::{Value, json};

pub mod fixtures;
pub mod hostile;
pub mod ws;

/// The HS256 secret every test server is started with (unless a test picks another).
pub const SECRET: &str = "e2e-test-secret-0123456789abcdef";

/// How long a server may take to answer `/healthz` after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one HTTP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let deps = exe.parent().expect("the test executable lives in target/<profile>/deps");
    deps.parent().expect("target/<profile>").to_path_buf()
}

fn build_binary(profile_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf();
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&workspace).args(["build", "--quiet", "-p", "chronicle-api", "--bin", "chronicle"]);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the `chronicle` binary: {e}"));
    // Bounded: another build may hold the target-dir lock for a while, not forever.
    let deadline = Instant::now() + Duration::from_secs(20 * 60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for cargo") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`cargo build -p chronicle-api --bin chronicle` took more than 20 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if !status.success() {
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        panic!("`cargo build -p chronicle-api --bin chronicle` failed ({status}):\n{err}");
    }
}

/// The path of the `chronicle` binary under test (built on first use).
pub fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("CHRONICLE_BIN") {
            return PathBuf::from(bin);
        }
        let dir = profile_dir();
        if std::env::var_os("CHRONICLE_TESTS_NO_BUILD").is_none() {
            build_binary(&dir);
        }
        let bin = dir.join(format!("chronicle{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.is_file(),
            "no `chronicle` binary at {}; run `cargo build -p chronicle-api` or set CHRONICLE_BIN",
            bin.display()
        );
        bin
    })
}

/// Runs `chronicle <args>` to completion and returns its stdout (panics on failure).
pub fn run_cli(args: &[&str]) -> String {
    let out = Command::new(binary()).args(args).output().expect("run chronicle");
    assert!(
        out.status.success(),
        "`chronicle {}` failed: {}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A free port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Mints a valid HS256 token for `sub` with the default secret.
pub fn token(sub: &str) -> String {
    chronicle_api::auth::mint(SECRET, sub, 3600, None, None).expect("mint a token")
}

/// An `Authorization` value with a fresh [`token`] for `sub`.
pub fn bearer(sub: &str) -> String {
    format!("Bearer {}", token(sub))
}

/// How to start a server.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// `--jwt-secret`; `None` starts dev mode.
    pub secret: Option<String>,
    pub public_read: bool,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// More command-line arguments.
    pub extra: Vec<String>,
    /// The data directory; a fresh one in the server's temp dir when `None`.
    pub data: Option<PathBuf>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            secret: Some(SECRET.into()),
            public_read: false,
            issuer: None,
            audience: None,
            extra: Vec::new(),
            data: None,
        }
    }
}

/// A running `chronicle serve`; killed on drop.
#[derive(Debug)]
pub struct Server {
    child: Mutex<Child>,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    dir: tempfile::TempDir,
    options: ServerOptions,
    http: reqwest::blocking::Client,
}

impl Server {
    /// A server with `--jwt-secret SECRET`, without `--public-read`.
    pub fn start() -> Self {
        Self::with(ServerOptions::default())
    }

    /// A server with the default options and `args` as more command-line arguments.
    pub fn with_args(args: &[&str]) -> Self {
        Self::with(ServerOptions { extra: args.iter().map(|a| a.to_string()).collect(), ..ServerOptions::default() })
    }

    pub fn with(options: ServerOptions) -> Self {
        let dir = tempfile::Builder::new().prefix("chronicle-e2e-").tempdir().expect("a temp dir");
        // The port is free when picked but may be taken before the server binds
        // it; try a few ports.
        let mut last_log = String::new();
        for _ in 0..5 {
            match Self::spawn(&dir, &options) {
                Ok((child, base)) => {
                    // No idle-connection reuse: a connection the server closed after
                    // refusing an oversized body must not be handed to the next request.
                    let http = reqwest::blocking::Client::builder()
                        .timeout(REQUEST_TIMEOUT)
                        .pool_max_idle_per_host(0)
                        .build()
                        .expect("an HTTP client");
                    return Self { child: Mutex::new(child), base, dir, options, http };
                }
                Err(log) => last_log = log,
            }
        }
        panic!("the chronicle server did not start:\n{last_log}");
    }

    fn log_path(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("server.log")
    }

    fn spawn(dir: &tempfile::TempDir, o: &ServerOptions) -> Result<(Child, String), String> {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let data = o.data.clone().unwrap_or_else(|| dir.path().join("data"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(Self::log_path(dir))
            .map_err(|e| e.to_string())?;
        let mut cmd = Command::new(binary());
        cmd.arg("serve").arg("--listen").arg(&listen).arg("--data").arg(&data);
        if let Some(s) = &o.secret {
            cmd.args(["--jwt-secret", s]);
        }
        if o.public_read {
            cmd.arg("--public-read");
        }
        if let Some(i) = &o.issuer {
            cmd.args(["--jwt-issuer", i]);
        }
        if let Some(a) = &o.audience {
            cmd.args(["--jwt-audience", a]);
        }
        cmd.args(&o.extra);
        // Keep the environment from configuring the server behind our back.
        for (k, _) in std::env::vars_os() {
            if k.to_str().is_some_and(|k| k.starts_with("CHRONICLE_")) {
                cmd.env_remove(k);
            }
        }
        cmd.env("RUST_LOG", "warn");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary().display()))?;
        let base = format!("http://{listen}");
        let probe =
            reqwest::blocking::Client::builder().timeout(Duration::from_secs(2)).build().map_err(|e| e.to_string())?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(Self::log_path(dir)).unwrap_or_default();
                return Err(format!("the server exited with {status} before it was healthy:\n{log}"));
            }
            if let Ok(r) = probe.get(format!("{base}/healthz")).send()
                && r.status().is_success()
            {
                return Ok((child, base));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(Self::log_path(dir)).unwrap_or_default();
                return Err(format!("the server did not answer /healthz within {START_TIMEOUT:?}:\n{log}"));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The server's log so far (stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(Self::log_path(&self.dir)).unwrap_or_default()
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.options.data.clone().unwrap_or_else(|| self.dir.path().join("data"))
    }

    /// Whether the process is still running.
    pub fn is_running(&self) -> bool {
        matches!(self.child().try_wait(), Ok(None))
    }

    fn child(&self) -> MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn http(&self) -> &reqwest::blocking::Client {
        &self.http
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET /healthz`: asserts it answers 200 and returns its JSON.
    pub fn health(&self) -> Value {
        let r = self.http.get(self.url("/healthz")).send().expect("GET /healthz");
        assert_eq!(r.status(), 200, "/healthz status");
        r.json().expect("/healthz JSON")
    }

    /// The store's commit sequence, from `/healthz`: unchanged = nothing written.
    pub fn seq(&self) -> u64 {
        self.health()["seq"].as_u64().expect("/healthz has a numeric `seq`")
    }

    /// A client calling with a fresh token for `sub` (default secret).
    pub fn user(&self, sub: &str) -> Client<'_> {
        Client { server: self, auth: Some(bearer(sub)) }
    }

    /// A client with this exact `Authorization` value (`None`: no header).
    pub fn client(&self, authorization: Option<String>) -> Client<'_> {
        Client { server: self, auth: authorization }
    }

    /// A client without a token.
    pub fn anonymous(&self) -> Client<'_> {
        Client { server: self, auth: None }
    }

    /// POSTs a raw body to `/graphql`.
    pub fn post_raw(&self, body: impl Into<reqwest::blocking::Body>, headers: &[(&str, &str)]) -> Reply {
        self.try_post_raw(body, headers).expect("POST /graphql")
    }

    /// POSTs a raw body to `/graphql`; an error when the connection failed
    /// (a server may answer an oversized body early and close the connection
    /// while the client is still sending it).
    pub fn try_post_raw(
        &self,
        body: impl Into<reqwest::blocking::Body>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, reqwest::Error> {
        let mut req = self.http.post(self.url("/graphql")).body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().map(Reply::from)
    }

    /// Kills the server (SIGKILL) and starts it again on the same data directory.
    pub fn restart(&mut self) {
        self.kill();
        let mut last_log = String::new();
        for _ in 0..5 {
            match Self::spawn(&self.dir, &self.options) {
                Ok((child, base)) => {
                    self.child = Mutex::new(child);
                    self.base = base;
                    return;
                }
                Err(log) => last_log = log,
            }
        }
        panic!("the chronicle server did not restart:\n{last_log}");
    }

    /// Sends SIGTERM (graceful shutdown) and waits, bounded, for the exit status.
    #[cfg(unix)]
    pub fn terminate(&self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child();
        let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        assert!(sent.is_ok_and(|s| s.success()), "cannot send SIGTERM to the server");
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Stops the server with SIGKILL (also done on drop).
    pub fn kill(&self) {
        let mut child = self.child();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("---- chronicle server log ({}) ----\n{}", self.base, self.log());
        }
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

impl From<reqwest::blocking::Response> for Reply {
    fn from(r: reqwest::blocking::Response) -> Self {
        let status = r.status().as_u16();
        let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = r.text().expect("a response body");
        Self { status, content_type, text }
    }
}

impl Reply {
    /// The body as JSON (panics when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("the response is not JSON ({e}); status {}: {}", self.status, self.text))
    }

    /// The `extensions.code` of every error.
    pub fn codes(&self) -> Vec<String> {
        codes(&self.json())
    }

    /// `data`, asserting there are no errors.
    pub fn data(&self) -> Value {
        let body = self.json();
        assert!(body.get("errors").is_none(), "unexpected errors (status {}): {body:#}", self.status);
        assert_eq!(self.status, 200, "status of a successful request: {body:#}");
        body["data"].clone()
    }

    /// Asserts every error has `code` and there is at least one; returns the body.
    pub fn expect_error(&self, code: &str) -> Value {
        let body = self.json();
        let codes = codes(&body);
        assert!(!codes.is_empty(), "expected a {code} error, got none: {body:#}");
        assert!(codes.iter().all(|c| c == code), "expected only {code} errors, got {codes:?}: {body:#}");
        assert!(self.status < 500, "a {code} error must not be a 5xx: status {}", self.status);
        for e in body["errors"].as_array().into_iter().flatten() {
            let msg = e["message"].as_str().unwrap_or_default();
            assert!(!msg.is_empty(), "an error without a message: {e}");
        }
        body
    }
}

/// The `extensions.code` of every error in a GraphQL response body.
pub fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("<no code>").to_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
}

/// Sends GraphQL requests with one `Authorization` value.
#[derive(Debug, Clone)]
pub struct Client<'a> {
    pub server: &'a Server,
    pub auth: Option<String>,
}

impl Client<'_> {
    /// Sends `{query, variables}`.
    pub fn request(&self, query: &str, variables: Value) -> Reply {
        self.request_with(query, variables, &[])
    }

    pub fn request_with(&self, query: &str, variables: Value, headers: &[(&str, &str)]) -> Reply {
        let body = json!({ "query": query, "variables": variables });
        let mut req = self.server.http.post(self.server.url("/graphql")).json(&body);
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Reply::from(req.send().expect("POST /graphql"))
    }

    /// Sends the request and returns `data`, asserting it succeeded.
    pub fn query(&self, query: &str, variables: Value) -> Value {
        self.request(query, variables).data()
    }

    /// Sends the request and asserts it failed with `code` only.
    pub fn fails(&self, query: &str, variables: Value, code: &str) -> Value {
        self.request(query, variables).expect_error(code)
    }
}

/// `value` as a string (panics otherwise).
pub fn s(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("expected a string, got {value}")).to_owned()
}

/// Small creation helpers over the demo catalogue; each returns the new id.
pub mod catalogue {
    use super::{Client, Value, json, s};

    pub fn artist(c: &Client<'_>, name: &str, country: Option<&str>) -> String {
        let d = c.query(
            "mutation($i: ArtistCreateInput!) { createArtist(input: $i) { id } }",
            json!({ "i": { "name": name, "country": country } }),
        );
        s(&d["createArtist"]["id"])
    }

    pub fn album(c: &Client<'_>, name: &str, year: i32, artist: &str) -> String {
        let d = c.query(
            "mutation($i: AlbumCreateInput!) { createAlbum(input: $i) { id } }",
            json!({ "i": { "name": name, "year": year, "artistId": artist } }),
        );
        s(&d["createAlbum"]["id"])
    }

    pub fn track(c: &Client<'_>, name: &str, position: i32, album: &str) -> String {
        let d = c.query(
            "mutation($i: TrackCreateInput!) { createTrack(input: $i) { id } }",
            json!({ "i": { "name": name, "position": position, "albumId": album } }),
        );
        s(&d["createTrack"]["id"])
    }

    /// The artist `name` and its album "Kind of Blue" (1959): (artist id, album id).
    pub fn artist_with_album(c: &Client<'_>, name: &str) -> (String, String) {
        let artist = artist(c, name, None);
        let album = album(c, "Kind of Blue", 1959, &artist);
        (artist, album)
    }

    /// The tracks `names` of `album`, at positions 1, 2, …; returns their ids in that order.
    pub fn tracks<const N: usize>(c: &Client<'_>, album: &str, names: [&str; N]) -> [String; N] {
        let mut position = 0;
        names.map(|name| {
            position += 1;
            track(c, name, position, album)
        })
    }

    pub fn playlist(c: &Client<'_>, name: &str) -> String {
        let d = c.query(
            "mutation($i: PlaylistCreateInput!) { createPlaylist(input: $i) { id } }",
            json!({ "i": { "name": name } }),
        );
        s(&d["createPlaylist"]["id"])
    }

    pub fn entry(c: &Client<'_>, playlist: &str, track: &str, position: i32) -> String {
        let d = c.query(
            "mutation($i: PlaylistEntryCreateInput!) { createPlaylistEntry(input: $i) { id } }",
            json!({ "i": { "playlistId": playlist, "trackId": track, "position": position } }),
        );
        s(&d["createPlaylistEntry"]["id"])
    }

    /// Every `id` of `list` (a root list field), walking all pages.
    pub fn all_ids(c: &Client<'_>, list: &str) -> Vec<String> {
        let q = format!(
            "query($after: String) {{ {list}(first: 100, after: $after) {{ nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }}"
        );
        let mut ids = Vec::new();
        let mut after = Value::Null;
        for _ in 0..1000 {
            let d = c.query(&q, json!({ "after": after }));
            let page = &d[list];
            ids.extend(page["nodes"].as_array().into_iter().flatten().map(|n| s(&n["id"])));
            if page["pageInfo"]["hasNextPage"] != json!(true) {
                return ids;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        panic!("{list}: more than 1000 pages");
    }
}

/// A fresh valid entity id nobody has used (for client-chosen ids and unknown refs).
pub fn fresh_ulid() -> String {
    chronicle_model::EntityId::new().to_string()
}
