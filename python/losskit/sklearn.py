"""LossKit losses as scikit-learn metrics and scorers.

    >>> from sklearn.model_selection import cross_val_score
    >>> import losskit.sklearn
    >>> cross_val_score(model, X, y, scoring=losskit.sklearn.scorer("huber_loss", delta=1.0))

`metric(name, **params)` is a plain metric `metric(y_true, y_pred, sample_weight=None)`: the
mean loss `losskit.<name>(y_pred, y_true, **params, reduction='mean', sample_weight=...)`
(scikit-learn passes the truth first, LossKit takes the prediction first). Lower is better.

`scorer(name, **params)` is that metric through `sklearn.metrics.make_scorer` with
`greater_is_better=False`, so, like scikit-learn's 'neg_...' scorers, it returns the *negated*
mean loss and higher scores are better. What the scorer feeds the loss as `y_pred`:

* losses on probabilities (catalogue input domain 'unit_interval', e.g. binary_cross_entropy):
  `predict_proba`, of which scikit-learn passes the positive class's column (classes_[1]) for
  a binary problem;
* losses on logits or margins (kind 'cross_entropy'; elementwise losses whose target domain is
  'zero_one', 'signs' or 'unit_interval'; binary_cross_entropy_with_logits):
  `decision_function`. For a binary problem that is one score d per sample (the logit of
  classes_[1] for LogisticRegression); `cross_entropy` then gets the logits [0, d], whose
  softmax is [1 - σ(d), σ(d)]. For K > 2 classes it is the (n, K) scores as they are;
* every other loss: `predict`.

`y_true` is passed unchanged, so it must already be in the loss's target convention: class
indices 0..K-1 in the order of `estimator.classes_` for cross_entropy, {0, 1} for the binary
cross-entropies, {-1, +1} for margin losses.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

import losskit

from ._internal.catalogue import entry

__all__ = ["metric", "scorer", "response_method"]

# Losses on logits whose catalogue target domain does not say so (soft labels are real).
_ON_LOGITS = frozenset({"binary_cross_entropy_with_logits"})
_LABEL_DOMAINS = frozenset({"zero_one", "signs", "unit_interval"})


def metric(name: str, **params: Any) -> Callable[..., float]:
    """The mean loss as a scikit-learn metric `metric(y_true, y_pred, sample_weight=None)`."""
    entry(name)
    loss = getattr(losskit, name)

    def mean_loss(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return float(loss(y_pred, y_true, **params, reduction="mean", sample_weight=sample_weight))

    mean_loss.__name__ = mean_loss.__qualname__ = name
    mean_loss.__doc__ = f"Mean `losskit.{name}` of y_pred against y_true (lower is better)."
    return mean_loss


def response_method(name: str) -> str:
    """The estimator method whose output the scorer of this loss feeds as y_pred."""
    spec = entry(name)
    if spec["kind"] == "elementwise" and spec["input_domain"] == "unit_interval":
        return "predict_proba"
    if spec["kind"] == "cross_entropy" or name in _ON_LOGITS or spec["target_domain"] in _LABEL_DOMAINS:
        return "decision_function"
    return "predict"


def scorer(name: str, **params: Any) -> Any:
    """A scorer returning the negated mean loss (`greater_is_better=False`); see the module
    docstring for what it feeds the loss."""
    from sklearn.metrics import make_scorer

    mean_loss = metric(name, **params)
    if entry(name)["kind"] == "cross_entropy":
        def score(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
            scores = np.asarray(y_pred)
            if scores.ndim == 1:  # a binary decision_function: logits [0, d]
                scores = np.stack([np.zeros_like(scores), scores], axis=1)
            return mean_loss(y_true, scores, sample_weight)
        score.__name__ = score.__qualname__ = name
    else:
        score = mean_loss
    return make_scorer(score, greater_is_better=False, response_method=response_method(name))
