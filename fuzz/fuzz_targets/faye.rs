//! Faye tokens: `FayeUserId` agrees with its grammar (re-implemented); `FayeChannel` on arbitrary text (no panic, constructors agree, accepted
//! names obey the Bayeux grammar checked here and round-trip), and `verify_faye_token`
//! on arbitrary tokens accepts exactly the independent HMAC of `<user>[:<channel>]`.
//!
//! Input: fields separated by 0xFF: `secret`, `user_id`, `channel` (empty: none), `token`.

#![no_main]

use channel_auth::faye::{FayeChannel, FayeUserId, sign_faye_token, verify_faye_token};
use channel_auth::{AppSecret, VerifyError};
use channel_auth_fuzz::{fields, is_faye_channel, is_faye_user_id, reference_hex, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = fields(data);
    let [secret, user, channel, token, ..] = f.as_slice() else {
        let s = text(data);
        let parsed = s.parse::<FayeChannel>();
        assert_eq!(FayeChannel::try_from(s.as_str()), parsed);
        assert_eq!(FayeChannel::try_from(s.clone()), parsed);
        assert_eq!(parsed.is_ok(), is_faye_channel(&s), "{s:?}");
        if let Ok(c) = parsed {
            assert_eq!(c.to_string(), s);
            assert_eq!(c.as_str().parse::<FayeChannel>().as_ref(), Ok(&c));
        }
        return;
    };
    let secret_text = text(secret);
    let secret: AppSecret = secret_text.parse().unwrap_or_else(|_| "secret".parse().expect("valid"));
    let secret_text = if secret_text.parse::<AppSecret>().is_ok() { secret_text } else { "secret".to_owned() };
    let user_text = text(user);
    let parsed_user = user_text.parse::<FayeUserId>();
    assert_eq!(FayeUserId::try_from(user_text.clone()), parsed_user);
    assert_eq!(parsed_user.is_ok(), is_faye_user_id(&user_text), "{user_text:?}");
    let Ok(user) = parsed_user else { return };
    assert_eq!(user.as_str(), user_text);
    let channel = if channel.is_empty() { None } else { text(channel).parse::<FayeChannel>().ok() };
    let token = text(token);

    let message = match &channel {
        Some(c) => format!("{user}:{c}"),
        None => user.to_string(),
    };
    let expected = reference_hex(&secret_text, message.as_bytes());
    assert_eq!(sign_faye_token(&secret, &user, channel.as_ref()).as_str(), expected);
    let want = if token == expected { Ok(()) } else { Err(VerifyError::InvalidSignature) };
    assert_eq!(verify_faye_token(&secret, &user, channel.as_ref(), &token), want);
});
