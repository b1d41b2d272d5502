"""Regression: squared, absolute and robust losses of a prediction x against a real target y,
asymmetric (quantile, expectile) and relative (MAPE, squared log error) ones, and Barron's
adaptive robust loss with a learnable shape and scale.

Every function follows the conventions of elementwise losses (`help(losskit)`: same-shape
`input` and `target`, `reduction`, `sample_weight`, `grad`/`hess` of the reduced loss, dtypes,
NaN propagation). Below r = x - y is the residual. Where a second derivative is 0 or
undefined at a kink, the exact value 0 is returned (each docstring says so); boosted-tree
adapters substitute their own convention.

`adaptive_robust_loss` also takes `grad_params=True`, which appends a dict of derivatives of the
returned loss with respect to its parameters, from the same fused pass.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._internal.arrays import as_array, as_input, flag_parameter
from ._internal.elementwise import evaluate

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "log_cosh_loss", "pseudo_huber_loss",
           "fair_loss", "quantile_loss", "expectile_loss", "epsilon_insensitive_loss", "mape_loss",
           "squared_log_error_loss", "adaptive_robust_loss"]


def mse_loss(input: Any, target: Any, *, weight: Any = None, reduction: str = "mean",
             sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Squared error, as `torch.nn.functional.mse_loss`.

    l = (x - y)²;  ∂l/∂x = 2(x - y);  ∂²l/∂x² = 2.

    `weight` is PyTorch's elementwise weight (PyTorch 2.13+), broadcast to the input's shape
    (PyTorch wants exactly the input's shape): it multiplies each element's loss and 'mean' is
    Σ w·l / Σ w, PyTorch's rule and LossKit's `sample_weight` rule. Weights must be finite and
    >= 0 (ValueError; PyTorch accepts negative ones), it is not differentiated, and a mean over
    zero total weight is 0 (PyTorch: NaN). Pass `weight` or `sample_weight`, not both.
    """
    return evaluate("mse_loss", input, target, reduction=reduction,
                    sample_weight=_normalizing_weight(weight, sample_weight, input), grad=grad, hess=hess)


