//! GraphQL over WebSocket: the `graphql-transport-ws` protocol (the
//! `graphql-ws` npm client) and the legacy `graphql-ws` protocol
//! (subscriptions-transport-ws), with authentication in `connection_init`.
//!
//! Each connection runs in its own task with an outgoing queue bounded in
//! bytes, so a client that stops reading is disconnected without slowing
//! anyone else or any commit; each subscription runs in its own task too.
//! Payloads shared by a subscription group are queued by reference and
//! framed only when written, so a group's payload is held once, not once per
//! member.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value as Json, json};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until, timeout};

use crate::admission::{self, MAX_NESTING, Syntax, check_nesting};
use crate::app::AppState;
use crate::error::ApiError;
use crate::operation::run_operation;
use crate::response::{never_ran, response_json};
use crate::schema::Caller;
use crate::schema::context::Pass;
use crate::shared::{Execution, GroupEvent};

/// Bytes queued for a client before it counts as too slow. One message is
/// always let through when the queue is empty, however large.
const OUT_QUEUE_BYTES: usize = 8 * 1024 * 1024;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
const KEEPALIVE: Duration = Duration::from_secs(15);
/// A graphql-transport-ws client silent this long (no pong, no message) is gone.
const PING_TIMEOUT: Duration = Duration::from_secs(45);
/// Subscriptions one connection may hold at once.
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// Close codes (graphql-transport-ws and RFC 6455, plus ours).
mod close {
    pub const NORMAL: u16 = 1000;
    /// RFC 6455: the peer broke the WebSocket protocol (an unmasked frame, say).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// RFC 6455: a message larger than the server accepts.
    pub const TOO_BIG: u16 = 1009;
    pub const INVALID_MESSAGE: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE_ID: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
    /// The client did not read its messages fast enough.
    pub const TOO_SLOW: u16 = 4008;
    /// The client answered no ping for too long.
    pub const PING_TIMEOUT: u16 = 4002;
}

/// The two subprotocols and the message names that differ between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    /// `graphql-transport-ws`.
    Transport,
    /// `graphql-ws` (subscriptions-transport-ws).
    Legacy,
}

impl Protocol {
    const TRANSPORT: &str = "graphql-transport-ws";
    const LEGACY: &str = "graphql-ws";

    /// The type of a result message.
    fn next(self) -> &'static str {
        match self {
            Protocol::Transport => "next",
            Protocol::Legacy => "data",
        }
    }

    /// The keep-alive the server sends.
    fn keepalive(self) -> Json {
        match self {
            Protocol::Transport => json!({"type": "ping"}),
            Protocol::Legacy => json!({"type": "ka"}),
        }
    }

    /// Whether the client answers keep-alives (legacy clients never do).
    fn answers_pings(self) -> bool {
        self == Protocol::Transport
    }

    /// An `error` message's payload: the error list, or its first error in
    /// the legacy protocol.
    fn error_payload(self, errors: Json) -> Json {
        match self {
            Protocol::Transport => errors,
            Protocol::Legacy => errors.get(0).cloned().unwrap_or_else(|| json!({"message": "error"})),
        }
    }
}

pub fn upgrade(state: AppState, ws: WebSocketUpgrade) -> axum::response::Response {
    // Small socket buffers: most connections are idle subscribers, and
    // tungstenite's 128 KiB default read buffer would dominate their memory.
    let ws = ws
        .protocols([Protocol::TRANSPORT, Protocol::LEGACY])
        .max_message_size(state.service.limits.max_body_bytes)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024);
    let legacy = ws.selected_protocol().is_some_and(|p| p.as_bytes() == Protocol::LEGACY.as_bytes());
    let protocol = if legacy { Protocol::Legacy } else { Protocol::Transport };
    ws.on_upgrade(move |socket| serve(state, socket, protocol))
}

/// Why the connection is being closed.
struct Closing(u16, String);

enum Control {
    TooSlow,
}

/// A message waiting to be written.
enum Outgoing {
    Text(String),
    /// A shared subscription payload, framed for one subscriber when written.
    Shared {
        id_json: Arc<str>,
        payload: Arc<str>,
    },
    Close(CloseFrame),
}

impl Outgoing {
    /// The bytes it accounts for in the queue.
    fn size(&self) -> usize {
        match self {
            Outgoing::Text(text) => text.len(),
            Outgoing::Shared { id_json, payload } => id_json.len() + payload.len() + 32,
            Outgoing::Close(frame) => frame.reason.len() + 2,
        }
    }

