"""Fuses the portable and tuned builds of liblosskit into one library that picks its code at
load time.

Each build (portable, x86-64-v3, x86-64-v4) is a whole copy of LossKit compiled for one
instruction set. Shipped as three libraries, each carried its own static Swift runtime, about
60% of its 8.7 MB; fused, the runtime is linked once and the wheel is about half the size.

How the copies live side by side in one library:

1. The object files of each build are linked into one relocatable object (`ld -r`).
2. In that object, every exported C function `lk_foo` is renamed `losskit_<level>__foo` and every
   other defined symbol (Swift code, metadata, the copy's globals) is made local, so the three
   copies cannot bind to each other: each one calls only its own code.
3. A generated C file defines each `lk_foo` as a GNU indirect function (IFUNC): when the library
   is loaded, its resolver asks glibc which CPU features are usable (`<sys/platform/x86.h>`,
   glibc >= 2.33) and binds `lk_foo` to the best copy, once, so a call costs what it did before.
   All functions resolve with the same test, so a process uses one copy throughout (the copies'
   thread pools, error strings and allocation hooks never mix).
4. `swiftc -static-stdlib` links the three objects, the resolvers and one Swift runtime.

glibc's tunable `GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F` (or `-AVX2`) hides a feature from the
resolvers as it does from glibc's own choice, which is how the tests run every copy on one CPU.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

# The CPU features each tuned level needs, as glibc defines the x86-64 levels for its own
# glibc-hwcaps folders (names as in <sys/platform/x86.h>); each level includes the one below.
_V3 = ("AVX", "AVX2", "BMI1", "BMI2", "F16C", "FMA", "LZCNT", "MOVBE", "OSXSAVE")
LEVEL_FEATURES = {
    "x86-64-v4": _V3 + ("AVX512F", "AVX512BW", "AVX512CD", "AVX512DQ", "AVX512VL"),
    "x86-64-v3": _V3,
}


def fuse(portable: Path, tuned: dict[str, Path], output: Path, swift: str, version_script: Path) -> Path:
    """Links the builds whose libraries are `portable` and `tuned[level]` (each in a SwiftPM
    release folder, beside its `losskit.product/`) into `output`, choosing the copy at load
    time. Returns `output`."""
    work = output.parent / "fused"
    work.mkdir(parents=True, exist_ok=True)
    copies = {"portable": portable, **tuned}
    objects, exported = [], None
    for level, library in copies.items():
        combined = work / f"{tag(level)}-combined.o"
        run(["ld", "-r", "-o", str(combined), *build_objects(library)])
        functions = exported_functions(combined)
        if exported is not None and functions != exported:
            raise SystemExit(f"error: the {level} build exports different functions from the portable one")
        exported = functions
        objects.append(private_copy(combined, tag(level), functions, work))
    dispatch = work / "dispatch.c"
    dispatch.write_text(dispatch_source(exported, list(tuned)))
    dispatch_object = work / "dispatch.o"
    run(["cc", "-O2", "-fPIC", "-c", str(dispatch), "-o", str(dispatch_object)])
    run([str(Path(swift).with_name("swiftc")), "-emit-library", "-static-stdlib", *map(str, objects), str(dispatch_object),
         "-o", str(output), "-Xlinker", f"--version-script={version_script}",
         "-Xlinker", f"-soname={output.name}"])
    return output


def build_objects(library: Path) -> list[str]:
    """The object files SwiftPM linked into `library`, from the product's link file list."""
    listing = library.parent / "losskit.product" / "Objects.LinkFileList"
    if not listing.exists():
        raise SystemExit(f"error: {listing} is missing; cannot fuse the builds (LOSSKIT_FUSE=0 ships them separately)")
    return [line.strip().strip('"') for line in listing.read_text().splitlines() if line.strip()]


def exported_functions(combined: Path) -> list[str]:
    """The `lk_*` functions the object defines: the C ABI."""
    symbols = run(["nm", "--defined-only", str(combined)])
    return sorted(parts[2] for parts in (line.split() for line in symbols.splitlines())
                  if len(parts) == 3 and parts[1] == "T" and parts[2].startswith("lk_"))


def private_copy(combined: Path, copy: str, functions: list[str], work: Path) -> Path:
    """`combined` with `lk_foo` renamed `losskit_<copy>__foo` and every other defined symbol local."""
    renames = work / f"{copy}-renames.txt"
    renames.write_text("".join(f"{name} {copy_name(copy, name)}\n" for name in functions))
    keep = work / f"{copy}-globals.txt"
    keep.write_text("".join(f"{copy_name(copy, name)}\n" for name in functions))
    renamed, private = work / f"{copy}-renamed.o", work / f"{copy}.o"
    run(["objcopy", f"--redefine-syms={renames}", str(combined), str(renamed)])
    run(["objcopy", f"--keep-global-symbols={keep}", str(renamed), str(private)])
    return private


def copy_name(copy: str, function: str) -> str:
    """The name of `function` (lk_foo) in `copy`; outside the `lk_*` export pattern."""
    return f"losskit_{copy}__{function[len('lk_'):]}"


def dispatch_source(functions: list[str], levels: list[str]) -> str:
    """C source defining each function as an IFUNC bound to the best copy for the CPU."""
    ranked = [level for level in LEVEL_FEATURES if level in levels]  # most capable first
    tests = [f"    if ({' && '.join(f'CPU_FEATURE_ACTIVE({feature})' for feature in LEVEL_FEATURES[level])}) return {rank};"
             for rank, level in enumerate(ranked, start=1)]
    lines = [
        "/* Generated by scripts/fuse_builds.py: binds the C ABI to the copy of LossKit built for",
        " * the best instruction set the CPU has (see that script). */",
        "#include <sys/platform/x86.h>",
        "",
        "typedef void function(void);",
        "",
        f"/* 0: the portable copy; 1...: {', '.join(ranked)}. */",
        "static int best_copy(void) {",
        *tests,
        "    return 0;",
        "}",
        "",
    ]
    for name in functions:
        copies = [copy_name(tag(level), name) for level in ["portable", *ranked]]
        lines += [
            f"extern function {', '.join(copies)};",
            f"static function *resolve_{name}(void) {{",
            f"    function *copies[] = {{{', '.join(copies)}}};",
            "    return copies[best_copy()];",
            "}",
            f'__attribute__((visibility("default"), ifunc("resolve_{name}"))) void {name}(void);',
            "",
        ]
    return "\n".join(lines)


def tag(level: str) -> str:
    """A level's name as it appears in symbol names (x86-64-v3 -> x86_64_v3)."""
    return level.replace("-", "_")


def run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: `{' '.join(command)}` failed with exit code {done.returncode}:\n{done.stderr}")
    return done.stdout
