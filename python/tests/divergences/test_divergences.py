"""kl_div against PyTorch (every reduction, log_target) and optax; jensen_shannon_divergence
and entropy against their formulas in float64 numpy and scipy; every gradient and Hessian
against central differences; extremes (zero targets, -inf logits, logits of ±1e4)."""
import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, assert_matches_finite_differences, torch_derivatives, widened

N, C = 5, 4
KL_REDUCTIONS = ["mean", "batchmean", "sum", "none"]


def distributions(rng, shape, zeros=True):
    p = rng.uniform(size=shape) ** 2
    if zeros:
        p[0, 1] = 0.0
    return p / p.sum(axis=1, keepdims=True)


def softmax(x, axis=1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", KL_REDUCTIONS)
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(N, C), (2, 3, 2), (C,)])
def test_kl_div_matches_torch(reduction, log_target, shape, dtype, rng):
    x = np.log(distributions(rng, shape, zeros=False) if len(shape) > 1 else rng.dirichlet(np.ones(C))).astype(dtype)
    t = distributions(rng, shape) if len(shape) > 1 else rng.dirichlet(np.ones(C))
    t = (np.log(t + 1e-3) if log_target else t).astype(dtype)
    loss, grad, hess = lk.kl_div(x, t, reduction=reduction, log_target=log_target, grad=True, hess=True)
    ref = torch_derivatives(lambda z: F.kl_div(z, torch.from_numpy(widened(t, dtype)), reduction=reduction,
                                               log_target=log_target), widened(x, dtype))
    assert grad.shape == x.shape
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)


def test_kl_div_matches_optax(dtype, rng):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    optax = pytest.importorskip("optax")
    x = np.log(distributions(rng, (N, C), zeros=False)).astype(dtype)
    t = distributions(rng, (N, C)).astype(dtype)
    per_row = optax.losses.kl_divergence(widened(x, dtype), widened(t, dtype))
    assert_close(lk.kl_div(x, t, reduction="none").sum(axis=1), np.asarray(per_row), dtype)
    assert_close(lk.kl_div(x, t, reduction="batchmean"), float(np.mean(per_row)), dtype)


def test_kl_div_zero_target_contributes_zero_even_at_minus_inf(dtype):
    """PyTorch gives NaN for t = 0 at x = -inf (0·-inf); the element is 0 here."""
    x = np.array([[np.log(0.5), -np.inf, np.log(0.5)]], dtype)
    t = np.array([[0.5, 0.0, 0.5]], dtype)
    loss, grad = lk.kl_div(x, t, reduction="sum", grad=True)
    assert abs(loss) < 1e-7 and grad.tolist() == [[-0.5, 0.0, -0.5]]


def test_kl_div_sample_weight(dtype, rng):
    x = np.log(distributions(rng, (N, C), zeros=False)).astype(dtype)
    t = distributions(rng, (N, C)).astype(dtype)
    s = np.array([1.0, 0.0, 2.0, 0.5, 1.0], dtype)
    elements = lk.kl_div(x, t, reduction="none").astype(np.float64)
    sw = widened(s, dtype)
    assert_close(lk.kl_div(x, t, reduction="none", sample_weight=s), sw[:, None] * elements, dtype)
    assert_close(lk.kl_div(x, t, reduction="batchmean", sample_weight=s), (sw[:, None] * elements).sum() / sw.sum(), dtype)
    assert_close(lk.kl_div(x, t, reduction="mean", sample_weight=s), (sw[:, None] * elements).sum() / sw.sum() / C, dtype)


def js_reference(x, t):
    """JS(t, q) = KL(t || m)/2 + KL(q || m)/2 in nats, q = softmax(x), in float64 numpy."""
    q = softmax(x)
    m = (t + q) / 2
    kl = lambda a: np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a, 1) / m), 0.0), axis=1)
    return 0.5 * kl(t) + 0.5 * kl(q)


def test_jensen_shannon_matches_numpy_and_scipy(dtype, reduction, rng):
    x64 = rng.normal(scale=2.0, size=(N, C))
    t64 = distributions(rng, (N, C))
    # scipy's jensenshannon (natural log) squared is JS, on exact distributions.
    scipy_rows = scipy.spatial.distance.jensenshannon(t64, softmax(x64), axis=1) ** 2
    assert_close(js_reference(x64, t64), scipy_rows, np.float64, rtol=1e-10)
    x, t = x64.astype(dtype), t64.astype(dtype)
    per_row = js_reference(widened(x, dtype), widened(t, dtype))
    expected = per_row if reduction == "none" else per_row.sum() if reduction == "sum" else per_row.mean()
    assert_close(lk.jensen_shannon_divergence(x, t, reduction=reduction), expected, dtype)


