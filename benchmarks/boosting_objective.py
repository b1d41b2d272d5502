"""How much of a boosting run the custom objective costs: LossKit's objective against the same
objective written in numpy and against the booster's built-in, for XGBoost and LightGBM,
binary logistic and 5-class softmax, with sample weights.

For each case it trains the same model three ways (single thread, best of --repeat runs) and
prints the training time, the time spent inside the Python objective (timed around each call)
and that time's share of the training run. The built-in's gradient time is inside the
booster and not separable; its row shows the training time only.

Run: python benchmarks/boosting_objective.py [--rows 50000] [--rounds 20] [--repeat 3]
"""
from __future__ import annotations

import argparse
import time
from typing import Any, Callable

import numpy as np

import losskit
import losskit.lightgbm as lkl
import losskit.xgboost as lkx

K = 5


class Timed:
    """Wraps an objective and adds up the time spent in it."""

    def __init__(self, objective: Callable[..., Any]) -> None:
        self.objective, self.seconds = objective, 0.0

    def __deepcopy__(self, memo: dict) -> "Timed":
        return self  # LightGBM deep-copies its params; keep counting in this object

    def __call__(self, *args: Any) -> Any:
        start = time.perf_counter()
        result = self.objective(*args)
        self.seconds += time.perf_counter() - start
        return result


def numpy_logistic(margin: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = 1.0 / (1.0 + np.exp(-margin))
    return (p - y) * w, p * (1.0 - p) * w


def numpy_softmax(margin: np.ndarray, y: np.ndarray, w: np.ndarray, factor: float) -> tuple[np.ndarray, np.ndarray]:
    e = np.exp(margin - margin.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    g = p.copy()
    g[np.arange(len(y)), y.astype(np.int64)] -= 1.0
    return g * w[:, None], factor * p * (1.0 - p) * w[:, None]


def data(rows: int, task: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 20)).astype(np.float32)
    score = X[:, 0] - X[:, 1] + 0.5 * X[:, 2] * X[:, 3] + 0.5 * rng.normal(size=rows)
    y = (score > 0).astype(float) if task == "binary" else np.digitize(score, [-1.5, -0.5, 0.5, 1.5]).astype(float)
    return X, y, rng.uniform(0.5, 2.0, size=rows)


def best(run: Callable[[], float], repeat: int) -> tuple[float, float]:
    """(training seconds, objective seconds) of the fastest of `repeat` runs."""
    results = [run() for _ in range(repeat)]
    return min(results, key=lambda r: r[0])


def xgboost_case(task: str, X: np.ndarray, y: np.ndarray, w: np.ndarray, rounds: int, repeat: int) -> list[tuple]:
    import xgboost as xgb
    dtrain = xgb.DMatrix(X, y, weight=w)
    base = {"max_depth": 6, "nthread": 1, "tree_method": "hist", "disable_default_eval_metric": 1}
    if task == "binary":
        name, builtin = "binary_cross_entropy_with_logits", {"objective": "binary:logistic"}
        written = lambda m, d: numpy_logistic(m, d.get_label(), d.get_weight())  # noqa: E731
    else:
        name, builtin = "cross_entropy", {"objective": "multi:softprob", "num_class": K}
        base["num_class"] = K
        written = lambda m, d: numpy_softmax(m, d.get_label(), d.get_weight(), 2.0)  # noqa: E731

    def train(objective: Callable[..., Any] | None) -> tuple[float, float]:
        timed = Timed(objective) if objective else None
        start = time.perf_counter()
        xgb.train({**base, **(builtin if objective is None else {})}, dtrain, rounds, obj=timed)
        return time.perf_counter() - start, timed.seconds if timed else float("nan")

    return [("xgboost", task, label, *best(lambda: train(objective), repeat)) for label, objective in
            [("built-in", None), ("numpy", written), ("losskit", lkx.objective(name, hessian="booster"))]]


def lightgbm_case(task: str, X: np.ndarray, y: np.ndarray, w: np.ndarray, rounds: int, repeat: int) -> list[tuple]:
    import lightgbm as lgb
    base = {"num_leaves": 63, "num_threads": 1, "verbose": -1, "metric": "None"}
    if task == "binary":
        name, builtin = "binary_cross_entropy_with_logits", {"objective": "binary"}
        written = lambda m, d: numpy_logistic(m, d.get_label(), d.get_weight())  # noqa: E731
    else:
        name, builtin = "cross_entropy", {"objective": "multiclass"}
        base["num_class"] = K
        written = lambda m, d: numpy_softmax(m, d.get_label(), d.get_weight(), K / (K - 1))  # noqa: E731

    def train(objective: Callable[..., Any] | None) -> tuple[float, float]:
        timed = Timed(objective) if objective else None
        dataset = lgb.Dataset(X, y, weight=w, free_raw_data=False)
        start = time.perf_counter()
        lgb.train({**base, "objective": timed if timed else builtin["objective"]}, dataset, rounds)
        return time.perf_counter() - start, timed.seconds if timed else float("nan")

    return [("lightgbm", task, label, *best(lambda: train(objective), repeat)) for label, objective in
            [("built-in", None), ("numpy", written), ("losskit", lkl.objective(name, hessian="booster"))]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    # One thread for every party, LossKit included (its default is every core, and a pool woken
    # once per round would also measure the wake-up).
    losskit.set_num_threads(1)
    print(f"{args.rows} rows x 20 features, {args.rounds} rounds, one thread, best of {args.repeat}; "
          f"multiclass has {K} classes")
    print("| booster | task | objective | train s | objective s | objective share | ms per call |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for task in ("binary", "multiclass"):
        X, y, w = data(args.rows, task)
        for case in (xgboost_case, lightgbm_case):
            for booster, t, label, train_s, objective_s in case(task, X, y, w, args.rounds, args.repeat):
                if np.isnan(objective_s):
                    print(f"| {booster} | {t} | {label} | {train_s:.3f} | — | — | — |")
                else:
                    print(f"| {booster} | {t} | {label} | {train_s:.3f} | {objective_s:.3f} | "
                          f"{objective_s / train_s:.1%} | {1e3 * objective_s / args.rounds:.2f} |")


if __name__ == "__main__":
    main()
