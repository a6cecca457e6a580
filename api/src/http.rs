//! The HTTP face: `POST /graphql`, GraphiQL on `GET /graphql`, `/healthz`,
//! `/metrics`, the built web client, body limits and graceful shutdown.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::dynamic::Schema;
use async_graphql::http::GraphiQLSource;
use async_graphql::{Response, ServerError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use chronicle_store::Storage;
use tower_http::services::{ServeDir, ServeFile};

use crate::auth::{Auth, AuthConfig};
use crate::error::{ApiError, Code, classify};
use crate::metrics::Metrics;
use crate::schema::transaction::RequestTx;
use crate::schema::{self, Caller, Limits, RequestData, Service};

/// Everything the service is configured with besides its store.
#[derive(Clone, Debug, Default)]
pub struct AppConfig {
    pub auth: AuthConfig,
    pub limits: Limits,
    /// A built web client to serve at `/`.
    pub web_dir: Option<PathBuf>,
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
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// Gives `request` what its resolvers need (the caller, batch loaders, a
    /// pending transaction, the service); returns it with that transaction.
    pub fn prepare(&self, request: async_graphql::Request, caller: Caller) -> (async_graphql::Request, Arc<RequestTx>) {
        let data = RequestData::new(self.service.store.clone(), self.service.models.clone(), &caller);
        let tx = data.tx.clone();
        (request.data(caller).data(data).data(self.service.clone()), tx)
    }
}

/// Whether a response says the operation never ran (a parse or validation
/// failure, or an error before the first result): no data, only errors.
pub fn never_ran(response: &Response) -> bool {
    response.data == async_graphql::Value::Null && !response.errors.is_empty()
}

/// A response as JSON, for the WebSocket transports.
pub fn response_json(response: &Response) -> serde_json::Value {
    serde_json::to_value(response).unwrap_or_else(|_| serde_json::json!({"errors": [{"message": "internal error"}]}))
}

/// Builds the router; returns it with the verifier (whose dev token the CLI prints).
pub fn router(store: Arc<dyn Storage>, config: AppConfig) -> Result<(Router, Arc<Auth>), String> {
    let auth = Arc::new(Auth::new(&config.auth)?);
    let service = Service { models: store.models().clone(), store, limits: config.limits.clone() };
    let schema =
        schema::build(&service.models, &service.limits).map_err(|e| format!("cannot build the GraphQL schema: {e}"))?;
    let state = AppState { schema, service, auth: auth.clone(), metrics: Arc::default(), shared: Arc::default() };
    let mut app = Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .route("/healthz", get(healthz))
        .route("/dev-token", get(dev_token))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(config.limits.max_body_bytes))
        // Bearer tokens, not cookies, carry identity, so any origin may call the API.
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT]),
        )
        .with_state(state);
    if let Some(dir) = config.web_dir {
        let index = dir.join("index.html");
        app = app.fallback_service(ServeDir::new(&dir).fallback(ServeFile::new(index)));
    }
    Ok((app, auth))
}

/// Serves `store` on `listener` until `shutdown` resolves, then lets
/// in-flight requests (and their commits) finish and flushes the store.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Storage>,
    config: AppConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (app, _) = router(store.clone(), config)?;
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    store.flush().await?;
    Ok(())
}

/// `GET /graphql`: a WebSocket upgrade for subscriptions, else GraphiQL.
async fn graphql_get(State(state): State<AppState>, request: axum::extract::Request) -> axum::response::Response {
    let (mut parts, _) = request.into_parts();
    match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(ws) => crate::ws::upgrade(state, ws),
        Err(_) => graphiql(state).into_response(),
    }
}

fn graphiql(state: AppState) -> impl IntoResponse {
    let bearer = state.auth.dev_token().map(|t| format!("Bearer {t}"));
    let mut source = GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql").title("Chronicle");
    if let Some(bearer) = bearer.as_deref() {
        source = source.header("Authorization", bearer).ws_connection_param("authorization", bearer);
    }
    Html(source.finish())
}

/// In dev mode, the token for user `dev` (DESIGN.md section 9); 404 otherwise.
async fn dev_token(State(state): State<AppState>) -> axum::response::Response {
    match state.auth.dev_token() {
        Some(token) => axum::Json(serde_json::json!({ "token": token, "userId": "dev" })).into_response(),
        None => (StatusCode::NOT_FOUND, "not in dev mode: ask your administrator for a token").into_response(),
    }
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let body = serde_json::json!({ "status": "ok", "seq": state.service.store.last_seq() });
    (StatusCode::OK, axum::Json(body))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let store = &state.service.store;
    let text = state.metrics.render(store.size_on_disk(), store.last_seq());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Whether the client speaks GraphQL over HTTP's media type, which carries
/// request errors as HTTP status codes.
fn wants_status_codes(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains(GRAPHQL_RESPONSE))
}

fn reply(headers: &HeaderMap, status: StatusCode, response: &Response) -> axum::response::Response {
    let media = wants_status_codes(headers);
    let status = if media { status } else { StatusCode::OK };
    let body =
        serde_json::to_vec(response).unwrap_or_else(|_| br#"{"errors":[{"message":"internal error"}]}"#.to_vec());
    let content_type = if media { GRAPHQL_RESPONSE } else { "application/json" };
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn error_response(e: ApiError) -> Response {
    let mut err = ServerError::new(e.message, None);
    err.extensions.get_or_insert_with(Default::default).set("code", e.code.as_str());
    Response::from_errors(vec![err])
}

fn status_of(code: Code) -> StatusCode {
    match code {
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::BadUserInput | Code::LimitExceeded => StatusCode::BAD_REQUEST,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::OK,
    }
}

async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> axum::response::Response {
    let started = Instant::now();
    let (status, response) = execute(&state, &headers, &body).await;
    state.metrics.record_request(started.elapsed(), response.errors.is_empty());
    reply(&headers, status, &response)
}

async fn execute(state: &AppState, headers: &HeaderMap, body: &[u8]) -> (StatusCode, Response) {
    let fail = |e: ApiError| (status_of(e.code), error_response(e));
    let caller = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            match value.to_str().map_err(|_| ApiError::unauthenticated("the Authorization header is not text")) {
                Ok(v) => match state.auth.verify_header(v) {
                    Ok(identity) => Caller(Some(identity)),
                    Err(e) => return fail(e),
                },
                Err(e) => return fail(e),
            }
        }
        None if state.auth.public_read() => Caller(None),
        None => {
            return fail(ApiError::unauthenticated("this server needs a token: send `Authorization: Bearer <token>`"));
        }
    };
    let request: async_graphql::Request = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return fail(ApiError::bad_input(format!(
                "the body is not a GraphQL request ({e}); send JSON like {{\"query\": \"{{ me {{ userId }} }}\"}}"
            )));
        }
    };
    let (request, tx) = state.prepare(request, caller);
    let mut response = state.schema.execute(request).await;
    classify(&mut response);
    if !response.errors.is_empty() {
        // Errors without a path come from parsing or validation: the request itself was bad.
        let bad_request =
            response.data == async_graphql::Value::Null && response.errors.iter().all(|e| e.path.is_empty());
        let status = if bad_request { StatusCode::BAD_REQUEST } else { StatusCode::OK };
        // A failed field aborts the request's writes: nothing is committed.
        return (status, response);
    }
    match tx.commit().await {
        Ok(0) => {}
        Ok(count) => state.metrics.record_commit(count),
        Err(e) => return fail(e),
    }
    (StatusCode::OK, response)
}
