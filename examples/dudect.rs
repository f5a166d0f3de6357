//! Constant-time check of signature verification with [dudect] (`dudect-bencher`):
//! channel and user authorization, HTTP API requests, webhooks and Faye tokens.
//!
//! ```text
//! cargo run --release --example dudect                     # every bench, 1,000,000 samples each
//! DUDECT_SAMPLES=5000000 cargo run --release --example dudect -- --filter channel
//! cargo run --release --example dudect -- --continuous verify_channel_auth_match_vs_first
//! ```
//!
//! Each bench times one verification per sample, the sample's class chosen by a coin flip:
//!
//! - `*_match_vs_first`: Left, the right signature; Right, the right signature with its
//!   first byte changed (one bit). A comparison that stops at the first differing byte
//!   shows up here.
//! - `*_first_vs_last`: Left, the first byte changed; Right, the last byte changed. Both
//!   are rejections; this isolates an early exit from the accept/reject difference.
//! - `control_early_exit_compare`: a positive control, not the library: a byte-by-byte
//!   comparison that returns at the first difference. Its |t| must be huge (thousands
//!   here); if it is not, the harness or the machine cannot see a leak.
//!
//! Read `max t` on each line: |t| below 4.5 is no evidence of a timing leak (dudect's
//! usual threshold); above it, investigate (run again, longer, on a quiet machine).
//!
//! `*_first_vs_last` is the check that matters: both classes are rejections that differ
//! only in where the signature is wrong. `*_match_vs_first` compares accept with reject,
//! so it also sees what returning one outcome rather than the other costs, down to well
//! under a nanosecond at a million samples. The verifiers never branch on a
//! comparison before the outcome (`Candidates::first_passing` combines `subtle::Choice`s),
//! and each closure here consumes only `is_ok()`, which the compiler folds into a flag: a
//! tag select for `Result<(), _>`, an inlined wrapper for `verify_webhook` and
//! `verify_api_request`. Before those wrappers, the jump between building
//! `Ok(&Credentials)` and `Err` showed here as |t| of 5 to 8 for the webhook. To tell such
//! an outcome effect from a leaky comparison, make both outcomes return `Err` and rerun:
//! the line must drop under 4.5 (it did, to 2).
//!
//! [dudect]: https://eprint.iacr.org/2016/1123.pdf

// A measurement harness, not library code: a failed setup may panic.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::faye::{FayeChannel, FayeUserId, sign_faye_token, verify_faye_token};
use channel_auth::webhook::{sign_webhook, verify_webhook};
use channel_auth::{
    AppSecret, ChannelName, Credentials, Keyring, SocketId, UserData, sign_channel_auth, sign_user_auth,
    verify_channel_auth, verify_user_auth,
};
use dudect_bencher::rand::RngExt as _;
use dudect_bencher::{BenchRng, Class, CtRunner, ctbench_main};

/// Distinct inputs per bench; samples pick among them at random.
const POOL: usize = 1024;

fn samples() -> usize {
    std::env::var("DUDECT_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000)
}

fn creds() -> Credentials {
    Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap())
}

fn random_socket(rng: &mut BenchRng) -> SocketId {
    format!("{}.{}", rng.random::<u32>(), rng.random::<u32>()).parse().unwrap()
}

/// Which signature byte each class changes: `None` leaves the signature as signed.
#[derive(Clone, Copy)]
struct Classes {
    left: Option<usize>,
    right: Option<usize>,
}

impl Classes {
    /// The signature bytes either class changes, each once.
    fn positions(self) -> impl Iterator<Item = usize> {
        let right = self.right.filter(|r| Some(*r) != self.left);
        self.left.into_iter().chain(right)
    }
}

const MATCH_VS_FIRST: Classes = Classes { left: None, right: Some(0) };
const FIRST_VS_LAST: Classes = Classes { left: Some(0), right: Some(31) };

/// Writes into `auth` (ending in 64 hex digits, as signed) the hex digit at the low nibble of
/// signature byte `byte`, with its lowest bit flipped when `change` holds.
fn set_low_nibble(auth: &mut String, byte: usize, change: bool) {
    let at = auth.len() - 64 + 2 * byte + 1;
    let digit = auth.as_bytes()[at];
    let value = (digit as char).to_digit(16).unwrap() ^ u32::from(change);
    let replacement = char::from_digit(value, 16).unwrap();
    auth.replace_range(at..=at, replacement.encode_utf8(&mut [0; 4]));
}

