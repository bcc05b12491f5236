#!/usr/bin/env python3
"""Prints criterion's medians as the Markdown tables of BENCHMARKS.md.

Run after `cargo bench --workspace`:  python3 benches/report.py [target/criterion]
Each group's floor is its raw wasmtime `Func::call` row (else `TypedFunc`, else
`memcpy`); every row shows its median, its ratio to that floor and, with a
throughput, its rate.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
groups = {}
for bench in sorted(root.glob("**/new/benchmark.json")):
    meta = json.loads(bench.read_text())
    estimates = json.loads((bench.parent / "estimates.json").read_text())
    name = meta["function_id"] + (f" / {meta['value_str']}" if meta.get("value_str") else "")
    groups.setdefault(meta["group_id"], []).append((name, estimates["median"]["point_estimate"], meta.get("throughput")))


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.0f} ns"


def floor_of(rows):
    for key in ("Func::call", "TypedFunc", "memcpy"):
        for name, ns, _ in rows:
            if key in name and "46" not in name:
                return name, ns
    return None, None


for group, rows in groups.items():
    floor_name, floor = floor_of(rows)
    print(f"\n### {group}\n")
    print(f"| case | median | × floor{f' ({floor_name})' if floor_name else ''} | rate |")
    print("|---|---:|---:|---:|")
    for name, ns, throughput in rows:
        ratio = f"{ns / floor:.2f}" if floor else ""
        rate = ""
        if throughput and "Bytes" in throughput:
            rate = f"{throughput['Bytes'] / ns:.2f} GB/s"
        elif throughput and "Elements" in throughput:
            rate = f"{fmt_time(ns / throughput['Elements'])} each"
        print(f"| {name} | {fmt_time(ns)} | {ratio} | {rate} |")
