//! Slow clients against every server this repository ships: a body that never arrives
//! is cut off by the routes' body timeout (axum and actix-web adapters: issue 19, fix
//! 2), every axum connection by its lifetime, connections beyond the limit wait
//! (issue 13, fix 6), and the single-threaded edge handler is held by a stalled client
//! for its deadline at most. Runs the example servers' own code on 127.0.0.1:7401-7406.
#![cfg(not(target_family = "wasm"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

#[cfg(feature = "axum")]
#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../examples/auth_server.rs"]
mod auth_server;

#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../examples/edge_handler.rs"]
mod edge_handler;

use std::time::{Duration, Instant};

use channel_auth::Credentials;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const BODY_TIMEOUT: Duration = Duration::from_millis(500);

fn creds() -> Credentials {
    Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap())
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

/// 100 bytes announced, 13 sent: within the body limit, never completed.
const STALLED_HEAD: &str = "POST /pusher/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";
/// A complete request the demo policy allows (`private-alice` for alice).
fn good() -> String {
    let body = "socket_id=1234.1234&channel_name=private-alice";
    format!(
        "POST /pusher/auth HTTP/1.1\r\nHost: x\r\nX-User-Id: alice\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(feature = "axum")]
mod axum_server {
    use super::*;
    use auth_server::{Limits, app, serve};

    const LIMITS: Limits =
        Limits { body_timeout: BODY_TIMEOUT, connection_lifetime: Duration::from_millis(1_500), max_connections: 2 };

    async fn start(port: u16, limits: Limits) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        tokio::spawn(serve(listener, app(creds(), None, false, limits), limits, std::future::pending()));
    }

    #[tokio::test]
    async fn a_body_that_never_arrives_is_cut_off() {
        start(7401, LIMITS).await;
        // The request: 100,000,000 bytes announced, 13 sent. Over the limit as
        // declared: refused at once, before reading.
        let huge = "POST /pusher/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n";
        let (answer, took) = exchange(7401, huge, b"socket_id=1.1").await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(took < Duration::from_millis(400), "{took:?}");
        // Within the limit but never completed: the route's body timeout, 408, closed.
        let (answer, took) = exchange(7401, STALLED_HEAD, b"socket_id=1.1").await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
        assert!(took >= BODY_TIMEOUT && took < Duration::from_secs(3), "{took:?}");
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

    #[tokio::test]
    async fn the_faye_route_bounds_its_body_too() {
        start(7403, Limits { max_connections: 8, ..LIMITS }).await;
        let stalled = "POST /faye/token HTTP/1.1\r\nHost: x\r\nX-User-Id: alice\r\nContent-Length: 100\r\n\r\n";
        // No Faye secret was given to `app`: there is no route at all.
        let (answer, _) = exchange(7403, stalled, b"channel=").await;
        assert!(answer.starts_with("HTTP/1.1 404") || answer.starts_with("HTTP/1.1 405"), "{answer}");
        let port = 7406;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let limits = Limits { max_connections: 8, ..LIMITS };
        let secret = Some("faye test secret".parse().unwrap());
        tokio::spawn(serve(listener, app(creds(), secret, false, limits), limits, std::future::pending()));
        let (answer, took) = exchange(port, stalled, b"channel=").await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(took >= BODY_TIMEOUT && took < Duration::from_secs(3), "{took:?}");
    }
}

/// The actix-web report: 260 connections that announced 8000 bytes and stopped
/// were all still open after 125 s, and a normal request then timed out. Now each gets
/// `408` after the body timeout, and a normal request is answered meanwhile.
#[cfg(feature = "actix-web")]
#[tokio::test]
async fn actix_routes_cut_off_stalled_bodies_and_keep_serving() {
    use actix_web::{App, HttpServer};
    use channel_auth::integrations::actix_web::route;
    use channel_auth::integrations::handler::ChannelAuthEndpoint;

    const PORT: u16 = 7404;
    const STALLED: usize = 260;
    // Longer than the other tests' timeout: opening 260 connections on a busy 2-core CI
    // machine, with the other tests of this file running beside, must not eat into it.
    const BODY_TIMEOUT: Duration = Duration::from_millis(1_500);
    let (started, ready) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(|| {
                let policy = edge_handler::demo_policy::DemoPolicy::new(|_| {});
                let endpoint = ChannelAuthEndpoint::new(creds(), policy).with_body_timeout(BODY_TIMEOUT);
                App::new().route("/pusher/auth", route(endpoint))
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", PORT))
            .unwrap()
            .run();
            started.send(()).unwrap();
            server.await.unwrap();
        });
    });
    ready.recv_timeout(Duration::from_secs(10)).unwrap();

    let head = "POST /pusher/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8000\r\n\r\n";
    let started = Instant::now();
    let stalled: Vec<_> = (0..STALLED).map(|_| tokio::spawn(exchange(PORT, head, b"socket_id=1.1"))).collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (answer, took) = exchange(PORT, &good(), b"").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(took < BODY_TIMEOUT, "a normal request waited for the stalled ones: {took:?}");
    for one in stalled {
        let (answer, took) = one.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(took >= BODY_TIMEOUT, "{took:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
}

/// The edge handler serves one connection at a time: a stalled client holds it for the
/// connection's deadline, no longer, and then gets `408`.
#[tokio::test]
async fn the_edge_handler_is_held_by_a_stalled_client_for_its_deadline_only() {
    use channel_auth::integrations::handler::{ChannelAuthEndpoint, UserAuthEndpoint};

    const PORT: u16 = 7405;
    let listener = std::net::TcpListener::bind(("127.0.0.1", PORT)).unwrap();
    std::thread::spawn(move || {
        let policy = edge_handler::demo_policy::DemoPolicy::new(|_| {});
        let channels = ChannelAuthEndpoint::new(creds(), policy).with_body_timeout(BODY_TIMEOUT);
        let users = UserAuthEndpoint::new(creds(), policy).with_body_timeout(BODY_TIMEOUT);
        for stream in listener.incoming().take(3) {
            let _ = edge_handler::handle(stream.unwrap(), BODY_TIMEOUT, &channels, &users);
        }
    });
    let started = Instant::now();
    // One stalls mid-body, one mid-head; the good one behind them is served within both
    // deadlines.
    let mid_body = tokio::spawn(exchange(PORT, STALLED_HEAD, b"socket_id=1.1"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mid_head = tokio::spawn(exchange(PORT, "POST /pusher/auth HTTP/1.1\r\nHost: x\r\n", b""));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (answer, _) = exchange(PORT, &good(), b"").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < BODY_TIMEOUT * 2 + Duration::from_millis(700), "{:?}", started.elapsed());
    let (answer, took) = mid_body.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took >= BODY_TIMEOUT && took < BODY_TIMEOUT * 2, "{took:?}");
    let (answer, _) = mid_head.await.unwrap();
    assert!(answer.is_empty(), "a head that never ends gets no answer: {answer}");
}
