"""Builds the Swift library liblosskit.so and the CPython shim that wraps it.

`pip install .` (and `pip install -e .`) runs `swift build -c release -Xswiftc -static-stdlib`,
which makes a library that needs no Swift runtime, copies it into the package folder, strips
it, and links the extension (`losskit/_internal/_native`) to it with rpath $ORIGIN/.. . On
x86-64 it also builds tuned copies for x86-64-v3 (AVX2) and x86-64-v4 (AVX-512) and fuses the
three into the one shipped library, which binds its C functions to the best copy for the CPU
when it is loaded (scripts/fuse_builds.py; LOSSKIT_TUNED_BUILDS=0 ships the portable build
alone). Set LOSSKIT_SWIFT to choose the `swift` executable.

When jaxlib is importable at build time, a second extension, `losskit/_internal/_jax_ffi`,
holds the XLA FFI handlers `losskit.jax` calls (compiled against the C FFI header jaxlib ships,
linked to liblosskit.so like the shim); LOSSKIT_JAX=0 skips it, and without it `import
losskit.jax` says how to get it.

The package also carries what a C program needs: `losskit/include/losskit.h` and
`losskit/pkgconfig/losskit.pc` (`python -m losskit config` prints the flags).

Every Swift build says on stderr what it compiles and how long it took; pip shows these lines
with `pip install -v`. The version is the C header's LK_VERSION_* macros, so the Python
package, the header, `lk_version()` and the catalogue always agree.
"""
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
from fuse_builds import fuse  # noqa: E402  (a build step kept in its own file)

ROOT = Path(__file__).resolve().parent
LIBRARY = "liblosskit.so"
# Tuned builds fused with the portable one (scripts/fuse_builds.py), so one package runs the
# best build for the machine it lands on. Each level's Swift compilation conditions for the vector math (Sources/LossKit/Math):
# both levels have fused multiply-add (LOSSKIT_FMA: `_mulAdd`), which the portable build
# cannot use, and x86-64-v4 has AVX-512's vscalef (LOSSKIT_AVX512: `_timesTwoToThe`).
TUNED_SWIFT_FLAGS = {
    "x86-64-v3": ("-Xswiftc", "-DLOSSKIT_FMA"),
    "x86-64-v4": ("-Xswiftc", "-DLOSSKIT_FMA", "-Xswiftc", "-DLOSSKIT_AVX512"),
}
TUNED_LEVELS = tuple(TUNED_SWIFT_FLAGS)
HEADER = ROOT / "include" / "losskit.h"
EXPORTS = ROOT / "Sources" / "LossKitCABI" / "exports.map"
# Package.swift's swift-tools-version; older toolchains cannot read the manifest.
MINIMUM_SWIFT = (6, 0)


