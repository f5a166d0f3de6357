//! `decrypt_payload` on arbitrary `data`: never panics; refuses everything the fuzzer can
//! make (it cannot forge a Poly1305 tag) with the error the format calls for (checked
//! here independently); and, with the input as a plaintext, encrypt → decrypt
//! round-trips while any one flipped byte of the result fails closed.
//!
//! Input: the `data` string (invalid UTF-8 replaced). The channel and master key are
//! fixed, so the seeds' known-good payloads open.

#![no_main]

use base64::Engine as _;
use channel_auth::encryption::{PayloadFault, decrypt_payload, encrypt_payload_with_nonce};
use channel_auth::{ChannelName, Credentials, EncryptionMasterKey, VerifyError};
use channel_auth_fuzz::text;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The fixed master key: 0x00, 0x01, ..., 0x1f.
fn creds() -> Credentials {
    Credentials::new("key".parse().expect("valid"), "secret".parse().expect("valid"))
        .with_encryption_master_key(EncryptionMasterKey::from_bytes(core::array::from_fn(|i| i as u8)))
}

/// What the format says about `data`, before any cryptography: `Err(fault)` when it is
/// malformed, `Ok(())` when it is well-formed (and must then fail authentication).
fn expected(data: &str) -> Result<(), PayloadFault> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(data) else { return Err(PayloadFault::NotJsonObject) };
    let string = |f: &'static str| map.get(f).and_then(Value::as_str).ok_or(PayloadFault::MissingField { field: f });
    let nonce = string("nonce")?;
    let ciphertext = string("ciphertext")?;
    if map.len() > 2 {
        return Err(PayloadFault::UnexpectedField);
    }
    let nonce = b64.decode(nonce).map_err(|_| PayloadFault::InvalidBase64 { field: "nonce" })?;
    if nonce.len() != 24 {
        return Err(PayloadFault::NonceLength { len: nonce.len() });
    }
    let ciphertext = b64.decode(ciphertext).map_err(|_| PayloadFault::InvalidBase64 { field: "ciphertext" })?;
    if ciphertext.len() < 16 {
        return Err(PayloadFault::CiphertextTooShort { len: ciphertext.len() });
    }
    Ok(())
}

fuzz_target!(|bytes: &[u8]| {
    let creds = creds();
    let channel: ChannelName = "private-encrypted-fuzz".parse().expect("valid");
    let data = text(bytes);

    match (decrypt_payload(&creds, &channel, &data), expected(&data)) {
        // Only a payload sealed under this key opens (the seeds have a few): then sealing
        // its plaintext again under its nonce gives back exactly its ciphertext.
        (Ok(plaintext), Ok(())) => {
            let v: Value = serde_json::from_str(&data).expect("checked");
            let nonce = base64::engine::general_purpose::STANDARD.decode(v["nonce"].as_str().expect("checked"));
            let nonce: [u8; 24] = nonce.expect("checked").try_into().expect("checked");
            let again = encrypt_payload_with_nonce(&creds, &channel, &plaintext, nonce).expect("encrypts");
            let again: Value = serde_json::from_str(&again).expect("JSON");
            assert_eq!(again["ciphertext"], v["ciphertext"], "opened something that is not our sealing");
        }
        (Err(VerifyError::DecryptionFailed), Ok(())) => {}
        // A duplicate field is invisible to the generic parse above, which keeps the last.
        (Err(VerifyError::MalformedPayload { fault: PayloadFault::DuplicateField }), _) => {}
        (Err(VerifyError::MalformedPayload { fault }), Err(want)) => assert_eq!(fault, want, "{data:?}"),
        (got, want) => panic!("{data:?}: got {got:?}, the format says {want:?}"),
    }

    // The input as a plaintext: round-trips, and one flipped character of the sealed
    // data never opens to anything.
    let nonce: [u8; 24] = core::array::from_fn(|i| bytes.get(i).copied().unwrap_or(0));
    let sealed = encrypt_payload_with_nonce(&creds, &channel, bytes, nonce).expect("encrypts");
    assert_eq!(decrypt_payload(&creds, &channel, &sealed).expect("round-trips"), bytes);
    if let Some(&first) = bytes.first() {
        let mut tampered = sealed.into_bytes();
        // Inside the base64 of the nonce or the ciphertext (skip `{"nonce":"`).
        let at = 10 + usize::from(first) % (tampered.len() - 12);
        if tampered[at].is_ascii_alphanumeric() {
            tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(tampered).expect("ASCII");
            assert!(decrypt_payload(&creds, &channel, &tampered).is_err(), "{tampered}");
        }
    }
});
