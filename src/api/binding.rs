//! The app binding: which paths credentials bound to one app may verify.
//!
//! Credentials bound to one app with
//! [`Credentials::with_app_id`](crate::Credentials::with_app_id) accept a request only
//! when its path is inside that app under every normalization a server in front might
//! apply: percent-decoding (once or more), `\` as `/`, stripping `;` path parameters
//! (the Servlet family and others), merging `//`, resolving `.` and `..`, dropping
//! trailing dots (Windows), ignoring case. The rule refuses rather than normalizes:
//!
//! 1. the path is `/` and the channel-name characters `A-Z a-z 0-9 _ - = @ , . ;` only
//!    (every path of the Pusher HTTP API is), so no percent-escape, no `\`;
//! 2. no segment is empty or made of dots only (no `//`, no trailing `/`, no `.`, `..`,
//!    `...`);
//! 3. the first two segments hold no `;`; a later segment may (a channel name may), but
//!    what stands before its first `;`, which is what a front end that strips path
//!    parameters keeps, obeys rule 2 too (so no `..;`);
//! 4. when the first segment is `apps` ignoring ASCII case and trailing dots, the second
//!    segment, if any, is exactly the bound id and does not end with `.`: for app `3`,
//!    `/apps/3` and `/apps/3/events` pass; `/apps/4`, `/apps/33/events`, `/apps/3;x`,
//!    `/apps/3/..;/4/events`, `/;/apps/4/events`, `/apps./4`, `/APPS/4/events` and
//!    `/apps/%34/events` do not. Other paths (and `/apps` itself) pass: they name no app.
//!
//! A path that fails is [`VerifyError::WrongApp`](crate::VerifyError::WrongApp), even
//! with a good signature: app A's secret must not reach app B's channels on a
//! multi-tenant server.

use crate::credentials::Credentials;
use crate::names::CHANNEL_CHARS;

/// Whether the credentials' app binding (if any) admits `path`: see the module docs.
pub(super) fn within_app(credentials: &Credentials, path: &str) -> bool {
    let Some(app) = credentials.app_id() else {
        return true;
    };
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    // Rule 1.
    if !rest.bytes().all(|b| b == b'/' || CHANNEL_CHARS.contains(b)) {
        return false;
    }
    // Rules 2 and 3.
    for (index, segment) in rest.split('/').enumerate() {
        let kept = match segment.split_once(';') {
            Some(_) if index < 2 => return false,
            Some((kept, _)) => kept,
            None => segment,
        };
        if is_dots_or_empty(segment) || is_dots_or_empty(kept) {
            return false;
        }
    }
    // Rule 4.
    let mut segments = rest.split('/');
    let first = segments.next().unwrap_or_default();
    if !first.trim_end_matches('.').eq_ignore_ascii_case("apps") {
        return true;
    }
    segments.next().is_none_or(|id| id == app.as_str() && !id.ends_with('.'))
}

/// Empty, or only dots: `.`, `..`, `...` (some normalizers treat longer runs as `..`).
fn is_dots_or_empty(segment: &str) -> bool {
    segment.bytes().all(|b| b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new("key".parse().unwrap(), "secret".parse().unwrap())
    }

    #[test]
    fn app_binding_is_exact() {
        let bound = creds().with_app_id("3".parse().unwrap());
        for inside in [
            "/apps/3",
            "/apps/3/events",
            "/apps/3/channels/presence-a/users",
            "/apps",
            "/apps3/events",
            "/other/apps/4",
            "/Apps/3/events",
            "/apps/3/channels/presence-a;b/users",
            "/apps/3/channels/a;..",
            "/apps/3/x.y",
        ] {
            assert!(within_app(&bound, inside), "{inside}");
        }
        for outside in [
            "/apps/4",
            "/apps/4/events",
            "/apps/33/events",
            "/apps/",
            "/apps//3/events",
            "/apps/3/../4/events",
            "/apps/./4",
            "/APPS/4/events",
            "/apps;x/4/events",
            "/apps/3;x/events",
            "/apps/%34/events",
            "/%61pps/4/events",
            "/apps/3\\..\\4/events",
            "/apps/3/events/",
            "/",
            // The paths: a front end stripping `;` parameters maps them to app 4.
            "/apps/3/..;/4/events",
            "/;/apps/4/events",
            // Variants: `;` anywhere, dot runs, trailing dots, encoded separators.
            "/apps/3/..;x/4/events",
            "/apps/3/.;/..;/4/events",
            "/apps;/4/events",
            "/apps/3;/events",
            "/x;/apps/4",
            "/x/;y/apps/4",
            "/apps/3/channels/;x",
            "/apps/3/.../4",
            "/apps/3/..../4",
            "/apps/3/./events",
            "/apps./4/events",
            "/apps../4/events",
            "/APPS./4/events",
            "/apps/3%2F..%2F4/events",
            "/apps/3%2f..%2f4/events",
            "/apps/3/%2E%2E/4/events",
            "/apps/3/..%3B/4/events",
            "/apps/3/..%5C4/events",
            "/apps/3/%252E%252E/4/events",
            "/apps/3/..\\4/events",
            "/apps\\4/events",
        ] {
            assert!(!within_app(&bound, outside), "{outside}");
        }
        assert!(within_app(&creds(), "/apps/4/events"));
    }

    #[test]
    fn an_id_ending_in_a_dot_is_never_inside() {
        // A normalizer dropping trailing dots would map `/apps/3./x` to app `3`.
        let bound = creds().with_app_id("3.".parse().unwrap());
        assert!(!within_app(&bound, "/apps/3./events"));
        assert!(!within_app(&bound, "/apps/3/events"));
        assert!(within_app(&bound, "/health"));
    }
}
