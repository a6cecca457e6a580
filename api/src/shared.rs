//! Identical subscriptions share one execution.
//!
//! A change payload depends only on the subscription's document and
//! variables, not on who asked, so every subscriber of the same document
//! (say 10,000 browsers watching one album) is served by one resolver run
//! per change: its serialized payload is broadcast to all of them. A
//! subscriber that falls behind the broadcast is told so and disconnected;
//! the others are not slowed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::error::classify;
use crate::response::{error_response, never_ran, response_json};
use crate::schema::context::ResponseBudget;

/// Payloads buffered per group before a slow member lags. Tokio allocates
/// the slots up front, so this is also most of an idle group's memory; each
/// connection buffers another `OUT_QUEUE` messages of its own.
const GROUP_BUFFER: usize = 128;

/// What a group tells its members.
#[derive(Clone, Debug)]
pub enum GroupEvent {
    /// A result: the serialized GraphQL response (`{"data": ..}`).
    Next(Arc<str>),
    /// The subscription could not start: the serialized error list.
    Error(Arc<str>),
    Complete,
}

/// One shared execution and its broadcast.
#[derive(Debug)]
pub struct Group {
    events: broadcast::Sender<GroupEvent>,
    task: JoinHandle<()>,
}

impl Drop for Group {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Group {
    pub fn receiver(&self) -> broadcast::Receiver<GroupEvent> {
        self.events.subscribe()
    }
}

/// The live groups, by document and variables.
#[derive(Debug, Default)]
pub struct SharedSubscriptions {
    groups: Mutex<HashMap<String, Weak<Group>>>,
}

fn key(request: &async_graphql::Request) -> String {
    let variables = serde_json::to_string(&request.variables).unwrap_or_default();
    format!("{}\u{0}{}\u{0}{}", request.query, variables, request.operation_name.as_deref().unwrap_or(""))
}

impl SharedSubscriptions {
    /// The group for `request`, started with `start` if none is running.
    /// The caller must subscribe to the returned group's receiver before awaiting.
    pub fn join(
        &self,
        request: async_graphql::Request,
        start: impl FnOnce(async_graphql::Request) -> Execution,
    ) -> (Arc<Group>, broadcast::Receiver<GroupEvent>) {
        let key = key(&request);
        let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        groups.retain(|_, g| g.strong_count() > 0);
        if let Some(group) = groups.get(&key).and_then(Weak::upgrade)
            && !group.task.is_finished()
        {
            let rx = group.receiver();
            return (group, rx);
        }
        let (events, rx) = broadcast::channel(GROUP_BUFFER);
        let task = tokio::spawn(run(start(request), events.clone()));
        let group = Arc::new(Group { events, task });
        groups.insert(key, Arc::downgrade(&group));
        (group, rx)
    }
}

/// A started subscription: its responses, and the budget its resolvers
/// charge each payload to.
pub struct Execution {
    pub responses: BoxStream<'static, async_graphql::Response>,
    pub budget: Arc<ResponseBudget>,
}

impl std::fmt::Debug for Execution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Execution").finish_non_exhaustive()
    }
}

async fn run(execution: Execution, events: broadcast::Sender<GroupEvent>) {
    let Execution { mut responses, budget } = execution;
    let mut first = true;
    while let Some(mut response) = responses.next().await {
        // Each payload has the whole response budget to itself.
        if budget.take_exceeded() {
            response = error_response(budget.exceeded());
        }
        classify(&mut response);
        let event = if first && never_ran(&response) {
            GroupEvent::Error(serialize(&serde_json::to_value(&response.errors).unwrap_or_default()))
        } else {
            GroupEvent::Next(serialize(&response_json(&response)))
        };
        first = false;
        let stop = matches!(event, GroupEvent::Error(_));
        let _ = events.send(event);
        if stop {
            return;
        }
    }
    let _ = events.send(GroupEvent::Complete);
}

fn serialize(value: &serde_json::Value) -> Arc<str> {
    Arc::from(value.to_string())
}
