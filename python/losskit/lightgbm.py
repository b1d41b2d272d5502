"""LightGBM custom objectives and metrics from any loss in the LossKit catalogue.

    >>> import lightgbm as lgb, losskit.lightgbm as lkl                    # doctest: +SKIP
    >>> start = lkl.init_score("huber_loss", y, delta=2.0)
    >>> data = lgb.Dataset(X, y, weight=w, init_score=np.full(len(y), start))
    >>> booster = lgb.train({"objective": lkl.objective("huber_loss", delta=2.0), "metric": "None"},
    ...                     data, 20, feval=lkl.metric("huber_loss", delta=2.0))
    >>> margin = booster.predict(X_new, raw_score=True) + start

The same objective object also goes to the scikit-learn estimators
(`LGBMRegressor(objective=obj)`, `LGBMClassifier(objective=obj)`).

Calling conventions (LightGBM 4.7):

* native `params={'objective': f}`: `f(preds, train_data) -> (grad, hess)`, where `preds` are
  raw scores, (n,) or (n, K) for multiclass (`num_class=K`), and grad and hess have the same
  shape; LightGBM's Python layer turns (n, K) into its class-major buffer itself.
* scikit-learn: `f(y_true, y_pred, weight)` (LightGBM passes the weights, or None).

LightGBM does not weight a custom objective's gradients: these objectives multiply by the
sample weights themselves. With a custom objective it starts from 0 (boost_from_average is
ignored) and its predictions never include the init score: pass `init_score=` to the Dataset
(or to `fit`) as an array of shape (n,) or (n, K), and add the same start to `raw_score`
predictions. A LGBMClassifier with a custom objective predicts raw scores.

`hessian='booster'` uses LightGBM's built-in conventions where they differ from the exact
Hessian: w (1 unweighted) for l1_loss, quantile_loss, mape_loss and huber_loss (LightGBM's
`huber` uses h = 1 everywhere), e^0.7 times the exact Hessian for log-link poisson_nll_loss
(`poisson`, `poisson_max_delta_step=0.7`), and K/(K-1)·p(1-p) for cross_entropy (`multiclass`).

Scale: `mse_loss` is (x - y)², twice LightGBM's ½(x - y)²: the same model as `regression`
with `lambda_l2`, `min_sum_hessian_in_leaf` and `min_gain_to_split` doubled.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._internal.boosting import LIGHTGBM_HESSIAN, BoundLoss, init_score

__all__ = ["objective", "metric", "init_score"]


def _unpack(preds: Any, data: Any, weight: Any) -> tuple[Any, Any, Any]:
    """(margins, labels, weights) from either call form."""
    import lightgbm
    if isinstance(data, lightgbm.Dataset):
        return preds, data.get_label(), data.get_weight()
    return data, preds, weight


class Objective:
    """A LightGBM custom objective: see the module docstring for its two call forms."""

    def __init__(self, loss: BoundLoss) -> None:
        self.loss = loss

    def __call__(self, preds: Any, data: Any, weight: Any = None) -> tuple[np.ndarray, np.ndarray]:
        margin, label, w = _unpack(preds, data, weight)
        return self.loss.gradients(margin, label, w)


class Metric:
    """A LightGBM custom metric, the weighted mean loss Σ w·l / Σ w on raw scores: native
    `feval=m` calls `m(preds, eval_data)`, scikit-learn `eval_metric=m` calls
    `m(y_true, y_pred, weight)`; both return `(name, value, False)` (lower is better)."""

    def __init__(self, loss: BoundLoss) -> None:
        self.loss = loss

    def __call__(self, preds: Any, data: Any, weight: Any = None) -> tuple[str, float, bool]:
        margin, label, w = _unpack(preds, data, weight)
        return self.loss.name, self.loss.mean_loss(margin, label, w), False


def objective(name: str, hessian: str = "exact", **params: Any) -> Objective:
    """A custom objective for the catalogue loss `name` with parameters `params` (the keyword
    arguments of `losskit.<name>`). `hessian` is 'exact' or 'booster' (module docstring)."""
    return Objective(BoundLoss(name, params, hessian, LIGHTGBM_HESSIAN))


def metric(name: str, **params: Any) -> Metric:
    """A custom metric: the weighted mean of the catalogue loss `name` with `params`."""
    return Metric(BoundLoss(name, params))
