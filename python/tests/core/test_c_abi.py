"""Runs the C programs of tests/c, which check liblosskit.so through losskit.h alone, so the one
pytest run covers the C ABI too:

- test_abi.c: results against double-precision references, status codes, error messages, the
  per-thread last error;
- test_alloc.c: every driver with failing allocations (lk_testing_fail_allocations): a status
  and untouched outputs, or the unlimited result;
- test_check_order.c: which status wins when several arguments are wrong, and `dim` limits."""
import re
import subprocess
from pathlib import Path

import pytest

from _native_build import INCLUDE_DIR, ROOT, package_library, run_compiler

PROGRAMS = ("test_abi", "test_alloc", "test_check_order")


@pytest.mark.parametrize("name", PROGRAMS)
def test_c_abi_program(tmp_path: Path, name: str):
    library = package_library()
    source = ROOT / "tests" / "c" / f"{name}.c"
    program = tmp_path / name
    built = run_compiler("-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{INCLUDE_DIR}", source,
                         f"-L{library.parent}", "-llosskit", f"-Wl,-rpath,{library.parent}",
                         "-lpthread", "-lm", "-o", program)
    assert built.returncode == 0, f"{name}.c does not compile against losskit.h:\n{built.stderr}"

    run = subprocess.run([program], capture_output=True, text=True, timeout=120)
    lines = run.stdout.splitlines()
    summary = re.fullmatch(r"(\d+) passed, (\d+) failed", lines[-1]) if lines else None
    failures = "\n".join(line for line in lines if line.startswith("FAIL"))
    assert run.returncode == 0 and summary and summary[2] == "0" and int(summary[1]) > 0, (
        f"{name} exited with {run.returncode}; {lines[-1] if lines else 'no output'}\n"
        f"{failures}\n{run.stderr[-4000:]}")
