"""Drive both oracles over /shared/vectors/published.json and check each library's answers.

Run through selfcheck.sh (which installs the oracles first). Needs only the standard
library. Each check says which library, which vector, and what was expected; the known
differences of the Python library (spaced JSON, body_md5 on empty bodies, freshness in
validate_webhook) are checked as such, not skipped.
"""

import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_VECTORS = os.path.join(HERE, "../../../shared/vectors/published.json")
# The repository's own copy when shared/ is not beside the clone (a worktree, say).
VECTORS = sys.argv[1] if len(sys.argv) > 1 else (
    SHARED_VECTORS if os.path.exists(SHARED_VECTORS) else os.path.join(HERE, "../data/published.json"))
NODE = ["node", os.path.join(HERE, "oracle.mjs")]
PYTHON = [os.path.join(HERE, ".venv/bin/python"), os.path.join(HERE, "oracle.py")]

DUMMY = {"key": "key", "secret": "secret", "socket_id": "1.1"}
EMPTY_MD5 = hashlib.md5(b"").hexdigest()


def build_cases(vectors):
    """[(case, check)] where check(lib, result) -> list of failure strings."""
    out = []
    keys_by_channel = {v["channel"]: v["master_key_base64"] for v in vectors if v["purpose"] == "shared_secret"}

    def add(case, check):
        out.append((case, check))

    for v in vectors:
        vid, p = v["id"], v["purpose"]
        if p in ("channel", "string"):
            channel = v["channel"]
            if channel.startswith("private-encrypted-"):
                # V38a: the library also needs a master key; take the one its sibling vector uses
                case = {"kind": "encrypted", "master_key_base64": keys_by_channel[channel]}
            else:
                case = {"kind": "private"}
            case.update(id=vid, key=v["key"], secret=v["secret"], socket_id=v["socket_id"], channel=channel)
            want = "%s:%s" % (v["key"], v["signature"])
            add(case, lambda lib, r, want=want: expect(r, "auth", want))
        elif p in ("presence", "user"):
            data = json.loads(v["channel_data"] if p == "presence" else v["user_data"])
            field = "channel_data" if p == "presence" else "user_data"
            base = {"id": vid, "key": v["key"], "secret": v["secret"], "socket_id": v["socket_id"]}
            if p == "presence":
                base.update(kind="presence", channel=v["channel"], presence_data=data)
            else:
                base.update(kind="user", user_data=data)
            want_auth = "%s:%s" % (v["key"], v["signature"])
            want_data = v[field]
            spaced = json.dumps(data)  # what the Python library sends by default

            def default_check(lib, r, want_auth=want_auth, want_data=want_data, spaced=spaced, field=field):
                if lib == "node":
                    return expect(r, field, want_data) + expect(r, "auth", want_auth)
                # Python: json.dumps default separators, so other bytes and another signature
                return expect(r, field, spaced) + expect_not(r, "auth", want_auth)

            add(base, default_check)
            compact = dict(base, id=vid + "/py_json=compact", py_json="compact")
            add(compact, lambda lib, r, a=want_auth, d=want_data, f=field: expect(r, f, d) + expect(r, "auth", a))
        elif p == "api":
            case = {
                "kind": "api", "id": vid, "key": v["key"], "secret": v["secret"], "app_id": "3",
                "method": v["method"], "path": v["path"], "params": v["params"],
                "body": v["body"], "timestamp": v["timestamp"],
            }
            signed_query = v["string_to_sign"].split("\n", 2)[2]

            def api_check(lib, r, v=v, signed_query=signed_query):
                if not r.get("ok"):
                    return ["error: %s" % r.get("error")]
                pairs = r["query"].split("&")
                rest = "&".join(x for x in pairs if not x.startswith("auth_signature="))
                fails = []
                if lib == "node" and pairs[-1] != "auth_signature=" + v["signature"]:
                    fails.append("node: auth_signature not last or wrong: %s" % r["query"])
                if lib == "python" and not v["body"]:
                    # Python always sends body_md5, so a no-body vector cannot be reproduced
                    want_rest = "&".join(sorted(signed_query.split("&") + ["body_md5=" + EMPTY_MD5]))
                    fails += expect_value("query without auth_signature", rest, want_rest)
                    fails += expect_not(r, "auth_signature", v["signature"])
                    return fails
                if lib == "python" and pairs != sorted(pairs):
                    fails.append("python: query not fully sorted: %s" % r["query"])
                fails += expect_value("query without auth_signature", rest, signed_query)
                fails += expect(r, "auth_signature", v["signature"])
                return fails

            add(case, api_check)
        elif p == "shared_secret":
            case = dict(DUMMY, kind="encrypted", id=vid, channel=v["channel"], master_key_base64=v["master_key_base64"])
            add(case, lambda lib, r, want=v["shared_secret"]: expect(r, "shared_secret", want))
        elif p == "webhook":
            base = {"key": v["key"], "secret": v["secret"], "body": v["body"]}
            add(dict(base, kind="webhook_sign", id=vid), lambda lib, r, s=v["signature"]: expect(r, "signature", s))
            body = json.loads(v["body"])
            fresh = dict(base, kind="webhook_verify", id=vid + "/verify", signature=v["signature"])
            if "time_ms" in body:
                fresh["now_ms"] = body["time_ms"] + 1000  # Python checks freshness against its clock

            def verify_check(lib, r, has_time="time_ms" in body):
                # Python's validate_webhook also wants a time_ms within 300 s of now
                valid = lib == "node" or has_time
                return expect(r, "valid", valid) + expect(r, "signature_ok", True)

            add(fresh, verify_check)
            if "time_ms" in body:
                stale = dict(fresh, id=vid + "/stale", now_ms=body["time_ms"] + 301000)
                add(stale, lambda lib, r: expect(r, "valid", lib == "node") + expect(r, "signature_ok", True))
            bad_sig = v["signature"][:-1] + ("0" if v["signature"][-1] != "0" else "1")
            bad = dict(fresh, id=vid + "/bad-signature", signature=bad_sig)
            add(bad, lambda lib, r: expect(r, "valid", False) + expect(r, "signature_ok", False))
            upper = dict(fresh, id=vid + "/uppercase-hex", signature=v["signature"].upper())
            add(upper, lambda lib, r, s=v["signature"]: expect(r, "signature_ok", s == s.upper()))
        # faye (V50): neither library implements Faye tokens
    return out


