//! Every name constructor (and `FayeChannel`, `EventName`) on arbitrary bytes: never panics; what is accepted obeys the
//! grammar (checked here independently), round-trips through `Display`, `FromStr` and
//! serde; what is refused is refused alike by every constructor, with a short one-line
//! message of the right kind.

#![no_main]

use core::fmt::{Debug, Display};
use core::str::FromStr;

use channel_auth::faye::FayeChannel;
use channel_auth::{
    AppId, AppKey, AppSecret, ChannelKind, ChannelName, Credentials, EncryptionMasterKey, EventName, InputKind,
    InvalidInput, SocketId, UserId, sign_channel_auth,
};
use channel_auth_fuzz::{
    APP_ALPHABET, CHANNEL_ALPHABET, in_alphabet, is_channel_name, is_event_name, is_faye_channel, is_socket_id,
    reference_shared_secret, text,
};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|data: &[u8]| {
    let s = text(data);
    check::<SocketId>(&s, InputKind::SocketId, is_socket_id(&s));
    let channel = check::<ChannelName>(&s, InputKind::ChannelName, is_channel_name(&s));
    if let Some(channel) = channel {
        let want = if s.starts_with("#server-to-user-") {
            ChannelKind::ServerToUser
        } else if s.starts_with("private-encrypted-") {
            ChannelKind::PrivateEncrypted
        } else if s.starts_with("private-") {
            ChannelKind::Private
        } else if s.starts_with("presence-") {
            ChannelKind::Presence
        } else {
            ChannelKind::Public
        };
        assert_eq!(channel.kind(), want, "{s:?}");
        assert_eq!(channel.kind().needs_auth(), want != ChannelKind::Public);
    }
    check::<UserId>(&s, InputKind::UserId, in_alphabet(&s, 128, CHANNEL_ALPHABET));
    check::<AppKey>(&s, InputKind::AppKey, in_alphabet(&s, 64, APP_ALPHABET));
    check::<AppId>(&s, InputKind::AppId, in_alphabet(&s, 64, APP_ALPHABET));
    check::<FayeChannel>(&s, InputKind::FayeChannel, is_faye_channel(&s));
    check::<EventName>(&s, InputKind::EventName, is_event_name(&s));
    secret(&s);
    master_key(&s);
});

/// Runs every constructor of `T` on `s`; `valid` is the independent grammar's verdict.
fn check<T>(s: &str, kind: InputKind, valid: bool) -> Option<T>
where
    T: FromStr<Err = InvalidInput>
        + for<'a> TryFrom<&'a str, Error = InvalidInput>
        + TryFrom<String, Error = InvalidInput>
        + AsRef<str>
        + Display
        + Debug
        + Eq
        + Serialize
        + DeserializeOwned,
{
    let parsed = s.parse::<T>();
    assert_eq!(T::try_from(s), parsed, "TryFrom<&str> disagrees on {s:?}");
    assert_eq!(T::try_from(s.to_owned()), parsed, "TryFrom<String> disagrees on {s:?}");
    let json = serde_json::to_string(s).expect("a str serializes");
    let from_json = serde_json::from_str::<T>(&json);
    match parsed {
        Ok(value) => {
            assert!(valid, "{kind}: accepted {s:?}, which the grammar refuses");
            assert_eq!(value.as_ref(), s);
            assert_eq!(value.to_string(), s, "Display does not round-trip");
            assert_eq!(value.to_string().parse::<T>().as_ref(), Ok(&value));
            assert_eq!(serde_json::to_string(&value).expect("serializes"), json);
            assert_eq!(from_json.expect("serde accepts what FromStr accepts"), value);
            Some(value)
        }
        Err(err) => {
            assert!(!valid, "{kind}: refused {s:?}, which the grammar accepts: {err}");
            assert_eq!(err.kind(), kind);
            let message = err.to_string();
            // One escaped character at most: bounded, on one line, whatever the input.
            assert!(message.len() < 160 && !message.contains(['\n', '\r']), "{message:?}");
            let serde_err = from_json.expect_err("serde refuses what FromStr refuses").to_string();
            assert!(serde_err.starts_with(&message), "{serde_err:?} vs {message:?}");
            None
        }
    }
}

/// `AppSecret`: 1..=1024 bytes of anything; `Debug` is redacted; errors hold lengths only.
fn secret(s: &str) {
    let valid = !s.is_empty() && s.len() <= AppSecret::MAX_LEN;
    let parsed = s.parse::<AppSecret>();
    assert_eq!(AppSecret::try_from(s).is_ok(), valid);
    assert_eq!(AppSecret::try_from(s.to_owned()).is_ok(), valid);
    match parsed {
        Ok(secret) => {
            assert!(valid);
            assert_eq!(format!("{secret:?}"), "AppSecret([redacted])");
            assert_eq!(
                format!("{:?}", Credentials::new("k".parse().expect("valid"), secret)).matches("[redacted]").count(),
                1
            );
        }
        Err(err) => {
            assert!(!valid);
            assert_eq!(err.kind(), InputKind::AppSecret);
            assert!(matches!(err, InvalidInput::Empty { .. } | InvalidInput::TooLong { .. }), "{err:?}");
        }
    }
}

/// `EncryptionMasterKey::from_base64`: canonical padded standard base64 of exactly 32
/// bytes, and nothing else; the decoded bytes are the ones the shared secret is made of.
fn master_key(s: &str) {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let decoded = engine.decode(s).ok().filter(|d| d.len() == 32 && engine.encode(d) == s);
    match (EncryptionMasterKey::from_base64(s), decoded) {
        (Ok(key), Some(bytes)) => {
            assert_eq!(format!("{key:?}"), "EncryptionMasterKey([redacted])");
            let creds = Credentials::new("k".parse().expect("valid"), "s".parse().expect("valid"))
                .with_encryption_master_key(key);
            let channel: ChannelName = "private-encrypted-x".parse().expect("valid");
            let auth = sign_channel_auth(&creds, &"1.1".parse().expect("valid"), &channel).expect("signs");
            assert_eq!(auth.shared_secret(), Some(reference_shared_secret(channel.as_str(), &bytes).as_str()));
        }
        (Err(err), None) => {
            assert_eq!(err.kind(), InputKind::EncryptionMasterKey);
            assert!(matches!(err, InvalidInput::InvalidBase64 { .. } | InvalidInput::WrongLength { .. }), "{err:?}");
        }
        (Ok(_), None) => panic!("master key accepted non-canonical or wrong-length {s:?}"),
        (Err(err), Some(_)) => panic!("master key refused canonical {s:?}: {err}"),
    }
}
