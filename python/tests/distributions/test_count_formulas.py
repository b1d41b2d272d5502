"""The count losses (Poisson, gamma, Tweedie, on the log link) against float64 formulas written
here, independently of the Swift kernels (the shared tests of `formula_cases.py` on each case
below), parameter ranges (stated here), target domains, NaN, and extreme inputs. Library
references (PyTorch, scikit-learn, XGBoost, LightGBM) are in test_count_losses.py.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import losskit as lk
from formula_cases import (N, Case, assert_extreme_values,  # noqa: F401 (the test_ functions run here)
                           test_empty_input_and_zero_weights_give_zero_mean, test_finite_differences,
                           test_matches_reference, test_nan_propagates_and_passes_domains,
                           test_per_sample_weights_on_a_matrix)


# --- float64 reference formulas: (loss, d/dx, d²/dx²) per element --------------------------

def ref_poisson_nll(x, y, log_input, full, eps):
    if log_input:
        mu = np.exp(x)
        loss, g, h = mu - y * x, mu - y, mu
    else:
        loss, g, h = x - y * np.log(x + eps), 1 - y / (x + eps), y / (x + eps) ** 2
    if full:
        ys = np.where(y > 1, y, 2.0)  # any value > 1 keeps the logs finite; masked below
        loss = loss + np.where(y > 1, ys * np.log(ys) - ys + 0.5 * np.log(2 * np.pi * ys), 0.0)
    return loss, g, h


def ref_gamma(x, y):
    mu = np.exp(x)
    return x + y / mu, 1 - y / mu, y / mu


def ref_tweedie(x, y, power):
    mu = np.exp(x)
    a, b = y * mu ** (1 - power), mu ** (2 - power)
    return b / (2 - power) - a / (1 - power), b - a, (2 - power) * b - (1 - power) * a


def poisson_data(rng):
    return rng.normal(0.5, 1.0, N), rng.poisson(3.0, N).astype(float)  # counts include 0 and 1


def rate_data(rng):
    return rng.uniform(0.05, 6.0, N), rng.poisson(3.0, N).astype(float)


def gamma_data(rng):
    return rng.normal(0.5, 1.0, N), rng.gamma(2.0, 1.5, N)


def tweedie_data(rng):
    y = np.where(rng.uniform(size=N) < 0.3, 0.0, rng.gamma(2.0, 1.5, N))
    return rng.normal(0.5, 1.0, N), y


FORMULA_CASES = [
    Case(lk.poisson_nll_loss, {"log_input": True, "full": False, "eps": 1e-8}, ref_poisson_nll, poisson_data),
    Case(lk.poisson_nll_loss, {"log_input": True, "full": True, "eps": 1e-8}, ref_poisson_nll, poisson_data),
    Case(lk.poisson_nll_loss, {"log_input": False, "full": False, "eps": 1e-8}, ref_poisson_nll, rate_data),
    Case(lk.poisson_nll_loss, {"log_input": False, "full": True, "eps": 0.25}, ref_poisson_nll, rate_data),
    Case(lk.gamma_loss, {}, ref_gamma, gamma_data),
    Case(lk.tweedie_loss, {"power": 1.5}, ref_tweedie, tweedie_data),
    Case(lk.tweedie_loss, {"power": 1.1}, ref_tweedie, tweedie_data),
    Case(lk.tweedie_loss, {"power": 1.9}, ref_tweedie, tweedie_data),
]


def test_every_count_loss_has_a_case():
    """Every count loss; the Gaussian NLL is tested against PyTorch in test_gaussian_nll.py."""
    assert {c.fn.__name__ for c in FORMULA_CASES} == set(lk.distributions.__all__) - {"gaussian_nll_loss"}


ONES = np.ones(5)


@pytest.mark.parametrize("fn,param,values", [
    (lk.poisson_nll_loss, "eps", [-1e-8]),
    (lk.tweedie_loss, "power", [1.0, 2.0, 0.0, 0.5, 2.5, 3.0]),
], ids=["poisson-eps", "tweedie-power"])
def test_out_of_range_and_non_finite_parameters_raise(fn, param, values):
    for value in values + [math.nan, math.inf, -math.inf]:
        with pytest.raises(ValueError, match=param):
            fn(ONES, ONES, **{param: value})


@pytest.mark.parametrize("fn,kwargs", [(lk.poisson_nll_loss, {"eps": 0.0}), (lk.tweedie_loss, {"power": 1.001})])
def test_boundary_parameters_are_accepted(fn, kwargs):
    assert math.isfinite(fn(ONES, ONES, **kwargs))


@pytest.mark.parametrize("fn,input,target", [
    (lk.poisson_nll_loss, [0.0, 1.0], [2.0, -1.0]),
    (lk.tweedie_loss, [0.0, 1.0], [0.0, -0.5]),
    (lk.gamma_loss, [0.0, 1.0], [1.0, 0.0]),
    (lk.gamma_loss, [0.0, 1.0], [1.0, -2.0]),
])
def test_targets_outside_the_domain_raise(fn, input, target):
    for dtype in (np.float32, np.float64):
        with pytest.raises(ValueError, match=r"target\[1\]"):
            fn(np.array(input, dtype), np.array(target, dtype))


BIG = 1e4
EXTREMES = [
    # fn, kwargs, x, y, loss, grad, hess (float64 values computed by hand / math)
    (lk.poisson_nll_loss, {}, -BIG, 3.0, 3 * BIG, -3.0, 0.0),
    (lk.poisson_nll_loss, {"log_input": False}, BIG, 3.0, BIG - 3 * math.log(BIG + 1e-8),
     1 - 3 / (BIG + 1e-8), 3 / (BIG + 1e-8) ** 2),
    (lk.gamma_loss, {}, BIG, 2.0, BIG, 1.0, 0.0),
    (lk.tweedie_loss, {}, -BIG, 0.0, 0.0, 0.0, 0.0),
    (lk.tweedie_loss, {"power": 1.2}, -BIG, 0.0, 0.0, 0.0, 0.0),
]


@pytest.mark.parametrize("fn,kwargs,x,y,loss,grad,hess", EXTREMES,
                         ids=[f"{e[0].__name__}-{e[2]:g}" for e in EXTREMES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_inputs_stay_finite(fn, kwargs, x, y, loss, grad, hess, dtype):
    assert_extreme_values(fn, kwargs, x, y, (loss, grad, hess), dtype)


@pytest.mark.parametrize("fn,kwargs,x,y", [
    (lk.poisson_nll_loss, {}, BIG, 1.0),      # e^10000
    (lk.gamma_loss, {}, -BIG, 1.0),           # y·e^10000
    (lk.tweedie_loss, {}, BIG, 1.0),          # e^5000
    (lk.tweedie_loss, {}, -BIG, 1.0),         # y·e^5000
])
def test_overflowing_exponentials_give_infinity_not_nan(fn, kwargs, x, y):
    l, g, h = fn(np.array([x]), np.array([y]), **kwargs, reduction="none", grad=True, hess=True)
    assert np.isinf(l[0]) and not np.isnan([g[0], h[0]]).any()
