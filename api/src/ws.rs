//! GraphQL over WebSocket: the `graphql-transport-ws` protocol (the
//! `graphql-ws` npm client) and the legacy `graphql-ws` protocol
//! (subscriptions-transport-ws), with authentication in `connection_init`.
//!
//! Each connection runs in its own task with a bounded outgoing queue, so a
//! client that stops reading is disconnected without slowing anyone else or
//! any commit; each subscription runs in its own task too.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::Response;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value as Json, json};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until, timeout};

use crate::error::{ApiError, classify};
use crate::http::{AppState, never_ran, response_json};
use crate::schema::Caller;
use crate::shared::GroupEvent;

const TRANSPORT_WS: &str = "graphql-transport-ws";
const LEGACY_WS: &str = "graphql-ws";
/// Messages buffered for a client before it counts as too slow.
const OUT_QUEUE: usize = 512;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
const KEEPALIVE: Duration = Duration::from_secs(15);
/// A graphql-transport-ws client silent this long (no pong, no message) is gone.
const PING_TIMEOUT: Duration = Duration::from_secs(45);
/// Subscriptions one connection may hold at once.
pub const MAX_SUBSCRIPTIONS: usize = 100;

/// Close codes (graphql-transport-ws, plus one of ours).
mod close {
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

pub fn upgrade(state: AppState, ws: WebSocketUpgrade) -> axum::response::Response {
    // Small socket buffers: most connections are idle subscribers, and
    // tungstenite's 128 KiB default read buffer would dominate their memory.
    let ws = ws
        .protocols([TRANSPORT_WS, LEGACY_WS])
        .max_message_size(state.service.limits.max_body_bytes)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024);
    let legacy = ws.selected_protocol().is_some_and(|p| p.as_bytes() == LEGACY_WS.as_bytes());
    ws.on_upgrade(move |socket| run(state, socket, legacy))
}

/// Why the connection is being closed.
struct Closing(u16, String);

enum Control {
    TooSlow,
}

struct Connection {
    state: AppState,
    legacy: bool,
    out: mpsc::Sender<Message>,
    control: mpsc::Sender<Control>,
    caller: Option<Caller>,
    expires_at: Option<Instant>,
    subscriptions: HashMap<String, JoinHandle<()>>,
}

async fn run(state: AppState, socket: WebSocket, legacy: bool) {
    let metrics = state.metrics.clone();
    let _open = metrics.ws_connection();
    let (mut sink, mut incoming) = socket.split();
    let (out, mut out_rx) = mpsc::channel::<Message>(OUT_QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let is_close = matches!(msg, Message::Close(_));
            match timeout(SEND_TIMEOUT, sink.send(msg)).await {
                Ok(Ok(())) if !is_close => {}
                _ => break,
            }
        }
        let _ = sink.close().await;
    });
    let (control, mut control_rx) = mpsc::channel(4);
    let mut conn =
        Connection { state, legacy, out, control, caller: None, expires_at: None, subscriptions: HashMap::new() };
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
                Some(Ok(Message::Close(_)) | Err(_)) | None => break None,
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
                // Legacy clients never answer; graphql-transport-ws clients answer every ping.
                if !conn.legacy && last_seen.elapsed() > PING_TIMEOUT {
                    break Some(Closing(close::PING_TIMEOUT, "no answer to pings; reconnect".into()));
                }
                let ping = if conn.legacy { json!({"type": "ka"}) } else { json!({"type": "ping"}) };
                conn.send(ping);
            }
        }
    };
    for (_, task) in conn.subscriptions.drain() {
        task.abort();
    }
    if let Some(Closing(code, reason)) = closing {
        let frame = CloseFrame { code, reason: Utf8Bytes::from(reason) };
        let _ = conn.out.send(Message::Close(Some(frame))).await;
    }
    drop(conn);
    let _ = writer.await;
}

fn text(value: &Json) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

impl Connection {
    fn send(&self, value: Json) {
        if self.out.try_send(text(&value)).is_err() {
            let _ = self.control.try_send(Control::TooSlow);
        }
    }

