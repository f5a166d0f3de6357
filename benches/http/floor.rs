//! The load test's floor (`benches/http/run.sh`): axum serving the same requests as the
//! example auth server with no library work at all. It reads each request's body (as
//! any handler must) and answers a constant JSON body of the same size as the auth
//! server's `private` answer, with the same headers, on the same runtime (tokio's
//! default, `axum::serve` on a plain `TcpListener`). The auth server's requests/s
//! divided by this server's is the fraction of the framework's own speed it keeps.
//!
//! ```text
//! PORT=3500 cargo run --release --example http_floor --features axum
//! ```

use axum::Router;
use axum::body::Bytes;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::routing::post;

/// As long as `{"auth":"<key>:<64 hex>"}` for the demo key: 96 bytes.
const ANSWER: &str =
    r#"{"auth":"278d425bdf160c739803:0000000000000000000000000000000000000000000000000000000000000000"}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT").map_or(Ok(3500), |p| p.parse())?;
    let app = Router::new().route(
        "/pusher/auth",
        post(|_body: Bytes| async { ([(CONTENT_TYPE, "application/json"), (CACHE_CONTROL, "no-store")], ANSWER) }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("http_floor: listening on http://127.0.0.1:{port}");
    axum::serve(listener, app).await?;
    Ok(())
}
