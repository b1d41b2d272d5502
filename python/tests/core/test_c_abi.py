"""Runs tests/c/test_abi.c, the C program that checks liblosskit.so through losskit.h alone
(results against double-precision references, status codes, error messages, the per-thread
last error), so the one pytest run covers the C ABI too."""
import re
import subprocess
from pathlib import Path

from _native_build import INCLUDE_DIR, ROOT, package_library, run_compiler

SOURCE = ROOT / "tests" / "c" / "test_abi.c"


def test_c_abi_program(tmp_path: Path):
    library = package_library()
    program = tmp_path / "test_abi"
    built = run_compiler("-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{INCLUDE_DIR}", SOURCE,
                         f"-L{library.parent}", "-llosskit", f"-Wl,-rpath,{library.parent}",
                         "-lpthread", "-lm", "-o", program)
    assert built.returncode == 0, f"test_abi.c does not compile against losskit.h:\n{built.stderr}"

    run = subprocess.run([program], capture_output=True, text=True, timeout=120)
    lines = run.stdout.splitlines()
    summary = re.fullmatch(r"(\d+) passed, (\d+) failed", lines[-1]) if lines else None
    failures = "\n".join(line for line in lines if line.startswith("FAIL"))
    assert run.returncode == 0 and summary and summary[2] == "0" and int(summary[1]) > 0, (
        f"test_abi exited with {run.returncode}; {lines[-1] if lines else 'no output'}\n"
        f"{failures}\n{run.stderr[-4000:]}")
