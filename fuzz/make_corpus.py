#!/usr/bin/env python3
"""Writes the committed seed corpora, fuzz/corpus/<target>/, from the published vectors
(tests/data/published.json) and the published hostile inputs (tests/data/rejects.json).

    python3 fuzz/make_corpus.py

Verify targets read fields separated by 0xFF (see each target's doc comment); the
structured round-trip targets decode any bytes, so their seeds are just starting points.
Seed files are named <vector or category>-<n>; re-running rewrites them identically.
"""

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
    for i, s in enumerate(sorted(valid)):
        write("names", "valid-%02d" % i, s.encode("utf-8"))
    for category, inputs in sorted(rejects.items()):
        if category == "about":
            continue
        for i, s in enumerate(inputs):
            write("names", "reject-%s-%02d" % (category, i), s.encode("utf-8"))

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


if __name__ == "__main__":
    main()
