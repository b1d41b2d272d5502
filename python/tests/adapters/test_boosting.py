"""losskit.xgboost and losskit.lightgbm against the boosters' own built-in objectives: the same
trees and predictions for a few rounds, with and without sample weights; start scores against
the boosters' own estimates, closed forms and scipy; metrics against numpy formulas and, beside
built-in objectives, against the boosters' own metrics; the LightGBM start score carried
through training; the scikit-learn scorers on the boosters' classifiers."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, logsumexp, softmax

import losskit as lk
from losskit import lightgbm as lkl
from losskit import xgboost as lkx

xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")

N, ROUNDS = 300, 4
NAMES = {entry["name"] for entry in lk.catalogue()}


def needs(*names: str) -> pytest.MarkDecorator:
    missing = sorted(set(names) - NAMES)
    return pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not in the LossKit catalogue yet "
                                                     "(added on another branch)")


def data(task: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, w) for 'regression', 'positive' (y > 0), 'count', 'binary' or 'multiclass'."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 4))
    signal = X[:, 0] - 0.5 * X[:, 1] + 0.3 * X[:, 2] * X[:, 3]
    if task == "regression":
        y = 3.0 * signal + rng.standard_t(3, size=N)          # heavy tails for the robust losses
    elif task == "positive":
        y = rng.gamma(2.0, np.exp(0.5 * signal) / 2.0)
    elif task == "count":
        y = rng.poisson(np.exp(0.7 * signal)).astype(float)
    elif task == "binary":
        y = (signal + rng.normal(size=N) > 0.3).astype(float)
    else:
        y = np.digitize(signal + 0.5 * rng.normal(size=N), [-0.5, 0.5]).astype(float)
    return X, y, rng.uniform(0.2, 3.0, size=N)


WEIGHTED = pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])

# ---------------------------------------------------------------------------------------------
# XGBoost: built-in objective vs LossKit objective
# ---------------------------------------------------------------------------------------------

XGB_TREE = {"max_depth": 3, "eta": 0.3, "nthread": 1, "tree_method": "hist"}


def xgb_splits(booster) -> list[str]:
    """Every split condition, in order, of every tree."""
    return [s for tree in booster.get_dump() for s in re.findall(r"\[(f\d+<[^\]]+)\]", tree)]


# (loss, its parameters, built-in objective and parameters, task, inverse link of base_score,
#  the factor c with LossKit's g, h = c × built-in g, h, hessian convention)
XGB_CASES = [
    pytest.param("mse_loss", {}, {"objective": "reg:squarederror"}, "regression", None, 2.0, "exact",
                 id="squarederror"),
    pytest.param("binary_cross_entropy_with_logits", {}, {"objective": "binary:logistic"}, "binary", expit, 1.0,
                 "exact", id="logistic"),
    pytest.param("pseudo_huber_loss", {"delta": 2.5}, {"objective": "reg:pseudohubererror", "huber_slope": 2.5},
                 "regression", None, 1.0, "exact", id="pseudohuber", marks=needs("pseudo_huber_loss")),
    pytest.param("poisson_nll_loss", {}, {"objective": "count:poisson"}, "count", np.exp, 1.0, "booster",
                 id="poisson", marks=needs("poisson_nll_loss")),
    pytest.param("gamma_loss", {}, {"objective": "reg:gamma"}, "positive", np.exp, 1.0, "exact", id="gamma",
                 marks=needs("gamma_loss")),
    pytest.param("tweedie_loss", {"power": 1.3}, {"objective": "reg:tweedie", "tweedie_variance_power": 1.3},
                 "count", np.exp, 1.0, "exact", id="tweedie", marks=needs("tweedie_loss")),
]


@pytest.mark.parametrize("name, params, builtin, task, inverse_link, scale, hessian", XGB_CASES)
@WEIGHTED
def test_xgboost_objective_grows_the_builtin_trees(name, params, builtin, task, inverse_link, scale, hessian,
                                                  weighted):
    X, y, w = data(task)
    dtrain = xgb.DMatrix(X, y, weight=w if weighted else None)
    start = lkx.init_score(name, y, w if weighted else None, **params)
    # LossKit's g and h are `scale` times the built-in's: the same model with the regularisers
    # that compare against sums of h or gains scaled alike. count:poisson also clips leaves.
    tree = dict(XGB_TREE, max_delta_step=0.7 if name == "poisson_nll_loss" else 0.0)
    reference = xgb.train({**tree, **builtin, "base_score": inverse_link(start) if inverse_link else start},
                          dtrain, ROUNDS)
    custom = xgb.train({**tree, "reg_lambda": scale, "min_child_weight": scale, "base_score": start}, dtrain, ROUNDS,
                       obj=lkx.objective(name, hessian=hessian, **params))
    assert xgb_splits(custom) == xgb_splits(reference) and len(xgb_splits(custom)) > 10
    np.testing.assert_allclose(custom.predict(dtrain, output_margin=True),
                               reference.predict(dtrain, output_margin=True), rtol=1e-5, atol=1e-5)


@WEIGHTED
def test_xgboost_softmax_with_booster_hessian_grows_the_multi_softprob_trees(weighted):
    X, y, w = data("multiclass")
    dtrain = xgb.DMatrix(X, y, weight=w if weighted else None)
    reference = xgb.train({**XGB_TREE, "objective": "multi:softprob", "num_class": 3}, dtrain, ROUNDS)
    start = lkx.init_score("cross_entropy", y, w if weighted else None)
    # XGBoost's own intercept estimate for softprob is the centred log class frequencies.
    estimated = [float(v) for v in re.findall(r"[-+0-9.E]+", reference.save_config().split('"base_score":"')[1]
                                              .split('"')[0])]
    np.testing.assert_allclose(start, estimated, rtol=1e-5, atol=1e-7)
    custom = xgb.train({**XGB_TREE, "num_class": 3, "base_score": start.tolist()}, dtrain, ROUNDS,
                       obj=lkx.objective("cross_entropy", hessian="booster"))
    assert xgb_splits(custom) == xgb_splits(reference)
    np.testing.assert_allclose(softmax(custom.predict(dtrain, output_margin=True), axis=1),
                               reference.predict(dtrain), rtol=1e-5, atol=1e-6)
    exact = xgb.train({**XGB_TREE, "num_class": 3, "base_score": start.tolist()}, dtrain, ROUNDS,
                      obj=lkx.objective("cross_entropy"))
    assert not np.allclose(exact.predict(dtrain, output_margin=True), custom.predict(dtrain, output_margin=True))


@WEIGHTED
def test_xgboost_multi_output_regression_is_the_builtin(weighted):
    X, y, w = data("regression")
    Y = np.c_[y, 0.5 * X[:, 1] + 4.0]                               # two targets, (n, 2) margins
    dtrain = xgb.DMatrix(X, Y, weight=w if weighted else None)
    reference = xgb.train({**XGB_TREE, "objective": "reg:squarederror"}, dtrain, ROUNDS)
    start = lkx.init_score("mse_loss", Y, w if weighted else None)
    estimated = reference.save_config().split('"base_score":"[')[1].split("]")[0].split(",")
    np.testing.assert_allclose(start, [float(v) for v in estimated], rtol=1e-6)
    custom = xgb.train({**XGB_TREE, "reg_lambda": 2.0, "min_child_weight": 2.0, "base_score": start.tolist()},
                       dtrain, ROUNDS, obj=lkx.objective("mse_loss"))
    assert custom.predict(dtrain, output_margin=True).shape == (N, 2)
    np.testing.assert_allclose(custom.predict(dtrain, output_margin=True), reference.predict(dtrain, output_margin=True),
                               rtol=1e-5, atol=1e-5)


@WEIGHTED
def test_xgboost_builtin_intercepts_are_the_init_scores(weighted):
    for task, objective, name, link in [("regression", "reg:squarederror", "mse_loss", lambda v: v),
                                        ("binary", "binary:logistic", "binary_cross_entropy_with_logits",
                                         lambda p: math.log(p / (1 - p)))]:
        X, y, w = data(task)
        booster = xgb.train({"objective": objective, "nthread": 1}, xgb.DMatrix(X, y, weight=w if weighted else None), 1)
        base = float(booster.save_config().split('"base_score":"[')[1].split("]")[0])
        assert lkx.init_score(name, y, w if weighted else None) == pytest.approx(link(base), rel=1e-6, abs=1e-7)


def test_xgboost_sklearn_estimators_take_the_objectives_with_sample_weights():
    X, y, w = data("regression")
    start = lkx.init_score("mse_loss", y, w)
    reference = xgb.XGBRegressor(n_estimators=ROUNDS, max_depth=3, n_jobs=1).fit(X, y, sample_weight=w)
    custom = xgb.XGBRegressor(n_estimators=ROUNDS, max_depth=3, n_jobs=1, objective=lkx.objective("mse_loss"),
                              base_score=start, reg_lambda=2.0, min_child_weight=2.0).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(custom.predict(X), reference.predict(X), rtol=1e-5, atol=1e-5)

    X, y, w = data("multiclass")
    reference = xgb.XGBClassifier(n_estimators=ROUNDS, max_depth=3, n_jobs=1).fit(X, y, sample_weight=w)
    custom = xgb.XGBClassifier(n_estimators=ROUNDS, max_depth=3, n_jobs=1,
                               objective=lkx.objective("cross_entropy", hessian="booster"),
                               base_score=lkx.init_score("cross_entropy", y, w).tolist()).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(custom.predict_proba(X), reference.predict_proba(X), rtol=1e-5, atol=1e-6)

    X, y, w = data("binary")
    reference = xgb.XGBClassifier(n_estimators=ROUNDS, max_depth=3, n_jobs=1).fit(X, y, sample_weight=w)
    start = lkx.init_score("binary_cross_entropy_with_logits", y, w)
    custom = xgb.XGBClassifier(n_estimators=ROUNDS, max_depth=3, n_jobs=1, base_score=expit(start),
                               objective=lkx.objective("binary_cross_entropy_with_logits")).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(custom.predict_proba(X), reference.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_xgboost_metric_is_the_weighted_mean_loss():
    X, y, w = data("regression")
    dtrain = xgb.DMatrix(X, y, weight=w)
    history: dict = {}
    booster = xgb.train({**XGB_TREE, "base_score": lkx.init_score("huber_loss", y, w, delta=2.0),
                         "disable_default_eval_metric": 1}, dtrain, ROUNDS,
                        obj=lkx.objective("huber_loss", delta=2.0), custom_metric=lkx.metric("huber_loss", delta=2.0),
                        evals=[(dtrain, "train")], evals_result=history)
    r = np.abs(booster.predict(dtrain, output_margin=True) - y)
    expected = np.sum(w * np.where(r <= 2.0, 0.5 * r**2, 2.0 * (r - 1.0))) / np.sum(w)
    losses = history["train"]["huber_loss"]
    assert losses[-1] == pytest.approx(expected, rel=1e-5)
    assert all(b < a for a, b in zip(losses, losses[1:]))
    # The scikit-learn form: XGBoost names the metric after m.__name__.
    model = xgb.XGBRegressor(n_estimators=2, n_jobs=1, objective=lkx.objective("mse_loss"),
                             eval_metric=lkx.metric("mse_loss"))
    model.fit(X, y, sample_weight=w, eval_set=[(X, y)], sample_weight_eval_set=[w], verbose=False)
    margin = model.predict(X, output_margin=True)
    assert model.evals_result()["validation_0"]["mse_loss"][-1] == pytest.approx(
        np.average((margin - y) ** 2, weights=w), rel=1e-5)


# ---------------------------------------------------------------------------------------------
# LightGBM: built-in objective vs LossKit objective
# ---------------------------------------------------------------------------------------------

LGB_TREE = {"num_leaves": 7, "learning_rate": 0.3, "num_threads": 1, "verbose": -1, "deterministic": True,
            "min_data_in_leaf": 10}


def lgb_splits(booster) -> list[str]:
    return re.findall(r"^(?:split_feature|threshold)=.*$", booster.model_to_string(), flags=re.M)


LGB_CASES = [
    pytest.param("mse_loss", {}, {"objective": "regression"}, "regression", 2.0, "exact", id="regression"),
    pytest.param("binary_cross_entropy_with_logits", {}, {"objective": "binary"}, "binary", 1.0, "exact",
                 id="binary"),
    pytest.param("huber_loss", {"delta": 1.5}, {"objective": "huber", "alpha": 1.5}, "regression", 1.0, "booster",
                 id="huber"),
    pytest.param("fair_loss", {"c": 2.0}, {"objective": "fair", "fair_c": 2.0}, "regression", 1.0, "exact",
                 id="fair", marks=needs("fair_loss")),
    pytest.param("poisson_nll_loss", {}, {"objective": "poisson"}, "count", 1.0, "booster", id="poisson",
                 marks=needs("poisson_nll_loss")),
    pytest.param("gamma_loss", {}, {"objective": "gamma"}, "positive", 1.0, "exact", id="gamma",
                 marks=needs("gamma_loss")),
    pytest.param("tweedie_loss", {"power": 1.3}, {"objective": "tweedie", "tweedie_variance_power": 1.3}, "count",
                 1.0, "exact", id="tweedie", marks=needs("tweedie_loss")),
]


@pytest.mark.parametrize("name, params, builtin, task, scale, hessian", LGB_CASES)
@WEIGHTED
def test_lightgbm_objective_grows_the_builtin_trees(name, params, builtin, task, scale, hessian, weighted):
    X, y, w = data(task)
    weight = w if weighted else None
    start = np.full(N, lkl.init_score(name, y, weight, **params))
    # Both start from the same init score; the built-in would otherwise use its own average.
    reference = lgb.train({**LGB_TREE, **builtin, "boost_from_average": False},
                          lgb.Dataset(X, y, weight=weight, init_score=start), ROUNDS)
    custom = lgb.train({**LGB_TREE, "min_sum_hessian_in_leaf": 1e-3 * scale, "objective": lkl.objective(name, hessian=hessian, **params)},
                       lgb.Dataset(X, y, weight=weight, init_score=start), ROUNDS)
    assert lgb_splits(custom) == lgb_splits(reference) and len(lgb_splits(custom)) == 2 * ROUNDS
    np.testing.assert_allclose(custom.predict(X, raw_score=True), reference.predict(X, raw_score=True),
                               rtol=1e-5, atol=1e-6)


@WEIGHTED
def test_lightgbm_softmax_with_booster_hessian_grows_the_multiclass_trees(weighted):
    X, y, w = data("multiclass")
    weight = w if weighted else None
    reference = lgb.train({**LGB_TREE, "objective": "multiclass", "num_class": 3},
                          lgb.Dataset(X, y, weight=weight), ROUNDS)
    start = lkl.init_score("cross_entropy", y, weight)
    custom = lgb.train({**LGB_TREE, "num_class": 3, "objective": lkl.objective("cross_entropy", hessian="booster")},
                       lgb.Dataset(X, y, weight=weight, init_score=np.tile(start, (N, 1))), ROUNDS)
    assert lgb_splits(custom) == lgb_splits(reference)
    # LightGBM starts from the uncentred log frequencies: softmax does not see the difference.
    np.testing.assert_allclose(softmax(custom.predict(X, raw_score=True) + start, axis=1), reference.predict(X),
                               rtol=1e-5, atol=1e-6)


def test_lightgbm_sklearn_estimators_take_the_objectives_with_sample_weights():
    X, y, w = data("regression")
    start = lkl.init_score("huber_loss", y, w, delta=1.5)
    reference = lgb.LGBMRegressor(n_estimators=ROUNDS, objective="huber", alpha=1.5, boost_from_average=False,
                                  **LGB_TREE).fit(X, y, sample_weight=w, init_score=np.full(N, start))
    custom = lgb.LGBMRegressor(n_estimators=ROUNDS, objective=lkl.objective("huber_loss", "booster", delta=1.5),
                               **LGB_TREE).fit(X, y, sample_weight=w, init_score=np.full(N, start))
    np.testing.assert_allclose(custom.predict(X), reference.predict(X), rtol=1e-5, atol=1e-6)

    X, y, w = data("multiclass")
    reference = lgb.LGBMClassifier(n_estimators=ROUNDS, **LGB_TREE).fit(X, y, sample_weight=w)
    start = lkl.init_score("cross_entropy", y, w)
    custom = lgb.LGBMClassifier(n_estimators=ROUNDS, objective=lkl.objective("cross_entropy", "booster"),
                                **LGB_TREE).fit(X, y, sample_weight=w, init_score=np.tile(start, (N, 1)))
    with pytest.warns(UserWarning, match="raw scores"):
        raw = custom.predict_proba(X)
    np.testing.assert_allclose(softmax(raw + start, axis=1), reference.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_lightgbm_metric_is_the_weighted_mean_loss():
    X, y, w = data("binary")
    start = lkl.init_score("binary_cross_entropy_with_logits", y, w)
    history: dict = {}
    train = lgb.Dataset(X, y, weight=w, init_score=np.full(N, start))
    booster = lgb.train({**LGB_TREE, "objective": lkl.objective("binary_cross_entropy_with_logits"),
                         "metric": "None"}, train, ROUNDS, valid_sets=[train], valid_names=["train"],
                        feval=lkl.metric("binary_cross_entropy_with_logits"),
                        callbacks=[lgb.record_evaluation(history)])
    p = expit(booster.predict(X, raw_score=True) + start)
    expected = -np.average(y * np.log(p) + (1 - y) * np.log1p(-p), weights=w)
    losses = history["train"]["binary_cross_entropy_with_logits"]
    assert losses[-1] == pytest.approx(expected, rel=1e-6)
    assert all(b < a for a, b in zip(losses, losses[1:]))
    # The built-in binary logloss agrees.
    assert lkl.metric("binary_cross_entropy_with_logits")(y, booster.predict(X, raw_score=True) + start, w) == (
        "binary_cross_entropy_with_logits", pytest.approx(expected, rel=1e-9), False)


# ---------------------------------------------------------------------------------------------
# Hessian conventions, errors
# ---------------------------------------------------------------------------------------------

def test_booster_hessians_are_the_boosters_conventions():
    rng = np.random.default_rng(1)
    z, y, w = rng.normal(size=(50, 4)), rng.integers(0, 4, 50).astype(float), rng.uniform(0.5, 2, 50)
    p = softmax(z, axis=1)
    onehot = np.eye(4)[y.astype(int)]
    for module, factor in [(lkx, 2.0), (lkl, 4 / 3)]:
        g, h = module.objective("cross_entropy", hessian="booster")(y, z, sample_weight=w) if module is lkx else \
            module.objective("cross_entropy", hessian="booster")(y, z, w)
        np.testing.assert_allclose(g, w[:, None] * (p - onehot), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(h, factor * w[:, None] * p * (1 - p), rtol=1e-12)
    x, t = rng.normal(size=50), rng.normal(size=50)
    g, h = lkx.objective("l1_loss", hessian="booster")(t, x, sample_weight=w)
    np.testing.assert_array_equal(g, w * np.sign(x - t))
    np.testing.assert_array_equal(h, w)
    _, h = lkl.objective("l1_loss", hessian="booster")(t, x, None)
    np.testing.assert_array_equal(h, np.ones(50))
    _, h = lkl.objective("l1_loss")(t, x, None)
    np.testing.assert_array_equal(h, np.zeros(50))


@pytest.mark.parametrize("name", ["binary_cross_entropy_with_logits", "cross_entropy"])
def test_xgboost_float32_margins_are_computed_in_float32(name):
    """XGBoost hands float32 margins and float32 labels and weights (DMatrix) and keeps float32
    gradients: the objective computes in float32, with no float64 copies, and agrees with the
    float64 formula to float32 precision."""
    rng = np.random.default_rng(2)
    n, k = 1000, 5
    X = rng.normal(size=(n, 3)).astype(np.float32)
    if name == "cross_entropy":
        z = (3 * rng.normal(size=(n, k))).astype(np.float32)
        y = rng.integers(0, k, n)
        p = softmax(z.astype(np.float64), axis=1)
        onehot = np.eye(k)[y]
    else:
        z = (3 * rng.normal(size=n)).astype(np.float32)
        y = (rng.random(n) < expit(z)).astype(int)
        p, onehot = expit(z.astype(np.float64)), y
    w = rng.uniform(0.5, 2, n).astype(np.float32)
    dtrain = xgb.DMatrix(X, label=y.astype(np.float32), weight=w)
    g, h = lkx.objective(name)(z, dtrain)
    assert g.dtype == h.dtype == np.float32 and g.shape == h.shape == z.shape
    weight = w.astype(np.float64)[:, None] if z.ndim == 2 else w.astype(np.float64)
    # p - 1 cancels: absolute error up to float32's epsilon (1.2e-7) times the weight (< 2).
    np.testing.assert_allclose(g, weight * (p - onehot), rtol=2e-6, atol=3e-7)
    np.testing.assert_allclose(h, weight * p * (1 - p), rtol=2e-6, atol=3e-7)


OBJECTIVE_PARAMS = [
    ("huber_loss", {"delta": 2.5}, "regression"), ("pseudo_huber_loss", {}, "regression"),
    ("quantile_loss", {"quantile": 0.3}, "regression"), ("epsilon_insensitive_loss", {"squared": True}, "regression"),
    ("poisson_nll_loss", {"log_input": True, "full": True}, "count"), ("tweedie_loss", {"power": 1.2}, "count"),
    ("gamma_loss", {}, "positive"), ("binary_cross_entropy_with_logits", {"label_smoothing": 0.1}, "binary"),
    ("binary_cross_entropy_with_logits", {"pos_weight": 3.0}, "binary"),
    ("sigmoid_focal_loss", {"alpha": None, "gamma": 1.0}, "binary"), ("sigmoid_focal_loss", {"alpha": 0.6}, "binary"),
]


@pytest.mark.parametrize("name, params, task", OBJECTIVE_PARAMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_objectives_give_the_public_functions_derivatives(name, params, task, dtype):
    """An elementwise objective asks the kernel for derivatives only, with its parameters in
    catalogue order (or, for those only the public function interprets, such as pos_weight and
    alpha=None, calls that function): the same numbers as the public function either way."""
    _, y, w = data(task)
    margin = np.random.default_rng(3).normal(size=N).astype(dtype)
    g, h = lkx.objective(name, **params)(y, margin, sample_weight=w)
    _, g_public, h_public = getattr(lk, name)(margin, y, sample_weight=w, reduction="sum", grad=True, hess=True,
                                              **params)
    np.testing.assert_array_equal(g, g_public)
    np.testing.assert_array_equal(h, h_public)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="no loss is named 'nope'"):
        lkx.objective("nope")
    with pytest.raises(ValueError, match="hessian"):
        lkl.objective("mse_loss", hessian="fisher")
    with pytest.raises(TypeError, match="unknown parameter.*'delat'"):
        lkx.objective("huber_loss", delat=1.0)
    with pytest.raises(ValueError, match=r"\(n, K\).*num_class"):
        lkx.objective("cross_entropy")(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="class indices"):
        lkl.objective("cross_entropy")(np.array([0.0, 3.0]), np.zeros((2, 3)), None)


# ---------------------------------------------------------------------------------------------
# Start scores
# ---------------------------------------------------------------------------------------------

def weighted_mean_loss(name, c, y, w, **params):
    return getattr(lk, name)(np.full_like(y, c), y, sample_weight=w, **params)


def test_init_score_closed_forms():
    _, y, w = data("regression")
    assert lkx.init_score("mse_loss", y, w) == pytest.approx(np.average(y, weights=w), rel=1e-12)
    median = lkx.init_score("l1_loss", y, w)
    # The weighted median: no other label has a lower weighted absolute error.
    best = min(np.sum(w * np.abs(c - y)) for c in y)
    assert np.sum(w * np.abs(median - y)) == pytest.approx(best, rel=1e-12)
    assert lkx.init_score("l1_loss", [1.0, 2.0, 10.0]) == 2.0
    _, y, w = data("binary")
    assert lkx.init_score("binary_cross_entropy_with_logits", y, w, pos_weight=3.0) == pytest.approx(
        math.log(3.0 * np.sum(w * y) / np.sum(w * (1 - y))), rel=1e-12)

    def bce(c):  # PyTorch's definition with pos_weight 3
        return np.average(-(3.0 * y * np.log(expit(c)) + (1 - y) * np.log(expit(-c))), weights=w)

    found = minimize_scalar(bce, bracket=(-2, 2), tol=1e-12).x
    assert lkx.init_score("binary_cross_entropy_with_logits", y, w, pos_weight=3.0) == pytest.approx(found, abs=1e-6)


def test_init_score_searches_where_there_is_no_closed_form():
    _, y, w = data("regression")
    found = minimize_scalar(lambda c: weighted_mean_loss("huber_loss", c, y, w, delta=0.7), bracket=(-1, 1),
                            tol=1e-12).x
    assert lkl.init_score("huber_loss", y, w, delta=0.7) == pytest.approx(found, abs=1e-6)


@pytest.mark.parametrize("name, task, params", [
    pytest.param("poisson_nll_loss", "count", {}, marks=needs("poisson_nll_loss")),
    pytest.param("gamma_loss", "positive", {}, marks=needs("gamma_loss")),
    pytest.param("tweedie_loss", "count", {"power": 1.5}, marks=needs("tweedie_loss")),
    pytest.param("quantile_loss", "regression", {"quantile": 0.8}, marks=needs("quantile_loss")),
    pytest.param("pseudo_huber_loss", "regression", {"delta": 2.0}, marks=needs("pseudo_huber_loss")),
])
def test_init_score_minimises_the_mean_loss(name, task, params):
    _, y, w = data(task)
    start = lkx.init_score(name, y, w, **params)
    at = weighted_mean_loss(name, start, y, w, **params)
    for c in (start - 1e-3, start + 1e-3, start - 0.1, start + 0.1):
        assert at <= weighted_mean_loss(name, c, y, w, **params) + 1e-12


@pytest.mark.parametrize("smoothing, class_weight", [(0.0, None), (0.2, [1.0, 2.0, 0.5])])
def test_softmax_init_score_minimises_cross_entropy(smoothing, class_weight):
    _, y, w = data("multiclass")
    params = {"label_smoothing": smoothing} | ({} if class_weight is None else {"weight": np.array(class_weight)})
    start = lkx.init_score("cross_entropy", y, w, **params)
    assert start.shape == (3,) and abs(start.sum()) < 1e-12
    labels = y.astype(int)

    def mean_loss(c):  # numpy, from PyTorch's definition
        logp = c - logsumexp(c)
        cw = np.ones(3) if class_weight is None else np.array(class_weight)
        a = (1 - smoothing) * cw[labels][:, None] * np.eye(3)[labels] + smoothing / 3 * cw
        return np.sum(w * (-(a * logp).sum(1)))

    found = minimize(mean_loss, np.zeros(3), method="BFGS", options={"gtol": 1e-10}).x
    np.testing.assert_allclose(start, found - found.mean(), atol=1e-5)
    if smoothing == 0 and class_weight is None:
        np.testing.assert_allclose(start, np.log(np.bincount(labels, w)) - np.log(np.bincount(labels, w)).mean(),
                                   rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Focal loss on imbalanced data
# ---------------------------------------------------------------------------------------------

@needs("sigmoid_focal_loss")
def test_focal_with_gamma_0_and_no_alpha_is_the_logistic_objective():
    X, y, w = data("binary")
    dtrain = xgb.DMatrix(X, y, weight=w)
    start = lkx.init_score("binary_cross_entropy_with_logits", y, w)
    reference = xgb.train({**XGB_TREE, "objective": "binary:logistic", "base_score": expit(start)}, dtrain, ROUNDS)
    focal = xgb.train({**XGB_TREE, "base_score": start}, dtrain, ROUNDS,
                      obj=lkx.objective("sigmoid_focal_loss", alpha=None, gamma=0.0))
    assert xgb_splits(focal) == xgb_splits(reference)
    np.testing.assert_allclose(focal.predict(dtrain, output_margin=True), reference.predict(dtrain, output_margin=True),
                               rtol=1e-5, atol=1e-5)


@needs("sigmoid_focal_loss")
def test_focal_objective_learns_an_imbalanced_problem():
    from sklearn.metrics import average_precision_score
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 5))
    y = (X[:, 0] + 0.8 * X[:, 1] + 0.5 * rng.normal(size=2000) > 2.3).astype(float)
    assert 0.01 < y.mean() < 0.08
    dtrain = xgb.DMatrix(X, y)
    history: dict = {}
    booster = xgb.train({**XGB_TREE, "base_score": lkx.init_score("sigmoid_focal_loss", y, alpha=0.75, gamma=2.0),
                         "disable_default_eval_metric": 1}, dtrain, 30,
                        obj=lkx.objective("sigmoid_focal_loss", alpha=0.75, gamma=2.0),
                        custom_metric=lkx.metric("sigmoid_focal_loss", alpha=0.75, gamma=2.0),
                        evals=[(dtrain, "train")], evals_result=history)
    losses = history["train"]["sigmoid_focal_loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert average_precision_score(y, booster.predict(dtrain, output_margin=True)) > 0.6


# ---------------------------------------------------------------------------------------------
# LossKit metrics beside built-in objectives, the start score, the scikit-learn scorers
# ---------------------------------------------------------------------------------------------

def lgamma1(y: np.ndarray) -> np.ndarray:
    return np.array([math.lgamma(v + 1.0) for v in y])


# (built-in objective and its parameters, LossKit metric, task, the built-in metric, the built-in
# metric minus the LossKit one as a function of (y, w)).
XGB_BESIDE = [
    pytest.param({"objective": "binary:logistic"}, "binary_cross_entropy_with_logits", "binary", "logloss",
                 lambda y, w: 0.0, id="logistic"),
    pytest.param({"objective": "multi:softprob", "num_class": 3}, "cross_entropy", "multiclass", "mlogloss",
                 lambda y, w: 0.0, id="softprob"),
    pytest.param({"objective": "count:poisson"}, "poisson_nll_loss", "count", "poisson-nloglik",
                 lambda y, w: np.average(lgamma1(y), weights=w), id="poisson"),
]


@pytest.mark.parametrize("builtin, name, task, reference, offset", XGB_BESIDE)
def test_xgboost_metric_beside_a_builtin_objective_is_the_builtin_metric(builtin, name, task, reference, offset):
    """XGBoost hands a custom metric the built-in objective's probabilities or means: the
    LossKit metric turns them back into margins and agrees with XGBoost's own metric."""
    X, y, w = data(task)
    train = xgb.DMatrix(X, y, weight=w)
    history: dict = {}
    xgb.train({**XGB_TREE, **builtin, "eval_metric": reference}, train, ROUNDS, evals=[(train, "train")],
              custom_metric=lkx.metric(name), evals_result=history, verbose_eval=False)
    ours, theirs = history["train"][name], history["train"][reference]
    np.testing.assert_allclose(np.array(ours) + offset(y, w), theirs, rtol=2e-5)
    # The scikit-learn form, through the estimator's eval_metric.
    model_type = xgb.XGBClassifier if task != "count" else xgb.XGBRegressor
    model = model_type(n_estimators=ROUNDS, eval_metric=lkx.metric(name), **XGB_TREE,
                       **{k: v for k, v in builtin.items() if k != "num_class"})
    model.fit(X, y, sample_weight=w, eval_set=[(X, y)], sample_weight_eval_set=[w], verbose=False)
    np.testing.assert_allclose(model.evals_result()["validation_0"][name], ours, rtol=1e-6)


