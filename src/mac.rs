//! The one place that computes and compares MACs.
//!
//! HMAC-SHA256, keyed once ([`MacKey::new`]) and cloned per signature; the message is
//! fed in parts, so no string-to-sign is ever concatenated into a temporary buffer.
//! Signatures go out as lowercase hex and come in as lowercase hex, decoded into 32
//! bytes and compared in constant time. Nothing here knows what a purpose is.
//!
//! # What is wiped from memory, and what is not
//!
//! Wiped (zeroized when dropped): the key block [`MacKey::new`] builds (the secret,
//! zero-padded, or its SHA-256 hash when longer than a block: hashed straight into the
//! block, so no other copy of the hash is made here), and the hash of the expected
//! secret in [`secret_eq`] (written straight into a zeroized buffer).
//!
//! **Not wiped**, with no way to wipe it from here: the keyed HMAC-SHA256 state that
//! [`MacKey`] holds for as long as its credentials live, that is, SHA-256's inner and
//! outer states after one block each of `key ⊕ ipad` and `key ⊕ opad`. They are not
//! the secret (getting it back from them means inverting SHA-256's compression), but
//! they are all it takes to compute every tag the secret computes: whoever reads them
//! can forge whatever that key signs (channel and user authorizations, HTTP API
//! requests and webhooks under an app secret; Faye tokens under a Faye secret). Why: `hmac` 0.12.1, `digest` 0.10.7 and `sha2` 0.10.9 implement
//! neither `Zeroize` nor `ZeroizeOnDrop` for `Hmac<Sha256>`, `HmacCore` or
//! `Sha256VarCore` (`hmac` has only the `reset` and `std` features, `digest` and `sha2`
//! no `zeroize` feature at all), and expose no `&mut` to the states' words; the one way
//! `zeroize` wipes a type that does not implement it, `zeroize_flat_type`, is an
//! `unsafe fn`, and this crate forbids `unsafe`. Overwriting the state with a plain
//! assignment would not be a wipe the compiler must keep (a dead store before a free may
//! be removed; `zeroize` exists to prevent that with volatile writes). Not wiped either,
//! for the same reason:
//! - each signature's clone of the keyed state (on the stack; `finalize` consumes it);
//! - `hmac`'s own copy of the key block inside `KeyInit::new` (`get_der_key`'s buffer,
//!   left holding `key ⊕ opad`: the padded secret XOR a constant, so the secret itself)
//!   on the stack until that memory is reused;
//! - SHA-256's block buffer after hashing a secret: a secret longer than a block here,
//!   the password in [`secret_eq`], `channel ‖ master key` in the encryption module.
//!
//! `hmac` 0.13 with `sha2` 0.11 and `digest` 0.11 (their `zeroize` feature) zeroize the
//! SHA-256 states on drop, so the states held here and each signature's clone would be
//! wiped; `hmac` 0.13's `KeyInit::new` still leaves its key block unwiped. That is a
//! major-version bump of every RustCrypto hash crate here (`md-5` too, to keep one
//! `digest`), not done.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use subtle::{Choice, ConstantTimeEq as _};
use zeroize::Zeroizing;

use crate::error::VerifyError;

/// Length of an HMAC-SHA256 tag, in bytes.
pub(crate) const TAG_LEN: usize = 32;
/// Length of a tag in hex.
pub(crate) const HEX_TAG_LEN: usize = 2 * TAG_LEN;
/// SHA-256's block size: an HMAC key is hashed or zero-padded to this.
const BLOCK_LEN: usize = 64;

/// A keyed HMAC-SHA256 state, cloned for each message.
///
/// The derived inner and outer states live as long as the key and are **not** wiped
/// when it is dropped (see the module docs: `hmac` 0.12 cannot, without `unsafe`); the
/// secret itself is zeroized by [`AppSecret`](crate::AppSecret).
#[derive(Clone)]
pub(crate) struct MacKey(Hmac<Sha256>);

