#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use crate::secret::AppSecret;
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/data/encryption.json");

fn vector(id: &str) -> Value {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    all["vectors"].as_array().unwrap().iter().find(|v| v["id"] == id).unwrap().clone()
}

fn b64(v: &Value) -> Vec<u8> {
    BASE64.decode(v.as_str().unwrap()).unwrap()
}

fn raw_key(channel: &str, master: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(channel.as_bytes()).chain_update(master).finalize().into()
}

fn nonce_of(v: &Value) -> [u8; NONCE_LEN] {
    b64(&v["nonce_b64"]).try_into().unwrap()
}

fn creds(master: [u8; 32]) -> Credentials {
    Credentials::new("key".parse().unwrap(), "secret".parse::<AppSecret>().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes(master))
}

fn channel(s: &str) -> ChannelName {
    s.parse().unwrap()
}

/// E1 (pusher-http-python): the key derivation from a 32-byte ASCII master key, then
/// seal and open.
#[test]
fn published_e1_python() {
    let v = vector("E1");
    let key = raw_key(v["channel"].as_str().unwrap(), v["master_key_ascii"].as_str().unwrap().as_bytes());
    assert_eq!(hex::encode(key), v["key_hex"].as_str().unwrap());
    let nonce: [u8; 24] = v["nonce_ascii"].as_str().unwrap().as_bytes().try_into().unwrap();
    assert_eq!(nonce, nonce_of(&v));
    let sealed = seal(&key, &nonce, v["plaintext"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(BASE64.encode(&sealed), v["ciphertext_b64"].as_str().unwrap());
    assert_eq!(open(&key, &nonce, &sealed).unwrap(), v["plaintext"].as_str().unwrap().as_bytes());
    // Through the typed API too: the 32 ASCII bytes are a valid master key.
    let master: [u8; 32] = v["master_key_ascii"].as_str().unwrap().as_bytes().try_into().unwrap();
    let name = channel(v["channel"].as_str().unwrap());
    assert_eq!(channel_key(&name, &EncryptionMasterKey::from_bytes(master)).as_slice(), key);
}

/// E2 (pusher-http-go): a 33-byte master key, below the typed API.
#[test]
fn published_e2_go() {
    let v = vector("E2");
    let master = v["master_key_ascii"].as_str().unwrap().as_bytes();
    assert_eq!(master.len(), 33);
    let key = raw_key(v["channel"].as_str().unwrap(), master);
    let ciphertext = b64(&v["ciphertext_b64"]);
    assert_eq!(open(&key, &nonce_of(&v), &ciphertext).unwrap(), v["plaintext"].as_str().unwrap().as_bytes());
    assert_eq!(seal(&key, &nonce_of(&v), b"Hello!").unwrap(), ciphertext);
}

/// E3 (pusher-websocket-swift): the shared secret as a client receives it.
#[test]
fn published_e3_swift() {
    let v = vector("E3");
    let key: [u8; 32] = b64(&v["shared_secret_b64"]).try_into().unwrap();
    let ciphertext = b64(&v["ciphertext_b64"]);
    let plaintext = open(&key, &nonce_of(&v), &ciphertext).unwrap();
    assert_eq!(plaintext, v["plaintext"].as_str().unwrap().as_bytes());
    assert_eq!(seal(&key, &nonce_of(&v), &plaintext).unwrap(), ciphertext);
}

/// E3-fail: the Swift suite's pair that must not open under E3's key.
#[test]
fn published_e3_fail_does_not_open() {
    let v = vector("E3-fail");
    assert_eq!(v["must_fail"], Value::Bool(true));
    let key: [u8; 32] = b64(&v["shared_secret_b64"]).try_into().unwrap();
    let ciphertext = b64(&v["ciphertext_b64"]);
    assert_eq!(open(&key, &nonce_of(&v), &ciphertext), Err(VerifyError::DecryptionFailed));
}

/// Full path, typed API: master key → shared secret → secretbox → `data` JSON.
const FULL_MASTER_KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const FULL_CHANNEL: &str = "private-encrypted-full-path";
const FULL_NONCE: [u8; 24] = [
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52,
    0x53, 0x54, 0x55, 0x56, 0x57,
];
const FULL_PLAINTEXT: &str = r#"{"message":"hello, encrypted world"}"#;
/// Computed independently with tweetnacl 1.0.3 and Node's crypto (tests/interop,
/// after `npm ci`), not with this crate:
///
/// ```text
/// node -e 'const nacl=require("tweetnacl"),c=require("crypto");
///   const m=Buffer.from("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","base64");
///   const k=c.createHash("sha256").update("private-encrypted-full-path").update(m).digest();
///   const n=Buffer.from([...Array(24).keys()].map(i=>0x40+i));
///   const p=Buffer.from(JSON.stringify({message:"hello, encrypted world"}));
///   console.log(k.toString("base64"));
///   console.log(JSON.stringify({nonce:n.toString("base64"),
///     ciphertext:Buffer.from(nacl.secretbox(p,n,k)).toString("base64")}))'
/// ```
const FULL_SHARED_SECRET: &str = "WWWXgJvo7J+3t3bkhUJIejbQGVxlMz3bxgOjQtIUaBU=";
const FULL_DATA: &str = r#"{"nonce":"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZX","ciphertext":"GZFKtZyuTC5uBr0FN+MUPxQJNp7ThfT/OKEVuOo49QIcdxHlXPvhUZH6BrTWcqyfxK7nDw=="}"#;

#[test]
fn full_path_known_answer() {
    let master = EncryptionMasterKey::from_base64(FULL_MASTER_KEY_B64).unwrap();
    let name = channel(FULL_CHANNEL);
    assert_eq!(shared_secret(&name, &master), FULL_SHARED_SECRET);
    let creds = creds(*master.expose());
    let data = encrypt_payload_with_nonce(&creds, &name, FULL_PLAINTEXT.as_bytes(), FULL_NONCE).unwrap();
    assert_eq!(data, FULL_DATA);
    assert_eq!(decrypt_payload(&creds, &name, FULL_DATA).unwrap(), FULL_PLAINTEXT.as_bytes());
}

#[test]
fn refuses_channels_that_are_not_encrypted_and_missing_master_keys() {
    let c = creds([1; 32]);
    for name in ["private-a", "presence-a", "news", "#server-to-user-a", "private-encrypted"] {
        assert_eq!(encrypt_payload(&c, &channel(name), b"x"), Err(AuthError::NotEncryptedChannel), "{name}");
        assert_eq!(encrypt_payload_with_nonce(&c, &channel(name), b"x", [0; 24]), Err(AuthError::NotEncryptedChannel));
        assert_eq!(decrypt_payload(&c, &channel(name), "{}"), Err(VerifyError::NotEncryptedChannel), "{name}");
    }
    let no_master = Credentials::new("key".parse().unwrap(), "secret".parse::<AppSecret>().unwrap());
    let enc = channel("private-encrypted-a");
    assert_eq!(encrypt_payload(&no_master, &enc, b"x"), Err(AuthError::Config(ConfigError::MissingMasterKey)));
    assert_eq!(decrypt_payload(&no_master, &enc, "{}"), Err(VerifyError::Config(ConfigError::MissingMasterKey)));
}

#[test]
fn malformed_data_names_the_fault() {
    let c = creds([1; 32]);
    let enc = channel("private-encrypted-a");
    let good_nonce = BASE64.encode([0_u8; 24]);
    let good_ct = BASE64.encode([0_u8; 16]);
    let fault = |data: &str| match decrypt_payload(&c, &enc, data) {
        Err(VerifyError::MalformedPayload { fault }) => fault,
        other => panic!("{data}: {other:?}"),
    };
    const NOT_JSON: &str = "hello";
    const ARRAY: &str = "[1,2]";
    const TRUNCATED: &str = r#"{"nonce":"#;
    assert_eq!(fault(NOT_JSON), PayloadFault::NotJsonObject);
    assert_eq!(fault(ARRAY), PayloadFault::NotJsonObject);
    assert_eq!(fault(TRUNCATED), PayloadFault::NotJsonObject);
    assert_eq!(fault("{}"), PayloadFault::MissingField { field: "nonce" });
    assert_eq!(fault(&format!(r#"{{"nonce":"{good_nonce}"}}"#)), PayloadFault::MissingField { field: "ciphertext" });
    assert_eq!(
        fault(&format!(r#"{{"nonce":1,"ciphertext":"{good_ct}"}}"#)),
        PayloadFault::MissingField { field: "nonce" }
    );
    assert_eq!(
        fault(&format!(r#"{{"nonce":"{good_nonce}","ciphertext":"{good_ct}","mac":"x"}}"#)),
        PayloadFault::UnexpectedField
    );
    assert_eq!(
        fault(&format!(r#"{{"nonce":"{good_nonce}","nonce":"{good_nonce}","ciphertext":"{good_ct}"}}"#)),
        PayloadFault::DuplicateField
    );
    assert_eq!(
        fault(&format!(r#"{{"nonce":"not base64!","ciphertext":"{good_ct}"}}"#)),
        PayloadFault::InvalidBase64 { field: "nonce" }
    );
    let unpadded = good_ct.trim_end_matches('=');
    assert_eq!(
        fault(&format!(r#"{{"nonce":"{good_nonce}","ciphertext":"{unpadded}"}}"#)),
        PayloadFault::InvalidBase64 { field: "ciphertext" }
    );
    let short_nonce = BASE64.encode([0_u8; 23]);
    assert_eq!(
        fault(&format!(r#"{{"nonce":"{short_nonce}","ciphertext":"{good_ct}"}}"#)),
        PayloadFault::NonceLength { len: 23 }
    );
    let short_ct = BASE64.encode([0_u8; 15]);
    assert_eq!(
        fault(&format!(r#"{{"nonce":"{good_nonce}","ciphertext":"{short_ct}"}}"#)),
        PayloadFault::CiphertextTooShort { len: 15 }
    );
    // Well-formed but forged: fails closed.
    assert_eq!(
        decrypt_payload(&c, &enc, &format!(r#"{{"ciphertext":"{good_ct}","nonce":"{good_nonce}"}}"#)),
        Err(VerifyError::DecryptionFailed)
    );
}

#[test]
fn data_json_is_exact_and_sized_right() {
    for len in [0, 1, 2, 3, 100, 1024] {
        let ct = vec![0xfb_u8; len + TAG_LEN];
        let json = data_json(&[0xff; 24], &ct);
        assert_eq!(json.len(), json.capacity(), "{len}");
        // The size the README states: 60 + 4 * ceil((n + 16) / 3).
        assert_eq!(json.len(), 60 + 4 * (len + 16).div_ceil(3), "{len}");
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["nonce"], BASE64.encode([0xff; 24]));
        assert_eq!(v["ciphertext"], BASE64.encode(&ct));
        assert!(json.starts_with(r#"{"nonce":""#));
    }
}

#[test]
fn shared_secret_matches_channel_auth() {
    // The value channel.rs hands to subscribers, pinned in its own tests.
    let master = EncryptionMasterKey::from_bytes([0x61; 32]);
    assert_eq!(
        shared_secret(&channel("private-encrypted-foo"), &master),
        BASE64.encode(raw_key("private-encrypted-foo", &[0x61; 32]))
    );
}
