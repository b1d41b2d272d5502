"""Runs the C programs that check liblosskit.so through losskit.h alone, so the one pytest run
covers the C ABI too: tests/c/test_abi.c (results against double-precision references, status
codes, error messages, the per-thread last error) and tests/c/fuzz_abi.c (every function with
random and hostile arguments, arrays between guard pages and canaries)."""
import os
import re
import subprocess
from pathlib import Path

from _native_build import INCLUDE_DIR, ROOT, package_library, run_compiler

SOURCE = ROOT / "tests" / "c" / "test_abi.c"
FUZZ_SOURCE = ROOT / "tests" / "c" / "fuzz_abi.c"
# About 5 s on this project's machine; LOSSKIT_FUZZ_CASES runs more (or fewer) by hand.
FUZZ_CASES = int(os.environ.get("LOSSKIT_FUZZ_CASES", "300000"))
FUZZ_SEED = 1


def build(source: Path, program: Path) -> None:
    library = package_library()
    built = run_compiler("-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{INCLUDE_DIR}", source,
                         f"-L{library.parent}", "-llosskit", f"-Wl,-rpath,{library.parent}",
                         "-lpthread", "-lm", "-o", program)
    assert built.returncode == 0, f"{source.name} does not compile against losskit.h:\n{built.stderr}"


def test_c_abi_program(tmp_path: Path):
    program = tmp_path / "test_abi"
    build(SOURCE, program)

    run = subprocess.run([program], capture_output=True, text=True, timeout=120)
    lines = run.stdout.splitlines()
    summary = re.fullmatch(r"(\d+) passed, (\d+) failed", lines[-1]) if lines else None
    failures = "\n".join(line for line in lines if line.startswith("FAIL"))
    assert run.returncode == 0 and summary and summary[2] == "0" and int(summary[1]) > 0, (
        f"test_abi exited with {run.returncode}; {lines[-1] if lines else 'no output'}\n"
        f"{failures}\n{run.stderr[-4000:]}")


def test_c_abi_fuzz(tmp_path: Path):
    """No crash, no write past an array, no change to an input, only documented statuses with a
    message, every invalid argument refused, over FUZZ_CASES fixed-seed cases."""
    program = tmp_path / "fuzz_abi"
    build(FUZZ_SOURCE, program)

    run = subprocess.run([program, str(FUZZ_CASES), str(FUZZ_SEED)], capture_output=True, text=True, timeout=300)
    lines = run.stdout.splitlines()
    summary = re.fullmatch(r"fuzz_abi: (\d+) passed, (\d+) failed", lines[-1]) if lines else None
    failures = "\n".join(line for line in lines if line.startswith("FAIL")) + run.stderr[-4000:]
    assert run.returncode == 0 and summary and summary[2] == "0" and int(summary[1]) == FUZZ_CASES, (
        f"fuzz_abi exited with {run.returncode}; {lines[-1] if lines else 'no output'}\n{failures}")
