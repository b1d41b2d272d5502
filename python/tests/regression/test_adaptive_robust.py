"""adaptive_robust_loss against Barron's closed forms at the special α (differentiated by torch
autograd), a 50-digit mpmath evaluation of the general formula (derivatives by mpmath.diff),
finite differences, stability next to α = 0 and α = 2, weights, reductions and dtypes."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

import losskit as lk
from derivative_checks import DTYPES, REDUCTIONS, assert_derivatives, central_difference

RESIDUALS = np.array([-30.0, -3.0, -1.0, -0.1, 0.0, 1e-3, 0.05, 0.5, 1.0, 2.5, 7.0, 1e3])


def closed_form(alpha, r, c, constant=True):
    """Barron's special cases as written in the paper, in mpmath. `constant=False` drops
    Welsch's constant 1: 1 - e^(-z/2) rounds to 1 in its far tail even at 50 digits, which
    would make mpmath's numerical derivatives 0 where they are ~1e-194."""
    z = (r / c) ** 2
    return {2.0: lambda: z / 2, 1.0: lambda: mp.sqrt(z + 1) - 1, 0.0: lambda: mp.log(z / 2 + 1),
            -2.0: lambda: 2 * z / (z + 4), -np.inf: lambda: (1 if constant else 0) - mp.exp(-z / 2)}[alpha]()


def closed_form_derivatives(alpha, r, c):
    """Loss, d/dx, d²/dx² and d/dscale (per element) of a closed form, to 50 digits (autograd
    of the closed forms in float64 is less accurate than the kernel in the tails)."""
    mp.mp.dps = 50
    c = mp.mpf(c)
    rows = []
    for ri in r:
        x = mp.mpf(ri)
        f = lambda v: closed_form(alpha, v, c, constant=False)  # noqa: E731
        rows.append([closed_form(alpha, x, c), mp.diff(f, x, 1), mp.diff(f, x, 2),
                     mp.diff(lambda s: closed_form(alpha, x, s, constant=False), c)])
    return np.array(rows, dtype=float).T


@pytest.mark.parametrize("alpha", [2.0, 1.0, 0.0, -2.0, -np.inf])
@pytest.mark.parametrize("scale", [1.0, 0.3, 4.0])
def test_special_alphas_match_closed_forms(alpha, scale):
    ref, ref_g, ref_h, ref_c = closed_form_derivatives(alpha, RESIDUALS, scale)
    loss, g, h, params = lk.adaptive_robust_loss(RESIDUALS, np.zeros_like(RESIDUALS), alpha=alpha, scale=scale,
                                                 reduction="none", grad=True, hess=True, grad_params=True)
    # e^(-z/2) carries a relative error of about z·1e-16 from its argument (z = 540 here).
    for ours, ref_value in ((loss, ref), (g, ref_g), (h, ref_h), (params["scale"], ref_c.sum())):
        np.testing.assert_allclose(ours, ref_value, rtol=1e-12, atol=1e-30)


def mp_rho(alpha, z):
    """ρ from its definition in mpmath, with the limits at α = 0, 2, -inf."""
    if alpha == 0:
        return mp.log(z / 2 + 1)
    if alpha == 2:
        return z / 2
    b = abs(alpha - 2)
    return b / alpha * ((z / b + 1) ** (alpha / 2) - 1)


ALPHAS = [1e-7, -1e-7, 0.0, 0.5, 1.0, 1.5, 1.95, 2 - 1e-7, 2 + 1e-7, 2.05, 3.0, -2.0, -7.5, -1000.0]
MP_RESIDUALS = [1e-4, 1e-2, 0.3, 1.0, 3.0, 40.0]


