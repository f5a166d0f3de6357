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
//! The demo policy (`examples/common/demo_policy.rs`, the one every example server
//! shares) trusts an `X-User-Id` header: a real application checks its session there.
//! The credentials are the Pusher documentation's PUBLIC example ones.
//!
//! It serves one connection at a time, so one stalled client would block every other:
//! each request must arrive whole (head and body) within [`CONNECTION_DEADLINE`], and its
//! answer be taken within as long again. A client that stops mid-head is dropped; one
//! that stops mid-body gets `408`.
#![allow(clippy::print_stdout)]

use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use channel_auth::Credentials;
use channel_auth::integrations::RequestError;
use channel_auth::integrations::handler::{Answer, ChannelAuthEndpoint, RequestView, Route, UserAuthEndpoint};

#[path = "common/demo_policy.rs"]
pub mod demo_policy;

/// The most bytes of request line and headers read.
const MAX_HEAD: usize = 16 * 1024;

/// The longest a request may take to arrive (head and body together); its answer gets
/// as long again.
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(5);

/// A connection's stream whose reads may take at most what is left of the request's
/// deadline, all together; past it they fail with `TimedOut`.
struct Deadlined {
    stream: TcpStream,
    deadline: Instant,
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "request deadline over"));
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
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

/// Runs a future to completion on this thread: the demo policy answers at once and the
/// body is already read, so the endpoint's future never waits on I/O. (It polls with a
/// no-op waker; a future that waits on a real event source needs a real executor.)
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// Answers with `endpoint`: early refusal (wrong content type, a declared length over
/// the limit), then the body within the deadline, then the answer.
fn serve<E: Route>(endpoint: &E, head: &Head, reader: &mut impl Read) -> Answer {
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
    match reader.read_exact(&mut body) {
        Ok(()) => block_on(endpoint.answer(&view, &body)),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => {
            Answer::request_error(RequestError::BodyTimedOut { timeout: endpoint.body_timeout() })
        }
        Err(_) => Answer::request_error(RequestError::BodyTooLarge { max }),
    }
}

/// Answers one connection's request, which must arrive within `within` (its answer gets
/// as long again): `/pusher/auth` with `channels`, `/pusher/user-auth` with `users`,
/// `404` otherwise; then closes it.
///
/// # Errors
/// The connection's I/O errors, a deadline that passed included.
pub fn handle(stream: TcpStream, within: Duration, channels: &impl Route, users: &impl Route) -> std::io::Result<()> {
    let deadline = Instant::now() + within;
    let mut reader = BufReader::new(Deadlined { stream: stream.try_clone()?, deadline });
    // The answer gets its own bound: a client that does not read it is dropped too.
    let mut writer = stream;
    writer.set_write_timeout(Some(within))?;
    let Some(head) = read_head(&mut reader) else { return Ok(()) };
    let answer = match (head.method.as_str(), head.path.as_str()) {
        ("POST", "/pusher/auth") => serve(channels, &head, &mut reader),
        ("POST", "/pusher/user-auth") => serve(users, &head, &mut reader),
        _ => return write!(writer, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
    };
    println!("edge_handler: {} {:?} -> {}", head.method, head.path, answer.status());
    let mut out = format!("HTTP/1.1 {} \r\n", answer.status());
    for (name, value) in answer.headers() {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n{}", answer.body().len(), answer.body()));
    writer.write_all(out.as_bytes())
}

fn log(args: std::fmt::Arguments<'_>) {
    println!("edge_handler: {args}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3001".to_owned());
    let requests: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    // Pusher's documented example app: PUBLIC, not a secret.
    let credentials = Credentials::new("278d425bdf160c739803".parse()?, "7ad3773142a6692b25b8".parse()?);
    let policy = demo_policy::DemoPolicy::new(log);
    let channels = ChannelAuthEndpoint::new(credentials.clone(), policy).with_body_timeout(CONNECTION_DEADLINE);
    let users = UserAuthEndpoint::new(credentials, policy).with_body_timeout(CONNECTION_DEADLINE);
    let listener = TcpListener::bind(&addr)?;
    println!("edge_handler: listening on {addr} for {requests} requests");
    for stream in listener.incoming().take(requests) {
        if let Err(e) = handle(stream?, CONNECTION_DEADLINE, &channels, &users) {
            println!("edge_handler: connection error: {e}");
        }
    }
    Ok(())
}
