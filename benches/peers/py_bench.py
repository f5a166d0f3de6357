"""Times the official Python library (PyPI `pusher`, pinned in requirements.txt) on the
inputs of inputs.json; prints one JSON line of nanoseconds per call (median of rounds)."""

import json
import os
import pathlib
import statistics
import timeit

import pusher

INPUT = json.loads((pathlib.Path(__file__).parent / "inputs.json").read_text())
ROUNDS = int(os.environ.get("ROUNDS", "7"))
CALLS = int(os.environ.get("CALLS", "20000"))

client = pusher.Pusher(app_id=INPUT["app_id"], key=INPUT["key"], secret=INPUT["secret"])
check = client.authenticate(INPUT["private_channel"], INPUT["socket_id"])
assert check["auth"] == INPUT["private_auth"], check


def time(f):
    f()
    rounds = timeit.repeat(f, number=CALLS, repeat=ROUNDS)
    return statistics.median(rounds) / CALLS * 1e9


member = INPUT["presence_member"]
print(
    json.dumps(
        {
            "private_sign": time(lambda: client.authenticate(INPUT["private_channel"], INPUT["socket_id"])),
            "presence_sign": time(
                lambda: client.authenticate(INPUT["presence_channel"], INPUT["socket_id"], member)
            ),
        }
    )
)
