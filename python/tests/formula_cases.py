"""Elementwise losses against float64 formulas written in the tests, shared by the regression and
distributions suites: a `Case` is a loss with fixed parameters, its reference formula (loss,
d/dx, d²/dx² per element) and a data generator. A test module that sets `FORMULA_CASES` and
imports the tests below gets them run on each of its cases (`conftest.pytest_generate_tests`
parametrizes `case`): values, gradients and Hessians for every reduction, with and without
sample weights, in float32 and float64; finite differences of every gradient and Hessian;
per-sample weights on a matrix; empty inputs and zero weights.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

from conftest import assert_close, assert_matches_finite_differences

N = 37  # two full float32 vectors, four float64 ones, and a tail


@dataclass
class Case:
    fn: Callable[..., Any]
    kwargs: dict[str, Any]
    ref: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]
    data: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
    id: str = field(default="")

    def __post_init__(self):
        args = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
        self.id = f"{self.fn.__name__}({args})"


@pytest.mark.parametrize("weighted", [False, True])
def test_matches_reference(case, dtype, reduction, weighted, rng):
    x, y = (a.astype(dtype) for a in case.data(rng))
    w = rng.uniform(0.0, 2.0, N).astype(dtype) if weighted else None
    if weighted:
        w[3] = 0.0
    loss, g, h = case.fn(x, y, **case.kwargs, reduction=reduction, sample_weight=w,
                         grad=True, hess=True)
    l_ref, g_ref, h_ref = case.ref(x.astype(np.float64), y.astype(np.float64), **case.kwargs)
    ww = np.ones(N) if w is None else w.astype(np.float64)
    scale = 1.0 / ww.sum() if reduction == "mean" else 1.0
    assert g.dtype == h.dtype == dtype and g.shape == h.shape == x.shape
    if reduction == "none":
        assert loss.dtype == dtype and loss.shape == x.shape
        assert_close(loss, ww * l_ref, dtype)
    else:
        assert isinstance(loss, float)
        assert_close(loss, np.sum(ww * l_ref) * scale, dtype)
    assert_close(g, ww * g_ref * scale, dtype)
    assert_close(h, ww * h_ref * scale, dtype)


def test_finite_differences(case):
    """Central differences of the float64 loss give the gradient, of the gradient the Hessian."""
    x, y = case.data(np.random.default_rng(11))
    assert_matches_finite_differences(
        lambda v, **options: case.fn(v, y, **case.kwargs, reduction="none", **options), x)


def test_per_sample_weights_on_a_matrix(case):
    """A weight per row of a (rows, columns) input weights every element of that row."""
    x, y = case.data(np.random.default_rng(3))
    x, y = x[:36].reshape(4, 9), y[:36].reshape(4, 9)
    w = np.array([0.5, 2.0, 0.0, 1.0])
    loss, g = case.fn(x, y, **case.kwargs, sample_weight=w, grad=True)
    l_ref, g_ref, _ = case.ref(x, y, **case.kwargs)
    ww = np.repeat(w, 9).reshape(4, 9)
    assert_close(loss, np.sum(ww * l_ref) / ww.sum(), np.float64)
    assert_close(g, ww * g_ref / ww.sum(), np.float64)


def test_empty_input_and_zero_weights_give_zero_mean(case):
    empty = np.zeros(0)
    assert case.fn(empty, empty, **case.kwargs) == 0.0
    x, y = case.data(np.random.default_rng(5))
    loss, g, h = case.fn(x, y, **case.kwargs, sample_weight=np.zeros(N), grad=True, hess=True)
    assert loss == 0.0 and not g.any() and not h.any()


def test_nan_propagates_and_passes_domains(case):
    """NaN in the input or the target gives NaN in that element's loss and gradient, is not
    refused by the domain checks, and leaves the other elements alone."""
    x, y = (np.asarray(a, dtype=np.float64)[:3].copy() for a in case.data(np.random.default_rng(7)))
    x[1], y[0] = np.nan, np.nan
    loss, g = case.fn(x, y, **case.kwargs, reduction="none", grad=True)
    assert np.isnan(loss[:2]).all() and np.isnan(g[:2]).all() and np.isfinite(loss[2])


def assert_extreme_values(fn: Callable[..., Any], kwargs: dict[str, Any], x: float, y: float,
                          expected: tuple[float, float, float], dtype: Any) -> None:
    """fn at one extreme element gives finite (loss, gradient, Hessian) equal to `expected`,
    computed by hand in float64: to 1e-12 in float64, 1e-6 in float32."""
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    l, g, h = fn(np.array([x], dtype), np.array([y], dtype), **kwargs, reduction="none", grad=True, hess=True)
    assert np.isfinite([l[0], g[0], h[0]]).all()
    for actual, value in zip((l[0], g[0], h[0]), expected):
        assert float(actual) == pytest.approx(value, rel=rtol, abs=1e-30)
