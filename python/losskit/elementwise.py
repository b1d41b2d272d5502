"""Elementwise losses: one loss per element of `input`, compared with the same element of
`target`. Every function shares these conventions:

* `input` and `target` have the same shape (no broadcasting).
* `reduction='mean'` (default) returns the weighted mean Σ w·l / Σ w as a float, `'sum'` the
  weighted sum, `'none'` the array w·l of the input's shape. The mean over an empty set (no
  elements, or every weight 0) is 0.0 with zero derivatives.
* `sample_weight`: None, one weight per element (the input's shape) or one per sample
  (`(input.shape[0],)`, spread over that sample's elements). Weights must be finite and >= 0.
* `grad=True` adds the gradient of the returned loss with respect to `input`, `hess=True` the
  diagonal of its Hessian, both arrays of the input's shape, from the same fused pass. The
  result is then `(loss, grad)`, `(loss, hess)` or `(loss, grad, hess)`.
* dtypes: see `losskit._arrays` (float32/float64 native; float16 in float32; integers and
  booleans in float64).
* NaN in `input` or `target` gives NaN in that element's loss and gradient (and in a
  reduced loss), and in its Hessian unless that is piecewise constant (mse, l1, huber);
  it is not an error.
"""
from __future__ import annotations

from typing import Any

from ._elementwise import evaluate

__all__ = ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"]


def mse_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
             grad: bool = False, hess: bool = False) -> Any:
    """Squared error, as `torch.nn.functional.mse_loss`.

    l = (x - y)²;  ∂l/∂x = 2(x - y);  ∂²l/∂x² = 2.
    """
    return evaluate("mse_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def l1_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
            grad: bool = False, hess: bool = False) -> Any:
    """Absolute error, as `torch.nn.functional.l1_loss`.

    l = |x - y|;  ∂l/∂x = sign(x - y), 0 at x = y (PyTorch's choice);  ∂²l/∂x² = 0 (exact
    almost everywhere; boosted-tree adapters use their own convention).
    """
    return evaluate("l1_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def huber_loss(input: Any, target: Any, *, delta: float = 1.0, reduction: str = "mean",
               sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Huber loss, as `torch.nn.functional.huber_loss`: quadratic within `delta` of the
    target, linear beyond, so an outlier pulls with a force of at most `delta`.

    With r = x - y: l = ½r² if |r| ≤ δ, else δ(|r| - ½δ);  ∂l/∂x = clip(r, -δ, δ);
    ∂²l/∂x² = 1 if |r| ≤ δ, else 0.  `delta` must be finite and > 0.

    Unlike PyTorch, whose weighted Huber mean is mean(w·l), the weighted mean here is
    Σ w·l / Σ w, the same rule as for every other loss.
    """
    return evaluate("huber_loss", input, target, [("delta", delta)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def binary_cross_entropy_with_logits(input: Any, target: Any, *, weight: Any = None,
                                     pos_weight: Any = None, label_smoothing: float = 0.0,
                                     reduction: str = "mean", sample_weight: Any = None,
                                     grad: bool = False, hess: bool = False) -> Any:
    """Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`.

    With p = `pos_weight` (a scalar or one value per element of the last axis, default 1):
    l = -[p·y·log σ(x) + (1 - y)·log σ(-x)] = p·y·softplus(-x) + (1 - y)·softplus(x);
    ∂l/∂x = (1 - y)·σ(x) - p·y·σ(-x)  (σ(x) - y when p = 1);
    ∂²l/∂x² = (1 + (p - 1)y)·σ(x)·σ(-x).
    Computed without overflow or cancellation for any finite logit, so confidently correct
    predictions keep their tiny losses and gradients to full relative precision (PyTorch's
    form loses them). Targets may be soft labels in [0, 1].

    `label_smoothing` ε in [0, 1] (Keras's rule; PyTorch has no BCE smoothing) replaces the
    target y by y' = (1 - ε)·y + ε/2 in every formula above, before `pos_weight` applies.

    `weight` is PyTorch's rescaling weight: broadcast to the input's shape, it multiplies each
    element's loss, and 'mean' still divides by the number of elements. `sample_weight` instead
    gives the weighted mean Σ w·l / Σ w. Pass at most one of them.
    """
    return evaluate("binary_cross_entropy_with_logits", input, target,
                    [("label_smoothing", label_smoothing)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess, weight=weight,
                    column=pos_weight, column_name="pos_weight")
