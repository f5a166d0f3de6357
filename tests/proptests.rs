//! Properties of the names, of channel and user authorization, of HTTP API requests,
//! webhooks and Faye tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use channel_auth::api::{Method, sign_api_request, verify_api_request};
use channel_auth::faye::{
    FayeAction, FayeChannel, FayeError, FayeTokenScope, FayeUserId, sign_faye_token, verify_faye_message,
    verify_faye_token,
};
use channel_auth::integrations::{BatchAuthRequest, ChannelAuthRequest, UserAuthRequest};
use channel_auth::webhook::{sign_webhook, verify_and_parse_webhook, verify_webhook};
use channel_auth::{
    AppId, AppKey, AppSecret, ChannelKind, ChannelName, Credentials, EncryptionMasterKey, Keyring, PresenceMember,
    SocketId, UserData, UserId, VerifyError, encryption, send, sign_channel_auth, sign_presence_auth, sign_user_auth,
    verify_channel_auth, verify_user_auth,
};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::Sha256;

const CASES: u32 = 1000;

fn socket_id() -> impl Strategy<Value = SocketId> {
    "[0-9]{1,20}\\.[0-9]{1,20}".prop_map(|s| s.parse().unwrap())
}

fn channel(prefix: &'static str) -> impl Strategy<Value = ChannelName> {
    "[A-Za-z0-9_\\-=@,.;]{1,100}".prop_map(move |s| format!("{prefix}{s}").parse().unwrap())
}

fn user_id() -> impl Strategy<Value = UserId> {
    "[A-Za-z0-9_\\-=@,.;]{1,128}".prop_map(|s| s.parse().unwrap())
}

/// A Faye user id: printable text (spaces, `/`, non-ASCII) without `:`.
fn faye_user_id() -> impl Strategy<Value = FayeUserId> {
    "[^:\\p{Cc}]{1,40}".prop_map(|s| s.parse().unwrap())
}

/// A Faye channel without wildcard.
fn faye_channel() -> impl Strategy<Value = FayeChannel> {
    "(/[A-Za-z0-9_!~()$@-]{1,6}){1,4}".prop_map(|s| s.parse().unwrap())
}

fn user_info() -> impl Strategy<Value = Option<serde_json::Value>> {
    proptest::option::of(
        proptest::collection::btree_map("[a-z]{1,8}", "\\PC{0,16}", 0..4)
            .prop_map(|m| serde_json::to_value(m).unwrap()),
    )
}

/// Any JSON value: strings with quotes, backslashes, controls and non-ASCII, numbers,
/// nesting.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
        "(\\PC|[\"\\\\\u{0}-\u{1f}/<])*".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("\\PC{0,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn creds() -> impl Strategy<Value = Credentials> {
    ("[A-Za-z0-9_\\-.]{1,64}", "\\PC{1,80}", any::<[u8; 32]>()).prop_map(|(k, s, m)| {
        Credentials::new(k.parse().unwrap(), s.parse().unwrap())
            .with_encryption_master_key(EncryptionMasterKey::from_bytes(m))
    })
}

/// Changes one byte of `s` at `index` (mod length) to a different printable byte.
fn mutate(s: &str, index: usize, to: u8) -> String {
    let mut bytes = s.as_bytes().to_vec();
    let i = index % bytes.len();
    let replacement = if bytes[i] == to { to ^ 1 } else { to };
    bytes[i] = replacement;
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Small alphabets, so that inputs that would collide under a careless encoding
/// (`1.11`+`1` vs `1.1`+`11`, data that starts with `:` or `user::`) come up often.
fn small_socket() -> impl Strategy<Value = SocketId> {
    "1{1,2}\\.1{1,2}".prop_map(|s| s.parse().unwrap())
}
fn small_channel() -> impl Strategy<Value = ChannelName> {
    "(private-|presence-)?[1u.]{1,3}".prop_map(|s| s.parse().unwrap())
}
fn small_data() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[1:u.ser]{0,8}")
}