/// Times `verify` over `samples()` samples drawn from `pool` (inputs with their right
/// auth value), by class.
///
/// For both classes the auth value is copied from the same string into the same buffer,
/// changed there by the same writes (only the values differ), and timed at one call site. Keeping each class's value in
/// a string of its own showed |t| of 5 to 9 in an A/A run (identical values in both
/// classes): where a string lies in memory is a difference dudect sees too.
fn measure<T>(
    runner: &mut CtRunner,
    rng: &mut BenchRng,
    pool: &[(T, String)],
    classes: Classes,
    verify: impl Fn(&T, &str) -> bool,
) {
    let mut scratch = String::with_capacity(128);
    for _ in 0..samples() {
        let (input, auth) = &pool[rng.random_range(0..pool.len())];
        let (class, change) =
            if rng.random::<bool>() { (Class::Left, classes.left) } else { (Class::Right, classes.right) };
        scratch.clear();
        scratch.push_str(auth);
        // Write every position either class changes, in both classes: a store to a
        // byte just before the timed call shows in its timing (a load that overlaps a
        // pending store is slower), so the stores must not differ by class, only values.
        for byte in classes.positions() {
            set_low_nibble(&mut scratch, byte, change == Some(byte));
        }
        let scratch = scratch.as_str();
        runner.run_one(class, || verify(input, scratch));
    }
}

fn channel_pool(rng: &mut BenchRng) -> Vec<((Credentials, SocketId, ChannelName), String)> {
    let creds = creds();
    let channel: ChannelName = "private-foobar".parse().unwrap();
    (0..POOL)
        .map(|_| {
            let socket = random_socket(rng);
            let auth = sign_channel_auth(&creds, &socket, &channel).unwrap().auth().to_owned();
            ((creds.clone(), socket, channel.clone()), auth)
        })
        .collect()
}

fn verify_channel(input: &(Credentials, SocketId, ChannelName), auth: &str) -> bool {
    verify_channel_auth(&input.0, &input.1, &input.2, None, auth).is_ok()
}

fn user_pool(rng: &mut BenchRng) -> Vec<((Credentials, SocketId, String), String)> {
    let creds = creds();
    let user = UserData::new("12345".parse().unwrap());
    (0..POOL)
        .map(|_| {
            let socket = random_socket(rng);
            let signed = sign_user_auth(&creds, &socket, &user).unwrap();
            ((creds.clone(), socket, signed.user_data().to_owned()), signed.auth().to_owned())
        })
        .collect()
}

fn verify_user(input: &(Credentials, SocketId, String), auth: &str) -> bool {
    verify_user_auth(&input.0, &input.1, &input.2, auth).is_ok()
}

/// `verify_channel_auth`: the right signature vs one differing in its first byte.
fn verify_channel_auth_match_vs_first(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = channel_pool(rng);
    measure(runner, rng, &pool, MATCH_VS_FIRST, verify_channel);
}

/// `verify_channel_auth`: first byte differs vs last byte differs.
fn verify_channel_auth_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = channel_pool(rng);
    measure(runner, rng, &pool, FIRST_VS_LAST, verify_channel);
}

/// `verify_user_auth`: the right signature vs one differing in its first byte.
fn verify_user_auth_match_vs_first(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = user_pool(rng);
    measure(runner, rng, &pool, MATCH_VS_FIRST, verify_user);
}

/// An API request (the auth value is the query, which ends with `auth_signature=<hex>`).
struct ApiInput {
    keyring: Keyring,
    body: Vec<u8>,
    now: SystemTime,
}

fn api_pool(rng: &mut BenchRng) -> Vec<(ApiInput, String)> {
    let creds = creds();
    (0..POOL)
        .map(|_| {
            let now = UNIX_EPOCH + Duration::from_secs(u64::from(rng.random::<u32>()));
            let body = format!(r#"{{"name":"e","channels":["c{}"],"data":"{{}}"}}"#, rng.random::<u32>()).into_bytes();
            let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], &body, now).unwrap();
            (ApiInput { keyring: Keyring::new([creds.clone()]), body, now }, query.as_str().to_owned())
        })
        .collect()
}

