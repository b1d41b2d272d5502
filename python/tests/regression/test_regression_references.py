"""Regression losses against the libraries that define them: PyTorch (smooth_l1_loss, with
autograd for the gradient and Hessian), optax (log_cosh, with jax derivatives), scikit-learn
(mean_pinball_loss, the SGD epsilon-insensitive losses, mean_absolute_percentage_error,
mean_squared_log_error), XGBoost and LightGBM (their built-in gradient and Hessian formulas,
and one boosting round of the built-in objective against a custom objective built from ours).
"""
from __future__ import annotations

import numpy as np
import pytest

import losskit as lk
from conftest import assert_close, torch_derivatives, widened

N = 41


def residuals(seed, kinks=(0.0,), n=N):
    """Predictions and targets whose residuals stay 0.05 away from |r| = each kink."""
    rng = np.random.default_rng(seed)
    y = rng.normal(0.0, 2.0, n)
    r = rng.uniform(0.05, 4.0, n) * rng.choice([-1.0, 1.0], n)
    for k in kinks:
        r = np.where(np.abs(np.abs(r) - k) < 0.05, np.sign(r) * (k + 0.1), r)
    return y + r, y


def weighted_mean(values, w):
    return float(np.sum(w * values) / np.sum(w))


# --- PyTorch ---------------------------------------------------------------------------------

