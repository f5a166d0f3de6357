//! Feature `tracing`: one event per send attempt says what was asked and how it went
//! (operation, method, attempt, outcome, status, duration), and never a secret, a
//! signature, a query string, a socket id or event data. A capturing subscriber
//! proves both halves.

#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use channel_auth::Credentials;
use channel_auth::send::{Api, ApiUrl, Client, Trigger};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every event, as `target level message field=value …`.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn core::fmt::Debug) {
        write!(self.0, " {}={value:?}", field.name()).unwrap();
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(format!("{} {}", event.metadata().target(), event.metadata().level()));
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

const SECRET: &str = "s3cr3t-value";

fn client(status: u16, body: &'static str) -> Client<impl channel_auth::send::HttpClient<Error = std::io::Error>> {
    let creds = Credentials::new("key".parse().unwrap(), SECRET.parse().unwrap()).with_app_id("9".parse().unwrap());
    let api = Api::new(creds, ApiUrl::cluster("eu").unwrap()).unwrap();
    Client::with_http_client(api, move |_: http::Request<Vec<u8>>| async move {
        Ok::<_, std::io::Error>(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap())
    })
}

fn traced(status: u16, body: &'static str) -> Vec<String> {
    let capture = Capture::default();
    let client = client(status, body);
    let trigger = Trigger::new("ev".parse().unwrap(), "the-event-data", ["private-chat".parse().unwrap()])
        .exclude("123.456".parse().unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let _ = tracing::subscriber::with_default(capture.clone(), || runtime.block_on(client.trigger(&trigger)));
    let lines = capture.0.lock().unwrap().clone();
    lines.into_iter().filter(|l| l.starts_with("channel_auth::send ")).collect()
}

fn says_nothing_secret(lines: &[String]) {
    for line in lines {
        for never in
            [SECRET, "auth_signature", "auth_key", "auth_timestamp", "?", "123.456", "the-event-data", "private-chat"]
        {
            assert!(!line.contains(never), "{never:?} in {line}");
        }
    }
}

#[test]
fn a_sent_trigger_is_one_event_with_what_happened() {
    let lines = traced(200, "{}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.starts_with("channel_auth::send DEBUG"), "{line}");
    for field in
        ["operation=\"trigger\"", "method=\"POST\"", "attempt=1", "outcome=\"ok\"", "status=200", "duration_ms="]
    {
        assert!(line.contains(field), "{field} missing from {line}");
    }
    says_nothing_secret(&lines);
}

#[test]
fn a_refusal_is_a_warning_with_its_kind_and_status() {
    let lines = traced(401, r#"{"error":"Invalid signature"}"#);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.starts_with("channel_auth::send WARN"), "{line}");
    assert!(line.contains("outcome=\"refused\"") && line.contains("status=401"), "{line}");
    // The server's message is not traced either (it could echo what was sent).
    assert!(!line.contains("Invalid signature"), "{line}");
    says_nothing_secret(&lines);
    let lines = traced(200, r#"{"code":429}"#);
    assert!(lines[0].contains("outcome=\"rate_limited\"") && lines[0].contains("status=429"), "{lines:?}");
    says_nothing_secret(&lines);
}
