//! The set-up many end-to-end tests start from: a fresh server with a few
//! entities on it, and the commit sequence once they are written.

use crate::{Client, Server};

/// A fresh server (default options) and what alice wrote on it first.
#[derive(Debug)]
pub struct Seeded<T> {
    pub server: Server,
    /// What the seed returned: the ids of what it wrote, or its rows.
    pub ids: T,
    /// The commit sequence right after the seed: a test that finds it
    /// unchanged later knows its refused requests wrote nothing.
    pub seq: u64,
}

/// Starts a server and lets alice write what `seed` writes.
pub fn seeded<T>(seed: impl FnOnce(&Client<'_>) -> T) -> Seeded<T> {
    let server = Server::start();
    let ids = seed(&server.user("alice"));
    let seq = server.seq();
    Seeded { server, ids, seq }
}
