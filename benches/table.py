#!/usr/bin/env python3
"""Prints the last `cargo bench --bench sign` run as one table, with the ratios.

    nice -n 5 cargo bench --bench sign && python3 benches/table.py

Reads criterion's own estimates (target/criterion/<group>/<bench>/new/estimates.json):
the slope estimate when criterion sampled linearly, the mean otherwise. Every figure
comes from the same run, so the ratios compare functions under the same machine load.
"""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def estimate(directory):
    """Nanoseconds per iteration, and the elements per iteration."""
    data = json.loads((directory / "new" / "estimates.json").read_text())
    info = json.loads((directory / "new" / "benchmark.json").read_text())
    point = (data.get("slope") or data["mean"])["point_estimate"]
    elements = (info.get("throughput") or {}).get("Elements", 1)
    return point, elements


def main():
    if not ROOT.is_dir():
        sys.exit(f"no criterion results under {ROOT}: run `cargo bench --bench sign` first")
    groups = {}
    for est in sorted(ROOT.glob("*/*/new/estimates.json")):
        bench = est.parent.parent
        groups.setdefault(bench.parent.name, {})[bench.name] = estimate(bench)
    print(f"{'group/bench':40} {'ns/op':>9} {'Mop/s':>8}  ratio")
    for group, benches in groups.items():
        for name, (ns, elements) in benches.items():
            rate = elements * 1e3 / ns
            note = ""
            if name.startswith("naive_"):
                ours = benches.get("ours_" + name[len("naive_"):])
                if ours:
                    note = f"ours is {ns / ours[0]:.2f}x faster"
            elif name == "ours_sign" and "floor" in benches:
                note = f"{ns / benches['floor'][0]:.2f}x the floor"
            elif name == "ours_verify" and "ours_sign" in benches:
                note = f"{ns / benches['ours_sign'][0]:.2f}x the time of sign"
            elif name == "2_thread" and "1_thread" in benches:
                one_ns, one_el = benches["1_thread"]
                note = f"{rate / (one_el * 1e3 / one_ns):.2f}x the throughput of 1 thread"
            print(f"{group + '/' + name:40} {ns / elements:9.1f} {rate:8.2f}  {note}")


if __name__ == "__main__":
    main()
