//! `verify_channel_auth` on arbitrary input: never panics, and accepts exactly the one
//! auth value the protocol defines (computed here independently), with the documented
//! error otherwise.
//!
//! Input: fields separated by 0xFF: `key`, `secret`, `socket_id`, `channel`, `auth`
//! (no channel data), or `key`, `secret`, `socket_id`, `channel`, `channel_data`, `auth`.
//! Names that do not parse are replaced by fixed valid ones so every input reaches the
//! verifier (the `names` target covers the parsers).

#![no_main]

use channel_auth::{ChannelKind, ChannelName, Credentials, SocketId, VerifyError, verify_channel_auth};
use channel_auth_fuzz::{fields, reference_auth, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = fields(data);
    let (key, secret, socket, channel, channel_data, auth) = match f.as_slice() {
        [k, s, so, c, a] => (text(k), text(s), text(so), text(c), None, text(a)),
        [k, s, so, c, d, a, ..] => (text(k), text(s), text(so), text(c), Some(text(d)), text(a)),
        _ => return,
    };
    let key = if key.parse::<channel_auth::AppKey>().is_ok() { key } else { "key".to_owned() };
    let secret = if secret.parse::<channel_auth::AppSecret>().is_ok() { secret } else { "secret".to_owned() };
    let socket: SocketId = socket.parse().unwrap_or_else(|_| "1234.1234".parse().expect("valid"));
    let channel: ChannelName = channel.parse().unwrap_or_else(|_| "private-foobar".parse().expect("valid"));
    let creds = Credentials::new(key.parse().expect("checked"), secret.parse().expect("checked"));

    let result = verify_channel_auth(&creds, &socket, &channel, channel_data.as_deref(), &auth);

    let message = match &channel_data {
        Some(d) => format!("{socket}:{channel}:{d}"),
        None => format!("{socket}:{channel}"),
    };
    let expected = reference_auth(&key, &secret, &message);
    let want = if channel.kind() == ChannelKind::ServerToUser {
        Err(VerifyError::ReservedChannel)
    } else if channel_data.is_none() && channel.kind() == ChannelKind::Presence {
        Err(VerifyError::MissingChannelData)
    } else {
        match auth.split_once(':') {
            None => Err(VerifyError::MalformedAuth),
            Some((k, _)) if k != key => Err(VerifyError::UnknownKey),
            Some(_) if auth == expected => Ok(()),
            Some(_) => Err(VerifyError::InvalidSignature),
        }
    };
    assert_eq!(result, want, "auth {auth:?} for {message:?}");
});