fn verify_api(input: &ApiInput, query: &str) -> bool {
    verify_api_request(&input.keyring, Method::Post, "/apps/3/events", query, &input.body, input.now).is_ok()
}

fn webhook_pool(rng: &mut BenchRng) -> Vec<((Keyring, Vec<u8>), String)> {
    let creds = creds();
    (0..POOL)
        .map(|_| {
            let body = format!(
                r#"{{"time_ms":{},"events":[{{"name":"channel_occupied","channel":"a"}}]}}"#,
                rng.random::<u32>()
            )
            .into_bytes();
            let signature = sign_webhook(&creds, &body).signature().to_owned();
            ((Keyring::new([creds.clone()]), body), signature)
        })
        .collect()
}

fn verify_hook(input: &(Keyring, Vec<u8>), signature: &str) -> bool {
    verify_webhook(&input.0, "278d425bdf160c739803", signature, &input.1).is_ok()
}

fn faye_pool(rng: &mut BenchRng) -> Vec<((AppSecret, FayeUserId, FayeChannel), String)> {
    let secret: AppSecret = "7ad3773142a6692b25b8".parse().unwrap();
    let channel: FayeChannel = "/chat/room".parse().unwrap();
    (0..POOL)
        .map(|_| {
            let user: FayeUserId = format!("user {}", rng.random::<u32>()).parse().unwrap();
            let token = sign_faye_token(&secret, &user, Some(&channel)).as_str().to_owned();
            ((secret.clone(), user, channel.clone()), token)
        })
        .collect()
}

fn verify_faye(input: &(AppSecret, FayeUserId, FayeChannel), token: &str) -> bool {
    verify_faye_token(&input.0, &input.1, Some(&input.2), token).is_ok()
}

/// `verify_api_request`: the right `auth_signature` vs one differing in its first byte.
fn verify_api_request_match_vs_first(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = api_pool(rng);
    measure(runner, rng, &pool, MATCH_VS_FIRST, verify_api);
}

/// `verify_webhook`: the right signature vs one differing in its first byte.
fn verify_webhook_match_vs_first(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = webhook_pool(rng);
    measure(runner, rng, &pool, MATCH_VS_FIRST, verify_hook);
}

/// `verify_faye_token`: the right token vs one differing in its first byte.
fn verify_faye_token_match_vs_first(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = faye_pool(rng);
    measure(runner, rng, &pool, MATCH_VS_FIRST, verify_faye);
}

/// `verify_api_request`: first byte of `auth_signature` differs vs last byte differs.
fn verify_api_request_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = api_pool(rng);
    measure(runner, rng, &pool, FIRST_VS_LAST, verify_api);
}

/// `verify_webhook`: first byte differs vs last byte differs.
fn verify_webhook_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = webhook_pool(rng);
    measure(runner, rng, &pool, FIRST_VS_LAST, verify_hook);
}

/// `verify_faye_token`: first byte differs vs last byte differs.
fn verify_faye_token_first_vs_last(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = faye_pool(rng);
    measure(runner, rng, &pool, FIRST_VS_LAST, verify_faye);
}

/// Positive control, not the library: a byte-by-byte comparison that returns at the first
/// difference, on the same inputs. Its |t| must be large, or the harness sees nothing.
fn control_early_exit_compare(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool: Vec<(String, String)> = channel_pool(rng).into_iter().map(|(_, auth)| (auth.clone(), auth)).collect();
    measure(runner, rng, &pool, MATCH_VS_FIRST, |expected: &String, auth: &str| {
        let (expected, received) = (expected.as_bytes(), auth.as_bytes());
        let mut equal = received.len() == expected.len();
        for (a, b) in received.iter().zip(expected) {
            if a != b {
                equal = false;
                break;
            }
            std::hint::black_box(a);
        }
        equal
    });
}

ctbench_main!(
    control_early_exit_compare,
    verify_channel_auth_match_vs_first,
    verify_channel_auth_first_vs_last,
    verify_user_auth_match_vs_first,
    verify_api_request_match_vs_first,
    verify_api_request_first_vs_last,
    verify_webhook_match_vs_first,
    verify_webhook_first_vs_last,
    verify_faye_token_match_vs_first,
    verify_faye_token_first_vs_last
);