    fn into_message(self, protocol: Protocol) -> Message {
        match self {
            Outgoing::Text(text) => Message::Text(Utf8Bytes::from(text)),
            Outgoing::Shared { id_json, payload } => Message::Text(Utf8Bytes::from(format!(
                r#"{{"type":"{}","id":{id_json},"payload":{payload}}}"#,
                protocol.next()
            ))),
            Outgoing::Close(frame) => Message::Close(Some(frame)),
        }
    }
}

/// A connection's outgoing queue, bounded in bytes. Cloned into every
/// subscription task of the connection.
#[derive(Clone)]
struct Outbox {
    queue: mpsc::UnboundedSender<Outgoing>,
    queued: Arc<AtomicUsize>,
    control: mpsc::Sender<Control>,
    state: AppState,
    protocol: Protocol,
}

impl Outbox {
    /// Queues `item` without waiting. When the client's queue is full the
    /// message is dropped, the connection is told to close (4008: the client
    /// reconnects and resumes) and false is returned.
    fn push(&self, item: Outgoing) -> bool {
        let size = item.size();
        let before = self.queued.fetch_add(size, Ordering::Relaxed);
        if before > 0 && before + size > OUT_QUEUE_BYTES {
            self.queued.fetch_sub(size, Ordering::Relaxed);
            self.state.metrics.message_dropped();
            let _ = self.control.try_send(Control::TooSlow);
            return false;
        }
        if self.queue.send(item).is_err() {
            return false;
        }
        self.state.metrics.message_sent();
        true
    }

    fn send(&self, value: &Json) -> bool {
        self.push(Outgoing::Text(value.to_string()))
    }

    /// Sends an `error` message for subscription `id`.
    fn error(&self, id: &str, errors: Json) {
        self.send(&json!({"type": "error", "id": id, "payload": self.protocol.error_payload(errors)}));
    }

    fn complete(&self, id: &str) {
        self.send(&json!({"type": "complete", "id": id}));
    }
}

struct Connection {
    outbox: Outbox,
    caller: Option<Caller>,
    expires_at: Option<Instant>,
    subscriptions: HashMap<String, JoinHandle<()>>,
}

/// The close code for an error reading the socket.
fn read_error_close(error: axum::Error) -> Option<Closing> {
    let inner = error.into_inner();
    match inner.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(e)) => Some(Closing(close::TOO_BIG, format!("message too big: {e}"))),
        Some(tungstenite::Error::Protocol(e)) => Some(Closing(close::PROTOCOL_ERROR, format!("protocol error: {e}"))),
        Some(tungstenite::Error::Utf8(_)) => {
            Some(Closing(close::INVALID_MESSAGE, "invalid message: text that is not UTF-8".into()))
        }
        // The connection itself failed: nobody is left to tell.
        _ => None,
    }
}

async fn serve(state: AppState, socket: WebSocket, protocol: Protocol) {
    let metrics = state.metrics.clone();
    let _open = metrics.ws_connection();
    let (mut sink, mut incoming) = socket.split();
    let (queue, mut queue_rx) = mpsc::unbounded_channel::<Outgoing>();
    let queued = Arc::new(AtomicUsize::new(0));
    let writer_queued = queued.clone();
    let writer = tokio::spawn(async move {
        while let Some(item) = queue_rx.recv().await {
            let size = item.size();
            let is_close = matches!(item, Outgoing::Close(_));
            let sent = timeout(SEND_TIMEOUT, sink.send(item.into_message(protocol))).await;
            writer_queued.fetch_sub(size, Ordering::Relaxed);
            match sent {
                Ok(Ok(())) if !is_close => {}
                _ => break,
            }
        }
        let _ = sink.close().await;
    });
    let (control, mut control_rx) = mpsc::channel(4);
    let outbox = Outbox { queue, queued, control, state, protocol };
    let mut conn = Connection { outbox, caller: None, expires_at: None, subscriptions: HashMap::new() };
    let init_deadline = Instant::now() + INIT_TIMEOUT;
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.tick().await;

    let mut last_seen = Instant::now();
    let closing = loop {
        let expiry = conn.expires_at;
        tokio::select! {
            msg = incoming.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    last_seen = Instant::now();
                    if let Err(c) = conn.handle(text.as_str()).await {
                        break Some(c);
                    }
                }
                Some(Ok(Message::Binary(_))) => break Some(Closing(close::INVALID_MESSAGE, "binary messages are not GraphQL".into())),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => last_seen = Instant::now(),
                Some(Err(e)) => break read_error_close(e),
                Some(Ok(Message::Close(_))) | None => break None,
            },
            () = sleep_until(init_deadline), if conn.caller.is_none() => {
                break Some(Closing(close::INIT_TIMEOUT, "Connection initialisation timeout".into()));
            }
            () = sleep_until(expiry.unwrap_or(init_deadline)), if expiry.is_some() => {
                break Some(Closing(close::FORBIDDEN, "Forbidden: the token has expired; reconnect with a fresh token".into()));
            }
            Some(Control::TooSlow) = control_rx.recv() => {
                break Some(Closing(close::TOO_SLOW, "the client is not reading its messages fast enough; reconnect and resume".into()));
            }
            _ = keepalive.tick() => {
                if protocol.answers_pings() && last_seen.elapsed() > PING_TIMEOUT {
                    break Some(Closing(close::PING_TIMEOUT, "no answer to pings; reconnect".into()));
                }
                conn.outbox.send(&protocol.keepalive());
            }
        }
    };
    for (_, task) in conn.subscriptions.drain() {
        task.abort();
    }
    if let Some(Closing(code, reason)) = closing {
        // The close frame goes out even past the byte limit: it is the last message.
        let reason: String = reason.chars().take(120).collect();
        let _ = conn.outbox.queue.send(Outgoing::Close(CloseFrame { code, reason: Utf8Bytes::from(reason) }));
    }
    drop(conn);
    let _ = writer.await;
}

