"""The regression losses against float64 formulas written here, independently of the Swift
kernels (the shared tests of `formula_cases.py` on each case below), parameter ranges (stated
here, not read from the catalogue) and domains; kinks and extreme inputs. (core/test_catalogue.py
checks every loss's signature, defaults and flags against the catalogue.)

Library references (PyTorch, optax, scikit-learn, XGBoost, LightGBM) are in
test_regression_references.py; the count losses are in distributions/.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pytest

import losskit as lk
from formula_cases import (N, Case, assert_extreme_values,  # noqa: F401 (the test_ functions run here)
                           test_empty_input_and_zero_weights_give_zero_mean, test_finite_differences,
                           test_matches_reference, test_nan_propagates_and_passes_domains,
                           test_per_sample_weights_on_a_matrix)
from losskit import regression
F64_EPS = np.finfo(np.float64).eps


# --- float64 reference formulas: (loss, d/dx, d²/dx²) per element --------------------------

def ref_smooth_l1(x, y, beta):
    r = x - y
    if beta == 0:  # PyTorch: beta = 0 is L1
        return np.abs(r), np.sign(r), np.zeros_like(r)
    quad = np.abs(r) < beta
    return (np.where(quad, r * r / (2 * beta), np.abs(r) - beta / 2),
            np.where(quad, r / beta, np.sign(r)),
            np.where(quad, 1 / beta, 0.0))


def ref_log_cosh(x, y):
    r = x - y
    return np.logaddexp(r, -r) - math.log(2), np.tanh(r), 1 / np.cosh(r) ** 2


def ref_pseudo_huber(x, y, delta):
    r = x - y
    s = 1 + (r / delta) ** 2
    return delta ** 2 * (np.sqrt(s) - 1), r / np.sqrt(s), s ** -1.5


def ref_fair(x, y, c):
    a = np.abs(x - y)
    return c * c * (a / c - np.log(1 + a / c)), c * (x - y) / (a + c), c * c / (a + c) ** 2


def ref_quantile(x, y, quantile):
    u = y - x  # sklearn's pinball form: alpha·max(u, 0) + (1 - alpha)·max(-u, 0)
    loss = quantile * np.maximum(u, 0) + (1 - quantile) * np.maximum(-u, 0)
    return loss, np.where(u < 0, 1 - quantile, np.where(u > 0, -quantile, 0.0)), np.zeros_like(u)


def ref_expectile(x, y, expectile):
    u = y - x  # Newey-Powell: |tau - 1[u < 0]|·u²
    w = np.abs(expectile - (u < 0))
    return w * u * u, -2 * w * u, 2 * w


def ref_epsilon_insensitive(x, y, epsilon, squared):
    r = x - y
    e = np.maximum(np.abs(r) - epsilon, 0)
    out = np.abs(r) > epsilon
    if squared:
        return e * e, 2 * np.sign(r) * e, np.where(out, 2.0, 0.0)
    return e, np.where(out, np.sign(r), 0.0), np.zeros_like(r)


def ref_mape(x, y):
    d = np.maximum(np.abs(y), F64_EPS)
    return np.abs(x - y) / d, np.sign(x - y) / d, np.zeros_like(x)


def ref_squared_log_error(x, y):
    d = np.log((1 + x) / (1 + y))
    return d * d, 2 * d / (1 + x), 2 * (1 - d) / (1 + x) ** 2


# --- data: residuals kept away from kinks so finite differences are meaningful --------------

def residual_data(*kinks: float) -> Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    def make(rng):
        y = rng.normal(0.5, 2.0, N)
        r = rng.uniform(0.05, 4.0, N) * rng.choice([-1.0, 1.0], N)
        for k in kinks:  # push |r| out of [k - 0.05, k + 0.05]
            near = np.abs(np.abs(r) - k) < 0.05
            r = np.where(near, np.sign(r) * (k + 0.1), r)
        return y + r, y
    return make


def log1p_data(rng):
    return rng.uniform(-0.6, 9.0, N), rng.uniform(-0.6, 9.0, N)


FORMULA_CASES = [
    Case(lk.smooth_l1_loss, {"beta": 1.0}, ref_smooth_l1, residual_data(0.0, 1.0)),
    Case(lk.smooth_l1_loss, {"beta": 0.3}, ref_smooth_l1, residual_data(0.0, 0.3)),
    Case(lk.smooth_l1_loss, {"beta": 0.0}, ref_smooth_l1, residual_data(0.0)),
    Case(lk.log_cosh_loss, {}, ref_log_cosh, residual_data()),
    Case(lk.pseudo_huber_loss, {"delta": 1.0}, ref_pseudo_huber, residual_data()),
    Case(lk.pseudo_huber_loss, {"delta": 2.5}, ref_pseudo_huber, residual_data()),
    Case(lk.fair_loss, {"c": 1.0}, ref_fair, residual_data(0.0)),
    Case(lk.fair_loss, {"c": 0.4}, ref_fair, residual_data(0.0)),
    Case(lk.quantile_loss, {"quantile": 0.1}, ref_quantile, residual_data(0.0)),
    Case(lk.quantile_loss, {"quantile": 0.5}, ref_quantile, residual_data(0.0)),
    Case(lk.quantile_loss, {"quantile": 0.9}, ref_quantile, residual_data(0.0)),
    Case(lk.expectile_loss, {"expectile": 0.2}, ref_expectile, residual_data(0.0)),
    Case(lk.expectile_loss, {"expectile": 0.85}, ref_expectile, residual_data(0.0)),
    Case(lk.epsilon_insensitive_loss, {"epsilon": 0.1, "squared": False}, ref_epsilon_insensitive,
         residual_data(0.0, 0.1)),
    Case(lk.epsilon_insensitive_loss, {"epsilon": 0.7, "squared": True}, ref_epsilon_insensitive,
         residual_data(0.0, 0.7)),
    Case(lk.mape_loss, {}, ref_mape, residual_data(0.0)),
    Case(lk.squared_log_error_loss, {}, ref_squared_log_error, log1p_data),
]


def test_every_regression_loss_has_a_case():
    """Every regression loss, except those tested against PyTorch's own kernels
    (test_regression_losses.py) and the adaptive robust loss (test_adaptive_robust.py)."""
    elsewhere = {"mse_loss", "l1_loss", "huber_loss", "adaptive_robust_loss"}
    assert {c.fn.__name__ for c in FORMULA_CASES} == set(regression.__all__) - elsewhere


# --- parameter ranges and domains --------------------------------------------------------

# Valid input and target for every loss (> -1 for log1p).
ONES = np.ones(5)


BAD_PARAMETERS = [
    (lk.smooth_l1_loss, "beta", [-0.1, -1.0]),
    (lk.pseudo_huber_loss, "delta", [0.0, -1.0]),
    (lk.fair_loss, "c", [0.0, -2.0]),
    (lk.quantile_loss, "quantile", [0.0, 1.0, -0.1, 1.5]),
    (lk.expectile_loss, "expectile", [0.0, 1.0, -0.5, 2.0]),
    (lk.epsilon_insensitive_loss, "epsilon", [-0.01]),
]


@pytest.mark.parametrize("fn,param,values", BAD_PARAMETERS,
                         ids=[f"{f.__name__}-{p}" for f, p, _ in BAD_PARAMETERS])
def test_out_of_range_and_non_finite_parameters_raise(fn, param, values):
    x = y = ONES
    for value in values + [math.nan, math.inf, -math.inf]:
        with pytest.raises(ValueError, match=param):
            fn(x, y, **{param: value})


@pytest.mark.parametrize("fn,kwargs", [
    (lk.smooth_l1_loss, {"beta": 0.0}),
    (lk.epsilon_insensitive_loss, {"epsilon": 0.0}),
    (lk.quantile_loss, {"quantile": 1e-9}),
])
def test_boundary_parameters_are_accepted(fn, kwargs):
    x = y = ONES
    assert math.isfinite(fn(x, y, **kwargs))


@pytest.mark.parametrize("fn,input,target,name", [
    (lk.squared_log_error_loss, [0.0, 1.0], [0.0, -1.0], "target"),
    (lk.squared_log_error_loss, [0.0, -1.5], [0.0, 1.0], "input"),
    (lk.squared_log_error_loss, [-1.0, 0.0], [0.0, 1.0], "input"),
])
def test_values_outside_the_domain_raise(fn, input, target, name):
    for dtype in (np.float32, np.float64):
        with pytest.raises(ValueError, match=rf"{name}\[1\]|{name}\[0\]"):
            fn(np.array(input, dtype), np.array(target, dtype))


# --- kinks and extremes ----------------------------------------------------------------------

def test_values_at_the_kinks():
    zero = np.zeros(1)
    # quantile: gradient 0 at r = 0 (as l1_loss), so quantile 0.5 is half of l1 exactly.
    x = np.array([-2.0, 0.0, 3.0])
    y = np.array([0.0, 0.0, 0.0])
    _, g = lk.quantile_loss(x, y, quantile=0.5, reduction="none", grad=True)
    _, g1 = lk.l1_loss(x, y, reduction="none", grad=True)
    np.testing.assert_array_equal(g, 0.5 * g1)
    _, g, h = lk.quantile_loss(zero, zero, quantile=0.8, reduction="none", grad=True, hess=True)
    assert g[0] == 0.0 and h[0] == 0.0
    # expectile: at x = y the Hessian takes XGBoost's side, 2(1 - tau).
    _, g, h = lk.expectile_loss(zero, zero, expectile=0.8, reduction="none", grad=True, hess=True)
    assert g[0] == 0.0 and h[0] == pytest.approx(2 * 0.2)
    # smooth L1 at |r| = beta: value beta/2, slope 1, Hessian of the linear side.
    l, g, h = lk.smooth_l1_loss(np.array([0.5]), zero, beta=0.5, reduction="none", grad=True, hess=True)
    assert (l[0], g[0], h[0]) == (0.25, 1.0, 0.0)
    # epsilon-insensitive: |r| = epsilon is inside the band.
    l, g, h = lk.epsilon_insensitive_loss(np.array([0.5]), zero, epsilon=0.5, squared=True,
                                          reduction="none", grad=True, hess=True)
    assert (l[0], g[0], h[0]) == (0.0, 0.0, 0.0)
    # smooth L1 with beta = 0 is l1_loss exactly, including the gradient 0 at r = 0.
    x = np.array([-1.5, 0.0, 2.0])
    l, g, h = lk.smooth_l1_loss(x, np.zeros(3), beta=0.0, reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(l, np.abs(x))
    np.testing.assert_array_equal(g, np.sign(x))
    np.testing.assert_array_equal(h, 0.0)


BIG = 1e4
LOG2 = math.log(2)
EXTREMES = [
    # fn, kwargs, x, y, loss, grad, hess (float64 values computed by hand / math)
    (lk.smooth_l1_loss, {}, BIG, 0.0, BIG - 0.5, 1.0, 0.0),
    (lk.log_cosh_loss, {}, BIG, 0.0, BIG - LOG2, 1.0, 0.0),
    (lk.log_cosh_loss, {}, -BIG, 0.0, BIG - LOG2, -1.0, 0.0),
    (lk.pseudo_huber_loss, {}, BIG, 0.0, math.sqrt(1 + BIG ** 2) - 1, BIG / math.sqrt(1 + BIG ** 2),
     (1 + BIG ** 2) ** -1.5),
    (lk.pseudo_huber_loss, {"delta": 1e-3}, -BIG, 0.0, 1e-6 * (math.hypot(1, 1e7) - 1),
     -BIG / math.hypot(1, 1e7), math.hypot(1, 1e7) ** -3),
    (lk.fair_loss, {}, -BIG, 0.0, BIG - math.log1p(BIG), -BIG / (BIG + 1), 1 / (BIG + 1) ** 2),
    (lk.quantile_loss, {"quantile": 0.25}, -BIG, 0.0, 0.25 * BIG, -0.25, 0.0),
    (lk.expectile_loss, {"expectile": 0.25}, BIG, 0.0, 0.75 * BIG ** 2, 1.5 * BIG, 1.5),
    (lk.epsilon_insensitive_loss, {}, -BIG, 0.0, BIG - 0.1, -1.0, 0.0),
    (lk.mape_loss, {}, BIG, 0.0, BIG / F64_EPS, 1 / F64_EPS, 0.0),
    (lk.mape_loss, {}, -BIG, 2.0, (BIG + 2) / 2, -0.5, 0.0),
    (lk.squared_log_error_loss, {}, BIG, 0.0, math.log1p(BIG) ** 2, 2 * math.log1p(BIG) / (1 + BIG),
     2 * (1 - math.log1p(BIG)) / (1 + BIG) ** 2),
]


@pytest.mark.parametrize("fn,kwargs,x,y,loss,grad,hess", EXTREMES,
                         ids=[f"{e[0].__name__}-{e[2]:g}" for e in EXTREMES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_inputs_stay_finite(fn, kwargs, x, y, loss, grad, hess, dtype):
    assert_extreme_values(fn, kwargs, x, y, (loss, grad, hess), dtype)


def test_log_cosh_is_accurate_near_zero():
    """log cosh r = r²/2 - r⁴/12 + r⁶/45 - ..., the truncation far below 1e-14 for |r| <= 3e-3.
    The textbook |r| + softplus(-2|r|) - log 2 returns 0 in float32 for |r| <= 1e-4."""
    r = np.array([3e-3, -1e-3, 1e-4, 1e-6, -1e-19])
    for dtype, rtol in ((np.float64, 1e-14), (np.float32, 1e-6)):
        rr = r.astype(dtype)
        r64 = rr.astype(np.float64)
        l = lk.log_cosh_loss(rr, np.zeros_like(rr), reduction="none")
        np.testing.assert_allclose(l, r64 ** 2 / 2 - r64 ** 4 / 12 + r64 ** 6 / 45, rtol=rtol)


def test_pseudo_huber_is_accurate_near_zero():
    """δ²(√(1 + (r/δ)²) - 1) = r²/2 - r⁴/(8δ²) + r⁶/(16δ⁴) - ...; computed directly it would
    cancel to 0 in float32 for |r/δ| below about 3e-4."""
    r = np.array([1e-3, -1e-5, 1e-9])
    for dtype, rtol in ((np.float64, 1e-14), (np.float32, 1e-6)):
        rr = r.astype(dtype)
        r64 = rr.astype(np.float64)
        l = lk.pseudo_huber_loss(rr, np.zeros_like(rr), delta=2.0, reduction="none")
        np.testing.assert_allclose(l, r64 ** 2 / 2 - r64 ** 4 / 32 + r64 ** 6 / 256, rtol=rtol)
