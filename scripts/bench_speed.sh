#!/usr/bin/env bash
# Speed figures of docs/benchmarks.md: `msformer bench --json`, 3 runs per row,
# on this machine, into docs/measurements/*.jsonl. Run it on an idle machine.
# Rows: the literal NCHW network (--reference, "before"), the token-layout
# network (faithful mode, "after"), and the default mode; S = 257 and 129;
# and each mode in the other precision (fp32 / bf16).
# Each row also runs with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset, i.e. with
# the kernel OpenBLAS picks for this CPU (the variables are set on this machine
# kind only; users' machines do not have them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cli="$root/build/app/msformer"
out="$root/docs/measurements"  # committed raw figures; delete a file to re-measure its row
runs="${RUNS:-3}"
mkdir -p "$out"
row() {  # row NAME ARGS...
  local name=$1; shift
  for env in machine native; do
    local file="$out/${name}_${env}.jsonl"
    [ -s "$file" ] && continue
    for _ in $(seq "$runs"); do
      if [ $env = native ]; then env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$cli" bench --json "$@" >>"$file"
      else "$cli" bench --json "$@" >>"$file"; fi
    done
    echo "$name ($env env): done"
    measured=1
  done
}
measured=0
row faithful_reference_257 --mode faithful --reference --size 257 --iterations 5
row faithful_257 --mode faithful --size 257 --iterations 8
row faithful_129 --mode faithful --size 129 --iterations 10
row default_129 --mode default --iterations 10
# The precisions side by side: default mode's auto is bf16 on CPUs with native
# bfloat16 (this one), faithful mode's tf32 is float32 on a CPU.
row default_fp32_129 --mode default --precision fp32 --iterations 10
row faithful_bf16_257 --mode faithful --precision bf16 --size 257 --iterations 8
# The machine line of docs/benchmarks.md names where these rows were measured,
# not where benchmarks_doc.py happens to run.
if [ "$measured" = 1 ]; then
  awk -v cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" -v cores="$(nproc)" \
      -v os="$(uname -s) $(uname -r)" '/^MemTotal/ { printf "%s, %s cores, %.0f GiB, %s\n", cpu, cores, $2 / 1048576, os }' \
      /proc/meminfo >"$out/machine.txt"
fi