impl Connection {
    async fn handle(&mut self, raw: &str) -> Result<(), Closing> {
        let invalid = |why: &str| Closing(close::INVALID_MESSAGE, format!("invalid message: {why}"));
        check_nesting(raw.as_bytes(), Syntax::Json, MAX_NESTING).map_err(|e| invalid(&e.message))?;
        let msg: Json = serde_json::from_str(raw).map_err(|_| invalid("not JSON"))?;
        let kind = msg.get("type").and_then(Json::as_str).ok_or_else(|| invalid("no `type`"))?;
        match kind {
            "connection_init" => self.init(msg.get("payload")),
            "ping" => {
                self.outbox.send(&json!({"type": "pong"}));
                Ok(())
            }
            "pong" => Ok(()),
            "subscribe" | "start" => {
                let id = msg.get("id").and_then(Json::as_str).ok_or_else(|| invalid("no `id`"))?.to_owned();
                let payload = msg.get("payload").cloned().ok_or_else(|| invalid("no `payload`"))?;
                self.subscribe(id, payload)
            }
            "complete" | "stop" => {
                if let Some(id) = msg.get("id").and_then(Json::as_str)
                    && let Some(task) = self.subscriptions.remove(id)
                {
                    task.abort();
                    if self.outbox.protocol == Protocol::Legacy {
                        self.outbox.complete(id);
                    }
                }
                Ok(())
            }
            "connection_terminate" => Err(Closing(close::NORMAL, "terminated by the client".into())),
            other => Err(invalid(&format!("unknown type `{}`", other.chars().take(32).collect::<String>()))),
        }
    }

    fn init(&mut self, payload: Option<&Json>) -> Result<(), Closing> {
        if self.caller.is_some() {
            return Err(Closing(close::TOO_MANY_INITS, "Too many initialisation requests".into()));
        }
        let auth = self.outbox.state.auth.clone();
        let header = payload
            .and_then(|p| ["authorization", "Authorization"].iter().find_map(|k| p.get(*k)).and_then(Json::as_str));
        let forbidden = |e: ApiError| {
            if self.outbox.protocol == Protocol::Legacy {
                self.outbox.send(&json!({"type": "connection_error", "payload": {"message": e.message}}));
            }
            Closing(close::FORBIDDEN, format!("Forbidden: {}", e.message))
        };
        let caller = match header {
            Some(h) => {
                let identity = auth.verify_header(h).map_err(forbidden)?;
                let token = h.split_whitespace().last().unwrap_or_default();
                // A token that expires in the far future never ends the connection.
                self.expires_at = auth
                    .expires_in(token)
                    .and_then(|secs| Instant::now().checked_add(Duration::from_secs(secs.max(1))));
                Caller(Some(identity))
            }
            None if auth.public_read() => Caller(None),
            None => {
                return Err(forbidden(ApiError::unauthenticated(
                    "this server needs a token: send {\"authorization\": \"Bearer <token>\"} in connection_init",
                )));
            }
        };
        self.caller = Some(caller);
        self.outbox.send(&json!({"type": "connection_ack"}));
        if self.outbox.protocol == Protocol::Legacy {
            self.outbox.send(&Protocol::Legacy.keepalive());
        }
        Ok(())
    }

