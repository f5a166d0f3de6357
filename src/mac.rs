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
        if bool::from(self.matches_hex(parts, received)) {
            Ok(())
        } else {
            Err(VerifyError::InvalidSignature)
        }
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
mod tests {
    use zeroize::ZeroizeOnDrop;

    use super::*;

    /// Whether `T` implements `ZeroizeOnDrop`, read at compile time: the inherent
    /// constant exists only where the bound holds, and then wins over the trait's.
    struct Probe<T>(core::marker::PhantomData<T>);

    trait NotZeroizedOnDrop {
        const WIPED: bool = false;
    }

    impl<T> NotZeroizedOnDrop for Probe<T> {}

    impl<T: ZeroizeOnDrop> Probe<T> {
        const WIPED: bool = true;
    }

    /// What the module docs say is wiped and what is not, checked at compile time. If
    /// the second check fails, the `hmac` in use wipes its keyed state: say so in the
    /// docs of this module, `Credentials`, `AppSecret` and the crate.
    #[test]
    fn the_key_block_is_wiped_and_the_keyed_state_is_not() {
        const { assert!(Probe::<Zeroizing<[u8; BLOCK_LEN]>>::WIPED) };
        const { assert!(!Probe::<Hmac<Sha256>>::WIPED) };
        const { assert!(!Probe::<MacKey>::WIPED) };
    }

    fn hex(tag: &[u8; TAG_LEN]) -> String {
        String::from_utf8(hex_tag(tag).to_vec()).unwrap()
    }

    #[test]
    fn hex_matches_the_hex_crate() {
        let all: Vec<u8> = (0..=255).collect();
        for chunk in all.chunks_exact(TAG_LEN) {
            let tag: [u8; TAG_LEN] = chunk.try_into().unwrap();
            assert_eq!(hex(&tag), hex::encode(tag));
            assert_eq!(decode_hex_tag(&hex(&tag)), Some(tag));
        }
        let key = MacKey::new(b"k");
        let mut out = "prefix:".to_owned();
        key.push_hex_tag(&mut out, &[b"m"]);
        assert_eq!(out, format!("prefix:{}", hex(&key.tag(&[b"m"]))));
    }