def test_xgboost_metric_refuses_a_builtin_objective_it_cannot_invert():
    X, y, w = data("binary")
    train = xgb.DMatrix(X, y)
    with pytest.raises(ValueError, match="'binary:hinge'"):
        xgb.train({**XGB_TREE, "objective": "binary:hinge"}, train, 1, evals=[(train, "train")],
                  custom_metric=lkx.metric("binary_cross_entropy_with_logits"), verbose_eval=False)


LGB_BESIDE = [
    pytest.param({"objective": "binary"}, "binary_cross_entropy_with_logits", "binary", "binary_logloss",
                 lambda y, w: 0.0, id="binary"),
    pytest.param({"objective": "binary", "sigmoid": 2.0}, "binary_cross_entropy_with_logits", "binary",
                 None, None, id="binary-sigmoid"),
    pytest.param({"objective": "multiclass", "num_class": 3}, "cross_entropy", "multiclass", "multi_logloss",
                 lambda y, w: 0.0, id="multiclass"),
    pytest.param({"objective": "poisson"}, "poisson_nll_loss", "count", "poisson", lambda y, w: 0.0, id="poisson"),
]


@pytest.mark.parametrize("builtin, name, task, reference, offset", LGB_BESIDE)
def test_lightgbm_metric_beside_a_builtin_objective_is_the_builtin_metric(builtin, name, task, reference, offset):
    X, y, w = data(task)
    train = lgb.Dataset(X, y, weight=w)
    history: dict = {}
    booster = lgb.train({**LGB_TREE, **builtin, "metric": reference or "None"}, train, ROUNDS,
                        valid_sets=[train], valid_names=["train"], feval=lkl.metric(name),
                        callbacks=[lgb.record_evaluation(history)])
    ours = history["train"][name]
    if reference is not None:
        np.testing.assert_allclose(np.array(ours) + offset(y, w), history["train"][reference], rtol=1e-6)
    # Against the booster's own margins, which LossKit's metric takes directly.
    # (With sigmoid=2 LightGBM's probability is σ(2·score): the raw score is logit(p)/2.)
    assert ours[-1] == pytest.approx(lkl.metric(name)(y, booster.predict(X, raw_score=True), w)[1], rel=1e-6)


