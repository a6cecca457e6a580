//! What every handler shares (HTTP, WebSocket, shared subscriptions): the
//! schema, the service, the verifier, metrics, and the service's health.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::ServerError;
use async_graphql::dynamic::Schema;

use crate::auth::{Auth, AuthConfig};
use crate::error::{ApiError, Code};
use crate::metrics::Metrics;
use crate::schema::context::{Pass, ResponseBudget};
use crate::schema::transaction::RequestTx;
use crate::schema::{Caller, Limits, RequestData, Service};

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
    pub fn new(schema: Schema, service: Service, auth: Arc<Auth>, graphiql: Option<Arc<str>>) -> Self {
        Self {
            schema,
            service,
            auth,
            metrics: Arc::default(),
            shared: Arc::default(),
            graphiql,
            storage_full: Arc::default(),
        }
    }

    /// The bundled GraphiQL page, when the web client's build has one.
    pub fn graphiql(&self) -> Option<&str> {
        self.graphiql.as_deref()
    }

    /// Whether the store last failed for a full disk (and has not committed since).
    pub fn storage_is_full(&self) -> bool {
        self.storage_full.load(Ordering::Relaxed)
    }

    /// Notes what errors from executing an operation say of the disk.
    pub fn note_response(&self, errors: &[ServerError]) {
        let full = async_graphql::Value::from(Code::StorageFull.as_str());
        if errors.iter().any(|e| e.extensions.as_ref().and_then(|x| x.get("code")) == Some(&full)) {
            self.storage_full.store(true, Ordering::Relaxed);
        }
    }

    /// Notes what a commit's outcome says of the disk: full on its error,
    /// writable again once a commit wrote something.
    pub fn note_commit(&self, committed: &Result<usize, ApiError>) {
        match committed {
            Err(e) if e.code == Code::StorageFull => self.storage_full.store(true, Ordering::Relaxed),
            Ok(n) if *n > 0 => self.storage_full.store(false, Ordering::Relaxed),
            _ => {}
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