/// The protocol's formats, written out independently of the crate.
fn reference_auth(message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s").unwrap();
    mac.update(message.as_bytes());
    format!("k:{}", hex::encode(mac.finalize().into_bytes()))
}
fn reference_channel(s: &SocketId, c: &ChannelName, d: Option<&str>) -> String {
    match d {
        Some(d) => reference_auth(&format!("{s}:{c}:{d}")),
        None => reference_auth(&format!("{s}:{c}")),
    }
}
fn reference_user(s: &SocketId, d: &str) -> String {
    reference_auth(&format!("{s}::user::{d}"))
}
fn small_creds() -> Credentials {
    Credentials::new("k".parse().unwrap(), "s".parse().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// (a) Sign then verify succeeds for private and encrypted channels, and any one-byte
    /// change of the auth fails.
    #[test]
    fn private_sign_verify(creds in creds(), socket in socket_id(), encrypted in any::<bool>(),
                           name in channel(""), index in any::<usize>(), to in 0x21u8..0x7f) {
        let prefix = if encrypted { "private-encrypted-" } else { "private-" };
        let channel: ChannelName = format!("{prefix}{}", &name.as_str()[..name.as_str().len().min(150)]).parse().unwrap();
        let auth = sign_channel_auth(&creds, &socket, &channel).unwrap();
        prop_assert!(verify_channel_auth(&creds, &socket, &channel, None, auth.auth()).is_ok());
        prop_assert_eq!(auth.shared_secret().is_some(), encrypted);
        let bad = mutate(auth.auth(), index, to);
        prop_assert!(verify_channel_auth(&creds, &socket, &channel, None, &bad).is_err());
    }

    /// (a) Sign then verify succeeds for presence channels, and any one-byte change of the
    /// auth or of the channel data fails.
    #[test]
    fn presence_sign_verify(creds in creds(), socket in socket_id(), channel in channel("presence-"),
                            id in user_id(), info in user_info(), index in any::<usize>(), to in 0x21u8..0x7f) {
        let member = PresenceMember::new(id, info).unwrap();
        let auth = sign_presence_auth(&creds, &socket, &channel, &member).unwrap();
        let data = auth.channel_data().unwrap();
        prop_assert!(verify_channel_auth(&creds, &socket, &channel, Some(data), auth.auth()).is_ok());
        let bad = mutate(auth.auth(), index, to);
        prop_assert!(verify_channel_auth(&creds, &socket, &channel, Some(data), &bad).is_err());
        let bad_data = mutate(data, index, to);
        prop_assert!(verify_channel_auth(&creds, &socket, &channel, Some(&bad_data), auth.auth()).is_err());
    }

    /// (a) Sign then verify succeeds for user sign-in, and any one-byte change fails.
    #[test]
    fn user_sign_verify(creds in creds(), socket in socket_id(), id in user_id(), info in user_info(),
                        watch in proptest::collection::vec(user_id(), 0..3), index in any::<usize>(), to in 0x21u8..0x7f) {
        let mut user = UserData::new(id).with_watchlist(watch);
        if let Some(info) = info {
            user = user.with_user_info(info);
        }
        let auth = sign_user_auth(&creds, &socket, &user).unwrap();
        prop_assert!(verify_user_auth(&creds, &socket, auth.user_data(), auth.auth()).is_ok());
        let bad = mutate(auth.auth(), index, to);
        prop_assert!(verify_user_auth(&creds, &socket, auth.user_data(), &bad).is_err());
        let bad_data = mutate(auth.user_data(), index, to);
        prop_assert!(verify_user_auth(&creds, &socket, &bad_data, auth.auth()).is_err());
    }

    /// The `channel_data` and `user_data` written directly are byte for byte serde_json's
    /// serialization of the equivalent `Value` object.
    #[test]
    fn json_is_serde_jsons(id in user_id(), info in proptest::option::of(json_value()),
                           watch in proptest::option::of(proptest::collection::vec(user_id(), 0..3))) {
        let mut object = serde_json::Map::new();
        object.insert("user_id".into(), id.as_str().into());
        if let Some(info) = &info {
            object.insert("user_info".into(), info.clone());
        }
        let want = serde_json::Value::Object(object).to_string();
        match PresenceMember::new(id.clone(), info.clone()) {
            Ok(member) => prop_assert_eq!(member.channel_data(), want.as_str()),
            Err(_) => prop_assert!(want.len() > PresenceMember::MAX_CHANNEL_DATA_LEN),
        }

        let mut object = serde_json::Map::new();
        object.insert("id".into(), id.as_str().into());
        let mut user = UserData::new(id);
        if let Some(info) = info {
            object.insert("user_info".into(), info.clone());
            user = user.with_user_info(info);
        }
        if let Some(watch) = watch {
            object.insert("watchlist".into(), watch.iter().map(|w| w.as_str()).collect());
            user = user.with_watchlist(watch);
        }
        prop_assert_eq!(user.to_json(), serde_json::Value::Object(object).to_string());
    }

    /// (b) The channel string-to-sign is injective: a signature over the protocol's bytes
    /// for one (socket, channel, data) triple verifies for that triple and no other.
    #[test]
    fn channel_string_to_sign_is_injective(s1 in small_socket(), c1 in small_channel(), d1 in small_data(),
                                           s2 in small_socket(), c2 in small_channel(), d2 in small_data()) {
        let auth = reference_channel(&s1, &c1, d1.as_deref());
        let accepted = verify_channel_auth(&small_creds(), &s2, &c2, d2.as_deref(), &auth).is_ok();
        let presence_without_data = d2.is_none() && c2.kind() == ChannelKind::Presence;
        prop_assert_eq!(accepted, (&s1, &c1, &d1) == (&s2, &c2, &d2) && !presence_without_data);
    }

    /// (b) The user string-to-sign is injective.
    #[test]
    fn user_string_to_sign_is_injective(s1 in small_socket(), d1 in "[1:u.ser]{0,8}",
                                        s2 in small_socket(), d2 in "[1:u.ser]{0,8}") {
        let accepted = verify_user_auth(&small_creds(), &s2, &d2, &reference_user(&s1, &d1)).is_ok();
        prop_assert_eq!(accepted, (&s1, &d1) == (&s2, &d2));
    }

    /// (c) Strings-to-sign of different purposes never coincide: a user sign-in
    /// signature never verifies as a channel authorization (private, presence, any data),
    /// and a channel signature never verifies as a user sign-in. What the crate signs is
    /// what the reference says.
    #[test]
    fn purposes_are_disjoint(s1 in small_socket(), d1 in "[1:u.ser]{0,8}",
                             s2 in small_socket(), c2 in small_channel(), d2 in small_data()) {
        let creds = small_creds();
        prop_assert!(verify_channel_auth(&creds, &s2, &c2, d2.as_deref(), &reference_user(&s1, &d1)).is_err());
        prop_assert!(verify_user_auth(&creds, &s1, &d1, &reference_channel(&s2, &c2, d2.as_deref())).is_err());

        let user = sign_user_auth(&creds, &s1, &UserData::new("u".parse().unwrap())).unwrap();
        prop_assert_eq!(user.auth(), reference_user(&s1, user.user_data()));
        match c2.kind() {
            ChannelKind::Presence => {
                let member = PresenceMember::new("u".parse().unwrap(), None).unwrap();
                let signed = sign_presence_auth(&creds, &s2, &c2, &member).unwrap();
                prop_assert_eq!(signed.auth(), reference_channel(&s2, &c2, Some(member.channel_data())));
            }
            ChannelKind::Private => {
                let signed = sign_channel_auth(&creds, &s2, &c2).unwrap();
                prop_assert_eq!(signed.auth(), reference_channel(&s2, &c2, None));
            }
            _ => prop_assert!(sign_channel_auth(&creds, &s2, &c2).is_err()),
        }
    }

    /// (d) Every accepted name round-trips through `Display`, `FromStr` and serde.
    #[test]
    fn names_round_trip(socket in socket_id(), channel in channel(""), user in user_id(),
                        key in "[A-Za-z0-9_\\-.]{1,64}", id in "[A-Za-z0-9_\\-.]{1,64}") {
        let key: AppKey = key.parse().unwrap();
        let id: AppId = id.parse().unwrap();
        prop_assert_eq!(socket.to_string().parse::<SocketId>().unwrap(), socket.clone());
        prop_assert_eq!(channel.to_string().parse::<ChannelName>().unwrap(), channel.clone());
        prop_assert_eq!(user.to_string().parse::<UserId>().unwrap(), user.clone());
        prop_assert_eq!(key.to_string().parse::<AppKey>().unwrap(), key.clone());
        prop_assert_eq!(id.to_string().parse::<AppId>().unwrap(), id.clone());
        let json = serde_json::to_string(&(&socket, &channel, &user, &key, &id)).unwrap();
        let back: (SocketId, ChannelName, UserId, AppKey, AppId) = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, (socket, channel, user, key, id));
    }

    /// (e) Arbitrary strings never panic a constructor, and whatever is accepted obeys
    /// the grammar and round-trips.
    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,64}|[0-9.:a-z\\n]{0,48}|.{0,300}|#server-to-user-[a-z#:]{0,8}") {
        if let Ok(v) = s.parse::<SocketId>() {
            prop_assert_eq!(v.as_str(), s.as_str());
            let (a, b) = s.split_once('.').unwrap();
            prop_assert!(!a.is_empty() && a.len() <= 20 && a.bytes().all(|c| c.is_ascii_digit()));
            prop_assert!(!b.is_empty() && b.len() <= 20 && b.bytes().all(|c| c.is_ascii_digit()));
        }
        let channel_chars = |c: u8| c.is_ascii_alphanumeric() || b"_-=@,.;".contains(&c);
        if let Ok(v) = s.parse::<ChannelName>() {
            prop_assert_eq!(v.as_str(), s.as_str());
            let server_to_user = s
                .strip_prefix("#server-to-user-")
                .is_some_and(|id| !id.is_empty() && id.bytes().all(channel_chars));
            prop_assert!(s.len() <= 200 && (s.bytes().all(channel_chars) || server_to_user));
        }
        if let Ok(v) = s.parse::<UserId>() {
            prop_assert!(v.as_str().len() <= 128 && s.bytes().all(channel_chars));
        }
        let app_chars = |c: u8| c.is_ascii_alphanumeric() || b"_-.".contains(&c);
        if let Ok(v) = s.parse::<AppKey>() {
            prop_assert!(v.as_str().len() <= 64 && s.bytes().all(app_chars));
        }
        if let Ok(v) = s.parse::<AppId>() {
            prop_assert!(v.as_str().len() <= 64 && s.bytes().all(app_chars));
        }
        let _ = s.parse::<AppSecret>();
        let _ = EncryptionMasterKey::from_base64(&s);
        let _ = serde_json::from_value::<SocketId>(serde_json::Value::String(s.clone()));
    }

    /// (f) Arbitrary form bodies never panic the auth request parsers; what they accept
    /// is exactly the one `socket_id` (and `channel_name`) of the body, and a batch holds
    /// at most `MAX_CHANNELS` distinct channels.
    #[test]
    fn form_bodies_never_panic(body in "[&=%0-9A-Fa-f.:\\[\\]_a-z\\n-]{0,120}|(&?(socket_id|channel_name|channel_name\\[[0-9]{1,3}\\])=([0-9]{1,2}\\.[0-9]{1,2}|private-[ab]{1,2}|[-a-z0-9.:%]{0,12})){0,6}") {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        let only = |key: &str| {
            let mut values = pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str());
            let first = values.next();
            if values.next().is_some() { None } else { first }
        };
        if let Ok(req) = ChannelAuthRequest::from_form(body.as_bytes()) {
            prop_assert_eq!(Some(req.socket_id().as_str()), only("socket_id"));
            prop_assert_eq!(Some(req.channel_name().as_str()), only("channel_name"));
        }
        if let Ok(req) = UserAuthRequest::from_form(body.as_bytes()) {
            prop_assert_eq!(Some(req.socket_id().as_str()), only("socket_id"));
        }
        if let Ok(req) = BatchAuthRequest::from_form(body.as_bytes()) {
            prop_assert_eq!(Some(req.socket_id().as_str()), only("socket_id"));
            let names = req.channel_names();
            prop_assert!(!names.is_empty() && names.len() <= BatchAuthRequest::MAX_CHANNELS);
            let distinct: std::collections::HashSet<_> = names.iter().collect();
            prop_assert_eq!(distinct.len(), names.len());
        }
    }
}

