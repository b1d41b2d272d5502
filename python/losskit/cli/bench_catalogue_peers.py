"""The catalogue benchmark's JAX and scikit-learn peers (`losskit.cli.bench_catalogue`).

* jax: `jax.jit(jax.value_and_grad(f))` of optax's loss where optax has it (its per-example
  losses averaged as LossKit's 'mean' does), otherwise of the catalogue's formula in `jax.numpy`
  for the elementwise losses; compiled before timing, each call ended by `block_until_ready`.
* sklearn: the fused Cython losses of `sklearn._loss` (`loss_gradient`, with `n_threads` set to
  the run's thread count) for the losses it has: binomial, multinomial, Poisson, gamma, Tweedie,
  pinball (quantile), absolute and half squared error. They return per-sample losses and
  gradients of the *sum*; the timed call also takes the mean, and the conversion to LossKit's
  convention (1/n, and 2x for the half squared error) is done for the check only.

A loss a peer does not have raises `NotApplicable`; the table shows "n/a" there.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from .bench_cases import Runner


class NotApplicable(Exception):
    """The peer has no implementation of this loss."""


# ---- jax -------------------------------------------------------------------------------------------

def _jax_formulas() -> dict[str, Callable[..., Any]]:
    import jax
    import jax.numpy as jnp
    import optax.losses as ol

    def mean(f: Callable[..., Any]) -> Callable[..., Any]:
        return lambda *args: jnp.mean(f(*args))

    def softplus(x):
        return jnp.logaddexp(x, 0.0)

    r = lambda x, y: x - y  # noqa: E731
    classes = lambda z, y: jax.nn.one_hot(y, z.shape[1], dtype=z.dtype)  # noqa: E731
    return {
        # optax
        "mse_loss": mean(ol.squared_error),
        "huber_loss": mean(lambda x, y: ol.huber_loss(x, y, delta=1.0)),
        "smooth_l1_loss": mean(lambda x, y: ol.huber_loss(x, y, delta=1.0)),
        "log_cosh_loss": mean(ol.log_cosh),
        "binary_cross_entropy_with_logits": mean(ol.sigmoid_binary_cross_entropy),
        "sigmoid_focal_loss": mean(lambda x, y: ol.sigmoid_focal_loss(x, y, alpha=0.25, gamma=2.0)),
        "cross_entropy": mean(ol.softmax_cross_entropy_with_integer_labels),
        "poly1_cross_entropy": mean(lambda z, y: ol.poly_loss_cross_entropy(z, classes(z, y), epsilon=2.0)),
        "multiclass_hinge_loss": mean(ol.multiclass_hinge_loss),
        # torch's kl_div 'mean' averages over every element, optax sums each row
        "kl_div": lambda lq, p: jnp.mean(ol.kl_divergence(lq, p)) / lq.shape[1],
        "triplet_margin_loss": mean(lambda a, p, n: ol.triplet_margin_loss(a, p, n, margin=1.0, norm_degree=2,
                                                                           eps=1e-6)),
        # the catalogue's formulas in jax.numpy
        "l1_loss": mean(lambda x, y: jnp.abs(r(x, y))),
        "pseudo_huber_loss": mean(lambda x, y: jnp.sqrt(1 + r(x, y) ** 2) - 1),
        "fair_loss": mean(lambda x, y: jnp.abs(r(x, y)) - jnp.log1p(jnp.abs(r(x, y)))),
        "quantile_loss": mean(lambda x, y: jnp.maximum(0.5 * (y - x), -0.5 * (y - x))),
        "expectile_loss": mean(lambda x, y: 0.5 * r(x, y) ** 2),
        "epsilon_insensitive_loss": mean(lambda x, y: jnp.maximum(jnp.abs(r(x, y)) - 0.1, 0.0)),
        "poisson_nll_loss": mean(lambda x, y: jnp.exp(x) - y * x),
        "gamma_loss": mean(lambda x, y: x + y * jnp.exp(-x)),
        "tweedie_loss": mean(lambda x, y: jnp.exp(0.5 * x) / 0.5 + y * jnp.exp(-0.5 * x) / 0.5),
        # relu's derivative is 0 at the kink, as LossKit's hinge; optax's hinge_loss is
        # jnp.maximum, whose gradient splits a tie in half (one float32 margin of 1M hit it).
        "hinge_loss": mean(lambda x, y: jax.nn.relu(1 - y * x)),
        "squared_hinge_loss": mean(lambda x, y: jnp.maximum(1 - y * x, 0.0) ** 2),
        "soft_margin_loss": mean(lambda x, y: softplus(-y * x)),
        "exponential_loss": mean(lambda x, y: y * jnp.exp(-x) + (1 - y) * jnp.exp(x)),
        "entropy": lambda z: -jnp.mean(jnp.sum(jax.nn.softmax(z) * jax.nn.log_softmax(z), axis=1)),
    }


def jax_runner(loss: str, args: list[np.ndarray], differentiable: int) -> Runner:
    import jax

    formula = _jax_formulas().get(loss)
    if formula is None:
        raise NotApplicable(loss)
    step = jax.jit(jax.value_and_grad(formula, argnums=tuple(range(differentiable))))
    arrays = [jax.device_put(a) for a in args]

    def run() -> Any:
        return jax.block_until_ready(step(*arrays))

    run()  # compile before timing

    def value(result: Any) -> tuple[float, np.ndarray]:
        loss_value, grads = result
        return float(loss_value), np.concatenate([np.asarray(g, dtype=np.float64).reshape(-1) for g in grads])

    return Runner(run, value)


# ---- scikit-learn ------------------------------------------------------------------------------------

def _sklearn_losses(classes: int) -> dict[str, tuple[Any, float]]:
    """(sklearn._loss instance, factor from its loss to LossKit's) per catalogue loss."""
    from sklearn._loss import loss as sl

    return {
        "binary_cross_entropy_with_logits": (sl.HalfBinomialLoss(), 1.0),
        "cross_entropy": (sl.HalfMultinomialLoss(n_classes=classes), 1.0),
        "poisson_nll_loss": (sl.HalfPoissonLoss(), 1.0),
        "gamma_loss": (sl.HalfGammaLoss(), 1.0),
        "tweedie_loss": (sl.HalfTweedieLoss(power=1.5), 1.0),
        "quantile_loss": (sl.PinballLoss(quantile=0.5), 1.0),
        "l1_loss": (sl.AbsoluteError(), 1.0),
        "mse_loss": (sl.HalfSquaredError(), 2.0),
    }


def sklearn_runner(loss: str, args: list[np.ndarray], differentiable: int) -> Runner:
    raw, target = args[0], args[1] if len(args) > 1 else None
    known = _sklearn_losses(raw.shape[1] if raw.ndim == 2 else 2).get(loss)
    if known is None:
        raise NotApplicable(loss)
    peer, factor = known
    y = np.ascontiguousarray(target, dtype=raw.dtype)
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))

    def run() -> Any:
        losses, gradient = peer.loss_gradient(y, raw, n_threads=threads)
        return float(np.mean(losses)), gradient

    def value(result: Any) -> tuple[float, np.ndarray]:
        mean_loss, gradient = result
        return factor * mean_loss, (factor / y.shape[0]) * np.asarray(gradient, dtype=np.float64).reshape(-1)

    return Runner(run, value)
