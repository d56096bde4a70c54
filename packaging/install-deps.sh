#!/usr/bin/env bash
# Installs, from Debian 12's packages, everything MS-Former Studio needs to build,
# run and test. Idempotent: installs only what is missing. Run as root or with sudo.
set -euo pipefail

PACKAGES=(
  # toolchain
  cmake g++ make ccache pkg-config
  # engine: LibTorch (CPU) on OpenBLAS with OpenMP threads (without it: reference BLAS, 4-5x slower)
  libtorch-dev libopenblas0-openmp
  # imaging and io (of ITK only its MetaIO library is used: MetaImage, .mha and .mhd)
  libopencv-dev libdcmtk-dev libopenjp2-7-dev libnifti2-dev libznz-dev libteem-dev libinsighttoolkit5-dev
  nlohmann-json3-dev libpng-dev libtiff-dev
  # GUI and tests (zlib: the tests write PNG and deflated DICOM fixtures)
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev zlib1g-dev
  # checks and screenshots: DICOM validator, virtual X server
  dicom3tools xvfb xauth
)

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
