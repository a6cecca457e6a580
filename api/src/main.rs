//! `chronicle`: serve the demo catalogue over GraphQL, print the schema,
//! mint tokens, verify a data directory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chronicle_api::{AppConfig, AuthConfig, Limits, demo};
use chronicle_store::{SledOptions, SledStore, Storage, SyncMode};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The server allocates for every value it reads and resolves; under the
/// page load glibc's allocator took over a third of the server's CPU (perf,
/// BENCHMARKS.md, issue 11), mimalloc's per-thread free lists far less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(name = "chronicle", version, about = "An event-sourced data layer with a GraphQL API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the GraphQL API (the default).
    Serve(ServeArgs),
    /// Print the GraphQL schema (SDL) of the app.
    Schema,
    /// Mint an HS256 token for a user.
    Token(TokenArgs),
    /// Replay every entity and report differences from the materialized state.
    Verify(VerifyArgs),
    /// Exit 0 when a running server answers `GET /healthz` (for container health checks).
    Healthcheck(HealthArgs),
}

#[derive(Args, Debug)]
struct HealthArgs {
    /// The server's address.
    #[arg(long, env = "CHRONICLE_HEALTH_ADDR", default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum SyncFlag {
    Always,
    Batch,
    None,
}

#[derive(Args, Debug, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CHRONICLE_LISTEN", default_value = "127.0.0.1:8000")]
    listen: SocketAddr,
    /// Data directory.
    #[arg(long, env = "CHRONICLE_DATA", default_value = "./chronicle-data")]
    data: PathBuf,
    /// HS256 shared secret for verifying tokens.
    #[arg(long, env = "CHRONICLE_JWT_SECRET", conflicts_with = "jwt_public_key")]
    jwt_secret: Option<String>,
    /// PEM file with the RSA or EC public key for RS256/ES256 tokens.
    #[arg(long, env = "CHRONICLE_JWT_PUBLIC_KEY")]
    jwt_public_key: Option<PathBuf>,
    /// Required token issuer (`iss`).
    #[arg(long, env = "CHRONICLE_JWT_ISSUER")]
    jwt_issuer: Option<String>,
    /// Required token audience (`aud`).
    #[arg(long, env = "CHRONICLE_JWT_AUDIENCE")]
    jwt_audience: Option<String>,
    /// Let queries run without a token.
    #[arg(long, env = "CHRONICLE_PUBLIC_READ")]
    public_read: bool,
    /// Run in dev mode (no key; a token for user `dev` is printed and served
    /// at /dev-token) even on an address other than loopback.
    #[arg(long, env = "CHRONICLE_DEV", conflicts_with_all = ["jwt_secret", "jwt_public_key"])]
    dev: bool,
    /// An origin whose pages may call /graphql from a browser (CORS), like
    /// https://app.example.com; repeatable. Without it, same origin only.
    #[arg(long = "cors-origin", env = "CHRONICLE_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// When a commit is acknowledged: after its flush (always), within a short delay (batch), or never flushed explicitly (none).
    #[arg(long, env = "CHRONICLE_SYNC", value_enum, default_value = "always")]
    sync: SyncFlag,
    /// Serve a built web client from this directory at `/`.
    #[arg(long, env = "CHRONICLE_WEB")]
    web: Option<PathBuf>,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "CHRONICLE_LOG_JSON")]
    log_json: bool,
    /// Largest request body (and WebSocket message), in bytes.
    #[arg(long, env = "CHRONICLE_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Largest text field value, in bytes.
    #[arg(long, env = "CHRONICLE_MAX_TEXT_BYTES", default_value_t = Limits::default().max_text_bytes)]
    max_text_bytes: usize,
    /// Deepest nesting of data fields (introspection is not counted).
    #[arg(long, env = "CHRONICLE_MAX_DEPTH", default_value_t = Limits::default().max_depth)]
    max_depth: usize,
    /// Highest query cost: each field costs 1, a list's fields count once per
    /// item asked for (`first`), `totalCount` costs 100.
    #[arg(long, env = "CHRONICLE_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity)]
    max_complexity: usize,
    /// Largest page (`first`).
    #[arg(long, env = "CHRONICLE_MAX_FIRST", default_value_t = Limits::default().max_first)]
    max_first: usize,
    /// Largest response, in bytes; larger ones are refused while being built.
    #[arg(long, env = "CHRONICLE_MAX_RESPONSE_BYTES", default_value_t = Limits::default().max_response_bytes)]
    max_response_bytes: usize,
    /// How long a query or mutation may run (e.g. 10s, 500ms); a commit that has begun always completes.
    #[arg(long, env = "CHRONICLE_REQUEST_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    request_timeout: Duration,
    /// How long a client may take to send a request's headers; also how long an idle keep-alive connection is kept.
    #[arg(long, env = "CHRONICLE_HEADER_READ_TIMEOUT", default_value = "20s", value_parser = parse_duration)]
    header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    #[arg(long, env = "CHRONICLE_BODY_READ_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    body_read_timeout: Duration,
}