    /// RFC 4231 test cases 1 (short key), 2 (short key and data), 3 (50 bytes of data),
    /// 6 (a 131-byte key, longer than a block, which exercises the key hashing in
    /// `MacKey::new`) and 7 (that key and 152 bytes of data: three inner blocks).
    #[test]
    fn rfc4231() {
        let cases: [(&[u8], &[u8], &str); 5] = [
            (&[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (&[0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (
                &[0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. \
                  The key needs to be hashed before being used by the HMAC algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (key, data, want) in cases {
            let key = MacKey::new(key);
            assert_eq!(hex(&key.tag(&[data])), want);
            assert_eq!(key.verify_hex(&[data], want), Ok(()));
        }
    }

    /// Keys shorter than, as long as and longer than a block, and every message length
    /// from 0 to 300 bytes fed whole and in parts: the same tag as the `hmac` crate keyed
    /// the ordinary way.
    #[test]
    fn matches_the_hmac_crate_keyed_per_call() {
        let message: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for key_len in [0, 1, 20, 55, 63, 64, 65, 131] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 13 + 1) as u8).collect();
            let mac = MacKey::new(&key);
            for len in 0..=message.len() {
                let m = &message[..len];
                let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
                reference.update(m);
                let want: [u8; TAG_LEN] = reference.finalize().into_bytes().into();
                let (a, b) = m.split_at(len / 3);
                let (b, c) = b.split_at(b.len() / 2);
                assert_eq!(mac.tag(&[m]), want, "key {key_len}, message {len}");
                assert_eq!(mac.tag(&[a, b, c, b""]), want, "key {key_len}, message {len}, in parts");
            }
        }
    }

    #[test]
    fn a_block_sized_key_is_used_as_is() {
        // 64 bytes: neither hashed nor padded. Compare with the library's own keying.
        let key = [0x5c; 64];
        let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        reference.update(b"m");
        let want = hex::encode(reference.finalize().into_bytes());
        assert_eq!(hex(&MacKey::new(&key).tag(&[b"m"])), want);
        let long = [0x5c; 65];
        let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&long).unwrap();
        reference.update(b"m");
        assert_eq!(hex(&MacKey::new(&long).tag(&[b"m"])), hex::encode(reference.finalize().into_bytes()));
    }

    #[test]
    fn hex_tag_is_the_pushed_hex() {
        let key = MacKey::new(b"k");
        let mut pushed = String::from("x");
        key.push_hex_tag(&mut pushed, &[b"m"]);
        assert_eq!(key.hex_tag(&[b"m"]), pushed[1..]);
        assert_eq!(key.hex_tag(&[b"m"]).len(), HEX_TAG_LEN);
        assert_eq!(key.verify_hex(&[b"m"], &key.hex_tag(&[b"m"])), Ok(()));
    }

    #[test]
    fn only_lowercase_hex_digits_decode() {
        let good = hex(&[0xab; TAG_LEN]);
        for b in 0..=255u8 {
            let digit = b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
            for position in [0, 1, 31, 62, 63] {
                let mut bytes = good.clone().into_bytes();
                bytes[position] = b;
                if let Ok(s) = String::from_utf8(bytes) {
                    assert_eq!(decode_hex_tag(&s).is_some(), digit, "{b:#x} at {position}");
                }
            }
        }
    }

    #[test]
    fn parts_are_concatenated() {
        let key = MacKey::new(b"k");
        assert_eq!(key.tag(&[b"ab", b"c"]), key.tag(&[b"abc"]));
        assert_eq!(key.tag(&[b"", b"abc", b""]), key.tag(&[b"abc"]));
    }

    #[test]
    fn secret_eq_compares_whole_secrets() {
        assert!(bool::from(secret_eq(b"password", b"password")));
        for other in [&b""[..], b"passwor", b"password ", b"Password", b"passwore", b"\0password"] {
            assert!(!bool::from(secret_eq(b"password", other)), "{other:?}");
        }
    }

    #[test]
    fn junk_signatures_are_invalid() {
        let key = MacKey::new(b"k");
        let good = hex(&key.tag(&[b"m"]));
        let upper = good.to_uppercase();
        let cases = [
            String::new(),
            "0".to_owned(),
            good[..63].to_owned(),
            format!("{good}0"),
            format!("{}g", &good[..63]),
            format!(" {}", &good[..63]),
            upper,
            "é".repeat(32),
        ];
        for case in cases {
            assert_eq!(key.verify_hex(&[b"m"], &case), Err(VerifyError::InvalidSignature), "{case:?}");
        }
        assert_eq!(key.verify_hex(&[b"m"], &good), Ok(()));
        assert_eq!(key.verify_hex(&[b"n"], &good), Err(VerifyError::InvalidSignature));
    }

    /// A pair of two non-hex characters is refused like any other: it must not decode
    /// (say, to 0x00, which it would if the two digits' "not hex" marks cancelled out).
    #[test]
    fn pairs_of_non_hex_digits_are_invalid() {
        for junk in ["gg", "zz", "GG", "g\0", "  ", "::"] {
            assert_eq!(decode_hex_tag(&junk.repeat(TAG_LEN)), None, "{junk:?}");
        }
        // A tag with a zero byte, that byte spelled "gg" instead of "00": invalid.
        let key = MacKey::new(b"k");
        let (message, good) = (0u32..10_000)
            .map(|i| i.to_string())
            .map(|m| {
                let good = hex(&key.tag(&[m.as_bytes()]));
                (m, good)
            })
            .find(|(_, good)| good.as_bytes().chunks(2).any(|pair| pair == b"00"))
            .unwrap();
        let at = good.as_bytes().chunks(2).position(|pair| pair == b"00").unwrap() * 2;
        let spoofed = format!("{}gg{}", &good[..at], &good[at + 2..]);
        assert_eq!(key.verify_hex(&[message.as_bytes()], &good), Ok(()));
        assert_eq!(key.verify_hex(&[message.as_bytes()], &spoofed), Err(VerifyError::InvalidSignature));
    }
}
