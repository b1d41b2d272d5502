"""Checks that the hand-written include/losskit.h and the library agree, mechanically:

1. Prototypes. swiftc writes a C header for the `@c` exports of LossKitCABI
   (LossKitCABI-Swift.h, in SwiftPM's build folder). A C file including both it and losskit.h
   compiles only if every shared prototype agrees (Swift `UInt` is `size_t`, `Int` is
   `ptrdiff_t`, `Int32` is `int32_t`); parameter names must also agree in order
   (snake_case against camelCase), which catches two swapped parameters of the same type.
2. Coverage. Every function losskit.h declares is either defined in C (CLossKitRuntime, whose
   runtime.c includes losskit.h, so its compiler checks it) or declared by the generated header
   (so check 1 covers it). An `@_cdecl` export would be neither: swiftc declares those for
   Objective-C only.
3. Exports. The `lk_` symbols liblosskit.so exports are exactly the functions of losskit.h
   (the private `lk_runtime_*` helpers are hidden).
"""
import re
import subprocess
from pathlib import Path

import pytest

from _native_build import INCLUDE_DIR, NOT_BUILT, SWIFT_BUILD_DIR, run_compiler, tool

HEADER = INCLUDE_DIR / "losskit.h"


def build_file(*parts: str) -> Path:
    """A file of the SwiftPM release build, or a skip."""
    path = SWIFT_BUILD_DIR.resolve().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is missing; {NOT_BUILT}")
    return path


def generated_header() -> Path:
    return build_file("LossKitCABI.build", "include", "LossKitCABI-Swift.h")


def prototypes(header: Path) -> dict[str, list[str]]:
    """The `lk_` functions a header declares in C, each with its parameter names."""
    expanded = run_compiler("-E", "-P", "-x", "c", f"-I{INCLUDE_DIR}", header)
    assert expanded.returncode == 0, expanded.stderr
    found = {}
    for name, parameters in re.findall(r"\b(lk_\w+)\s*\(([^()]*)\)", expanded.stdout):
        declared = [p.strip() for p in parameters.split(",")]
        found[name] = [] if declared == ["void"] else [re.findall(r"\w+", p)[-1] for p in declared]
    return found


def symbols(*nm_arguments) -> set[str]:
    """Defined `lk_` symbols, as `nm --defined-only` lists them."""
    listed = subprocess.run([tool("nm"), "--defined-only", *map(str, nm_arguments)],
                            capture_output=True, text=True, check=True).stdout
    names = (line.split()[-1] for line in listed.splitlines() if line.strip())
    return {name for name in names if name.startswith("lk_")}


def compile_both(losskit_h_dir: Path) -> subprocess.CompletedProcess:
    """Compiles a C file that includes losskit.h (from `losskit_h_dir`) and the generated header."""
    source = losskit_h_dir / "both_headers.c"
    source.write_text('#include "losskit.h"\n#include "LossKitCABI-Swift.h"\n')
    return run_compiler("-fsyntax-only", f"-I{losskit_h_dir}", f"-I{generated_header().parent}", source)


def snake(name: str) -> str:
    """A parameter name compared case- and underscore-blind: n_params ~ nParams."""
    return name.replace("_", "").lower()


def test_prototypes_agree(tmp_path: Path):
    (tmp_path / "losskit.h").write_text(HEADER.read_text())
    result = compile_both(tmp_path)
    assert result.returncode == 0, f"losskit.h and the Swift exports disagree:\n{result.stderr}"
    ours, swift = prototypes(HEADER), prototypes(generated_header())
    for name, parameters in swift.items():
        assert name in ours, f"{name} is exported by Swift but not declared in losskit.h"
        assert list(map(snake, ours[name])) == list(map(snake, parameters)), (
            f"{name}: losskit.h names its parameters {ours[name]}, the Swift export {parameters}")


def test_check_catches_a_drifted_prototype(tmp_path: Path):
    """The compile check is only worth having if it fails: `size_t n` declared as `int32_t n`."""
    drifted = HEADER.read_text().replace("lk_dtype dtype, size_t n,", "lk_dtype dtype, int32_t n,", 1)
    assert drifted != HEADER.read_text(), "the declaration this test edits has changed; update the test"
    (tmp_path / "losskit.h").write_text(drifted)
    result = compile_both(tmp_path)
    assert result.returncode != 0 and "lk_elementwise" in result.stderr


def test_every_declared_function_is_compiler_checked():
    declared = set(prototypes(HEADER))
    swift = set(prototypes(generated_header()))
    in_c = symbols(build_file("CLossKitRuntime.build", "runtime.c.o"))
    unchecked = declared - swift - in_c
    assert not unchecked, (f"{sorted(unchecked)} are declared in losskit.h but neither defined in C nor "
                           "declared by the Swift-generated header: export them with @c, not @_cdecl")
    assert swift <= declared, f"{sorted(swift - declared)} are exported by Swift but missing from losskit.h"


def test_exports_match_header():
    library = build_file("liblosskit.so")
    exported = symbols("-D", library)
    declared = set(prototypes(HEADER))
    assert exported == declared, (f"exported but not declared: {sorted(exported - declared)}; "
                                  f"declared but not exported: {sorted(declared - exported)}")
