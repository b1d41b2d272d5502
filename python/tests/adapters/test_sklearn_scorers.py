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


def test_log_link_scorer_scores_the_log_of_the_predicted_mean():
    """PoissonRegressor predicts the mean μ; poisson_nll_loss (log_input=True) takes log μ. The
    score is -mean(μ - y·log μ), which is the mean Poisson deviance up to terms free of μ."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import PoissonRegressor
    from sklearn.metrics import mean_poisson_deviance
    X, y = load_diabetes(return_X_y=True)
    model = PoissonRegressor(alpha=1e-3, max_iter=300).fit(X, y)
    mu = model.predict(X)
    expected = np.mean(mu - y * np.log(mu))
    assert lks.scorer("poisson_nll_loss")(model, X, y) == pytest.approx(-expected, rel=1e-12)
    assert lks.metric("poisson_nll_loss")(y, mu) == pytest.approx(expected, rel=1e-12)
    assert 2 * (expected - np.mean(y - y * np.log(y))) == pytest.approx(mean_poisson_deviance(y, mu), rel=1e-9)
    with pytest.raises(ValueError, match="y_pred: .*positive"):
        lks.metric("gamma_loss")(y, np.concatenate([mu[:-1], [0.0]]))


def test_tweedie_grid_search_picks_the_alpha_of_the_tweedie_deviance():
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import TweedieRegressor
    from sklearn.metrics import make_scorer, mean_tweedie_deviance
    from sklearn.model_selection import GridSearchCV
    X, y = load_diabetes(return_X_y=True)
    grid = {"alpha": [0.001, 0.01, 0.1, 1.0, 10.0]}
    model = TweedieRegressor(power=1.5, link="log", max_iter=300)
    deviance = make_scorer(mean_tweedie_deviance, power=1.5, greater_is_better=False)
    ours = GridSearchCV(model, grid, cv=CV, scoring=lks.scorer("tweedie_loss", power=1.5)).fit(X, y)
    theirs = GridSearchCV(model, grid, cv=CV, scoring=deviance).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_array_equal(ours.cv_results_["rank_test_score"], theirs.cv_results_["rank_test_score"])


def test_scorers_and_metrics_pickle_into_joblib_and_process_workers(tmp_path):
    import pickle

    import joblib
    from sklearn.model_selection import GridSearchCV
    X, y = make_regression(n_samples=60, n_features=3, noise=10.0, random_state=1)
    huber_scorer, huber_metric = lks.scorer("huber_loss", delta=0.5), lks.metric("huber_loss", delta=0.5)
    model = Ridge().fit(X, y)
    assert pickle.loads(pickle.dumps(huber_scorer))(model, X, y) == huber_scorer(model, X, y)
    assert pickle.loads(pickle.dumps(huber_metric))(y, model.predict(X)) == huber_metric(y, model.predict(X))
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=CV, scoring=huber_scorer).fit(X, y)
    joblib.dump(search, tmp_path / "search.joblib")
    assert joblib.load(tmp_path / "search.joblib").best_params_ == search.best_params_
    # A process pool pickles with plain pickle, as joblib's multiprocessing backend does (spawned,
    # not forked: the suite's other tests leave threads behind).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(huber_scorer, model, X, y).result() == huber_scorer(model, X, y)
        assert pool.submit(huber_metric, y, model.predict(X)).result() == huber_metric(y, model.predict(X))


def test_hinge_scorer_takes_zero_one_labels_as_sklearn_does():
    from sklearn.metrics import hinge_loss
    from sklearn.svm import LinearSVC
    X, y = make_classification(n_samples=120, n_features=5, flip_y=0.2, random_state=0)
    assert set(np.unique(y)) == {0, 1}
    model = LinearSVC(C=0.5).fit(X, y)
    expected = hinge_loss(y, model.decision_function(X))
    assert expected > 0
    assert lks.scorer("hinge_loss")(model, X, y) == pytest.approx(-expected, rel=1e-12)
    assert lks.metric("hinge_loss")(y, model.decision_function(X)) == pytest.approx(expected, rel=1e-12)
    assert lks.metric("hinge_loss")(2 * y - 1, model.decision_function(X)) == pytest.approx(expected, rel=1e-12)
