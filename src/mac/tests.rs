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
        (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
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
