//! What the API's in-process tests share: the router served by the real
//! connection loop on a loopback port, tokens, and a real HTTP client.

#![allow(dead_code)] // Each test binary uses part of this module.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chronicle_api::auth::mint;
use chronicle_api::{AppConfig, AuthConfig};
use chronicle_store::Storage;
use serde_json::{Value as Json, json};

pub type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

pub const SECRET: &str = "api-tests-secret-0123456789";
/// Every request and every wait for a message is bounded by this.
pub const WAIT: Duration = Duration::from_secs(20);

/// `config` with HS256 tokens signed by [`SECRET`].
pub fn signed(config: AppConfig) -> AppConfig {
    AppConfig { auth: AuthConfig { secret: Some(SECRET.into()), ..config.auth }, ..config }
}

/// Serves `store` on a free loopback port with the server's own connection
/// loop (as `chronicle serve` does); the server lives as long as the runtime.
pub async fn serve(store: Arc<dyn Storage>, config: AppConfig) -> R<SocketAddr> {
    let (app, _) = chronicle_api::router(store, signed(config))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(chronicle_api::server::run(listener, app, Duration::from_secs(20), std::future::pending()));
    Ok(addr)
}

/// A bearer token for `user`, valid for an hour.
pub fn token(user: &str) -> String {
    mint(SECRET, user, 3600, None, None).unwrap_or_default()
}

/// POSTs a GraphQL request as `user` and returns its `data`; GraphQL errors
/// are an `Err` carrying them.
pub async fn post(addr: SocketAddr, user: &str, query: &str, variables: Json) -> R<Json> {
    let client = reqwest::Client::builder().timeout(WAIT).build()?;
    let response = client
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token(user))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?;
    let value: Json = response.json().await?;
    if let Some(errors) = value.get("errors") {
        return Err(format!("GraphQL errors: {errors}").into());
    }
    Ok(value["data"].clone())
}

/// The value of the Prometheus metric `name` in the server's `/metrics`.
pub async fn metric(addr: SocketAddr, name: &str) -> R<u64> {
    let client = reqwest::Client::builder().timeout(WAIT).build()?;
    let text = client.get(format!("http://{addr}/metrics")).send().await?.text().await?;
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .ok_or_else(|| format!("no metric `{name}` in /metrics"))?;
    let value = line.split_whitespace().nth(1).ok_or("a metric without a value")?;
    Ok(value.parse::<f64>()? as u64)
}

/// Waits until metric `name` satisfies `done` (polling), at most [`WAIT`].
pub async fn wait_for_metric(addr: SocketAddr, name: &str, done: impl Fn(u64) -> bool) -> R {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let value = metric(addr, name).await?;
        if done(value) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("`{name}` is still {value} after {WAIT:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
