//! A keyring of 100,000 apps: memory per app (live heap bytes, counted by a wrapping
//! allocator) and lookups that find exactly a key's candidates, in order (issue 13).

#![allow(unsafe_code)] // a GlobalAlloc is unsafe to implement; the library itself forbids unsafe
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use channel_auth::webhook::{sign_webhook, verify_webhook};
use channel_auth::{Credentials, Keyring};

/// Live heap bytes, all threads (this file holds one test, so nothing else allocates
/// during a measurement but the test harness's idle threads).
static LIVE: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// only addition is an atomic counter, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const APPS: usize = 100_000;

#[test]
fn a_hundred_thousand_apps() {
    let before = LIVE.load(Ordering::Relaxed);
    // Two entries share key-7 (a rotation): 100,001 credentials.
    let ring = Keyring::new(
        (0..APPS)
            .map(|i| Credentials::new(format!("key-{i}").parse().unwrap(), format!("secret-{i}").parse().unwrap()))
            .chain([Credentials::new("key-7".parse().unwrap(), "rotated".parse().unwrap())]),
    );
    let per_app = (LIVE.load(Ordering::Relaxed) - before) / ring.len();
    println!("keyring of {} credentials: {per_app} heap bytes per app", ring.len());
    // The credentials (key, keyed HMAC state) and the index entry, with the map's slack.
    assert!((200..1_024).contains(&per_app), "{per_app} bytes per app");

    // Each key finds its own candidates, in the order given, and no other.
    assert_eq!(ring.candidates("key-99999").count(), 1);
    assert_eq!(ring.candidates("key-100000").count(), 0);
    let body = br#"{"time_ms":1,"events":[]}"#;
    let rotated = Credentials::new("key-7".parse().unwrap(), "rotated".parse().unwrap());
    let signatures: Vec<String> =
        ring.candidates("key-7").map(|c| sign_webhook(c, body).signature().to_owned()).collect();
    assert_eq!(
        signatures,
        [
            sign_webhook(&Credentials::new("key-7".parse().unwrap(), "secret-7".parse().unwrap()), body)
                .signature()
                .to_owned(),
            sign_webhook(&rotated, body).signature().to_owned(),
        ]
    );
    for signature in &signatures {
        assert!(verify_webhook(&ring, "key-7", signature, body).is_ok());
    }
    let last = sign_webhook(&Credentials::new("key-99999".parse().unwrap(), "secret-99999".parse().unwrap()), body);
    assert!(verify_webhook(&ring, "key-99999", last.signature(), body).is_ok());
    assert!(verify_webhook(&ring, "key-99998", last.signature(), body).is_err());
}
