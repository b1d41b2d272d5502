"""Bad input raises the right exception naming the argument, and never takes the process down.

The cases live in bad_input_cases.py: one list run here case by case, and again as a whole in
a child interpreter, where a trap or segfault in the shim or the library would show up as a
signal exit code instead of killing the test run."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import losskit
from bad_input_cases import CASES, check

HERE = Path(__file__).resolve().parents[1]  # python/tests, where bad_input_cases.py is


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_raises_naming_the_argument(case):
    with pytest.raises(case.error) as info:
        case.call()
    assert case.argument in str(info.value)


def test_case_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


def test_the_checker_reports_a_case_that_does_not_raise():
    """The child process's verdict relies on `check`; it must be able to say no."""
    silent = CASES[0]._replace(call=lambda: None)
    wrong_type = CASES[0]._replace(error=IndexError)
    wrong_name = CASES[0]._replace(argument="no-such-argument")
    assert all(check(c) is not None for c in (silent, wrong_type, wrong_name))


def test_the_battery_leaves_the_process_alive():
    package_root = Path(losskit.__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(package_root), str(HERE)]))
    child = subprocess.run([sys.executable, str(HERE / "bad_input_cases.py")], env=env,
                           capture_output=True, text=True, timeout=300)
    output = child.stdout + child.stderr
    assert child.returncode >= 0, f"the child died of signal {-child.returncode}:\n{output}"
    assert child.returncode == 0, output
    assert f"all {len(CASES)} cases raised as expected" in child.stdout
