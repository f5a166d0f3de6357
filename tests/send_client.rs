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
    Api, ApiError, ApiUrl, BatchEvent, ChannelsQuery, Client, ClientError, Info, Operation, ReqwestHttp, SendError,
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

fn client(port: u16, timeout: Duration) -> Client<ReqwestHttp> {
    let api = Api::new(creds(), ApiUrl::from_url(&format!("http://127.0.0.1:{port}")).unwrap()).unwrap();
    Client::new(api, timeout).unwrap()
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
    let client = Client::new(api, Duration::from_secs(5)).unwrap();
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
    let err = client(7205, Duration::from_millis(300)).channels(&ChannelsQuery::new()).await.unwrap_err();
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
