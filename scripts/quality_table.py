#!/usr/bin/env python3
"""Aggregate msformer eval JSON files (SET_MODE_SEED.json) into a Markdown table:
per set and method, the mean over images of best-overlap, click and auto DSC,
then mean and spread (max - min) over seeds; plus a per-image click table."""
import collections
import json
import pathlib
import statistics
import sys

results = pathlib.Path(sys.argv[1])
runs = collections.defaultdict(lambda: collections.defaultdict(list))  # (set, method) -> metric -> [per seed]
per_image = collections.defaultdict(lambda: collections.defaultdict(list))  # (image, method) -> [click per seed]
seeds = collections.defaultdict(set)
for f in sorted(results.glob("*.json")):
    stem = f.stem
    set_name, mode, seed = stem.rsplit("_", 2)
    data = json.loads(f.read_text())
    for method, body in data.items():
        if not isinstance(body, dict) or "mean" not in body:
            continue
        label = {"msformer": f"MS-Former {mode}", "kmeans": "k-means"}[method]
        for key in ("dsc", "click_dsc", "auto_dsc"):
            runs[(set_name, label)][key].append(body["mean"][key])
        seeds[(set_name, label)].add(seed)
        for row in body["per_image"]:
            per_image[(set_name + "/" + row["image"], label)]["click"].append(row["click_dsc"])

def fmt(values):
    m = statistics.mean(values) * 100
    spread = (max(values) - min(values)) * 100
    return f"{m:.1f} (±{spread / 2:.1f})" if len(values) > 1 else f"{m:.1f}"

print("| set | method | seeds | best-overlap DSC | click DSC | auto DSC |")
print("|---|---|---|---|---|---|")
for (set_name, label), metrics in sorted(runs.items()):
    print(f"| {set_name} | {label} | {len(seeds[(set_name, label)])} | {fmt(metrics['dsc'])} | "
          f"{fmt(metrics['click_dsc'])} | {fmt(metrics['auto_dsc'])} |")
print()
print("Per image, click DSC (mean over seeds; spread = max - min):")
print()
labels = sorted({label for _, label in per_image})
print("| image | " + " | ".join(labels) + " |")
print("|---|" + "---|" * len(labels))
for image in sorted({i for i, _ in per_image}):
    cells = []
    for label in labels:
        v = per_image.get((image, label), {}).get("click", [])
        cells.append(f"{statistics.mean(v) * 100:.1f} (spread {(max(v) - min(v)) * 100:.1f})" if v else "-")
    print(f"| {image} | " + " | ".join(cells) + " |")
