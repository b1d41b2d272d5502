"""Where the installed package keeps what C (and Rust, and any other) programs build against:
the header, the shared library and the pkg-config file. Every build of the package copies them
into the package folder (setup.py), so these paths hold for wheels, sdists and in-place builds."""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def get_include() -> str:
    """The folder holding `losskit.h`: compile with `-I` it (as `numpy.get_include()`)."""
    return str(PACKAGE / "include")


def get_library_dir() -> str:
    """The folder holding `liblosskit.so`: link with `-L` it, `-llosskit`, and `-Wl,-rpath,` it so
    the program finds the library at run time without LD_LIBRARY_PATH. The one library holds
    the portable and the tuned builds and runs the best one for the CPU."""
    return str(PACKAGE)


def get_pkgconfig_dir() -> str:
    """The folder holding `losskit.pc`, for PKG_CONFIG_PATH."""
    return str(PACKAGE / "pkgconfig")


def cflags() -> list[str]:
    """Compiler flags for a program that includes `losskit.h`."""
    return [f"-I{get_include()}"]


def libs() -> list[str]:
    """Linker flags for a program that calls liblosskit.so, rpath included."""
    return [f"-L{get_library_dir()}", "-llosskit", f"-Wl,-rpath,{get_library_dir()}"]
