#!/usr/bin/env python3
"""Writes the committed seed corpora, fuzz/corpus/<target>/, from the published vectors
(tests/data/published.json) and the published hostile inputs (tests/data/rejects.json).

    python3 fuzz/make_corpus.py

Verify targets read fields separated by 0xFF (see each target's doc comment); the
structured round-trip targets decode any bytes, so their seeds are just starting points.
Seed files are named <vector or category>-<n>; re-running rewrites them identically.
"""

import hashlib
import hmac
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data")
SEP = b"\xff"


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)


def join(*fields):
    return SEP.join(f.encode("utf-8") for f in fields)


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    vectors = load("published.json")["vectors"]
    rejects = load("rejects.json")
    by = lambda purpose: [v for v in vectors if v["purpose"] == purpose]

    # names: every published valid name, and every published reject.
    valid = set()
    for v in vectors:
        for field in ("key", "socket_id", "channel", "master_key_base64"):
            if isinstance(v.get(field), str):
                valid.add(v[field])
    valid.update(["#server-to-user-42", "/chat/room", "/chat/*", "/chat/**", "/meta/subscribe"])
    for i, s in enumerate(sorted(valid)):
        write("names", "valid-%02d" % i, s.encode("utf-8"))
    for category, inputs in sorted(rejects.items()):
        if category == "about":
            continue
        for i, s in enumerate(inputs):
            write("names", "reject-%s-%02d" % (category, i), s.encode("utf-8"))

    # Regressions: inputs that once broke a target's oracle.
    write("names", "regress-server-to-user-150", ("#server-to-user-" + "a" * 150).encode("utf-8"))

    # verify_channel_auth: key, secret, socket, channel[, data], auth.
    for v in by("channel") + by("presence"):
        auth = "%s:%s" % (v["key"], v["signature"])
        fields = [v["key"], v["secret"], v["socket_id"], v["channel"]]
        if v.get("channel_data") is not None:
            fields.append(v["channel_data"])
        write("verify_channel_auth", v["id"], join(*fields, auth))
        write("channel_roundtrip", v["id"], v["string_to_sign"].encode("utf-8"))
    v1 = by("channel")[0]
    for i, socket in enumerate(rejects["socket_id"]):
        auth = "%s:%s" % (v1["key"], v1["signature"])
        write("verify_channel_auth", "reject-socket-%02d" % i, join(v1["key"], v1["secret"], socket, v1["channel"], auth))
    for i, channel in enumerate(rejects["channel_name"]):
        auth = "%s:%s" % (v1["key"], v1["signature"])
        write("verify_channel_auth", "reject-channel-%02d" % i, join(v1["key"], v1["secret"], v1["socket_id"], channel, auth))

    # verify_user_auth: key, secret, socket, user_data, auth.
    for v in by("user"):
        auth = "%s:%s" % (v["key"], v["signature"])
        write("verify_user_auth", v["id"], join(v["key"], v["secret"], v["socket_id"], v["user_data"], auth))
        write("user_roundtrip", v["id"], v["string_to_sign"].encode("utf-8"))
    v3 = by("user")[0]
    for i, socket in enumerate(rejects["socket_id"]):
        auth = "%s:%s" % (v3["key"], v3["signature"])
        write("verify_user_auth", "reject-socket-%02d" % i, join(v3["key"], v3["secret"], socket, v3["user_data"], auth))


    # verify_api_request: method, path, query, body, now; api_roundtrip: raw bytes.
    for v in by("api"):
        canonical = v["string_to_sign"].split("\n", 2)[2]
        query = "%s&auth_signature=%s" % (canonical, v["signature"])
        body = v.get("body") or ""
        write("verify_api_request", v["id"], join(v["method"], v["path"], query, body, str(v["timestamp"])))
        write("api_roundtrip", v["id"], v["string_to_sign"].encode("utf-8"))

    # verify_webhook: key header, signature header, body; webhook_events: clock byte + body.
    for v in by("webhook"):
        write("verify_webhook", v["id"], join(v["key"], v["signature"], v["body"]))
        write("webhook_events", v["id"], b"\x01" + v["body"].encode("utf-8"))
    events = [
        '{"time_ms":1,"events":[{"name":"member_added","channel":"presence-a","user_id":"7"}]}',
        '{"time_ms":1,"events":[{"name":"member_removed","channel":"presence-a","user_id":"7"}]}',
        '{"time_ms":1,"events":[{"name":"channel_occupied","channel":"#server-to-user-7"}]}',
        '{"time_ms":1,"events":[{"name":"client_event","channel":"private-a","event":"client-x","data":"{}","socket_id":"1.1","user_id":"7"}]}',
        '{"time_ms":1,"events":[{"name":"client_event","channel":"private-a","event":"client-x","data":"{}","socket_id":"1.1:private-b"}]}',
        '{"time_ms":1,"events":[{"name":"cache_miss","channel":"cache-a"}]}',
        '{"time_ms":1,"events":[{"name":"subscription_count","channel":"a","subscription_count":3}]}',
        '{"time_ms":1,"events":[{"name":"something_new","x":[1,2,{"y":null}]}]}',
        '{"time_ms":-1,"events":[]}',
        '{"time_ms":18446744073709551616,"events":[]}',
        '{"events":[{"name":"channel_vacated","channel":"a\\nb"}]}',
        '[1]',
    ]
    for i, body in enumerate(events):
        write("webhook_events", "event-%02d" % i, bytes([i]) + body.encode("utf-8"))
        write("verify_webhook", "event-%02d" % i, join("key", hmac.new(b"rotated secret", body.encode(), hashlib.sha256).hexdigest(), body))

    # faye: secret, user id, channel (empty: none), token; or a bare channel name.
    for user, channel in [("alice", "/chat/room"), ("bob", ""), ("42", "/chat/**")]:
        message = user + (":" + channel if channel else "")
        token = hmac.new(b"secret", message.encode(), hashlib.sha256).hexdigest()
        write("faye", "token-%s" % user, join("secret", user, channel, token))
    for i, channel in enumerate(["/chat/room", "/chat/*", "/a/**/b", "/", "//", "/x/*y"]):
        write("faye", "channel-%02d" % i, channel.encode("utf-8"))
    write("faye", "token-guide", join("your secret key", "the user ID", "",
        "cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509"))

    # faye_messages: a mode byte (bit 0: wrap in an array), then a Bayeux message; a
    # token of "?" is replaced by the right one inside the target.
    messages = [
        '{"channel":"/meta/subscribe","clientId":"c","subscription":"/chat/alice","ext":{"userId":"alice","token":"?"}}',
        '{"channel":"/meta/subscribe","subscription":"/chat/alice","ext":{"userId":"the user ID","token":"cb20f4a58ea060d186fb4fad7949dfad0eea8bcf6ae2f4f9594e9c8f1dc9b509"}}',
        '{"channel":"/chat/alice","data":{"text":"hi"},"ext":{"userId":"alice","token":"?","password":"push password"}}',
        '{"channel":"/meta/subscribe","subscription":"/**","ext":{"userId":"alice","token":"?"}}',
        '{"channel":"/meta/subscribe","subscription":["/a","/b"],"ext":{"userId":"alice","token":"?"}}',
        '{"channel":"/meta/subscribe/x","subscription":"/a","ext":{"userId":"alice","token":"?"}}',
        '{"channel":"/meta/connect","clientId":"c","connectionType":"long-polling"}',
        '{"channel":"/foo","ext":{"userId":18787,"token":"?"}}',
        '{"channel":"/foo","ext":"token"}',
        '{"channel":"/foo","ext":{"Token":"x","PASSWORD":"y","authToken":"z","keep":1}}',
        '[{"channel":"/foo","ext":{"token":"a"}},{"channel":"/bar"}]',
    ]
    for i, m in enumerate(messages):
        write("faye_messages", "message-%02d" % i, bytes([i % 2]) + m.encode("utf-8"))


if __name__ == "__main__":
    main()