// ---- HTTP API, webhooks, Faye ----

const RESERVED: [&str; 5] = ["auth_key", "auth_signature", "auth_timestamp", "auth_version", "body_md5"];

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Get), Just(Method::Post), Just(Method::Put), Just(Method::Delete)]
}

fn key_ok(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c != '&' && c != '=' && !c.is_whitespace() && !c.is_control())
}

fn value_ok(v: &str) -> bool {
    v.chars().all(|c| c != '&' && !c.is_control())
}

/// Keys that need escaping or lowercasing come up often, as do arbitrary printable ones.
fn param_key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z_]{1,8}", "[a-z%+#?/\\[\\]\u{e9}\u{c9}\u{3a3}]{1,6}", "\\PC{1,8}"]
        .prop_filter("key rules", |k| key_ok(k))
}

fn param_value() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9 +%=/?#]{0,10}", "\\PC{0,16}"].prop_filter("value rules", |v| value_ok(v))
}

/// Valid parameters: keys unique after lowercasing, none reserved.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((param_key(), param_value()), 0..6).prop_map(|pairs| {
        let mut seen = std::collections::BTreeSet::new();
        pairs
            .into_iter()
            .filter(|(k, _)| {
                let lower = k.to_lowercase();
                !RESERVED.contains(&lower.as_str()) && seen.insert(lower)
            })
            .collect()
    })
}

