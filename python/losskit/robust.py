"""Losses with learnable parameters: Barron's adaptive robust loss and the Gaussian negative
log-likelihood with a predicted variance.

Besides the conventions of `losskit.elementwise`, they take `grad_params=True`, which appends
to the results a dict of derivatives of the returned loss with respect to the parameters
(for reduction='none', of the sum of the returned losses), from the same fused pass.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._arrays import as_array, as_input, check_flag
from ._elementwise import evaluate

__all__ = ["adaptive_robust_loss", "gaussian_nll_loss"]


def adaptive_robust_loss(input: Any, target: Any, *, alpha: float = 1.0, scale: float = 1.0,
                         reduction: str = "mean", sample_weight: Any = None, grad: bool = False,
                         hess: bool = False, grad_params: bool = False) -> Any:
    """Barron's general and adaptive robust loss ρ(x - y, α, c) (CVPR 2019).

    With r = x - y, α = `alpha` and c = `scale` > 0:
    ρ = |α - 2|/α·[((r/c)²/|α - 2| + 1)^(α/2) - 1], continued to its limits at α = 2 (L2,
    ½(r/c)²), α = 0 (Cauchy, log(½(r/c)² + 1)) and α = -inf (Welsch, 1 - exp(-½(r/c)²)).
    α = 1 is pseudo-Huber √((r/c)² + 1) - 1 and α = -2 Geman-McClure 2(r/c)²/((r/c)² + 4).
    `alpha` is any number in [-inf, inf) (pass `float('-inf')` for Welsch); `scale` > 0.

    ∂ρ/∂x = (r/c²)·((r/c)²/|α - 2| + 1)^(α/2 - 1); `hess` gives ∂²ρ/∂x². `grad_params=True`
    appends `{"alpha": ∂/∂α, "scale": ∂/∂c}` of the returned loss (for reduction='none', of the
    sum of the returned losses), so that α and c can be learned. They are computed without
    cancellation, so α within 1e-7 of 0 or 2 gives the limits' values. ∂/∂α diverges as α → 2
    (like (z/4)·log(z/|α - 2|) with z = (r/c)²): it is +inf at α = 2 for any r ≠ 0.

    Minimising ρ alone over c makes c grow without bound; learn c (and α) through Barron's
    negative log-likelihood, which adds a partition function this loss does not include.
    """
    return evaluate("adaptive_robust_loss", input, target, [("alpha", alpha), ("scale", scale)],
                    reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess,
                    grad_params=grad_params)


def gaussian_nll_loss(input: Any, target: Any, var: Any, *, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean", sample_weight: Any = None, grad: bool = False,
                      hess: bool = False, grad_params: bool = False) -> Any:
    """Gaussian negative log-likelihood with a predicted variance, as
    `torch.nn.functional.gaussian_nll_loss`.

    With mean x = `input`, observation y = `target` and v' = max(`var`, `eps`):
    l = ½·(log v' + (x - y)²/v') (+ ½·log 2π if `full`);
    ∂l/∂x = (x - y)/v';  ∂²l/∂x² = 1/v';  ∂l/∂var = ½·(1/v' - (x - y)²/v'²).

    The variance gradient is PyTorch's: evaluated at the clamped value and passed straight
    through the clamp, so a collapsed variance (var < eps) is still pushed back up.

    `var` must be >= 0 and finite (negative values raise ValueError, as in PyTorch) and have
    one of PyTorch's shapes: the input's shape; the input's shape without its last axis (one
    variance per row, shared along the last axis); the input's shape with one axis of size 1
    (shared along that axis); or a scalar. `grad_params=True` appends `{"var": ∂/∂var}` with
    var's shape (a float for a scalar var), summed over the elements that share a variance.
    `eps` must be > 0. 'mean' is Σ w·l / Σ w (PyTorch's mean over elements when unweighted).
    """
    x = as_input(input)
    column, to_var_shape = _variance_operand(var, x.shape)
    result = evaluate("gaussian_nll_loss", x, target, [("full", float(check_flag(full, "full"))), ("eps", eps)],
                      reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess,
                      column=column, column_name="var", grad_params=grad_params)
    if not grad_params:
        return result
    return result[:-1] + ({"var": to_var_shape(result[-1]["var"])},)


def _variance_operand(var: Any, shape: tuple[int, ...]) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """`var` as a column operand (a scalar or one value per element) and the function that sums
    per-element derivatives back to var's own shape, for PyTorch's allowed shapes."""
    v = as_array(var, "var")
    if v.ndim == 0:
        return v, lambda d: float(np.sum(d, dtype=np.float64))
    if v.shape == shape:
        return v, lambda d: d
    if v.shape == shape[:-1]:
        return np.broadcast_to(v[..., None], shape), lambda d: d.sum(axis=-1)
    differing = [k for k in range(len(shape)) if v.ndim == len(shape) and v.shape[k] != shape[k]]
    if v.ndim == len(shape) and len(differing) == 1 and v.shape[differing[0]] == 1:
        return np.broadcast_to(v, shape), lambda d: d.sum(axis=differing[0], keepdims=True)
    raise ValueError(f"var: expected a scalar, the input's shape {shape}, {shape[:-1]}, or {shape} "
                     f"with one axis of size 1; got {v.shape}")
