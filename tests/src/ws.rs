//! A blocking GraphQL-over-WebSocket client for the end-to-end tests
//! (`graphql-transport-ws` unless a test picks the legacy protocol).

use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::client::IntoClientRequest;
use tungstenite::http::HeaderValue;
use tungstenite::protocol::CloseFrame;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::{Server, bearer};

/// How long a test waits for one message before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// What the server sent.
#[derive(Debug)]
pub enum Received {
    Json(Value),
    Closed(Option<u16>),
}

/// A WebSocket connection to `/graphql`.
#[derive(Debug)]
pub struct WsClient {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Connects with `protocol` and no `connection_init` yet.
    pub fn open(server: &Server, protocol: &str) -> Self {
        let url = server.url("/graphql").replacen("http://", "ws://", 1);
        let mut request = url.into_client_request().expect("a WebSocket request");
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_str(protocol).expect("header"));
        let (socket, _) = tungstenite::connect(request).expect("WebSocket handshake");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream.set_read_timeout(Some(Duration::from_millis(200))).expect("read timeout");
        }
        Self { socket }
    }

    /// Connects with `graphql-transport-ws` and is acknowledged with `authorization`.
    pub fn connect(server: &Server, authorization: Option<&str>) -> Self {
        let mut client = Self::open(server, "graphql-transport-ws");
        let payload = authorization.map_or(json!({}), |a| json!({ "authorization": a }));
        client.send(&json!({"type": "connection_init", "payload": payload}));
        match client.receive() {
            Received::Json(m) if m["type"] == "connection_ack" => client,
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    /// Connects and is acknowledged with a fresh token for `sub` (default secret).
    pub fn user(server: &Server, sub: &str) -> Self {
        Self::connect(server, Some(&bearer(sub)))
    }

    pub fn send(&mut self, message: &Value) {
        self.send_text(message.to_string());
    }

    pub fn send_text(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).expect("send a WebSocket message");
    }

    pub fn send_message(&mut self, message: Message) -> Result<(), tungstenite::Error> {
        self.socket.send(message)
    }

    /// Starts operation `id`.
    pub fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(&json!({"type": "subscribe", "id": id, "payload": {"query": query, "variables": variables}}));
    }

    /// The next message other than a keep-alive, or the close.
    pub fn receive(&mut self) -> Received {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(text.as_str()).expect("a JSON message");
                    if value["type"] == "ping" {
                        let _ = self.socket.send(Message::Text(json!({"type": "pong"}).to_string().into()));
                        continue;
                    }
                    if value["type"] == "pong" || value["type"] == "ka" {
                        continue;
                    }
                    return Received::Json(value);
                }
                Ok(Message::Close(frame)) => return Received::Closed(frame.map(|f: CloseFrame| u16::from(f.code))),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(_) => return Received::Closed(None),
            }
        }
        panic!("no WebSocket message within {WAIT:?}");
    }

    /// The next message, which must be JSON.
    pub fn next_json(&mut self) -> Value {
        match self.receive() {
            Received::Json(v) => v,
            Received::Closed(code) => panic!("the connection closed ({code:?}) instead of sending a message"),
        }
    }

    /// Reads until the server closes; returns the close code.
    pub fn close_code(&mut self) -> Option<u16> {
        loop {
            if let Received::Closed(code) = self.receive() {
                return code;
            }
        }
    }
}