fn api_path() -> impl Strategy<Value = String> {
    prop_oneof!["/apps/[0-9]{1,3}/(events|channels|batch_events)", "/[A-Za-z0-9_\\-=@,.;/%+]{0,30}", "/\\PC{0,20}"]
        .prop_filter("path rules", |p| p.chars().all(|c| c != '?' && c != '#' && !c.is_whitespace() && !c.is_control()))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![Just(Vec::new()), proptest::collection::vec(any::<u8>(), 0..64)]
}

fn api_creds() -> impl Strategy<Value = Credentials> {
    ("[A-Za-z0-9_\\-.]{1,20}", "\\PC{1,40}").prop_map(|(k, s)| Credentials::new(k.parse().unwrap(), s.parse().unwrap()))
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn borrowed(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A query string from decoded pairs, form-urlencoded like the signer's.
fn encode(pairs: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

fn decode(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// (f) A signed API request verifies, at its own time, for any valid parameters and
    /// body, and the query carries exactly the lowercased parameters plus the auth ones.
    #[test]
    fn api_sign_verify(creds in api_creds(), method in method(), path in api_path(), params in params(),
                       body in body(), ts in 0u64..4_000_000_000) {
        let query = sign_api_request(&creds, method, &path, &borrowed(&params), &body, at(ts)).unwrap();
        let ring = Keyring::new([creds.clone()]);
        let signer = verify_api_request(&ring, method, &path, query.as_str(), &body, at(ts)).unwrap();
        prop_assert_eq!(signer.credentials().key(), creds.key());
        prop_assert!(verify_api_request(&ring, method, &path, query.as_str(), &body, at(ts + 599)).is_ok());

        let sent = decode(query.as_str());
        let mut want: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_lowercase(), v.clone())).collect();
        want.push(("auth_key".into(), creds.key().to_string()));
        want.push(("auth_timestamp".into(), ts.to_string()));
        want.push(("auth_version".into(), "1.0".into()));
        if !body.is_empty() {
            want.push(("body_md5".into(), format!("{:x}", <md5::Md5 as md5::Digest>::digest(&body))));
        }
        want.sort();
        prop_assert_eq!(&sent[..sent.len() - 1], &want[..]);
        prop_assert_eq!(&sent[sent.len() - 1].0, "auth_signature");
    }

    /// (g) Any change of the method, the path, a parameter (key, value, or its presence)
    /// or the body fails verification.
    #[test]
    fn api_any_change_fails(creds in api_creds(), method in method(), other in method(), path in api_path(),
                            params in params(), body in body(), ts in 0u64..4_000_000_000,
                            index in any::<usize>(), to in 0x21u8..0x7f, change in 0u8..4, byte in any::<u8>()) {
        let query = sign_api_request(&creds, method, &path, &borrowed(&params), &body, at(ts)).unwrap();
        let ring = Keyring::new([creds]);
        let verify = |m: Method, p: &str, q: &str, b: &[u8]| verify_api_request(&ring, m, p, q, b, at(ts));
        prop_assert!(verify(method, &path, query.as_str(), &body).is_ok());

        if other != method {
            prop_assert_eq!(verify(other, &path, query.as_str(), &body).err(), Some(VerifyError::InvalidSignature));
        }

        // One character of the path, to another printable ASCII character.
        let chars: Vec<char> = path.chars().collect();
        let i = index % chars.len();
        let mut changed: Vec<char> = chars.clone();
        changed[i] = if chars[i] == char::from(to) { char::from(to ^ 1) } else { char::from(to) };
        let changed: String = changed.into_iter().collect();
        prop_assert!(verify(method, &changed, query.as_str(), &body).is_err(), "path {:?}", changed);

        // One parameter: its value, its key, or the parameter itself.
        let mut pairs = decode(query.as_str());
        let i = index % pairs.len();
        match change {
            0 => pairs[i].1.push('x'),
            1 => pairs[i].1 = if pairs[i].1.is_empty() { "y".into() } else { String::new() },
            2 => pairs[i].0.push('x'),
            _ => { pairs.remove(i); }
        }
        prop_assert!(verify(method, &path, &encode(&pairs), &body).is_err(), "params {:?}", pairs);

        // One byte of the body, or one more.
        let mut changed = body.clone();
        if changed.is_empty() {
            changed.push(byte);
        } else {
            let i = index % changed.len();
            changed[i] = if changed[i] == byte { byte ^ 1 } else { byte };
        }
        prop_assert!(verify(method, &path, query.as_str(), &changed).is_err());
    }

    /// (h) Arbitrary paths, query strings, bodies and clocks never panic the API
    /// verifier, and whatever it accepts came from the signer.
    #[test]
    fn api_verifier_never_panics(path in "\\PC{0,30}|/[a-z/]{0,10}|.{0,40}",
                                 query in "[a-z_%0-9A-F=&+.]{0,120}|\\PC{0,80}|.{0,200}",
                                 body in proptest::collection::vec(any::<u8>(), 0..32), now in any::<u64>()) {
        let ring = Keyring::new([Credentials::new("k".parse().unwrap(), "s".parse().unwrap())]);
        let now = UNIX_EPOCH.checked_add(Duration::from_secs(now)).unwrap_or(UNIX_EPOCH);
        for m in [Method::Get, Method::Post] {
            prop_assert!(verify_api_request(&ring, m, &path, &query, &body, now).is_err());
        }
        let prefixed = format!("{query}&auth_key=k&auth_timestamp=1&auth_version=1.0&auth_signature={}", "0".repeat(64));
        prop_assert!(verify_api_request(&ring, Method::Get, &path, &prefixed, &body, at(1)).is_err());
    }

    /// (i) A signed webhook (any bytes inside `{"x":…}`) verifies (and parses when it is
    /// one); any one-byte change of the body or the signature fails.
    #[test]
    fn webhook_sign_verify(creds in api_creds(), raw in proptest::collection::vec(any::<u8>(), 0..128),
                           time_ms in any::<u64>(), index in any::<usize>(), byte in any::<u8>(), to in 0x21u8..0x7f) {
        let ring = Keyring::new([creds.clone()]);
        let body = [&b"{\"x\":"[..], &raw, b"}"].concat();
        let signed = sign_webhook(&creds, &body);
        let key = signed.key().as_str();
        prop_assert!(verify_webhook(&ring, key, signed.signature(), &body).is_ok());
        {
            let mut changed = body.clone();
            let i = index % changed.len();
            changed[i] = if changed[i] == byte { byte ^ 1 } else { byte };
            prop_assert_eq!(verify_webhook(&ring, key, signed.signature(), &changed).err(), Some(VerifyError::InvalidSignature));
        }
        let bad = mutate(signed.signature(), index, to);
        prop_assert_eq!(verify_webhook(&ring, key, &bad, &body).err(), Some(VerifyError::InvalidSignature));

        let hook = format!(r#"{{"time_ms":{time_ms},"events":[{{"name":"channel_occupied","channel":"a"}}]}}"#);
        let signed = sign_webhook(&creds, hook.as_bytes());
        let parsed = verify_and_parse_webhook(&ring, key, signed.signature(), hook.as_bytes()).unwrap();
        prop_assert_eq!(parsed.webhook().time_ms(), time_ms);
    }

    /// (j) Arbitrary header values and bodies never panic the webhook verifier, nor the
    /// parser behind a good signature.
    #[test]
    fn webhook_verifier_never_panics(key in "\\PC{0,20}|k|.{0,30}", signature in "[0-9a-fA-F]{0,70}|\\PC{0,80}",
                                     body in "[{}\\[\\]\":,0-9a-z_ .-]{0,120}|\\PC{0,60}",
                                     event in "(channel_occupied|channel_vacated|member_added|member_removed|client_event|cache_miss|subscription_count|x)",
                                     field in "(channel|user_id|event|data|socket_id|subscription_count)",
                                     value in "(\"[a-z0-9.:#-]{0,8}\"|[0-9-]{1,22}|null|true|\\{\\}|\\[\\])") {
        let creds = Credentials::new("k".parse().unwrap(), "s".parse().unwrap());
        let ring = Keyring::new([creds.clone()]);
        let _ = verify_webhook(&ring, &key, &signature, body.as_bytes());
        let _ = verify_and_parse_webhook(&ring, &key, &signature, body.as_bytes());
        for body in [body.clone(), format!(r#"{{"time_ms":1,"events":[{{"name":"{event}","{field}":{value}}}]}}"#)] {
            let signed = sign_webhook(&creds, body.as_bytes());
            let _ = verify_and_parse_webhook(&ring, "k", signed.signature(), body.as_bytes());
        }
    }

    /// (k) Faye tokens: sign then verify succeeds; another user, channel or a one-byte
    /// change of the token fails.
    #[test]
    fn faye_sign_verify(secret in "\\PC{1,40}", user in faye_user_id(), other in faye_user_id(),
                        channel in proptest::option::of("(/[A-Za-z0-9_!~()$@-]{1,8}){1,4}(/\\*|/\\*\\*)?"),
                        index in any::<usize>(), to in 0x21u8..0x7f) {
        let secret: AppSecret = secret.parse().unwrap();
        let channel: Option<FayeChannel> = channel.map(|c| c.parse().unwrap());
        let token = sign_faye_token(&secret, &user, channel.as_ref());
        prop_assert!(verify_faye_token(&secret, &user, channel.as_ref(), token.as_str()).is_ok());
        if other != user {
            prop_assert!(verify_faye_token(&secret, &other, channel.as_ref(), token.as_str()).is_err());
        }
        let flipped_channel = if channel.is_some() { None } else { Some("/x".parse().unwrap()) };
        prop_assert!(verify_faye_token(&secret, &user, flipped_channel.as_ref(), token.as_str()).is_err());
        prop_assert!(verify_faye_token(&secret, &user, channel.as_ref(), &mutate(token.as_str(), index, to)).is_err());
    }

    /// (l) Faye tokens are disjoint: two different (user, channel) pairs never sign the
    /// same bytes (not even when the boundary moves: `a/b:/c` vs `a:/b/c`), nor does any
    /// pair sign what a channel-less token signs (`<user>:<channel>` is no user id).
    #[test]
    fn faye_tokens_are_disjoint(secret_text in "\\PC{1,40}", u1 in faye_user_id(), c1 in faye_channel(),
                                u2 in faye_user_id(), c2 in faye_channel(), cut in any::<usize>()) {
        let secret: AppSecret = secret_text.parse().unwrap();
        let t1 = sign_faye_token(&secret, &u1, Some(&c1));
        if (&u1, &c1) != (&u2, &c2) {
            let t2 = sign_faye_token(&secret, &u2, Some(&c2));
            prop_assert_ne!(t1.as_str(), t2.as_str());
            prop_assert!(verify_faye_token(&secret, &u2, Some(&c2), t1.as_str()).is_err());
        }
        // The same bytes split elsewhere: move the leading segments of the channel into
        // the user id (`/` is allowed there).
        let slashes: Vec<usize> = c1.as_str().match_indices('/').map(|(i, _)| i).skip(1).collect();
        if !slashes.is_empty() {
            let at = slashes[cut % slashes.len()];
            let shifted_user: FayeUserId = format!("{u1}{}", &c1.as_str()[..at]).parse().unwrap();
            let shifted_channel: FayeChannel = c1.as_str()[at..].parse().unwrap();
            let shifted = sign_faye_token(&secret, &shifted_user, Some(&shifted_channel));
            prop_assert_ne!(t1.as_str(), shifted.as_str());
        }
        // A channel-less token for any user, the other user included, differs...
        let bare = sign_faye_token(&secret, &u2, None);
        prop_assert_ne!(t1.as_str(), bare.as_str());
        prop_assert!(verify_faye_token(&secret, &u1, None, t1.as_str()).is_err());
        // ...and the one user id that would sign the same bytes cannot be made.
        let joined = format!("{u1}:{c1}");
        prop_assert!(joined.parse::<FayeUserId>().is_err());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret_text.as_bytes()).unwrap();
        mac.update(format!("{u1}:{c1}").as_bytes());
        prop_assert_eq!(t1.as_str(), hex::encode(mac.finalize().into_bytes()));
    }

    /// (m) Issue 13: a body that does not start with `{` never verifies as a webhook,
    /// however it is signed (channel and user auth, API and Faye strings start otherwise).
    #[test]
    fn non_object_bodies_never_verify_as_webhooks(creds in api_creds(), body in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assume!(body.first() != Some(&b'{'));
        let ring = Keyring::new([creds.clone()]);
        let signed = sign_webhook(&creds, &body);
        prop_assert_eq!(
            verify_webhook(&ring, signed.key().as_str(), signed.signature(), &body).err(),
            Some(VerifyError::InvalidSignature)
        );
    }

    /// (n) Issue 19: under a subscribe-only scope no publication verifies, whatever its
    /// token (the right one of either form, or any text): it is `PublishNotGranted`, while
    /// the subscription with that token verifies, and so does the publication under the
    /// publishing scope of the token's form.
    #[test]
    fn subscribe_only_scopes_never_publish(secret in "\\PC{1,40}", user in faye_user_id(), channel in faye_channel(),
                                           service in any::<bool>(), junk in "\\PC{0,80}", pick in 0u8..3) {
        let channel: FayeChannel = if service { format!("/service{channel}").parse().unwrap() } else { channel };
        prop_assume!(!channel.as_str().starts_with("/meta/"));
        let secret: AppSecret = secret.parse().unwrap();
        let bound = sign_faye_token(&secret, &user, Some(&channel));
        let bare = sign_faye_token(&secret, &user, None);
        // The token, and the two scopes of its form (subscribe-only, publishing).
        let (token, forms) = match pick {
            0 => (bound.as_str(), Some((FayeTokenScope::ChannelBound, FayeTokenScope::ChannelBoundSubscribeOrPublish))),
            1 => (bare.as_str(), Some((FayeTokenScope::UserOnly, FayeTokenScope::UserOnlySubscribeOrPublish))),
            _ => (junk.as_str(), None),
        };
        let ext = serde_json::json!({ "userId": user.as_str(), "token": token });
        let publish = serde_json::json!({ "channel": channel.as_str(), "data": junk, "ext": ext });
        for scope in [FayeTokenScope::UserOnly, FayeTokenScope::ChannelBound] {
            prop_assert_eq!(verify_faye_message(&secret, &publish, scope), Err(FayeError::PublishNotGranted));
        }
        if let Some((subscribe_only, publishing)) = forms {
            let subscribe = serde_json::json!({ "channel": "/meta/subscribe", "subscription": channel.as_str(), "ext": ext });
            prop_assert_eq!(verify_faye_message(&secret, &subscribe, subscribe_only).unwrap().action(), FayeAction::Subscribe);
            let verified = verify_faye_message(&secret, &publish, publishing).unwrap();
            prop_assert_eq!(verified.action(), FayeAction::Publish);
            prop_assert_eq!(verified.channel(), &channel);
            prop_assert_eq!(verified.user(), &user);
        }
    }
}

// End-to-end encryption (`private-encrypted-` payloads).

fn encrypted_creds(master: [u8; 32]) -> Credentials {
    Credentials::new("k".parse().unwrap(), "s".parse().unwrap())
        .with_encryption_master_key(EncryptionMasterKey::from_bytes(master))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// (enc-a) encrypt → decrypt round-trips any bytes, through the OS-random and the
    /// fixed-nonce paths alike.
    #[test]
    fn encryption_round_trips(master in any::<[u8; 32]>(), channel in channel("private-encrypted-"),
                              plaintext in proptest::collection::vec(any::<u8>(), 0..600), nonce in any::<[u8; 24]>()) {
        let creds = encrypted_creds(master);
        let data = encryption::encrypt_payload(&creds, &channel, &plaintext).unwrap();
        prop_assert_eq!(encryption::decrypt_payload(&creds, &channel, &data).unwrap(), plaintext.clone());
        let data = encryption::encrypt_payload_with_nonce(&creds, &channel, &plaintext, nonce).unwrap();
        prop_assert_eq!(encryption::decrypt_payload(&creds, &channel, &data).unwrap(), plaintext);
    }

    /// (enc-b) Any flipped bit of the nonce or the ciphertext, another channel or another
    /// master key: decryption fails closed with `DecryptionFailed`.
    #[test]
    fn encryption_fails_closed(master in any::<[u8; 32]>(), other_master in any::<[u8; 32]>(),
                               channel in channel("private-encrypted-"), other in channel("private-encrypted-"),
                               plaintext in proptest::collection::vec(any::<u8>(), 0..200),
                               bit in any::<usize>(), in_nonce in any::<bool>()) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let creds = encrypted_creds(master);
        let data = encryption::encrypt_payload(&creds, &channel, &plaintext).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&data).unwrap();
        let mut nonce = b64.decode(parsed["nonce"].as_str().unwrap()).unwrap();
        let mut ciphertext = b64.decode(parsed["ciphertext"].as_str().unwrap()).unwrap();
        let target = if in_nonce { &mut nonce } else { &mut ciphertext };
        let bit = bit % (target.len() * 8);
        target[bit / 8] ^= 1 << (bit % 8);
        let tampered = serde_json::json!({"nonce": b64.encode(&nonce), "ciphertext": b64.encode(&ciphertext)}).to_string();
        prop_assert_eq!(encryption::decrypt_payload(&creds, &channel, &tampered), Err(VerifyError::DecryptionFailed));
        if other != channel {
            prop_assert_eq!(encryption::decrypt_payload(&creds, &other, &data), Err(VerifyError::DecryptionFailed));
        }
        if other_master != master {
            prop_assert_eq!(
                encryption::decrypt_payload(&encrypted_creds(other_master), &channel, &data),
                Err(VerifyError::DecryptionFailed)
            );
        }
    }

    /// (enc-c) Arbitrary `data` strings never panic the decrypter; whatever it refuses is
    /// a typed error.
    #[test]
    fn decrypt_never_panics(data in "\\PC{0,120}|\\{\"nonce\":\"[A-Za-z0-9+/=]{0,40}\",\"ciphertext\":\"[A-Za-z0-9+/=]{0,60}\"\\}") {
        let creds = encrypted_creds([3; 32]);
        let channel: ChannelName = "private-encrypted-x".parse().unwrap();
        prop_assert!(encryption::decrypt_payload(&creds, &channel, &data).is_err());
    }
}

