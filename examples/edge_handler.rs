//! The framework-agnostic handler core with no framework and no runtime: a bounded,
//! single-threaded HTTP/1.1 loop on `std::net::TcpListener`, for demonstration (a real
//! deployment puts the core behind its own server, Worker or framework).
//!
//! ```text
//! cargo run --example edge_handler -- 127.0.0.1:3001 10   # answer 10 requests, then exit
//! curl -s -H 'X-User-Id: alice' -d 'socket_id=1234.1234&channel_name=private-alice' localhost:3001/pusher/auth
//! curl -s -H 'X-User-Id: alice' -d 'socket_id=1234.1234' localhost:3001/pusher/user-auth
//! curl -s -H 'Content-Type: application/json' -d '{"socket_id":"1.1"}' localhost:3001/pusher/user-auth   # 415
//! ```
//!
//! The demo trusts an `X-User-Id` header: a real application checks its session in
//! `Policy`. The credentials are the Pusher documentation's example ones.
#![allow(clippy::print_stdout)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use channel_auth::integrations::handler::{
    block_on, Answer, ChannelAuthEndpoint, ChannelAuthorizer, Decision, Endpoint, RequestView, UserAuthEndpoint,
    UserAuthenticator,
};
use channel_auth::integrations::RequestError;
use channel_auth::{ChannelKind, ChannelName, Credentials, PresenceMember, SocketId, UserData, UserId};

/// The most bytes of request line and headers read.
const MAX_HEAD: usize = 16 * 1024;

struct Policy;

fn user(request: &RequestView<'_>) -> Option<UserId> {
    request.header("x-user-id")?.parse().ok()
}

impl ChannelAuthorizer for Policy {
    async fn authorize(&self, request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
        match user(request) {
            Some(id) if channel.as_str().contains(id.as_str()) => match channel.kind() {
                ChannelKind::Presence => PresenceMember::new(id, None).map_or(Decision::Deny, Decision::AllowAsMember),
                _ => Decision::Allow,
            },
            _ => Decision::Deny,
        }
    }
}

impl UserAuthenticator for Policy {
    async fn authenticate(&self, request: &RequestView<'_>, _: &SocketId) -> Option<UserData> {
        user(request).map(UserData::new)
    }
}

/// A parsed request head: method, path and headers.
struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

/// Reads the request line and headers, at most [`MAX_HEAD`] bytes.
fn read_head(reader: &mut impl BufRead) -> Option<Head> {
    let mut limited = reader.take(MAX_HEAD as u64);
    let mut line = String::new();
    limited.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if limited.read_line(&mut line).ok()? == 0 {
            return None; // the head did not end within the limit
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Some(Head { method, path, headers });
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
}

/// Answers with `endpoint`: early refusal, then at most its body limit, then the answer.
fn serve<E: Endpoint>(endpoint: &E, head: &Head, reader: &mut impl Read) -> Answer {
    let view = RequestView::new(&head.headers);
    if let Some(answer) = endpoint.refuse_early(&view) {
        return answer;
    }
    let max = endpoint.max_body_len();
    // No (or no valid) Content-Length: no body, which the endpoint refuses as a form without fields.
    let len = view.header("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    if len > max {
        return Answer::request_error(RequestError::BodyTooLarge { max });
    }
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return Answer::request_error(RequestError::BodyTooLarge { max });
    }
    block_on(endpoint.answer(&view, &body))
}

fn handle(stream: TcpStream, channels: &impl Endpoint, users: &impl Endpoint) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(head) = read_head(&mut reader) else { return Ok(()) };
    let answer = match (head.method.as_str(), head.path.as_str()) {
        ("POST", "/pusher/auth") => serve(channels, &head, &mut reader),
        ("POST", "/pusher/user-auth") => serve(users, &head, &mut reader),
        _ => return write!(&stream, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
    };
    println!("edge_handler: {} {} -> {}", head.method, head.path.escape_debug(), answer.status());
    let mut out = format!("HTTP/1.1 {} \r\n", answer.status());
    for (name, value) in answer.headers() {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n{}", answer.body().len(), answer.body()));
    (&stream).write_all(out.as_bytes())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3001".to_owned());
    let requests: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    let credentials = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
    let channels = ChannelAuthEndpoint::new(credentials.clone(), Policy);
    let users = UserAuthEndpoint::new(credentials, Policy);
    let listener = TcpListener::bind(&addr)?;
    println!("edge_handler: listening on {addr} for {requests} requests");
    for stream in listener.incoming().take(requests) {
        if let Err(e) = handle(stream?, &channels, &users) {
            println!("edge_handler: connection error: {e}");
        }
    }
    Ok(())
}