def test_lightgbm_metric_refuses_a_builtin_objective_it_cannot_invert():
    X, y, _ = data("multiclass")
    train = lgb.Dataset(X, y)
    with pytest.raises(ValueError, match="'multiclassova'"):
        lgb.train({**LGB_TREE, "objective": "multiclassova", "num_class": 3, "metric": "None"}, train, 1,
                  valid_sets=[train], feval=lkl.metric("cross_entropy"))


def test_lightgbm_start_score_is_carried_through_training_and_prediction():
    """With the start score carried, a LossKit Poisson objective (booster Hessian) trains
    LightGBM's built-in poisson model, whose boost-from-average start is log of the weighted
    mean: the same trees and the same predictions, natively and through LGBMRegressor."""
    import pickle
    X, y, w = data("count")
    start = lkl.StartScore("poisson_nll_loss", y, w)
    assert start.value == pytest.approx(math.log(np.average(y, weights=w)), rel=1e-12)
    assert pickle.loads(pickle.dumps(start)).value == start.value
    reference = lgb.train({**LGB_TREE, "objective": "poisson"}, lgb.Dataset(X, y, weight=w), ROUNDS)
    custom = lgb.train({**LGB_TREE, "objective": lkl.objective("poisson_nll_loss", hessian="booster")},
                       start.dataset(X, y, weight=w), ROUNDS)
    assert lgb_splits(custom) == lgb_splits(reference)
    np.testing.assert_allclose(np.exp(start.predict(custom, X)), reference.predict(X), rtol=1e-5)
    model = lgb.LGBMRegressor(n_estimators=ROUNDS, objective=lkl.objective("poisson_nll_loss", hessian="booster"),
                              **LGB_TREE).fit(X, y, sample_weight=w, init_score=start.init_score(N))
    np.testing.assert_allclose(np.exp(start.predict(model, X)), reference.predict(X), rtol=1e-5)
    # Multiclass: one start per class, tiled to (n, K).
    X, y, w = data("multiclass")
    start = lkl.StartScore("cross_entropy", y, w)
    assert start.init_score(2).shape == (2, 3)
    reference = lgb.train({**LGB_TREE, "objective": "multiclass", "num_class": 3}, lgb.Dataset(X, y, weight=w), ROUNDS)
    custom = lgb.train({**LGB_TREE, "num_class": 3, "objective": lkl.objective("cross_entropy", hessian="booster")},
                       start.dataset(X, y, weight=w), ROUNDS)
    np.testing.assert_allclose(softmax(start.predict(custom, X), axis=1), reference.predict(X), rtol=1e-5, atol=1e-6)