/// (enc-d) Nonces never repeat: 100,000 events on one channel, 100,000 distinct nonces.
#[test]
fn encryption_nonces_never_repeat() {
    let creds = encrypted_creds([5; 32]);
    let channel: ChannelName = "private-encrypted-busy".parse().unwrap();
    let mut seen = std::collections::HashSet::with_capacity(100_000);
    for _ in 0..100_000 {
        let data = encryption::encrypt_payload(&creds, &channel, b"x").unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&data).unwrap();
        assert!(seen.insert(parsed["nonce"].as_str().unwrap().to_owned()), "a nonce repeated");
    }
    assert_eq!(seen.len(), 100_000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// (send-a) Any valid trigger (1-5 public/private/presence channels, any event name,
    /// any data, optional socket_id): the request verifies with our verifier at its time,
    /// and its JSON body reads back the same name, data, channels and socket_id.
    #[test]
    fn send_trigger_requests_verify_and_carry_their_inputs(
        channels in proptest::collection::vec("(private-|presence-)?[A-Za-z0-9_=@,.;-]{1,30}", 1..=5),
        event in "[^\\p{Cc}]{1,60}",
        data in "\\PC{0,200}",
        socket in proptest::option::of(socket_id()),
        seconds in 1_000_000_000u64..4_000_000_000,
    ) {
        prop_assume!(!event.starts_with("pusher:") && !event.starts_with("pusher_internal:"));
        let creds = Credentials::new("key".parse().unwrap(), "secret".parse().unwrap()).with_app_id("5".parse().unwrap());
        let api = send::Api::new(creds.clone(), send::ApiUrl::cluster("eu").unwrap()).unwrap();
        let names: Vec<ChannelName> = channels.iter().map(|c| c.parse().unwrap()).collect();
        let mut trigger = send::Trigger::new(event.parse().unwrap(), data.clone(), names.clone());
        if let Some(s) = &socket {
            trigger = trigger.exclude(s.clone());
        }
        let at = UNIX_EPOCH + Duration::from_secs(seconds);
        let request = api.trigger(&trigger, at).unwrap();
        let ring = Keyring::new([creds]);
        prop_assert!(verify_api_request(&ring, Method::Post, request.http().uri().path(), request.http().uri().query().unwrap(), request.http().body(), at).is_ok());
        let body: serde_json::Value = serde_json::from_slice(request.http().body()).unwrap();
        prop_assert_eq!(body["name"].as_str(), Some(event.as_str()));
        prop_assert_eq!(body["data"].as_str(), Some(data.as_str()));
        prop_assert_eq!(body["channels"].clone(), serde_json::json!(channels));
        prop_assert_eq!(body.get("socket_id").and_then(|s| s.as_str()), socket.as_ref().map(SocketId::as_str));
    }

    /// (send-b) `ApiUrl::from_url` accepts exactly `http(s)://host[:port][/]` and gives
    /// back that address; the same text with anything appended after the authority but
    /// `/` is refused.
    #[test]
    fn send_endpoint_urls_round_trip(
        https in any::<bool>(),
        host in "[a-z0-9]([a-z0-9.-]{0,30}[a-z0-9])?",
        port in proptest::option::of(1u16..),
        tail in "[/?#@][ -~]{1,10}",
    ) {
        let scheme = if https { "https" } else { "http" };
        let base = match port { Some(p) => format!("{scheme}://{host}:{p}"), None => format!("{scheme}://{host}") };
        let endpoint = send::ApiUrl::from_url(&base).unwrap();
        prop_assert_eq!(endpoint.base_url(), base.clone());
        prop_assert_eq!(send::ApiUrl::from_url(&format!("{base}/")).unwrap().base_url(), base.clone());
        prop_assume!(tail != "/");
        let hostile = format!("{base}{tail}");
        prop_assert!(send::ApiUrl::from_url(&hostile).is_err(), "accepted {:?}", hostile);
    }
}

