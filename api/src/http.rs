//! The HTTP face: `POST /graphql`, GraphiQL on `GET /graphql`, `/healthz`,
//! `/metrics`, `/dev-token`, the built web client, and the limits on how a
//! request's body arrives (size, time, media type).

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::Response;
use async_graphql::parser::types::OperationType;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use chronicle_store::Storage;
use futures_util::StreamExt;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

use crate::admission::{self, MAX_NESTING, Syntax, check_nesting};
use crate::app::{AppConfig, AppState};
use crate::auth::Auth;
use crate::error::{ApiError, Code};
use crate::operation::run_operation;
use crate::response::{error_response, never_ran, response_json};
use crate::schema::{self, Caller, Limits, Service};

/// Builds the router; returns it with the verifier (whose dev token the CLI prints).
pub fn router(store: Arc<dyn Storage>, config: AppConfig) -> Result<(Router, Arc<Auth>), String> {
    let auth = Arc::new(Auth::new(&config.auth)?);
    let service = Service { models: store.models().clone(), store, limits: config.limits.clone() };
    let schema = schema::build(&service.models).map_err(|e| format!("cannot build the GraphQL schema: {e}"))?;
    let graphiql = match &config.web_dir {
        Some(dir) => match std::fs::read_to_string(dir.join("graphiql.html")) {
            Ok(page) => Some(Arc::from(page)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {}: {e}", dir.join("graphiql.html").display())),
        },
        None => None,
    };
    let state = AppState::new(schema, service, auth.clone(), graphiql);
    let mut graphql = Router::new().route("/graphql", get(graphql_get).post(graphql));
    if !config.cors_origins.is_empty() {
        graphql = graphql.layer(cors(&config.cors_origins)?);
    }
    let mut app = Router::new()
        .merge(graphql)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/dev-token", get(dev_token))
        .route("/metrics", get(metrics))
        .with_state(state);
    if let Some(dir) = config.web_dir {
        let index = dir.join("index.html");
        app = app.fallback_service(ServeDir::new(&dir).fallback(ServeFile::new(index)));
    }
    Ok((app, auth))
}

/// CORS for `/graphql`: exactly the listed origins. Tokens travel in headers,
/// so a wildcard would let any page a signed-in person visits use the API
/// with a token it obtained; it is refused.
fn cors(origins: &[String]) -> Result<CorsLayer, String> {
    let mut allowed = Vec::with_capacity(origins.len());
    for origin in origins {
        if origin == "*" {
            return Err("--cors-origin '*' is not allowed: list each origin, like https://app.example.com".into());
        }
        let value = HeaderValue::from_str(origin.trim_end_matches('/'))
            .map_err(|_| format!("--cors-origin {origin:?} is not an origin like https://app.example.com"))?;
        allowed.push(value);
    }
    Ok(CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT]))
}

/// Serves `store` on `listener` until `shutdown` resolves, then lets
/// in-flight requests (and their commits) finish and flushes the store.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Storage>,
    config: AppConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let header_read_timeout = config.limits.header_read_timeout;
    let (app, _) = router(store.clone(), config)?;
    serve_router(listener, app, store, header_read_timeout, shutdown).await
}

/// How long shutdown waits for the store's last flush: on a failed disk the
/// engine's flush may never return.
const LAST_FLUSH: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves a built router until `shutdown` resolves, then (bounded) flushes
/// the store: the shutdown path of [`serve`] and of the `chronicle` binary.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    store: Arc<dyn Storage>,
    header_read_timeout: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    crate::server::run(listener, app, header_read_timeout, shutdown).await;
    tracing::info!("shutting down: in-flight requests finished, flushing the store");
    match tokio::time::timeout(LAST_FLUSH, store.flush()).await {
        Ok(flushed) => Ok(flushed?),
        Err(_) => Err(format!(
            "the store's last flush did not finish within {LAST_FLUSH:?}; unacknowledged writes may be lost"
        )
        .into()),
    }
}

