"""binary_cross_entropy_with_logits against torch.nn.functional (float64 autograd and Hessian):
PyTorch's `weight` (rescaling) and `pos_weight` (scalar or per class, along the last axis)
compared directly with torch, `sample_weight` against the documented weighted mean, logits
of ±1e4, NaN, empty and all-zero weights."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import (assert_close, assert_matches_finite_differences, torch_derivatives,
                      weighted_reduction, widened)

N, C = 4, 3

# Option name -> shapes of the arrays it is given (() is a scalar).
OPTIONS = {
    "plain": {},
    "weight-per-class": {"weight": (C,)},
    "weight-per-sample": {"weight": (N, 1)},
    "weight-full": {"weight": (N, C)},
    "pos_weight-scalar": {"pos_weight": ()},
    "pos_weight-per-class": {"pos_weight": (C,)},
    "weight-and-pos_weight": {"weight": (N, 1), "pos_weight": (C,)},
}


def data(rng, dtype=np.float64):
    """Logits in about ±6, targets hard (0/1) in the first half and soft in the rest."""
    x = rng.normal(scale=3.0, size=(N, C))
    y = np.concatenate([rng.integers(0, 2, size=N * C // 2), rng.uniform(size=N * C - N * C // 2)])
    return x.astype(dtype), rng.permutation(y).reshape(N, C).astype(dtype)


def options(rng, name, dtype=np.float64):
    return {key: np.asarray(rng.uniform(0.3, 3.0, size=shape), dtype=dtype)
            for key, shape in OPTIONS[name].items()}


def torch_bce(target, reduction, opts, dtype):
    y = torch.from_numpy(widened(target, dtype))
    t_opts = {k: torch.from_numpy(widened(v, dtype)) for k, v in opts.items()}
    return lambda t: F.binary_cross_entropy_with_logits(t, y, reduction=reduction, **t_opts)


@pytest.mark.parametrize("option", OPTIONS)
def test_matches_torch(option, dtype, reduction, rng):
    x, y = data(rng, dtype)
    opts = options(rng, option, dtype)
    loss, grad, hess = lk.binary_cross_entropy_with_logits(x, y, reduction=reduction, grad=True,
                                                           hess=True, **opts)
    ref = torch_derivatives(torch_bce(y, reduction, opts, dtype), widened(x, dtype))
    assert grad.dtype == dtype and hess.dtype == dtype
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)


@pytest.mark.parametrize("option", OPTIONS)
def test_derivatives_match_finite_differences(option, reduction, rng):
    x, y = data(rng)
    opts = options(rng, option)
    fn = lambda v, **k: lk.binary_cross_entropy_with_logits(v, y, reduction=reduction, **opts, **k)
    assert_matches_finite_differences(fn, x)


@pytest.mark.parametrize("per_sample", [False, True], ids=["per-element", "per-sample"])
@pytest.mark.parametrize("option", ["plain", "pos_weight-per-class"])
def test_sample_weight_is_the_documented_weighted_mean(option, per_sample, dtype, reduction, rng):
    """`sample_weight` normalises: 'mean' is Σ w·l / Σ w, unlike torch's rescaling `weight`."""
    x, y = data(rng, dtype)
    opts = options(rng, option, dtype)
    w = rng.uniform(0.0, 2.0, size=(N,) if per_sample else (N, C)).astype(dtype)
    w_full = torch.from_numpy(widened(np.broadcast_to(w[:, None] if per_sample else w, (N, C)), dtype))
    loss, grad, hess = lk.binary_cross_entropy_with_logits(x, y, reduction=reduction, sample_weight=w,
                                                           grad=True, hess=True, **opts)
    ref = torch_derivatives(
        lambda t: weighted_reduction(torch_bce(y, "none", opts, dtype)(t), w_full, reduction),
        widened(x, dtype))
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)


@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_logits_of_1e4_give_the_analytic_limits(pos_weight, dtype):
    """At |x| = 1e4 every exponential under- or overflows; the loss must stay exact:
    l = (1 - y)·x + p·y·softplus(-x) + (1 - y)·softplus(-x), so l → (1 - y)·x for x → +∞ and
    → -p·y·x for x → -∞; ∂l/∂x → 1 - y and -p·y; ∂²l/∂x² → 0."""
    x = np.array([1e4, -1e4, 1e4, -1e4, 1e4, -1e4], dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.25, 0.25], dtype)
    p = 1.0 if pos_weight is None else pos_weight
    loss, grad, hess = lk.binary_cross_entropy_with_logits(x, y, pos_weight=pos_weight, reduction="none",
                                                           grad=True, hess=True)
    positive = x > 0
    expected_loss = np.where(positive, (1 - y) * x, -p * y * x)
    expected_grad = np.where(positive, 1 - y, -p * y)
    assert_close(loss, expected_loss.astype(np.float64), dtype)
    assert_close(grad, expected_grad.astype(np.float64), dtype)
    np.testing.assert_array_equal(hess, 0.0)
    opts = {} if pos_weight is None else {"pos_weight": np.asarray(pos_weight, dtype)}
    torch_loss = torch_bce(y, "none", opts, dtype)(torch.from_numpy(widened(x, dtype))).numpy()
    assert_close(loss, torch_loss, dtype)
    assert np.isfinite(lk.binary_cross_entropy_with_logits(x, y, pos_weight=pos_weight))


def test_nan_input_propagates_to_its_element(dtype, rng):
    """Documented: NaN gives NaN in that element's loss, gradient and Hessian, and in a reduced
    loss; other elements are unchanged."""
    x, y = data(rng, dtype)
    clean = lk.binary_cross_entropy_with_logits(x, y, reduction="none", grad=True, hess=True)
    x[2, 1] = np.nan
    dirty = lk.binary_cross_entropy_with_logits(x, y, reduction="none", grad=True, hess=True)
    others = ~np.isnan(x)
    for before, after in zip(clean, dirty):
        assert np.isnan(after[2, 1])
        np.testing.assert_array_equal(after[others], before[others])
    assert np.isnan(lk.binary_cross_entropy_with_logits(x, y))


@pytest.mark.parametrize("argument", ["sample_weight", "weight"])
def test_all_weights_zero_give_zero(argument, reduction, rng):
    """Zero weights: loss 0 and zero derivatives under every reduction (for `weight`, torch
    agrees: 0 / n; for `sample_weight` the mean over an empty set is 0.0, not NaN)."""
    x, y = data(rng)
    loss, grad, hess = lk.binary_cross_entropy_with_logits(
        x, y, reduction=reduction, grad=True, hess=True, **{argument: np.zeros((N, C))})
    assert np.all(np.asarray(loss) == 0.0)
    assert np.all(grad == 0.0) and np.all(hess == 0.0)


def test_empty_input(dtype, reduction):
    x = np.zeros((0, C), dtype)
    loss, grad = lk.binary_cross_entropy_with_logits(x, x, pos_weight=np.ones(C), reduction=reduction,
                                                     grad=True)
    if reduction == "none":
        assert loss.shape == (0, C)
    else:
        assert loss == 0.0
    assert grad.shape == (0, C) and grad.dtype == dtype
