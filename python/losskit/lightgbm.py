"""LightGBM custom objectives and metrics from any loss in the LossKit catalogue.

    >>> import lightgbm as lgb, losskit.lightgbm as lkl                    # doctest: +SKIP
    >>> start = lkl.StartScore("huber_loss", y, w, delta=2.0)
    >>> booster = lgb.train({"objective": lkl.objective("huber_loss", delta=2.0), "metric": "None"},
    ...                     start.dataset(X, y, weight=w), 20, feval=lkl.metric("huber_loss", delta=2.0))
    >>> margin = start.predict(booster, X_new)         # raw_score + the start

The same objective object also goes to the scikit-learn estimators
(`LGBMRegressor(objective=obj)`, `LGBMClassifier(objective=obj)`).

Calling conventions (LightGBM 4.7):

* native `params={'objective': f}`: `f(preds, train_data) -> (grad, hess)`, where `preds` are
  raw scores, (n,) or (n, K) for multiclass (`num_class=K`), and grad and hess have the same
  shape; LightGBM's Python layer turns (n, K) into its class-major buffer itself.
* scikit-learn: `f(y_true, y_pred, weight)` (LightGBM passes the weights, or None).

LightGBM does not weight a custom objective's gradients: these objectives multiply by the
sample weights themselves. With a custom objective it starts from 0 (boost_from_average is
ignored) and its predictions never include the init score: `StartScore` carries it, building
Datasets with `init_score=` and adding the start back to `raw_score` predictions. A
LGBMClassifier with a custom objective predicts raw scores (without the start).

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

from ._internal.boosting import LIGHTGBM_HESSIAN, LIGHTGBM_LINKS, BoundLoss, calling_frame, init_score, margins

__all__ = ["objective", "metric", "init_score", "StartScore"]


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


def _margins(preds: Any) -> Any:
    """The raw scores behind what LightGBM handed a custom metric: with a built-in objective it
    passes transformed predictions (probabilities, means), which are turned back into raw
    scores by that objective's link; with a custom objective, or outside training, `preds`."""
    import lightgbm
    frame = calling_frame(lightgbm.Booster, "__inner_eval")
    if frame is None:
        return preds
    params = frame.f_locals["self"].params
    objective = params.get("objective", "regression")
    if callable(objective):
        return preds
    return margins(preds, str(objective).lower(), LIGHTGBM_LINKS,
                   float(params.get("sigmoid", 1.0)) if objective == "binary" else 1.0)


class Metric:
    """A LightGBM custom metric, the weighted mean loss Σ w·l / Σ w on raw scores: native
    `feval=m` calls `m(preds, eval_data)`, scikit-learn `eval_metric=m` calls
    `m(y_true, y_pred, weight)`; both return `(name, value, False)` (lower is better).

    LightGBM passes raw scores when the objective is custom, and the built-in objective's
    predictions (probabilities for binary, cross_entropy and multiclass, means for poisson,
    gamma, tweedie) otherwise: the metric reads the training booster's objective and turns
    them back into raw scores (`LIGHTGBM_LINKS`), raising ValueError for objectives whose output
    cannot be (multiclassova, cross_entropy_lambda)."""

    def __init__(self, loss: BoundLoss) -> None:
        self.loss = loss

    def __call__(self, preds: Any, data: Any, weight: Any = None) -> tuple[str, float, bool]:
        margin, label, w = _unpack(preds, data, weight)
        return self.loss.name, self.loss.mean_loss(_margins(margin), label, w), False


class StartScore:
    """A loss's optimal constant start score (`init_score`), carried through LightGBM training
    and prediction, which with a custom objective never include it by themselves:

        >>> start = lkl.StartScore("poisson_nll_loss", y, w)                  # doctest: +SKIP
        >>> booster = lgb.train({"objective": lkl.objective("poisson_nll_loss")},
        ...                     start.dataset(X, y, weight=w), 20,
        ...                     valid_sets=[start.dataset(X_val, y_val)])
        >>> margin = start.predict(booster, X_new)         # raw score + start: the log-mean

    The scikit-learn estimators take it as `fit(X, y, init_score=start.init_score(len(y)))`
    (and `eval_init_score=[start.init_score(len(y_val))]`), and `start.predict(model, X)`.
    `value` is a float, or a (K,) array for cross_entropy (K classes) or a T-output model;
    `__init__` takes `init_score`'s arguments. It holds only numbers, so it pickles."""

    def __init__(self, name: str, y: Any, sample_weight: Any = None, *, classes: int | None = None,
                 **params: Any) -> None:
        self.value = init_score(name, y, sample_weight, classes=classes, **params)

    def init_score(self, rows: int) -> np.ndarray:
        """The start score for `rows` rows, shaped as LightGBM's init_score: (rows,) or (rows, K)."""
        if np.ndim(self.value):
            return np.tile(np.asarray(self.value, dtype=np.float64), (rows, 1))
        return np.full(rows, float(self.value))

    def dataset(self, data: Any, label: Any = None, **kwargs: Any) -> Any:
        """`lightgbm.Dataset(data, label, init_score=<the start>, **kwargs)`."""
        import lightgbm
        rows = data.shape[0] if hasattr(data, "shape") else len(data)
        return lightgbm.Dataset(data, label, init_score=self.init_score(rows), **kwargs)

    def predict(self, model: Any, X: Any, **kwargs: Any) -> np.ndarray:
        """The margin: `model.predict(X, raw_score=True, **kwargs)` plus the start, for a Booster
        or a scikit-learn estimator (apply the loss's inverse link for probabilities or means)."""
        return np.asarray(model.predict(X, raw_score=True, **kwargs)) + self.value


def objective(name: str, hessian: str = "exact", **params: Any) -> Objective:
    """A custom objective for the catalogue loss `name` with parameters `params` (the keyword
    arguments of `losskit.<name>`). `hessian` is 'exact' or 'booster' (module docstring)."""
    return Objective(BoundLoss(name, params, hessian, LIGHTGBM_HESSIAN))


def metric(name: str, **params: Any) -> Metric:
    """A custom metric: the weighted mean of the catalogue loss `name` with `params`."""
    return Metric(BoundLoss(name, params))
