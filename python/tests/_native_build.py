"""What the native tests share: where the repository, the header and the built library are, and
a C compiler to build test programs with. Tests skip, saying why, when a piece is missing."""
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INCLUDE_DIR = ROOT / "include"
# SwiftPM's release build folder (a symlink to .build/<triple>/release).
SWIFT_BUILD_DIR = ROOT / ".build" / "release"
NOT_BUILT = "liblosskit.so is not built: run `python setup.py build_ext --inplace` first"


def tool(name: str) -> str:
    """The path of a command-line tool, or a skip."""
    path = shutil.which(name)
    if not path:
        pytest.skip(f"`{name}` is not on PATH")
    return path


def c_compiler() -> str:
    """$CC, else cc, else a skip."""
    return tool(os.environ.get("CC", "cc"))


def package_library() -> Path:
    """liblosskit.so as the Python package loads it: the copy next to the built `_native`
    extension, else the one in SwiftPM's build folder."""
    spec = importlib.util.find_spec("losskit")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if any(Path(folder).glob("_native*.so")) and (Path(folder) / "liblosskit.so").exists():
            return Path(folder) / "liblosskit.so"
    if (SWIFT_BUILD_DIR / "liblosskit.so").exists():
        return SWIFT_BUILD_DIR / "liblosskit.so"
    pytest.skip(NOT_BUILT)


def run_compiler(*arguments) -> subprocess.CompletedProcess:
    """Runs the C compiler with `arguments`; the caller judges the result."""
    return subprocess.run([c_compiler(), *map(str, arguments)], capture_output=True, text=True, timeout=120)