// ---- Issue 19: the exact rule the demo policy and every template use ----------------

#[allow(dead_code, unreachable_pub, clippy::all)]
#[path = "../examples/common/demo_policy.rs"]
mod demo_policy;

/// A user id from pieces that make prefixes, suffixes and the channel kinds' own
/// prefixes collide often (`al` and `alice`, `1` and `1000`, `private-`, `encrypted-x`).
fn tricky_user_id() -> impl Strategy<Value = UserId> {
    prop::collection::vec(
        prop_oneof![
            Just("a"),
            Just("l"),
            Just("1"),
            Just("0"),
            Just("-"),
            Just("x"),
            Just("private-"),
            Just("encrypted-"),
            Just("presence-"),
            Just("user-")
        ],
        1..6,
    )
    .prop_map(|parts| parts.concat().parse().unwrap())
}

/// The names an application builds from a user id, one's own and others'.
fn names_from(v: &UserId) -> Vec<String> {
    let v = v.as_str();
    vec![
        format!("private-{v}"),
        format!("private-encrypted-{v}"),
        format!("private-{v}-inbox"),
        format!("private-user-{v}"),
        format!("private-{v}0"),
        format!("private-x{v}"),
        format!("private-encrypted-{v}-x"),
        format!("presence-{v}"),
        format!("#server-to-user-{v}"),
        v.to_owned(),
    ]
}

