"""Regression losses (robust, asymmetric, relative) and count/GLM losses.

Every function follows the conventions of `losskit.elementwise` (reduction, `sample_weight`,
`grad`/`hess` of the reduced loss, dtypes, NaN propagation). Below r = x - y is the residual of
the input (prediction) x against the target y. Where a second derivative is 0 or undefined at a
kink, the exact value 0 is returned (each docstring says so); boosted-tree adapters substitute
their own convention.

Boolean options (`squared`, `log_input`, `full`) are catalogue parameters flagged as booleans:
they reach the library as 0.0 or 1.0, and anything but True or False raises TypeError here.
"""
from __future__ import annotations

from typing import Any

from ._arrays import check_flag
from ._elementwise import evaluate

__all__ = [
    "smooth_l1_loss",
    "log_cosh_loss",
    "pseudo_huber_loss",
    "fair_loss",
    "quantile_loss",
    "expectile_loss",
    "epsilon_insensitive_loss",
    "mape_loss",
    "squared_log_error_loss",
    "poisson_nll_loss",
    "gamma_loss",
    "tweedie_loss",
]


def _flag(value: Any, name: str) -> tuple[str, float]:
    """A boolean option as the (name, 0.0 or 1.0) pair the catalogue expects."""
    return name, float(check_flag(value, name))


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
                    [("epsilon", epsilon), _flag(squared, "squared")], reduction=reduction,
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
                    [_flag(log_input, "log_input"), _flag(full, "full"), ("eps", eps)],
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