def test_entropy_matches_scipy(dtype, rng):
    x = rng.normal(scale=2.0, size=(N, C, 2)).astype(dtype)
    h = lk.entropy(x)
    assert h.shape == (N, 2)
    assert_close(h, scipy.stats.entropy(softmax(widened(x, dtype)), axis=1), dtype)
    assert_close(lk.entropy(x, reduction="mean"), h.astype(np.float64).mean(), dtype)


def test_derivatives_match_torch_autograd(dtype, rng):
    x = rng.normal(scale=2.0, size=(N, C)).astype(dtype)
    t = distributions(rng, (N, C), zeros=False).astype(dtype)  # torch's xlogy has NaN derivatives at 0
    tt = torch.from_numpy(widened(t, dtype))

    def js(z):
        q = torch.softmax(z, 1)
        m = (tt + q) / 2
        return (0.5 * torch.xlogy(tt, tt / m) + 0.5 * q * (torch.log_softmax(z, 1) - m.log())).sum(1)

    def ent(z):
        return -(torch.softmax(z, 1) * torch.log_softmax(z, 1)).sum(1)

    for ours, ref in ((lk.jensen_shannon_divergence(x, t, reduction="none", grad=True, hess=True), js),
                      (lk.entropy(x, grad=True, hess=True), ent)):
        for a, b in zip(ours, torch_derivatives(ref, widened(x, dtype))):
            assert_close(a, b, dtype)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_finite_differences(reduction, rng):
    x = rng.normal(scale=2.0, size=(N, C))
    t = distributions(rng, (N, C))
    s = np.array([1.0, 0.0, 2.0, 0.5, 1.0])
    assert_matches_finite_differences(
        lambda v, **k: lk.jensen_shannon_divergence(v, t, sample_weight=s, reduction=reduction, **k), x)
    assert_matches_finite_differences(lambda v, **k: lk.entropy(v, sample_weight=s, reduction=reduction, **k), x)
    for log_target in (False, True):
        assert_matches_finite_differences(
            lambda v, **k: lk.kl_div(v, t, log_target=log_target, sample_weight=s, reduction=reduction, **k), x)


def test_extremes(dtype):
    big = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -np.inf]], dtype)
    t = np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]], dtype)
    h, hg, hh = lk.entropy(big, grad=True, hess=True)
    assert_close(h, [0.0, np.log(3), np.log(2)], dtype)
    assert np.all(np.isfinite(hg)) and np.all(np.isfinite(hh))
    js, jg, jh = lk.jensen_shannon_divergence(big, t, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(js, [0.0, 0.0, 0.0], atol=1e-12)  # t = 1/3 is rounded in float32
    assert np.all(np.isfinite(jg)) and np.all(np.isfinite(jh))
    # The target's mass on a class the model rules out entirely (q = 0): JS is log 2 at most.
    far = lk.jensen_shannon_divergence(np.array([[0.0, -np.inf]], dtype), np.array([[0.0, 1.0]], dtype))
    assert_close(far, np.log(2), dtype)
    one = lk.entropy(np.array([[3.0]], dtype), grad=True, hess=True)
    assert one[0].tolist() == [0.0] and not one[1].any() and not one[2].any()
    empty = lk.kl_div(np.zeros((0, 3), dtype), np.zeros((0, 3), dtype), reduction="batchmean", grad=True)
    assert empty[0] == 0.0 and empty[1].shape == (0, 3)


def test_bad_arguments():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="reduction"):
        lk.kl_div(x, x, reduction="average")
    with pytest.raises(ValueError, match="reduction"):
        lk.entropy(x, reduction="batchmean")
    with pytest.raises(TypeError, match="log_target"):
        lk.kl_div(x, x, log_target=0.5)
    with pytest.raises(ValueError, match="target"):
        lk.kl_div(x, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="target"):
        lk.jensen_shannon_divergence(x, np.full((2, 3), -0.1))
    with pytest.raises(ValueError, match="sample_weight"):
        lk.entropy(x, sample_weight=np.ones(3))