impl MacKey {
    /// Keys HMAC-SHA256 with `key`.
    ///
    /// RFC 2104 first turns the key into one block: hashed when longer than a block,
    /// zero-padded otherwise. Doing that here lets the block-sized constructor, which
    /// cannot fail, be used, with no error path that could never be taken.
    ///
    /// The block is zeroized when this returns. The hash of a long key is written
    /// straight into it, and the block is passed by reference, so no copy of either is
    /// left in a temporary of ours (`hmac`'s and `sha2`'s own are: see the module docs).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
        if key.len() > BLOCK_LEN {
            // A 64-byte block always has a 32-byte head: the `else` is never taken.
            if let Some((head, _)) = block.split_first_chunk_mut::<TAG_LEN>() {
                Sha256::new().chain_update(key).finalize_into(head.into());
            }
        } else {
            for (dst, src) in block.iter_mut().zip(key) {
                *dst = *src;
            }
        }
        let block: &[u8; BLOCK_LEN] = &block;
        Self(<Hmac<Sha256> as KeyInit>::new(block.into()))
    }

    /// The tag of the concatenation of `parts`.
    #[inline]
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_LEN] {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The lowercase hex tag of the concatenation of `parts`.
    #[inline]
    pub(crate) fn hex_tag(&self, parts: &[&[u8]]) -> String {
        let mut out = String::with_capacity(HEX_TAG_LEN);
        self.push_hex_tag(&mut out, parts);
        out
    }

    /// Appends the lowercase hex tag of the concatenation of `parts` to `out`.
    ///
    /// The digits are written into a stack buffer and appended with one copy, rather than
    /// pushed one `char` at a time (64 capacity checks and UTF-8 length branches).
    #[inline]
    pub(crate) fn push_hex_tag(&self, out: &mut String, parts: &[&[u8]]) {
        let hex = hex_tag(&self.tag(parts));
        match core::str::from_utf8(&hex) {
            // Always taken: hex digits are ASCII. Checking costs a few word loads.
            Ok(digits) => out.push_str(digits),
            Err(_) => out.extend(hex.iter().map(|&b| char::from(b))),
        }
    }

    /// Checks `received` (64 lowercase hex digits) against the tag of `parts`.
    ///
    /// Anything that is not 64 lowercase hex digits is an invalid signature. The
    /// comparison of the tag bytes is constant-time; the decoding looks only at
    /// `received`, which the sender already knows.
    ///
    /// # Errors
    /// [`VerifyError::InvalidSignature`], whatever the reason.
    pub(crate) fn verify_hex(&self, parts: &[&[u8]], received: &str) -> Result<(), VerifyError> {
        if bool::from(self.matches_hex(parts, received)) { Ok(()) } else { Err(VerifyError::InvalidSignature) }
    }

    /// Whether `received` is the lowercase hex tag of the concatenation of `parts`, as a
    /// [`Choice`] for callers that combine several results without branching on them.
    ///
    /// Text that is not 64 lowercase hex digits never matches (and no tag is computed:
    /// that depends only on `received`, which the sender already knows).
    pub(crate) fn matches_hex(&self, parts: &[&[u8]], received: &str) -> Choice {
        match decode_hex_tag(received) {
            Some(received) => tag_words(&self.tag(parts)).ct_eq(&tag_words(&received)),
            None => Choice::from(0),
        }
    }
}

/// Whether `received` equals the secret `expected`, in constant time.
///
/// Both are hashed with SHA-256 first and the digests compared with `subtle`, so neither
/// the position of the first difference nor the length of `expected` shows in the time
/// taken; the time depends on the length of `received` only, which its sender knows.
///
/// The hash of `expected` is written straight into a buffer zeroized on return.
pub(crate) fn secret_eq(expected: &[u8], received: &[u8]) -> Choice {
    let mut expected_hash = Zeroizing::new([0u8; TAG_LEN]);
    Sha256::new().chain_update(expected).finalize_into((&mut *expected_hash).into());
    let received = <[u8; TAG_LEN]>::from(Sha256::digest(received));
    expected_hash.ct_eq(&received)
}

/// The lowercase hex digit (ASCII) of the low nibble of `n`, without a branch or a table.
#[inline]
fn hex_digit(n: u8) -> u8 {
    let n = n & 0x0f;
    // 0x80 is set in (9 - n) exactly when n > 9: then add the gap between '9'+1 and 'a'.
    let gap = ((9u8.wrapping_sub(n) >> 7) & 1) * (b'a' - b'0' - 10);
    b'0' + n + gap
}

