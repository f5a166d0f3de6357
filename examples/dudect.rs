//! Constant-time check of signature verification with [dudect] (`dudect-bencher`).
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
//! [dudect]: https://eprint.iacr.org/2016/1123.pdf

// A measurement harness, not library code: a failed setup may panic.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use channel_auth::{
    sign_channel_auth, sign_user_auth, verify_channel_auth, verify_user_auth, ChannelName, Credentials, SocketId,
    UserData,
};
use dudect_bencher::rand::RngExt as _;
use dudect_bencher::{ctbench_main, BenchRng, Class, CtRunner};

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

const MATCH_VS_FIRST: Classes = Classes { left: None, right: Some(0) };
const FIRST_VS_LAST: Classes = Classes { left: Some(0), right: Some(31) };

/// Writes into `auth` (`<key>:<64 hex>`, as signed) the hex digit at the low nibble of
/// signature byte `byte`, with its lowest bit flipped when `change` holds. Both classes
/// make exactly this one write, so only the value differs.
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
/// changed there by one write, and timed at one call site. Keeping each class's value in
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
        set_low_nibble(&mut scratch, change.unwrap_or(0), change.is_some());
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
    verify_user_auth_match_vs_first
);
