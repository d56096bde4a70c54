#!/usr/bin/env bash
# Click DSC of MS-Former's map at every iteration (as the app's , and . show them) and of its final map and
# k-means', seed-averaged, per image of the quality sets that scripts/benchmarks.sh prepares under
# build/bench/sets (the brain evaluation slices of the quality table by default).
# Usage: scripts/click_dsc_by_iteration.sh [OUTDIR] [msformer eval options...]
#   env SETS="itk_brain colin27 ...", SEEDS="0 1 2", ITK_SLICES, COLIN_SLICES
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out=${1:-$root/build/bench/by_iteration}
shift || true
sets="$root/build/bench/sets"
[ -d "$sets" ] || { echo "no $sets: run scripts/benchmarks.sh once first" >&2; exit 1; }
mkdir -p "$out"
ITK_SLICES=${ITK_SLICES:-20,31,40} COLIN_SLICES=${COLIN_SLICES:-60,90,120}
# shellcheck source=scripts/quality_sets.sh
. "$root/scripts/quality_sets.sh"
for seed in ${SEEDS:-0 1 2}; do
  for set in ${SETS:-${quality_sets[*]}}; do
    [ -n "${quality_set_options[$set]+set}" ] || { echo "unknown set '$set' (sets: ${quality_sets[*]})" >&2; exit 2; }
    # shellcheck disable=SC2086
    "$root/build/app/msformer" eval --images "$sets/$set/images" --masks "$sets/$set/masks" --methods msformer,kmeans \
      --every-iteration --seed "$seed" --json "$out/${set}_seed$seed.json" --force ${quality_set_options[$set]} "$@" >/dev/null
  done
done
python3 - "$out" <<'PY'
import collections, glob, json, os, statistics, sys
rows = collections.defaultdict(lambda: collections.defaultdict(list))  # image -> column -> values over seeds
order = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*_seed*.json"))):
    d = json.load(open(path))
    for r in d["msformer"]["per_image"]:
        if r["image"] not in rows: order.append(r["image"])
        v = rows[r["image"]]
        v["final"].append(r["click_dsc"])
        v["iterations"].append(len(r["per_iteration"]))
        for it in r["per_iteration"]:
            v[it["iteration"]].append(it["click_dsc"])
    for r in d["kmeans"]["per_image"]:
        rows[r["image"]]["kmeans"].append(r["click_dsc"])
mean = statistics.mean
print("click DSC, means over seeds; iteration k: the map after k - 1 steps, where every seed's run reached it")
print("%-24s %6s %6s %6s  %s" % ("image", "final", "kmeans", "best k", "iteration 1, 2, ..."))
for image in order:
    v = rows[image]
    seeds = len(v["final"])
    its = [k for k in range(1, max(v["iterations"]) + 1) if len(v[k]) == seeds]
    best = max(its, key=lambda k: mean(v[k]))
    print("%-24s %6.3f %6.3f %6d  %s" % (image, mean(v["final"]), mean(v["kmeans"]), best,
                                         " ".join("%.3f" % mean(v[k]) for k in its)))
PY
