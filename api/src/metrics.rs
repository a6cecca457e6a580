//! Prometheus metrics, kept in atomics and rendered as text on `GET /metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Debug, Default)]
pub struct Metrics {
    requests_ok: AtomicU64,
    requests_failed: AtomicU64,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    commits: AtomicU64,
    events: AtomicU64,
    ws_connections: AtomicU64,
    subscriptions: AtomicU64,
    messages_sent: AtomicU64,
    messages_dropped: AtomicU64,
}

/// A gauge that goes down when dropped.
#[derive(Debug)]
pub struct GaugeGuard<'a>(&'a AtomicU64);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn record_request(&self, elapsed: Duration, ok: bool) {
        if ok { &self.requests_ok } else { &self.requests_failed }.fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            if secs <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn record_commit(&self, events: usize) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.events.fetch_add(events as u64, Ordering::Relaxed);
    }

    pub fn ws_connection(&self) -> GaugeGuard<'_> {
        self.ws_connections.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(&self.ws_connections)
    }

    pub fn subscription(&self) -> GaugeGuard<'_> {
        self.subscriptions.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(&self.subscriptions)
    }

    pub fn message_sent(&self) {
        self.messages_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub fn message_dropped(&self) {
        self.messages_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    /// The Prometheus text of these metrics and `store`'s gauges.
    pub fn render(&self, store: &dyn chronicle_store::Storage) -> String {
        let (store_bytes, last_seq) = (store.size_on_disk(), store.last_seq());
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP chronicle_requests_total GraphQL requests over HTTP.\n# TYPE chronicle_requests_total counter"
        );
        let _ = writeln!(out, "chronicle_requests_total{{outcome=\"ok\"}} {}", get(&self.requests_ok));
        let _ = writeln!(out, "chronicle_requests_total{{outcome=\"error\"}} {}", get(&self.requests_failed));
        let _ = writeln!(
            out,
            "# HELP chronicle_request_duration_seconds GraphQL request latency.\n# TYPE chronicle_request_duration_seconds histogram"
        );
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(out, "chronicle_request_duration_seconds_bucket{{le=\"{bound}\"}} {}", get(bucket));
        }
        let count = get(&self.latency_count);
        let _ = writeln!(out, "chronicle_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "chronicle_request_duration_seconds_sum {}", get(&self.latency_sum_micros) as f64 / 1e6);
        let _ = writeln!(out, "chronicle_request_duration_seconds_count {count}");
        let counters = [
            ("chronicle_commits_total", "Committed transactions.", get(&self.commits)),
            ("chronicle_events_total", "Committed events.", get(&self.events)),
            ("chronicle_subscription_messages_sent_total", "Subscription messages sent.", get(&self.messages_sent)),
            (
                "chronicle_subscription_messages_dropped_total",
                "Subscription messages dropped for slow clients.",
                get(&self.messages_dropped),
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        let mut gauges = vec![
            ("chronicle_websocket_connections", "Open WebSocket connections.", get(&self.ws_connections)),
            ("chronicle_subscriptions", "Active subscriptions.", get(&self.subscriptions)),
            ("chronicle_commit_sequence", "The latest commit sequence.", last_seq),
            (
                "chronicle_feed_index_entries",
                "Entries and keys of the change feed's subscription index.",
                store.feed_index_size() as u64,
            ),
        ];
        if let Some(bytes) = store_bytes {
            gauges.push(("chronicle_store_size_bytes", "Bytes the store occupies on disk.", bytes));
        }
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        out
    }
}
