//! Channel authorization, sign then verify: what is signed is exactly the protocol's
//! string (checked against an independent HMAC), it verifies, and one arbitrary change
//! of any input (socket, channel, data, auth, key, secret) makes verification fail.

#![no_main]

use arbitrary::Arbitrary;
use channel_auth::{
    AuthError, ChannelName, ConfigError, Credentials, EncryptionMasterKey, InputKind, InvalidInput, PresenceMember,
    SocketId, UserId, VerifyError, sign_channel_auth, sign_presence_auth, verify_channel_auth,
};
use channel_auth_fuzz::{
    APP_ALPHABET, CHANNEL_ALPHABET, Json, cut, hmac_equivalent, map_to, reference_auth, reference_shared_secret,
    socket_from,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Kind {
    Private,
    Encrypted,
    Presence,
}

#[derive(Debug, Arbitrary)]
enum Mutation {
    /// Replace one byte of the auth value.
    AuthByte { index: usize, to: u8 },
    /// Cut the auth value short.
    Truncate { len: usize },
    /// Append text to the auth value.
    AppendAuth(String),
    /// Upper-case the hex.
    UppercaseHex,
    /// Another socket id.
    Socket { a: Vec<u8>, b: Vec<u8> },
    /// Another channel name (of any kind).
    Channel(Vec<u8>),
    /// Replace one byte of the channel data (or add data to a private channel).
    DataByte { index: usize, to: u8 },
    /// Verify with no channel data.
    DropData,
    /// Credentials with another key.
    Key(Vec<u8>),
    /// Credentials with another secret.
    Secret(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    key: Vec<u8>,
    secret: String,
    master_key: [u8; 32],
    socket: (Vec<u8>, Vec<u8>),
    kind: Kind,
    channel: Vec<u8>,
    user_id: Vec<u8>,
    user_info: Option<Json>,
    mutation: Mutation,
}

fuzz_target!(|input: Input| {
    let key = map_to(&input.key, APP_ALPHABET, 64);
    let secret = cut(&input.secret, 1024, "secret");
    let creds = Credentials::new(key.parse().expect("mapped key"), secret.parse().expect("cut secret"))
        .with_encryption_master_key(EncryptionMasterKey::from_bytes(input.master_key));
    let socket_text = socket_from(&input.socket.0, &input.socket.1);
    let socket: SocketId = socket_text.parse().expect("mapped socket id");
    let prefix = match input.kind {
        Kind::Private => "private-",
        Kind::Encrypted => "private-encrypted-",
        Kind::Presence => "presence-",
    };
    let channel: ChannelName =
        format!("{prefix}{}", map_to(&input.channel, CHANNEL_ALPHABET, 200 - prefix.len())).parse().expect("mapped");

    let (signed, data) = match input.kind {
        Kind::Private | Kind::Encrypted => {
            let signed = sign_channel_auth(&creds, &socket, &channel).expect("private channels sign");
            assert_eq!(signed.auth(), reference_auth(&key, &secret, &format!("{socket_text}:{channel}")));
            assert_eq!(signed.channel_data(), None);
            let want_secret = matches!(input.kind, Kind::Encrypted)
                .then(|| reference_shared_secret(channel.as_str(), &input.master_key));
            assert_eq!(signed.shared_secret(), want_secret.as_deref());
            // Presence needs a member; without a master key, encrypted is refused.
            let member = PresenceMember::new("u".parse().expect("valid"), None).expect("small");
            assert_eq!(
                sign_presence_auth(&creds, &socket, &channel, &member).err(),
                Some(AuthError::NotPresenceChannel)
            );
            if matches!(input.kind, Kind::Encrypted) {
                let plain = Credentials::new(key.parse().expect("key"), secret.parse().expect("secret"));
                assert_eq!(
                    sign_channel_auth(&plain, &socket, &channel).err(),
                    Some(AuthError::Config(ConfigError::MissingMasterKey))
                );
            }
            (signed, None)
        }
        Kind::Presence => {
            let id: UserId = map_to(&input.user_id, CHANNEL_ALPHABET, 128).parse().expect("mapped user id");
            let info = input.user_info.as_ref().map(|j| j.to_value(6));
            // channel_data written out by hand: {"user_id":"<id>"[,"user_info":<info>]}.
            let want_data = match &info {
                Some(info) => format!("{{\"user_id\":\"{id}\",\"user_info\":{info}}}"),
                None => format!("{{\"user_id\":\"{id}\"}}"),
            };
            let member = match PresenceMember::new(id, info) {
                Ok(member) => member,
                Err(err) => {
                    assert!(want_data.len() > PresenceMember::MAX_CHANNEL_DATA_LEN, "{err}");
                    assert_eq!(
                        err,
                        InvalidInput::TooLong { kind: InputKind::ChannelData, max: 1024, len: want_data.len() }
                    );
                    return;
                }
            };
            assert_eq!(member.channel_data(), want_data);
            assert_eq!(sign_channel_auth(&creds, &socket, &channel).err(), Some(AuthError::PresenceNeedsMember));
            let signed = sign_presence_auth(&creds, &socket, &channel, &member).expect("presence signs");
            assert_eq!(signed.auth(), reference_auth(&key, &secret, &format!("{socket_text}:{channel}:{want_data}")));
            assert_eq!(signed.channel_data(), Some(want_data.as_str()));
            (signed, Some(want_data))
        }
    };

    // The JSON a backend returns holds exactly these fields.
    let json: serde_json::Value = serde_json::from_str(&signed.to_json()).expect("to_json is JSON");
    assert_eq!(json["auth"], signed.auth());
    assert_eq!(json.get("channel_data").and_then(|v| v.as_str()), signed.channel_data());
    assert_eq!(json.get("shared_secret").and_then(|v| v.as_str()), signed.shared_secret());
    if let Some(shared) = signed.shared_secret() {
        assert!(!format!("{signed:?}").contains(shared), "Debug shows the shared secret");
    }

    let auth = signed.auth();
    assert_eq!(verify_channel_auth(&creds, &socket, &channel, data.as_deref(), auth), Ok(()));

    let fails = |creds: &Credentials, socket: &SocketId, channel: &ChannelName, data: Option<&str>, auth: &str| {
        let result = verify_channel_auth(creds, socket, channel, data, auth);
        result.expect_err("a mutated authorization verified")
    };
    match &input.mutation {
        Mutation::AuthByte { index, to } => {
            let mut bytes = auth.as_bytes().to_vec();
            let i = index % bytes.len();
            if bytes[i] == *to {
                return;
            }
            bytes[i] = *to;
            fails(&creds, &socket, &channel, data.as_deref(), &String::from_utf8_lossy(&bytes));
        }
        Mutation::Truncate { len } => {
            let cut = &auth[..len % auth.len()];
            fails(&creds, &socket, &channel, data.as_deref(), cut);
        }
        Mutation::AppendAuth(extra) => {
            if extra.is_empty() {
                return;
            }
            fails(&creds, &socket, &channel, data.as_deref(), &format!("{auth}{extra}"));
        }
        Mutation::UppercaseHex => {
            let (k, sig) = auth.split_once(':').expect("key:sig");
            let upper = format!("{k}:{}", sig.to_uppercase());
            if upper == auth {
                return;
            }
            assert_eq!(fails(&creds, &socket, &channel, data.as_deref(), &upper), VerifyError::InvalidSignature);
        }
        Mutation::Socket { a, b } => {
            let other: SocketId = socket_from(a, b).parse().expect("mapped");
            if other == socket {
                return;
            }
            assert_eq!(fails(&creds, &other, &channel, data.as_deref(), auth), VerifyError::InvalidSignature);
        }
        Mutation::Channel(bytes) => {
            let other: ChannelName = map_to(bytes, CHANNEL_ALPHABET, 200).parse().expect("mapped");
            if other == channel {
                return;
            }
            fails(&creds, &socket, &other, data.as_deref(), auth);
        }
        Mutation::DataByte { index, to } => {
            let other = match &data {
                Some(d) => {
                    let mut bytes = d.as_bytes().to_vec();
                    let i = index % bytes.len();
                    bytes[i] = *to;
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                // Data on a private channel is signed too, so adding any is a change.
                None => String::from_utf8_lossy(&[*to]).into_owned(),
            };
            if Some(&other) == data.as_ref() {
                return;
            }
            assert_eq!(fails(&creds, &socket, &channel, Some(&other), auth), VerifyError::InvalidSignature);
        }
        Mutation::DropData => {
            if data.is_none() {
                return;
            }
            assert_eq!(fails(&creds, &socket, &channel, None, auth), VerifyError::MissingChannelData);
        }
        Mutation::Key(bytes) => {
            let other = map_to(bytes, APP_ALPHABET, 64);
            if other == key {
                return;
            }
            let creds = Credentials::new(other.parse().expect("mapped"), secret.parse().expect("cut"));
            assert_eq!(fails(&creds, &socket, &channel, data.as_deref(), auth), VerifyError::UnknownKey);
        }
        Mutation::Secret(other) => {
            let other = cut(other, 1024, "other secret");
            if hmac_equivalent(&other, &secret) {
                return;
            }
            let creds = Credentials::new(key.parse().expect("key"), other.parse().expect("cut"));
            assert_eq!(fails(&creds, &socket, &channel, data.as_deref(), auth), VerifyError::InvalidSignature);
        }
    }
});
