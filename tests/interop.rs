//! Differential tests against the official server libraries: `pusher` 5.3.4 on npm and
//! `pusher` 3.3.4 on PyPI, driven through the oracles in `tests/interop/` (see its
//! README for the case format and the libraries' quirks).
//!
//! Skipped (it passes and says so) unless `CHANNEL_AUTH_INTEROP=1`; `tests/interop/run.sh`
//! installs the oracles and runs it. Thousands of random valid inputs, from a fixed seed,
//! are signed by us and by both libraries and compared:
//!
//! - Node: our `auth`, `channel_data`, `user_data` and `shared_secret` byte for byte, and
//!   our `to_json()` equal (as JSON) to the library's result object;
//! - Python, compact JSON (`py_json: "compact"`): the same, byte for byte;
//! - Python, default JSON (spaced, ASCII-escaped): our verifiers accept the library's
//!   `(channel_data, auth)` and `(user_data, auth)` pairs as received;
//! - HTTP API (fixed timestamps): our `auth_signature` equals Node's and Python's, our
//!   query's pairs are theirs, and `verify_api_request` accepts their query strings;
//! - webhooks: our signature equals both libraries', and each library's verifier
//!   (Node `isValid()`, Python `validate_webhook`) accepts ours.
#![cfg(not(target_family = "wasm"))] // spawns node and python: no processes on WASI
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::webhook::{sign_webhook, verify_webhook};
use channel_auth::{
    ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember, SocketId, UserData, UserId,
    sign_channel_auth, sign_presence_auth, sign_user_auth, verify_channel_auth, verify_user_auth,
};
use serde_json::{Value, json};

/// Cases per kind; each becomes one Node case and one or two Python cases.
const CASES: usize = 1500;
const SEED: u64 = 0x5eed_c4a7_0f16_2026;

