"""LossKit losses as scikit-learn metrics and scorers.

    >>> from sklearn.model_selection import cross_val_score
    >>> import losskit.sklearn
    >>> cross_val_score(model, X, y, scoring=losskit.sklearn.scorer("huber_loss", delta=1.0))

`metric(name, **params)` is a metric `metric(y_true, y_pred, sample_weight=None)` taking what
the estimator's response method returns (see below) and giving the mean loss
`losskit.<name>(input, target, **params, reduction='mean', sample_weight=...)`, lower is
better (scikit-learn passes the truth first, LossKit takes the prediction first).

`scorer(name, **params)` is a scorer `scorer(estimator, X, y_true, sample_weight=None)`
returning the *negated* mean loss, so that, like scikit-learn's 'neg_...' scorers, higher is
better. Both are instances of module-level classes holding only the loss's name and
parameters: they pickle (`pickle`, `joblib.dump` of a fitted search, joblib's process
backends).

What the loss gets as its input, by the loss's input convention (the catalogue's domains):

* losses on probabilities (input domain 'unit_interval', e.g. binary_cross_entropy):
  `predict_proba`, the positive class's column (classes_[1]) for a binary problem;
* losses on logits or margins (kind 'cross_entropy'; elementwise losses whose target domain is
  'zero_one', 'signs' or 'unit_interval'; binary_cross_entropy_with_logits): the raw score,
  `decision_function`, or for boosters, which have none, `predict(X, output_margin=True)`
  (XGBoost) or `predict(X, raw_score=True)` (LightGBM). For a binary problem that is one score
  d per sample (the logit of classes_[1]); `cross_entropy` then gets the logits [0, d], whose
  softmax is [1 - σ(d), σ(d)]. For K > 2 classes it is the (n, K) scores as they are;
* losses on a log-mean (log link: `poisson_nll_loss` with log_input=True, `gamma_loss`,
  `tweedie_loss`): the log of the predicted mean, log(predict(X)) (exactly the linear
  predictor of a log-link GLM such as PoissonRegressor or TweedieRegressor(link='log')), or
  a booster's raw margin as above. A prediction that is not positive raises ValueError;
* every other loss: `predict`.

The metric applies the same rules to the `y_pred` it is given, so `metric(y, model.predict(X))`
of a log-link loss and `metric(y, model.decision_function(X))` of cross_entropy are right.

A LightGBM model with a custom (e.g. LossKit) objective predicts raw scores without its start
score: its `predict_proba` is then read as raw scores (σ or softmax of them), and the start
score is not added (see `losskit.lightgbm.StartScore`).

`y_true` is passed unchanged, except that margin losses with target domain 'signs' (hinge,
squared hinge, ...) accept {0, 1} labels as `sklearn.metrics.hinge_loss` does (0 becomes -1).
Otherwise it must already be in the loss's target convention: class indices 0..K-1 in the
order of `estimator.classes_` for cross_entropy, {0, 1} for the binary cross-entropies.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import losskit

from ._internal.catalogue import entry

__all__ = ["metric", "scorer", "response_method", "Metric", "Scorer"]

# Losses on logits whose catalogue target domain does not say so (soft labels are real).
_ON_LOGITS = frozenset({"binary_cross_entropy_with_logits"})
_LABEL_DOMAINS = frozenset({"zero_one", "signs", "unit_interval"})
_LOG_LINK = frozenset({"poisson_nll_loss", "gamma_loss", "tweedie_loss"})


def response_method(name: str) -> str:
    """The estimator method whose output the scorer of this loss feeds as y_pred."""
    spec = entry(name)
    if spec["kind"] == "elementwise" and spec["input_domain"] == "unit_interval":
        return "predict_proba"
    if spec["kind"] == "cross_entropy" or name in _ON_LOGITS or spec["target_domain"] in _LABEL_DOMAINS:
        return "decision_function"
    return "predict"


def _booster_margin(estimator: Any, X: Any) -> np.ndarray | None:
    """The raw margin of an XGBoost or LightGBM scikit-learn model, None for other estimators."""
    module = type(estimator).__module__.split(".")[0]
    if module == "xgboost":
        return np.asarray(estimator.predict(X, output_margin=True))
    if module == "lightgbm":
        return np.asarray(estimator.predict(X, raw_score=True))
    return None


def _probabilities(estimator: Any, X: Any) -> np.ndarray:
    """predict_proba, the positive class's column for a binary problem. A LightGBM model with a
    custom objective returns raw scores there: they become probabilities by σ or softmax."""
    if type(estimator).__module__.split(".")[0] == "lightgbm" and callable(getattr(estimator, "objective", None)):
        raw = np.asarray(estimator.predict(X, raw_score=True), dtype=np.float64)
        if raw.ndim == 1:
            return 1.0 / (1.0 + np.exp(-raw))
        e = np.exp(raw - raw.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    p = np.asarray(estimator.predict_proba(X))
    return p[:, 1] if p.ndim == 2 and p.shape[1] == 2 else p


class Metric:
    """The mean loss as a scikit-learn metric `metric(y_true, y_pred, sample_weight=None)`, with
    y_pred what the loss's response method returns (module docstring). Lower is better."""

    def __init__(self, name: str, **params: Any) -> None:
        entry(name)  # an unknown name raises here
        self.name, self.params = name, params
        self.__name__ = self.__qualname__ = name

    @property
    def spec(self) -> dict[str, Any]:
        return entry(self.name)

    @property
    def log_link(self) -> bool:
        """Whether the loss's input is a log-mean (so a predicted mean must be logged)."""
        return self.name in _LOG_LINK and self.params.get("log_input", True)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return self.loss(y_true, self.loss_input(y_pred), sample_weight)

    def __repr__(self) -> str:
        return f"losskit.sklearn.metric({self.name!r}{''.join(f', {k}={v!r}' for k, v in self.params.items())})"

    def loss_input(self, y_pred: Any) -> np.ndarray:
        """The loss's input from a response: the log of a predicted mean (log link), else y_pred."""
        x = np.asarray(y_pred)
        if self.log_link:
            if np.any(~(x > 0)):
                raise ValueError(f"y_pred: {self.name} scores the log of the predicted mean, so every "
                                 f"prediction must be positive; got {x[~(x > 0)].flat[0]}")
            return np.log(x.astype(np.float64))
        return x

    def loss(self, y_true: Any, loss_input: Any, sample_weight: Any = None) -> float:
        """The mean loss of the loss's own input (a margin, logits, log-mean, ...); a binary
        problem's one score d per sample becomes cross_entropy's logits [0, d]."""
        target = np.asarray(y_true)
        if self.spec["target_domain"] == "signs" and np.all(np.isin(target, (0, 1))) and np.any(target == 0):
            target = 2.0 * target - 1.0  # {0, 1} labels, as sklearn.metrics.hinge_loss takes them
        x = np.asarray(loss_input)
        if self.spec["kind"] == "cross_entropy" and x.ndim == 1:
            x = np.stack([np.zeros_like(x), x], axis=1)
        return float(getattr(losskit, self.name)(x, target, **self.params, reduction="mean",
                                                 sample_weight=sample_weight))


