//! The example auth server under slow clients (issue 13, fix 6): a request whose body
//! never arrives is cut off by the request timeout, every connection by its lifetime,
//! and connections beyond the limit wait. Runs `examples/auth_server.rs`'s own `serve`
//! on 127.0.0.1:7401-7403.
#![cfg(all(feature = "axum", not(target_family = "wasm")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../examples/auth_server.rs"]
mod auth_server;

use std::time::{Duration, Instant};

use auth_server::{app, serve, Limits};
use channel_auth::Credentials;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const LIMITS: Limits = Limits {
    request_timeout: Duration::from_millis(500),
    connection_lifetime: Duration::from_millis(1_500),
    max_connections: 2,
};

async fn start(port: u16, limits: Limits) {
    let creds = Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap());
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(serve(listener, app(creds, false), limits, std::future::pending()));
}

/// Sends `head` and `body`, then reads until the server closes; what it answered and
/// how long that took.
async fn exchange(port: u16, head: &str, body: &[u8]) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    // The client never sends the rest: only the server can end this.
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server held the connection for 10 s");
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

#[tokio::test]
async fn a_body_that_never_arrives_is_cut_off() {
    start(7401, LIMITS).await;
    // The request: 100,000,000 bytes announced, 13 sent. The handler waits for
    // the body (its limit counts bytes read), so the request timeout answers 408 and
    // closes the connection.
    let huge = "POST /pusher/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n";
    let (answer, took) = exchange(7401, huge, b"socket_id=1.1").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(3), "{took:?}");
    // Within the limit but never completed: the same.
    let slow = "POST /pusher/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";
    let (answer, took) = exchange(7401, slow, b"socket_id=1.1").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(3), "{took:?}");
    // Headers that never end: the connection's lifetime closes it.
    let (answer, took) = exchange(7401, "POST /pusher/auth HTTP/1.1\r\nHost: x\r\n", b"").await;
    assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
    assert!(took >= Duration::from_millis(1_400) && took < Duration::from_secs(4), "{took:?}");
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    start(7402, LIMITS).await;
    // Two idle connections take both slots until their lifetime ends.
    let _idle: Vec<TcpStream> = vec![
        TcpStream::connect(("127.0.0.1", 7402)).await.unwrap(),
        TcpStream::connect(("127.0.0.1", 7402)).await.unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let get = "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let (answer, took) = exchange(7402, get, b"").await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(took >= Duration::from_millis(1_200), "served before a slot was free: {took:?}");
}