/// `GET /graphql`: a WebSocket upgrade for subscriptions, else GraphiQL.
async fn graphql_get(State(state): State<AppState>, request: axum::extract::Request) -> axum::response::Response {
    let (mut parts, _) = request.into_parts();
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => crate::ws::upgrade(state, ws),
        Err(_) => graphiql(&state),
    }
}

/// The GraphiQL page loaded from pinned CDN versions, for when the web
/// client is not built; it says how to get the bundled one.
const GRAPHIQL_FALLBACK: &str = include_str!("graphiql_fallback.html");

fn graphiql(state: &AppState) -> axum::response::Response {
    if let Some(page) = state.graphiql() {
        return Html(page.to_string()).into_response();
    }
    let bearer = state.auth.dev_token().map(|t| format!("Bearer {t}"));
    let bearer = serde_json::to_string(&bearer).unwrap_or_else(|_| "null".into());
    Html(GRAPHIQL_FALLBACK.replace("\"{{AUTHORIZATION}}\"", &bearer)).into_response()
}

/// Whether a browser says the request comes from another site's page
/// (Fetch Metadata, else the `Origin` header against `Host`).
fn cross_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return !matches!(site, "same-origin" | "none");
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// In dev mode, the token for user `dev`, to pages of this server's own
/// origin only (no CORS, and cross-site requests are refused); 404 otherwise.
async fn dev_token(State(state): State<AppState>, headers: HeaderMap) -> axum::response::Response {
    match state.auth.dev_token() {
        Some(_) if cross_site(&headers) => {
            (StatusCode::FORBIDDEN, "the dev token is only given to pages of this server's own origin").into_response()
        }
        Some(token) => axum::Json(serde_json::json!({ "token": token, "userId": "dev" })).into_response(),
        None => (StatusCode::NOT_FOUND, "not in dev mode: ask your administrator for a token").into_response(),
    }
}

const DISK_FULL: &str = "the disk holding the store is full: free space, then restart the server";

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.storage_is_full() {
        let body =
            serde_json::json!({ "status": "failed", "reason": DISK_FULL, "seq": state.service.store.last_seq() });
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body));
    }
    let body = serde_json::json!({ "status": "ok", "seq": state.service.store.last_seq() });
    (StatusCode::OK, axum::Json(body))
}

/// Whether this server can take traffic: 503 while its disk is full.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.storage_is_full() {
        let body = serde_json::json!({ "status": "not ready", "reasons": [DISK_FULL] });
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body));
    }
    (StatusCode::OK, axum::Json(serde_json::json!({ "status": "ready" })))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let text = state.metrics.render(state.service.store.as_ref());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Whether the client speaks GraphQL over HTTP's media type, which carries
/// request errors as HTTP status codes.
fn wants_status_codes(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains(GRAPHQL_RESPONSE))
}

/// How a request ended, before it is written out.
struct Outcome {
    status: StatusCode,
    response: Response,
    /// The status holds whatever media type the client accepts: the request
    /// failed before GraphQL (body too large, too slow, not JSON).
    transport: bool,
}

impl Outcome {
    fn ok(status: StatusCode, response: Response) -> Self {
        Self { status, response, transport: false }
    }

    /// A coded error, with the status GraphQL over HTTP gives its code.
    fn error(e: ApiError) -> Self {
        Self { status: status_of(e.code), response: error_response(e), transport: false }
    }
}

/// A request refused before GraphQL ran.
enum Refused {
    /// The HTTP exchange failed (body too large, too slow, not JSON): this
    /// status holds whatever media type the client accepts.
    Transport(StatusCode, ApiError),
    /// The request is not one this server runs (admission).
    Request(ApiError),
}

impl From<Refused> for Outcome {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Transport(status, e) => Outcome { status, response: error_response(e), transport: true },
            Refused::Request(e) => Outcome::error(e),
        }
    }
}

