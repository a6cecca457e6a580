//! The HTTP face: `POST /graphql`, GraphiQL on `GET /graphql`, `/healthz`,
//! `/metrics`, `/dev-token`, the built web client, and the limits on how a
//! request's body arrives (size, time, media type).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use async_graphql::dynamic::Schema;
use async_graphql::parser::types::OperationType;
use async_graphql::{Response, ServerError};
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
use crate::auth::{Auth, AuthConfig};
use crate::error::{ApiError, Code, classify};
use crate::metrics::Metrics;
use crate::schema::context::Pass;
use crate::schema::context::ResponseBudget;
use crate::schema::transaction::RequestTx;
use crate::schema::{self, Caller, Limits, RequestData, Service};

/// Everything the service is configured with besides its store.
#[derive(Clone, Debug, Default)]
pub struct AppConfig {
    pub auth: AuthConfig,
    pub limits: Limits,
    /// A built web client to serve at `/` (and its GraphiQL page at `GET /graphql`).
    pub web_dir: Option<PathBuf>,
    /// Origins whose pages may call `/graphql` from a browser (CORS). Empty:
    /// same origin only.
    pub cors_origins: Vec<String>,
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub schema: Schema,
    pub service: Service,
    pub auth: Arc<Auth>,
    pub metrics: Arc<Metrics>,
    /// Identical WebSocket subscriptions share one execution.
    pub shared: Arc<crate::shared::SharedSubscriptions>,
    /// The bundled GraphiQL page, when the web client's build has one.
    graphiql: Option<Arc<str>>,
    /// Set when the store failed for a full disk. sled then refuses every
    /// operation until it is reopened, so `/healthz` fails too: a supervisor
    /// restarts the process, which opens the store again once there is room.
    storage_full: Arc<AtomicBool>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// What a prepared request's resolvers share with whoever runs it.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub tx: Arc<RequestTx>,
    pub budget: Arc<ResponseBudget>,
}

impl AppState {
    /// Marks the store as failed when `errors` say its disk is full.
    fn note_storage(&self, errors: &[ServerError]) {
        let full = async_graphql::Value::from(Code::StorageFull.as_str());
        if errors.iter().any(|e| e.extensions.as_ref().and_then(|x| x.get("code")) == Some(&full)) {
            self.storage_full.store(true, Ordering::Relaxed);
        }
    }

    /// Gives `request` what its resolvers need (the caller, batch loaders, a
    /// pending transaction, a response budget, the service, the mutation pass).
    pub fn prepare(
        &self,
        request: async_graphql::Request,
        caller: Caller,
        pass: Pass,
    ) -> (async_graphql::Request, Prepared) {
        let service = &self.service;
        let data = RequestData::new(service.store.clone(), &caller, &service.limits, pass);
        let prepared = Prepared { tx: data.tx.clone(), budget: data.budget.clone() };
        (request.data(caller).data(data).data(self.service.clone()), prepared)
    }
}

/// Whether a response says the operation never ran (a parse or validation
/// failure, or an error before the first result): no data, only errors.
pub fn never_ran(response: &Response) -> bool {
    response.data == async_graphql::Value::Null && !response.errors.is_empty()
}

/// A response as JSON. A request that never ran has no `data` entry
/// (GraphQL over HTTP, "request errors").
pub fn response_json(response: &Response) -> serde_json::Value {
    let mut json = serde_json::to_value(response)
        .unwrap_or_else(|_| serde_json::json!({"errors": [{"message": "internal error"}]}));
    if never_ran(response)
        && let Some(object) = json.as_object_mut()
    {
        object.remove("data");
    }
    json
}

