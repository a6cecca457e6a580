//! The request's pending transaction: every mutation field of one request
//! adds to it, later fields see earlier ones' changes, and the whole set
//! commits as one atomic store transaction after the last field succeeded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chronicle_model::{Batch, EntityId, EntityState, EventId, ModelError, Staging, StateReader, Transaction};
use chronicle_store::{ExpectedHeads, Storage, StoreError};

use crate::auth::Identity;
use crate::error::{ApiError, Code};

#[derive(Default)]
struct Pending {
    /// The request's events, applied over the store's states as each
    /// mutation field ran; the store writes them as staged when nothing they
    /// were staged over changed meanwhile.
    staging: Staging,
    /// `ifHeads` checked against the store: the heads that must still hold
    /// when the request commits.
    guards: Vec<ExpectedHeads>,
    /// The entity each mutation field answers with, by response key.
    answers: HashMap<String, EntityId>,
}

/// Reads staged states first, then the store.
struct Overlay<'a> {
    staging: &'a Staging,
    store: &'a dyn Storage,
}

impl StateReader for Overlay<'_> {
    fn read_state(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ModelError> {
        match self.staging.state(collection, id) {
            Some(s) => Ok(Some(s.clone())),
            None => self.store.reads().read_state(collection, id),
        }
    }
}

pub struct RequestTx {
    store: Arc<dyn Storage>,
    user: Option<Identity>,
    pending: Mutex<Pending>,
}

impl std::fmt::Debug for RequestTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestTx").finish_non_exhaustive()
    }
}

impl RequestTx {
    pub fn new(store: Arc<dyn Storage>, user: Option<Identity>) -> Self {
        Self { store, user, pending: Mutex::default() }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writing user; writes always need one.
    pub fn user(&self) -> Result<&str, ApiError> {
        self.user.as_ref().map(|i| i.user_id.as_str()).ok_or_else(|| {
            ApiError::unauthenticated("writing needs a signed-in user: send `Authorization: Bearer <token>`")
        })
    }

    /// The state this request has staged for an entity, if any.
    pub fn staged(&self, collection: &str, id: EntityId) -> Option<EntityState> {
        self.lock().staging.state(collection, id).cloned()
    }

    /// The entity's current state as this request sees it.
    pub fn current(&self, collection: &str, id: EntityId) -> Result<Option<EntityState>, ApiError> {
        let pending = self.lock();
        let overlay = Overlay { staging: &pending.staging, store: self.store.as_ref() };
        Ok(overlay.read_state(collection, id)?)
    }

    /// Runs `change` on a model transaction over this request's view, stages
    /// the resulting events, and returns the entities' states after them.
    /// Nothing is staged when `change` or any event is refused.
    pub fn change<F>(&self, change: F) -> Result<Vec<EntityState>, ApiError>
    where
        F: FnOnce(&mut Transaction<'_>) -> Result<(), ApiError>,
    {
        let user = self.user()?.to_owned();
        let mut pending = self.lock();
        let events = {
            let overlay = Overlay { staging: &pending.staging, store: self.store.as_ref() };
            let mut tx = Transaction::new(user, self.store.models(), &overlay);
            change(&mut tx)?;
            tx.into_events()
        };
        let mut staging = pending.staging.clone();
        let mut states = Vec::with_capacity(events.len());
        for event in events {
            let (collection, id) = (event.collection.clone(), event.entity_id);
            staging.stage(self.store.models(), self.store.reads(), event)?;
            states.extend(staging.state(&collection, id).cloned());
        }
        pending.staging = staging;
        Ok(states)
    }

    /// Fails with CONFLICT unless the entity's heads are exactly `expected`.
    pub fn check_heads(&self, collection: &str, id: EntityId, expected: &[EventId]) -> Result<(), ApiError> {
        let from_store = self.lock().staging.state(collection, id).is_none();
        let state = self.current(collection, id)?.ok_or_else(|| not_found(collection, id))?;
        let mut expected = expected.to_vec();
        expected.sort_unstable();
        expected.dedup();
        if state.heads.as_slice() != expected.as_slice() {
            let heads: Vec<String> = state.heads.as_slice().iter().map(ToString::to_string).collect();
            return Err(ApiError::new(
                Code::Conflict,
                format!(
                    "entity {id} changed since you read it: its heads are now [{}]; re-read it and retry",
                    heads.join(", ")
                ),
            ));
        }
        if from_store {
            self.lock().guards.push(ExpectedHeads { collection: collection.to_owned(), id, heads: expected });
        }
        Ok(())
    }

    /// Records that the mutation field answering under `key` answers with entity `id`.
    pub fn record_answer(&self, key: String, id: EntityId) {
        self.lock().answers.insert(key, id);
    }

    /// The entity of each mutation field, by response key.
    pub fn answers(&self) -> HashMap<String, EntityId> {
        self.lock().answers.clone()
    }

    /// Commits the staged events atomically; returns how many. Heads checked
    /// by `ifHeads` against the store must still hold at commit, checked by
    /// the store under its commit lock.
    pub async fn commit(&self) -> Result<usize, ApiError> {
        let (staging, expected) = {
            let mut pending = self.lock();
            (std::mem::take(&mut pending.staging), std::mem::take(&mut pending.guards))
        };
        if staging.is_empty() {
            return Ok(0);
        }
        let count = staging.events().len();
        match self.store.write(Batch::Staged(staging), &expected).await {
            Ok(_) => Ok(count),
            Err(StoreError::HeadsMismatch { id, .. }) => Err(ApiError::new(
                Code::Conflict,
                format!("entity {id} changed while this request ran; re-read it and retry"),
            )),
            Err(e) => Err(e.into()),
        }
    }
}

pub fn not_found(collection: &str, id: EntityId) -> ApiError {
    ApiError::new(Code::NotFound, format!("no `{collection}` with id {id} (it may have been deleted)"))
}