/// The 64 lowercase hex digits of a tag, as ASCII bytes.
#[inline]
fn hex_tag(tag: &[u8; TAG_LEN]) -> [u8; HEX_TAG_LEN] {
    let mut out = [0u8; HEX_TAG_LEN];
    for (pair, &b) in out.chunks_exact_mut(2).zip(tag) {
        if let [hi, lo] = pair {
            *hi = hex_digit(b >> 4);
            *lo = hex_digit(b);
        }
    }
    out
}

/// A tag as four words, for the constant-time compare.
///
/// `subtle` compares a slice element by element, each through an optimization barrier
/// (a call and a volatile read): over words that is 4 barriers rather than 32, and just
/// as constant-time. Byte order does not matter, only that both sides use the same.
#[inline]
fn tag_words(tag: &[u8; TAG_LEN]) -> [u64; TAG_LEN / 8] {
    let mut words = [0u64; TAG_LEN / 8];
    for (word, bytes) in words.iter_mut().zip(tag.chunks_exact(8)) {
        let mut buf = [0u8; 8];
        buf.copy_from_slice(bytes);
        *word = u64::from_le_bytes(buf);
    }
    words
}

/// Marks a byte that is not a lowercase hex digit in [`HEX_VALUES`].
const NOT_HEX: u8 = 0x10;

/// The value of each byte as a lowercase hex digit, or [`NOT_HEX`].
static HEX_VALUES: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 16 {
        // `i < 16`: both indexes are in bounds, and this runs at compile time anyway.
        #[allow(clippy::indexing_slicing)]
        {
            table[b"0123456789abcdef"[i] as usize] = i as u8;
        }
        i += 1;
    }
    table
};

/// The value of the lowercase hex digit `c`, or [`NOT_HEX`].
#[inline]
fn nibble(c: u8) -> u8 {
    // Every u8 indexes a 256-entry table: `get` cannot miss, and the check folds away.
    HEX_VALUES.get(usize::from(c)).copied().unwrap_or(NOT_HEX)
}

/// Decodes exactly 64 lowercase hex digits.
///
/// One table load per digit and no early exit inside the loop: a bad digit is noted in
/// `bad` and refused at the end.
fn decode_hex_tag(s: &str) -> Option<[u8; TAG_LEN]> {
    let digits: &[u8; HEX_TAG_LEN] = s.as_bytes().try_into().ok()?;
    let mut out = [0u8; TAG_LEN];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        if let [hi, lo] = pair {
            let (hi, lo) = (nibble(*hi), nibble(*lo));
            bad |= hi | lo;
            *byte = join_nibbles(hi, lo);
        }
    }
    (bad & NOT_HEX == 0).then_some(out)
}

/// A received signature that verified, as its 32 bytes: kept by the verified values
/// ([`VerifiedWebhook`](crate::webhook::VerifiedWebhook),
/// [`VerifiedApiRequest`](crate::api::VerifiedApiRequest)) for the replay key only.
///
/// No `==` and a redacting `Debug`: a verified signature is the expected one, which
/// never appears in logs.
#[derive(Clone)]
pub(crate) struct VerifiedTag([u8; TAG_LEN]);

impl VerifiedTag {
    /// The tag of a signature header that verified: `None` when `received` is not 64
    /// lowercase hex digits (then it did not verify either).
    pub(crate) fn decode(received: &str) -> Option<Self> {
        decode_hex_tag(received).map(Self)
    }

    /// The tag's bytes.
    pub(crate) fn bytes(&self) -> &[u8; TAG_LEN] {
        &self.0
    }
}

impl core::fmt::Debug for VerifiedTag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("VerifiedTag([redacted])")
    }
}

/// The byte whose high nibble is `hi`'s low nibble and whose low nibble is `lo`'s.
///
/// Its own function so that mutation testing can name this expression: `|` and `^`
/// give the same byte here (the operands share no set bit), an equivalent mutant
/// excluded in `.cargo/mutants.toml` by this function's name.
#[inline]
fn join_nibbles(hi: u8, lo: u8) -> u8 {
    (hi << 4) | (lo & 0x0f)
}

#[cfg(test)]
mod tests;
