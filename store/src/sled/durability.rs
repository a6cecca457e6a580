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

use crate::error::StoreError;
use crate::storage::SyncMode;

#[derive(Default)]
struct Tickets {
    issued: u64,
    closing: bool,
    failed: Option<String>,
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
            if let Some(e) = lock(&self.shared.tickets).failed.clone() {
                return Err(StoreError::Engine(format!("flush failed: {e}")));
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
    pub fn stop(&self) {
        lock(&self.shared.tickets).closing = true;
        self.shared.wake.notify_all();
        let handle = self.flusher.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

fn flush_loop(db: &sled::Db, shared: &Shared, pause: Option<Duration>) {
    let mut flushed = 0;
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
                lock(&shared.tickets).failed = Some(e.to_string());
                shared.flushed.send_modify(|_| {});
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if closing && lock(&shared.tickets).issued == flushed {
            return;
        }
    }
}
