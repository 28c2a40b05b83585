#!/usr/bin/env bash
# Check the Linux bundle as a planner's machine would run it (`make installer-check`): unpack the
# tarball into a temporary folder elsewhere, then run the app's and the command line's self-test
# there in a clean environment (env -i: no .venv on PATH, no PYTHONPATH, no DISPLAY, so Qt runs
# offscreen). Fails when a self-test fails, or when the bundle reads anything from this checkout.
# With Xvfb installed it also prints the start-up time to a usable window (3 runs), each with the
# CPU seconds it took and the load average before it (other processes' load inflates the wall time).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tarball=$(ls -t "$repo"/dist/CityPlanner-*-linux-*.tar.gz 2>/dev/null | head -1)
[ -n "$tarball" ] || { echo "No dist/CityPlanner-*-linux-*.tar.gz: run make installer first." >&2; exit 1; }
work=$(mktemp -d /tmp/cityplanner-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
cd "$work"
clean_env=(env -i "HOME=$HOME" PATH=/usr/bin:/bin LANG=C.UTF-8)

echo "== CityPlanner --selftest (in $work, clean environment)"
"${clean_env[@]}" ./CityPlanner/CityPlanner --selftest 2>&1 | tee app.log
echo "== cityplanner-cli selftest"
"${clean_env[@]}" ./CityPlanner/cityplanner-cli selftest 2>&1 | tee cli.log
if grep -n "$repo" app.log cli.log; then
  echo "installer-check FAILED: the bundle used files of the checkout $repo (above)." >&2
  exit 1
fi
grep -q "self-test passed: engine and desktop app" app.log
echo "== size unpacked: $(du -sm CityPlanner | cut -f1) MiB, $(du -sb CityPlanner | cut -f1) bytes ($(du -m "$tarball" | cut -f1) MiB packed)"

if command -v Xvfb >/dev/null; then
  display=:$(( 90 + RANDOM % 9 ))
  Xvfb "$display" -screen 0 1366x768x24 >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
  sleep 1
  mkdir -p home  # a fresh user: no recovery copies to offer, no settings
  for run in 1 2 3; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "== start-up run $run (load average $load): $(env -i HOME="$work/home" PATH=/usr/bin:/bin LANG=C.UTF-8 DISPLAY="$display" \
      timeout 300 ./CityPlanner/CityPlanner --startup-time CityPlanner/_internal/sample_data/hai_chau.cityplan \
      2>/dev/null | tail -1)"
  done
fi
echo "installer-check passed."
