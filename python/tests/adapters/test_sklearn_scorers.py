"""losskit.sklearn: metrics equal to independent formulas, and scorers that cross_val_score
negates, checked fold by fold against losses computed by hand. Whole file: about 3 s."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_classification, make_regression  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from sklearn.model_selection import KFold, cross_val_score  # noqa: E402

import losskit.sklearn as lks  # noqa: E402

CV = KFold(3, shuffle=True, random_state=0)


def huber(y_true: np.ndarray, y_pred: np.ndarray, delta: float) -> np.ndarray:
    r = np.abs(y_pred - y_true)
    return np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))


def by_hand(model, X, y, loss) -> np.ndarray:
    """loss(fitted model, X_test, y_test) on every fold of CV."""
    return np.array([loss(clone(model).fit(X[train], y[train]), X[test], y[test])
                     for train, test in CV.split(X)])


def test_metric_is_the_mean_loss_with_truth_first():
    y_true, y_pred = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.5, 3.0, 2.0, -1.0])
    w = np.array([1.0, 2.0, 0.0, 1.0])
    huber_metric = lks.metric("huber_loss", delta=1.5)
    assert huber_metric(y_true, y_pred) == pytest.approx(huber(y_true, y_pred, 1.5).mean(), rel=1e-14)
    assert huber_metric(y_true, y_pred, sample_weight=w) == pytest.approx(
        np.average(huber(y_true, y_pred, 1.5), weights=w), rel=1e-14)
    # Not symmetric in its arguments: the order matters and is scikit-learn's.
    bce = lks.metric("binary_cross_entropy_with_logits")
    labels, logits = np.array([1.0, 0.0]), np.array([2.0, -0.5])
    assert bce(labels, logits) == pytest.approx(np.mean(np.log1p(np.exp(-np.array([2.0, 0.5])))), rel=1e-14)


def test_response_methods_follow_the_catalogue():
    assert lks.response_method("huber_loss") == "predict"
    assert lks.response_method("mse_loss") == "predict"
    assert lks.response_method("binary_cross_entropy_with_logits") == "decision_function"
    assert lks.response_method("cross_entropy") == "decision_function"
    with pytest.raises(ValueError, match="no loss is named 'nope'"):
        lks.metric("nope")


def test_regression_scorer_is_the_negated_huber_loss():
    X, y = make_regression(n_samples=90, n_features=4, noise=20.0, random_state=0)
    y = y / y.std()
    scores = cross_val_score(Ridge(alpha=1.0), X, y, cv=CV, scoring=lks.scorer("huber_loss", delta=0.5))
    expected = by_hand(Ridge(alpha=1.0), X, y, lambda m, Xt, yt: huber(yt, m.predict(Xt), 0.5).mean())
    assert np.all(expected > 0)
    np.testing.assert_allclose(scores, -expected, rtol=1e-12)


def test_binary_scorers_are_the_negated_log_loss():
    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    model = LogisticRegression()
    expected = by_hand(model, X, y, lambda m, Xt, yt: log_loss(yt, m.predict_proba(Xt)[:, 1], labels=[0, 1]))
    for name in ("binary_cross_entropy_with_logits", "cross_entropy"):
        scores = cross_val_score(model, X, y, cv=CV, scoring=lks.scorer(name))
        np.testing.assert_allclose(scores, -expected, rtol=1e-9, err_msg=name)


def test_multiclass_scorer_is_the_negated_log_loss():
    digits = load_digits()
    X, y = digits.data[:300] / 16.0, digits.target[:300]
    model = LogisticRegression(max_iter=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence: irrelevant to the comparison
        scores = cross_val_score(model, X, y, cv=CV, scoring=lks.scorer("cross_entropy", label_smoothing=0.0))
        expected = by_hand(model, X, y, lambda m, Xt, yt: log_loss(yt, m.predict_proba(Xt), labels=m.classes_))
    np.testing.assert_allclose(scores, -expected, rtol=1e-9)