def test_sklearn_scorers_on_boosted_classifiers():
    """XGBClassifier has no decision_function: the logits scorers use its output margin. With a
    LossKit objective, LGBMClassifier.predict_proba gives raw scores: the probability scorer
    turns them into probabilities."""
    from sklearn.metrics import log_loss

    import losskit.sklearn as lks
    X, y, _ = data("binary")
    y = y.astype(np.int64)  # class indices, as cross_entropy takes them
    model = xgb.XGBClassifier(n_estimators=ROUNDS, **XGB_TREE).fit(X, y)
    expected = log_loss(y, model.predict_proba(X)[:, 1])
    for name in ("binary_cross_entropy_with_logits", "cross_entropy", "binary_cross_entropy"):
        assert lks.scorer(name)(model, X, y) == pytest.approx(-expected, rel=1e-6), name
    X, y, _ = data("multiclass")
    y = y.astype(np.int64)
    model = xgb.XGBClassifier(n_estimators=ROUNDS, **XGB_TREE).fit(X, y)
    assert lks.scorer("cross_entropy")(model, X, y) == pytest.approx(-log_loss(y, model.predict_proba(X)), rel=1e-6)

    X, y, _ = data("binary")
    model = lgb.LGBMClassifier(n_estimators=ROUNDS, objective=lkl.objective("binary_cross_entropy_with_logits"),
                               **LGB_TREE).fit(X, y)
    p = expit(model.predict(X, raw_score=True))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
    assert lks.scorer("binary_cross_entropy")(model, X, y) == pytest.approx(-expected, rel=1e-9)
    assert lks.scorer("binary_cross_entropy_with_logits")(model, X, y) == pytest.approx(-expected, rel=1e-9)
