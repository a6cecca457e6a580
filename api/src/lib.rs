//! Chronicle's GraphQL service: a schema generated from model descriptors,
//! served over HTTP (and WebSocket) with JWT identity.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use std::sync::Arc;
//! use chronicle_api::{AppConfig, serve};
//! use chronicle_store::SledStore;
//!
//! let store = SledStore::open("./chronicle-data", chronicle_api::demo::catalogue()?)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await?;
//! serve(listener, Arc::new(store), AppConfig::default(), std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```

pub mod admission;
pub mod app;
pub mod auth;
pub mod demo;
pub mod error;
pub mod http;
pub mod metrics;
pub mod operation;
pub mod response;
pub mod schema;
pub mod server;
pub mod shared;
pub mod ws;

pub use app::AppConfig;
pub use auth::{Auth, AuthConfig, Identity};
pub use error::{ApiError, Code};
pub use http::{router, serve};
pub use schema::{Limits, build};

/// The SDL of the schema generated for `models` (what `chronicle schema` prints).
pub fn sdl(models: &chronicle_model::Models) -> Result<String, async_graphql::dynamic::SchemaError> {
    Ok(build(models)?.sdl())
}
