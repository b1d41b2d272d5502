"""Helpers shared by the LossKit test suite: dtypes and their tolerances, float64 reference
derivatives from PyTorch autograd, and central finite differences.

Every reference is computed in float64 on the very values the kernel saw (float32 inputs are
widened, not regenerated), so a float32 tolerance measures the kernel's rounding only.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
import torch

DTYPES = [np.float32, np.float64]
REDUCTIONS = ["mean", "sum", "none"]

# Relative tolerance per computation dtype, about 17 ulps of float32 and 450 of float64. The
# kernel measured within 3e-7 and 1e-15 on every test here; the margin is for other CPUs and
# compilers (FMA contraction, tuned builds), and is still far below any formula error.
RTOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-13}

# Central differences in float64 with step h have truncation error ~h²·f''' and rounding
# error ~eps·|f|/h; h = 1e-6 keeps both near 1e-10, so 1e-6 relative is a safe bound.
FD_STEP = 1e-6
FD_RTOL = 1e-6


@pytest.fixture(params=DTYPES, ids=lambda d: np.dtype(d).name)
def dtype(request) -> np.dtype:
    return np.dtype(request.param)


@pytest.fixture(params=REDUCTIONS)
def reduction(request) -> str:
    return request.param


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


def sample(domain: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Random values inside a catalogue domain, away from its edges."""
    if domain == "real":
        return rng.normal(size=shape)
    if domain in ("positive", "non_negative"):
        return rng.uniform(0.5, 2.0, shape)
    if domain == "unit_interval":
        return rng.uniform(0.1, 0.9, shape)
    if domain == "zero_one":
        return rng.integers(0, 2, shape).astype(float)
    if domain == "signs":
        return rng.choice([-1.0, 1.0], shape)
    if domain == "above_minus_one":
        return rng.uniform(-0.5, 2.0, shape)
    raise AssertionError(f"add domain {domain!r} to sample()")


def assert_close(actual: Any, expected: Any, dtype: Any = None, rtol: float | None = None) -> None:
    """`actual` equals `expected` to the dtype's relative tolerance (or `rtol`), elementwise and relative
    to the largest expected magnitude (so entries that should be ~0 are held to the array's
    scale, not to an absolute epsilon). NaNs must sit in the same places."""
    rtol = RTOL[np.dtype(dtype)] if rtol is None else rtol
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    finite = expected[np.isfinite(expected)]
    scale = float(np.max(np.abs(finite))) if finite.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * max(scale, 1e-300))


def widened(array: np.ndarray, dtype: Any) -> np.ndarray:
    """`array` rounded to `dtype` and widened back to float64: the values the kernel sees."""
    return np.asarray(array).astype(dtype).astype(np.float64)


def torch_derivatives(loss_fn: Callable[[torch.Tensor], torch.Tensor], x: np.ndarray):
    """Reference (value, gradient, Hessian diagonal) of `loss_fn` at `x`, in float64 by autograd.

    `loss_fn` maps a tensor shaped like x to a reduced loss or to per-element (per-row) losses;
    the derivatives are those of the sum of its output, which for per-element losses is the
    per-element derivative that reduction='none' returns. The Hessian is the full
    `torch.autograd.functional.hessian`, of which only the diagonal is kept (keep x small)."""
    t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    value = loss_fn(t)
    (grad,) = torch.autograd.grad(value.sum(), t)
    full = torch.autograd.functional.hessian(lambda u: loss_fn(u).sum(), t.detach())
    n = t.numel()
    hess = full.reshape(n, n).diagonal().reshape(t.shape)
    return value.detach().numpy(), grad.numpy(), hess.numpy()


def central_differences(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = FD_STEP) -> np.ndarray:
    """∂f/∂x_i by central differences, one coordinate at a time, in float64.

    If f returns a scalar (or an array summed to one) this is its gradient; if f returns an
    array shaped like x (a gradient), this is the diagonal of its Jacobian (the Hessian
    diagonal)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        f_up, f_down = np.asarray(f(up)), np.asarray(f(down))
        if f_up.shape == x.shape and x.ndim > 0:
            f_up, f_down = f_up[i], f_down[i]
        out[i] = (np.sum(f_up) - np.sum(f_down)) / (2 * h)
    return out


def assert_matches_finite_differences(fn: Callable[..., Any], x: np.ndarray) -> None:
    """The gradient and Hessian diagonal that `fn(x, grad=True, hess=True)` returns equal
    central differences of its loss (summed for reduction='none') and of its gradient."""
    x = np.asarray(x, dtype=np.float64)
    _, grad, hess = fn(x, grad=True, hess=True)
    numeric_grad = central_differences(lambda v: np.sum(fn(v)), x)
    numeric_hess = central_differences(lambda v: fn(v, grad=True)[1], x)
    assert_close(grad, numeric_grad, np.float64, rtol=FD_RTOL)
    assert_close(hess, numeric_hess, np.float64, rtol=FD_RTOL)


def weighted_reduction(per_element: torch.Tensor, weight: torch.Tensor, reduction: str,
                       denominator: torch.Tensor | None = None) -> torch.Tensor:
    """LossKit's documented rule, written in torch: 'none' -> w·l, 'sum' -> Σ w·l, 'mean' ->
    Σ w·l / Σ w (or / `denominator`), and 0 when the denominator is 0."""
    weighted = per_element * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    total = weight.sum() if denominator is None else denominator
    return weighted.sum() / total if float(total) > 0 else weighted.sum() * 0


def signs(rng: np.random.Generator, n: int) -> np.ndarray:
    """n labels drawn from {-1, +1}."""
    return np.where(rng.random(n) < 0.5, -1.0, 1.0)


def torch_grads(fn: Callable[..., Any], arrays: list[np.ndarray], *args: Any, **kwargs: Any):
    """PyTorch's `fn(*arrays, *args, **kwargs)` and the gradient of its sum with respect to each
    array, by float64 autograd when the arrays are float64."""
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts, *args, **kwargs)
    out.sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Runs the shared tests of `formula_cases.py` on the `FORMULA_CASES` of the module that
    imports them (one parameter `case`, with readable ids)."""
    cases = getattr(metafunc.module, "FORMULA_CASES", None)
    if cases is not None and "case" in metafunc.fixturenames:
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])