class Scorer:
    """A scorer `scorer(estimator, X, y_true, sample_weight=None)` returning the negated mean
    loss of the estimator's prediction in the loss's input convention (module docstring)."""

    def __init__(self, name: str, **params: Any) -> None:
        self.metric = Metric(name, **params)

    def __repr__(self) -> str:
        return f"losskit.sklearn.scorer{repr(self.metric)[len('losskit.sklearn.metric'):]}"

    def loss_input(self, estimator: Any, X: Any) -> np.ndarray:
        """The estimator's prediction for X as the loss's input."""
        method = response_method(self.metric.name)
        if method == "predict_proba":
            return _probabilities(estimator, X)
        if method == "decision_function" or self.metric.log_link:
            margin = _booster_margin(estimator, X)
            if margin is not None:
                return margin
        if method == "decision_function":
            if not hasattr(estimator, "decision_function"):
                raise AttributeError(f"{self.metric.name} scores logits or margins, and "
                                     f"{type(estimator).__name__} has no decision_function")
            return np.asarray(estimator.decision_function(X))
        return self.metric.loss_input(estimator.predict(X))

    def __call__(self, estimator: Any, X: Any, y_true: Any, sample_weight: Any = None) -> float:
        return -self.metric.loss(y_true, self.loss_input(estimator, X), sample_weight)


def metric(name: str, **params: Any) -> Metric:
    """The mean loss as a scikit-learn metric `metric(y_true, y_pred, sample_weight=None)`."""
    return Metric(name, **params)


def scorer(name: str, **params: Any) -> Scorer:
    """A scorer returning the negated mean loss; see the module docstring for what it feeds the
    loss."""
    return Scorer(name, **params)
