//! How many heap allocations each hot path makes, counted exactly; and the most heap a
//! verifier holds at once on hostile input.
//!
//! A counting global allocator wraps the system one; the counters are per thread, so
//! tests running on other threads cannot disturb a measurement. `realloc` counts as an
//! allocation: growing a buffer is the cost these assertions are meant to catch. The
//! allocator also keeps the bytes this thread holds and their high-water mark (a
//! `realloc` moves the count from the old size to the new one in one step).

#![allow(unsafe_code)] // a GlobalAlloc is unsafe to implement; the library itself forbids unsafe
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::{
    ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember, SocketId, UserData, VerifyError,
    sign_channel_auth, sign_presence_auth, sign_user_auth, verify_channel_auth, verify_user_auth,
};

thread_local! {
    /// Allocations made by this thread. `const`-initialized and without a destructor, so
    /// touching it from inside the allocator never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed by this thread (signed: a block freed here may
    /// have been allocated by another thread).
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The highest `LIVE` since [`peak_bytes`] last reset it.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

struct Counting;

fn count_one() {
    // `try_with`: during thread teardown the slot may be gone; those are not counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

/// Adds `delta` bytes to this thread's live count and raises its peak.
fn hold(delta: isize) {
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + delta);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

fn signed(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// only addition is a thread-local counter, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            hold(signed(layout.size()));
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            hold(signed(layout.size()));
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            hold(signed(new_size) - signed(layout.size()));
        }
        moved
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        hold(-signed(layout.size()));
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the allocations it made on this thread. The
/// result is dropped after the count, by the caller.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = std::hint::black_box(f());
    let after = ALLOCATIONS.with(Cell::get);
    (out, after - before)
}

/// Runs `f` and returns its result with the most heap bytes this thread held at once
/// meanwhile, over what it held before. The result is dropped after the measurement, by
/// the caller, so what it holds is counted.
fn peak_bytes<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let out = std::hint::black_box(f());
    let peak = PEAK.with(Cell::get);
    (out, usize::try_from(peak - before).unwrap_or(0))
}

/// Asserts that `f` makes exactly `want` allocations, twice (the first run also warms up
/// anything initialized lazily).
fn assert_allocations<T>(what: &str, want: usize, mut f: impl FnMut() -> T) {
    for run in 0..2 {
        let (_, got) = allocations(&mut f);
        assert_eq!(got, want, "{what}: {got} allocations on run {run}, want {want}");
    }
}

/// One test, so the measurements run one after another on one thread.
#[test]
fn hot_paths_allocate_exactly_this_much() {
    let creds = Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes([7; 32]));
    let socket: SocketId = "1234.1234".parse().unwrap();
    let private: ChannelName = "private-foobar".parse().unwrap();
    let encrypted: ChannelName = "private-encrypted-foobar".parse().unwrap();
    let presence: ChannelName = "presence-foobar".parse().unwrap();
    let info = serde_json::json!({"name": "Mr. Pusher", "avatar": "https://example.com/a/12345.png", "team": "blue"});
    let member = PresenceMember::new("12345".parse().unwrap(), Some(info.clone())).unwrap();
    let user = UserData::new("12345".parse().unwrap());
    let user_with_info = UserData::new("12345".parse().unwrap())
        .with_user_info(info)
        .with_watchlist(vec!["7".parse().unwrap(), "8".parse().unwrap()]);

    // The counter counts.
    assert_allocations("a Vec with room for 8", 1, || Vec::<u8>::with_capacity(8));

    // Signing: the returned strings, nothing else.
    assert_allocations("private sign (auth)", 1, || sign_channel_auth(&creds, &socket, &private).unwrap());
    assert_allocations("encrypted sign (auth, shared_secret)", 2, || {
        sign_channel_auth(&creds, &socket, &encrypted).unwrap()
    });
    assert_allocations("presence sign (auth, channel_data)", 2, || {
        sign_presence_auth(&creds, &socket, &presence, &member).unwrap()
    });
    assert_allocations("user sign, id only (auth, user_data)", 2, || sign_user_auth(&creds, &socket, &user).unwrap());
    assert_allocations("user sign, info and watchlist (auth, user_data)", 2, || {
        sign_user_auth(&creds, &socket, &user_with_info).unwrap()
    });

    // The response body: one buffer, sized ahead.
    let private_auth = sign_channel_auth(&creds, &socket, &private).unwrap();
    let encrypted_auth = sign_channel_auth(&creds, &socket, &encrypted).unwrap();
    let presence_auth = sign_presence_auth(&creds, &socket, &presence, &member).unwrap();
    let user_auth = sign_user_auth(&creds, &socket, &user_with_info).unwrap();
    assert_allocations("private to_json", 1, || private_auth.to_json());
    assert_allocations("encrypted to_json", 1, || encrypted_auth.to_json());
    assert_allocations("presence to_json", 1, || presence_auth.to_json());
    assert_allocations("user to_json", 1, || user_auth.to_json());

    // Verifying: none, whether the signature is good or not.
    assert_allocations("verify private", 0, || {
        verify_channel_auth(&creds, &socket, &private, None, private_auth.auth()).unwrap()
    });
    assert_allocations("verify presence", 0, || {
        verify_channel_auth(&creds, &socket, &presence, presence_auth.channel_data(), presence_auth.auth()).unwrap()
    });
    assert_allocations("verify user", 0, || {
        verify_user_auth(&creds, &socket, user_auth.user_data(), user_auth.auth()).unwrap()
    });
    assert_allocations("verify, bad signature", 0, || {
        verify_channel_auth(&creds, &socket, &encrypted, None, private_auth.auth()).unwrap_err()
    });
    assert_allocations("verify, junk signature", 0, || {
        verify_user_auth(&creds, &socket, "{}", "278d425bdf160c739803:zz").unwrap_err()
    });

    // Parsing: the name's own copy; a refusal allocates nothing.
    assert_allocations("SocketId parse", 1, || "1234.1234".parse::<SocketId>().unwrap());
    assert_allocations("ChannelName parse", 1, || "private-foobar".parse::<ChannelName>().unwrap());
    assert_allocations("SocketId refused", 0, || "1.1:private-B".parse::<SocketId>().unwrap_err());
    assert_allocations("ChannelName refused", 0, || "private-a:b".parse::<ChannelName>().unwrap_err());

    // HTTP API requests: the parameter list, the string-to-sign's parts and the query
    // (signing); the decoded parameters' text and spans, and the parts (verifying).
    let at = UNIX_EPOCH + Duration::from_secs(1_353_088_179);
    let body = br#"{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}"#;
    let params = [("filter_by_prefix", "presence-"), ("info", "user_count")];
    let ring = Keyring::new([creds.clone()]);
    let trigger = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at).unwrap();
    let channels = sign_api_request(&creds, Method::Get, "/apps/3/channels", &params, b"", at).unwrap();
    assert_allocations("API sign, POST with a body", 3, || {
        sign_api_request(&creds, Method::Post, "/apps/3/events", &[], body, at).unwrap()
    });
    assert_allocations("API sign, GET with two parameters", 3, || {
        sign_api_request(&creds, Method::Get, "/apps/3/channels", &params, b"", at).unwrap()
    });
    assert_allocations("API verify, POST with a body", 3, || {
        verify_api_request(&ring, Method::Post, "/apps/3/events", trigger.as_str(), body, at).unwrap()
    });
    assert_allocations("API verify, GET with two parameters", 3, || {
        verify_api_request(&ring, Method::Get, "/apps/3/channels", channels.as_str(), b"", at).unwrap()
    });
}

