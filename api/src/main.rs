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
    /// When a commit is acknowledged: after its flush (always), within a short delay (batch), or never flushed explicitly (none).
    #[arg(long, env = "CHRONICLE_SYNC", value_enum, default_value = "always")]
    sync: SyncFlag,
    /// Serve a built web client from this directory at `/`.
    #[arg(long, env = "CHRONICLE_WEB")]
    web: Option<PathBuf>,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "CHRONICLE_LOG_JSON")]
    log_json: bool,
    /// Largest request body, in bytes.
    #[arg(long, env = "CHRONICLE_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Largest text field value, in bytes.
    #[arg(long, env = "CHRONICLE_MAX_TEXT_BYTES", default_value_t = 1024 * 1024)]
    max_text_bytes: usize,
    /// Deepest query nesting.
    #[arg(long, env = "CHRONICLE_MAX_DEPTH", default_value_t = 12)]
    max_depth: usize,
    /// Highest query complexity (fields counted).
    #[arg(long, env = "CHRONICLE_MAX_COMPLEXITY", default_value_t = 2000)]
    max_complexity: usize,
    /// Largest page (`first`).
    #[arg(long, env = "CHRONICLE_MAX_FIRST", default_value_t = 500)]
    max_first: usize,
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
        Some(Command::Serve(args)) => runtime().and_then(|rt| rt.block_on(serve(args))),
        None => runtime().and_then(|rt| rt.block_on(serve(cli.serve))),
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

fn parse_ttl(ttl: &str) -> Result<u64, String> {
    let (n, unit) = ttl.split_at(ttl.find(|c: char| !c.is_ascii_digit()).unwrap_or(ttl.len()));
    let n: u64 = n.parse().map_err(|_| format!("`{ttl}` is not a duration like 30m, 1h or 7d"))?;
    let unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{ttl}` has an unknown unit; use s, m, h or d")),
    };
    Ok(n * unit)
}

fn token(args: &TokenArgs) -> Fallible {
    let ttl = parse_ttl(&args.ttl)?;
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
        println!("DIFFERENCE {} {}: {}", d.collection, d.entity_id, d.problem);
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
        SyncFlag::Batch => SyncMode::Batch(Duration::from_millis(10)),
        SyncFlag::None => SyncMode::None,
    };
    let public_key_pem = match &args.jwt_public_key {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --jwt-public-key {}: {e}", path.display()))?,
        ),
        None => None,
    };
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
        },
        web_dir: args.web.clone(),
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
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("shutting down: in-flight requests finished, flushing the store");
    store.flush().await?;
    Ok(())
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
