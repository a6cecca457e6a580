//! Group commit: one flusher thread makes commits durable in batches.
//!
//! A committer takes a ticket after its write and, in `Always` mode, waits
//! until the flushed ticket reaches it. The flusher flushes whenever there
//! are unflushed tickets, so commits that arrive during a flush share the
//! next one. In `Batch` mode nobody waits and the flusher runs on a timer.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use super::engine_error::engine;
use crate::sync_mode::SyncMode;
use chronicle_model::StoreError;

#[derive(Default)]
struct Tickets {
    issued: u64,
    closing: bool,
    /// The last failed flush: the highest ticket it was meant to cover, and
    /// why. Commits up to that ticket are told; later ones are not affected.
    failed: Option<(u64, sled::Error)>,
}

struct Shared {
    tickets: Mutex<Tickets>,
    wake: Condvar,
    flushed: watch::Sender<u64>,
}

pub struct Durability {
    mode: SyncMode,
    shared: Arc<Shared>,
    flusher: Mutex<Option<JoinHandle<()>>>,
}

fn lock(m: &Mutex<Tickets>) -> MutexGuard<'_, Tickets> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Durability {
    pub fn start(db: sled::Db, mode: SyncMode) -> Self {
        let (flushed, _) = watch::channel(0);
        let shared = Arc::new(Shared { tickets: Mutex::default(), wake: Condvar::new(), flushed });
        let flusher = match mode {
            SyncMode::None => None,
            SyncMode::Always | SyncMode::Batch(_) => {
                let shared = shared.clone();
                let pause = match mode {
                    SyncMode::Batch(interval) => Some(interval),
                    _ => None,
                };
                std::thread::Builder::new()
                    .name("chronicle-flush".into())
                    .spawn(move || flush_loop(&db, &shared, pause))
                    .ok()
            }
        };
        Self { mode, shared, flusher: Mutex::new(flusher) }
    }

    /// Registers a finished write; returns its ticket.
    pub fn issue(&self) -> u64 {
        let mut t = lock(&self.shared.tickets);
        t.issued += 1;
        let ticket = t.issued;
        drop(t);
        self.shared.wake.notify_one();
        ticket
    }

    /// Waits until `ticket` is durable, if the mode promises that.
    pub async fn wait(&self, ticket: u64) -> Result<(), StoreError> {
        if self.mode != SyncMode::Always {
            return Ok(());
        }
        let mut rx = self.shared.flushed.subscribe();
        loop {
            if *rx.borrow_and_update() >= ticket {
                return Ok(());
            }
            if let Some((target, e)) = lock(&self.shared.tickets).failed.clone()
                && ticket <= target
            {
                return Err(engine(e));
            }
            if rx.changed().await.is_err() {
                return Err(StoreError::Closed);
            }
        }
    }

    /// Whether `stop` has begun: tickets issued from now on may never be flushed.
    pub fn is_closing(&self) -> bool {
        lock(&self.shared.tickets).closing
    }

    /// Stops the flusher after a last flush.
    /// Waits at most `limit` for the last flush: a flush that never returns
    /// (a failed disk) must not hold the process.
    pub fn stop(&self, limit: Duration) {
        lock(&self.shared.tickets).closing = true;
        self.shared.wake.notify_all();
        let handle = self.flusher.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle
            && crate::blocking::within(limit, move || h.join()).is_none()
        {
            tracing::error!("the flusher did not stop in {limit:?}; closing without its last flush");
        }
    }
}

/// Failed flushes tried at shutdown before giving up (a full disk must not
/// hang the process; what was not flushed was not acknowledged).
const FLUSH_TRIES_AT_CLOSE: u32 = 5;

fn flush_loop(db: &sled::Db, shared: &Shared, pause: Option<Duration>) {
    let mut flushed = 0;
    let mut failures_while_closing = 0;
    loop {
        let (target, closing) = {
            let mut t = lock(&shared.tickets);
            while t.issued == flushed && !t.closing {
                t = shared.wake.wait(t).unwrap_or_else(|p| p.into_inner());
            }
            (t.issued, t.closing)
        };
        if let Some(pause) = pause
            && !closing
        {
            std::thread::sleep(pause);
        }
        match db.flush() {
            Ok(_) => {
                flushed = target;
                shared.flushed.send_replace(flushed);
            }
            Err(e) => {
                tracing::error!(error = %e, "flushing the store failed; commits waiting for durability will fail");
                lock(&shared.tickets).failed = Some((target, e));
                shared.flushed.send_modify(|_| {});
                if closing {
                    failures_while_closing += 1;
                    if failures_while_closing >= FLUSH_TRIES_AT_CLOSE {
                        tracing::error!("giving up flushing at shutdown: unacknowledged commits may be lost");
                        return;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if closing && lock(&shared.tickets).issued == flushed {
            return;
        }
    }
}
