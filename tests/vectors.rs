//! Known answers from `tests/data/published.json` (a copy of the team's
//! `shared/vectors/published.json`): each vector is checked on the sign side where our
//! types can express its input, and on the verify side always.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::faye::{FayeUserId, sign_faye_token, verify_faye_token};
use channel_auth::webhook::{WebhookEvent, sign_webhook, verify_and_parse_webhook, verify_webhook};
use channel_auth::{
    AppSecret, AuthError, ChannelKind, ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember,
    SocketId, UserData, UserId, VerifyError, sign_channel_auth, sign_presence_auth, sign_user_auth,
    verify_channel_auth, verify_user_auth,
};
use hmac::{Hmac, Mac};
use md5::Digest as _;
use serde_json::Value;
use sha2::Sha256;

const PUBLISHED: &str = include_str!("data/published.json");

fn vectors(purpose: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(PUBLISHED).unwrap();
    let found: Vec<Value> =
        all["vectors"].as_array().unwrap().iter().filter(|v| v["purpose"] == purpose).cloned().collect();
    assert!(!found.is_empty(), "no {purpose} vectors");
    found
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field].as_str().unwrap_or_else(|| panic!("{}: no string {field}", v["id"]))
}

fn creds(v: &Value) -> Credentials {
    Credentials::new(s(v, "key").parse().unwrap(), s(v, "secret").parse().unwrap())
}

/// An independent HMAC over the vector's own `string_to_sign`, so a wrong vector file
/// cannot make a wrong implementation pass.
fn check_vector_itself(v: &Value) {
    let mut mac = Hmac::<Sha256>::new_from_slice(s(v, "secret").as_bytes()).unwrap();
    mac.update(s(v, "string_to_sign").as_bytes());
    assert_eq!(hex::encode(mac.finalize().into_bytes()), s(v, "signature"), "{}", v["id"]);
}

fn expected_auth(v: &Value) -> String {
    format!("{}:{}", s(v, "key"), s(v, "signature"))
}

