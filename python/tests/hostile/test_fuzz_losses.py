"""Property-based fuzz of every public loss (hypothesis, fixed seeds): random shapes, dtypes,
layouts, byte orders, NaN and inf, parameters in and out of range and of the wrong type. Each
call must return, or raise ValueError/TypeError/IndexError naming an argument; an argument made
certainly invalid must be refused; arrays must come back unchanged. The examples run in child
processes (_fuzz_losses_child.py), a few losses each, so a crash or a hang fails the test that
holds that loss (and says which call) instead of killing or stalling pytest.

The losses are every name in `losskit.__all__` that the catalogue lists, plus `hybrid_loss`:
a new loss is fuzzed without editing this file. LOSSKIT_FUZZ_EXAMPLES sets the examples per
loss (default 60, about a minute in all); LOSSKIT_FUZZ_SHRINK=1 shrinks a failing example."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import losskit as lk

EXAMPLES = int(os.environ.get("LOSSKIT_FUZZ_EXAMPLES", "60"))
GROUPS = 6
CHILD = Path(__file__).with_name("_fuzz_losses_child.py")


def public_losses() -> list[str]:
    catalogued = {entry["name"] for entry in lk.catalogue()}
    return sorted(name for name in lk.__all__ if name in catalogued) + ["hybrid_loss"]


def test_every_catalogue_loss_is_public():
    """The fuzz reaches a loss through `losskit.__all__`: one missing there would go unfuzzed."""
    missing = {entry["name"] for entry in lk.catalogue()} - set(lk.__all__)
    assert not missing, f"catalogue losses not in losskit.__all__: {sorted(missing)}"


@pytest.mark.parametrize("group", range(GROUPS))
def test_fuzz_public_losses(group: int, tmp_path: Path):
    names = public_losses()[group::GROUPS]
    progress = tmp_path / "progress.txt"
    timeout = 60 + EXAMPLES * len(names) * 0.1
    try:
        run = subprocess.run([sys.executable, str(CHILD), str(progress), str(EXAMPLES), *names],
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the fuzz of {names} hung (> {timeout:.0f} s) in:\n{progress.read_text()[:4000]}")
    died = run.returncode < 0 or run.returncode not in (0, 1)
    assert not died, (f"the fuzz of {names} died (exit status {run.returncode}) in:\n"
                      f"{progress.read_text()[:4000]}\n{run.stderr[-4000:]}")
    assert run.returncode == 0, f"{run.stdout[-12000:]}\n{run.stderr[-2000:]}"
