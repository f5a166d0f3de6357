//! A minimal channel signer for `wasm32-unknown-unknown`, to measure what the library
//! costs in a `.wasm` (README, "Edge runtimes"); `.ci/wasm.sh` builds it and prints the
//! size.
//!
//! The host writes `key\nsecret\nsocket_id\nchannel_name` into the buffer at `buffer()`
//! (at most [`IO_LEN`] bytes), calls `sign(len)`, and reads the `{"auth":…}` JSON back
//! from the same buffer: `sign` returns its length, or `-1` when an input is invalid
//! (nothing is signed for it). No clock, no randomness, no imports.

use std::sync::Mutex;

use channel_auth::{ChannelName, Credentials, SocketId, sign_channel_auth};

/// The size of the shared input/output buffer.
pub const IO_LEN: usize = 4096;

static IO: Mutex<[u8; IO_LEN]> = Mutex::new([0; IO_LEN]);

/// The address of the shared buffer, for the host to write the input into.
#[unsafe(no_mangle)]
pub extern "C" fn buffer() -> *mut u8 {
    IO.lock().map_or(std::ptr::null_mut(), |mut io| io.as_mut_ptr())
}

/// Signs the input held in the first `len` bytes of the buffer; see the crate docs.
#[unsafe(no_mangle)]
pub extern "C" fn sign(len: usize) -> i32 {
    let Ok(mut io) = IO.lock() else { return -1 };
    let Some(json) = io.get(..len).and_then(sign_input) else { return -1 };
    match io.get_mut(..json.len()) {
        Some(out) => {
            out.copy_from_slice(json.as_bytes());
            i32::try_from(json.len()).unwrap_or(-1)
        }
        None => -1,
    }
}

fn sign_input(input: &[u8]) -> Option<String> {
    let mut lines = std::str::from_utf8(input).ok()?.split('\n');
    let credentials = Credentials::new(lines.next()?.parse().ok()?, lines.next()?.parse().ok()?);
    let socket_id: SocketId = lines.next()?.parse().ok()?;
    let channel: ChannelName = lines.next()?.parse().ok()?;
    sign_channel_auth(&credentials, &socket_id, &channel).ok().map(|auth| auth.to_json())
}