@pytest.mark.parametrize("alpha", ALPHAS)
def test_general_formula_matches_high_precision(alpha):
    mp.mp.dps = 50
    c = 0.7
    r = np.array(MP_RESIDUALS)
    loss, g, h, _ = lk.adaptive_robust_loss(r, np.zeros_like(r), alpha=alpha, scale=c, reduction="none",
                                            grad=True, hess=True, grad_params=True)
    a, cc = mp.mpf(alpha), mp.mpf(c)
    for i, ri in enumerate(MP_RESIDUALS):
        x = mp.mpf(ri)
        f_x = lambda v: mp_rho(a, (v / cc) ** 2)  # noqa: E731
        want = [f_x(x), mp.diff(f_x, x, 1), mp.diff(f_x, x, 2)]
        for ours, ref in zip((loss[i], g[i], h[i]), want):
            assert ours == pytest.approx(float(ref), rel=2e-11), (alpha, ri)
        # Parameter derivatives, one element at a time (they are reduced over elements).
        _, p = lk.adaptive_robust_loss(r[i:i + 1], np.zeros(1), alpha=alpha, scale=c, reduction="sum",
                                       grad_params=True)
        # An explicit step: mpmath's default is so small that ρ's own cancellation at α ± h
        # exceeds 50 digits for tiny residuals; 1e-15 costs 15 of them and errs by ~h².
        d_alpha = mp.diff(lambda al: mp_rho(al, (x / cc) ** 2), a, h=mp.mpf("1e-15"))
        d_scale = mp.diff(lambda s: mp_rho(a, (x / s) ** 2), cc)
        assert p["alpha"] == pytest.approx(float(d_alpha), rel=1e-9, abs=1e-300), (alpha, ri)
        assert p["scale"] == pytest.approx(float(d_scale), rel=2e-11), (alpha, ri)


def test_near_special_values_agree_with_the_limits():
    r = np.array([1e-3, 0.2, 1.0, 5.0, 100.0])
    y = np.zeros_like(r)
    for centre in (0.0, 2.0):
        at = lk.adaptive_robust_loss(r, y, alpha=centre, reduction="none", grad=True, hess=True, grad_params=True)
        for offset in (1e-7, -1e-7, 1e-12):
            near = lk.adaptive_robust_loss(r, y, alpha=centre + offset, reduction="none", grad=True, hess=True,
                                           grad_params=True)
            # ρ is smooth in α at 0; at 2 it moves by about (|ε|/2)·log(z/|ε|) relative.
            rtol = 1e-6 if centre == 0.0 else abs(offset) * np.log(1e4 / abs(offset))
            for a, b in zip(near[:3], at[:3]):
                np.testing.assert_allclose(a, b, rtol=rtol)
            assert near[3]["scale"] == pytest.approx(at[3]["scale"], rel=rtol)
            if centre == 0.0:  # ∂/∂α is smooth at 0 and diverges at 2
                assert near[3]["alpha"] == pytest.approx(at[3]["alpha"], rel=1e-6)
            else:
                assert np.isfinite(near[3]["alpha"]) and near[3]["alpha"] > 0
    # At α = 2 exactly: +inf for any nonzero residual, 0 when every residual is 0.
    assert lk.adaptive_robust_loss(r, y, alpha=2.0, grad_params=True)[1]["alpha"] == np.inf
    assert lk.adaptive_robust_loss(y, y, alpha=2.0, grad_params=True)[1]["alpha"] == 0.0


