//! The main job's webhook route with a replay guard, end to end over HTTP: the example
//! auth server's own code (`examples/auth_server.rs`), on loopback.
//!
//! - One server on its default memory guard: a repeated webhook is handled once.
//! - Two servers sharing one Redis (a `redis-server` this test starts on a free loopback
//!   port): a webhook delivered to both is handled once, a different one is handled;
//!   Redis stopped: a webhook gets a 5xx and is not handled; Redis back: the servers
//!   recover without a restart. Skipped when `redis-server` is not installed, unless
//!   `CHANNEL_AUTH_REQUIRE_REDIS=1` (CI sets it, so CI never skips).
#![cfg(all(feature = "axum", not(target_family = "wasm")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../examples/auth_server.rs"]
mod auth_server;

use std::time::{SystemTime, UNIX_EPOCH};

use channel_auth::Credentials;
use channel_auth::webhook::sign_webhook;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use auth_server::{Limits, serve};

fn creds() -> Credentials {
    Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap())
}

/// Serves `app` on a free loopback port; the port.
async fn start(app: axum::Router) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(serve(listener, app, Limits::default(), std::future::pending()));
    port
}

/// One HTTP/1.1 exchange (`Connection: close`): the status and the body.
async fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// A fresh webhook with one `channel_occupied` event on `channel`, signed.
fn webhook(channel: &str) -> (String, String) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
    let body = format!(r#"{{"time_ms":{now},"events":[{{"name":"channel_occupied","channel":"{channel}"}}]}}"#);
    let signature = sign_webhook(&creds(), body.as_bytes()).signature().to_owned();
    (body, signature)
}

async fn deliver(port: u16, (body, signature): &(String, String)) -> u16 {
    let headers = [("X-Pusher-Key", "278d425bdf160c739803"), ("X-Pusher-Signature", signature.as_str())];
    http(port, "POST", "/pusher/webhook", &headers, body.as_bytes()).await.0
}

