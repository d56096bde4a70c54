#!/usr/bin/env bash
# Builds engine/ against the LibTorch inside the machine's PyTorch (with the
# engine's CUDA kernels where nvcc is found) and measures the CUDA path, for the
# lent GPU machine (README, "Tests and measurements"):
# 1. msformer-engine-bench --self-check: the LayerNorm kernels and the network's
#    CUDA loss and gradients against float64 (reported; timing goes on either way);
# 2. ms/iteration, faithful S = 257 (3 runs) and default S = 129 (2 runs), each
#    precision of PRECISIONS, 30 iterations without early stop, runs
#    interleaved (with the BASELINE_TAR revision too, if given);
# 3. each GPU step of engine/core/src/gpu_formulations.h turned off on its own
#    (MSFORMER_GPU_ABLATE), faithful, the first precision;
# 4. a profile of iterations 4-6 (faithful, the first precision; top kernels
#    and a Chrome trace);
# 5. seeded real runs (early stop), faithful and default, label maps compared
#    with the baseline's (and the CPU's unless CPU_MAPS=0).
# Writes its log, the trace and the maps to ${OUT:-/tmp/gpu-out} (at most 8
# files, the device tool's limit); build logs stay in /tmp/msformer-gpu.
#
# BASELINE_TAR=path/to/tree.tar (from `git archive REV`) also builds that
# revision's engine and times it interleaved with this one on the same card.
set -uo pipefail
out="${OUT:-/tmp/gpu-out}"
work=/tmp/msformer-gpu
mkdir -p "$out/maps" "$work"
exec > >(tee "$out/gpu_check.log") 2>&1
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
[ -n "$nvcc" ] && echo "nvcc: $nvcc, $("$nvcc" --version | tail -2 | head -1)" || echo "no nvcc: the CUDA kernels are not built"

build_engine() {  # source dir, build dir, log name
  local src=$1 dir=$2 name=$3
  # C++17, then C++20 (newer LibTorch headers); with the CUDA kernels, then without; then without CUDA graphs.
  for attempt in "17 ON ON" "17 ON OFF" "20 ON ON" "20 ON OFF" "17 OFF OFF"; do
    set -- $attempt
    local tag="${name}_$1$2$3"
    if cmake -S "$src" -B "$dir" -G Ninja -DMSFORMER_ENGINE_ONLY=ON -DCMAKE_BUILD_TYPE=Release \
         -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_STANDARD=$1 -DMSFORMER_CUDA_GRAPHS=$2 \
         -DMSFORMER_CUDA_KERNELS=$3 ${nvcc:+-DCMAKE_CUDA_COMPILER=$nvcc} >"$work/cmake_$tag.log" 2>&1 &&
       cmake --build "$dir" -j 8 >"$work/build_$tag.log" 2>&1; then
      echo "$name: built with C++$1, CUDA graphs $2, CUDA kernels $3"
      grep -h -E "CUDA graphs|CUDA kernels" "$work/cmake_$tag.log"
      return 0
    fi
    echo "$name: build with C++$1, CUDA graphs $2, CUDA kernels $3 failed:"
    grep -h -m 20 -E "error|Error" "$work/build_$tag.log" "$work/cmake_$tag.log"
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
# Every bench call is bounded, so a hang costs two minutes, not the lease.
b() { timeout 120 "$@"; }
summary() { grep -E "^size|^cuda graph" | sed -E 's/.*median ([0-9.]+) ms.*peak RSS ([0-9]+) MB.*/\1 ms (RSS \2 MB)/' | tr '\n' ' '; }

echo "== self-check (float64 references)"
b "$bench" --self-check || echo "SELF-CHECK FAILED (timings below still run)"

# PRECISIONS: the --precision values timed (MsFormerConfig::precision; tf32 is what auto picks on CUDA).
precisions=${PRECISIONS:-tf32 fp32}
first=${precisions%% *}
for mode in faithful default; do
  size=$([ $mode = faithful ] && echo 257 || echo 129)
  echo "== $mode S=$size: ms/iteration, 30 iterations, no early stop; runs interleaved"
  for run in $(seq $([ $mode = faithful ] && echo 3 || echo 2)); do
    [ -n "$base" ] && echo "baseline $first: $(b "$base" --mode $mode --size $size --device cuda --iterations 30 --precision $first | summary)"
    for p in $precisions; do
      echo "current $p: $(b "$bench" --mode $mode --size $size --device cuda --iterations 30 --precision $p | summary)"
    done
  done
done

echo "== faithful S=257 $first: each GPU step off on its own (MSFORMER_GPU_ABLATE), then all off"
steps="run-ahead bias-product key-bias gather-ce intra-product layernorm-kernel"
for run in 1 2; do
  for a in $steps "$(echo $steps | tr ' ' ',')"; do
    echo "without $a: $(b env MSFORMER_GPU_ABLATE=$a "$bench" --mode faithful --size 257 --device cuda --iterations 30 --precision $first | summary)"
  done
  echo "current (all on): $(b "$bench" --mode faithful --size 257 --device cuda --iterations 30 --precision $first | summary)"
done

# Run-ahead off here: with it, iteration 7 would already be queued when the
# profiler stops after iteration 6 (the kernels are the same either way).
echo "== faithful: profile of iterations 4-6, precision $first (run-ahead off)"
b env MSFORMER_GPU_ABLATE=run-ahead "$bench" --mode faithful --size 257 --device cuda --iterations 7 --precision $first --profile "$out/faithful_${first}_trace.json" | grep -v "^mode" | head -40

echo "== seeded real runs (early stop), precision $first; label maps in \$OUT/maps"
for mode in faithful default; do
  size=$([ $mode = faithful ] && echo 257 || echo 129)
  echo "current $mode: $(b "$bench" --mode $mode --size $size --device cuda --iterations 50 --until-stop --precision $first --dump "$out/maps/${mode}_cuda_current.bin" | grep -v "^mode" | tr '\n' ' ')"
  if [ -n "$base" ]; then
    echo "baseline $mode: $(b "$base" --mode $mode --size $size --device cuda --iterations 50 --until-stop --precision $first --dump "$out/maps/${mode}_cuda_baseline.bin" | grep -v "^mode" | tr '\n' ' ')"
    echo "$mode, CUDA baseline vs current:"; python3 scripts/compare_label_maps.py "$out/maps/${mode}_cuda_baseline.bin" "$out/maps/${mode}_cuda_current.bin"
  fi
  if [ "${CPU_MAPS:-1}" != 0 ]; then
    b "$bench" --mode $mode --size $size --device cpu --iterations 50 --until-stop --dump "$work/${mode}_cpu.bin" | grep -v "^mode"
    echo "$mode, CPU (fp32) vs CUDA current:"; python3 scripts/compare_label_maps.py "$work/${mode}_cpu.bin" "$out/maps/${mode}_cuda_current.bin"
  fi
done