def test_very_negative_alpha_approaches_welsch():
    r = np.array([0.1, 1.0, 3.0, 30.0])
    welsch = lk.adaptive_robust_loss(r, np.zeros(4), alpha=-np.inf, reduction="none", grad=True, hess=True)
    near = lk.adaptive_robust_loss(r, np.zeros(4), alpha=-1e9, reduction="none", grad=True, hess=True)
    for a, b in zip(near, welsch):  # differences are O(1/|α|)
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("alpha", [-np.inf, -5.0, -2.0, 0.0, 1e-7, 0.5, 1.0, 1.9, 2.0, 3.0])
def test_finite_differences(alpha):
    rng = np.random.default_rng(3)
    x = rng.normal(0, 3, 50)
    y = rng.normal(0, 1, 50)
    assert_derivatives(lk.adaptive_robust_loss, x, y, atol=1e-12, alpha=alpha, scale=1.3)
    _, p = lk.adaptive_robust_loss(x, y, alpha=alpha, scale=1.3, reduction="sum", grad_params=True)
    fd_scale = central_difference(
        lambda s: np.array([lk.adaptive_robust_loss(x, y, alpha=alpha, scale=float(s[0]), reduction="sum")]),
        np.array([1.3]))[0]
    assert p["scale"] == pytest.approx(fd_scale, rel=1e-6)
    if np.isfinite(alpha) and alpha != 2:
        fd_alpha = central_difference(
            lambda a: np.array([lk.adaptive_robust_loss(x, y, alpha=float(a[0]), scale=1.3, reduction="sum")]),
            np.array([alpha]))[0]
        assert p["alpha"] == pytest.approx(fd_alpha, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weights_and_reductions_apply_to_parameter_gradients(dtype, reduction):
    rng = np.random.default_rng(4)
    x = rng.normal(0, 2, (6, 5)).astype(dtype)
    y = np.zeros((6, 5), dtype)
    w = rng.uniform(0, 2, 6).astype(dtype)
    ww = np.repeat(w, 5).astype(np.float64)
    # Per-element parameter derivatives, one element per call, in float64.
    per = [lk.adaptive_robust_loss(np.array([v], np.float64), np.zeros(1), alpha=0.5, scale=2.0,
                                   reduction="sum", grad_params=True)[1] for v in x.astype(np.float64).ravel()]
    d_alpha = np.array([p["alpha"] for p in per])
    d_scale = np.array([p["scale"] for p in per])
    result = lk.adaptive_robust_loss(x, y, alpha=0.5, scale=2.0, reduction=reduction, sample_weight=w,
                                     grad_params=True)
    params = result[-1]
    denominator = ww.sum() if reduction == "mean" else 1.0
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert params["alpha"] == pytest.approx(np.sum(ww * d_alpha) / denominator, rel=rtol)
    assert params["scale"] == pytest.approx(np.sum(ww * d_scale) / denominator, rel=rtol)
    # Every weight 0: the mean over an empty set is 0 with zero derivatives.
    zero = lk.adaptive_robust_loss(x, y, alpha=0.5, reduction="mean", sample_weight=np.zeros(6, dtype),
                                   grad_params=True)
    assert zero == (0.0, {"alpha": 0.0, "scale": 0.0})


@pytest.mark.parametrize("alpha", [-np.inf, -2.0, 0.0, 1e-7, 0.5, 1.0, 1.95, 2 - 1e-6, 2.0, 2 + 1e-4, 4.0])
def test_float32_agrees_with_float64(alpha):
    rng = np.random.default_rng(5)
    x = rng.normal(0, 3, 100).astype(np.float32)
    y = rng.normal(0, 1, 100).astype(np.float32)
    ours = lk.adaptive_robust_loss(x, y, alpha=alpha, reduction="none", grad=True, hess=True)
    ref = lk.adaptive_robust_loss(x.astype(np.float64), y.astype(np.float64), alpha=alpha, reduction="none",
                                  grad=True, hess=True)
    for a, b in zip(ours, ref):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    p32 = lk.adaptive_robust_loss(x, y, alpha=alpha, reduction="mean", grad_params=True)[1]
    p64 = lk.adaptive_robust_loss(x.astype(np.float64), y.astype(np.float64), alpha=alpha, reduction="mean",
                                  grad_params=True)[1]
    assert p32["scale"] == pytest.approx(p64["scale"], rel=1e-5)
    assert p32["alpha"] == pytest.approx(p64["alpha"], rel=1e-5)


def test_bad_parameters_name_the_argument():
    x = np.zeros(3)
    for bad in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="scale"):
            lk.adaptive_robust_loss(x, x, scale=bad)
    for bad in (np.inf, np.nan):
        with pytest.raises(ValueError, match=r"alpha must be a number in \[-inf, inf\)"):
            lk.adaptive_robust_loss(x, x, alpha=bad)
    with pytest.raises(TypeError, match="grad_params"):
        lk.adaptive_robust_loss(x, x, grad_params=1)