/// xorshift64*: small, deterministic, good enough to pick test inputs.
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
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn string_of(&mut self, alphabet: &[char], lo: usize, hi: usize) -> String {
        let len = self.range(lo, hi);
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

const APP: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.";
const CHANNEL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-=@,.;";
const DIGITS: &str = "0123456789";
/// Text for secrets and JSON strings: ASCII, the characters JSON escapes (quote,
/// backslash, C0 controls), DEL, `/`, non-ASCII (2, 3 and 4 bytes), U+2028/U+2029.
const TEXT: &str = "abcXYZ019 _-:;,.{}[]<>&=?/\"\\\n\r\t\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}é日🦀\u{2028}\u{2029}\u{feff}";
/// Object keys start with a letter: never integer-like, whose order JavaScript changes.
const KEY_START: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_é";

struct Gen {
    rng: Rng,
    app: Vec<char>,
    channel: Vec<char>,
    digits: Vec<char>,
    text: Vec<char>,
    key_start: Vec<char>,
}

impl Gen {
    fn new() -> Self {
        Self {
            rng: Rng(SEED),
            app: chars(APP),
            channel: chars(CHANNEL),
            digits: chars(DIGITS),
            text: chars(TEXT),
            key_start: chars(KEY_START),
        }
    }

    fn key(&mut self) -> String {
        self.rng.string_of(&self.app, 1, 24)
    }
    fn secret(&mut self) -> String {
        // Long secrets too: longer than the 64-byte block, HMAC hashes the key first.
        if self.rng.chance(8) { self.rng.string_of(&self.text, 65, 120) } else { self.rng.string_of(&self.text, 1, 40) }
    }
    fn socket(&mut self) -> String {
        let a = self.rng.string_of(&self.digits, 1, 20);
        let b = self.rng.string_of(&self.digits, 1, 20);
        format!("{a}.{b}")
    }
    fn channel(&mut self, prefix: &str) -> String {
        let rest = self.rng.string_of(&self.channel, 1, 200 - prefix.len());
        format!("{prefix}{rest}")
    }
    fn user_id(&mut self) -> String {
        let max = if self.rng.chance(10) { 128 } else { 24 };
        self.rng.string_of(&self.channel, 1, max)
    }
    fn master_key(&mut self) -> [u8; 32] {
        core::array::from_fn(|_| self.rng.next() as u8)
    }
    fn json_key(&mut self) -> String {
        let first = *self.rng.pick(&self.key_start);
        format!("{first}{}", self.rng.string_of(&self.text, 0, 8))
    }
    /// A JSON value whose text is the same in JavaScript, Python and serde_json: no
    /// integer-valued floats (`2.0` vs `2`), no exponents, integers within 2^53.
    fn json(&mut self, depth: usize) -> Value {
        let choice = if depth == 0 { self.rng.below(5) } else { self.rng.below(7) };
        match choice {
            0 => Value::Null,
            1 => Value::Bool(self.rng.chance(2)),
            2 => {
                let magnitude = 1i64 << self.rng.below(54);
                let n = (self.rng.next() as i64).rem_euclid(magnitude);
                json!(if self.rng.chance(2) { -n } else { n })
            }
            3 => {
                let int = self.rng.string_of(&self.digits, 1, 6);
                let frac = self.rng.string_of(&self.digits, 0, 3);
                let last = self.rng.range(1, 9);
                let f: f64 = format!("{int}.{frac}{last}").parse().unwrap();
                json!(if self.rng.chance(2) { -f } else { f })
            }
            4 => Value::String(self.rng.string_of(&self.text, 0, 16)),
            5 => Value::Array((0..self.rng.range(0, 4)).map(|_| self.json(depth - 1)).collect()),
            _ => {
                let map: BTreeMap<String, Value> =
                    (0..self.rng.range(0, 4)).map(|_| (self.json_key(), self.json(depth - 1))).collect();
                Value::Object(map.into_iter().collect())
            }
        }
    }
    fn user_info(&mut self) -> Option<Value> {
        match self.rng.below(4) {
            0 => None,
            1 => Some(self.json(2)),
            _ => {
                let map: BTreeMap<String, Value> =
                    (0..self.rng.range(1, 4)).map(|_| (self.json_key(), self.json(2))).collect();
                Some(Value::Object(map.into_iter().collect()))
            }
        }
    }
}

/// What one generated case is, on our side.
enum Ours {
    Private { creds: Credentials, socket: SocketId, channel: ChannelName },
    Presence { creds: Credentials, socket: SocketId, channel: ChannelName, member: PresenceMember },
    User { creds: Credentials, socket: SocketId, user: UserData },
}

struct Case {
    category: &'static str,
    ours: Ours,
    /// The oracle case, without `py_json`.
    oracle: Value,
}

fn generate() -> Vec<Case> {
    let mut g = Gen::new();
    let mut cases = Vec::new();
    for _ in 0..CASES {
        // private-
        let (key, secret, socket) = (g.key(), g.secret(), g.socket());
        let channel = g.channel("private-");
        cases.push(Case {
            category: "private",
            ours: Ours::Private {
                creds: Credentials::new(key.parse().unwrap(), secret.parse().unwrap()),
                socket: socket.parse().unwrap(),
                channel: channel.parse().unwrap(),
            },
            oracle: json!({"kind": "private", "key": key, "secret": secret, "socket_id": socket, "channel": channel}),
        });

        // private-encrypted-
        let (key, secret, socket) = (g.key(), g.secret(), g.socket());
        let channel = g.channel("private-encrypted-");
        let master = g.master_key();
        cases.push(Case {
            category: "encrypted",
            ours: Ours::Private {
                creds: Credentials::new(key.parse().unwrap(), secret.parse().unwrap())
                    .with_encryption_master_key(EncryptionMasterKey::from_bytes(master)),
                socket: socket.parse().unwrap(),
                channel: channel.parse().unwrap(),
            },
            oracle: json!({"kind": "encrypted", "key": key, "secret": secret, "socket_id": socket, "channel": channel,
                           "master_key_base64": base64::engine::general_purpose::STANDARD.encode(master)}),
        });

        // presence-
        let (key, secret, socket) = (g.key(), g.secret(), g.socket());
        let channel = g.channel("presence-");
        let id = g.user_id();
        let info = g.user_info();
        let mut data = json!({"user_id": id});
        if let Some(info) = &info {
            data["user_info"] = info.clone();
        }
        let member = match PresenceMember::new(id.parse().unwrap(), info) {
            Ok(member) => member,
            Err(_) => continue, // over 1024 bytes: refused by design, the libraries sign it
        };
        cases.push(Case {
            category: "presence",
            ours: Ours::Presence {
                creds: Credentials::new(key.parse().unwrap(), secret.parse().unwrap()),
                socket: socket.parse().unwrap(),
                channel: channel.parse().unwrap(),
                member,
            },
            oracle: json!({"kind": "presence", "key": key, "secret": secret, "socket_id": socket, "channel": channel,
                           "presence_data": data}),
        });

        // user sign-in
        let (key, secret, socket) = (g.key(), g.secret(), g.socket());
        let id = g.user_id();
        let mut user = UserData::new(id.parse().unwrap());
        let mut data = json!({"id": id});
        if let Some(info) = g.user_info() {
            data["user_info"] = info.clone();
            user = user.with_user_info(info);
        }
        if g.rng.chance(3) {
            let list: Vec<String> = (0..g.rng.range(0, 4)).map(|_| g.user_id()).collect();
            data["watchlist"] = json!(list);
            user = user.with_watchlist(list.iter().map(|s| s.parse::<UserId>().unwrap()).collect());
        }
        cases.push(Case {
            category: "user",
            ours: Ours::User {
                creds: Credentials::new(key.parse().unwrap(), secret.parse().unwrap()),
                socket: socket.parse().unwrap(),
                user,
            },
            oracle: json!({"kind": "user", "key": key, "secret": secret, "socket_id": socket, "user_data": data}),
        });
    }
    cases
}

/// Runs one oracle over `cases` (one JSON line each) and returns its answers in order.
fn run_oracle(program: &Path, args: &[&Path], cases: &[Value], name: &str) -> Vec<Value> {
    // One file per call: the tests run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let input_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("interop-{name}-{call}.jsonl"));
    let mut input = File::create(&input_path).unwrap();
    for case in cases {
        writeln!(input, "{case}").unwrap();
    }
    drop(input);
    let output = Command::new(program)
        .args(args)
        .stdin(File::open(&input_path).unwrap())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run the {name} oracle ({}): {e}", program.display()));
    assert!(output.status.success(), "the {name} oracle failed: {}", output.status);
    let answers: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(answers.len(), cases.len(), "the {name} oracle answered {} of {} cases", answers.len(), cases.len());
    answers
}

/// The answer's fields, without `ok` and `id`.
fn result_fields(answer: &Value) -> Value {
    let mut fields = answer.as_object().unwrap().clone();
    fields.remove("ok");
    fields.remove("id");
    Value::Object(fields)
}

#[derive(Default)]
struct Tally {
    counts: BTreeMap<String, (usize, usize)>,
    examples: Vec<String>,
}

impl Tally {
    fn record(&mut self, category: String, problems: Vec<String>, case: &Value) {
        let entry = self.counts.entry(category.clone()).or_default();
        entry.0 += 1;
        if !problems.is_empty() {
            entry.1 += 1;
            if self.examples.len() < 20 {
                self.examples.push(format!("{category}: {}\n    case: {case}", problems.join("; ")));
            }
        }
    }
    fn mismatches(&self) -> usize {
        self.counts.values().map(|(_, bad)| bad).sum()
    }
    fn print(&self) {
        println!("{:<32} {:>7} {:>10}", "category", "cases", "mismatches");
        for (category, (n, bad)) in &self.counts {
            println!("{category:<32} {n:>7} {bad:>10}");
        }
        for example in &self.examples {
            println!("MISMATCH {example}");
        }
    }
}

fn field<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer.get(name).and_then(Value::as_str)
}

