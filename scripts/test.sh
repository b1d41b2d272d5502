#!/usr/bin/env bash
# Installs LossKit and everything its tests need, then runs every test:
# the Swift tests (swift test), the C ABI tests and fuzz harness against an AddressSanitizer +
# UBSan build (scripts/sanitize.sh), and the Python suite, which also compiles and runs the C
# ABI tests, the fuzz harness and the header check, and holds the hostile tests
# (python/tests/hostile: property-based fuzz, leaks, re-entrancy). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

bash scripts/install-test-deps.sh
# Without build isolation, so that the build sees the jaxlib just installed and compiles the
# JAX FFI handlers losskit.jax needs (an isolated build has only setuptools and wheel).
"$python" -m pip install --disable-pip-version-check --root-user-action=ignore -q --no-build-isolation .

echo "== Swift tests"
swift test 2>&1 | tail -n 25   # pipefail: a failing swift test stops the script
echo "== Swift vector-math accuracy tests with fused multiply-add (as in the x86-64-v3 build)"
swift test --scratch-path .build-fma-test -Xcc -march=x86-64-v3 -Xswiftc -DLOSSKIT_FMA \
    --filter VectorMath 2>&1 | tail -n 12
if grep -qw avx512f /proc/cpuinfo; then
    echo "== Swift vector-math accuracy tests with AVX-512 (as in the x86-64-v4 build)"
    swift test --scratch-path .build-avx512-test -Xcc -march=x86-64-v4 -Xswiftc -DLOSSKIT_FMA \
        -Xswiftc -DLOSSKIT_AVX512 --filter VectorMath 2>&1 | tail -n 12
fi

echo "== C ABI tests and fuzz harness under AddressSanitizer + UndefinedBehaviorSanitizer"
bash scripts/sanitize.sh

# Run from outside the source tree so the installed package is what gets imported.
cd python/tests
echo "== Python, C ABI and header tests on the portable copy"
# The library binds its functions to the best copy of LossKit the CPU can run (see
# scripts/fuse_builds.py); hiding AVX2 from glibc's feature test leaves the portable one.
GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2 LOSSKIT_EXPECT_ISA=x86-64 "$python" -m pytest -q -p no:cacheprovider --rootdir=. .

echo "== Python, C ABI and header tests on the build the loader picks for this CPU"
"$python" -m pytest -q -p no:cacheprovider --rootdir=. .

echo "== Distribution: the manylinux wheel and the sdist, each installed in a fresh virtual environment"
# Once only (slow: the sdist compiles the portable library from scratch); the wheel reuses .build*.
LOSSKIT_DISTRIBUTION_TESTS=1 "$python" -m pytest -q -p no:cacheprovider --rootdir=. -s distribution
