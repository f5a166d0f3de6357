//! Differential test of the sans-IO requests against the official Node library (`pusher`
//! 5.3.4, `tests/interop/send.mjs`): for the same inputs and timestamp, the library's
//! trigger and batch requests (captured by a mock server on 127.0.0.1:7211) carry the
//! same path and the same body, byte for byte, as ours, its query string verifies with
//! our `verify_api_request`, and its query parameters are ours.
//!
//! Skipped (it passes and says so) unless `CHANNEL_AUTH_INTEROP=1`; `tests/interop/run.sh`
//! installs the library and runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{Method, verify_api_request};
use channel_auth::send::{Api, ApiUrl, BatchEvent, Info, Trigger};
use channel_auth::{Credentials, Keyring};
use serde_json::{Value, json};

const CASES: usize = 400;
const PORT: u16 = 7211;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn string(&mut self, alphabet: &[char], lo: usize, hi: usize) -> String {
        let len = lo + self.below(hi - lo + 1);
        (0..len).map(|_| alphabet[self.below(alphabet.len())]).collect()
    }
    fn channel(&mut self) -> String {
        let alphabet: Vec<char> = "abcXYZ019_-=@,.;".chars().collect();
        let prefix = self.pick(&["", "private-", "presence-", "cache-"]);
        format!("{prefix}{}", self.string(&alphabet, 1, 20))
    }
    fn event(&mut self) -> String {
        let alphabet: Vec<char> = "abc-_:é😀 \"\\/".chars().collect();
        format!("e{}", self.string(&alphabet, 0, 30))
    }
    fn data(&mut self) -> String {
        let alphabet: Vec<char> = "ab{}[]\":,\\/\n\t\u{1}\u{7f}é😀\u{2028} 0".chars().collect();
        self.string(&alphabet, 0, 200)
    }
    fn socket(&mut self) -> String {
        format!("{}.{}", self.next() % 1_000_000, self.next() % 1_000_000)
    }
}

fn creds() -> Credentials {
    Credentials::new("key".parse().unwrap(), "secret".parse().unwrap()).with_app_id("4".parse().unwrap())
}

/// One batch event as the Node caller writes it: fields in this order (a `Value` would
/// sort them, and the library sends the caller's object as given).
#[derive(serde::Serialize)]
struct NodeBatchEvent {
    channel: String,
    name: String,
    data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    socket_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<&'static str>,
}

struct Case {
    oracle: Value,
    /// The JSON line given to the oracle.
    line: String,
    ours: http::Request<Vec<u8>>,
    timestamp: u64,
}

fn generate() -> Vec<Case> {
    let mut g = Rng(0x5e4d_0000_2026_1202);
    let api = Api::new(creds(), ApiUrl::from_url(&format!("http://127.0.0.1:{PORT}")).unwrap()).unwrap();
    let mut cases = Vec::new();
    for i in 0..CASES {
        let timestamp = 1_600_000_000 + g.next() % 200_000_000;
        let at = UNIX_EPOCH + Duration::from_secs(timestamp);
        let socket = (g.below(2) == 0).then(|| g.socket());
        let info = g.pick(&["", "subscription_count"]).to_owned();
        if i % 2 == 0 {
            let channels: Vec<String> = (0..1 + g.below(4)).map(|_| g.channel()).collect();
            let (event, data) = (g.event(), g.data());
            let mut trigger =
                Trigger::new(event.parse().unwrap(), data.clone(), channels.iter().map(|c| c.parse().unwrap()));
            let mut oracle =
                json!({"kind": "trigger", "timestamp": timestamp, "channels": channels, "event": event, "data": data});
            if let Some(s) = &socket {
                trigger = trigger.exclude(s.parse().unwrap());
                oracle["socket_id"] = json!(s);
            }
            if !info.is_empty() {
                trigger = trigger.with_info(info.parse::<Info>().unwrap());
                oracle["info"] = json!(info);
            }
            let line = oracle.to_string();
            cases.push(Case { oracle, line, ours: api.trigger(&trigger, at).unwrap().into_http(), timestamp });
        } else {
            let mut events = Vec::new();
            let mut batch = Vec::new();
            for _ in 0..1 + g.below(10) {
                let (channel, event, data) = (g.channel(), g.event(), g.data());
                let mut ours = BatchEvent::new(channel.parse().unwrap(), event.parse().unwrap(), data.clone());
                let mut theirs = NodeBatchEvent { channel, name: event, data, socket_id: None, info: None };
                if g.below(3) == 0 {
                    let s = g.socket();
                    ours = ours.exclude(s.parse().unwrap());
                    theirs.socket_id = Some(s);
                }
                if g.below(3) == 0 {
                    ours = ours.with_info(Info::new().with_subscription_count());
                    theirs.info = Some("subscription_count");
                }
                events.push(ours);
                batch.push(theirs);
            }
            let line = format!(
                r#"{{"kind":"batch","timestamp":{timestamp},"batch":{}}}"#,
                serde_json::to_string(&batch).unwrap()
            );
            let oracle = serde_json::from_str(&line).unwrap();
            cases.push(Case { oracle, line, ours: api.trigger_batch(&events, at).unwrap().into_http(), timestamp });
        }
    }
    cases
}

fn pairs(query: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

#[test]
fn trigger_and_batch_requests_match_the_node_library() {
    if std::env::var("CHANNEL_AUTH_INTEROP").as_deref() != Ok("1") {
        let _ = writeln!(std::io::stderr(), "interop: skipped: set CHANNEL_AUTH_INTEROP=1 (send requests)");
        return;
    }
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    let cases = generate();
    let input_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop-send.jsonl");
    let mut input = File::create(&input_path).unwrap();
    for case in &cases {
        writeln!(input, "{}", case.line).unwrap();
    }
    drop(input);
    let output = Command::new("node")
        .arg(dir.join("send.mjs"))
        .args(["node-requests", &PORT.to_string()])
        .stdin(File::open(&input_path).unwrap())
        .stderr(Stdio::inherit())
        .output()
        .expect("cannot run node");
    assert!(output.status.success(), "the node oracle failed: {}", output.status);
    let answers: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(answers.len(), cases.len());

    let ring = Keyring::new([creds()]);
    let (mut triggers, mut batches) = (0, 0);
    for (case, theirs) in cases.iter().zip(&answers) {
        let ours = &case.ours;
        let at = UNIX_EPOCH + Duration::from_secs(case.timestamp);
        let context =
            || format!("case {}\nours:   {}\ntheirs: {theirs}", case.oracle, String::from_utf8_lossy(ours.body()));
        assert_eq!(theirs["method"], json!("POST"), "{}", context());
        assert_eq!(theirs["path"].as_str().unwrap(), ours.uri().path(), "{}", context());
        assert!(theirs["body"].as_str().unwrap().as_bytes() == ours.body().as_slice(), "bodies differ: {}", context());
        let query = theirs["query"].as_str().unwrap();
        verify_api_request(&ring, Method::Post, ours.uri().path(), query, ours.body(), at)
            .unwrap_or_else(|e| panic!("{e}: {}", context()));
        assert_eq!(pairs(query), pairs(ours.uri().query().unwrap()), "{}", context());
        if case.oracle["kind"] == "batch" {
            batches += 1;
        } else {
            triggers += 1;
        }
    }
    println!("send interop: {triggers} triggers and {batches} batches equal to the Node library's, byte for byte");
}