    fn subscribe(&mut self, id: String, payload: Json) -> Result<(), Closing> {
        let Some(caller) = self.caller.clone() else {
            return Err(Closing(close::UNAUTHORIZED, "Unauthorized: send connection_init first".into()));
        };
        self.subscriptions.retain(|_, task| !task.is_finished());
        if self.subscriptions.contains_key(&id) {
            return Err(Closing(
                close::DUPLICATE_ID,
                format!("Subscriber for {} already exists", id.chars().take(64).collect::<String>()),
            ));
        }
        if self.subscriptions.len() >= MAX_SUBSCRIPTIONS {
            let e = ApiError::limit(format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection"));
            self.outbox.error(&id, errors_json(e));
            return Ok(());
        }
        let mut request: async_graphql::Request = match serde_json::from_value(payload) {
            Ok(r) => r,
            Err(e) => {
                let e = ApiError::bad_input(format!("the payload is not a GraphQL request: {e}"));
                self.outbox.error(&id, errors_json(e));
                return Ok(());
            }
        };
        let operation = match admission::admit(&mut request, &self.outbox.state.service.limits) {
            Ok(operation) => operation,
            Err(e) => {
                self.outbox.error(&id, errors_json(e));
                return Ok(());
            }
        };
        let member = Member { outbox: self.outbox.clone(), id: id.clone() };
        let task = if operation == Some(async_graphql::parser::types::OperationType::Subscription) {
            tokio::spawn(member.relay_group(request, caller))
        } else {
            tokio::spawn(member.run_single(request, operation, caller))
        };
        self.subscriptions.insert(id, task);
        Ok(())
    }
}

/// One operation of a connection: its id and where its messages go.
struct Member {
    outbox: Outbox,
    id: String,
}

impl Member {
    /// Relays a shared subscription group's payloads to this subscriber.
    async fn relay_group(self, request: async_graphql::Request, caller: Caller) {
        let state = &self.outbox.state;
        let _active = state.metrics.subscription();
        // Holding the group keeps its execution alive; the last member to leave ends it.
        let (_group, mut events) = state.shared.join(request, |request| {
            let (request, prepared) = state.prepare(request, caller, Pass::Staging);
            Execution { responses: state.schema.execute_stream(request), budget: prepared.budget }
        });
        let id_json: Arc<str> = Arc::from(Json::String(self.id.clone()).to_string());
        loop {
            match events.recv().await {
                Ok(GroupEvent::Next(payload)) => {
                    if !self.outbox.push(Outgoing::Shared { id_json: id_json.clone(), payload }) {
                        return;
                    }
                }
                Ok(GroupEvent::Error(errors)) => {
                    let errors = serde_json::from_str::<Json>(&errors).unwrap_or(Json::Null);
                    self.outbox.error(&self.id, errors);
                    return;
                }
                Ok(GroupEvent::Complete) | Err(broadcast::error::RecvError::Closed) => {
                    self.outbox.complete(&self.id);
                    return;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    state.metrics.message_dropped();
                    let _ = self.outbox.control.try_send(Control::TooSlow);
                    return;
                }
            }
        }
    }

    /// Runs a query or mutation sent over the socket, like over HTTP: within
    /// the time limit, committed before its result goes out.
    async fn run_single(
        self,
        request: async_graphql::Request,
        operation: Option<async_graphql::parser::types::OperationType>,
        caller: Caller,
    ) {
        let state = &self.outbox.state;
        let _active = state.metrics.subscription();
        let response = match run_operation(state, request, operation, caller).await {
            Ok(response) => response,
            Err(e) => return self.outbox.error(&self.id, errors_json(e)),
        };
        if never_ran(&response) {
            return self.outbox.error(&self.id, json!(response.errors));
        }
        let message = json!({"type": self.outbox.protocol.next(), "id": self.id, "payload": response_json(&response)});
        if self.outbox.send(&message) {
            self.outbox.complete(&self.id);
        }
    }
}

fn errors_json(e: ApiError) -> Json {
    json!([{"message": e.message, "extensions": {"code": e.code.as_str()}}])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_codes() {
        let j = errors_json(ApiError::limit("too many"));
        assert_eq!(j[0]["extensions"]["code"], "LIMIT_EXCEEDED");
    }

    #[test]
    fn legacy_errors_are_the_first_error() {
        let errors = json!([{"message": "first"}, {"message": "second"}]);
        assert_eq!(Protocol::Legacy.error_payload(errors), json!({"message": "first"}));
        assert_eq!(Protocol::Transport.error_payload(json!([1, 2])), json!([1, 2]));
    }
}
