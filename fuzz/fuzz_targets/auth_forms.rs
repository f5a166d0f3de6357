//! The auth endpoints' form parsers (`ChannelAuthRequest`, `UserAuthRequest`,
//! `BatchAuthRequest`) on arbitrary bytes: never a panic, and the same verdict as a
//! reference written here on `form_urlencoded::parse` alone, whichever of the parsers'
//! two paths (a body with no `%` or `+` borrowed in one pass, anything else through
//! `form_urlencoded`) the body takes.
//!
//! Input: the body, as it is.

#![no_main]

use channel_auth::integrations::{BatchAuthRequest, ChannelAuthRequest, RequestError, UserAuthRequest};
use channel_auth::{ChannelName, SocketId};
use libfuzzer_sys::fuzz_target;

/// The value of each wanted field, refusing a second one, as the protocol's parsers do.
fn reference_fields<'a>(body: &'a [u8], wanted: &[&'static str]) -> Result<Vec<Option<String>>, RequestError> {
    let mut values: Vec<Option<String>> = vec![None; wanted.len()];
    for (key, value) in form_urlencoded::parse(body) {
        if let Some(i) = wanted.iter().position(|w| *w == key) {
            if values[i].replace(value.into_owned()).is_some() {
                return Err(RequestError::DuplicateField { field: wanted[i] });
            }
        }
    }
    Ok(values)
}

fuzz_target!(|body: &[u8]| {
    // One channel: the reference's fields, validated in the parser's order.
    let channel = ChannelAuthRequest::from_form(body);
    match reference_fields(body, &["socket_id", "channel_name"]) {
        Err(e) => assert_eq!(channel, Err(e)),
        Ok(values) => {
            let socket = values[0].as_deref().map(str::parse::<SocketId>);
            let name = values[1].as_deref().map(str::parse::<ChannelName>);
            match (socket, name) {
                (Some(Ok(socket)), Some(Ok(name))) => {
                    let parsed = channel.expect("both fields valid");
                    assert_eq!((parsed.socket_id(), parsed.channel_name()), (&socket, &name));
                }
                _ => assert!(channel.is_err(), "{channel:?} for {body:?}"),
            }
        }
    }

    // Sign-in: the same for its one field.
    let user = UserAuthRequest::from_form(body);
    match reference_fields(body, &["socket_id"]) {
        Err(e) => assert_eq!(user, Err(e)),
        Ok(values) => match values[0].as_deref().map(str::parse::<SocketId>) {
            Some(Ok(socket)) => assert_eq!(user.expect("valid").socket_id(), &socket),
            _ => assert!(user.is_err()),
        },
    }

    // A batch: never a panic; when it parses, every channel name is valid, distinct,
    // and present in the body under a `channel_name[<index>]` key.
    if let Ok(batch) = BatchAuthRequest::from_form(body) {
        let names = batch.channel_names();
        assert!(!names.is_empty() && names.len() <= BatchAuthRequest::MAX_CHANNELS);
        let keyed: Vec<String> = form_urlencoded::parse(body)
            .filter(|(key, _)| key.starts_with("channel_name["))
            .map(|(_, value)| value.into_owned())
            .collect();
        for (i, name) in names.iter().enumerate() {
            assert!(keyed.iter().any(|v| v == name.as_str()), "{name:?} not in {body:?}");
            assert!(!names[..i].contains(name), "{name:?} twice");
        }
    }
});