def version() -> str:
    """"MAJOR.MINOR.PATCH" from the header's LK_VERSION_* macros, the one place it is written."""
    text = HEADER.read_text()
    parts = [re.search(rf"^#define LK_VERSION_{part} (\d+)$", text, flags=re.M) for part in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        raise SystemExit(f"error: {HEADER} does not define LK_VERSION_MAJOR, _MINOR and _PATCH")
    return ".".join(match.group(1) for match in parts)


def log(message: str) -> None:
    """A progress line on stderr, which `pip install -v` shows (pip hides it otherwise)."""
    print(f"losskit: {message}", file=sys.stderr, flush=True)


def swift_toolchain() -> str:
    """The `swift` executable, checked to be new enough; a clean error (no traceback) if not."""
    swift = os.environ.get("LOSSKIT_SWIFT") or shutil.which("swift")
    if not swift:
        raise SystemExit("error: building losskit needs the Swift toolchain (6.0 or newer): put `swift` on PATH "
                         "or set LOSSKIT_SWIFT to its path (https://www.swift.org/install/)")
    try:
        banner = subprocess.run([swift, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise SystemExit(f"error: could not run `{swift} --version`: {error}") from None
    found = re.search(r"Swift version (\d+)\.(\d+)", banner)
    if not found:
        raise SystemExit(f"error: `{swift} --version` did not say which Swift version it is: {banner.strip()!r}")
    if tuple(map(int, found.groups())) < MINIMUM_SWIFT:
        raise SystemExit(f"error: building losskit needs Swift {'.'.join(map(str, MINIMUM_SWIFT))} or newer; "
                         f"{swift} is Swift {found.group(1)}.{found.group(2)}")
    return swift


def build_swift_library(swift: str, level: str | None = None) -> Path:
    """Builds liblosskit.so with SwiftPM (portable, or tuned for `level`) and returns its path."""
    command = [swift, "build", "-c", "release", "--product", "losskit", "-Xswiftc", "-static-stdlib"]
    scratch = ROOT / ".build"
    if level:
        scratch = ROOT / f".build-{level}"
        command += ["--scratch-path", str(scratch), "-Xcc", f"-march={level}", *TUNED_SWIFT_FLAGS[level]]
    what = f"{LIBRARY} tuned for {level}" if level else f"{LIBRARY} (portable)"
    log(f"compiling {what} with `swift build -c release` in {scratch.name}/ "
        "(a first build takes 1-3 minutes per library on two idle cores; later ones only recompile changes)")
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"error: `{' '.join(command)}` failed with exit code {done.returncode}")
    built = scratch / "release" / LIBRARY
    if not built.exists():
        raise SystemExit(f"error: swift build did not produce {built}")
    log(f"compiled {what} in {time.monotonic() - started:.0f} s")
    return built


def strip(library: Path) -> None:
    """Removes the symbol table and debug information from the shipped library (a single build
    goes from 16.5 MB to 8.7 MB, the fused three from 31 MB to 13 MB); the exported C ABI lives in the dynamic symbol table and stays.
    LOSSKIT_STRIP=0 keeps them, for a debugger."""
    tool = shutil.which("strip")
    if os.environ.get("LOSSKIT_STRIP", "1") == "0" or tool is None:
        return
    subprocess.run([tool, "--strip-unneeded", str(library)], check=True)


def pkg_config_file() -> str:
    """losskit.pc for `losskit/pkgconfig/`, every path relative to that folder (${pcfiledir}), so
    it is right wherever the package is installed. The rpath lets programs run without
    LD_LIBRARY_PATH."""
    return f"""prefix=${{pcfiledir}}/..
includedir=${{prefix}}/include
libdir=${{prefix}}

Name: losskit
Description: Machine-learning losses with fused gradients and Hessians (C ABI of LossKit)
Version: {version()}
Cflags: -I${{includedir}}
Libs: -L${{libdir}} -llosskit -Wl,-rpath,${{libdir}}
"""


def jax_ffi_include() -> str | None:
    """jaxlib's folder of XLA FFI headers (`xla/ffi/api/c_api.h`), or None when jaxlib is not
    installed or LOSSKIT_JAX=0. Found without importing jax (which takes seconds)."""
    if os.environ.get("LOSSKIT_JAX", "1") == "0":
        return None
    spec = importlib.util.find_spec("jaxlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        include = Path(folder) / "include"
        if (include / "xla" / "ffi" / "api" / "c_api.h").exists():
            return str(include)
    return None


def extension(name: str, source: str, include_dirs: list[str]) -> Extension:
    """An abi3 extension over liblosskit.so, which it finds in the package folder above it."""
    return Extension(
        name,
        sources=[source],
        include_dirs=[str(ROOT / "include"), *include_dirs],
        libraries=["losskit"],
        # The extensions call no libc function themselves, so the linker would not record libc
        # as needed; auditwheel cannot judge a module that does not name its libc.
        extra_link_args=["-Wl,--no-as-needed", "-lc"],
        # The library sits in the package folder, one above the extension.
        runtime_library_dirs=["$ORIGIN/.."],
        define_macros=[("Py_LIMITED_API", "0x030B0000")],
        py_limited_api=True,
    )


def extensions() -> list[Extension]:
    """The CPython shim, and the JAX FFI handlers when jaxlib's headers are available."""
    found = [extension("losskit._internal._native", "python/losskit/_internal/_native.c", [])]
    include = jax_ffi_include()
    if include is None:
        log("jaxlib is not installed (or LOSSKIT_JAX=0): building without the JAX handlers (losskit.jax)")
    else:
        found.append(extension("losskit._internal._jax_ffi", "python/losskit/_internal/_jax_ffi.c", [include]))
    return found


def tuned_levels() -> tuple[str, ...]:
    """The tuned builds to make: all on x86-64 unless LOSSKIT_TUNED_BUILDS=0."""
    if os.environ.get("LOSSKIT_TUNED_BUILDS", "1") == "0" or platform.machine() not in ("x86_64", "AMD64"):
        return ()
    return TUNED_LEVELS


class BuildWithSwift(build_ext):
    """build_ext that first builds the Swift libraries and ships them beside the extension."""

    def run(self):
        swift = swift_toolchain()
        started = time.monotonic()
        portable = build_swift_library(swift)
        tuned = {level: build_swift_library(swift, level) for level in tuned_levels()}
        shipped = portable
        if tuned:
            started_fusing = time.monotonic()
            shipped = fuse(portable, tuned, ROOT / ".build-fused" / LIBRARY, swift, EXPORTS)
            log(f"fused the portable and {', '.join(tuned)} builds into one {LIBRARY} "
                f"in {time.monotonic() - started_fusing:.0f} s")
        for ext in self.extensions:
            ext.library_dirs.append(str(portable.parent))
        super().run()
        for package in {self._package_folder(ext) for ext in self.extensions}:
            # Tuned copies that earlier versions shipped in glibc-hwcaps/ subfolders would
            # shadow the new library in an in-place build.
            shutil.rmtree(package / "glibc-hwcaps", ignore_errors=True)
            shutil.copy2(shipped, package / LIBRARY)
            strip(package / LIBRARY)
            (package / "include").mkdir(exist_ok=True)
            shutil.copy2(HEADER, package / "include" / HEADER.name)
            (package / "pkgconfig").mkdir(exist_ok=True)
            (package / "pkgconfig" / "losskit.pc").write_text(pkg_config_file())
        log(f"built the Swift libraries and the extension in {time.monotonic() - started:.0f} s")

    def build_extensions(self):
        # The interpreter's own link command can carry `-Wl,-rpath,<its lib folder>` (pyenv's
        # does); in a wheel that would name a folder of the build machine. The extension needs
        # only its own rpath, $ORIGIN/.. (runtime_library_dirs below).
        self.compiler.linker_so = [arg for arg in self.compiler.linker_so
                                   if not arg.startswith(("-Wl,-rpath", "-Wl,-R"))]
        super().build_extensions()

    def _package_folder(self, ext: Extension) -> Path:
        """The built `losskit` folder: the shim is `losskit/_internal/_native*.so`."""
        return Path(self.get_ext_fullpath(ext.name)).parent.parent

    def _shipped(self) -> list[str]:
        return [LIBRARY, "include/losskit.h", "pkgconfig/losskit.pc"]

    def get_outputs(self):
        package = self._package_folder(self.extensions[0])
        return super().get_outputs() + [str(package / relative) for relative in self._shipped()]

    def get_output_mapping(self):
        # Strict editable installs link each regular build output to its in-place copy.
        mapping = super().get_output_mapping()
        if self.inplace:
            for relative in self._shipped():
                mapping[str(Path(self.build_lib) / "losskit" / relative)] = str(ROOT / "python" / "losskit" / relative)
        return mapping


setup(
    version=version(),
    ext_modules=extensions(),
    cmdclass={"build_ext": BuildWithSwift},
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
