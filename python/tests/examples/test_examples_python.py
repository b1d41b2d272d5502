"""The Python examples in examples/ run as written, as subprocesses, and print what they say."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import losskit

ROOT = Path(__file__).resolve().parents[3]
NAMES = {entry["name"] for entry in losskit.catalogue()}


def run(example: str, timeout: float = 180) -> str:
    """The example's standard output; it must exit with status 0."""
    env = dict(os.environ)
    package_root = str(Path(losskit.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, str(ROOT / "examples" / example)], capture_output=True, text=True,
                          env=env, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_xgboost_dask_example():
    pytest.importorskip("xgboost")
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    pytest.importorskip("pandas", reason="xgboost.dask needs pandas")
    out = run("xgboost_dask.py")
    losses = [float(v) for v in re.search(r"Huber loss by round (.*)", out).group(1).split()]
    assert len(losses) == 20 and all(b < a for a, b in zip(losses, losses[1:]))
    assert float(re.search(r"single-machine training: (\S+)", out).group(1)) < 1e-6
    huber, squared = (float(v) for v in re.findall(r"inliers (\S+)", out))
    assert huber < squared   # robust to the outliers


@pytest.mark.skipif("sigmoid_focal_loss" not in NAMES,
                    reason="sigmoid_focal_loss is not in the LossKit catalogue yet (added on another branch)")
def test_xgboost_focal_example():
    pytest.importorskip("xgboost")
    pytest.importorskip("sklearn")
    out = run("xgboost_focal_imbalanced.py")
    rows = {m.group(1): [float(v) for v in m.group(2).split()]
            for m in re.finditer(r"^(logistic loss|focal loss.*?)\s{2,}([\d. ]+)$", out, flags=re.M)}
    assert set(rows) == {"logistic loss", "focal loss (alpha=0.75, gamma=2.0)"}
    for pr_auc, roc_auc, recall, precision in rows.values():
        assert pr_auc > 0.6 and roc_auc > 0.9 and recall > 0.4 and precision > 0.4   # positives are ~5%


def test_numpy_robust_mlp_example():
    out = run("numpy_robust_mlp.py")
    rmse = {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^(.*?) RMSE against the clean curve: (\S+)$", out, flags=re.M)}
    assert set(rmse) == {"squared error", "huber (delta=0.5)"}
    assert rmse["huber (delta=0.5)"] < 0.5 * rmse["squared error"]   # outliers pull the squared error away


def assert_trains_like(out: str, peer: str) -> None:
    """A training example's LossKit run ends at the peer library's loss and weights."""
    ours, theirs = (float(v) for v in re.search(rf"final loss: losskit (\S+), {peer} (\S+)", out).groups())
    assert abs(ours - theirs) <= 1e-9 * max(abs(theirs), 1.0)
    assert float(re.search(r"largest weight difference after training: (\S+)", out).group(1)) < 1e-9


def test_torch_training_example():
    pytest.importorskip("torch")
    assert_trains_like(run("torch_training.py"), "pytorch")


def test_jax_training_example():
    pytest.importorskip("optax")
    out = run("jax_training.py")
    assert_trains_like(out, "optax")
    assert float(re.search(r"training accuracy: (\S+)", out).group(1)) > 0.9
