#!/usr/bin/env bash
# What a large photo costs end to end: `msformer segment` (default target: auto)
# on the generated 4096 x 4096 lesion image, MS-Former and k-means, RUNS runs
# each (default 3); prints each run and the medians of the run time (engine,
# as the CLI reports it) and of the wall time and peak memory of the process
# (loading, post-processing, selection and writing included).
# Usage: [MSFORMER_CLI=other/msformer] [RUNS=n] scripts/bench_large_image.sh [IMAGE]
#        (default: the generated image; docs/measurements/large_image.log)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cli="${MSFORMER_CLI:-$root/build/app/msformer}"  # MSFORMER_CLI: another build, for a before/after
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=${1:-}
if [ -z "$image" ]; then
  "$cli" synth -o "$work/set" --count 1 --size 4096 >/dev/null
  image="$work/set/images/lesion_0.png"
fi
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "image: $image ($("$cli" info "$image" | grep '^dimensions' | cut -d' ' -f2-4 | tr -d ,))"
for method in msformer kmeans; do
  : >"$work/runs"
  for _ in $(seq "${RUNS:-3}"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$cli" segment "$image" -o "$work/out" --force --quiet --method "$method" \
      >"$work/log"
    engine=$(grep -o '[0-9.]* s on' "$work/log" | cut -d' ' -f1)
    read -r wall kb <"$work/time"
    echo "$method: engine $engine s, wall $wall s, peak $((kb / 1024)) MB, $(grep -o 'target: .*' "$work/log")"
    echo "$engine $wall $((kb / 1024))" >>"$work/runs"
  done
  echo "$method median: engine $(cut -d' ' -f1 "$work/runs" | median) s, wall $(cut -d' ' -f2 "$work/runs" | median) s," \
    "peak $(cut -d' ' -f3 "$work/runs" | median) MB"
done