/// Compares our signature for `ours` with the library's `answer` byte for byte.
fn compare_exact(ours: &Ours, answer: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if answer["ok"] != true {
        return vec![format!("library refused: {}", answer["error"])];
    }
    let (ours_json, checks): (Value, Vec<(&str, Option<String>)>) = match ours {
        Ours::Private { creds, socket, channel } => {
            let signed = sign_channel_auth(creds, socket, channel).unwrap();
            let json = serde_json::from_str(&signed.to_json()).unwrap();
            (
                json,
                vec![
                    ("auth", Some(signed.auth().to_owned())),
                    ("shared_secret", signed.shared_secret().map(str::to_owned)),
                ],
            )
        }
        Ours::Presence { creds, socket, channel, member } => {
            let signed = sign_presence_auth(creds, socket, channel, member).unwrap();
            let json = serde_json::from_str(&signed.to_json()).unwrap();
            (
                json,
                vec![
                    ("auth", Some(signed.auth().to_owned())),
                    ("channel_data", signed.channel_data().map(str::to_owned)),
                ],
            )
        }
        Ours::User { creds, socket, user } => {
            let signed = sign_user_auth(creds, socket, user).unwrap();
            let json = serde_json::from_str(&signed.to_json()).unwrap();
            (json, vec![("auth", Some(signed.auth().to_owned())), ("user_data", Some(signed.user_data().to_owned()))])
        }
    };
    for (name, want) in checks {
        if field(answer, name) != want.as_deref() {
            problems.push(format!("{name}: ours {want:?}, theirs {:?}", field(answer, name)));
        }
    }
    if result_fields(answer) != ours_json {
        problems.push(format!("to_json: ours {ours_json}, theirs {}", result_fields(answer)));
    }
    problems
}