@pytest.mark.parametrize("beta", [1.0, 0.3, 0.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_smooth_l1_matches_torch(beta, dtype):
    torch = pytest.importorskip("torch")
    x, y = (a.astype(dtype) for a in residuals(1, kinks=(0.0, beta)))
    target = torch.tensor(widened(y, dtype))
    for reduction in ("none", "sum", "mean"):
        expected = torch_derivatives(
            lambda t: torch.nn.functional.smooth_l1_loss(t, target, beta=beta, reduction=reduction),
            widened(x, dtype))
        actual = lk.smooth_l1_loss(x, y, beta=beta, reduction=reduction, grad=True, hess=True)
        for a, e in zip(actual, expected):
            assert_close(a, e, dtype)


# --- optax -----------------------------------------------------------------------------------

def test_log_cosh_matches_optax():
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    jnp = jax.numpy
    x, y = residuals(2)
    x[:3] = [40.0, -700.0, 1e4]  # far out, where cosh itself overflows
    y[2] = 0.0
    with jax.enable_x64(True):
        yj = jnp.asarray(y)

        def total(v):
            return optax.losses.log_cosh(v, yj).sum()

        l_ref = np.asarray(optax.losses.log_cosh(jnp.asarray(x), yj))
        g_ref = np.asarray(jax.grad(total)(jnp.asarray(x)))
        h_ref = np.asarray(jax.grad(lambda v: jax.grad(total)(v).sum())(jnp.asarray(x)))
    l, g, h = lk.log_cosh_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(l, l_ref, rtol=1e-13)
    np.testing.assert_allclose(g, g_ref, rtol=1e-13)
    # jax's second derivative of logaddexp(r, -r) drifts from |r| ~ 10 and is half the true
    # sech² r beyond |r| ~ 19 (float64), so the tail is checked against numpy's cosh instead.
    moderate = np.abs(x - y) < 8
    np.testing.assert_allclose(h[moderate], h_ref[moderate], rtol=1e-12)
    tail = ~moderate & (np.abs(x - y) < 350)  # cosh² overflows beyond
    assert tail.sum() >= 1
    np.testing.assert_allclose(h[tail], 1 / np.cosh((x - y)[tail]) ** 2, rtol=1e-12)
    assert l[2] == pytest.approx(9999.306852819440) and g[2] == 1.0 and h[2] == 0.0


# --- scikit-learn ----------------------------------------------------------------------------

@pytest.mark.parametrize("quantile", [0.05, 0.5, 0.9])
def test_quantile_matches_sklearn_pinball(quantile):
    metrics = pytest.importorskip("sklearn.metrics")
    x, y = residuals(3)
    w = np.random.default_rng(3).uniform(0.1, 3.0, N)
    assert lk.quantile_loss(x, y, quantile=quantile) == pytest.approx(
        metrics.mean_pinball_loss(y, x, alpha=quantile), rel=1e-13)
    assert lk.quantile_loss(x, y, quantile=quantile, sample_weight=w) == pytest.approx(
        metrics.mean_pinball_loss(y, x, alpha=quantile, sample_weight=w), rel=1e-13)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("epsilon", [0.1, 0.8])
def test_epsilon_insensitive_matches_sklearn_sgd(squared, epsilon):
    sgd = pytest.importorskip("sklearn.linear_model._sgd_fast")
    reference = (sgd.SquaredEpsilonInsensitive if squared else sgd.EpsilonInsensitive)(epsilon)
    x, y = residuals(4, kinks=(0.0, epsilon))
    x[:2] = y[:2] + [epsilon, -epsilon]  # on the band's edge: inside for sklearn too
    l, g = lk.epsilon_insensitive_loss(x, y, epsilon=epsilon, squared=squared, reduction="none",
                                       grad=True)
    np.testing.assert_allclose(l, [reference.py_loss(p, t) for p, t in zip(x, y)], rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(g, [reference.py_dloss(p, t) for p, t in zip(x, y)], rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mape_matches_sklearn(dtype):
    metrics = pytest.importorskip("sklearn.metrics")
    x, y = residuals(5)
    y[:3] = [0.0, 1e-20, -0.0]  # sklearn divides by max(|y|, 2.2e-16) here
    w = np.random.default_rng(5).uniform(0.1, 3.0, N)
    x, y, w = x.astype(dtype), y.astype(dtype), w.astype(dtype)
    rtol = 1e-13 if dtype == np.float64 else 1e-6
    x64, y64, w64 = x.astype(np.float64), y.astype(np.float64), w.astype(np.float64)
    assert lk.mape_loss(x, y) == pytest.approx(metrics.mean_absolute_percentage_error(y64, x64), rel=rtol)
    assert lk.mape_loss(x, y, sample_weight=w) == pytest.approx(
        metrics.mean_absolute_percentage_error(y64, x64, sample_weight=w64), rel=rtol)


def test_squared_log_error_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(6)
    x, y = rng.uniform(0.0, 20.0, N), rng.uniform(0.0, 20.0, N)  # sklearn requires >= 0
    w = rng.uniform(0.1, 3.0, N)
    assert lk.squared_log_error_loss(x, y) == pytest.approx(metrics.mean_squared_log_error(y, x), rel=1e-13)
    assert lk.squared_log_error_loss(x, y, sample_weight=w) == pytest.approx(
        metrics.mean_squared_log_error(y, x, sample_weight=w), rel=1e-13)


# --- XGBoost and LightGBM formulas (catalogue section 3.2) ------------------------------------

@pytest.mark.parametrize("delta", [1.0, 2.5, 0.3])
def test_pseudo_huber_matches_xgboost_formula(delta):
    x, y = residuals(7)
    z = x - y
    g_ref = z / np.sqrt(1 + z * z / delta ** 2)
    h_ref = delta ** 2 / ((delta ** 2 + z * z) * np.sqrt(1 + z * z / delta ** 2))
    _, g, h = lk.pseudo_huber_loss(x, y, delta=delta, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(g, g_ref, rtol=1e-13)
    np.testing.assert_allclose(h, h_ref, rtol=1e-13)


@pytest.mark.parametrize("c", [1.0, 0.4, 3.0])
def test_fair_matches_lightgbm_formula(c):
    x, y = residuals(8)
    r = x - y
    _, g, h = lk.fair_loss(x, y, c=c, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(g, c * r / (np.abs(r) + c), rtol=1e-14)
    np.testing.assert_allclose(h, c * c / (np.abs(r) + c) ** 2, rtol=1e-14)


@pytest.mark.parametrize("quantile", [0.1, 0.9])
def test_quantile_gradient_matches_the_boosters_off_the_kink(quantile):
    x, y = residuals(9)
    _, g = lk.quantile_loss(x, y, quantile=quantile, reduction="none", grad=True)
    np.testing.assert_array_equal(g, np.where(x - y >= 0, 1 - quantile, -quantile))


def test_squared_log_error_is_twice_xgboost_unfloored():
    rng = np.random.default_rng(10)
    x, y = rng.uniform(-0.5, 3.0, N), rng.uniform(-0.5, 3.0, N)
    g_ref = (np.log1p(x) - np.log1p(y)) / (x + 1)
    h_ref = (-np.log1p(x) + np.log1p(y) + 1) / (x + 1) ** 2
    _, g, h = lk.squared_log_error_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(g, 2 * g_ref, rtol=1e-13)
    np.testing.assert_allclose(h, 2 * h_ref, rtol=1e-12, atol=1e-15)


def test_expectile_is_twice_xgboost():
    """XGBoost's own unit test of reg:expectileerror (3.3+, not installed here): expectile_alpha
    0.8, predictions (1, 2, 3), labels (3, 2, 1) give gradient (-1.6, 0, 0.4) and Hessian
    (0.8, 0.2, 0.2); XGBoost minimises half of our loss."""
    _, g, h = lk.expectile_loss(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0]), expectile=0.8,
                                reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(g, 2 * np.array([-1.6, 0.0, 0.4]), rtol=1e-15)
    np.testing.assert_allclose(h, 2 * np.array([0.8, 0.2, 0.2]), rtol=1e-15)


# --- minimisers: the quantile and expectile losses estimate what they are named after -------

def test_quantile_minimiser_is_the_quantile():
    """The mean pinball loss over constants c has a zero in its subdifferential at the sample
    τ-quantile (numpy's 'inverted_cdf'): left and right gradients bracket 0."""
    y = np.random.default_rng(12).normal(size=101)
    for tau in (0.1, 0.5, 0.83):
        q = np.quantile(y, tau, method="inverted_cdf")
        below = lk.quantile_loss(np.full(101, np.nextafter(q, -np.inf)), y, quantile=tau, grad=True)[1].sum()
        above = lk.quantile_loss(np.full(101, np.nextafter(q, np.inf)), y, quantile=tau, grad=True)[1].sum()
        assert below < 0 < above


def test_expectile_minimiser_is_the_expectile():
    """The τ-expectile e solves τ·mean((y - e)+) = (1 - τ)·mean((e - y)+); the gradient of the
    mean expectile loss vanishes there."""
    scipy_optimize = pytest.importorskip("scipy.optimize")
    y = np.random.default_rng(13).gamma(2.0, size=200)
    for tau in (0.2, 0.5, 0.9):
        e = scipy_optimize.brentq(
            lambda c: tau * np.maximum(y - c, 0).mean() - (1 - tau) * np.maximum(c - y, 0).mean(),
            y.min(), y.max(), xtol=1e-14)
        _, g = lk.expectile_loss(np.full(200, e), y, expectile=tau, grad=True)
        assert abs(g.sum()) < 1e-12
    assert lk.expectile_loss(np.full(200, y.mean()), y, grad=True)[1].sum() == pytest.approx(0, abs=1e-12)


# --- the boosters themselves -----------------------------------------------------------------

def boosting_data(seed, n=300):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 4))
    return features, rng.normal(size=n), 2.0 * features[:, 0] + rng.standard_t(3, size=n)


def test_pseudo_huber_drives_xgboost_like_its_builtin():
    xgb = pytest.importorskip("xgboost")
    features, start, y = boosting_data(14)
    params = {"max_depth": 3, "eta": 1.0, "lambda": 1.0, "base_score": 0.0}

    def objective(margin, dtrain):
        _, g, h = lk.pseudo_huber_loss(margin, dtrain.get_label(), delta=1.7, reduction="none",
                                       grad=True, hess=True)
        return g, h

    def train(extra, obj=None):
        d = xgb.DMatrix(features, label=y, base_margin=start)
        booster = xgb.train({**params, **extra}, d, num_boost_round=2, obj=obj)
        return booster.predict(d, output_margin=True)

    builtin = train({"objective": "reg:pseudohubererror", "huber_slope": 1.7})
    custom = train({"disable_default_eval_metric": 1}, obj=objective)
    assert not np.allclose(builtin, start)
    np.testing.assert_allclose(custom, builtin, rtol=1e-5, atol=1e-5)


def test_fair_drives_lightgbm_like_its_builtin():
    lgb = pytest.importorskip("lightgbm")
    features, start, y = boosting_data(15)
    params = {"num_leaves": 7, "learning_rate": 1.0, "min_data_in_leaf": 5, "verbose": -1,
              "boost_from_average": False, "fair_c": 0.8, "deterministic": True,
              "force_row_wise": True}

    def objective(score, dataset):
        _, g, h = lk.fair_loss(score, dataset.get_label(), c=0.8, reduction="none", grad=True, hess=True)
        return g, h

    def train(objective_param):
        d = lgb.Dataset(features, label=y, init_score=start, free_raw_data=False)
        booster = lgb.train({**params, "objective": objective_param}, d, num_boost_round=2)
        return start + booster.predict(features, raw_score=True)

    builtin = train("fair")
    custom = train(objective)
    assert not np.allclose(builtin, start)
    np.testing.assert_allclose(custom, builtin, rtol=1e-5, atol=1e-5)
