"""Count and GLM losses (Poisson, gamma, Tweedie) against their references: PyTorch's
poisson_nll_loss (every flag, with autograd derivatives), scikit-learn's deviances and its
`_loss` classes, the XGBoost and LightGBM built-in gradient and Hessian formulas (catalogue
section 3.2), and boosting rounds of the built-in objectives against custom objectives built
from ours.
"""
from __future__ import annotations

import numpy as np
import pytest

import losskit as lk
from conftest import assert_close, torch_derivatives, widened

N = 45


def counts(seed, n=N):
    """Log-rates and Poisson counts, with several zeros and ones among them."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.7, 1.0, n)
    y = rng.poisson(np.exp(m)).astype(float)
    y[:3] = [0.0, 1.0, 0.0]
    return m, y


def positives(seed, n=N):
    rng = np.random.default_rng(seed)
    m = rng.normal(0.3, 0.8, n)
    return m, rng.gamma(2.0, np.exp(m) / 2.0)


def compound(seed, n=N):
    """Log-means and Tweedie-like targets: about a third exact zeros, the rest positive."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.3, 0.8, n)
    y = np.where(rng.uniform(size=n) < 0.35, 0.0, rng.gamma(2.0, np.exp(m) / 2.0))
    return m, y


# --- PyTorch ---------------------------------------------------------------------------------

@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_poisson_nll_matches_torch(log_input, full, eps, dtype):
    torch = pytest.importorskip("torch")
    m, y = counts(1)
    x = m if log_input else np.exp(m)  # a rate when the input is not a log-rate
    x, y = x.astype(dtype), y.astype(dtype)
    target = torch.tensor(widened(y, dtype))
    for reduction in ("none", "sum", "mean"):
        expected = torch_derivatives(
            lambda t: torch.nn.functional.poisson_nll_loss(t, target, log_input=log_input, full=full,
                                                           eps=eps, reduction=reduction),
            widened(x, dtype))
        actual = lk.poisson_nll_loss(x, y, log_input=log_input, full=full, eps=eps,
                                     reduction=reduction, grad=True, hess=True)
        for a, e in zip(actual, expected):
            assert_close(a, e, dtype)


def test_poisson_stirling_term_only_above_one():
    """full=True adds y·log y - y + ½·log(2πy) where y > 1 only (PyTorch's rule)."""
    y = np.array([0.0, 0.5, 1.0, 1.5, 7.0])
    m = np.zeros(5)
    extra = (lk.poisson_nll_loss(m, y, full=True, reduction="none")
             - lk.poisson_nll_loss(m, y, full=False, reduction="none"))
    stirling = y * np.log(np.where(y > 0, y, 1)) - y + 0.5 * np.log(2 * np.pi * np.where(y > 0, y, 1))
    np.testing.assert_allclose(extra, np.where(y > 1, stirling, 0.0), rtol=1e-14, atol=0)
    # Stirling's series: log 7! = 8.525161361..., the term is within 1/(12·7) of it.
    assert extra[4] == pytest.approx(8.525161361065415 - 1 / 84, abs=2e-4)


def test_poisson_zero_count_with_zero_rate_is_zero():
    """PyTorch gives NaN for eps=0, rate 0, count 0 (0·log 0); the Poisson likelihood of a zero
    count at rate 0 is 1, and LossKit returns its negative log, 0."""
    torch = pytest.importorskip("torch")
    zero = np.zeros(1)
    torch_value = torch.nn.functional.poisson_nll_loss(torch.zeros(1, dtype=torch.float64),
                                                       torch.zeros(1, dtype=torch.float64),
                                                       log_input=False, eps=0.0)
    assert np.isnan(torch_value.item())
    loss, g, h = lk.poisson_nll_loss(zero, zero, log_input=False, eps=0.0, reduction="none",
                                     grad=True, hess=True)
    assert (loss[0], g[0], h[0]) == (0.0, 1.0, 0.0)


# --- scikit-learn: deviances and the _loss classes ------------------------------------------

def xlogy(y, v):
    return np.where(y == 0, 0.0, y * np.log(np.where(y == 0, 1.0, v)))


