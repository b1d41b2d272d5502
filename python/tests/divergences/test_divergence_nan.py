"""NaN through the divergences' 0·log 0 = 0 guards: `t > 0`/`q > 0` tests are false for NaN, so
written naively they drop a NaN term. A NaN logit or target gives NaN in its row's loss and
derivatives (as scipy's entropy and Jensen–Shannon distance give NaN), other rows unchanged."""
import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats

import losskit as lk


def _check_row_zero_is_nan(fn, x, *target):
    clean = fn(x, *target, reduction="none", grad=True, hess=True)
    dirty_x = x.copy()
    dirty_x[0, 1] = np.nan
    loss, g, h = fn(dirty_x, *target, reduction="none", grad=True, hess=True)
    assert np.isnan(loss[0]) and np.all(np.isnan(g[0])) and np.all(np.isnan(h[0]))
    np.testing.assert_array_equal(loss[1:], clean[0][1:])
    np.testing.assert_array_equal(g[1:], clean[1][1:])
    assert np.isnan(fn(dirty_x, *target, reduction="mean"))


def test_entropy_nan_logit(dtype):
    x = np.array([[0.5, 0.2, 0.1], [0.3, 0.1, 0.0]], dtype)
    assert np.isnan(scipy.stats.entropy([np.nan, 0.5, 0.5]))  # the reference's answer
    _check_row_zero_is_nan(lk.entropy, x)


def test_jensen_shannon_nan_logit(dtype):
    x = np.array([[0.5, 0.2, 0.1], [0.3, 0.1, 0.0]], dtype)
    t = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], dtype)
    assert np.isnan(scipy.spatial.distance.jensenshannon([np.nan, 0.5, 0.5], [0.2, 0.3, 0.5]))
    _check_row_zero_is_nan(lk.jensen_shannon_divergence, x, t)


@pytest.mark.parametrize("column", [0, 1])
def test_jensen_shannon_nan_target(column, dtype):
    """A NaN target probability, where the logit's q is positive or (column 0, z = -inf) zero."""
    x = np.array([[-np.inf, 0.2, 0.1], [0.3, 0.1, 0.0]], dtype)
    t = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], dtype)
    t[0, column] = np.nan
    loss, g = lk.jensen_shannon_divergence(x, t, reduction="none", grad=True)
    assert np.isnan(loss[0]) and np.isfinite(loss[1])