/// How many events on `channel` the server at `port` handled.
async fn handled(port: u16, channel: &str) -> usize {
    let (status, body) = http(port, "GET", "/pusher/webhook/events", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    let events: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    events.iter().filter(|e| e["channel"] == channel).count()
}

#[tokio::test]
async fn one_server_on_its_memory_guard_handles_a_repeated_webhook_once() {
    let port = start(auth_server::app(creds(), None, true, Limits::default())).await;
    let first = webhook("memory-1");
    for _ in 0..3 {
        assert_eq!(deliver(port, &first).await, 200);
    }
    assert_eq!(handled(port, "memory-1").await, 1);
    assert_eq!(deliver(port, &webhook("memory-2")).await, 200);
    assert_eq!(handled(port, "memory-2").await, 1);
}

#[cfg(feature = "redis")]
mod redis {
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use channel_auth::replay::RedisReplayGuard;

    use super::*;

    /// A `redis-server` on loopback, killed on drop.
    struct Redis {
        child: Child,
        port: u16,
    }

    impl Redis {
        /// Starts one on `port` (0: a free port), waiting until it answers; `None` when
        /// `redis-server` is not installed and CI does not require it.
        async fn start(port: u16) -> Option<Self> {
            let port = if port == 0 {
                std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
            } else {
                port
            };
            let spawned = Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    assert_ne!(
                        std::env::var("CHANNEL_AUTH_REQUIRE_REDIS").as_deref(),
                        Ok("1"),
                        "redis-server is not installed, and CHANNEL_AUTH_REQUIRE_REDIS=1"
                    );
                    eprintln!("redis-server not installed: skipped");
                    return None;
                }
                Err(e) => panic!("redis-server: {e}"),
            };
            let redis = Self { child, port };
            let deadline = Instant::now() + Duration::from_secs(10);
            while !redis.answers().await {
                assert!(Instant::now() < deadline, "redis-server did not start on port {port}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Some(redis)
        }

        async fn answers(&self) -> bool {
            let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)).await else { return false };
            let mut reply = [0u8; 7];
            stream.write_all(b"PING\r\n").await.is_ok()
                && stream.read_exact(&mut reply).await.is_ok()
                && &reply == b"+PONG\r\n"
        }

        fn url(&self) -> String {
            format!("redis://127.0.0.1:{}/", self.port)
        }

        fn stop(mut self) -> u16 {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.port
        }
    }

    impl Drop for Redis {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// An auth server whose webhook route shares the Redis at `url`.
    async fn server(url: &str) -> u16 {
        let guard = RedisReplayGuard::new(url).await.unwrap().with_timeout(Duration::from_millis(500));
        start(auth_server::app_with_replay_guard(creds(), None, true, Limits::default(), guard)).await
    }

    #[tokio::test]
    async fn two_servers_sharing_one_redis_handle_each_webhook_once_and_fail_closed_without_it() {
        let Some(redis) = Redis::start(0).await else { return };
        let (a, b) = (server(&redis.url()).await, server(&redis.url()).await);

        // Delivered to both: handled once, by one of them.
        let first = webhook("redis-1");
        assert_eq!(deliver(a, &first).await, 200);
        assert_eq!(deliver(b, &first).await, 200);
        assert_eq!(handled(a, "redis-1").await + handled(b, "redis-1").await, 1);

        // Delivered to both at once: still once.
        let both = webhook("redis-2");
        let (x, y) = tokio::join!(deliver(a, &both), deliver(b, &both));
        assert_eq!((x, y), (200, 200));
        assert_eq!(handled(a, "redis-2").await + handled(b, "redis-2").await, 1);

        // A different webhook is handled.
        assert_eq!(deliver(b, &webhook("redis-3")).await, 200);
        assert_eq!(handled(b, "redis-3").await, 1);

        // Redis stopped: a 5xx, and not handled (by either server).
        let port = redis.stop();
        let during = webhook("redis-4");
        for server in [a, b] {
            let status = deliver(server, &during).await;
            assert!((500..600).contains(&status), "{status}");
        }
        assert_eq!(handled(a, "redis-4").await + handled(b, "redis-4").await, 0);

        // Redis back on the same port: the servers recover without a restart (the first
        // command after it returns may still fail while the connection is re-made).
        let redis = Redis::start(port).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = deliver(a, &during).await;
            if status == 200 {
                break;
            }
            assert!((500..600).contains(&status), "{status}");
            assert!(Instant::now() < deadline, "server a did not recover after Redis came back");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(handled(a, "redis-4").await, 1);
        // b recovers too, and sees a's key: the webhook is answered, not handled again.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = deliver(b, &during).await;
            if status == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "server b did not recover after Redis came back");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(handled(a, "redis-4").await + handled(b, "redis-4").await, 1);
        drop(redis);
    }

    #[tokio::test]
    async fn the_guard_speaks_set_nx_px_with_the_ttl() {
        use channel_auth::replay::{ReplayGuard, ReplayKey};
        let Some(redis) = Redis::start(0).await else { return };
        let guard = RedisReplayGuard::new(&redis.url()).await.unwrap();
        let key = ReplayKey::from_bytes([9; 32]);
        assert!(guard.first_seen(&key, Duration::from_millis(300)).await.unwrap());
        assert!(!guard.first_seen(&key, Duration::from_millis(300)).await.unwrap());
        // Expired after its TTL (Redis's clock): new again.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(guard.first_seen(&key, Duration::from_secs(60)).await.unwrap());
        guard.forget(&key).await.unwrap();
        assert!(guard.first_seen(&key, Duration::from_secs(60)).await.unwrap());
        // Another prefix is another namespace.
        let other = RedisReplayGuard::new(&redis.url()).await.unwrap().with_prefix("other:");
        assert!(other.first_seen(&key, Duration::from_secs(60)).await.unwrap());
    }
}