/// A response made of one coded error.
pub fn error_response(e: ApiError) -> Response {
    let mut err = ServerError::new(e.message, None);
    err.extensions.get_or_insert_with(Default::default).set("code", e.code.as_str());
    Response::from_errors(vec![err])
}

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
    let state = AppState {
        schema,
        service,
        auth: auth.clone(),
        metrics: Arc::default(),
        shared: Arc::default(),
        graphiql,
        storage_full: Arc::default(),
    };
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
    if let Some(page) = &state.graphiql {
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
    if state.storage_full.load(Ordering::Relaxed) {
        let body =
            serde_json::json!({ "status": "failed", "reason": DISK_FULL, "seq": state.service.store.last_seq() });
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body));
    }
    let body = serde_json::json!({ "status": "ok", "seq": state.service.store.last_seq() });
    (StatusCode::OK, axum::Json(body))
}

/// Whether this server can take traffic: 503 while its disk is full.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.storage_full.load(Ordering::Relaxed) {
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

/// Runs an admitted query or mutation and commits what it staged (nothing
/// when any field failed). A mutation that committed is then resolved again
/// against the committed state, so its selections show the request's own
/// writes (see [`Pass`]).
pub async fn run_operation(
    state: &AppState,
    mut request: async_graphql::Request,
    operation: Option<OperationType>,
    caller: Caller,
) -> Result<Response, ApiError> {
    // The second pass reuses the document admission parsed.
    let rerun = match operation {
        Some(OperationType::Mutation) => request.parsed_query().ok().cloned().map(|document| {
            (request.query.clone(), document, request.variables.clone(), request.operation_name.clone())
        }),
        _ => None,
    };
    let (request, staging) = state.prepare(request, caller.clone(), Pass::Staging);
    let response = run(state, request, &staging).await?;
    state.note_storage(&response.errors);
    if !response.errors.is_empty() {
        // A failed field aborts the request's writes: nothing is committed.
        return Ok(response);
    }
    let committed = commit(&staging.tx).await;
    match &committed {
        Err(e) if e.code == Code::StorageFull => state.storage_full.store(true, Ordering::Relaxed),
        Ok(n) if *n > 0 => state.storage_full.store(false, Ordering::Relaxed),
        _ => {}
    }
    let committed = committed?;
    if committed > 0 {
        state.metrics.record_commit(committed);
    }
    let Some((query, document, variables, operation_name)) = rerun.filter(|_| committed > 0) else {
        return Ok(response);
    };
    let mut again = async_graphql::Request::new(query).variables(variables);
    again.operation_name = operation_name;
    again.set_parsed_query(document);
    let (again, answering) = state.prepare(again, caller, Pass::Committed(Arc::new(staging.tx.answers())));
    // No time limit here: the write is done and the client is owed its answer.
    let mut answer = state.schema.execute(again).await;
    classify(&mut answer);
    state.note_storage(&answer.errors);
    if answering.budget.is_exceeded() || !answer.errors.is_empty() {
        // The changes are committed whatever happens here; the first pass's
        // answer (the staged states) is still a true account of them.
        tracing::warn!(errors = ?answer.errors, "answering a committed mutation failed; answering with the staged states");
        return Ok(response);
    }
    Ok(answer)
}

/// Runs a prepared query or mutation within the request time limit and the
/// response budget. Nothing is written here: the caller commits afterwards,
/// so a request cut off by the time limit has written nothing.
async fn run(state: &AppState, request: async_graphql::Request, prepared: &Prepared) -> Result<Response, ApiError> {
    let limit = state.service.limits.request_timeout;
    let mut response = tokio::time::timeout(limit, state.schema.execute(request)).await.map_err(|_| {
        ApiError::limit(format!("the request ran longer than {limit:?} and was stopped; nothing was written"))
    })?;
    if prepared.budget.is_exceeded() {
        return Err(prepared.budget.exceeded());
    }
    classify(&mut response);
    Ok(response)
}

/// Commits the request's staged events. The commit runs in its own task, so
/// once it has begun it completes (and is durable) even if the client goes
/// away or the handler is cancelled.
async fn commit(tx: &Arc<RequestTx>) -> Result<usize, ApiError> {
    let tx = tx.clone();
    tokio::spawn(async move { tx.commit().await })
        .await
        .unwrap_or_else(|e| Err(crate::schema::context::internal(&format!("the commit task failed: {e}"))))
}
