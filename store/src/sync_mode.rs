//! How a store acknowledges commits relative to reaching the disk.

use std::time::Duration;

/// When a commit is acknowledged relative to reaching the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SyncMode {
    /// A commit returns only after its events are flushed; concurrent commits
    /// share one flush (group commit). Survives a crash or power loss.
    #[default]
    Always,
    /// A commit returns at once; a background flush runs within the interval.
    /// A crash loses at most the commits of the last interval, whole.
    Batch(Duration),
    /// Chronicle never flushes on its own; data reaches the disk on the
    /// engine's schedule and at clean shutdown. A crash may lose recent
    /// commits, whole.
    None,
}

impl SyncMode {
    /// `Batch` with the interval `chronicle serve --sync batch` uses; every
    /// tool that says "batch" means this one.
    pub const BATCH: SyncMode = SyncMode::Batch(Duration::from_millis(10));
}
