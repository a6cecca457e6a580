//! The connection loop: HTTP/1.1 on a TCP listener, with WebSocket upgrades,
//! a header-read timeout and graceful shutdown.
//!
//! `axum::serve` gives hyper no timer, so a client that sends half a request
//! line (or keeps a connection open without sending anything) holds it for
//! ever. Here hyper gets tokio's timer and a header-read timeout, which also
//! bounds how long an idle keep-alive connection is kept: hyper starts that
//! timer whenever it waits for the next request's head. Body reads are
//! bounded by the handlers (see `http::read_body`).

use std::future::Future;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

/// How long shutdown waits for open connections (WebSockets included) to finish.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting,
/// lets in-flight requests finish (at most [`DRAIN`]) and returns.
pub async fn run(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // Connections hold a receiver: they watch for shutdown, and shutdown
    // waits until every receiver is gone.
    let (stop, watching) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(
            app.clone().map_request(|request: hyper::Request<Incoming>| request.map(axum::body::Body::new)),
        );
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
        let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
        let mut watching = watching.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = watching.changed() => {
                    // Finish the request in flight, then close; upgraded
                    // WebSockets run on their own and end with the process.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(watching);
        });
    }
    drop(watching);
    let _ = stop.send(true);
    if tokio::time::timeout(DRAIN, stop.closed()).await.is_err() {
        tracing::warn!("connections still open after {DRAIN:?}; closing them");
    }
}