/// The most heap `decode_query` (src/api/query.rs) holds for a query of `len` bytes: 8
/// bytes a query byte, plus 16 (the derivation is in its docs).
fn decoder_bound(len: usize) -> usize {
    8 * len + 16
}

/// The most heap `verify_api_request` holds for `query` and `path`: the decoder's bound,
/// and the string to sign (at most 2.5 bytes a query byte, plus the method and path).
fn verifier_bound(query: &str, path: &str) -> usize {
    decoder_bound(query.len()) + 3 * query.len() + path.len() + 16
}

/// Hostile queries of about 400 KiB get the answers they always got, and the verifier
/// holds heap linear in the query, with a small constant: it used to hold 32 bytes for
/// every `&`, empty pieces included (13 MiB for 400 KiB of `&`).
#[test]
fn hostile_queries_take_heap_linear_in_their_length() {
    const LEN: usize = 400 * 1024;
    let creds = Credentials::new("278d425bdf160c739803".parse().unwrap(), "7ad3773142a6692b25b8".parse().unwrap());
    let ring = Keyring::new([creds.clone()]);
    let at = UNIX_EPOCH + Duration::from_secs(1_353_088_179);
    let path = "/apps/3/channels";

    // A request signed over about LEN bytes of distinct parameters verifies, so it
    // builds the string to sign too.
    let keys: Vec<String> = (0..LEN / 10).map(|i| format!("k{i}")).collect();
    let params: Vec<(&str, &str)> = keys.iter().map(|key| (key.as_str(), "v")).collect();
    let signed = sign_api_request(&creds, Method::Get, path, &params, b"", at).unwrap().as_str().to_owned();
    let tampered = format!("{signed}&zz=1");

    let missing_key = Err(VerifyError::MissingParam { name: "auth_key" });
    let cases: [(&str, String, Result<(), VerifyError>); 11] = [
        ("&&&…", "&".repeat(LEN), missing_key),
        ("a&a&…", "a&".repeat(LEN / 2), Err(VerifyError::DuplicateParam)),
        ("a=&a=&…", "a=&".repeat(LEN / 3), Err(VerifyError::DuplicateParam)),
        ("%41%41…", "%41".repeat(LEN / 3), missing_key),
        ("a=%41%41…", format!("a={}", "%41".repeat(LEN / 3)), missing_key),
        // Non-ASCII keys: lowercasing \u{130} (2 bytes) gives 3 bytes.
        ("\u{130}&\u{130}&…", "\u{130}&".repeat(LEN / 3), Err(VerifyError::DuplicateParam)),
        // No `&` at the end: the text outgrows the query's length, and its buffer doubles.
        ("\u{130}&…\u{130}", format!("{}\u{130}", "\u{130}&".repeat(LEN / 3)), Err(VerifyError::DuplicateParam)),
        ("\u{130}\u{130}…", "\u{130}".repeat(LEN / 2), missing_key),
        ("%C4%B0%C4%B0…", "%C4%B0".repeat(LEN / 6), missing_key),
        ("signed, distinct keys", signed, Ok(())),
        ("signed, one more key", tampered, Err(VerifyError::InvalidSignature)),
    ];
    for (name, query, want) in cases {
        for run in 0..2 {
            let (got, peak) = peak_bytes(|| verify_api_request(&ring, Method::Get, path, &query, b"", at).map(|_| ()));
            assert_eq!(got, want, "{name}");
            let len = query.len();
            println!("{name:24} {len:7} bytes: peak {peak:9} bytes, {:.2} a query byte", peak as f64 / len as f64);
            let bound = if want.is_ok() || want == Err(VerifyError::InvalidSignature) {
                verifier_bound(&query, path)
            } else {
                // Refused before the string to sign is built: the decoder alone.
                decoder_bound(len)
            };
            assert!(peak <= bound, "{name}, run {run}: peak {peak} bytes over the bound {bound} for {len} bytes");
        }
    }
}
