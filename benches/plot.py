#!/usr/bin/env python3
"""Draws fan-out and load scaling from criterion's results into benches/scaling.png.

Run after `cargo bench --workspace` (needs matplotlib: `pip install matplotlib`):
    python3 benches/plot.py [target/criterion]
"""
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
series = {}
for bench in root.glob("**/new/benchmark.json"):
    meta = json.loads(bench.read_text())
    if not meta.get("value_str"):
        continue
    try:
        n = int(meta["value_str"])
    except ValueError:
        continue
    median = json.loads((bench.parent / "estimates.json").read_text())["median"]["point_estimate"]
    series.setdefault((meta["group_id"], meta["function_id"]), []).append((n, median))

panels = [
    ("fan-out: time per provider", [
        ("fan-out through a consumer", "call-many", "plugtree, through a consumer (any socket)"),
        ("peer host fan-out add over N providers", "plugtree", "plugtree, host → any root"),
        ("peer host fan-out add over N providers", "wasm-link", "wasm-link, host → any binding"),
    ]),
    ("load: time per plugin", [
        ("load N distinct small plugins", "cold", "cold (compile + link + instantiate)"),
        ("load N distinct small plugins", "cached", "with the artifact cache"),
    ]),
]
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
for ax, (title, lines) in zip(axes, panels):
    for group, function, label in lines:
        points = sorted(series.get((group, function), []))
        if points:
            ax.plot([n for n, _ in points], [t / n / 1000 for n, t in points], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N (providers or plugins)")
    ax.set_ylabel("µs per provider / plugin (median)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
fig.tight_layout()
out = pathlib.Path(__file__).with_name("scaling.png")
fig.savefig(out, dpi=110)
print(f"wrote {out}")