/// Checks that our verifier accepts the library's own (data, auth) pair as received.
fn accept_theirs(ours: &Ours, answer: &Value) -> Vec<String> {
    if answer["ok"] != true {
        return vec![format!("library refused: {}", answer["error"])];
    }
    let auth = field(answer, "auth").unwrap_or_default();
    let result = match ours {
        Ours::Private { creds, socket, channel } => verify_channel_auth(creds, socket, channel, None, auth),
        Ours::Presence { creds, socket, channel, .. } => {
            verify_channel_auth(creds, socket, channel, field(answer, "channel_data"), auth)
        }
        Ours::User { creds, socket, .. } => {
            verify_user_auth(creds, socket, field(answer, "user_data").unwrap_or_default(), auth)
        }
    };
    match result {
        Ok(()) => Vec::new(),
        Err(e) => vec![format!("we refused their authorization: {e}")],
    }
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

#[test]
fn channel_and_user_auth_match_the_official_libraries() {
    if std::env::var("CHANNEL_AUTH_INTEROP").as_deref() != Ok("1") {
        // Straight to stderr, past the test harness's capture, so a plain `cargo test`
        // shows it.
        let _ = writeln!(
            std::io::stderr(),
            "interop: skipped: set CHANNEL_AUTH_INTEROP=1 (or run tests/interop/run.sh) to compare with the official libraries"
        );
        return;
    }
    let dir = interop_dir();
    let node = (PathBuf::from("node"), vec![dir.join("oracle.mjs")]);
    let python = (dir.join(".venv/bin/python"), vec![dir.join("oracle.py")]);
    let cases = generate();

    let version = [json!({"kind": "version", "key": "k", "secret": "s"})];
    for (name, (program, args)) in [("node", &node), ("python", &python)] {
        let args: Vec<&Path> = args.iter().map(PathBuf::as_path).collect();
        let answer = &run_oracle(program, &args, &version, name)[0];
        println!("{name} oracle: {} {} on {}", answer["library"], answer["version"], answer["runtime"]);
    }

    let mut tally = Tally::default();

    // Node: byte for byte.
    let node_cases: Vec<Value> = cases.iter().map(|c| c.oracle.clone()).collect();
    let node_args: Vec<&Path> = node.1.iter().map(PathBuf::as_path).collect();
    let answers = run_oracle(&node.0, &node_args, &node_cases, "node");
    for (case, answer) in cases.iter().zip(&answers) {
        tally.record(format!("node {} (exact)", case.category), compare_exact(&case.ours, answer), &case.oracle);
        tally.record(format!("node {} (we verify)", case.category), accept_theirs(&case.ours, answer), &case.oracle);
    }

    // Python: byte for byte with compact JSON; with its default (spaced) JSON, our
    // verifiers accept what it sends. Private and encrypted have no JSON: one run.
    let mut python_cases = Vec::new();
    let mut python_modes = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let mut compact = case.oracle.clone();
        compact["py_json"] = json!("compact");
        python_cases.push(compact);
        python_modes.push((i, "compact"));
        if matches!(case.ours, Ours::Presence { .. } | Ours::User { .. }) {
            python_cases.push(case.oracle.clone());
            python_modes.push((i, "default"));
        }
    }
    let python_args: Vec<&Path> = python.1.iter().map(PathBuf::as_path).collect();
    let answers = run_oracle(&python.0, &python_args, &python_cases, "python");
    for (((i, mode), answer), sent) in python_modes.iter().zip(&answers).zip(&python_cases) {
        let case = &cases[*i];
        if *mode == "compact" {
            tally.record(format!("python {} (exact)", case.category), compare_exact(&case.ours, answer), sent);
        }
        tally.record(format!("python {} {mode} (we verify)", case.category), accept_theirs(&case.ours, answer), sent);
    }

    tally.print();
    let total: usize = tally.counts.values().map(|(n, _)| n).sum();
    println!("interop: {total} comparisons, {} mismatches", tally.mismatches());
    assert_eq!(tally.mismatches(), 0, "see the MISMATCH lines above");
}

