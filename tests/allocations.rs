//! How many heap allocations each hot path makes, counted exactly.
//!
//! A counting global allocator wraps the system one; the counter is per thread, so tests
//! running on other threads cannot disturb a measurement. `realloc` counts as an
//! allocation: growing a buffer is the cost these assertions are meant to catch.

#![allow(unsafe_code)] // a GlobalAlloc is unsafe to implement; the library itself forbids unsafe
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::{
    sign_api_request, sign_channel_auth, sign_presence_auth, sign_user_auth, verify_api_request, verify_channel_auth,
    verify_user_auth, ChannelName, Credentials, EncryptionMasterKey, Keyring, Method, PresenceMember, SocketId,
    UserData,
};

thread_local! {
    /// Allocations made by this thread. `const`-initialized and without a destructor, so
    /// touching it from inside the allocator never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

fn count_one() {
    // `try_with`: during thread teardown the slot may be gone; those are not counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// only addition is a thread-local counter, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
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
