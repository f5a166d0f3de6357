//! The actix-web routes: every case of tests/common/adapters.rs (the same routes on the
//! same core answer with the same status codes and bodies as axum's), through an
//! actix-web `App`, and what only actix-web has: `route_with_context`.
#![cfg(all(feature = "actix-web", not(target_family = "wasm")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // tests may panic

#[path = "common/adapters.rs"]
mod adapters;

use actix_web::http::StatusCode;
use actix_web::{App, HttpMessage as _, HttpRequest, test, web};
use adapters::{Adapter, Auth, FORM, Reply, Req, Typed, creds};
use channel_auth::integrations::actix_web::{
    batch_channel_auth, channel_auth, route, route_with_context, user_auth, webhook,
};
use channel_auth::integrations::handler::{
    ChannelAuthorizer, RequestView, Route, UserAuthEndpoint, UserAuthenticator, WebhookHandler,
};
use channel_auth::{Keyring, SocketId, UserData, UserId, sign_user_auth};
use serde_json::Value;

/// Requests through an actix-web `App`, with `actix_web::test::call_service`.
struct Actix;

impl Adapter for Actix {
    async fn auth_routes(routes: Auth<impl ChannelAuthorizer + Clone, impl UserAuthenticator>, request: Req) -> Reply {
        let Auth { credentials, authorizer, authenticator } = routes;
        let routes = |app: &mut web::ServiceConfig| {
            app.route("/auth", channel_auth(credentials.clone(), authorizer.clone()))
                .route("/batch", batch_channel_auth(credentials.clone(), authorizer))
                .route("/user", user_auth(credentials, authenticator));
        };
        call(routes, request).await
    }

    async fn route<E: Route>(endpoint: E, request: Req) -> Reply {
        let path = request.path;
        call(move |app: &mut web::ServiceConfig| _ = app.route(path, route(endpoint)), request).await
    }

    async fn webhook<H: WebhookHandler>(keyring: Keyring, handler: H, request: Req) -> Reply {
        let path = request.path;
        call(move |app: &mut web::ServiceConfig| _ = app.route(path, webhook(keyring, handler)), request).await
    }
}

impl adapters::Extensions for actix_web::dev::Extensions {
    fn get_cloned<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.get::<T>().cloned()
    }
}

async fn call(routes: impl FnOnce(&mut web::ServiceConfig), request: Req) -> Reply {
    let app = test::init_service(App::new().configure(routes)).await;
    let mut req = test::TestRequest::post().uri(request.path).set_payload(request.body);
    for (name, value) in request.headers {
        req = req.insert_header((name, value));
    }
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status().as_u16();
    let headers =
        ["content-type", "cache-control"].map(|name| Some(res.headers().get(name)?.to_str().ok()?.to_owned()));
    let typed = Typed::of(&*res.response().extensions());
    let bytes = test::read_body(res).await.to_vec();
    Reply::new(status, headers, typed, bytes)
}

adapters::adapter_cases!(Actix, actix_web::test);

/// What session middleware left in the request reaches the policy through the context.
#[derive(Clone)]
struct SignedIn(UserId);

struct FromSession;

impl UserAuthenticator for FromSession {
    async fn authenticate(&self, request: &RequestView<'_>, _socket: &SocketId) -> Option<UserData> {
        let session = request.context::<Option<SignedIn>>()?.as_ref()?;
        Some(UserData::new(session.0.clone()))
    }
}

#[actix_web::test]
async fn route_with_context_hands_request_extensions_to_the_policy() {
    let session = |request: &HttpRequest| request.extensions().get::<SignedIn>().cloned();
    let app = test::init_service(
        App::new().route("/user", route_with_context(UserAuthEndpoint::new(creds(), FromSession), session)),
    )
    .await;
    let make = |signed_in: bool| {
        let req =
            test::TestRequest::post().uri("/user").insert_header(("content-type", FORM)).set_payload("socket_id=1.1");
        let req = req.to_request();
        if signed_in {
            req.extensions_mut().insert(SignedIn("ann".parse().unwrap()));
        }
        req
    };
    let res = test::call_service(&app, make(true)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let json: Value = serde_json::from_slice(&test::read_body(res).await).unwrap();
    let want = sign_user_auth(&creds(), &"1.1".parse().unwrap(), &UserData::new("ann".parse().unwrap())).unwrap();
    assert_eq!(json.to_string(), want.to_json());
    let res = test::call_service(&app, make(false)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
