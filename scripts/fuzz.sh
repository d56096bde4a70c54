#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for ${1:-600} seconds
# (or only the kinds named after it: scripts/fuzz.sh 600 dicom),
# seeded from the test files (scripts/fetch_test_data.sh) and generated images.
# Crashing inputs land in build-fuzz/crashes/<kind>/ (copy them to
# the tests once fixed, as a case of the test of what they broke).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-600}"
shift || true
kinds="${*:-dicom raster nifti nrrd metaimage mask}"
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-fuzz" -DMSFORMER_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build-fuzz" -j "$(nproc)" >/dev/null || exit 1
data="$root/build/test-data"
"$root/scripts/fetch_test_data.sh" "$data" >/dev/null
seeds="$root/build-fuzz/seeds"
mkdir -p "$seeds/dicom" "$seeds/raster" "$seeds/nifti" "$seeds/nrrd" "$seeds/metaimage" "$seeds/mask"
find "$data" -name "*.dcm" -size -200k -exec cp {} "$seeds/dicom/" \;
find "$data" -name "*.nii*" -size -2M -exec cp {} "$seeds/nifti/" \;
for f in "$seeds"/nifti/*.gz; do [ -e "$f" ] && gunzip -f "$f"; done
cp "$root/fuzz/seeds/nrrd/"* "$seeds/nrrd/"  # attached NRRDs: raw, gzip, hex, ascii; colour and list axes
cp "$root/fuzz/seeds/metaimage/"* "$seeds/metaimage/"  # .mha with its data: raw, zlib, MSB, channels, 4-D
cp "$root/packaging/samples/"*.png "$root/fuzz/seeds/raster/"* "$seeds/raster/"  # + PNG, TIFF, WebP with alpha
[ -x "$root/build/app/msformer" ] && "$root/build/app/msformer" synth -o "$seeds/synth" --count 1 --size 48 --force >/dev/null &&
  cp "$seeds"/synth/images/*.png "$seeds/raster/" && cp "$seeds"/synth/masks/*.png "$seeds/mask/"
cp "$seeds"/raster/* "$seeds/mask/"  # + palette label maps
for kind in $kinds; do
  mkdir -p "$root/build-fuzz/corpus/$kind" "$root/build-fuzz/crashes/$kind"
  echo "== fuzz_$kind for $seconds s"
  # Teem's header parser leaks in its error paths (an airArray of a bad field, about 90 bytes, and what it held:
  # up to a few KB per malformed header): leaks are not reported for that target, so that its fuzzing goes on
  # past them (its RSS grows, about 0.8 GB a minute at 3,800 runs/s). Its gzip reader's larger leak (about
  # 25 KB per corrupt file) is avoided: nrrd_reader inflates gzip data itself.
  leaks=1
  [ "$kind" = nrrd ] && leaks=0
  (cd "$root/build-fuzz/crashes/$kind" &&
   # DCMTK's parser makes one nothrow allocation of a malformed element's declared
   # length (3 GB seen) and fails cleanly when it is refused: allow it up to 4 GB.
   # An input that runs past 20 s is a hang (timeout-* file): MetaIO read an NDims of 3 billion for ever.
   "$root/build-fuzz/fuzz/fuzz_$kind" -max_total_time="$seconds" -timeout=20 -malloc_limit_mb=4096 -rss_limit_mb=6144 \
     -detect_leaks=$leaks \
     -print_final_stats=1 \
     "$root/build-fuzz/corpus/$kind" "$seeds/$kind" 2>&1 | grep -E "stat::|cov:|ERROR|SUMMARY|Done" | tail -8) &
done
wait
