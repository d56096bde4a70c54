#!/usr/bin/env bash
# Builds engine/ against the LibTorch inside the machine's PyTorch and measures
# the CUDA path: ms/iteration at S = 257 (faithful) and the default mode in each
# precision (CUDA graph replay), a profile of the first and the last precision
# (top kernels), and seeded label maps of every precision compared with the
# first's (and the CPU's). For the lent GPU machine
# (README, "Tests and measurements"); writes its log and two profile traces to ${OUT:-/tmp/gpu-out}
# (build logs stay in /tmp/msformer-gpu).
#
# BASELINE_TAR=path/to/tree.tar (from `git archive REV`) also builds that
# revision's engine and times it interleaved with this one on the same card.
set -uo pipefail
out="${OUT:-/tmp/gpu-out}"
work=/tmp/msformer-gpu
mkdir -p "$out" "$work"
exec > >(tee "$out/gpu_check.log") 2>&1
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'

build_engine() {  # source dir, build dir, log name
  local src=$1 dir=$2 name=$3
  # C++17, then C++20 (newer LibTorch headers), then without CUDA graphs.
  for attempt in "17 ON" "20 ON" "17 OFF"; do
    set -- $attempt
    if cmake -S "$src" -B "$dir" -G Ninja -DMSFORMER_ENGINE_ONLY=ON -DCMAKE_BUILD_TYPE=Release \
         -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_STANDARD=$1 -DMSFORMER_CUDA_GRAPHS=$2 \
         >"$work/cmake_${name}_$1$2.log" 2>&1 &&
       cmake --build "$dir" -j 8 >"$work/build_${name}_$1$2.log" 2>&1; then
      echo "$name: built with C++$1, CUDA graphs $2"; grep -h "CUDA graphs" "$work/cmake_${name}_$1$2.log"; return 0
    fi
    echo "$name: build with C++$1, CUDA graphs $2 failed:"
    grep -h -m 20 -E "error" "$work/build_${name}_$1$2.log" "$work/cmake_${name}_$1$2.log"
    rm -rf "$dir"
  done
  return 1
}

new=/tmp/msformer-engine-build
base=""
if [ -n "${BASELINE_TAR:-}" ] && [ -f "$BASELINE_TAR" ]; then
  mkdir -p /tmp/baseline-src && tar -xf "$BASELINE_TAR" -C /tmp/baseline-src
  build_engine /tmp/baseline-src /tmp/msformer-baseline-build baseline &
  basepid=$!
fi
build_engine . "$new" current || exit 1
if [ -n "${basepid:-}" ] && wait "$basepid"; then base=/tmp/msformer-baseline-build/engine/core/msformer-engine-bench; fi
bench="$new/engine/core/msformer-engine-bench"
summary() { grep -E "^size|^cuda graph" | sed -E 's/.*median ([0-9.]+) ms.*peak RSS ([0-9]+) MB.*/\1 ms (RSS \2 MB)/' | tr '\n' ' '; }

# PRECISIONS: the --precision values timed (MsFormerConfig::precision);
# CPU_MAPS=0 leaves out the CPU's seeded runs (compare with a CPU run elsewhere).
precisions=${PRECISIONS:-fp32 tf32 bf16}
first=${precisions%% *} last=${precisions##* }
for mode in faithful default; do
  size=$([ $mode = faithful ] && echo 257 || echo 129)
  echo "== $mode S=$size: CUDA graph timing, 30 iterations, no early stop; runs interleaved"
  for run in 1 2 3; do
    [ -n "$base" ] && [ $run -le 2 ] && echo "baseline: $("$base" --mode $mode --size $size --device cuda --iterations 30 | summary)"
    for p in $precisions; do
      echo "$p: $("$bench" --mode $mode --size $size --device cuda --iterations 30 --precision $p | summary)"
    done
  done
  for p in $(echo "$first $last" | tr ' ' '\n' | uniq); do
    echo "== $mode: profile of iterations 4-6, CUDA graph, precision $p"
    "$bench" --mode $mode --size $size --device cuda --iterations 7 --precision $p --profile "$out/${mode}_${p}_trace.json" | grep -v "^mode" | head -30
  done
  echo "== $mode: seeded real runs (early stop), CUDA graph, each precision; label maps in \$OUT/maps"
  mkdir -p "$out/maps"
  for p in $precisions; do
    echo "$p: $("$bench" --mode $mode --size $size --device cuda --iterations 50 --until-stop --precision $p --dump "$out/maps/${mode}_cuda_$p.bin" | grep -v "^mode" | tr '\n' ' ')"
  done
  if [ "${CPU_MAPS:-1}" != 0 ]; then
    "$bench" --mode $mode --size $size --device cpu --iterations 50 --until-stop --dump "$out/maps/${mode}_cpu_fp32.bin" | grep -v "^mode"
    echo "CPU (fp32) vs CUDA graph ($first):"; python3 scripts/compare_label_maps.py "$out/maps/${mode}_cpu_fp32.bin" "$out/maps/${mode}_cuda_$first.bin"
  fi
  for p in $precisions; do
    [ $p = "$first" ] && continue
    echo "CUDA $first vs CUDA $p:"; python3 scripts/compare_label_maps.py "$out/maps/${mode}_cuda_$first.bin" "$out/maps/${mode}_cuda_$p.bin"
  done
done
