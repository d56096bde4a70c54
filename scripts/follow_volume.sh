#!/bin/bash
# One click, then `msformer segment --follow`, through a run of slices of a NIfTI volume with a
# ground-truth mask volume, against `msformer eval`'s click protocol (a truth click on every slice).
# Prints the DSC per slice of both, and k-means' click DSC. Measurement only (not a test): needs
# python3-nibabel and python3-scipy (Debian packages) besides the build.
# Usage: scripts/follow_volume.sh IMAGE.nii.gz MASK.nii.gz FIRST LAST [OUT]
#   e.g. scripts/follow_volume.sh build/bench/sets/colin27/images/colin27.nii.gz \
#          build/bench/sets/colin27/masks/colin27.nii.gz 80 100
set -euo pipefail
IMG=$1 GT=$2 FIRST=$3 LAST=$4 OUT=${5:-build/follow}
M=${MSFORMER:-build/app/msformer}
PY=${PYTHON:-/usr/bin/python3}  # Debian's, where python3-nibabel and python3-scipy install
rm -rf "$OUT" && mkdir -p "$OUT/images" "$OUT/masks"
ln -s "$(realpath "$IMG")" "$OUT/images/volume.nii.gz"
ln -s "$(realpath "$GT")" "$OUT/masks/volume.nii.gz"
# The click: the innermost point of the first slice's truth, in the app's shown coordinates.
TURN=$("$M" info "$IMG" | sed -n 's/^shown as: //p')
read -r X Y < <("$PY" - "$GT" "$FIRST" "$TURN" <<'PY'
import sys, numpy as np, nibabel as nib
from scipy.ndimage import distance_transform_edt
gt, k, turn = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = np.asarray(nib.load(gt).dataobj)[:, :, k] > 0   # (i, j)
shown = s.T                                            # rows j, columns i
if "transposed" in turn: shown = shown.T
if "columns mirrored" in turn: shown = shown[:, ::-1]
if "rows mirrored" in turn: shown = shown[::-1, :]
d = distance_transform_edt(shown)
y, x = np.unravel_index(np.argmax(d), d.shape)
print(x, y)
PY
)
echo "click on slice $FIRST at ($X, $Y)"
"$M" segment "$OUT/images/volume.nii.gz" -o "$OUT/follow" --frame "$FIRST-$LAST" --target "click:$X,$Y" --follow \
  --export nifti --quiet > "$OUT/follow.log"
"$M" eval --images "$OUT/images" --masks "$OUT/masks" --methods msformer,kmeans --slices "$(seq -s, "$FIRST" "$LAST")" \
  --k 3 --json "$OUT/eval.json" --force > "$OUT/eval.log"
"$PY" - "$GT" "$OUT/follow/volume_frames$FIRST-${LAST}_msformer_mask.nii.gz" "$OUT/eval.json" "$FIRST" "$LAST" <<'PY'
import sys, json, numpy as np, nibabel as nib
gt, mask, ev, first, last = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
g = np.asarray(nib.load(gt).dataobj) > 0
m = np.asarray(nib.load(mask).dataobj) > 0
def dsc(a, b): return 2 * (a & b).sum() / max(1, a.sum() + b.sum())
rows = {"follow (one click)": [dsc(m[:, :, k], g[:, :, k]) for k in range(first, last + 1)]}
e = json.load(open(ev))
for method in ("msformer", "kmeans"):
    per = e[method]["per_image"]
    items = per.items() if isinstance(per, dict) else [(x.get("image", x.get("name")), x) for x in per]
    by = {int(str(k).split("@")[-1]): v["click_dsc"] for k, v in items}
    rows[method + " (truth click per slice)"] = [by[k] for k in range(first, last + 1)]
print("slice".ljust(34) + " ".join("%5d" % k for k in range(first, last + 1)) + "   mean median")
for name, v in rows.items():
    print(name.ljust(34) + " ".join("%5.3f" % x for x in v) + "   %.3f %.3f" % (np.mean(v), np.median(v)))
PY
