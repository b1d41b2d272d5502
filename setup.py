"""Builds the Swift library liblosskit.so and the CPython shim that wraps it.

`pip install .` (and `pip install -e .`) runs `swift build -c release -Xswiftc -static-stdlib`,
which makes a library that needs no Swift runtime, copies it next to the extension inside the
package, and links the extension to it with rpath $ORIGIN. On x86-64 it also builds tuned
copies for x86-64-v3 (AVX2) and x86-64-v4 (AVX-512) into glibc-hwcaps/ subfolders, from which
the dynamic loader picks the best one for the CPU (LOSSKIT_TUNED_BUILDS=0 skips them). Set
LOSSKIT_SWIFT to choose the `swift` executable.
"""
import os
import platform
import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
LIBRARY = "liblosskit.so"
# Tuned builds shipped beside the portable one. glibc (>= 2.33) loads
# $ORIGIN/glibc-hwcaps/<level>/liblosskit.so before $ORIGIN/liblosskit.so on a CPU that
# supports <level>, so one package runs the best build for the machine it lands on.
# Each level's Swift compilation conditions for the vector math (Sources/LossKit/Math):
# both levels have fused multiply-add (LOSSKIT_FMA: `_mulAdd`), which the portable build
# cannot use, and x86-64-v4 has AVX-512's vscalef (LOSSKIT_AVX512: `_timesTwoToThe`).
TUNED_SWIFT_FLAGS = {
    "x86-64-v3": ("-Xswiftc", "-DLOSSKIT_FMA"),
    "x86-64-v4": ("-Xswiftc", "-DLOSSKIT_FMA", "-Xswiftc", "-DLOSSKIT_AVX512"),
}
TUNED_LEVELS = tuple(TUNED_SWIFT_FLAGS)


def build_swift_library(level: str | None = None) -> Path:
    """Builds liblosskit.so with SwiftPM (portable, or tuned for `level`) and returns its path."""
    swift = os.environ.get("LOSSKIT_SWIFT") or shutil.which("swift")
    if not swift:
        raise RuntimeError("building losskit needs the Swift toolchain: put `swift` on PATH or set LOSSKIT_SWIFT")
    command = [swift, "build", "-c", "release", "--product", "losskit", "-Xswiftc", "-static-stdlib"]
    scratch = ROOT / ".build"
    if level:
        scratch = ROOT / f".build-{level}"
        command += ["--scratch-path", str(scratch), "-Xcc", f"-march={level}", *TUNED_SWIFT_FLAGS[level]]
    subprocess.run(command, cwd=ROOT, check=True)
    built = scratch / "release" / LIBRARY
    if not built.exists():
        raise RuntimeError(f"swift build did not produce {built}")
    return built


def tuned_levels() -> tuple[str, ...]:
    """The tuned builds to make: all on x86-64 unless LOSSKIT_TUNED_BUILDS=0."""
    if os.environ.get("LOSSKIT_TUNED_BUILDS", "1") == "0" or platform.machine() not in ("x86_64", "AMD64"):
        return ()
    return TUNED_LEVELS


class BuildWithSwift(build_ext):
    """build_ext that first builds the Swift libraries and ships them beside the extension."""

    def run(self):
        portable = build_swift_library()
        tuned = {level: build_swift_library(level) for level in tuned_levels()}
        for ext in self.extensions:
            ext.library_dirs.append(str(portable.parent))
        super().run()
        for ext in self.extensions:
            package = self._package_folder(ext)
            # A tuned copy left from an earlier build would shadow the new portable library.
            shutil.rmtree(package / "glibc-hwcaps", ignore_errors=True)
            for relative, library in self._libraries(portable, tuned):
                (package / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(library, package / relative)

    @staticmethod
    def _libraries(portable: Path, tuned: dict[str, Path]) -> list[tuple[str, Path]]:
        """(path inside the package, built file) for every library the package carries."""
        return [(LIBRARY, portable)] + [(f"glibc-hwcaps/{level}/{LIBRARY}", lib) for level, lib in tuned.items()]

    def _package_folder(self, ext: Extension) -> Path:
        """The built `losskit` folder: the shim is `losskit/_internal/_native*.so`."""
        return Path(self.get_ext_fullpath(ext.name)).parent.parent

    def _shipped(self) -> list[str]:
        return [LIBRARY] + [f"glibc-hwcaps/{level}/{LIBRARY}" for level in tuned_levels()]

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
    ext_modules=[
        Extension(
            "losskit._internal._native",
            sources=["python/losskit/_internal/_native.c"],
            include_dirs=[str(ROOT / "include")],
            libraries=["losskit"],
            # The libraries sit in the package folder, one above the shim; the loader also
            # looks in that folder's glibc-hwcaps/ subfolders for the CPU's tuned build.
            runtime_library_dirs=["$ORIGIN/.."],
            define_macros=[("Py_LIMITED_API", "0x030B0000")],
            py_limited_api=True,
        )
    ],
    cmdclass={"build_ext": BuildWithSwift},
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
