"""The installed package is self-contained and loads the build meant for the CPU."""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import losskit

PACKAGE = Path(losskit.__file__).parent
LIBRARIES = [PACKAGE / "liblosskit.so", *PACKAGE.glob("_native*.so"), *PACKAGE.glob("glibc-hwcaps/*/liblosskit.so")]


@pytest.mark.skipif(shutil.which("ldd") is None, reason="needs ldd")
@pytest.mark.parametrize("library", LIBRARIES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_swift_runtime_is_needed(library):
    out = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=True).stdout
    assert "not found" not in out
    assert "swift" not in out.lower(), out


def test_imports_with_the_swift_toolchain_off_every_path(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH", "")}
    code = "import losskit as lk, numpy as np; print(lk.mse_loss(np.array([3.0]), np.array([1.0])))"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "4.0"


@pytest.mark.skipif(platform.machine() != "x86_64", reason="tuned builds are x86-64 only")
def test_the_loaded_build_is_the_expected_one():
    """Normally the best build for this CPU; LOSSKIT_EXPECT_ISA names another when a test run
    forces one (scripts/test.sh runs the suite again on the portable build)."""
    assert {p.parent.name for p in PACKAGE.glob("glibc-hwcaps/*/liblosskit.so")} == {"x86-64-v3", "x86-64-v4"}
    info = losskit.build_info()
    assert info["isa"] == os.environ.get("LOSSKIT_EXPECT_ISA", info["cpu_best_isa"])
    assert info["version"] == losskit.__version__
