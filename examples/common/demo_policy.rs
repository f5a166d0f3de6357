//! The demo policy every example server shares (`auth_server`, `auth_server_actix`,
//! `edge_handler`, the Worker): one rule, in one place, exact.
//!
//! DEMO ONLY: the user is whoever the `X-User-Id` request header names, so anyone can
//! claim to be anyone. A real application takes the user from its session (a signed
//! cookie, a token checked by its middleware) and keeps [`decide`]'s shape: equality
//! with a name built from that user, or a lookup in its own data; never a substring
//! or a prefix test.
//!
//! | channel | who may join |
//! |---|---|
//! | `private-<id>`, `private-encrypted-<id>` | exactly the user whose id is the whole rest of the name |
//! | `presence-…` | any user, as the member with their id (and `{"name": <id>}`) |
//! | anything else | nobody (`403`) |
//!
//! Faye tokens: `/chat/<id>` for exactly that user.

// Shared by several examples (and tests): each uses part of it.
#![allow(dead_code)]

use std::fmt;

use channel_auth::faye::FayeChannel;
use channel_auth::integrations::handler::{ChannelAuthorizer, Decision, RequestView, UserAuthenticator};
use channel_auth::{ChannelKind, ChannelName, InvalidInput, PresenceMember, SocketId, UserData, UserId};

/// The request header the demo takes the user's id from. Demo only: see the module docs.
pub const USER_HEADER: &str = "x-user-id";

/// The Faye channel prefix a user's own channel is under: `/chat/<id>`.
const FAYE_CHAT: &str = "/chat/";

/// The user the request speaks for: the `X-User-Id` header, as a valid [`UserId`].
///
/// # Errors
/// Why there is no user, for the log.
pub fn user_of(request: &RequestView<'_>) -> Result<UserId, &'static str> {
    let text = request.header(USER_HEADER).ok_or("no visible-ASCII X-User-Id header")?;
    text.parse().map_err(|_| "X-User-Id is not a valid user id")
}

/// The rule (see the module docs), with the reason for the log.
pub fn decide(user: &UserId, channel: &ChannelName) -> (Decision, &'static str) {
    match channel.kind() {
        ChannelKind::Private | ChannelKind::PrivateEncrypted if channel.is_private_to(user) => {
            (Decision::Allow, "the user's own private channel")
        }
        ChannelKind::Presence => match member(user) {
            Ok(member) => (Decision::AllowAsMember(member), "presence, as the user"),
            Err(_) => (Decision::Deny, "member data too long"),
        },
        _ => (Decision::Deny, "not one of the user's channels"),
    }
}

/// The presence member a user joins as: their id, and `{"name": <id>}`.
///
/// # Errors
/// Never for a valid [`UserId`] (the member data stays far below the protocol's limit).
pub fn member(user: &UserId) -> Result<PresenceMember, InvalidInput> {
    PresenceMember::new(user.clone(), Some(serde_json::json!({ "name": user.as_str() })))
}

/// The user data a signed-in user gets: their id, and `{"name": <id>}`.
pub fn user_data(user: &UserId) -> UserData {
    UserData::new(user.clone()).with_user_info(serde_json::json!({ "name": user.as_str() }))
}

/// Whether `user` may have a Faye token for `channel`: exactly `/chat/<id>`.
pub fn faye_channel_allowed(user: &UserId, channel: &FayeChannel) -> bool {
    channel.as_str().strip_prefix(FAYE_CHAT) == Some(user.as_str())
}

/// [`decide`] and [`user_data`] as the library's policy traits, with one log line per
/// decision (the user, the channel, the verdict and why; never a signature, a secret or
/// a socket id).
#[derive(Clone, Copy)]
pub struct DemoPolicy {
    log: fn(fmt::Arguments<'_>),
}

impl DemoPolicy {
    /// The policy, logging through `log` (the server's log line writer).
    pub fn new(log: fn(fmt::Arguments<'_>)) -> Self {
        Self { log }
    }
}

impl ChannelAuthorizer for DemoPolicy {
    async fn authorize(&self, request: &RequestView<'_>, _socket_id: &SocketId, channel: &ChannelName) -> Decision {
        let (decision, user, why) = match user_of(request) {
            Err(why) => (Decision::Deny, None, why),
            Ok(user) => {
                let (decision, why) = decide(&user, channel);
                (decision, Some(user), why)
            }
        };
        let verdict = if decision == Decision::Deny { "deny" } else { "allow" };
        let user = user.as_ref().map_or("-", UserId::as_str);
        (self.log)(format_args!("channel {verdict} user={user} channel={channel} ({why})"));
        decision
    }
}

impl UserAuthenticator for DemoPolicy {
    async fn authenticate(&self, request: &RequestView<'_>, _socket_id: &SocketId) -> Option<UserData> {
        match user_of(request) {
            Ok(user) => {
                (self.log)(format_args!("signin allow user={user}"));
                Some(user_data(&user))
            }
            Err(why) => {
                (self.log)(format_args!("signin deny ({why})"));
                None
            }
        }
    }
}
