"""`python -m losskit bench --boosters`: LossKit's booster objectives against numpy objectives.

A custom objective is called once per boosting round with the current margins and must return
the gradient and Hessian per sample. The cases, per call: XGBoost's binary logistic objective
on 200,000 rows (float32 margins from XGBoost, labels from the DMatrix), its softmax objective
on 50,000 x 10, and LightGBM's binary objective on 200,000 rows (float64 scores from LightGBM).
What share of a whole training run the objective takes is measured by
`benchmarks/boosting_objective.py`.

The numpy peer is the objective a user writes by hand: p = 1 / (1 + exp(-m)), g = p - y,
h = p(1 - p), and for softmax the max-shifted exponentials normalised per row, g = p - onehot,
h = p(1 - p) (LossKit's exact Hessian; XGBoost's own softprob doubles it). Both are checked
against each other (gradient and Hessian, concatenated) before timing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .bench_cases import SEED, Runner

LIBRARIES = ("losskit", "numpy")
PEERS = LIBRARIES[1:]
ROWS, SOFTMAX_ROWS, CLASSES, FEATURES = 200_000, 50_000, 10, 4


@dataclass(frozen=True)
class BoosterCase:
    """One objective workload: `booster` ('xgboost' or 'lightgbm') and `task` ('binary' or
    'softmax')."""
    booster: str
    task: str
    rows: int
    quick: bool = False
    tiny: bool = False
    unit: str = "ms"

    @property
    def label(self) -> str:
        size = f"{self.rows // 1000}k" + (f"x{CLASSES}" if self.task == "softmax" else "")
        return f"{self.booster} {self.task} objective {'quick' if self.quick else size}"


def cases(quick: bool) -> list[BoosterCase]:
    shrink = 20 if quick else 1
    return [BoosterCase("xgboost", "binary", ROWS // shrink, quick=quick),
            BoosterCase("xgboost", "softmax", SOFTMAX_ROWS // shrink, quick=quick),
            BoosterCase("lightgbm", "binary", ROWS // shrink, quick=quick)]


@dataclass
class BoosterData:
    margins: np.ndarray  # as the booster hands them: float32 for XGBoost, float64 for LightGBM
    features: np.ndarray
    labels: np.ndarray


def make_data(case: BoosterCase, quick: bool) -> BoosterData:
    rng = np.random.default_rng([SEED, *case.label.encode()])
    shape = (case.rows, CLASSES) if case.task == "softmax" else (case.rows,)
    margins = rng.standard_normal(shape).astype(np.float32 if case.booster == "xgboost" else np.float64)
    labels = (rng.integers(0, CLASSES, case.rows) if case.task == "softmax"
              else (rng.random(case.rows) < 0.5)).astype(np.float32)
    return BoosterData(margins, rng.standard_normal((case.rows, FEATURES), dtype=np.float32), labels)


def _numpy_objective(task: str) -> Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    def binary(margins: np.ndarray, data: Any) -> tuple[np.ndarray, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(-margins))
        return p - data.get_label(), p * (1.0 - p)

    def softmax(margins: np.ndarray, data: Any) -> tuple[np.ndarray, np.ndarray]:
        e = np.exp(margins - margins.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        g = p.copy()
        g[np.arange(len(p)), data.get_label().astype(np.int64)] -= 1.0
        return g, p * (1.0 - p)

    return binary if task == "binary" else softmax


def _losskit_objective(case: BoosterCase) -> Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    module = __import__(f"losskit.{case.booster}", fromlist=["objective"])
    return module.objective("cross_entropy" if case.task == "softmax" else "binary_cross_entropy_with_logits")


def _dataset(case: BoosterCase, data: BoosterData) -> Any:
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    if case.booster == "xgboost":
        import xgboost
        return xgboost.DMatrix(data.features, label=data.labels, nthread=threads)
    import lightgbm
    return lightgbm.Dataset(data.features, label=data.labels, params={"verbose": -1}).construct()


def prepare(library: str, case: BoosterCase, data: BoosterData) -> Runner:
    objective = _losskit_objective(case) if library == "losskit" else _numpy_objective(case.task)
    dataset = _dataset(case, data)

    def value(_: Any) -> tuple[float, np.ndarray]:
        g, h = objective(data.margins, dataset)
        return 0.0, np.concatenate([np.asarray(g, np.float64).reshape(-1), np.asarray(h, np.float64).reshape(-1)])

    return Runner(lambda: objective(data.margins, dataset), value)
