#!/usr/bin/env bash
# Builds engine/ against the LibTorch inside the machine's PyTorch and measures
# the CUDA path: ms/iteration at S = 257 (faithful) and the default mode, and
# CUDA label maps against the CPU's on the same seed. For the lent GPU machine
# (scripts/README.md); writes its log and label maps to ${OUT:-/tmp/gpu-out}.
set -uo pipefail
out="${OUT:-/tmp/gpu-out}"
mkdir -p "$out"
exec > >(tee "$out/gpu_check.log") 2>&1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
build=/tmp/msformer-engine-build
ok=0
for std in 17 20; do
  if cmake -S . -B "$build" -G Ninja -DMSFORMER_ENGINE_ONLY=ON -DCMAKE_BUILD_TYPE=Release \
       -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_STANDARD=$std >"$out/cmake_$std.log" 2>&1 &&
     cmake --build "$build" -j "$(nproc)" >"$out/build_$std.log" 2>&1; then
    echo "built with C++$std"; ok=1; break
  fi
  echo "build with C++$std failed:"; grep -m 20 -E "error" "$out/build_$std.log" "$out/cmake_$std.log"
  rm -rf "$build"
done
[ $ok = 1 ] || exit 1
bench="$build/engine/core/msformer-engine-bench"
for mode in faithful default; do
  size=$([ $mode = faithful ] && echo 257 || echo 129)
  echo "== $mode S=$size: timing (no early stop), CUDA"
  for run in 1 2 3; do "$bench" --mode $mode --size $size --device cuda --iterations 30; done
  echo "== $mode: CPU (all $(nproc) cores) timing"
  "$bench" --mode $mode --size $size --device cpu --iterations 3
  echo "== $mode: seeded real run (early stop) on both devices"
  "$bench" --mode $mode --size $size --device cuda --iterations 50 --until-stop --dump "$out/${mode}_cuda.bin"
  "$bench" --mode $mode --size $size --device cpu --iterations 50 --until-stop --dump "$out/${mode}_cpu.bin"
  python3 scripts/compare_label_maps.py "$out/${mode}_cpu.bin" "$out/${mode}_cuda.bin"
done
