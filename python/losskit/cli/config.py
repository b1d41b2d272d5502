"""`python -m losskit config`: the flags to build a C program against the installed LossKit,
as `pkg-config` prints them, so that

    cc quickstart.c $(python -m losskit config --cflags --libs)

compiles, links and later runs (the rpath names the library's folder) from any directory. Each
option adds its part to one line, in the order given."""
from __future__ import annotations

import argparse

from .._internal import locations


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Print the flags and folders to build C programs "
                                     "against this installation of LossKit.")
    add = parser.add_argument
    add("--cflags", dest="parts", action="append_const", const="cflags", help="compiler flags (-I<include dir>)")
    add("--libs", dest="parts", action="append_const", const="libs",
        help="linker flags (-L<dir> -llosskit -Wl,-rpath,<dir>)")
    add("--includedir", dest="parts", action="append_const", const="includedir", help="the folder of losskit.h")
    add("--libdir", dest="parts", action="append_const", const="libdir", help="the folder of liblosskit.so")
    add("--pkgconfigdir", dest="parts", action="append_const", const="pkgconfigdir",
        help="the folder of losskit.pc, for PKG_CONFIG_PATH")
    add("--modversion", dest="parts", action="append_const", const="modversion", help="the library's version")
    return parser


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = build_parser(prog)
    options = parser.parse_args(argv)
    if not options.parts:
        parser.error("give at least one of --cflags, --libs, --includedir, --libdir, --pkgconfigdir, --modversion")
    words: list[str] = []
    for part in options.parts:
        if part == "cflags":
            words += locations.cflags()
        elif part == "libs":
            words += locations.libs()
        elif part == "includedir":
            words.append(locations.get_include())
        elif part == "libdir":
            words.append(locations.get_library_dir())
        elif part == "pkgconfigdir":
            words.append(locations.get_pkgconfig_dir())
        else:
            from .. import __version__
            words.append(__version__)
    print(" ".join(words))
    return 0