/// Whether `channel` is, letter for letter, `private-<u>` or `private-encrypted-<u>` as
/// its kind reads it: the oracle, written apart from `is_private_to`.
fn spelled_for(channel: &ChannelName, u: &UserId) -> bool {
    let name = channel.as_str();
    match channel.kind() {
        ChannelKind::PrivateEncrypted => name == format!("private-encrypted-{u}"),
        ChannelKind::Private => name == format!("private-{u}"),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// For distinct users u and v, the demo policy (`examples/common/demo_policy.rs`)
    /// never gives u a channel of v's (`is_private_to(v)`), and allows u a private
    /// channel built from v's id only when that name is letter for letter u's own. The
    /// README's and the docs' templates decide private channels with the same
    /// `is_private_to`, so this holds for them too.
    #[test]
    fn the_demo_policy_never_gives_one_user_anothers_channel(u in tricky_user_id(), v in tricky_user_id()) {
        prop_assume!(u != v);
        for name in names_from(&v) {
            let Ok(channel) = name.parse::<ChannelName>() else { continue };
            let (decision, _) = demo_policy::decide(&u, &channel);
            if channel.is_private_to(&v) {
                prop_assert!(!channel.is_private_to(&u), "{channel:?} is both {v}'s and {u}'s");
                prop_assert_ne!(&decision, &channel_auth::integrations::handler::Decision::Allow, "{} got {}'s {:?}", u, v, channel);
            }
            let allowed = decision == channel_auth::integrations::handler::Decision::Allow;
            prop_assert_eq!(allowed, spelled_for(&channel, &u), "{} asking for {:?}", u, channel);
            prop_assert_eq!(channel.is_private_to(&u), spelled_for(&channel, &u));
        }
    }
}

/// A webhook's or an API request's replay key, with what it was made from: (purpose,
/// app key, signature).
fn replay_key_of(
    webhook: bool,
    app_key: &str,
    secret: &str,
    body: &str,
) -> (channel_auth::replay::ReplayKey, (bool, String, String)) {
    use channel_auth::replay::ReplayKey;
    let creds = Credentials::new(app_key.parse().unwrap(), secret.parse().unwrap());
    let ring = Keyring::new([creds.clone()]);
    if webhook {
        let body = format!(r#"{{"time_ms":1,"events":[],"n":"{body}"}}"#);
        let signed = sign_webhook(&creds, body.as_bytes());
        let verified = verify_and_parse_webhook(&ring, app_key, signed.signature(), body.as_bytes()).unwrap();
        (ReplayKey::of_webhook(&verified), (true, app_key.to_owned(), signed.signature().to_owned()))
    } else {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let query = sign_api_request(&creds, Method::Get, "/apps/1/channels", &[("n", body)], b"", at).unwrap();
        let verified = verify_api_request(&ring, Method::Get, "/apps/1/channels", query.as_str(), b"", at).unwrap();
        let signature = query.as_str().split('&').find_map(|p| p.strip_prefix("auth_signature=")).unwrap();
        (ReplayKey::of_api_request(&verified), (false, app_key.to_owned(), signature.to_owned()))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Two replay keys are equal exactly when purpose, app key and signature are all
    /// equal (small alphabets, so equal parts happen often).
    #[test]
    fn replay_keys_differ_whenever_purpose_key_or_signature_differ(
        a in (any::<bool>(), "[ab]{1,2}", "[xy]{1,2}", "[01]{0,2}"),
        b in (any::<bool>(), "[ab]{1,2}", "[xy]{1,2}", "[01]{0,2}"),
    ) {
        let (key_a, parts_a) = replay_key_of(a.0, &a.1, &a.2, &a.3);
        let (key_b, parts_b) = replay_key_of(b.0, &b.1, &b.2, &b.3);
        prop_assert_eq!(key_a == key_b, parts_a == parts_b, "{:?} {:?}", parts_a, parts_b);
    }
}

#[cfg(not(target_family = "wasm"))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Under a concurrent hammer of repeats, the memory guard lets each key through
    /// exactly once (however many threads offer it, in whatever order).
    #[test]
    fn memory_guard_lets_each_key_through_once(keys in 1usize..40, threads in 2usize..8, rounds in 1usize..4) {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use channel_auth::replay::{MemoryReplayGuard, ReplayKey};
        let guard = MemoryReplayGuard::new(keys);
        let passed: Vec<AtomicUsize> = (0..keys).map(|_| AtomicUsize::new(0)).collect();
        let now = std::time::Instant::now();
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (guard, passed) = (&guard, &passed);
                scope.spawn(move || {
                    for round in 0..rounds {
                        for i in 0..keys {
                            let n = (i + t * 7 + round) % keys;
                            let key = ReplayKey::from_bytes([u8::try_from(n).unwrap(); 32]);
                            if guard.first_seen_at(&key, Duration::from_secs(60), now).unwrap() {
                                passed[n].fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                });
            }
        });
        for (n, count) in passed.iter().enumerate() {
            prop_assert_eq!(count.load(Ordering::SeqCst), 1, "key {}", n);
        }
    }
}
