"""Running a test body in a child Python process, so that a crash, a hang or a leak there fails
the test instead of killing or stalling pytest. Not a test module (the name starts with _)."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def run_child(code: str, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Runs `code` (dedented) in a fresh interpreter; asserts it finished within `timeout`
    seconds with exit status 0, and returns the completed process (stdout for results)."""
    code = textwrap.dedent(code)
    try:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=timeout, env=env)
    except subprocess.TimeoutExpired as hung:
        tail = (hung.stdout or b"")[-2000:]
        raise AssertionError(f"the child process hung (no exit within {timeout} s); its last output:\n"
                             f"{tail.decode(errors='replace') if isinstance(tail, bytes) else tail}") from None
    assert run.returncode == 0, (f"the child process exited with {run.returncode}:\n"
                                 f"{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    return run
