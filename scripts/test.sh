#!/usr/bin/env bash
# Installs LossKit and everything its tests need, then runs every test:
# the Swift tests (swift test) and the Python suite, which also compiles and runs the C ABI
# tests and the header check. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

bash scripts/install-test-deps.sh
"$python" -m pip install --disable-pip-version-check -q .

echo "== Swift tests"
swift test 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "swift test failed ($status)"; exit "$status"; }

echo "== Python, C ABI and header tests"
# Run from outside the source tree so the installed package is what gets imported.
cd python/tests
"$python" -m pytest -q -p no:cacheprovider --rootdir=. .
