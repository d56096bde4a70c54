#!/usr/bin/env bash
# Screenshot of the main window mid-run, under Xvfb, for the README:
# opens the bundled sample, starts MS-Former, waits, captures docs/screenshot.png.
# Needs xvfb and imagemagick (installs imagemagick if missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v /usr/bin/import >/dev/null || { apt-get install -y -qq imagemagick >/dev/null; }
delay="${1:-2.5}"  # seconds after start: mid-run on the 2-core build machine (the run ends after about 3.5 s)
xvfb-run -a -s "-screen 0 1280x860x24" bash -c "
  '$root/build/app/msformer-studio' '$root/packaging/samples/synthetic_lesion.png' --run &
  pid=\$!
  sleep $delay
  /usr/bin/import -window root '$root/docs/screenshot.png'
  kill \$pid
"
echo "wrote docs/screenshot.png"