    async fn handle(&mut self, raw: &str) -> Result<(), Closing> {
        let invalid = |why: &str| Closing(close::INVALID_MESSAGE, format!("invalid message: {why}"));
        let msg: Json = serde_json::from_str(raw).map_err(|_| invalid("not JSON"))?;
        let kind = msg.get("type").and_then(Json::as_str).ok_or_else(|| invalid("no `type`"))?;
        match kind {
            "connection_init" => self.init(msg.get("payload")),
            "ping" => {
                self.send(json!({"type": "pong"}));
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
                    if self.legacy {
                        self.send(json!({"type": "complete", "id": id}));
                    }
                }
                Ok(())
            }
            "connection_terminate" => Err(Closing(1000, "terminated by the client".into())),
            other => Err(invalid(&format!("unknown type `{}`", other.chars().take(32).collect::<String>()))),
        }
    }

    fn init(&mut self, payload: Option<&Json>) -> Result<(), Closing> {
        if self.caller.is_some() {
            return Err(Closing(close::TOO_MANY_INITS, "Too many initialisation requests".into()));
        }
        let auth = &self.state.auth;
        let header = payload
            .and_then(|p| ["authorization", "Authorization"].iter().find_map(|k| p.get(*k)).and_then(Json::as_str));
        let forbidden = |e: ApiError| {
            if self.legacy {
                self.send(json!({"type": "connection_error", "payload": {"message": e.message}}));
            }
            Closing(close::FORBIDDEN, format!("Forbidden: {}", e.message))
        };
        let caller = match header {
            Some(h) => {
                let identity = auth.verify_header(h).map_err(forbidden)?;
                let token = h.split_whitespace().last().unwrap_or_default();
                self.expires_at = auth.expires_in(token).map(|secs| Instant::now() + Duration::from_secs(secs.max(1)));
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
        self.send(json!({"type": "connection_ack"}));
        if self.legacy {
            self.send(json!({"type": "ka"}));
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
            self.send(json!({"type": "error", "id": id, "payload": errors_json(e)}));
            return Ok(());
        }
        let request: async_graphql::Request = match serde_json::from_value(payload) {
            Ok(r) => r,
            Err(e) => {
                let e = ApiError::bad_input(format!("the payload is not a GraphQL request: {e}"));
                self.send(json!({"type": "error", "id": id, "payload": errors_json(e)}));
                return Ok(());
            }
        };
        let state = self.state.clone();
        let out = self.out.clone();
        let control = self.control.clone();
        let legacy = self.legacy;
        let task_id = id.clone();
        let task = if is_subscription(&request) {
            tokio::spawn(shared_member(state, request, caller, task_id, out, control, legacy))
        } else {
            tokio::spawn(single(state, request, caller, task_id, out, control, legacy))
        };
        self.subscriptions.insert(id, task);
        Ok(())
    }
}

/// Whether the request's operation is a subscription (shared between
/// identical subscribers); queries and mutations run on their own.
fn is_subscription(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else { return false };
    let ty = match (&doc.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    };
    ty == Some(OperationType::Subscription)
}

/// A message was dropped because the client's queue is full: count it and
/// have the connection closed (the client reconnects and resumes).
fn too_slow(state: &AppState, control: &mpsc::Sender<Control>) {
    state.metrics.message_dropped();
    let _ = control.try_send(Control::TooSlow);
}

/// Queues `message` for the client without waiting; false (after
/// [`too_slow`]) when its queue is full.
fn relay(state: &AppState, out: &mpsc::Sender<Message>, control: &mpsc::Sender<Control>, message: Message) -> bool {
    if out.try_send(message).is_err() {
        too_slow(state, control);
        return false;
    }
    state.metrics.message_sent();
    true
}

/// A subscriber of a shared subscription group: relays the group's payloads.
async fn shared_member(
    state: AppState,
    request: async_graphql::Request,
    caller: Caller,
    id: String,
    out: mpsc::Sender<Message>,
    control: mpsc::Sender<Control>,
    legacy: bool,
) {
    let _active = state.metrics.subscription();
    // Holding the group keeps its execution alive; the last member to leave ends it.
    let (_group, mut events) = state.shared.join(&state, request, caller);
    let id_json = Json::String(id.clone()).to_string();
    let next = if legacy { "data" } else { "next" };
    loop {
        let message = match events.recv().await {
            Ok(GroupEvent::Next(payload)) => format!(r#"{{"type":"{next}","id":{id_json},"payload":{payload}}}"#),
            Ok(GroupEvent::Error(errors)) => {
                let payload = if legacy {
                    serde_json::from_str::<Json>(&errors)
                        .ok()
                        .and_then(|e| e.get(0).cloned())
                        .unwrap_or(Json::Null)
                        .to_string()
                } else {
                    errors.to_string()
                };
                let _ = out.try_send(Message::Text(Utf8Bytes::from(format!(
                    r#"{{"type":"error","id":{id_json},"payload":{payload}}}"#
                ))));
                return;
            }
            Ok(GroupEvent::Complete) | Err(broadcast::error::RecvError::Closed) => {
                let _ = out.try_send(text(&json!({"type": "complete", "id": id})));
                return;
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                too_slow(&state, &control);
                return;
            }
        };
        if !relay(&state, &out, &control, Message::Text(Utf8Bytes::from(message))) {
            return;
        }
    }
}

/// A query, mutation or unparsable request sent over the socket, run on its own.
async fn single(
    state: AppState,
    request: async_graphql::Request,
    caller: Caller,
    task_id: String,
    out: mpsc::Sender<Message>,
    control: mpsc::Sender<Control>,
    legacy: bool,
) {
    let _active = state.metrics.subscription();
    let (request, tx) = state.prepare(request, caller);
    let mut stream = state.schema.execute_stream(request);
    let mut first = true;
    while let Some(mut response) = stream.next().await {
        classify(&mut response);
        // A mutation sent over the socket commits, like over HTTP, before its result goes out.
        if response.errors.is_empty() {
            if let Err(e) = tx.commit().await {
                let _ = out.try_send(text(&json!({"type": "error", "id": task_id, "payload": errors_json(e)})));
                return;
            }
        } else {
            drop(tx.take_events());
        }
        let message = if first && never_ran(&response) {
            json!({"type": "error", "id": task_id, "payload": if legacy { first_error(&response) } else { json!(response.errors) }})
        } else {
            json!({"type": if legacy { "data" } else { "next" }, "id": task_id, "payload": response_json(&response)})
        };
        first = false;
        if !relay(&state, &out, &control, text(&message)) {
            return;
        }
        if message["type"] == "error" {
            return;
        }
    }
    let _ = out.try_send(text(&json!({"type": "complete", "id": task_id})));
}

fn first_error(response: &Response) -> Json {
    response.errors.first().map_or(json!({"message": "error"}), |e| json!(e))
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
}
