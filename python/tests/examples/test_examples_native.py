"""The C and Rust examples compile against the liblosskit.so beside the imported `losskit`
package, run, and print results that independent numpy computations confirm."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losskit

ROOT = Path(__file__).resolve().parents[3]
LIBRARY_DIR = Path(losskit.__file__).resolve().parent


def c_compiler() -> str:
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler (cc, gcc or clang) on PATH")
    return compiler


def test_c_robust_regression_example(tmp_path):
    binary = tmp_path / "robust_regression"
    subprocess.run([c_compiler(), str(ROOT / "examples/c/robust_regression.c"), "-I", str(ROOT / "include"),
                    "-L", str(LIBRARY_DIR), "-llosskit", "-lm", f"-Wl,-rpath,{LIBRARY_DIR}", "-o", str(binary)],
                   check=True)
    done = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    fits = {m.group(1): [float(v) for v in m.group(2, 3, 4)]
            for m in re.finditer(r"^(\w+):\s+a (\S+) b (\S+) loss (\S+)$", done.stdout, flags=re.M)}

    # The program's data, regenerated.
    i = np.arange(200)
    t = -2.0 + 4.0 * i / 199
    y = 2.0 * t - 1.0 + 0.1 * np.sin(12.9898 * i) + np.where(i % 10 == 3, 15.0, 0.0)

    # Squared error: the least-squares line and its mean squared residual.
    a, b, loss = fits["mse_loss"]
    slope, intercept = np.polyfit(t, y, 1)
    assert (a, b) == (pytest.approx(slope, abs=2e-6), pytest.approx(intercept, abs=2e-6))
    assert loss == pytest.approx(np.mean((slope * t + intercept - y) ** 2), rel=1e-8)

    # Huber (delta 1): the printed loss is the mean Huber loss there, and it is a stationary point.
    a, b, loss = fits["huber_loss"]
    r = a * t + b - y
    assert loss == pytest.approx(np.mean(np.where(np.abs(r) <= 1, 0.5 * r**2, np.abs(r) - 0.5)), rel=1e-6)
    g = np.clip(r, -1, 1) / 200
    assert abs(np.sum(g * t)) < 1e-5 and abs(np.sum(g)) < 1e-5
    assert abs(a - 2.0) < 0.01 and abs(b + 1.0) < 0.15 and abs(fits["mse_loss"][1] + 1.0) > 1.0  # robust

    assert re.search(r"^refused: LK_ERR_INVALID_ARGUMENT: .*weight.*element 7 is -1$", done.stdout, flags=re.M)


def test_rust_example(tmp_path):
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not on PATH")
    # As a user runs it: no LOSSKIT_LIB_DIR, so build.rs asks the `python3` on PATH (this test's
    # Python, whose folder comes first) where the installed package keeps the library.
    env = {k: v for k, v in os.environ.items() if k not in ("LOSSKIT_LIB_DIR", "PYTHON")}
    env.update(PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
               CARGO_TARGET_DIR=str(tmp_path / "target"))
    done = subprocess.run([cargo, "run", "--offline", "--quiet"], cwd=ROOT / "examples/rust", env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"LossKit {losskit.__version__}"
    # Hand-derived: huber(0.5, 3, -2; delta 1) = (0.125 + 2.5 + 1.5) / 3; grad clip(r, -1, 1) / 3.
    assert lines[1] == "huber_loss 1.375000 grad 0.166667 0.333333 -0.333333"
    assert lines[2].startswith("refused: LK_ERR_INVALID_ARGUMENT: huber_loss: delta")
    assert lines[3] == "refused: LK_ERR_UNKNOWN_LOSS: no loss is named 'no_such_loss'"


def test_swift_example_package():
    """examples/swift depends on LossKit by path and calls each typed Swift API once; every
    printed value is derived by hand (see Tests/LossKitTests/TypedAPITests.swift)."""
    swift = shutil.which("swift")
    if swift is None:
        pytest.skip("swift is not on PATH")
    done = subprocess.run([swift, "run", "--quiet", "--package-path", str(ROOT / "examples/swift")],
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr
    printed = {}
    for line in done.stdout.splitlines():
        name, loss, word, *grad = line.split()
        if name != "refused:":
            assert word == "grad"
            printed[name] = (float(loss), [float(g) for g in grad])
    expected = {
        "huber_loss": (1.375, [1 / 6, 1 / 3, -1 / 3]),          # (0.125 + 2.5 + 1.5) / 3; clip(r) / 3
        "nll_loss": (0.3, [-0.5, 0, 0, -0.5]),                  # (0.5 + 0.1) / 2; -1/2 at the targets
        "triplet_margin_loss": (1.0, [-1.0, 1.0]),              # d_ap = d_an = 1, margin 1
        "nt_xent": (np.log1p(np.exp(-1.0)), None),              # -1 + log(e + 1) for both anchors
        "ctc_loss": (-np.log(0.75), None),                      # three alignments of 1/4 each
        "dice_loss": (0.15, [-0.2875, 0.2125, 0.2125, -0.2875]),  # 1 - 1.7 / 2; -(2t - 0.85) / 4
    }
    assert printed.keys() == expected.keys()
    for name, (loss, grad) in expected.items():
        assert printed[name][0] == pytest.approx(loss, abs=2e-6), name
        if grad is not None:
            assert printed[name][1] == pytest.approx(grad, abs=2e-6), name
    assert done.stdout.splitlines()[-1].startswith("refused: huber_loss: delta")
