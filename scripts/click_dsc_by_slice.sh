#!/usr/bin/env bash
# Click DSC per image (and the set's mean click and best-overlap DSC) for one configuration, over the quality sets that
# scripts/benchmarks.sh prepares under build/bench/sets, with the brain slices
# held out from the quality table by default (ITK 15,25,35,45; Colin27
# 70,100,110). Used for docs/measurements/brain_experiments.log.
# Usage: scripts/click_dsc_by_slice.sh NAME METHODS [msformer eval options...]
#   env SETS="itk_brain colin27 ...", ITK_SLICES, COLIN_SLICES
# e.g.   scripts/click_dsc_by_slice.sh d32 msformer --embed-dim 32
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name=$1 methods=$2
shift 2
sets="$root/build/bench/sets"
[ -d "$sets" ] || { echo "no $sets: run scripts/benchmarks.sh once first" >&2; exit 1; }
json=$(mktemp --suffix=.json)
trap 'rm -f "$json"' EXIT
ITK_SLICES=${ITK_SLICES:-15,25,35,45} COLIN_SLICES=${COLIN_SLICES:-70,100,110}
# shellcheck source=scripts/quality_sets.sh
. "$root/scripts/quality_sets.sh"
for set in ${SETS:-${quality_sets[*]}}; do
  [ -n "${quality_set_options[$set]+set}" ] || { echo "unknown set '$set' (sets: ${quality_sets[*]})" >&2; exit 2; }
  # shellcheck disable=SC2086
  "$root/build/app/msformer" eval --images "$sets/$set/images" --masks "$sets/$set/masks" --methods "$methods" \
    --json "$json" --force ${quality_set_options[$set]} "$@" >/dev/null
  python3 - "$json" "$name" "$set" <<'PY'
import json, sys
path, name, subset = sys.argv[1:]
for method, d in json.load(open(path)).items():
    if not isinstance(d, dict) or "per_image" not in d:
        continue
    rows = d["per_image"]
    cells = " ".join("%s=%.3f" % (r["image"].split("@")[-1], r["click_dsc"]) for r in rows)
    mean = lambda key: sum(r[key] for r in rows) / len(rows)
    print(f"{name} {method} {subset} {cells} mean {mean('click_dsc'):.3f} best-overlap mean {mean('dsc'):.3f}")
PY
done
