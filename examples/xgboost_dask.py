"""A LossKit objective in XGBoost's Dask interface: Huber regression on data with outliers,
trained on a two-process local Dask cluster, then on one machine, with the same trees.

The objective is a plain picklable object: Dask ships it to each worker, which computes the
gradients of its own partition with LossKit (so every worker needs losskit importable) and
XGBoost all-reduces the histograms. The start score is computed once, on the driver.

Run: python examples/xgboost_dask.py   (needs xgboost, dask[distributed] and pandas)
"""
import numpy as np
import xgboost as xgb
import xgboost.dask  # noqa: F401  (registers xgb.dask)
import dask.array as da
from dask.distributed import Client, LocalCluster

import losskit.xgboost as lkx

ROUNDS = 20


def make_data(n: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, targets with 5% gross outliers, and sample weights."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = 2.0 * X[:, 0] - X[:, 1] + np.sin(3 * X[:, 2]) + 0.3 * rng.normal(size=n)
    outliers = rng.random(n) < 0.05
    y[outliers] += rng.normal(scale=30.0, size=outliers.sum())
    return X, y, rng.uniform(0.5, 2.0, size=n)


def main() -> None:
    X, y, w = make_data()
    # The exact Huber Hessian is 0 beyond delta, which makes early leaf values explode while most
    # residuals are large; the booster convention (h = w) gives steady Newton steps.
    objective = lkx.objective("huber_loss", hessian="booster", delta=1.0)
    metric = lkx.metric("huber_loss", delta=1.0)
    params = {"max_depth": 4, "eta": 0.3, "tree_method": "hist", "disable_default_eval_metric": 1,
              "base_score": lkx.init_score("huber_loss", y, w, delta=1.0)}

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        parts = [da.from_array(a, chunks=len(y) // 2) for a in (X, y, w)]
        dtrain = xgb.dask.DaskDMatrix(client, *parts[:2], weight=parts[2])
        result = xgb.dask.train(client, params, dtrain, ROUNDS, obj=objective, custom_metric=metric,
                                evals=[(dtrain, "train")], verbose_eval=False)
        distributed = xgb.dask.predict(client, result["booster"], parts[0], output_margin=True).compute()
    history = result["history"]["train"]["huber_loss"]
    print(f"dask, 2 workers: Huber loss by round {' '.join(f'{v:.4f}' for v in history)}")

    single = xgb.train(params, xgb.DMatrix(X, y, weight=w), ROUNDS, obj=objective)
    local = single.predict(xgb.DMatrix(X), output_margin=True)
    print(f"largest difference to single-machine training: {np.abs(distributed - local).max():.3g}")

    squared = xgb.train({**params, "objective": "reg:squarederror", "base_score": np.average(y, weights=w)},
                        xgb.DMatrix(X, y, weight=w), ROUNDS)
    clean = np.abs(y - (2.0 * X[:, 0] - X[:, 1] + np.sin(3 * X[:, 2]))) < 3.0
    for name, prediction in [("huber (dask)", distributed), ("squared error", squared.predict(xgb.DMatrix(X)))]:
        print(f"{name:>14}: mean absolute error on the inliers {np.mean(np.abs(prediction - y)[clean]):.4f}")


if __name__ == "__main__":
    main()
