"""Differential-test oracle backed by the official Python server library (`pusher` on PyPI).

Reads JSON Lines on stdin (one case per line), writes one JSON line per case on stdout,
in the same order. Every result is computed by the library's own functions; nothing here
computes an HMAC, a hash or a query string itself. See README.md for the case format and
for the library's quirks.

    .venv/bin/python oracle.py < cases.jsonl > python.jsonl
"""

import json
import sys
import types
import warnings
from importlib.metadata import version as dist_version

import pusher
import pusher.authentication_client
import pusher.http
import pusher.signature

# The library warns (warnings module) about deprecated options; keep stdout clean anyway.
warnings.simplefilter("ignore")

_clients = {}


class CompactJSONEncoder(json.JSONEncoder):
    """For cases with "py_json": "compact": the library's documented json_encoder hook,
    set to serialize as Node and the other libraries do (no spaces, raw UTF-8)."""

    def __init__(self, **kwargs):
        kwargs["separators"] = (",", ":")
        kwargs["ensure_ascii"] = False
        super().__init__(**kwargs)


JSON_ENCODERS = {None: None, "default": None, "compact": CompactJSONEncoder}


def client(c, with_master_key):
    """One pusher.Pusher per (app id, key, secret, master key)."""
    app_id = c.get("app_id", "1")
    master = c.get("master_key_base64") if with_master_key else None
    encoder = c.get("py_json")
    ident = (app_id, c.get("key"), c.get("secret"), master, encoder)
    p = _clients.get(ident)
    if p is None:
        if encoder not in JSON_ENCODERS:
            raise ValueError("unknown py_json: %r (use \"default\" or \"compact\")" % (encoder,))
        kwargs = {"json_encoder": JSON_ENCODERS[encoder]}
        if master is not None:
            kwargs["encryption_master_key_base64"] = master
        # may raise (non-numeric app id, bad master key): reported as the case's error
        p = pusher.Pusher(app_id=app_id, key=c.get("key"), secret=c.get("secret"), **kwargs)
        if len(_clients) > 1000:
            _clients.clear()
        _clients[ident] = p
    return p


class _FixedClock:
    """Stands in for the `time` module inside one pusher module for one call."""

    def __init__(self, seconds):
        self._seconds = seconds

    def time(self):
        return self._seconds


def _at_time(module, seconds, f):
    real = module.time
    module.time = _FixedClock(seconds)
    try:
        return f()
    finally:
        module.time = real


def _text(result):
    """The library returns shared_secret as bytes; JSON wants text."""
    return {k: (v.decode("ascii") if isinstance(v, bytes) else v) for k, v in result.items()}


def k_private(c):
    # Pusher.authenticate(channel, socket_id) -> {"auth"[, "shared_secret"]}
    return _text(client(c, True).authenticate(c.get("channel"), c.get("socket_id")))


def k_presence(c):
    # Pusher.authenticate(channel, socket_id, custom_data) -> {"auth", "channel_data"}
    return _text(
        client(c, True).authenticate(c.get("channel"), c.get("socket_id"), c.get("presence_data"))
    )


def k_encrypted(c):
    # same call with encryption_master_key_base64 set -> {"auth", "shared_secret"}
    return _text(client(c, True).authenticate(c.get("channel"), c.get("socket_id")))


def k_user(c):
    # Pusher.authenticate_user(socket_id, user_data) -> {"auth", "user_data"}
    return _text(client(c, False).authenticate_user(c.get("socket_id"), c.get("user_data")))


def k_api(c):
    # pusher.http.Request is what every REST call sends. Its constructor derives the body
    # from the params (POST: body = json.dumps(params), no query params; GET: query =
    # params, empty body), so to sign an arbitrary (query params, body) pair we let the
    # constructor run (it checks the method), then set the query params and raw body and
    # call the same Request._generate_auth() the constructor calls, with time pinned.
    p = client(c, False)
    auth_client = p._authentication_client  # a pusher.client.Client, as Request expects
    body = c.get("body")
    params = c.get("params") or {}

    def build():
        req = pusher.http.Request(auth_client, c.get("method"), c.get("path"), {})
        req.params = dict(params)
        req.query_params = dict(params)
        req.body = b"" if body is None else body.encode("utf8")
        req._generate_auth()
        return req

    req = _at_time(pusher.http, c.get("timestamp"), build)
    return {"query": req.query_string, "auth_signature": req.query_params["auth_signature"]}


def k_webhook_verify(c):
    # Pusher.validate_webhook(key, signature, body) -> parsed body or None. It also needs
    # a "time_ms" within 300 s of the clock: pass "now_ms" to pin the clock for the call.
    # "key_header" (default: key) is the X-Pusher-Key received; "key" is the app's key.
    p = client(c, False)
    key_header = c.get("key_header", c.get("key"))

    def call():
        return p.validate_webhook(key_header, c.get("signature"), c.get("body"))

    now_ms = c.get("now_ms")
    if now_ms is None:
        result = call()
    else:
        result = _at_time(pusher.authentication_client, now_ms / 1000.0, call)
    # signature_ok: pusher.signature.verify alone, the check validate_webhook makes first
    signature_ok = pusher.signature.verify(c.get("secret"), c.get("body"), c.get("signature"))
    return {"valid": result is not None, "signature_ok": signature_ok}


def k_webhook_sign(c):
    # pusher.signature.sign(secret, body): what validate_webhook compares against
    return {"signature": pusher.signature.sign(c.get("secret"), c.get("body"))}


def k_version(c):
    return {
        "library": "pusher (PyPI)",
        "version": dist_version("pusher"),
        "runtime": "python " + sys.version.split()[0],
    }


HANDLERS = {
    "private": k_private,
    "presence": k_presence,
    "encrypted": k_encrypted,
    "user": k_user,
    "api": k_api,
    "webhook_verify": k_webhook_verify,
    "webhook_sign": k_webhook_sign,
    "version": k_version,
}


def run(line):
    try:
        c = json.loads(line)
    except ValueError as e:
        return {"ok": False, "error": "bad case line: %s" % e}
    out = {"id": c["id"]} if isinstance(c, dict) and "id" in c else {}
    handler = HANDLERS.get(c.get("kind")) if isinstance(c, dict) else None
    if handler is None:
        kind = c.get("kind") if isinstance(c, dict) else None
        return {**out, "ok": False, "error": "unknown kind: %s" % json.dumps(kind)}
    try:
        return {**out, "ok": True, **handler(c)}
    except Exception as e:  # the library raised: that is the answer
        return {**out, "ok": False, "error": "%s: %s" % (type(e).__name__, e)}


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue  # blank lines are not cases
        # ASCII-only JSON: survives lone surrogates; compare parsed values, not bytes
        out.write(json.dumps(run(line), separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    sys.stdin.reconfigure(encoding="utf-8", errors="strict")
    main()
