//! The `tracing` feature, the integrations' half: every decision of the four endpoints
//! is an event with its route, status, outcome, refusal kind, channel kind and length,
//! and duration; and no recorded value holds a secret, a signature or auth value, a
//! socket id, a body, a user id or a channel name.
//!
//! The subscriber is written here (a few lines of `tracing::Subscriber` that keep every
//! field of every event and span), so the test needs no `tracing-subscriber`.
#![cfg(all(feature = "tracing", not(target_family = "wasm")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use channel_auth::integrations::handler::{
    Answer, BatchAuthEndpoint, ChannelAuthEndpoint, Decision, HandlerError, RequestView, Route, UserAuthEndpoint,
    WebhookEndpoint, WebhookHandler,
};
use channel_auth::webhook::{VerifiedWebhook, sign_webhook};
use channel_auth::{ChannelName, Credentials, Keyring, SocketId, UserData, UserId};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

const KEY: &str = "278d425bdf160c739803";
const SECRET: &str = "7ad3773142a6692b25b8";
const SOCKET: &str = "98765.43210";
const USER: &str = "user7f3a9c";
const OWN_CHANNEL: &str = "private-user7f3a9c";
const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
/// The webhooks' `time_ms`, and the endpoint's clock five seconds later.
const SENT_MS: u64 = 1_700_000_000_000;

/// One recorded event or span: its level, and each field's value as text.
#[derive(Clone, Debug)]
struct Recorded {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

impl Recorded {
    fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

/// Keeps every field of every event and span (and span record) it sees.
#[derive(Clone, Default)]
struct Capture {
    seen: Arc<Mutex<Vec<Recorded>>>,
    next_id: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Capture {
    fn keep(&self, metadata: &Metadata<'_>, record: impl FnOnce(&mut Fields<'_>)) {
        let mut fields = BTreeMap::new();
        record(&mut Fields(&mut fields));
        let recorded = Recorded { level: *metadata.level(), target: metadata.target().to_owned(), fields };
        self.seen.lock().unwrap().push(recorded);
    }

    /// Runs `f` with this subscriber, and returns what it recorded meanwhile.
    fn during<T>(&self, f: impl FnOnce() -> T) -> (T, Vec<Recorded>) {
        let out = tracing::subscriber::with_default(self.clone(), f);
        (out, std::mem::take(&mut *self.seen.lock().unwrap()))
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.keep(span.metadata(), |fields| span.record(fields));
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut fields = BTreeMap::new();
        values.record(&mut Fields(&mut fields));
        self.seen.lock().unwrap().push(Recorded { level: Level::TRACE, target: "span record".to_owned(), fields });
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        self.keep(event.metadata(), |fields| event.record(fields));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

fn creds() -> Credentials {
    Credentials::new(KEY.parse().unwrap(), SECRET.parse().unwrap())
}

/// The `x-user-id` user's own `private-<id>` channel, nothing else.
fn own_channel(request: &RequestView<'_>, _: &SocketId, channel: &ChannelName) -> Decision {
    let user = request.header("x-user-id").and_then(|id| id.parse::<UserId>().ok());
    if user.is_some_and(|user| channel.is_private_to(&user)) { Decision::Allow } else { Decision::Deny }
}

fn signed_in(request: &RequestView<'_>, _: &SocketId) -> Option<UserData> {
    Some(UserData::new(request.header("x-user-id")?.parse().ok()?))
}

/// Takes every verified webhook.
struct Accept;

impl WebhookHandler for Accept {
    async fn handle(&self, _: &RequestView<'_>, _: VerifiedWebhook<'_>) -> Result<(), HandlerError> {
        Ok(())
    }
}

/// Answers `body` with `endpoint` under the capturing subscriber: the answer, and the
/// events it recorded.
fn answer<E: Route, const K: usize>(endpoint: &E, headers: &[(&str, &str); K], body: &str) -> (Answer, Vec<Recorded>) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    Capture::default().during(|| runtime.block_on(endpoint.answer(&RequestView::new(headers), body.as_bytes())))
}

/// A field an event must have (`Some`) or lack (`None`), with its value.
type Expect<'a> = (&'a str, Option<&'a str>);

/// The one `answered` event of a route's answer.
fn answered<'a>(recorded: &'a [Recorded], route: &str) -> &'a Recorded {
    let mut events = recorded.iter().filter(|r| r.get("message") == Some("answered"));
    let event = events.next().expect("an answered event");
    assert!(events.next().is_none(), "one answered event per answer: {recorded:?}");
    assert_eq!(event.target, "channel_auth::integrations");
    assert_eq!(event.get("route"), Some(route), "{event:?}");
    assert!(event.get("duration_us").is_some_and(|us| us.parse::<u64>().is_ok()), "{event:?}");
    event
}

/// What a test saw: every recorded value, and every secret-bearing string of the run,
/// for the final scan.
#[derive(Default)]
struct Scan {
    values: Vec<String>,
    forbidden: Vec<String>,
}

impl Scan {
    fn add(&mut self, recorded: &[Recorded], answer: &Answer, body: &str, headers: &[(&str, &str)]) {
        self.values.extend(recorded.iter().flat_map(|r| r.fields.values().cloned()));
        self.forbidden.push(body.to_owned());
        // Every header value but the content type (the auth value, the signature, the user).
        self.forbidden.extend(headers.iter().filter(|(k, _)| *k != "content-type").map(|(_, v)| (*v).to_owned()));
        // A success's body holds the auth value, its signature and the channel data.
        if answer.status() == 200 {
            self.forbidden.push(answer.body().to_owned());
            let json: serde_json::Value = serde_json::from_str(answer.body()).unwrap();
            if let Some(auth) = json["auth"].as_str() {
                self.forbidden.push(auth.to_owned());
                self.forbidden.push(auth.rsplit(':').next().unwrap().to_owned());
            }
        }
    }

