"""Checks shared by the binary, focal, adaptive-robust and Gaussian-NLL tests: central finite
differences of elementwise kernels, and the relation between the three reductions.

Elementwise losses make per-element differences exact: with reduction='none', element i's loss
depends on input i only, so perturbing every element at once by its own step gives all partial
derivatives in two calls.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

# Central differences in float64 with a relative step h: truncation error ~h²·f''', rounding
# ~eps·|f|/h. h = 1e-6 keeps both near 1e-10 relative on smooth functions, so 1e-6 is safe.
FD_STEP = 1e-6
FD_RTOL = 1e-6
RTOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-12}
DTYPES = [np.float32, np.float64]
REDUCTIONS = ["mean", "sum", "none"]


def central_difference(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Elementwise d f_i / d x_i of a function acting element by element, in float64."""
    x = np.asarray(x, dtype=np.float64)
    h = FD_STEP * np.maximum(1.0, np.abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def assert_derivatives(loss: Callable[..., Any], x: np.ndarray, y: np.ndarray, *,
                       atol: float = 0.0, **kwargs: Any) -> None:
    """The kernel's gradient matches central differences of its loss, and its Hessian matches
    central differences of its gradient (float64, reduction='none')."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    _, g, h = loss(x, y, reduction="none", grad=True, hess=True, **kwargs)
    fd_g = central_difference(lambda v: loss(v, y, reduction="none", **kwargs), x)
    fd_h = central_difference(lambda v: loss(v, y, reduction="none", grad=True, **kwargs)[1], x)
    scale_g = max(1.0, float(np.max(np.abs(g))))
    scale_h = max(1.0, float(np.max(np.abs(h))))
    np.testing.assert_allclose(g, fd_g, rtol=FD_RTOL, atol=atol + FD_RTOL * 1e-3 * scale_g)
    np.testing.assert_allclose(h, fd_h, rtol=FD_RTOL, atol=atol + FD_RTOL * 1e-3 * scale_h)


def assert_reductions(loss: Callable[..., Any], x: np.ndarray, y: np.ndarray,
                      sample_weight: np.ndarray, **kwargs: Any) -> None:
    """'sum' and 'mean' (weighted Σw·l/Σw) with their derivatives follow from 'none'."""
    rtol = RTOL[np.dtype(x.dtype)]
    l, g, h = loss(x, y, reduction="none", grad=True, hess=True, **kwargs)
    lw, gw, hw = loss(x, y, reduction="none", sample_weight=sample_weight, grad=True, hess=True,
                      **kwargs)
    w = sample_weight.astype(np.float64)
    np.testing.assert_allclose(lw, w * l, rtol=rtol)
    np.testing.assert_allclose(gw, w * g, rtol=rtol)
    np.testing.assert_allclose(hw, w * h, rtol=rtol)
    s, gs, hs = loss(x, y, reduction="sum", sample_weight=sample_weight, grad=True, hess=True, **kwargs)
    np.testing.assert_allclose(s, np.sum(w * l.astype(np.float64)), rtol=rtol * 10)
    np.testing.assert_allclose(gs, w * g, rtol=rtol)
    np.testing.assert_allclose(hs, w * h, rtol=rtol)
    m, gm, hm = loss(x, y, reduction="mean", sample_weight=sample_weight, grad=True, hess=True, **kwargs)
    np.testing.assert_allclose(m, np.sum(w * l.astype(np.float64)) / w.sum(), rtol=rtol * 10)
    np.testing.assert_allclose(gm, w * g / w.sum(), rtol=rtol * 10)
    np.testing.assert_allclose(hm, w * h / w.sum(), rtol=rtol * 10)
    assert gm.dtype == x.dtype and hm.dtype == x.dtype