fn reply(headers: &HeaderMap, outcome: Outcome) -> axum::response::Response {
    let media = wants_status_codes(headers);
    let status = if media || outcome.transport { outcome.status } else { StatusCode::OK };
    let body = serde_json::to_vec(&response_json(&outcome.response))
        .unwrap_or_else(|_| br#"{"errors":[{"message":"internal error"}]}"#.to_vec());
    let content_type = if media { GRAPHQL_RESPONSE } else { "application/json" };
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn status_of(code: Code) -> StatusCode {
    match code {
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::BadUserInput | Code::LimitExceeded => StatusCode::BAD_REQUEST,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Code::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
        _ => StatusCode::OK,
    }
}

async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Body) -> axum::response::Response {
    let started = Instant::now();
    let outcome = match read_body(&headers, body, &state.service.limits).await {
        Ok(body) => execute(&state, &headers, &body).await,
        Err(refused) => refused.into(),
    };
    state.metrics.record_request(started.elapsed(), outcome.response.errors.is_empty());
    reply(&headers, outcome)
}

/// Reads a JSON request body within the size and time limits.
async fn read_body(headers: &HeaderMap, body: Body, limits: &Limits) -> Result<Bytes, Refused> {
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(|v| {
        let essence = v.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("application/json") || essence.to_ascii_lowercase().ends_with("+json")
    });
    if media != Some(true) {
        return Err(Refused::Transport(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::bad_input("send the request as JSON, with `Content-Type: application/json`"),
        ));
    }
    let max = limits.max_body_bytes;
    let too_large = || {
        Refused::Transport(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::limit(format!("the request body is larger than {max} bytes")),
        )
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut bytes = Vec::with_capacity(declared.map_or(1024, |n| n as usize));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| {
                Refused::Transport(StatusCode::BAD_REQUEST, ApiError::bad_input("the request body could not be read"))
            })?;
            if bytes.len() + chunk.len() > max {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    };
    tokio::time::timeout(limits.body_read_timeout, read).await.unwrap_or_else(|_| {
        Err(Refused::Transport(
            StatusCode::REQUEST_TIMEOUT,
            ApiError::limit(format!("the request body did not arrive within {:?}", limits.body_read_timeout)),
        ))
    })
}

/// The caller named by the `Authorization` header (or an anonymous one
/// where the server allows it).
fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let value =
                value.to_str().map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
            Ok(Caller(Some(state.auth.verify_header(value)?)))
        }
        None if state.auth.public_read() => Ok(Caller(None)),
        None => Err(ApiError::unauthenticated("this server needs a token: send `Authorization: Bearer <token>`")),
    }
}

/// Parses a JSON request body and admits it (see [`admission`]); returns it
/// with the type of the operation it runs.
fn parse_request(body: &[u8], limits: &Limits) -> Result<(async_graphql::Request, Option<OperationType>), Refused> {
    check_nesting(body, Syntax::Json, MAX_NESTING).map_err(|e| Refused::Transport(StatusCode::BAD_REQUEST, e))?;
    let mut request: async_graphql::Request = serde_json::from_slice(body).map_err(|e| {
        Refused::Transport(
            StatusCode::BAD_REQUEST,
            ApiError::bad_input(format!(
                "the body is not a GraphQL request ({e}); send JSON like {{\"query\": \"{{ me {{ userId }} }}\"}}"
            )),
        )
    })?;
    let operation = admission::admit(&mut request, limits).map_err(Refused::Request)?;
    Ok((request, operation))
}

async fn execute(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Outcome {
    let caller = match authenticate(state, headers) {
        Ok(caller) => caller,
        Err(e) => return Outcome::error(e),
    };
    let limits = &state.service.limits;
    let (request, operation) = match parse_request(body, limits) {
        Ok(parsed) => parsed,
        Err(refused) => return refused.into(),
    };
    let response = match run_operation(state, request, operation, caller).await {
        Ok(response) => response,
        Err(e) => return Outcome::error(e),
    };
    // Errors without a path come from parsing or validation: the request itself was bad.
    let bad_request = never_ran(&response) && response.errors.iter().all(|e| e.path.is_empty());
    let status = if bad_request { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Outcome::ok(status, response)
}