def test_mean_poisson_deviance_is_twice_the_excess_loss():
    """D(y, μ) = 2(y·log(y/μ) - y + μ) = 2(l(m) - l(log y)) with l(m) = e^m - y·m and the
    saturated loss l(log y) = y - y·log y."""
    metrics = pytest.importorskip("sklearn.metrics")
    m, y = counts(2)
    w = np.random.default_rng(2).uniform(0.2, 3.0, N)
    saturated = y - xlogy(y, y)
    for weight in (None, w):
        ww = np.ones(N) if weight is None else weight
        excess = lk.poisson_nll_loss(m, y, sample_weight=weight) - np.sum(ww * saturated) / ww.sum()
        assert 2 * excess == pytest.approx(
            metrics.mean_poisson_deviance(y, np.exp(m), sample_weight=weight), rel=1e-12)


def test_mean_gamma_deviance_is_twice_the_excess_loss():
    """D(y, μ) = 2(log(μ/y) + y/μ - 1) = 2(l(m) - l(log y)) with l(m) = m + y·e^-m and the
    saturated loss l(log y) = 1 + log y."""
    metrics = pytest.importorskip("sklearn.metrics")
    m, y = positives(3)
    w = np.random.default_rng(3).uniform(0.2, 3.0, N)
    for weight in (None, w):
        ww = np.ones(N) if weight is None else weight
        excess = lk.gamma_loss(m, y, sample_weight=weight) - np.sum(ww * (1 + np.log(y))) / ww.sum()
        assert 2 * excess == pytest.approx(
            metrics.mean_gamma_deviance(y, np.exp(m), sample_weight=weight), rel=1e-12)


@pytest.mark.parametrize("power", [1.5, 1.2, 1.8, 1.01])
def test_mean_tweedie_deviance_is_twice_the_excess_loss(power):
    """With l(m) = e^((2-ρ)m)/(2-ρ) - y·e^((1-ρ)m)/(1-ρ) the saturated loss is
    l(log y) = -y^(2-ρ)/((1-ρ)(2-ρ)), and 2(l - l(log y)) is the Tweedie deviance."""
    metrics = pytest.importorskip("sklearn.metrics")
    m, y = compound(4)
    w = np.random.default_rng(4).uniform(0.2, 3.0, N)
    saturated = -y ** (2 - power) / ((1 - power) * (2 - power))
    for weight in (None, w):
        ww = np.ones(N) if weight is None else weight
        excess = lk.tweedie_loss(m, y, power=power, sample_weight=weight) - np.sum(ww * saturated) / ww.sum()
        assert 2 * excess == pytest.approx(
            metrics.mean_tweedie_deviance(y, np.exp(m), power=power, sample_weight=weight), rel=1e-10)


@pytest.mark.parametrize("name,kwargs,data", [
    ("HalfPoissonLoss", {}, counts),
    ("HalfGammaLoss", {}, positives),
    ("HalfTweedieLoss", {"power": 1.5}, compound),
    ("HalfTweedieLoss", {"power": 1.3}, compound),
])
def test_matches_sklearn_half_losses(name, kwargs, data):
    """scikit-learn's log-link GLM losses: `loss` (the deviance's half without its constant),
    `gradient_hessian`; ours are the same functions of the raw prediction."""
    sk_loss = pytest.importorskip("sklearn._loss.loss")
    reference = getattr(sk_loss, name)(**kwargs)
    m, y = data(5)
    ours = {"HalfPoissonLoss": lk.poisson_nll_loss, "HalfGammaLoss": lk.gamma_loss,
            "HalfTweedieLoss": lk.tweedie_loss}[name]
    l, g, h = ours(m, y, **kwargs, reduction="none", grad=True, hess=True)
    g_ref, h_ref = reference.gradient_hessian(y, m)
    np.testing.assert_allclose(l, reference.loss(y, m), rtol=1e-13)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h, h_ref, rtol=1e-13)


# --- XGBoost and LightGBM built-in formulas (catalogue section 3.2) -------------------------