/// Parameter keys: lowercase (we lowercase keys, the libraries do not), never reserved.
const PARAM_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789_-.[]";
/// Characters a query value may carry unescaped through both libraries (they append
/// values raw): what our verifier can read back from their query strings.
const URL_SAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*,;:@/";
/// Values that only the signature is compared on: spaces, `=`, `%`, `+`, `#`, non-ASCII.
const VALUE: &str = "abcXYZ019 -._~!$'()*,;:@/=%+#?\"é日🦀";

struct ApiCase {
    method: Method,
    path: String,
    params: Vec<(String, String)>,
    body: String,
    timestamp: u64,
    /// Every value in `URL_SAFE`: the libraries' raw query can be read back.
    url_safe: bool,
}

impl Gen {
    fn api(&mut self) -> ApiCase {
        let method = *self.rng.pick(&[Method::Get, Method::Post]);
        let app = self.rng.string_of(&self.digits, 1, 7);
        let tail = *self.rng.pick(&[
            "events",
            "batch_events",
            "channels",
            "channels/presence-a/users",
            "users/1/terminate_connections",
        ]);
        let path = format!("/apps/{app}/{tail}");
        let url_safe = self.rng.chance(2);
        let (key_chars, value_chars) = (chars(PARAM_KEY), chars(if url_safe { URL_SAFE } else { VALUE }));
        let mut keys = std::collections::BTreeSet::new();
        for _ in 0..self.rng.range(0, 4) {
            let key = format!(
                "{}{}",
                self.rng.pick(&chars("abcdefghijklmnopqrstuvwxyz")),
                self.rng.string_of(&key_chars, 0, 10)
            );
            if !key.starts_with("auth_") && key != "body_md5" {
                keys.insert(key);
            }
        }
        let params = keys.into_iter().map(|k| (k, self.rng.string_of(&value_chars, 0, 12))).collect();
        let body = if self.rng.chance(3) { String::new() } else { self.json(3).to_string() };
        // Within 32 bits: Node's timestamp is `(Date.now() / 1000) | 0`.
        let timestamp = self.rng.next() % (1 << 31);
        ApiCase { method, path, params, body, timestamp, url_safe }
    }
}

