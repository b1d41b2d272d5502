"""losskit.xgboost objectives in XGBoost's Dask interface, on a two-process local cluster:
the same model as single-machine training (XGBoost all-reduces the histograms, and with fewer
distinct feature values than bins both sketches hold every value), and not the built-in's."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from scipy.special import softmax

import losskit
import losskit.xgboost as lkx

xgb = pytest.importorskip("xgboost")
pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
pytest.importorskip("pandas", reason="xgboost.dask needs pandas")
import dask.array as da  # noqa: E402
import xgboost.dask  # noqa: E402,F401
from dask.distributed import Client, LocalCluster  # noqa: E402

N, ROUNDS = 400, 5
PARAMS = {"max_depth": 3, "eta": 0.3, "tree_method": "hist", "disable_default_eval_metric": 1}


@pytest.fixture(scope="module")
def client():
    # Worker processes import losskit (to unpickle the objective) from the same place we do.
    package_root = str(Path(losskit.__file__).resolve().parents[1])
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, previous]))
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as c:
            yield c
    finally:
        if previous is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = previous


def train_both(client, params, X, y, w, obj, metric=None):
    parts = [da.from_array(a, chunks=N // 2) for a in (X, y, w)]
    dtrain = xgb.dask.DaskDMatrix(client, parts[0], parts[1], weight=parts[2])
    result = xgb.dask.train(client, params, dtrain, ROUNDS, obj=obj, custom_metric=metric,
                            evals=[(dtrain, "train")] if metric else None, verbose_eval=False)
    distributed = xgb.dask.predict(client, result["booster"], parts[0], output_margin=True).compute()
    dlocal = xgb.DMatrix(X, y, weight=w)
    single = xgb.train(params, dlocal, ROUNDS, obj=obj).predict(dlocal, output_margin=True)
    return distributed, single, result["history"]


def test_dask_huber_objective_is_the_single_machine_model(client):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 4))
    y = X[:, 0] - X[:, 1] + rng.standard_t(2, size=N)
    w = rng.uniform(0.5, 2.0, size=N)
    params = {**PARAMS, "base_score": lkx.init_score("huber_loss", y, w, delta=1.0)}
    distributed, single, history = train_both(client, params, X, y, w,
                                               lkx.objective("huber_loss", hessian="booster", delta=1.0),
                                               lkx.metric("huber_loss", delta=1.0))
    np.testing.assert_allclose(distributed, single, rtol=1e-6, atol=1e-6)
    losses = history["train"]["huber_loss"]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    builtin = xgb.train({**PARAMS, "base_score": params["base_score"]}, xgb.DMatrix(X, y, weight=w), ROUNDS)
    assert np.abs(builtin.predict(xgb.DMatrix(X)) - distributed).max() > 1e-2   # not squared error


def test_dask_softmax_objective_is_the_single_machine_model(client):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(N, 4))
    y = np.digitize(X[:, 0] + 0.5 * rng.normal(size=N), [-0.5, 0.5]).astype(float)
    w = rng.uniform(0.5, 2.0, size=N)
    params = {**PARAMS, "num_class": 3, "base_score": lkx.init_score("cross_entropy", y, w).tolist()}
    distributed, single, _ = train_both(client, params, X, y, w, lkx.objective("cross_entropy", hessian="booster"))
    assert distributed.shape == (N, 3)
    np.testing.assert_allclose(distributed, single, rtol=1e-6, atol=1e-6)
    # multi:softprob grows the same model (its own test is in test_boosting.py).
    builtin = xgb.train({**PARAMS, "objective": "multi:softprob", "num_class": 3}, xgb.DMatrix(X, y, weight=w), ROUNDS)
    np.testing.assert_allclose(softmax(distributed, axis=1), builtin.predict(xgb.DMatrix(X)), rtol=1e-5, atol=1e-6)
