"""sigmoid_focal_loss against torchvision's formula (written here in torch, differentiated by
autograd), optax, a 40-digit mpmath evaluation at extreme logits, and finite differences."""
from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import optax
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from derivative_checks import DTYPES, RTOL, assert_derivatives, assert_reductions

jax.config.update("jax_enable_x64", True)

GAMMAS = [0.0, 0.5, 1.0, 2.0, 5.0]
ALPHAS = [0.25, None, 0.0, 1.0]


def torchvision_focal(x, y, alpha, gamma):
    """torchvision.ops.sigmoid_focal_loss's formula, reduction='none' (alpha < 0 or None: none)."""
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None and alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return loss


def moderate_points(rng, n=40):
    """Logits where autodiff of (1 - p_t)^γ is still finite, hard and soft labels."""
    x = rng.uniform(-8, 8, n)
    y = np.concatenate([rng.integers(0, 2, n - n // 4).astype(float), rng.uniform(0, 1, n // 4)])
    return x, y


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("alpha", ALPHAS)
def test_matches_torchvision_formula_with_autograd(gamma, alpha):
    x, y = moderate_points(np.random.default_rng(int(gamma * 10)))
    xt = torch.tensor(x, requires_grad=True)
    ref = torchvision_focal(xt, torch.tensor(y), alpha, gamma)
    (ref_g,) = torch.autograd.grad(ref.sum(), xt, create_graph=True)
    (ref_h,) = torch.autograd.grad(ref_g.sum(), xt)
    loss, g, h = lk.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction="none", grad=True, hess=True)
    # The reference forms 1 - p_t by subtraction, which costs it digits where p_t ≈ 1 (and
    # γ multiplies that error); the mpmath test below holds the kernel to 1e-10 everywhere.
    np.testing.assert_allclose(loss, ref.detach().numpy(), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(g, ref_g.detach().numpy(), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(h, ref_h.numpy(), rtol=1e-8, atol=1e-13)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("alpha", [0.25, None])
def test_matches_optax(gamma, alpha):
    x, y = moderate_points(np.random.default_rng(7))
    x = np.concatenate([x, [40.0, -40.0]])  # optax's log-space form is finite here too
    y = np.concatenate([y, [0.0, 1.0]])
    ref = np.asarray(optax.losses.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma))

    def one(xi, yi):
        return optax.losses.sigmoid_focal_loss(xi, yi, alpha=alpha, gamma=gamma)

    ref_g = np.asarray(jax.vmap(jax.grad(one))(jnp.asarray(x), jnp.asarray(y)))
    loss, g = lk.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction="none", grad=True)
    np.testing.assert_allclose(loss, ref, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(g, ref_g, rtol=1e-10, atol=1e-14)


def mp_focal(x, y, alpha, gamma):
    """The focal loss from its definition in 40-digit arithmetic (1 - p written as σ(-x), which
    is the definition, so that it does not round to 0 at 40 digits)."""
    p, not_p = 1 / (1 + mp.exp(-x)), 1 / (1 + mp.exp(x))
    ce = -(y * mp.log(p) if y else 0) - ((1 - y) * mp.log(not_p) if y != 1 else 0)
    q = y * not_p + (1 - y) * p
    at = 1 if alpha is None else alpha * y + (1 - alpha) * (1 - y)
    return at * ce * q ** gamma


@pytest.mark.parametrize("gamma", GAMMAS)
def test_extreme_logits_match_high_precision(gamma):
    mp.mp.dps = 40
    xs = [-1e4, -60.0, -20.0, -3.0, 0.0, 0.7, 20.0, 60.0, 1e4]
    ys = [0.0, 1.0, 0.3]
    pts = list(itertools.product(xs, ys))
    x = np.array([a for a, _ in pts])
    y = np.array([b for _, b in pts])
    for alpha in (0.25, None):
        loss, g, h = lk.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction="none", grad=True, hess=True)
        assert np.isfinite(loss).all() and np.isfinite(g).all() and np.isfinite(h).all()
        for i, (a, b) in enumerate(pts):
            f = lambda v: mp_focal(v, mp.mpf(b), alpha, mp.mpf(gamma))  # noqa: E731
            ref = [float(f(mp.mpf(a))), float(mp.diff(f, mp.mpf(a), 1)), float(mp.diff(f, mp.mpf(a), 2))]
            # Relative accuracy, down to values that are themselves at rounding level of the
            # larger terms they come from (|x|·1e-16).
            for ours, want, what in ((loss[i], ref[0], "loss"), (g[i], ref[1], "grad"), (h[i], ref[2], "hess")):
                assert ours == pytest.approx(want, rel=1e-10, abs=1e-300 + 1e-15 * max(1, abs(a)) * (what == "hess")), \
                    (what, a, b, alpha, gamma)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_finite_differences(gamma):
    x, y = moderate_points(np.random.default_rng(11), 60)
    x = np.concatenate([x, [25.0, -25.0, 1e4, -1e4]])
    y = np.concatenate([y, [0.0, 1.0, 0.2, 0.9]])
    for alpha in (0.25, None):
        assert_derivatives(lk.sigmoid_focal_loss, x, y, atol=1e-12, alpha=alpha, gamma=gamma)


def test_gamma_zero_without_alpha_is_bce_with_logits():
    x = np.array([-1e4, -30.0, -1.5, 0.0, 0.3, 12.0, 1e4])
    y = np.array([1.0, 0.0, 0.7, 1.0, 0.0, 0.4, 0.0])
    ours = lk.sigmoid_focal_loss(x, y, alpha=None, gamma=0.0, reduction="none", grad=True, hess=True)
    bce = lk.binary_cross_entropy_with_logits(x, y, reduction="none", grad=True, hess=True)
    for a, b in zip(ours, bce):
        np.testing.assert_allclose(a, b, rtol=1e-15, atol=1e-300)
    # A negative alpha is torchvision's spelling of "no weighting".
    np.testing.assert_array_equal(lk.sigmoid_focal_loss(x, y, alpha=-1.0, gamma=0.0, reduction="none"), ours[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes_and_reductions(dtype):
    rng = np.random.default_rng(12)
    x, y = moderate_points(rng, 48)
    w = rng.uniform(0, 2, 48)
    ours = lk.sigmoid_focal_loss(x.astype(dtype), y.astype(dtype), reduction="none", grad=True, hess=True)
    # Compare on the values the float32 kernel saw.
    ref = lk.sigmoid_focal_loss(x.astype(dtype).astype(np.float64), y.astype(dtype).astype(np.float64),
                                reduction="none", grad=True, hess=True)
    for a, b in zip(ours, ref):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=RTOL[np.dtype(dtype)] * 20, atol=1e-6 if dtype == np.float32 else 0)
    assert_reductions(lk.sigmoid_focal_loss, x.astype(dtype), y.astype(dtype), w.astype(dtype), gamma=1.5)


def test_bad_parameters_name_the_argument():
    x, y = np.zeros(2), np.array([0.0, 1.0])
    with pytest.raises(ValueError, match="gamma"):
        lk.sigmoid_focal_loss(x, y, gamma=-0.5)
    with pytest.raises(ValueError, match="alpha"):
        lk.sigmoid_focal_loss(x, y, alpha=1.5)
    with pytest.raises(ValueError, match="gamma"):
        lk.sigmoid_focal_loss(x, y, gamma=float("inf"))
    with pytest.raises(TypeError, match="alpha"):
        lk.sigmoid_focal_loss(x, y, alpha="0.25")
    with pytest.raises(ValueError, match=r"target\[0\] = 1.5"):
        lk.sigmoid_focal_loss(np.zeros(1), np.array([1.5]))