/// `k=v` pairs of a query string, split raw (the libraries do not escape).
fn raw_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn api_and_webhooks_match_the_official_libraries() {
    if std::env::var("CHANNEL_AUTH_INTEROP").as_deref() != Ok("1") {
        let _ =
            writeln!(std::io::stderr(), "interop: skipped: set CHANNEL_AUTH_INTEROP=1 (or run tests/interop/run.sh)");
        return;
    }
    let dir = interop_dir();
    let node = PathBuf::from("node");
    let node_args = [dir.join("oracle.mjs")];
    let python = dir.join(".venv/bin/python");
    let python_args = [dir.join("oracle.py")];
    let node_args: Vec<&Path> = node_args.iter().map(PathBuf::as_path).collect();
    let python_args: Vec<&Path> = python_args.iter().map(PathBuf::as_path).collect();
    let mut g = Gen::new();
    g.rng = Rng(SEED ^ 0xa91);
    let mut tally = Tally::default();

    // HTTP API.
    let mut api = Vec::new();
    for _ in 0..CASES {
        let (key, secret) = (g.key(), g.secret());
        api.push((key, secret, g.api()));
    }
    let oracle_cases: Vec<Value> = api
        .iter()
        .map(|(key, secret, c)| {
            let params: serde_json::Map<String, Value> =
                c.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            json!({"kind": "api", "key": key, "secret": secret, "method": c.method.as_str(), "path": c.path,
                   "params": params, "body": if c.body.is_empty() { Value::Null } else { json!(c.body) },
                   "timestamp": c.timestamp})
        })
        .collect();
    let node_answers = run_oracle(&node, &node_args, &oracle_cases, "node");
    let python_answers = run_oracle(&python, &python_args, &oracle_cases, "python");
    for (((key, secret, c), sent), (from_node, from_python)) in
        api.iter().zip(&oracle_cases).zip(node_answers.iter().zip(&python_answers))
    {
        let creds = Credentials::new(key.parse().unwrap(), secret.parse().unwrap());
        let at = UNIX_EPOCH + Duration::from_secs(c.timestamp);
        let params: Vec<(&str, &str)> = c.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let ours = sign_api_request(&creds, c.method, &c.path, &params, c.body.as_bytes(), at).unwrap();
        let ours_pairs: Vec<(String, String)> =
            form_urlencoded::parse(ours.as_str().as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let our_signature = ours_pairs.last().map(|(_, v)| v.clone());
        let ring = Keyring::new([creds.clone()]);

        for (library, answer) in [("node", from_node), ("python", from_python)] {
            if answer["ok"] != true {
                tally.record(format!("{library} api"), vec![format!("library refused: {}", answer["error"])], sent);
                continue;
            }
            let query = field(answer, "query").unwrap_or_default();
            // Python always signs body_md5, also of an empty body: another string to
            // sign by design, so only the verifier is compared there.
            let python_empty_body = library == "python" && c.body.is_empty();
            if !python_empty_body {
                let mut problems = Vec::new();
                if field(answer, "auth_signature") != our_signature.as_deref() {
                    problems.push(format!(
                        "signature: ours {our_signature:?}, theirs {:?}",
                        field(answer, "auth_signature")
                    ));
                }
                let mut theirs = raw_pairs(query);
                let mut mine = ours_pairs.clone();
                theirs.sort();
                mine.sort();
                if theirs != mine {
                    problems.push(format!("pairs: ours {mine:?}, theirs {theirs:?} (ours: {})", ours.as_str()));
                }
                tally.record(format!("{library} api (exact)"), problems, sent);
            }
            if c.url_safe {
                let verified = verify_api_request(&ring, c.method, &c.path, query, c.body.as_bytes(), at);
                let problems = match verified {
                    Ok(_) => Vec::new(),
                    Err(e) => vec![format!("we refused their query {query:?}: {e}")],
                };
                tally.record(format!("{library} api (we verify)"), problems, sent);
            }
        }
    }

    // Webhooks: a JSON object body with a `time_ms`, as Pusher sends.
    let mut hooks = Vec::new();
    for _ in 0..CASES {
        let (key, secret) = (g.key(), g.secret());
        let time_ms = 1_600_000_000_000 + g.rng.next() % 100_000_000_000;
        let mut body =
            json!({"time_ms": time_ms, "events": [{"name": "channel_occupied", "channel": g.channel("private-")}]});
        if let Some(info) = g.user_info() {
            body["extra"] = info;
        }
        hooks.push((key, secret, time_ms, body.to_string()));
    }
    let mut cases = Vec::new();
    for (key, secret, time_ms, body) in &hooks {
        let creds = Credentials::new(key.parse().unwrap(), secret.parse().unwrap());
        let ours = sign_webhook(&creds, body.as_bytes());
        cases.push(json!({"kind": "webhook_sign", "key": key, "secret": secret, "body": body}));
        cases.push(json!({"kind": "webhook_verify", "key": key, "secret": secret, "body": body,
                          "signature": ours.signature(), "now_ms": time_ms}));
    }
    for (library, program, args) in [("node", &node, &node_args), ("python", &python, &python_args)] {
        let answers = run_oracle(program, args, &cases, library);
        for (i, (key, secret, _, body)) in hooks.iter().enumerate() {
            let creds = Credentials::new(key.parse().unwrap(), secret.parse().unwrap());
            let ours = sign_webhook(&creds, body.as_bytes());
            let (signed, verified) = (&answers[2 * i], &answers[2 * i + 1]);
            let mut problems = Vec::new();
            if field(signed, "signature") != Some(ours.signature()) {
                problems.push(format!("signature: ours {}, theirs {}", ours.signature(), signed));
            }
            tally.record(format!("{library} webhook sign (exact)"), problems, &cases[2 * i]);
            let theirs_ok = field(signed, "signature")
                .is_some_and(|sig| verify_webhook(&Keyring::new([creds.clone()]), key, sig, body.as_bytes()).is_ok());
            let problems = if theirs_ok { Vec::new() } else { vec![format!("we refused {signed}")] };
            tally.record(format!("{library} webhook (we verify)"), problems, &cases[2 * i]);
            let problems =
                if verified["valid"] == true { Vec::new() } else { vec![format!("they refused ours: {verified}")] };
            tally.record(format!("{library} webhook (they verify)"), problems, &cases[2 * i + 1]);
        }
    }

    tally.print();
    let total: usize = tally.counts.values().map(|(n, _)| n).sum();
    println!("interop: {total} comparisons, {} mismatches", tally.mismatches());
    assert_eq!(tally.mismatches(), 0, "see the MISMATCH lines above");
}

/// Port of the mock HTTP API server that `encryption.mjs` starts on 127.0.0.1 (in the
/// range this test suite owns, 7100-7199).
const ENCRYPTION_MOCK_PORT: &str = "7101";
/// Cases per direction.
const ENCRYPTION_CASES: usize = 300;

/// End-to-end encryption against Node: data encrypted by the official `pusher` library's
/// `trigger` and `triggerBatch` (captured from its request body by a mock server)
/// decrypts with `decrypt_payload` to exactly the bytes it encrypted (JSON.stringify of
/// the data, so bare strings arrive quoted); and our `encrypt_payload` output opens with
/// tweetnacl's secretbox (what pusher-js uses) to our plaintext.
#[test]
fn encryption_interoperates_with_node_and_tweetnacl() {
    use base64::engine::general_purpose::STANDARD as B64;
    use channel_auth::encryption::{decrypt_payload, encrypt_payload};

    if std::env::var("CHANNEL_AUTH_INTEROP").as_deref() != Ok("1") {
        let _ = writeln!(std::io::stderr(), "interop: skipped: set CHANNEL_AUTH_INTEROP=1 (encryption)");
        return;
    }
    let oracle = interop_dir().join("encryption.mjs");
    let mut g = Gen::new();
    let mut inputs = Vec::new();
    for i in 0..ENCRYPTION_CASES {
        let channel = g.channel("private-encrypted-");
        let master = g.master_key();
        // Every third case a bare string (arrives quoted), the rest any JSON.
        let data = if i % 3 == 0 { Value::String(g.json_key()) } else { g.json(2) };
        inputs.push((channel, master, data));
    }

    // Node encrypts, we decrypt.
    let cases: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, (channel, master, data))| {
            json!({"channel": channel, "master_key_base64": B64.encode(master), "data": data, "batch": i % 2 == 1})
        })
        .collect();
    let args = [oracle.as_path(), Path::new("node-encrypts"), Path::new(ENCRYPTION_MOCK_PORT)];
    let answers = run_oracle(Path::new("node"), &args, &cases, "node-encrypts");
    let mut nonces = std::collections::HashSet::new();
    for ((channel, master, data), answer) in inputs.iter().zip(&answers) {
        let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
            .with_encryption_master_key(EncryptionMasterKey::from_bytes(*master));
        let name: ChannelName = channel.parse().unwrap();
        let sent = answer["data"].as_str().unwrap();
        let plaintext = decrypt_payload(&creds, &name, sent).unwrap_or_else(|e| panic!("{channel}: {e}: {sent}"));
        assert_eq!(plaintext, answer["plaintext"].as_str().unwrap().as_bytes(), "{channel}");
        assert_eq!(&serde_json::from_slice::<Value>(&plaintext).unwrap(), data, "{channel}");
        // The library's wire format is the one we write: nonce first, compact.
        let nonce = serde_json::from_str::<Value>(sent).unwrap()["nonce"].as_str().unwrap().to_owned();
        assert!(sent.starts_with(&format!(r#"{{"nonce":"{nonce}","ciphertext":""#)) && sent.ends_with("\"}"), "{sent}");
        assert!(nonces.insert(nonce));
        let other =
            if channel == "private-encrypted-other" { "private-encrypted-another" } else { "private-encrypted-other" };
        assert!(decrypt_payload(&creds, &other.parse().unwrap(), sent).is_err());
    }

    // We encrypt, tweetnacl decrypts.
    let ours: Vec<(Vec<u8>, Value)> = inputs
        .iter()
        .map(|(channel, master, data)| {
            let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
                .with_encryption_master_key(EncryptionMasterKey::from_bytes(*master));
            let plaintext = data.to_string().into_bytes();
            let sealed = encrypt_payload(&creds, &channel.parse().unwrap(), &plaintext).unwrap();
            (plaintext, json!({"channel": channel, "master_key_base64": B64.encode(master), "data": sealed}))
        })
        .collect();
    let cases: Vec<Value> = ours.iter().map(|(_, case)| case.clone()).collect();
    let args = [oracle.as_path(), Path::new("tweetnacl-decrypts")];
    let answers = run_oracle(Path::new("node"), &args, &cases, "tweetnacl-decrypts");
    for ((plaintext, case), answer) in ours.iter().zip(&answers) {
        let opened = answer["plaintext_base64"].as_str().unwrap_or_else(|| panic!("tweetnacl refused {case}"));
        assert_eq!(&B64.decode(opened).unwrap(), plaintext, "{case}");
    }
    println!(
        "interop: encryption: {ENCRYPTION_CASES} Node-encrypted payloads decrypted, {ENCRYPTION_CASES} of ours opened by tweetnacl"
    );
}
