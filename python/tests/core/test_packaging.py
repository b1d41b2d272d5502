"""The installed package is self-contained, loads the build meant for the CPU, carries what C
programs build against, and has one version everywhere."""
from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import losskit
from losskit._internal import _native

PACKAGE = Path(losskit.__file__).parent
ROOT = Path(__file__).resolve().parents[3]
SHIM = next(PACKAGE.glob("_internal/_native*.so"))
LIBRARY = PACKAGE / "liblosskit.so"
# The CPython shim, and the JAX FFI handlers when the build saw jaxlib.
EXTENSIONS = [SHIM, *PACKAGE.glob("_internal/_jax_ffi*.so")]
LIBRARIES = [LIBRARY, *EXTENSIONS]


def readelf(*args: str) -> str:
    if shutil.which("readelf") is None:
        pytest.skip("needs readelf")
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, check=True).stdout


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
    hides CPU features from it (scripts/test.sh runs the suite again on the portable build)."""
    assert not (PACKAGE / "glibc-hwcaps").exists(), "the tuned builds live inside the one library"
    info = losskit.build_info()
    assert info["isa"] == os.environ.get("LOSSKIT_EXPECT_ISA", info["cpu_best_isa"])
    assert info["version"] == losskit.__version__


# The copy each glibc tunable leaves the library: hiding AVX2 rules out both tuned builds,
# hiding AVX512F only x86-64-v4.
HIDDEN_FEATURES = {"x86-64": "-AVX2", "x86-64-v3": "-AVX512F"}


@pytest.mark.skipif(platform.machine() != "x86_64", reason="tuned builds are x86-64 only")
@pytest.mark.parametrize("isa", sorted(HIDDEN_FEATURES))
def test_each_copy_in_the_library_runs_and_agrees_with_the_best(isa):
    """The one library holds a copy of LossKit per instruction set and binds its C functions to
    the best the CPU allows when it is loaded; with the better copies' CPU features hidden
    from it, it binds to the others, which compute the same losses."""
    levels = {"x86-64": 0, "x86-64-v3": 1, "x86-64-v4": 2}
    if levels[losskit.build_info()["cpu_best_isa"]] < levels[isa]:
        pytest.skip(f"this CPU cannot run the {isa} build")
    code = ("import json, numpy as np, losskit as lk; x = np.linspace(-30, 30, 1001); y = (x > 0.3) * 1.0;"
            "z = np.sin(np.arange(600.)).reshape(60, 10) * 20; c = np.arange(60) % 10;"
            "print(json.dumps([lk.build_info()['isa'], lk.binary_cross_entropy_with_logits(x, y),"
            " lk.cross_entropy(z, c), lk.log_cosh_loss(x, y)]))")
    env = dict(os.environ, GLIBC_TUNABLES=f"glibc.cpu.hwcaps={HIDDEN_FEATURES[isa]}")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    loaded, *values = json.loads(out.stdout)
    assert loaded == isa
    x = np.linspace(-30, 30, 1001)
    z = np.sin(np.arange(600.)).reshape(60, 10) * 20
    best = [losskit.binary_cross_entropy_with_logits(x, (x > 0.3) * 1.0),
            losskit.cross_entropy(z, np.arange(60) % 10), losskit.log_cosh_loss(x, (x > 0.3) * 1.0)]
    np.testing.assert_allclose(values, best, rtol=1e-14)


@pytest.mark.parametrize("extension", EXTENSIONS, ids=lambda p: p.name)
def test_the_extensions_name_libc_and_find_the_library_only_beside_themselves(extension):
    """auditwheel refuses to judge a module that does not list its libc; a RUNPATH naming a
    folder of the build machine would make the wheel depend on that machine."""
    dynamic = readelf("-d", str(extension))
    assert "[libc.so.6]" in dynamic and "[liblosskit.so]" in dynamic
    assert re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.*)\]", dynamic) == ["$ORIGIN/.."]


def test_the_shipped_library_is_stripped_and_exports_only_the_c_abi():
    sections = readelf("-S", str(LIBRARY))
    assert ".symtab" not in sections and ".debug_info" not in sections
    exported = readelf("--dyn-syms", str(LIBRARY))
    # FUNC in the portable build alone, IFUNC (bound when the library loads) in the fused one.
    assert re.search(r"\b(?:I?FUNC)\s+GLOBAL\s+(?:DEFAULT|PROTECTED)\s+\d+\s+lk_elementwise$", exported, flags=re.M)
    globals_ = re.findall(r"\bGLOBAL\s+(?:DEFAULT|PROTECTED)\s+\d+\s+(\S+)$", exported, flags=re.M)
    assert globals_ and all(name.startswith("lk_") for name in globals_), globals_


def test_one_version_everywhere():
    """The header's macros are the source; the package metadata (setup.py reads the header),
    lk_version(), the catalogue and the header the package ships all say the same."""
    header = (PACKAGE / "include" / "losskit.h").read_text()
    macros = {m.group(1): int(m.group(2)) for m in re.finditer(r"^#define LK_VERSION_(MAJOR|MINOR|PATCH) (\d+)$",
                                                                   header, flags=re.M)}
    from_header = f"{macros['MAJOR']}.{macros['MINOR']}.{macros['PATCH']}"
    assert importlib.metadata.version("losskit") == from_header
    assert losskit.__version__ == _native.version() == from_header
    assert json.loads(_native.catalogue_json())["version"] == from_header
    if (ROOT / "pyproject.toml").exists():  # a source checkout: no second copy of the number
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        assert "version" not in project and "version" in project["dynamic"]
        assert (ROOT / "include" / "losskit.h").read_text() == header


def config(*options: str) -> str:
    done = subprocess.run([sys.executable, "-m", "losskit", "config", *options], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_config_prints_the_folders_the_package_holds():
    include, libdir = losskit.get_include(), losskit.get_library_dir()
    assert (Path(include) / "losskit.h").is_file() and (Path(libdir) / "liblosskit.so").is_file()
    assert config("--cflags", "--libs") == f"-I{include} -L{libdir} -llosskit -Wl,-rpath,{libdir}"
    assert config("--libs", "--cflags") == f"-L{libdir} -llosskit -Wl,-rpath,{libdir} -I{include}"
    assert config("--includedir") == include and config("--libdir") == libdir
    assert config("--modversion") == losskit.__version__
    assert (Path(config("--pkgconfigdir")) / "losskit.pc").is_file()


def test_config_without_options_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "losskit", "config"], capture_output=True, text=True)
    assert done.returncode == 2 and "--cflags" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(shutil.which("pkg-config") is None, reason="needs pkg-config")
def test_pkg_config_gives_the_same_folders():
    env = dict(os.environ, PKG_CONFIG_PATH=config("--pkgconfigdir"))

    def run(option: str) -> list[str]:
        return subprocess.run(["pkg-config", option, "losskit"], env=env, capture_output=True, text=True,
                              check=True).stdout.split()

    assert run("--modversion") == [losskit.__version__]
    (include,) = run("--cflags")
    assert include.startswith("-I") and Path(include[2:]).resolve() == Path(losskit.get_include()).resolve()
    libdir, lib, rpath = run("--libs")
    assert lib == "-llosskit" and libdir.startswith("-L") and rpath.startswith("-Wl,-rpath,")
    assert Path(libdir[2:]).resolve() == Path(rpath[len("-Wl,-rpath,"):]).resolve() == \
        Path(losskit.get_library_dir()).resolve()


@pytest.mark.skipif(not (ROOT / "setup.py").exists(), reason="needs the source checkout")
@pytest.mark.parametrize("swift_says", [None, "Swift version 5.10 (swift-5.10-RELEASE)"], ids=["missing", "too-old"])
def test_building_without_a_recent_swift_is_a_clean_error(tmp_path, swift_says):
    """setup.py stops before compiling anything with one `error:` line, not a traceback."""
    env = {k: v for k, v in os.environ.items() if k != "LOSSKIT_SWIFT"}
    env["PATH"] = str(tmp_path)  # no swift here; python runs by its full path
    if swift_says:
        fake = tmp_path / "swift"
        fake.write_text(f"#!/bin/sh\necho '{swift_says}'\n")
        fake.chmod(0o755)
        env["LOSSKIT_SWIFT"] = str(fake)
    done = subprocess.run([sys.executable, "setup.py", "build_ext", "--build-temp", str(tmp_path / "temp"),
                           "--build-lib", str(tmp_path / "lib")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    expected = "needs Swift 6.0 or newer" if swift_says else "needs the Swift toolchain (6.0 or newer)"
    assert done.stderr.strip().splitlines()[-1].startswith("error: building losskit " + expected)
