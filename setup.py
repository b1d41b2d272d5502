"""Builds the Swift library liblosskit.so and the CPython shim that wraps it.

`pip install .` (and `pip install -e .`) runs `swift build -c release -Xswiftc -static-stdlib`,
which makes a library that needs no Swift runtime, copies it next to the extension inside the
package, and links the extension to it with rpath $ORIGIN. Set LOSSKIT_SWIFT to choose the
`swift` executable.
"""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
LIBRARY = "liblosskit.so"


def build_swift_library() -> Path:
    """Builds liblosskit.so with SwiftPM and returns its path."""
    swift = os.environ.get("LOSSKIT_SWIFT") or shutil.which("swift")
    if not swift:
        raise RuntimeError("building losskit needs the Swift toolchain: put `swift` on PATH or set LOSSKIT_SWIFT")
    command = [swift, "build", "-c", "release", "--product", "losskit", "-Xswiftc", "-static-stdlib"]
    subprocess.run(command, cwd=ROOT, check=True)
    built = ROOT / ".build" / "release" / LIBRARY
    if not built.exists():
        raise RuntimeError(f"swift build did not produce {built}")
    return built


class BuildWithSwift(build_ext):
    """build_ext that first builds the Swift library and ships it beside the extension."""

    def run(self):
        library = build_swift_library()
        self._library_dir = library.parent
        for ext in self.extensions:
            ext.library_dirs.append(str(library.parent))
        super().run()
        for ext in self.extensions:
            target = Path(self.get_ext_fullpath(ext.name)).parent
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(library, target / LIBRARY)

    def get_outputs(self):
        outputs = super().get_outputs()
        return outputs + [str(Path(self.get_ext_fullpath(e.name)).parent / LIBRARY) for e in self.extensions]

    def get_output_mapping(self):
        # Strict editable installs link each regular build output to its in-place copy.
        mapping = super().get_output_mapping()
        if self.inplace:
            regular = Path(self.build_lib) / "losskit" / LIBRARY
            mapping[str(regular)] = str(ROOT / "python" / "losskit" / LIBRARY)
        return mapping


setup(
    ext_modules=[
        Extension(
            "losskit._native",
            sources=["python/losskit/_native.c"],
            include_dirs=[str(ROOT / "include")],
            libraries=["losskit"],
            runtime_library_dirs=["$ORIGIN"],
            define_macros=[("Py_LIMITED_API", "0x030B0000")],
            py_limited_api=True,
        )
    ],
    cmdclass={"build_ext": BuildWithSwift},
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
