"""XGBoost custom objectives and metrics from any loss in the LossKit catalogue.

    >>> import xgboost as xgb, losskit.xgboost as lkx                      # doctest: +SKIP
    >>> params = {"base_score": lkx.init_score("huber_loss", y, delta=2.0),
    ...           "disable_default_eval_metric": 1}
    >>> booster = xgb.train(params, xgb.DMatrix(X, y, weight=w), 20,
    ...                     obj=lkx.objective("huber_loss", delta=2.0),
    ...                     custom_metric=lkx.metric("huber_loss", delta=2.0))

The same objective object also goes to the scikit-learn estimators
(`XGBRegressor(objective=obj)`, `XGBClassifier(objective=obj)`) and to `xgboost.dask.train`.

Calling conventions (XGBoost 3.2):

* native `train(obj=f)`: `f(predt, dtrain) -> (grad, hess)`, where `predt` are raw margins,
  (n,) or (n, K) for multiclass (`num_class=K`), and grad and hess have the same shape
  (row-major (n, K)). Labels and weights are read from `dtrain`.
* scikit-learn: `f(y_true, y_pred, *, sample_weight=None)`, the same shapes.

XGBoost does not weight a custom objective's gradients: these objectives multiply by the
sample weights themselves. It does not estimate the intercept for them either: pass
`base_score=init_score(...)` (a margin; `.tolist()` of the (K,) array for multiclass), except for a binary
`XGBClassifier`, which keeps treating base_score as a probability: pass
`base_score=scipy.special.expit(init_score(...))` there.

`hessian='booster'` uses XGBoost's built-in conventions where they differ from the exact
Hessian: w (1 unweighted) for l1_loss, quantile_loss, mape_loss and huber_loss (exact Hessian 0
over part of the domain; XGBoost has no Huber objective, so LightGBM's is used), e^0.7 times the
exact Hessian for log-link poisson_nll_loss (`count:poisson`; for the same trees also set
`max_delta_step=0.7`), and 2·p(1-p) for cross_entropy (`multi:softprob`). XGBoost's floors
(max(h, 1e-16)) are not applied.

Scale: LossKit's losses are the textbook ones, so `mse_loss` is (x - y)², twice XGBoost's
½(x - y)²: its gradient and Hessian are doubled, which is the same model with `reg_lambda`,
`min_child_weight` and `gamma` doubled.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from ._internal.boosting import XGBOOST_HESSIAN, XGBOOST_LINKS, BoundLoss, calling_frame, init_score, margins

__all__ = ["objective", "metric", "init_score"]


def _is_dmatrix(data: Any) -> bool:
    import xgboost
    return isinstance(data, xgboost.DMatrix)


class Objective:
    """An XGBoost custom objective: see the module docstring for its two call forms."""

    def __init__(self, loss: BoundLoss) -> None:
        self.loss = loss

    def __call__(self, predt: Any, data: Any, *, sample_weight: Any = None) -> tuple[np.ndarray, np.ndarray]:
        if _is_dmatrix(data):
            return self.loss.gradients(predt, data.get_label(), data.get_weight())
        return self.loss.gradients(data, predt, sample_weight)


def _margins(predt: Any) -> Any:
    """The margins behind what XGBoost handed a custom metric: with a built-in objective it
    passes transformed predictions (probabilities, means), which are turned back into margins
    by that objective's link; with a custom objective, or outside training, `predt` itself."""
    import xgboost
    frame = calling_frame(xgboost.Booster, "eval_set")
    if frame is None or frame.f_locals.get("output_margin", True):
        return predt
    config = json.loads(frame.f_locals["self"].save_config())
    return margins(predt, config["learner"]["objective"]["name"], XGBOOST_LINKS)


class Metric:
    """An XGBoost custom metric, the weighted mean loss Σ w·l / Σ w on margins. Native
    `custom_metric=m`: `m(predt, dtrain)` returns `(name, value)`; scikit-learn
    `eval_metric=m`: `m(y_true, y_pred, *, sample_weight=None)` returns the value and XGBoost
    takes the name from `m.__name__`. Lower is better.

    XGBoost passes raw margins when the objective is custom, and the built-in objective's
    predictions (probabilities for binary:logistic and multi:softprob, means for count:poisson,
    reg:gamma, reg:tweedie) otherwise: the metric reads the training booster's objective and
    turns them back into margins (`XGBOOST_LINKS`), raising ValueError for objectives whose
    output cannot be (binary:hinge, multi:softmax)."""

    def __init__(self, loss: BoundLoss) -> None:
        self.loss = loss
        self.__name__ = loss.name

    def __call__(self, predt: Any, data: Any, *, sample_weight: Any = None) -> Any:
        if _is_dmatrix(data):
            return self.__name__, self.loss.mean_loss(_margins(predt), data.get_label(), data.get_weight())
        return self.loss.mean_loss(_margins(data), predt, sample_weight)


def objective(name: str, hessian: str = "exact", **params: Any) -> Objective:
    """A custom objective for the catalogue loss `name` with parameters `params` (the keyword
    arguments of `losskit.<name>`). `hessian` is 'exact' or 'booster' (module docstring)."""
    return Objective(BoundLoss(name, params, hessian, XGBOOST_HESSIAN))


def metric(name: str, **params: Any) -> Metric:
    """A custom metric: the weighted mean of the catalogue loss `name` with `params`."""
    return Metric(BoundLoss(name, params))
