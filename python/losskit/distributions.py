"""Counts and distributions: negative log-likelihoods of counts and positive amounts (Poisson,
gamma, Tweedie, with the log link boosters use) and of a Gaussian with a predicted variance.

Every function follows the conventions of elementwise losses (`help(losskit)`: same-shape
`input` and `target`, `reduction`, `sample_weight`, `grad`/`hess` of the reduced loss, dtypes,
NaN propagation).

Boolean options (`log_input`, `full`) are catalogue parameters flagged as booleans: they reach
the library as 0.0 or 1.0, and anything but True or False raises TypeError here.
`gaussian_nll_loss` also takes `grad_params=True` (derivatives with respect to the variance).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._internal.arrays import as_array, as_input, check_flag, flag_parameter
from ._internal.elementwise import evaluate

__all__ = ["poisson_nll_loss", "gamma_loss", "tweedie_loss", "gaussian_nll_loss"]


def poisson_nll_loss(input: Any, target: Any, *, log_input: bool = True, full: bool = False,
                     eps: float = 1e-8, reduction: str = "mean", sample_weight: Any = None,
                     grad: bool = False, hess: bool = False) -> Any:
    """Poisson negative log-likelihood, as `torch.nn.functional.poisson_nll_loss`, for counts
    y >= 0 (ValueError otherwise).

    log_input=True (input m = log rate): l = e^m - y·m;  ∂l/∂x = e^m - y;  ∂²l/∂x² = e^m.
    This is the log-link Poisson loss of scikit-learn (`HalfPoissonLoss`), XGBoost
    (`count:poisson`) and LightGBM (`poisson`); the boosters multiply the Hessian by e^0.7.
    log_input=False (input λ = rate): l = λ - y·log(λ + eps);  ∂l/∂x = 1 - y/(λ + eps);
    ∂²l/∂x² = y/(λ + eps)².
    full=True adds the Stirling term y·log y - y + ½·log(2πy) where y > 1 (no effect on the
    derivatives). `eps` must be finite and >= 0. A zero count contributes no y-term at all, so
    eps=0, λ=0, y=0 gives 0 where PyTorch gives NaN.
    Mean Poisson deviance of μ = e^m: 2·(loss - mean(y - y·log y)).
    """
    return evaluate("poisson_nll_loss", input, target,
                    [flag_parameter(log_input, "log_input"), flag_parameter(full, "full"), ("eps", eps)],
                    reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)


def gamma_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
               grad: bool = False, hess: bool = False) -> Any:
    """Gamma regression loss on the log-mean m (log link), for targets y > 0 (ValueError
    otherwise): the loss of XGBoost's `reg:gamma`, LightGBM's `gamma` and scikit-learn's
    `HalfGammaLoss`.

    l = m + y·e^(-m);  ∂l/∂x = 1 - y·e^(-m);  ∂²l/∂x² = y·e^(-m) (the boosters' exactly).
    This is the negative log-likelihood up to terms free of m; the gamma deviance of μ = e^m
    is 2·(l - 1 - log y) (`sklearn.metrics.mean_gamma_deviance` per element).
    """
    return evaluate("gamma_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def tweedie_loss(input: Any, target: Any, *, power: float = 1.5, reduction: str = "mean",
                 sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Tweedie regression loss on the log-mean m (log link) with variance power ρ = `power` in
    the open interval (1, 2), for targets y >= 0: the loss of XGBoost's `reg:tweedie`,
    LightGBM's `tweedie` and scikit-learn's `HalfTweedieLoss`.

    With a = y·e^((1-ρ)m), b = e^((2-ρ)m): l = b/(2 - ρ) - a/(1 - ρ);  ∂l/∂x = b - a;
    ∂²l/∂x² = (2 - ρ)·b - (1 - ρ)·a (the boosters' exactly). This is the negative
    log-likelihood up to terms free of m; the Tweedie deviance of μ = e^m is
    2·(l + y^(2-ρ)/((1 - ρ)(2 - ρ))) (`sklearn.metrics.mean_tweedie_deviance` per element).
    For ρ = 1 use `poisson_nll_loss`, for ρ = 2 `gamma_loss`.
    """
    return evaluate("tweedie_loss", input, target, [("power", power)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


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
    (shared along that axis); or a scalar. `target` may have the input's shape or, as in
    PyTorch, any shape that broadcasts to it (e.g. a size-1 axis where the input has more); a
    target that would enlarge the loss beyond the input's shape raises ValueError. `grad_params=True` appends `{"var": ∂/∂var}` with
    var's shape (a float for a scalar var), summed over the elements that share a variance.
    `eps` must be > 0. 'mean' is Σ w·l / Σ w (PyTorch's mean over elements when unweighted).
    """
    x = as_input(input)
    column, to_var_shape = _variance_operand(var, x.shape)
    result = evaluate("gaussian_nll_loss", x, _broadcast_target(target, x.shape), [("full", float(check_flag(full, "full"))), ("eps", eps)],
                      reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess,
                      column=column, column_name="var", grad_params=grad_params)
    if not grad_params:
        return result
    return result[:-1] + ({"var": to_var_shape(result[-1]["var"])},)


def _broadcast_target(target: Any, shape: tuple[int, ...]) -> np.ndarray:
    """`target` broadcast to the input's shape, as PyTorch's (input - target)² broadcasts it."""
    t = as_array(target, "target")
    if t.shape == shape:
        return t
    try:
        return np.broadcast_to(t, shape)
    except ValueError:
        raise ValueError(f"target: expected the input's shape {shape} or a shape that broadcasts to it, "
                         f"got {t.shape}") from None


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
