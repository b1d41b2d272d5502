"""The main job, `python -m losskit demo`: it trains, it reaches > 0.9 held-out accuracy, its loss
falls, and the gradient it trains with is the right one (checked against numpy, independently of
LossKit). Whole file: about 3 s on this machine.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losskit as lk
from losskit.cli import demo
from losskit.cli import main as cli_main

FINAL = re.compile(r"held-out accuracy ([0-9.]+) after (\d+) epochs "
                   r"\(training loss ([0-9.]+) -> ([0-9.]+); trained in [0-9.]+ s\)")


def final_line(stdout: str) -> tuple[float, float, float]:
    """(accuracy, first-epoch loss, last-epoch loss) from the demo's last output line."""
    match = FINAL.fullmatch(stdout.strip().splitlines()[-1])
    assert match, f"unexpected final line in demo output:\n{stdout}"
    return float(match[1]), float(match[3]), float(match[4])


@pytest.fixture(scope="module")
def data() -> demo.Data:
    pytest.importorskip("sklearn")
    return demo.load_data(seed=0)


def softmax_reference(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy and its gradient softmax(z) - onehot(y), over N, in plain numpy."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n, classes = logits.shape
    onehot = np.eye(classes)[y]
    return float(-(log_p * onehot).sum() / n), (np.exp(log_p) - onehot) / n


# ---- the demo runs and learns ---------------------------------------------------------------

def test_main_in_process_reaches_accuracy_and_loss_falls(data, capsys):
    assert demo.main(["--quiet"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1, "--quiet prints only the final line"
    accuracy, first, last = final_line(out)
    assert accuracy > 0.9
    assert last < 0.5 * first


def test_cli_subprocess(data):
    package_root = Path(lk.__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_root), env.get("PYTHONPATH")]))
    run = subprocess.run([sys.executable, "-m", "losskit", "demo", "--quiet"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    accuracy, first, last = final_line(run.stdout)
    assert accuracy > 0.9
    assert last < first


@pytest.mark.parametrize("hidden", [0, 64], ids=["softmax-regression", "mlp"])
def test_train_history(data, hidden):
    result = demo.train(hidden=hidden, seed=0, quiet=True, data=data)
    assert len(result.losses) == len(result.accuracies) == 30
    assert result.accuracy == result.accuracies[-1] > 0.9
    assert result.losses[-1] < 0.5 * result.losses[0]
    assert all(np.isfinite(result.losses))


def test_progress_lines(data, capsys):
    assert cli_main(["demo", "--epochs", "6", "--log-every", "3", "--hidden", "16"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    epochs = [int(line.split()[1]) for line in lines if line.startswith("epoch")]
    assert epochs == [1, 3, 6]
    assert all("training loss" in line and "held-out accuracy" in line for line in lines[1:-1])
    final_line("\n".join(lines))


def test_seed_makes_it_reproducible(data):
    a = demo.train(epochs=3, hidden=16, seed=5, quiet=True, data=data)
    b = demo.train(epochs=3, hidden=16, seed=5, quiet=True, data=data)
    assert a.losses == b.losses and a.accuracies == b.accuracies


def test_split_is_stratified_75_25_and_standardised(data):
    assert len(data.y_train) + len(data.y_test) == 1797
    assert abs(len(data.y_test) / 1797 - 0.25) < 0.01
    train_share = np.bincount(data.y_train) / len(data.y_train)
    test_share = np.bincount(data.y_test) / len(data.y_test)
    np.testing.assert_allclose(train_share, test_share, atol=0.01)
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0.0, atol=1e-12)
    assert set(np.round(data.x_train.std(axis=0), 12)) <= {0.0, 1.0}


# ---- the gradient the demo trains with is correct -------------------------------------------

def demo_batch(data, hidden=64, size=64, seed=0):
    rng = np.random.default_rng(seed)
    params = demo.init_params([64, hidden, 10], rng)
    rows = rng.choice(len(data.y_train), size, replace=False)
    return params, data.x_train[rows], data.y_train[rows]


def test_losskit_logit_gradient_matches_numpy_softmax_minus_onehot(data):
    params, x, y = demo_batch(data)
    logits, _ = demo.forward(params, x)
    loss, grad = lk.cross_entropy(logits, y, grad=True)  # the call demo.loss_and_grads makes
    ref_loss, ref_grad = softmax_reference(logits, y)
    assert grad.shape == logits.shape and grad.dtype == np.float64
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)
    # Larger logits, as after training: softmax must stay stable and exact.
    np.testing.assert_allclose(lk.cross_entropy(40 * logits, y, grad=True)[1],
                               softmax_reference(40 * logits, y)[1], rtol=1e-10, atol=1e-15)


def test_demo_parameter_gradients_come_from_that_gradient(data):
    params, x, y = demo_batch(data, hidden=16, size=32)
    loss, grads = demo.loss_and_grads(params, x, y)
    logits, inputs = demo.forward(params, x)
    ref_loss, ref_logit_grad = softmax_reference(logits, y)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    for got, want in zip(grads, demo.backward(params, inputs, ref_logit_grad)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-14)

    # And backprop is right: central differences of the numpy reference loss.
    rng = np.random.default_rng(1)
    eps = 1e-6
    for p, g in zip(params, grads):
        for index in [tuple(rng.integers(s) for s in p.shape) for _ in range(3)]:
            saved = p[index]
            p[index] = saved + eps
            up = softmax_reference(demo.forward(params, x)[0], y)[0]
            p[index] = saved - eps
            down = softmax_reference(demo.forward(params, x)[0], y)[0]
            p[index] = saved
            assert g[index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


# ---- failure modes ---------------------------------------------------------------------------

def test_missing_sklearn_exits_2_with_install_hint(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert cli_main(["demo", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "pip install scikit-learn" in err and "losskit[demo]" in err


@pytest.mark.parametrize("argv", [[], ["no-such-command"], ["demo", "--hidden", "-1"],
                                  ["demo", "--epochs", "0"]])
def test_bad_command_line_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err