/// A different signature of the right shape, for negative checks.
fn flipped(auth: &str) -> String {
    let mut bytes = auth.as_bytes().to_vec();
    let last = bytes.last_mut().unwrap();
    *last = if *last == b'0' { b'1' } else { b'0' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn channel_vectors() {
    // `channel`: private and private-encrypted names (sign and verify); `string`: the
    // libraries' raw `socket:channel` vectors on public names (verify only: we refuse to
    // sign public channels).
    let dummy_master = EncryptionMasterKey::from_bytes([0; 32]);
    let mut signed = 0;
    for v in vectors("channel").into_iter().chain(vectors("string")) {
        check_vector_itself(&v);
        let socket: SocketId = s(&v, "socket_id").parse().unwrap();
        let channel: ChannelName = s(&v, "channel").parse().unwrap();
        assert_eq!(s(&v, "string_to_sign"), format!("{socket}:{channel}"));
        let creds = creds(&v).with_encryption_master_key(dummy_master.clone());
        let want = expected_auth(&v);

        assert_eq!(verify_channel_auth(&creds, &socket, &channel, None, &want), Ok(()), "{}", v["id"]);
        assert_eq!(
            verify_channel_auth(&creds, &socket, &channel, None, &flipped(&want)),
            Err(VerifyError::InvalidSignature)
        );
        match channel.kind() {
            ChannelKind::Private | ChannelKind::PrivateEncrypted => {
                let auth = sign_channel_auth(&creds, &socket, &channel).unwrap();
                assert_eq!(auth.auth(), want, "{}", v["id"]);
                signed += 1;
            }
            _ => assert_eq!(sign_channel_auth(&creds, &socket, &channel).err(), Some(AuthError::PublicChannel)),
        }
    }
    assert!(signed >= 4, "only {signed} channel vectors were signed");
}

#[test]
fn presence_vectors() {
    for v in vectors("presence") {
        check_vector_itself(&v);
        let socket: SocketId = s(&v, "socket_id").parse().unwrap();
        let channel: ChannelName = s(&v, "channel").parse().unwrap();
        let data = s(&v, "channel_data");
        assert_eq!(s(&v, "string_to_sign"), format!("{socket}:{channel}:{data}"));
        let creds = creds(&v);
        let want = expected_auth(&v);

        assert_eq!(verify_channel_auth(&creds, &socket, &channel, Some(data), &want), Ok(()));
        assert_eq!(verify_channel_auth(&creds, &socket, &channel, None, &want), Err(VerifyError::MissingChannelData));

        // Sign side when the data is what we emit: a string user_id (protocol 7) and
        // nothing but user_id and user_info. Numeric ids are verify-only.
        let parsed: Value = serde_json::from_str(data).unwrap();
        let obj = parsed.as_object().unwrap();
        let expressible = obj["user_id"].is_string() && obj.keys().all(|k| k == "user_id" || k == "user_info");
        if expressible {
            let member =
                PresenceMember::new(obj["user_id"].as_str().unwrap().parse().unwrap(), obj.get("user_info").cloned())
                    .unwrap();
            assert_eq!(member.channel_data(), data, "{}", v["id"]);
            let auth = sign_presence_auth(&creds, &socket, &channel, &member).unwrap();
            assert_eq!(auth.auth(), want, "{}", v["id"]);
            assert_eq!(auth.channel_data(), Some(data));
        }
    }
}

#[test]
fn user_vectors() {
    let mut signed = 0;
    for v in vectors("user") {
        check_vector_itself(&v);
        let socket: SocketId = s(&v, "socket_id").parse().unwrap();
        let data = s(&v, "user_data");
        assert_eq!(s(&v, "string_to_sign"), format!("{socket}::user::{data}"));
        let creds = creds(&v);
        let want = expected_auth(&v);

        assert_eq!(verify_user_auth(&creds, &socket, data, &want), Ok(()), "{}", v["id"]);
        assert_eq!(verify_user_auth(&creds, &socket, data, &flipped(&want)), Err(VerifyError::InvalidSignature));

        // Sign side for the fields UserData has (id, user_info, watchlist); vectors with
        // other, non-standard fields are verify-only.
        let parsed: Value = serde_json::from_str(data).unwrap();
        let obj = parsed.as_object().unwrap();
        if obj.keys().all(|k| k == "id") {
            let user = UserData::new(obj["id"].as_str().unwrap().parse().unwrap());
            let auth = sign_user_auth(&creds, &socket, &user).unwrap();
            assert_eq!(auth.user_data(), data);
            assert_eq!(auth.auth(), want, "{}", v["id"]);
            signed += 1;
        }
    }
    assert!(signed >= 4, "only {signed} user vectors were signed");
}

#[test]
fn shared_secret_vectors() {
    for v in vectors("shared_secret") {
        let master = EncryptionMasterKey::from_base64(s(&v, "master_key_base64")).unwrap();
        let creds =
            Credentials::new("key".parse().unwrap(), "secret".parse().unwrap()).with_encryption_master_key(master);
        let channel: ChannelName = s(&v, "channel").parse().unwrap();
        let auth = sign_channel_auth(&creds, &"1.1".parse().unwrap(), &channel).unwrap();
        assert_eq!(auth.shared_secret(), Some(s(&v, "shared_secret")), "{}", v["id"]);
        assert_eq!(
            auth.to_json(),
            format!(r#"{{"auth":"{}","shared_secret":"{}"}}"#, auth.auth(), s(&v, "shared_secret"))
        );
    }
}

#[test]
fn to_json_is_what_the_libraries_send() {
    let v = &vectors("presence")[0];
    let member = PresenceMember::new("10".parse().unwrap(), Some(serde_json::json!({"name": "Mr. Pusher"}))).unwrap();
    let auth =
        sign_presence_auth(&creds(v), &"1234.1234".parse().unwrap(), &"presence-foobar".parse().unwrap(), &member)
            .unwrap();
    assert_eq!(
        auth.to_json(),
        r#"{"auth":"278d425bdf160c739803:48dac51d2d7569e1e9c0f48c227d4b26f238fa68e5c0bb04222c966909c4f7c4","channel_data":"{\"user_id\":\"10\",\"user_info\":{\"name\":\"Mr. Pusher\"}}"}"#
    );
    assert_eq!(serde_json::to_string(&auth).unwrap(), auth.to_json());
}

#[test]
fn api_vectors() {
    for v in vectors("api") {
        check_vector_itself(&v);
        let id = &v["id"];
        let method: Method = s(&v, "method").parse().unwrap();
        let path = s(&v, "path");
        let body = v["body"].as_str().unwrap_or("").as_bytes();
        let timestamp = v["timestamp"].as_u64().unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(timestamp);
        let params: Vec<(&str, &str)> =
            v["params"].as_object().unwrap().iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())).collect();

        // The vector's string to sign is the documented one.
        let (head, signed_params) = s(&v, "string_to_sign").rsplit_once('\n').unwrap();
        assert_eq!(head, format!("{method}\n{path}"), "{id}");
        let mut expected_params: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        expected_params.push(format!("auth_key={}", s(&v, "key")));
        expected_params.push(format!("auth_timestamp={timestamp}"));
        expected_params.push("auth_version=1.0".to_owned());
        if !body.is_empty() {
            expected_params.push(format!("body_md5={:x}", md5::Md5::digest(body)));
        }
        expected_params.sort();
        assert_eq!(signed_params, expected_params.join("&"), "{id}");

        // Sign side: no vector needs escaping, so the query is the signed parameters
        // followed by the signature.
        let want = format!("{signed_params}&auth_signature={}", s(&v, "signature"));
        let query = sign_api_request(&creds(&v), method, path, &params, body, at).unwrap();
        assert_eq!(query.as_str(), want, "{id}");

        // Verify side, on the query built from the vector (not by our signer), at the
        // vector's own time.
        let ring = Keyring::new([creds(&v)]);
        let signer = verify_api_request(&ring, method, path, &want, body, at).unwrap();
        assert_eq!(signer.credentials().key().as_str(), s(&v, "key"), "{id}");
        assert_eq!(
            verify_api_request(&ring, method, path, &flipped(&want), body, at).unwrap_err(),
            VerifyError::InvalidSignature,
            "{id}"
        );
    }
}

#[test]
fn webhook_vectors() {
    let mut parsed = 0;
    for v in vectors("webhook") {
        check_vector_itself(&v);
        let id = &v["id"];
        let body = s(&v, "body").as_bytes();
        assert_eq!(s(&v, "string_to_sign").as_bytes(), body);
        let signed = sign_webhook(&creds(&v), body);
        assert_eq!(signed.key().as_str(), s(&v, "key"), "{id}");
        assert_eq!(signed.signature(), s(&v, "signature"), "{id}");

        let ring = Keyring::new([creds(&v)]);
        let signer = verify_webhook(&ring, s(&v, "key"), s(&v, "signature"), body).unwrap();
        assert_eq!(signer.key().as_str(), s(&v, "key"));
        assert_eq!(
            verify_webhook(&ring, s(&v, "key"), &flipped(s(&v, "signature")), body).unwrap_err(),
            VerifyError::InvalidSignature
        );

        // The bodies that are webhooks (not the libraries' {"hello":"world"}) parse.
        if body.starts_with(b"{\"time_ms\"") {
            let webhook =
                verify_and_parse_webhook(&ring, s(&v, "key"), s(&v, "signature"), body).unwrap().into_webhook();
            assert_eq!(webhook.events().len(), 1, "{id}");
            parsed += 1;
        }
    }
    assert_eq!(parsed, 2, "V43 and V46 are webhooks");
}

#[test]
fn webhook_v43_and_v46_events() {
    let by_id = |id: &str| vectors("webhook").into_iter().find(|v| v["id"] == id).unwrap();
    let v43 = by_id("V43");
    let ring = Keyring::new([creds(&v43)]);
    let webhook =
        verify_and_parse_webhook(&ring, s(&v43, "key"), s(&v43, "signature"), s(&v43, "body").as_bytes()).unwrap();
    assert_eq!(webhook.webhook().time_ms(), 1_403_175_510_755);
    match &webhook.webhook().events()[0] {
        WebhookEvent::ChannelVacated { channel, .. } => assert_eq!(channel.as_str(), "test_channel"),
        other => panic!("V43: {other:?}"),
    }

    let v46 = by_id("V46");
    let ring = Keyring::new([creds(&v46)]);
    let webhook =
        verify_and_parse_webhook(&ring, s(&v46, "key"), s(&v46, "signature"), s(&v46, "body").as_bytes()).unwrap();
    assert_eq!(webhook.webhook().time_ms(), 1_530_710_011_901);
    match &webhook.webhook().events()[0] {
        WebhookEvent::ClientEvent { channel, event, data, socket_id, user_id, .. } => {
            assert_eq!(channel.as_str(), "private-my-channel");
            assert_eq!(event, "client-event");
            assert_eq!(data, "Unencrypted");
            assert_eq!(socket_id.as_str(), "240621.35780774");
            assert_eq!(user_id, &None);
        }
        other => panic!("V46: {other:?}"),
    }
}

#[test]
fn faye_vector() {
    let v = &vectors("faye")[0];
    check_vector_itself(v);
    assert_eq!(s(v, "string_to_sign"), s(v, "user_id"));
    // The guide's own example, through the typed API: its user id, "the user ID", holds
    // spaces, which a `FayeUserId` allows (a Pusher `UserId` does not).
    let secret: AppSecret = s(v, "secret").parse().unwrap();
    let user: FayeUserId = s(v, "user_id").parse().unwrap();
    let want = s(v, "signature");
    assert_eq!(sign_faye_token(&secret, &user, None).as_str(), want);
    assert_eq!(verify_faye_token(&secret, &user, None, want), Ok(()));
    assert_eq!(verify_faye_token(&secret, &user, None, &flipped(want)), Err(VerifyError::InvalidSignature));
    assert!(s(v, "user_id").parse::<UserId>().is_err());

    // The channel-bound form, against an independent HMAC of "<user>:<channel>".
    let channel = "/chat/room-1".parse().unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(s(v, "secret").as_bytes()).unwrap();
    mac.update(b"the user ID:/chat/room-1");
    let want = hex::encode(mac.finalize().into_bytes());
    assert_eq!(sign_faye_token(&secret, &user, Some(&channel)).as_str(), want);
    assert_eq!(verify_faye_token(&secret, &user, Some(&channel), &want), Ok(()));
    assert_eq!(verify_faye_token(&secret, &user, None, &want), Err(VerifyError::InvalidSignature));

    // A Pusher user id converts and signs the same bytes.
    let pusher: UserId = "the-user-ID".parse().unwrap();
    let faye: FayeUserId = "the-user-ID".parse().unwrap();
    assert_eq!(
        sign_faye_token(&secret, &FayeUserId::from(pusher), None).as_str(),
        sign_faye_token(&secret, &faye, None).as_str()
    );
}