#[derive(Args, Debug)]
struct TokenArgs {
    /// The user id (`sub`).
    #[arg(long)]
    sub: String,
    /// Lifetime, e.g. 30m, 1h, 7d.
    #[arg(long, default_value = "1h")]
    ttl: String,
    #[arg(long, env = "CHRONICLE_JWT_SECRET")]
    jwt_secret: String,
    #[arg(long, env = "CHRONICLE_JWT_ISSUER")]
    jwt_issuer: Option<String>,
    #[arg(long, env = "CHRONICLE_JWT_AUDIENCE")]
    jwt_audience: Option<String>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    #[arg(long, env = "CHRONICLE_DATA", default_value = "./chronicle-data")]
    data: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Schema) => schema(),
        Some(Command::Token(args)) => token(&args),
        Some(Command::Verify(args)) => runtime().and_then(|rt| rt.block_on(verify(&args))),
        Some(Command::Healthcheck(args)) => runtime().and_then(|rt| rt.block_on(healthcheck(&args))),
        Some(Command::Serve(args)) => runtime().and_then(|rt| finish(rt, serve(args))),
        None => runtime().and_then(|rt| finish(rt, serve(cli.serve))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Fallible = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn runtime() -> Result<tokio::runtime::Runtime, Box<dyn std::error::Error + Send + Sync>> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Runs `main` to completion, then stops the runtime without waiting for
/// blocking work that cannot finish (a flush on a failed disk).
fn finish(rt: tokio::runtime::Runtime, main: impl std::future::Future<Output = Fallible>) -> Fallible {
    let result = rt.block_on(main);
    rt.shutdown_timeout(Duration::from_secs(5));
    result
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn schema() -> Fallible {
    print!("{}", chronicle_api::sdl(&demo::catalogue()?)?);
    Ok(())
}

/// A duration like `500ms`, `10s`, `30m`, `1h` or `7d` (a bare number is seconds).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let (n, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = n.parse().map_err(|_| format!("`{text}` is not a duration like 500ms, 10s, 30m, 1h or 7d"))?;
    let millis = match unit {
        "ms" => 1,
        "" | "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("`{text}` has an unknown unit; use ms, s, m, h or d")),
    };
    n.checked_mul(millis).map(Duration::from_millis).ok_or_else(|| format!("`{text}` is too long a duration"))
}

fn token(args: &TokenArgs) -> Fallible {
    let ttl = parse_duration(&args.ttl)?.as_secs();
    let token = chronicle_api::auth::mint(
        &args.jwt_secret,
        &args.sub,
        ttl,
        args.jwt_issuer.as_deref(),
        args.jwt_audience.as_deref(),
    )?;
    println!("{token}");
    Ok(())
}

async fn healthcheck(args: &HealthArgs) -> Fallible {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(args.addr).await?;
        stream.write_all(format!("GET /healthz HTTP/1.0\r\nHost: {}\r\n\r\n", args.addr).as_bytes()).await?;
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await?;
        Ok::<_, std::io::Error>(reply)
    };
    let reply = tokio::time::timeout(Duration::from_secs(3), check).await.map_err(|_| "no answer within 3 s")??;
    if reply.starts_with(b"HTTP/1.0 200") || reply.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("unhealthy: {}", String::from_utf8_lossy(&reply[..reply.len().min(80)])).into())
    }
}

async fn verify(args: &VerifyArgs) -> Fallible {
    init_logs(false);
    let store = SledStore::open(&args.data, demo::catalogue()?)?;
    let report = store.verify().await?;
    println!("checked {} entities and {} events", report.entities, report.events);
    for d in &report.differences {
        let entity = d.entity_id.map_or_else(|| "(an index key with no id)".to_owned(), |id| id.to_string());
        println!("DIFFERENCE {} {entity}: {}", d.collection, d.problem);
    }
    if report.is_clean() {
        println!("clean: every state equals the replay of its events");
        Ok(())
    } else {
        Err(format!("{} differences found; restore from a backup or re-materialize", report.differences.len()).into())
    }
}

async fn serve(args: ServeArgs) -> Fallible {
    init_logs(args.log_json);
    let sync = match args.sync {
        SyncFlag::Always => SyncMode::Always,
        SyncFlag::Batch => SyncMode::BATCH,
        SyncFlag::None => SyncMode::None,
    };
    let public_key_pem = match &args.jwt_public_key {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --jwt-public-key {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let has_key = args.jwt_secret.is_some() || args.jwt_public_key.is_some();
    if !has_key && !args.dev && !args.listen.ip().is_loopback() {
        return Err(format!(
            "refusing to start in dev mode on {}: without a key anyone who can reach this address gets a token that \
             writes. Give --jwt-secret or --jwt-public-key, listen on 127.0.0.1, or pass --dev to accept that",
            args.listen
        )
        .into());
    }
    let config = AppConfig {
        auth: AuthConfig {
            secret: args.jwt_secret.clone(),
            public_key_pem,
            issuer: args.jwt_issuer.clone(),
            audience: args.jwt_audience.clone(),
            public_read: args.public_read,
        },
        limits: Limits {
            max_depth: args.max_depth,
            max_complexity: args.max_complexity,
            max_first: args.max_first,
            max_text_bytes: args.max_text_bytes,
            max_body_bytes: args.max_body_bytes,
            max_response_bytes: args.max_response_bytes,
            request_timeout: args.request_timeout,
            header_read_timeout: args.header_read_timeout,
            body_read_timeout: args.body_read_timeout,
        },
        web_dir: args.web.clone(),
        cors_origins: args.cors_origins.clone(),
    };
    let store = SledStore::open_with(&args.data, demo::catalogue()?, SledOptions { sync, ..SledOptions::default() })?;
    let store: Arc<dyn Storage> = Arc::new(store);
    let (app, auth) = chronicle_api::router(store.clone(), config)?;
    if let Some(token) = auth.dev_token() {
        tracing::warn!(
            "DEV MODE: no --jwt-secret or --jwt-public-key given; tokens are signed with an ephemeral secret"
        );
        eprintln!("\n  dev token for user `dev` (valid 7 days, until this server restarts):\n\n  {token}\n");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data = %args.data.display(), "serving GraphQL at http://{addr}/graphql");
    chronicle_api::http::serve_router(listener, app, store, args.header_read_timeout, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
