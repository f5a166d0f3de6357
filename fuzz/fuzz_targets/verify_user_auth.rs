//! `verify_user_auth` on arbitrary input: never panics, and accepts exactly the one auth
//! value the protocol defines (computed here independently), with the documented error
//! otherwise.
//!
//! Input: fields separated by 0xFF: `key`, `secret`, `socket_id`, `user_data`, `auth`.
//! Names that do not parse are replaced by fixed valid ones.

#![no_main]

use channel_auth::{Credentials, SocketId, VerifyError, verify_user_auth};
use channel_auth_fuzz::{fields, reference_auth, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = fields(data);
    let [key, secret, socket, user_data, auth, ..] = f.as_slice() else { return };
    let (key, secret, socket, user_data, auth) = (text(key), text(secret), text(socket), text(user_data), text(auth));
    let key = if key.parse::<channel_auth::AppKey>().is_ok() { key } else { "key".to_owned() };
    let secret = if secret.parse::<channel_auth::AppSecret>().is_ok() { secret } else { "secret".to_owned() };
    let socket: SocketId = socket.parse().unwrap_or_else(|_| "1234.1234".parse().expect("valid"));
    let creds = Credentials::new(key.parse().expect("checked"), secret.parse().expect("checked"));

    let result = verify_user_auth(&creds, &socket, &user_data, &auth);

    let message = format!("{socket}::user::{user_data}");
    let expected = reference_auth(&key, &secret, &message);
    let want = match auth.split_once(':') {
        None => Err(VerifyError::MalformedAuth),
        Some((k, _)) if k != key => Err(VerifyError::UnknownKey),
        Some(_) if auth == expected => Ok(()),
        Some(_) => Err(VerifyError::InvalidSignature),
    };
    assert_eq!(result, want, "auth {auth:?} for {message:?}");
});
