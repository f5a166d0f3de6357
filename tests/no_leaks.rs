//! No secret and no expected signature ever appears in `Debug`, `Display` or an error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::faye::{
    FayeTokenScope, sign_faye_token, verify_faye_message, verify_faye_password, verify_faye_token,
};
use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook, verify_webhook};
use channel_auth::{
    AppSecret, Credentials, EncryptionMasterKey, Keyring, sign_channel_auth, verify_channel_auth, verify_user_auth,
};

const SECRET: &str = "7ad3773142a6692b25b8";
const MASTER_B64: &str = "zyrm8pvV2C9fJcBfhyXzvxbJVN/H7QLmbe0xJi1GhPU=";

fn creds() -> Credentials {
    Credentials::new("278d425bdf160c739803".parse().unwrap(), SECRET.parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_base64(MASTER_B64).unwrap())
}

fn assert_clean(text: &str, forbidden: &[&str]) {
    for f in forbidden {
        assert!(!text.contains(f), "{text:?} contains {f:?}");
    }
}

#[test]
fn debug_of_secrets_shows_no_secret() {
    let secret: AppSecret = SECRET.parse().unwrap();
    let master = EncryptionMasterKey::from_base64(MASTER_B64).unwrap();
    let master_hex = hex::encode(base64_decode(MASTER_B64));
    for text in [
        format!("{secret:?}"),
        format!("{secret:#?}"),
        format!("{master:?}"),
        format!("{:?}", creds()),
        format!("{:#?}", creds()),
        format!("{:?}", channel_auth::Keyring::new([creds()])),
    ] {
        assert_clean(&text, &[SECRET, MASTER_B64, &master_hex]);
    }
    assert_eq!(format!("{secret:?}"), "AppSecret([redacted])");
    assert_eq!(format!("{master:?}"), "EncryptionMasterKey([redacted])");
    let shown = format!("{:?}", creds());
    assert!(shown.contains("278d425bdf160c739803"), "the public key should still be shown: {shown}");
}

#[test]
fn failed_verification_shows_no_secret_or_expected_signature() {
    let creds = creds();
    let socket = "1234.1234".parse().unwrap();
    let channel = "private-encrypted-foobar".parse().unwrap();
    let good = sign_channel_auth(&creds, &socket, &channel).unwrap();
    let expected_sig = good.auth().split_once(':').unwrap().1.to_owned();
    let shared = good.shared_secret().unwrap().to_owned();
    assert!(!format!("{good:?}").contains(&shared), "shared secret in Debug");

    let forged = format!("278d425bdf160c739803:{}", "0".repeat(64));
    let err = verify_channel_auth(&creds, &socket, &channel, None, &forged).unwrap_err();
    let err_user = verify_user_auth(&creds, &socket, "{}", &forged).unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), err_user.to_string(), format!("{err_user:?}")] {
        assert_clean(&text, &[SECRET, &expected_sig, &shared]);
    }
}

