# Sourced by scripts/benchmarks.sh and scripts/click_dsc_by_slice.sh: the msformer eval options of each
# quality set (k-means k as in the paper: 3 for skin, 2 for lung; 3 for brain; the clipped CT window).
# The caller sets ITK_SLICES and COLIN_SLICES (comma-separated slice numbers) before sourcing.
# shellcheck disable=SC2034
quality_sets=(synthetic_lesion synthetic_lung ct_wide ct_clipped itk_brain colin27)  # table order
declare -A quality_set_options=(
  [synthetic_lesion]="--k 3" [synthetic_lung]="--k 2"
  [ct_wide]="--k 2" [ct_clipped]="--k 2 --window 0,1024"
  [itk_brain]="--k 3 --slices $ITK_SLICES" [colin27]="--k 3 --slices $COLIN_SLICES"
)
