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

__all__ = ["gaussian_nll_loss"]


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