    fn assert_clean(&self) {
        let always = [SECRET, SOCKET, USER, OWN_CHANNEL];
        for value in &self.values {
            for secret in always.iter().copied().chain(self.forbidden.iter().map(String::as_str)) {
                assert!(secret.len() < 4 || !value.contains(secret), "{value:?} holds {secret:?}");
            }
        }
        assert!(self.values.len() > 20, "the scan saw the events");
    }
}

#[test]
fn every_decision_is_an_event_and_none_holds_a_secret() {
    let mut scan = Scan::default();
    let user = [FORM, ("x-user-id", USER)];

    // Channel auth: allowed, denied, hostile (400 before any channel is known: the
    // refusal's kind, not its text, which quotes the input), misconfigured (no master key
    // for an encrypted channel: a warning). The channel's kind and length, never its name
    // (it carries the user id).
    let channel = ChannelAuthEndpoint::new(creds(), own_channel);
    let own_len = OWN_CHANNEL.len().to_string();
    let cases: [(String, Level, &[Expect<'_>]); 4] = [
        (
            format!("socket_id={SOCKET}&channel_name={OWN_CHANNEL}"),
            Level::DEBUG,
            &[
                ("status", Some("200")),
                ("outcome", Some("ok")),
                ("refusal", None),
                ("channel_kind", Some("private")),
                ("channel_len", Some(&own_len)),
            ],
        ),
        (
            format!("socket_id={SOCKET}&channel_name=private-someone-else"),
            Level::DEBUG,
            &[
                ("status", Some("403")),
                ("outcome", Some("refused")),
                ("refusal", Some("Denied")),
                ("channel_kind", Some("private")),
            ],
        ),
        (
            format!("socket_id={SOCKET}%3A{OWN_CHANNEL}&channel_name={OWN_CHANNEL}"),
            Level::DEBUG,
            &[
                ("status", Some("400")),
                ("outcome", Some("refused")),
                ("refusal", Some("Request.InvalidField")),
                ("channel_kind", None),
            ],
        ),
        (
            format!("socket_id={SOCKET}&channel_name=private-encrypted-{USER}"),
            Level::WARN,
            &[
                ("status", Some("500")),
                ("outcome", Some("error")),
                ("refusal", Some("Config.MissingMasterKey")),
                ("channel_kind", Some("private-encrypted")),
            ],
        ),
    ];
    for (body, level, fields) in &cases {
        let (answer, recorded) = answer(&channel, &user, body);
        let event = answered(&recorded, "channel_auth");
        assert_eq!(event.level, *level, "{body}");
        for (field, want) in *fields {
            assert_eq!(event.get(field), *want, "{field} of {body}");
        }
        assert_eq!(event.get("status"), Some(answer.status().to_string().as_str()));
        scan.add(&recorded, &answer, body, &user);
    }

    // Batch: one event per channel, then the answer's.
    let batch = BatchAuthEndpoint::new(creds(), own_channel);
    let body = format!(
        "&socket_id={SOCKET}&channel_name[0]={OWN_CHANNEL}&channel_name[1]=private-someone-else&channel_name[2]=news"
    );
    let (batched, recorded) = answer(&batch, &user, &body);
    assert_eq!(batched.status(), 200);
    let channels: Vec<_> = recorded.iter().filter(|r| r.get("message") == Some("channel decided")).collect();
    let decided: Vec<_> =
        channels.iter().map(|r| (r.get("route"), r.get("channel_kind"), r.get("status"), r.get("refusal"))).collect();
    assert_eq!(
        decided,
        [
            (Some("batch_auth"), Some("private"), Some("200"), None),
            (Some("batch_auth"), Some("private"), Some("403"), Some("Denied")),
            (Some("batch_auth"), Some("public"), Some("400"), Some("Auth.PublicChannel")),
        ]
    );
    let event = answered(&recorded, "batch_auth");
    assert_eq!((event.get("status"), event.get("channels")), (Some("200"), Some("3")));
    scan.add(&recorded, &batched, &body, &user);
    // Each of the batch's signatures is as secret as a single one.
    let json: serde_json::Value = serde_json::from_str(batched.body()).unwrap();
    scan.forbidden.push(json[OWN_CHANNEL]["data"]["auth"].as_str().unwrap().to_owned());

    // User auth: signed in, and nobody.
    let sign_in = UserAuthEndpoint::new(creds(), signed_in);
    let body = format!("socket_id={SOCKET}");
    let (user_ok, recorded) = answer(&sign_in, &user, &body);
    assert_eq!(user_ok.status(), 200);
    let event = answered(&recorded, "user_auth");
    assert_eq!((event.get("status"), event.get("refusal")), (Some("200"), None));
    scan.add(&recorded, &user_ok, &body, &user);
    let (nobody, recorded) = answer(&sign_in, &[FORM], &body);
    assert_eq!(nobody.status(), 403);
    assert_eq!(answered(&recorded, "user_auth").get("refusal"), Some("Denied"));
    scan.add(&recorded, &nobody, &body, &[FORM]);
    let json: serde_json::Value = serde_json::from_str(user_ok.body()).unwrap();
    scan.forbidden.push(json["user_data"].as_str().unwrap().to_owned());

    // Webhook: verified, then a bad signature.
    let hook = WebhookEndpoint::new(Keyring::new([creds()]), Accept)
        .with_clock(|| UNIX_EPOCH + Duration::from_millis(SENT_MS + 5_000));
    let body = format!(
        r#"{{"time_ms":{SENT_MS},"events":[{{"name":"client_event","channel":"{OWN_CHANNEL}","event":"client-note","data":"{{\"note\":\"private words\"}}","socket_id":"{SOCKET}","user_id":"{USER}"}}]}}"#
    );
    let signed = sign_webhook(&creds(), body.as_bytes());
    let headers = [("x-pusher-key", KEY), ("x-pusher-signature", signed.signature())];
    let (verified, recorded) = answer(&hook, &headers, &body);
    assert_eq!(verified.status(), 200, "{}", verified.body());
    let event = answered(&recorded, "webhook");
    assert_eq!((event.get("status"), event.get("outcome"), event.get("refusal")), (Some("200"), Some("ok"), None));
    scan.add(&recorded, &verified, &body, &headers);
    scan.forbidden.push("private words".to_owned());

    let forged =
        sign_webhook(&Credentials::new(KEY.parse().unwrap(), "not-the-secret".parse().unwrap()), body.as_bytes());
    let headers = [("x-pusher-key", KEY), ("x-pusher-signature", forged.signature())];
    let (bad, recorded) = answer(&hook, &headers, &body);
    assert_eq!(bad.status(), 401);
    let event = answered(&recorded, "webhook");
    assert_eq!((event.get("status"), event.get("outcome")), (Some("401"), Some("refused")));
    assert_eq!(event.get("refusal"), Some("Webhook.Verify.InvalidSignature"));
    scan.add(&recorded, &bad, &body, &headers);

    scan.assert_clean();
}
