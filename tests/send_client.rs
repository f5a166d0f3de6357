//! `send::Client` over reqwest against a mock server on 127.0.0.1 (ports 7201-7209):
//! success (the request verifies with our own verifier), a 4xx, soketi's HTTP 200 with a
//! JSON `code`, a timeout, a non-JSON answer, and no URL or signature in any error.

#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use channel_auth::api::{Method, verify_api_request};
use channel_auth::send::{
    Api, ApiError, ApiUrl, BatchEvent, ChannelsQuery, Client, ClientError, Info, Operation, RetryPolicy, SendError,
    Trigger,
};
use channel_auth::{Credentials, EncryptionMasterKey, Keyring};

fn creds() -> Credentials {
    Credentials::new("key".parse().unwrap(), "s3cr3t-value".parse().unwrap())
        .with_app_id("9".parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([3; 32]))
}

/// Serves `answer` for every request on `port`, after checking the request's signature
/// with our verifier (a bad one gets a 401, as a server would).
async fn serve(port: u16, answer: fn(&str) -> Response) {
    let app = axum::Router::new().fallback(move |request: Request| async move {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        let method: Method = parts.method.as_str().parse().unwrap();
        let ring = Keyring::new([creds()]);
        let query = parts.uri.query().unwrap_or("");
        if verify_api_request(&ring, method, parts.uri.path(), query, &body, SystemTime::now()).is_err() {
            return (StatusCode::UNAUTHORIZED, "Invalid signature").into_response();
        }
        answer(parts.uri.path())
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

fn client(port: u16, timeout: Duration) -> Client<reqwest::Client> {
    let api = Api::new(creds(), ApiUrl::from_url(&format!("http://127.0.0.1:{port}")).unwrap()).unwrap();
    Client::new(api).unwrap().with_timeout(timeout)
}

fn json(status: u16, body: &'static str) -> Response {
    Response::builder().status(status).header("content-type", "application/json").body(Body::from(body)).unwrap()
}

fn no_secret_in(text: &str) {
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(!text.contains("auth_signature"), "{text}");
    assert!(!text.contains("auth_key"), "{text}");
}

#[tokio::test]
async fn every_operation_succeeds_and_verifies() {
    serve(7201, |path| match path {
        "/apps/9/events" => json(200, r#"{"channels":{"presence-a":{"user_count":2}}}"#),
        "/apps/9/batch_events" => json(200, r#"{"batch":[{},{"subscription_count":1}]}"#),
        "/apps/9/channels" => json(200, r#"{"channels":{"presence-a":{"user_count":1}}}"#),
        "/apps/9/channels/presence-a" => json(200, r#"{"occupied":true,"user_count":1}"#),
        "/apps/9/channels/presence-a/users" => json(200, r#"{"users":[{"id":"alice"}]}"#),
        "/apps/9/users/alice/terminate_connections" => json(200, "{}"),
        _ => json(404, r#"{"error":"no such route"}"#),
    })
    .await;
    let client = client(7201, Duration::from_secs(5));
    let trigger = Trigger::new("ev".parse().unwrap(), "hi", ["presence-a".parse().unwrap()])
        .with_info(Info::new().with_user_count());
    assert_eq!(client.trigger(&trigger).await.unwrap().channels["presence-a"].user_count, Some(2));
    let encrypted = Trigger::new("ev".parse().unwrap(), "hi", ["private-encrypted-a".parse().unwrap()]);
    assert!(client.trigger(&encrypted).await.is_ok());
    let batch = [
        BatchEvent::new("a".parse().unwrap(), "ev".parse().unwrap(), "1"),
        BatchEvent::new("private-encrypted-b".parse().unwrap(), "ev".parse().unwrap(), "2"),
    ];
    assert_eq!(client.trigger_batch(&batch).await.unwrap().batch[1].subscription_count, Some(1));
    let query = ChannelsQuery::new().filter_by_prefix("presence-".parse().unwrap()).with_user_count();
    assert_eq!(client.channels(&query).await.unwrap().channels["presence-a"].user_count, Some(1));
    assert!(client.channel(&"presence-a".parse().unwrap(), Info::new().with_user_count()).await.unwrap().occupied);
    assert_eq!(client.users(&"presence-a".parse().unwrap()).await.unwrap().users[0].id, "alice");
    assert!(client.terminate_user_connections(&"alice".parse().unwrap()).await.is_ok());
    assert!(client.send_to_user(&"alice".parse().unwrap(), &"ev".parse().unwrap(), "x").await.is_ok());
}

#[tokio::test]
async fn a_4xx_is_an_api_error_with_the_servers_message() {
    serve(7202, |_| json(403, r#"{"error":"Forbidden: over quota"}"#)).await;
    let err = client(7202, Duration::from_secs(5)).users(&"presence-a".parse().unwrap()).await.unwrap_err();
    let ClientError::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(
        api,
        &ApiError::Refused { operation: Operation::Users, status: 403, message: "Forbidden: over quota".into() }
    );
    no_secret_in(&err.to_string());
    no_secret_in(&format!("{err:?}"));
}

#[tokio::test]
async fn a_wrong_secret_is_an_api_error() {
    serve(7203, |_| json(200, "{}")).await;
    let wrong = Credentials::new("key".parse().unwrap(), "other".parse().unwrap()).with_app_id("9".parse().unwrap());
    let api = Api::new(wrong, ApiUrl::from_url("http://127.0.0.1:7203").unwrap()).unwrap();
    let client = Client::new(api).unwrap();
    let err = client.trigger(&Trigger::new("ev".parse().unwrap(), "d", ["a".parse().unwrap()])).await.unwrap_err();
    assert!(matches!(err, ClientError::Api(ApiError::Refused { status: 401, .. })), "{err:?}");
}

#[tokio::test]
async fn soketi_200_with_a_code_is_an_api_error() {
    serve(7204, |_| json(200, r#"{"error":"The app does not exist","code":404}"#)).await;
    let err = client(7204, Duration::from_secs(5))
        .trigger(&Trigger::new("ev".parse().unwrap(), "d", ["a".parse().unwrap()]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Api(ApiError::Refused { status: 404, message, .. }) if message == "The app does not exist"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_timeout_is_a_transport_error_without_the_url() {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 7205)).await.unwrap();
    // Accepts and never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            held.push(socket);
        }
    });
    let started = std::time::Instant::now();
    let once = client(7205, Duration::from_millis(300)).with_retry(RetryPolicy::none());
    let err = once.channels(&ChannelsQuery::new()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    let ClientError::Transport(transport) = &err else { panic!("{err:?}") };
    assert!(transport.is_timeout(), "{transport}");
    no_secret_in(&err.to_string());
    no_secret_in(&format!("{err:?}"));
}

#[tokio::test]
async fn a_non_json_answer_is_an_invalid_response() {
    serve(7206, |_| Response::builder().status(200).body(Body::from("<html>gateway</html>")).unwrap()).await;
    let err = client(7206, Duration::from_secs(5)).channel(&"a".parse().unwrap(), Info::new()).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Api(ApiError::InvalidResponse { operation: Operation::Channel, status: 200, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_before_sending_never_reaches_the_server() {
    // Nothing listens on 7207: a SendError comes back, not a transport error.
    let err = client(7207, Duration::from_secs(1)).users(&"news".parse().unwrap()).await.unwrap_err();
    assert!(matches!(err, ClientError::Send(SendError::NotPresenceChannel { .. })), "{err:?}");
}

// --- A scripted HTTP/1.1 server on an ephemeral port: the safety of the client. ---

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a scripted server answers.
enum Reply {
    /// These bytes, then close.
    Bytes(String),
    /// `head`, then `chunk` again and again (up to 64 MiB) until the client hangs up.
    Endless { head: String, chunk: Vec<u8> },
}

/// What a scripted server saw: connections, and bytes of body it managed to write.
#[derive(Clone, Default)]
struct Seen {
    requests: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    /// Each request's head and when it arrived.
    heads: Arc<std::sync::Mutex<Vec<(String, std::time::Instant)>>>,
}

const ENDLESS_CAP: u64 = 64 << 20;

/// Serves `reply(n)` to the `n`th request (from 0) on a fresh loopback port.
async fn scripted(reply: impl Fn(usize) -> Reply + Send + Sync + 'static) -> (u16, Seen) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Seen::default();
    let reply = Arc::new(reply);
    let out = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (seen, reply) = (seen.clone(), reply.clone());
            tokio::spawn(async move {
                // The request: its head, then Content-Length bytes.
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&request[..head_end]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                while request.len() < head_end + length {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                let index = seen.requests.fetch_add(1, Ordering::SeqCst);
                let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
                seen.heads.lock().unwrap().push((head, std::time::Instant::now()));
                match reply(index) {
                    Reply::Bytes(bytes) => {
                        let _ = socket.write_all(bytes.as_bytes()).await;
                    }
                    Reply::Endless { head, chunk } => {
                        if socket.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        while seen.written.load(Ordering::SeqCst) < ENDLESS_CAP {
                            if socket.write_all(&chunk).await.is_err() {
                                return;
                            }
                            seen.written.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                        }
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (port, out)
}

fn http_reply(status: &str, headers: &[&str], body: &str) -> Reply {
    let mut text = format!("HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    Reply::Bytes(text)
}

fn trigger() -> Trigger {
    Trigger::new("ev".parse().unwrap(), "secret-data", ["a".parse().unwrap()])
}

#[tokio::test]
async fn a_redirect_is_refused_and_the_other_host_receives_nothing() {
    let (elsewhere, seen_elsewhere) = scripted(|_| http_reply("200 OK", &[], "{}")).await;
    let location = format!("location: http://127.0.0.1:{elsewhere}/steal");
    for status in
        ["301 Moved Permanently", "302 Found", "303 See Other", "307 Temporary Redirect", "308 Permanent Redirect"]
    {
        let location = location.clone();
        let status_code: u16 = status[..3].parse().unwrap();
        let (port, seen) = scripted(move |_| http_reply(status, &[&location], "")).await;
        let err = client(port, Duration::from_secs(5)).trigger(&trigger()).await.unwrap_err();
        assert!(
            matches!(err, ClientError::Api(ApiError::Redirected { operation: Operation::Trigger, status }) if status == status_code),
            "{err:?}"
        );
        assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
        no_secret_in(&err.to_string());
    }
    assert_eq!(seen_elsewhere.requests.load(Ordering::SeqCst), 0, "the other host received a request");
}

#[tokio::test]
async fn a_callers_client_that_follows_a_redirect_gets_no_answer() {
    // The caller's own client follows redirects (reqwest's default): the other host is
    // reached (the caller chose that), but its answer is not taken as the API's.
    let (elsewhere, seen_elsewhere) = scripted(|_| http_reply("200 OK", &[], "{}")).await;
    let location = format!("location: http://127.0.0.1:{elsewhere}/elsewhere");
    let (port, _) = scripted(move |_| http_reply("307 Temporary Redirect", &[&location], "")).await;
    let api = Api::new(creds(), ApiUrl::from_url(&format!("http://127.0.0.1:{port}")).unwrap()).unwrap();
    let client = Client::with_http_client(api, reqwest::Client::new());
    let err = client.trigger(&trigger()).await.unwrap_err();
    assert!(matches!(err, ClientError::Api(ApiError::Redirected { status: 200, .. })), "{err:?}");
    assert_eq!(seen_elsewhere.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_huge_body_is_an_error_read_no_further_than_the_limit() {
    // Chunked, no length: 64 MiB of spaces after `{}` would parse as a success.
    let (port, seen) = scripted(|_| Reply::Endless {
        head: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{}".to_owned(),
        chunk: vec![b' '; 64 * 1024],
    })
    .await;
    let err = client(port, Duration::from_secs(20)).trigger(&trigger()).await.unwrap_err();
    assert!(matches!(err, ClientError::Api(ApiError::TooLarge { status: 200, limit: 1_048_576, .. })), "{err:?}");
    // The client hung up after its limit: the server could not write the 64 MiB
    // (what it did write is the limit plus the sockets' buffers).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = seen.written.load(Ordering::SeqCst);
    assert!(written < ENDLESS_CAP / 2, "the server wrote {written} bytes");

    // A declared length over the limit is refused before reading; a smaller limit holds.
    let (port, _) = scripted(|_| http_reply("200 OK", &[], &format!("{{}}{}", " ".repeat(5000)))).await;
    let small = client(port, Duration::from_secs(5)).with_max_response_body(4096);
    let err = small.trigger(&trigger()).await.unwrap_err();
    assert!(matches!(err, ClientError::Api(ApiError::TooLarge { limit: 4096, .. })), "{err:?}");
    assert!(client(port, Duration::from_secs(5)).trigger(&trigger()).await.is_ok());
}

#[tokio::test]
async fn every_reading_of_a_refusal_is_a_refusal() {
    for (body, status) in [
        (r#"{"code":404.0,"error":"no app"}"#, 404),
        (r#"{"code":"404","error":"no app"}"#, 404),
        (r#"{"code":4e2,"error":"no app"}"#, 400),
        (r#"{"code":[500]}"#, 500),
    ] {
        let (port, _) = scripted(move |_| http_reply("200 OK", &[], body)).await;
        let err = client(port, Duration::from_secs(5)).trigger(&trigger()).await.unwrap_err();
        assert!(
            matches!(&err, ClientError::Api(ApiError::Refused { status: s, .. }) if *s == status),
            "{body}: {err:?}"
        );
    }
    let limited = |retry_after| {
        ClientError::<channel_auth::send::TransportError>::Api(ApiError::RateLimited {
            operation: Operation::Trigger,
            retry_after,
        })
    };
    let (port, _) = scripted(|_| http_reply("429 Too Many Requests", &["retry-after: 3"], "")).await;
    let once = client(port, Duration::from_secs(5)).with_retry(RetryPolicy::none());
    let err = once.trigger(&trigger()).await.unwrap_err();
    assert_eq!(err.to_string(), limited(Some(Duration::from_secs(3))).to_string());
    assert!(
        matches!(err, ClientError::Api(ApiError::RateLimited { retry_after: Some(d), .. }) if d == Duration::from_secs(3))
    );
    // soketi, rate limited: HTTP 200 and a JSON code.
    let (port, _) = scripted(|_| http_reply("200 OK", &[], r#"{"error":"rate limit","code":429}"#)).await;
    let once = client(port, Duration::from_secs(5)).with_retry(RetryPolicy::none());
    let err = once.trigger(&trigger()).await.unwrap_err();
    assert_eq!(err.to_string(), limited(None).to_string());
    assert!(matches!(err, ClientError::Api(ApiError::RateLimited { retry_after: None, .. })));
}

#[tokio::test]
async fn a_callers_reqwest_client_keeps_the_response_headers() {
    let (port, _) = scripted(|_| http_reply("200 OK", &["x-request-id: abc-1"], "{}")).await;
    let api = Api::new(creds(), ApiUrl::from_url(&format!("http://127.0.0.1:{port}")).unwrap()).unwrap();
    let request = api.channels(&ChannelsQuery::new(), SystemTime::now()).unwrap();
    let response =
        channel_auth::send::HttpClient::send(&reqwest::Client::new(), request.clone().into_http()).await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-1");
    assert!(request.parse(&response).unwrap().channels.is_empty());
    // And through Client::send, the one generic path.
    let client = Client::with_http_client(api.clone(), reqwest::Client::new());
    let request = api.channels(&ChannelsQuery::new(), SystemTime::now()).unwrap();
    assert!(client.send(request).await.unwrap().channels.is_empty());
}

#[tokio::test]
async fn a_closure_is_an_http_client() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let api = Api::new(creds(), ApiUrl::cluster("eu").unwrap()).unwrap();
    let client = Client::with_http_client(api, move |request: http::Request<Vec<u8>>| {
        counter.fetch_add(1, Ordering::SeqCst);
        let ring = Keyring::new([creds()]);
        let query = request.uri().query().unwrap_or("").to_owned();
        let verified =
            verify_api_request(&ring, Method::Get, request.uri().path(), &query, b"", SystemTime::now()).is_ok();
        async move {
            assert!(verified);
            Ok::<_, std::io::Error>(http::Response::new(br#"{"users":[{"id":"alice"}]}"#.to_vec()))
        }
    });
    assert_eq!(client.users(&"presence-a".parse().unwrap()).await.unwrap().users[0].id, "alice");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn reqwest_never_sends_another_path_than_the_signed_one() {
    // `.` and `..` are valid names; reqwest's URL would resolve them (even escaped) and
    // ask for another resource. Refused before any connection; `...` goes as signed.
    let (port, seen) = scripted(|_| http_reply("200 OK", &[], "{}")).await;
    let client = client(port, Duration::from_secs(5)).with_retry(RetryPolicy::none());
    for name in [".", ".."] {
        let err = client.channel(&name.parse().unwrap(), Info::new()).await.unwrap_err();
        assert!(matches!(&err, ClientError::Transport(t) if t.to_string().contains("signed")), "{err:?}");
        let err = client.terminate_user_connections(&name.parse().unwrap()).await.unwrap_err();
        assert!(matches!(err, ClientError::Transport(_)), "{err:?}");
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), 0);
    assert!(client.channel(&"...".parse().unwrap(), Info::new()).await.is_ok());
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}

// --- Retries: never a duplicate event. ---

/// The `auth_timestamp` of a request head.
fn timestamp_of(head: &str) -> u64 {
    let query = head.split_whitespace().nth(1).unwrap().split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "auth_timestamp").unwrap().1.parse().unwrap()
}

#[tokio::test]
async fn a_429_with_retry_after_then_200_is_one_retry_after_the_wait_signed_again() {
    let (port, seen) = scripted(|n| match n {
        0 => http_reply("429 Too Many Requests", &["retry-after: 1"], ""),
        _ => http_reply("200 OK", &[], "{}"),
    })
    .await;
    assert!(client(port, Duration::from_secs(5)).trigger(&trigger()).await.is_ok());
    let heads = seen.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2, "one retry");
    // It waited what the server asked (a lower bound, not a speed), and signed again at
    // its own time: a second later, so another timestamp.
    assert!(heads[1].1.duration_since(heads[0].1) >= Duration::from_secs(1));
    assert!(timestamp_of(&heads[1].0) > timestamp_of(&heads[0].0));
}

#[tokio::test]
async fn a_500_on_a_trigger_is_sent_once() {
    let (port, seen) = scripted(|_| http_reply("500 Internal Server Error", &[], "oops")).await;
    let err = client(port, Duration::from_secs(5)).trigger(&trigger()).await.unwrap_err();
    assert!(matches!(err, ClientError::Api(ApiError::Refused { status: 500, .. })), "{err:?}");
    // The server may have published: never again.
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
    let (port, seen) = scripted(|_| http_reply("503 Service Unavailable", &[], "")).await;
    let batch = [BatchEvent::new("a".parse().unwrap(), "ev".parse().unwrap(), "1")];
    assert!(client(port, Duration::from_secs(5)).trigger_batch(&batch).await.is_err());
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_500_on_a_get_is_retried() {
    let (port, seen) = scripted(|n| match n {
        0 | 1 => http_reply("502 Bad Gateway", &[], ""),
        _ => http_reply("200 OK", &[], r#"{"users":[{"id":"alice"}]}"#),
    })
    .await;
    let users = client(port, Duration::from_secs(5)).users(&"presence-a".parse().unwrap()).await.unwrap();
    assert_eq!(users.users[0].id, "alice");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 3);
    // At most the policy's tries.
    let (port, seen) = scripted(|_| http_reply("500 Internal Server Error", &[], "")).await;
    let two = client(port, Duration::from_secs(5)).with_retry(RetryPolicy::default().with_max_tries(2));
    assert!(two.channels(&ChannelsQuery::new()).await.is_err());
    assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_rate_limit_is_not_retried_with_no_policy_nor_past_the_cap() {
    let (port, seen) = scripted(|_| http_reply("200 OK", &[], r#"{"code":429}"#)).await;
    let once = client(port, Duration::from_secs(5)).with_retry(RetryPolicy::none());
    let err = once.trigger(&trigger()).await.unwrap_err();
    assert!(matches!(err, ClientError::Api(ApiError::RateLimited { .. })), "{err:?}");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
    // A wait longer than the cap is handed back, not waited.
    let (port, seen) = scripted(|_| http_reply("429 Too Many Requests", &["retry-after: 3600"], "")).await;
    let err = client(port, Duration::from_secs(5)).trigger(&trigger()).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Api(ApiError::RateLimited { retry_after: Some(d), .. }) if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_connection_that_cannot_be_made_says_so() {
    // Nothing listens: the request was never sent (so a trigger may be tried again).
    let port = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap().local_addr().unwrap().port();
    let once = client(port, Duration::from_secs(5)).with_retry(RetryPolicy::none());
    let err = once.trigger(&trigger()).await.unwrap_err();
    let ClientError::Transport(transport) = &err else { panic!("{err:?}") };
    assert!(transport.is_connect(), "{transport}");
    no_secret_in(&err.to_string());
}
