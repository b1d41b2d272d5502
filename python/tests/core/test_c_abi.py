"""Runs the C programs of tests/c, which check liblosskit.so through losskit.h alone, so the one
pytest run covers the C ABI too:

- test_abi.c: results against double-precision references, status codes, error messages, the
  per-thread last error;
- test_alloc.c: every driver with failing allocations (lk_testing_fail_allocations): a status
  and untouched outputs, or the unlimited result;
- test_check_order.c: which status wins when several arguments are wrong, and `dim` limits;
- fuzz_abi.c: every function with random and hostile arguments, arrays between guard pages and
  canaries."""
import os
import re
import subprocess
from pathlib import Path

import pytest

from _native_build import INCLUDE_DIR, ROOT, package_library, run_compiler

PROGRAMS = ("test_abi", "test_alloc", "test_check_order")
# About 5 s on this project's machine; LOSSKIT_FUZZ_CASES runs more (or fewer) by hand.
FUZZ_CASES = int(os.environ.get("LOSSKIT_FUZZ_CASES", "300000"))
FUZZ_SEED = 1


def build(name: str, program: Path) -> None:
    library = package_library()
    source = ROOT / "tests" / "c" / f"{name}.c"
    built = run_compiler("-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{INCLUDE_DIR}", source,
                         f"-L{library.parent}", "-llosskit", f"-Wl,-rpath,{library.parent}",
                         "-lpthread", "-lm", "-o", program)
    assert built.returncode == 0, f"{name}.c does not compile against losskit.h:\n{built.stderr}"


def run_program(name: str, program: Path, *args: str, timeout: int) -> tuple[int, int]:
    """Runs a test program; returns its closing line's (passed, failed) after checking its exit."""
    run = subprocess.run([program, *args], capture_output=True, text=True, timeout=timeout)
    lines = run.stdout.splitlines()
    summary = re.fullmatch(rf"(?:{name}: )?(\d+) passed, (\d+) failed", lines[-1]) if lines else None
    failures = "\n".join(line for line in lines if line.startswith("FAIL"))
    assert run.returncode == 0 and summary and summary[2] == "0", (
        f"{name} exited with {run.returncode}; {lines[-1] if lines else 'no output'}\n"
        f"{failures}\n{run.stderr[-4000:]}")
    return int(summary[1]), int(summary[2])


@pytest.mark.parametrize("name", PROGRAMS)
def test_c_abi_program(tmp_path: Path, name: str):
    program = tmp_path / name
    build(name, program)
    passed, _ = run_program(name, program, timeout=120)
    assert passed > 0


def test_c_abi_fuzz(tmp_path: Path):
    """No crash, no write past an array, no change to an input, only documented statuses with a
    message, every invalid argument refused, over FUZZ_CASES fixed-seed cases."""
    program = tmp_path / "fuzz_abi"
    build("fuzz_abi", program)
    passed, _ = run_program("fuzz_abi", program, str(FUZZ_CASES), str(FUZZ_SEED), timeout=300)
    assert passed == FUZZ_CASES