#[test]
fn refused_secrets_are_not_quoted() {
    let long = format!("{SECRET}{}", "x".repeat(1100));
    let err = long.parse::<AppSecret>().unwrap_err();
    assert_clean(&err.to_string(), &[SECRET]);
    assert_clean(&format!("{err:?}"), &[SECRET]);
    let bad_b64 = "c2VjcmV0LXNlY3JldC1zZWNyZXQ";
    let err = EncryptionMasterKey::from_base64(bad_b64).unwrap_err();
    assert_clean(&format!("{err} {err:?}"), &[bad_b64]);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn api_webhook_and_faye_errors_show_no_secret_or_expected_signature() {
    let creds = creds();
    let ring = Keyring::new([creds.clone()]);
    let at = UNIX_EPOCH + Duration::from_secs(1_353_088_179);

    let query = sign_api_request(&creds, Method::Post, "/apps/3/events", &[], b"{}", at).unwrap();
    let expected_api = query.as_str().rsplit_once("auth_signature=").unwrap().1.to_owned();
    let forged = query.as_str().replace(&expected_api, &"0".repeat(64));
    let api_err = verify_api_request(&ring, Method::Post, "/apps/3/events", &forged, b"{}", at).unwrap_err();

    let body = br#"{"time_ms":1,"events":[]}"#;
    let expected_hook = sign_webhook(&creds, body).signature().to_owned();
    let hook_err = verify_webhook(&ring, "278d425bdf160c739803", &"0".repeat(64), body).unwrap_err();
    let parse_err = verify_and_parse_webhook(&ring, "278d425bdf160c739803", &"0".repeat(64), body).unwrap_err();
    let verified = verify_and_parse_webhook(&ring, "278d425bdf160c739803", &expected_hook, body).unwrap();

    let secret: AppSecret = SECRET.parse().unwrap();
    let user = "u".parse().unwrap();
    let expected_faye = sign_faye_token(&secret, &user, None).as_str().to_owned();
    let faye_err = verify_faye_token(&secret, &user, None, &"0".repeat(64)).unwrap_err();

    for text in [
        api_err.to_string(),
        format!("{api_err:?}"),
        hook_err.to_string(),
        format!("{hook_err:?}"),
        parse_err.to_string(),
        format!("{parse_err:?}"),
        faye_err.to_string(),
        format!("{faye_err:?}"),
        format!("{verified:?}"),
    ] {
        assert_clean(&text, &[SECRET, &expected_api, &expected_hook, &expected_faye]);
    }
}

/// Encrypted payloads: no error, `Debug` or `Display` of any failure shows the master
/// key, the channel's shared secret (base64 or hex) or any byte of the plaintext.
#[test]
fn encryption_errors_show_no_key_or_plaintext() {
    use channel_auth::ChannelName;
    use channel_auth::encryption::{decrypt_payload, encrypt_payload, encrypt_payload_with_nonce};
    use channel_auth::webhook::WebhookEvent;
    use sha2::Digest as _;

    const PLAINTEXT: &str = "attack-at-dawn-PLAINTEXT-MARKER";
    let creds = creds();
    let channel: ChannelName = "private-encrypted-leak".parse().unwrap();
    let other: ChannelName = "private-encrypted-other".parse().unwrap();
    let shared =
        sha2::Sha256::new().chain_update(b"private-encrypted-leak").chain_update(base64_decode(MASTER_B64)).finalize();
    let shared_b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, shared);
    let shared_hex = hex::encode(shared);
    let master_hex = hex::encode(base64_decode(MASTER_B64));
    let forbidden = [MASTER_B64, &master_hex, &shared_b64, &shared_hex, PLAINTEXT, SECRET];

    let data = encrypt_payload(&creds, &channel, PLAINTEXT.as_bytes()).unwrap();
    assert_clean(&data, &forbidden);
    let fixed = encrypt_payload_with_nonce(&creds, &channel, PLAINTEXT.as_bytes(), [0; 24]).unwrap();
    assert_clean(&fixed, &forbidden);
    let mut tampered = data.clone().into_bytes();
    let at = tampered.len() - 4;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let no_master = Credentials::new("278d425bdf160c739803".parse().unwrap(), SECRET.parse().unwrap());
    let failures = [
        decrypt_payload(&creds, &other, &data).unwrap_err(),
        decrypt_payload(&creds, &channel, &tampered).unwrap_err(),
        decrypt_payload(&creds, &channel, PLAINTEXT).unwrap_err(),
        decrypt_payload(&creds, &channel, &format!(r#"{{"nonce":"{PLAINTEXT}","ciphertext":"{PLAINTEXT}"}}"#))
            .unwrap_err(),
        decrypt_payload(&no_master, &channel, &data).unwrap_err(),
        decrypt_payload(&creds, &"private-leak".parse().unwrap(), &data).unwrap_err(),
    ];
    for err in failures {
        assert_clean(&format!("{err} {err:?} {err:#?}"), &forbidden);
    }
    let refused = encrypt_payload(&no_master, &channel, PLAINTEXT.as_bytes()).unwrap_err();
    assert_clean(&format!("{refused} {refused:?}"), &forbidden);

    // A verified webhook carrying the encrypted event: its Debug shows the ciphertext
    // only, and a failed decryption shows nothing more.
    let body =
        serde_json::json!({"time_ms": 1, "events": [{"name": "client_event", "channel": "private-encrypted-leak",
        "event": "client-x", "data": data, "socket_id": "1.1"}]})
        .to_string();
    let signed = sign_webhook(&creds, body.as_bytes());
    let ring = Keyring::new([creds.clone()]);
    let verified =
        verify_and_parse_webhook(&ring, "278d425bdf160c739803", signed.signature(), body.as_bytes()).unwrap();
    assert_clean(&format!("{verified:?}"), &forbidden);
    let event: &WebhookEvent = &verified.webhook().events()[0];
    assert_eq!(verified.decrypt_data(event).unwrap().unwrap(), PLAINTEXT.as_bytes());
    let err = event.decrypt_data(&no_master).unwrap_err();
    assert_clean(&format!("{err} {err:?}"), &forbidden);
}

#[test]
fn faye_message_and_password_errors_show_no_secret_or_expected_token() {
    let secret: AppSecret = SECRET.parse().unwrap();
    let channel = "/chat/alice".parse().unwrap();
    let expected = sign_faye_token(&secret, &"alice".parse().unwrap(), Some(&channel)).as_str().to_owned();
    let bare = sign_faye_token(&secret, &"alice".parse().unwrap(), None).as_str().to_owned();
    let message = serde_json::json!({
        "channel": "/meta/subscribe", "subscription": "/chat/alice",
        "ext": { "userId": "alice", "token": "0".repeat(64) },
    });
    // A publication carrying the right subscribe token, under a subscribe-only scope.
    let publish = serde_json::json!({ "channel": "/chat/alice", "ext": { "userId": "alice", "token": &expected } });
    let errors = [
        verify_faye_message(&secret, &message, FayeTokenScope::ChannelBound).unwrap_err(),
        verify_faye_message(&secret, &message, FayeTokenScope::UserOnly).unwrap_err(),
        verify_faye_message(&secret, &publish, FayeTokenScope::ChannelBound).unwrap_err(),
        verify_faye_password(&secret, &serde_json::json!({ "ext": { "password": "guess" } })).unwrap_err(),
        verify_faye_password(&secret, &serde_json::json!({ "ext": { "password": &SECRET[..10] } })).unwrap_err(),
    ];
    for err in &errors {
        for text in [err.to_string(), format!("{err:?}"), channel_auth::Error::from(err.clone()).to_string()] {
            assert_clean(&text, &[SECRET, &SECRET[..10], &expected, &bare]);
        }
    }
}
