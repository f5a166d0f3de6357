//! The axum routes: every case of tests/common/adapters.rs (what they sign, what they
//! refuse, and that a refused body never reaches the application's decision), through
//! an axum `Router`.
#![cfg(all(feature = "axum", not(target_family = "wasm")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

#[path = "common/adapters.rs"]
mod adapters;

use adapters::{Adapter, Auth, Reply, Req, Typed};
use axum::Router;
use axum::body::Body;
use channel_auth::Keyring;
use channel_auth::integrations::axum::{batch_channel_auth, channel_auth, route, user_auth, webhook};
use channel_auth::integrations::handler::{ChannelAuthorizer, Route, UserAuthenticator, WebhookHandler};
use tower::ServiceExt as _;

/// Requests through an axum `Router`, with `tower::ServiceExt::oneshot`.
struct Axum;

impl Adapter for Axum {
    async fn auth_routes(routes: Auth<impl ChannelAuthorizer + Clone, impl UserAuthenticator>, request: Req) -> Reply {
        let Auth { credentials, authorizer, authenticator } = routes;
        let app = Router::new()
            .route("/auth", channel_auth(credentials.clone(), authorizer.clone()))
            .route("/batch", batch_channel_auth(credentials.clone(), authorizer))
            .route("/user", user_auth(credentials, authenticator));
        call(app, request).await
    }

    async fn route<E: Route>(endpoint: E, request: Req) -> Reply {
        call(Router::new().route(request.path, route(endpoint)), request).await
    }

    async fn webhook<H: WebhookHandler>(keyring: Keyring, handler: H, request: Req) -> Reply {
        call(Router::new().route(request.path, webhook(keyring, handler)), request).await
    }
}

async fn call(app: Router, request: Req) -> Reply {
    let mut req = axum::http::Request::post(request.path);
    for (name, value) in &request.headers {
        req = req.header(name, value);
    }
    let res = app.oneshot(req.body(Body::from(request.body)).unwrap()).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 2 << 20).await.unwrap().to_vec();
    let headers =
        ["content-type", "cache-control"].map(|name| Some(parts.headers.get(name)?.to_str().ok()?.to_owned()));
    Reply::new(parts.status.as_u16(), headers, Typed::of(&parts.extensions), bytes)
}

adapters::adapter_cases!(Axum, tokio::test);