def expect(r, field, want):
    if not r.get("ok"):
        return ["error: %s" % r.get("error")]
    return expect_value(field, r.get(field), want)


def expect_not(r, field, unwanted):
    if not r.get("ok"):
        return ["error: %s" % r.get("error")]
    return ["%s unexpectedly equals %r" % (field, unwanted)] if r.get(field) == unwanted else []


def expect_value(what, got, want):
    return [] if got == want else ["%s: got %r, want %r" % (what, got, want)]


def run_oracle(cmd, cases):
    text = "".join(json.dumps(c) + "\n" for c in cases)
    proc = subprocess.run(cmd, input=text, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit("%s exited %d: %s" % (cmd[0], proc.returncode, proc.stderr))
    lines = proc.stdout.splitlines()
    if len(lines) != len(cases):
        sys.exit("%s answered %d lines for %d cases" % (cmd[0], len(lines), len(cases)))
    return [json.loads(line) for line in lines]


def main():
    with open(VECTORS) as f:
        vectors = json.load(f)["vectors"]
    checks = build_cases(vectors)
    cases = [{"kind": "version"}] + [c for c, _ in checks]
    passed = failed = 0
    for lib, cmd in (("node", NODE), ("python", PYTHON)):
        results = run_oracle(cmd, cases)
        v = results[0]
        print("# %s %s on %s" % (v["library"], v["version"], v["runtime"]))
        for (case, check), r in zip(checks, results[1:]):
            if r.get("id") != case["id"]:
                sys.exit("%s: answer out of order at %s" % (lib, case["id"]))
            fails = check(lib, r)
            if fails:
                failed += 1
                print("FAIL %s %s: %s" % (lib, case["id"], "; ".join(fails)))
            else:
                passed += 1
    print("selfcheck: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