def test_poisson_matches_the_boosters_up_to_their_hessian_offset():
    m, y = counts(6)
    _, g, h = lk.poisson_nll_loss(m, y, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(g, np.exp(m) - y, rtol=1e-14)
    np.testing.assert_allclose(h * np.exp(0.7), np.exp(m + 0.7), rtol=1e-14)  # max_delta_step


def test_gamma_matches_the_boosters():
    m, y = positives(7)
    _, g, h = lk.gamma_loss(m, y, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(g, 1 - y * np.exp(-m), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h, y * np.exp(-m), rtol=1e-14)


@pytest.mark.parametrize("rho", [1.5, 1.2, 1.1])
def test_tweedie_matches_the_boosters(rho):
    m, y = compound(8)
    _, g, h = lk.tweedie_loss(m, y, power=rho, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(g, -y * np.exp((1 - rho) * m) + np.exp((2 - rho) * m), rtol=1e-13,
                               atol=1e-15)
    np.testing.assert_allclose(h, -y * (1 - rho) * np.exp((1 - rho) * m)
                               + (2 - rho) * np.exp((2 - rho) * m), rtol=1e-14)


# --- the boosters themselves -----------------------------------------------------------------

def regression_problem(seed, target, n=400):
    """Features, a start margin (log-mean) and targets drawn by `target(rng, mean)`."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 4))
    log_mean = 0.5 + 0.8 * features[:, 0] - 0.5 * features[:, 1]
    return features, np.full(n, 0.2), target(rng, np.exp(log_mean)), rng.uniform(0.5, 2.0, n)


def xgboost_margins(xgb, features, start, y, weight, params, obj=None):
    d = xgb.DMatrix(features, label=y, base_margin=start, weight=weight)
    booster = xgb.train({"max_depth": 3, "eta": 0.5, **params}, d, num_boost_round=2, obj=obj)
    return booster.predict(d, output_margin=True)


def test_gamma_drives_xgboost_like_its_builtin_with_weights():
    """Custom objectives get no weights from XGBoost; reduction='none' with sample_weight
    returns exactly the weighted per-row gradient and Hessian the built-in uses."""
    xgb = pytest.importorskip("xgboost")
    features, start, y, weight = regression_problem(9, lambda rng, mu: rng.gamma(2.0, mu / 2.0))

    def objective(margin, dtrain):
        _, g, h = lk.gamma_loss(margin, dtrain.get_label(), sample_weight=dtrain.get_weight(),
                                reduction="none", grad=True, hess=True)
        return g, h

    builtin = xgboost_margins(xgb, features, start, y, weight, {"objective": "reg:gamma"})
    custom = xgboost_margins(xgb, features, start, y, weight, {"disable_default_eval_metric": 1},
                             objective)
    assert not np.allclose(builtin, start)
    np.testing.assert_allclose(custom, builtin, rtol=1e-5, atol=1e-5)


def test_poisson_drives_xgboost_with_its_max_delta_step():
    """count:poisson = our gradient, our Hessian times e^0.7, and the same 0.7 leaf clip."""
    xgb = pytest.importorskip("xgboost")
    features, start, y, weight = regression_problem(10, lambda rng, mu: rng.poisson(mu).astype(float))

    def objective(margin, dtrain):
        _, g, h = lk.poisson_nll_loss(margin, dtrain.get_label(), sample_weight=dtrain.get_weight(),
                                      reduction="none", grad=True, hess=True)
        return g, h * np.exp(0.7)

    builtin = xgboost_margins(xgb, features, start, y, weight, {"objective": "count:poisson"})
    custom = xgboost_margins(xgb, features, start, y, weight,
                             {"disable_default_eval_metric": 1, "max_delta_step": 0.7}, objective)
    assert not np.allclose(builtin, start)
    np.testing.assert_allclose(custom, builtin, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rho", [1.5, 1.25])
def test_tweedie_drives_lightgbm_like_its_builtin(rho):
    lgb = pytest.importorskip("lightgbm")

    def tweedie_like(rng, mu):
        return np.where(rng.uniform(size=mu.size) < 0.3, 0.0, rng.gamma(2.0, mu / 2.0))

    features, start, y, weight = regression_problem(11, tweedie_like)
    params = {"num_leaves": 7, "learning_rate": 0.5, "min_data_in_leaf": 5, "verbose": -1,
              "boost_from_average": False, "tweedie_variance_power": rho, "deterministic": True,
              "force_row_wise": True}

    def objective(score, dataset):
        _, g, h = lk.tweedie_loss(score, dataset.get_label(), power=rho,
                                  sample_weight=dataset.get_weight(), reduction="none",
                                  grad=True, hess=True)
        return g, h

    def train(objective_param):
        d = lgb.Dataset(features, label=y, weight=weight, init_score=start, free_raw_data=False)
        booster = lgb.train({**params, "objective": objective_param}, d, num_boost_round=2)
        return start + booster.predict(features, raw_score=True)

    builtin = train("tweedie")
    custom = train(objective)
    assert not np.allclose(builtin, start)
    np.testing.assert_allclose(custom, builtin, rtol=1e-5, atol=1e-5)