def l1_loss(input: Any, target: Any, *, weight: Any = None, reduction: str = "mean",
            sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Absolute error, as `torch.nn.functional.l1_loss`.

    l = |x - y|;  ∂l/∂x = sign(x - y), 0 at x = y (PyTorch's choice);  ∂²l/∂x² = 0 (exact
    almost everywhere; boosted-tree adapters use their own convention).

    `weight` is PyTorch's elementwise weight, as in `mse_loss`: 'mean' is Σ w·l / Σ w.
    """
    return evaluate("l1_loss", input, target, reduction=reduction,
                    sample_weight=_normalizing_weight(weight, sample_weight, input), grad=grad, hess=hess)


def huber_loss(input: Any, target: Any, *, delta: float = 1.0, weight: Any = None, reduction: str = "mean",
               sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Huber loss, as `torch.nn.functional.huber_loss`: quadratic within `delta` of the
    target, linear beyond, so an outlier pulls with a force of at most `delta`.

    With r = x - y: l = ½r² if |r| ≤ δ, else δ(|r| - ½δ);  ∂l/∂x = clip(r, -δ, δ);
    ∂²l/∂x² = 1 if |r| ≤ δ, else 0.  `delta` must be finite and > 0.

    `weight` is PyTorch's elementwise weight (PyTorch 2.13+) with PyTorch's Huber rule: a
    rescaling weight, broadcast to the input's shape, that multiplies each element's loss while
    'mean' still divides by the element count, mean(w·l) (as `weight` of
    `binary_cross_entropy_with_logits`). `sample_weight` instead gives Σ w·l / Σ w, the rule of
    every other loss (and of PyTorch's weighted `mse_loss` and `l1_loss`). Weights must be
    finite and >= 0 (ValueError; PyTorch accepts negative ones); pass one or the other.
    """
    return evaluate("huber_loss", input, target, [("delta", delta)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess, weight=weight)


def smooth_l1_loss(input: Any, target: Any, *, beta: float = 1.0, reduction: str = "mean",
                   sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Smooth L1 loss, as `torch.nn.functional.smooth_l1_loss`.

    l = ½r²/β if |r| < β, else |r| - ½β;  ∂l/∂x = r/β or sign(r);  ∂²l/∂x² = 1/β or 0.
    `beta` must be finite and >= 0; β = 0 is exactly `l1_loss` (gradient 0 at r = 0, Hessian 0).
    For β > 0 it equals huber_loss(delta=β) / β.
    """
    return evaluate("smooth_l1_loss", input, target, [("beta", beta)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def log_cosh_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
                  grad: bool = False, hess: bool = False) -> Any:
    """Log-cosh loss, as `optax.losses.log_cosh` and Keras `LogCosh`.

    l = log cosh r;  ∂l/∂x = tanh r;  ∂²l/∂x² = 1 - tanh² r.
    Never overflows (log_cosh(1e4) = 1e4 - log 2 with gradient 1) and keeps full relative
    precision near r = 0, where l ≈ ½r².
    """
    return evaluate("log_cosh_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def pseudo_huber_loss(input: Any, target: Any, *, delta: float = 1.0, reduction: str = "mean",
                      sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Pseudo-Huber (Charbonnier) loss, XGBoost's `reg:pseudohubererror` with `huber_slope=delta`.

    With q = √(1 + (r/δ)²): l = δ²(q - 1);  ∂l/∂x = r/q;  ∂²l/∂x² = 1/q³ (XGBoost's gradient and
    Hessian). `delta` must be finite and > 0.
    """
    return evaluate("pseudo_huber_loss", input, target, [("delta", delta)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def fair_loss(input: Any, target: Any, *, c: float = 1.0, reduction: str = "mean",
              sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Fair loss, LightGBM's `fair` objective with `fair_c=c`.

    l = c²(|r|/c - log(1 + |r|/c));  ∂l/∂x = c·r/(|r| + c);  ∂²l/∂x² = c²/(|r| + c)²
    (LightGBM's gradient and Hessian). `c` must be finite and > 0.
    """
    return evaluate("fair_loss", input, target, [("c", c)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def quantile_loss(input: Any, target: Any, *, quantile: float = 0.5, reduction: str = "mean",
                  sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Quantile (pinball) loss at level τ = `quantile`, as `sklearn.metrics.mean_pinball_loss`
    with `alpha=quantile`; minimising it estimates the τ-quantile.

    l = (1 - τ)·r if r >= 0, else -τ·r;  ∂l/∂x = 1 - τ if r > 0, -τ if r < 0, and 0 at r = 0
    (as `l1_loss`: τ = 0.5 is exactly half of it; XGBoost and LightGBM use 1 - τ at r = 0);
    ∂²l/∂x² = 0. `quantile` must be in the open interval (0, 1).
    """
    return evaluate("quantile_loss", input, target, [("quantile", quantile)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def expectile_loss(input: Any, target: Any, *, expectile: float = 0.5, reduction: str = "mean",
                   sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Expectile loss (asymmetric least squares) at level τ = `expectile`; minimising it
    estimates the τ-expectile, as the quantile loss estimates the τ-quantile.

    w = τ where x < y (under-prediction), 1 - τ where x >= y;  l = w·r²;  ∂l/∂x = 2w·r;
    ∂²l/∂x² = 2w, taken as 2(1 - τ) at x = y where it jumps (XGBoost's side). τ = 0.5 gives
    ½r². XGBoost's `reg:expectileerror` gradient and Hessian are half of these. `expectile`
    must be in the open interval (0, 1).
    """
    return evaluate("expectile_loss", input, target, [("expectile", expectile)],
                    reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)


def epsilon_insensitive_loss(input: Any, target: Any, *, epsilon: float = 0.1,
                             squared: bool = False, reduction: str = "mean",
                             sample_weight: Any = None, grad: bool = False,
                             hess: bool = False) -> Any:
    """ε-insensitive loss of support vector regression, as scikit-learn's SGD losses
    'epsilon_insensitive' and, with `squared=True`, 'squared_epsilon_insensitive'.

    e = max(0, |r| - ε).  Linear: l = e, ∂l/∂x = sign(r) where |r| > ε (else 0), ∂²l/∂x² = 0.
    Squared: l = e², ∂l/∂x = 2·sign(r)·e, ∂²l/∂x² = 2 where |r| > ε, else 0.
    |r| = ε counts as inside the band. `epsilon` must be finite and >= 0.
    """
    return evaluate("epsilon_insensitive_loss", input, target,
                    [("epsilon", epsilon), flag_parameter(squared, "squared")], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def mape_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
              grad: bool = False, hess: bool = False) -> Any:
    """Absolute percentage error, as `sklearn.metrics.mean_absolute_percentage_error` (a
    fraction, not a percentage).

    l = |r| / max(|y|, ε);  ∂l/∂x = sign(r) / max(|y|, ε) (0 at r = 0);  ∂²l/∂x² = 0, with
    ε = 2⁻⁵² ≈ 2.2e-16 (float64 machine epsilon, scikit-learn's; Keras uses 1e-7) in both
    dtypes, so a zero target gives a huge but finite loss.
    """
    return evaluate("mape_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def squared_log_error_loss(input: Any, target: Any, *, reduction: str = "mean",
                           sample_weight: Any = None, grad: bool = False,
                           hess: bool = False) -> Any:
    """Squared logarithmic error, as `sklearn.metrics.mean_squared_log_error`.

    With d = log(1 + x) - log(1 + y): l = d²;  ∂l/∂x = 2d/(1 + x);  ∂²l/∂x² = 2(1 - d)/(1 + x)²,
    negative where d > 1 (the loss is not convex there). Input and target must be > -1
    (ValueError otherwise). XGBoost's `reg:squaredlogerror` uses half of these, floored.
    """
    return evaluate("squared_log_error_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


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


def _normalizing_weight(weight: Any, sample_weight: Any, input: Any) -> Any:
    """PyTorch's `weight` of `mse_loss` and `l1_loss`, whose weighted mean is Σ w·l / Σ w (the
    rule of LossKit's `sample_weight`), as a per-element sample weight: broadcast to the input's
    shape and checked here, so that an error names `weight`, the argument the caller passed."""
    if weight is None:
        return sample_weight
    if sample_weight is not None:
        raise ValueError("pass either weight (PyTorch's) or sample_weight, not both")
    shape = as_input(input).shape
    w = as_array(weight, "weight")
    bad = ~(np.isfinite(w) & (w >= 0)).reshape(-1)
    if bad.any():  # the library's message, for the argument as passed
        i = int(np.argmax(bad))
        raise ValueError(f"weight must be finite and >= 0; element {i} is {w.reshape(-1)[i]:g}")
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"weight: shape {w.shape} does not broadcast to the input's {shape}") from None
