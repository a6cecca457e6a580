//! Synchronous engine work inside async methods.
//!
//! sled reads, commits and flushes are blocking calls. Run inline on one of
//! the runtime's few worker threads (two on a 2-core machine), one slow scan
//! or flush would stall every other connection. Scans run on tokio's
//! blocking pool ([`off_worker`]); work that must borrow the store (the
//! commit under its lock, the flush) tells the runtime its worker is busy
//! ([`blocking`]). Without a multi-threaded tokio runtime both run inline.

use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};

use chronicle_model::StoreError;

fn multi_threaded() -> bool {
    Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread)
}

/// Runs `work` in place, letting the runtime's other tasks move to another
/// thread meanwhile.
pub fn blocking<T>(work: impl FnOnce() -> T) -> T {
    if multi_threaded() { tokio::task::block_in_place(work) } else { work() }
}

/// Runs `work` on the blocking thread pool and waits for it without holding
/// a worker. The caller's task yields meanwhile, so work it spawned (batch
/// loaders, say) is ordered exactly as before the call.
pub async fn off_worker<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    if !multi_threaded() {
        return work();
    }
    tokio::task::spawn_blocking(work).await.map_err(|e| StoreError::Task(Box::new(e)))?
}

/// Runs `work` on a thread of its own and waits at most `limit` for it;
/// `None` when it did not finish (the thread is left to finish or not). For
/// engine calls that can block for ever once the disk has failed (sled's
/// flush after a full disk), where a bounded shutdown matters more.
pub fn within<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (done, result) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("chronicle-bounded".into()).spawn(move || {
        let _ = done.send(work());
    });
    match spawned {
        Ok(_) => result.recv_timeout(limit).ok(),
        Err(_) => None,
    }
}
