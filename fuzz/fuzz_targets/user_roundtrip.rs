//! User sign-in, sign then verify: `user_data` is the compact JSON the protocol wants
//! (written out independently here), the signature is the independent HMAC of
//! `<socket>::user::<user_data>`, it verifies, and one arbitrary change of any input
//! makes verification fail, including replaying it as a channel authorization.

#![no_main]

use arbitrary::Arbitrary;
use channel_auth::{
    ChannelName, Credentials, SocketId, UserData, UserId, VerifyError, sign_user_auth, verify_channel_auth,
    verify_user_auth,
};
use channel_auth_fuzz::{
    APP_ALPHABET, CHANNEL_ALPHABET, Json, cut, hmac_equivalent, map_to, reference_auth, socket_from,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Mutation {
    /// Replace one byte of the auth value.
    AuthByte { index: usize, to: u8 },
    /// Cut the auth value short.
    Truncate { len: usize },
    /// Another socket id.
    Socket { a: Vec<u8>, b: Vec<u8> },
    /// Replace one byte of the user data.
    DataByte { index: usize, to: u8 },
    /// Insert text into the user data.
    DataInsert { index: usize, text: String },
    /// Credentials with another key.
    Key(Vec<u8>),
    /// Credentials with another secret.
    Secret(String),
    /// Present the sign-in as a channel authorization, with the user data as channel
    /// data or none.
    AsChannel { channel: Vec<u8>, with_data: bool },
}

#[derive(Debug, Arbitrary)]
struct Input {
    key: Vec<u8>,
    secret: String,
    socket: (Vec<u8>, Vec<u8>),
    id: Vec<u8>,
    user_info: Option<Json>,
    watchlist: Option<Vec<Vec<u8>>>,
    mutation: Mutation,
}

fuzz_target!(|input: Input| {
    let key = map_to(&input.key, APP_ALPHABET, 64);
    let secret = cut(&input.secret, 1024, "secret");
    let creds = Credentials::new(key.parse().expect("mapped key"), secret.parse().expect("cut secret"));
    let socket_text = socket_from(&input.socket.0, &input.socket.1);
    let socket: SocketId = socket_text.parse().expect("mapped socket id");
    let id: UserId = map_to(&input.id, CHANNEL_ALPHABET, 128).parse().expect("mapped user id");

    // {"id":"<id>"[,"user_info":<info>][,"watchlist":["<id>",…]]}, written out by hand.
    let mut want = format!("{{\"id\":\"{id}\"");
    let mut user = UserData::new(id);
    if let Some(info) = &input.user_info {
        let info = info.to_value(6);
        want.push_str(&format!(",\"user_info\":{info}"));
        user = user.with_user_info(info);
    }
    if let Some(list) = &input.watchlist {
        let ids: Vec<UserId> =
            list.iter().take(32).map(|b| map_to(b, CHANNEL_ALPHABET, 128).parse().expect("mapped")).collect();
        let quoted: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
        want.push_str(&format!(",\"watchlist\":[{}]", quoted.join(",")));
        user = user.with_watchlist(ids);
    }
    want.push('}');
    assert_eq!(user.to_json(), want);

    let signed = sign_user_auth(&creds, &socket, &user).expect("user sign-in signs");
    assert_eq!(signed.user_data(), want);
    assert_eq!(signed.auth(), reference_auth(&key, &secret, &format!("{socket_text}::user::{want}")));
    let json: serde_json::Value = serde_json::from_str(&signed.to_json()).expect("to_json is JSON");
    assert_eq!(json, serde_json::json!({"auth": signed.auth(), "user_data": want}));

    let auth = signed.auth();
    assert_eq!(verify_user_auth(&creds, &socket, &want, auth), Ok(()));

    let fails = |creds: &Credentials, socket: &SocketId, data: &str, auth: &str| {
        let result = verify_user_auth(creds, socket, data, auth);
        result.expect_err("a mutated sign-in verified")
    };
    match &input.mutation {
        Mutation::AuthByte { index, to } => {
            let mut bytes = auth.as_bytes().to_vec();
            let i = index % bytes.len();
            if bytes[i] == *to {
                return;
            }
            bytes[i] = *to;
            fails(&creds, &socket, &want, &String::from_utf8_lossy(&bytes));
        }
        Mutation::Truncate { len } => {
            fails(&creds, &socket, &want, &auth[..len % auth.len()]);
        }
        Mutation::Socket { a, b } => {
            let other: SocketId = socket_from(a, b).parse().expect("mapped");
            if other == socket {
                return;
            }
            assert_eq!(fails(&creds, &other, &want, auth), VerifyError::InvalidSignature);
        }
        Mutation::DataByte { index, to } => {
            let mut bytes = want.as_bytes().to_vec();
            let i = index % bytes.len();
            bytes[i] = *to;
            let other = String::from_utf8_lossy(&bytes);
            if other == want {
                return;
            }
            assert_eq!(fails(&creds, &socket, &other, auth), VerifyError::InvalidSignature);
        }
        Mutation::DataInsert { index, text } => {
            let mut at = index % (want.len() + 1);
            while !want.is_char_boundary(at) {
                at -= 1;
            }
            let mut other = want.clone();
            other.insert_str(at, text);
            if other == want {
                return;
            }
            assert_eq!(fails(&creds, &socket, &other, auth), VerifyError::InvalidSignature);
        }
        Mutation::Key(bytes) => {
            let other = map_to(bytes, APP_ALPHABET, 64);
            if other == key {
                return;
            }
            let creds = Credentials::new(other.parse().expect("mapped"), secret.parse().expect("cut"));
            assert_eq!(fails(&creds, &socket, &want, auth), VerifyError::UnknownKey);
        }
        Mutation::Secret(other) => {
            let other = cut(other, 1024, "other secret");
            if hmac_equivalent(&other, &secret) {
                return;
            }
            let creds = Credentials::new(key.parse().expect("key"), other.parse().expect("cut"));
            assert_eq!(fails(&creds, &socket, &want, auth), VerifyError::InvalidSignature);
        }
        Mutation::AsChannel { channel, with_data } => {
            let channel: ChannelName = map_to(channel, CHANNEL_ALPHABET, 200).parse().expect("mapped");
            let data = with_data.then_some(want.as_str());
            assert!(verify_channel_auth(&creds, &socket, &channel, data, auth).is_err(), "{input:?}");
        }
    }
});
