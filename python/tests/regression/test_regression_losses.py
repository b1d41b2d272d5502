"""mse_loss, l1_loss and huber_loss against torch.nn.functional (float64 autograd, with the
full Hessian's diagonal) and against central differences of our own loss and gradient."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import (assert_close, assert_matches_finite_differences, torch_derivatives,
                      weighted_reduction, widened)

CASES = [
    pytest.param("mse_loss", {}, id="mse"),
    pytest.param("l1_loss", {}, id="l1"),
    pytest.param("huber_loss", {}, id="huber-default"),
    pytest.param("huber_loss", {"delta": 0.3}, id="huber-0.3"),
    pytest.param("huber_loss", {"delta": 4.0}, id="huber-4"),
]

# Residuals x - y at least 0.05 away from every kink (0 and each delta above), so that
# finite differences never straddle one and both Huber branches occur for every delta.
RESIDUALS = np.array([-3.1, -1.7, -0.8, -0.35, -0.1, 0.05, 0.2, 0.45, 0.9, 1.3, 2.6, 5.2])
SHAPE = (3, 4)


def data(rng, dtype=np.float64):
    y = rng.normal(scale=2.0, size=SHAPE)
    x = y + rng.permutation(RESIDUALS).reshape(SHAPE)
    return x.astype(dtype), y.astype(dtype)


def torch_loss(name, target, reduction, params):
    """The torch loss as a function of the input tensor."""
    y = torch.from_numpy(np.asarray(target, dtype=np.float64))
    return lambda t: getattr(F, name)(t, y, reduction=reduction, **params)


@pytest.mark.parametrize("name, params", CASES)
def test_matches_torch(name, params, dtype, reduction, rng):
    x, y = data(rng, dtype)
    loss, grad, hess = getattr(lk, name)(x, y, reduction=reduction, grad=True, hess=True, **params)
    ref_loss, ref_grad, ref_hess = torch_derivatives(
        torch_loss(name, widened(y, dtype), reduction, params), widened(x, dtype))
    if reduction == "none":
        assert loss.dtype == dtype and loss.shape == SHAPE
    else:
        assert isinstance(loss, float)
    assert grad.dtype == dtype and hess.dtype == dtype
    assert_close(loss, ref_loss, dtype)
    assert_close(grad, ref_grad, dtype)
    assert_close(hess, ref_hess, dtype)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name, params", CASES)
def test_derivatives_match_finite_differences(name, params, reduction, weighted, rng):
    x, y = data(rng)
    w = rng.uniform(0.2, 2.0, size=SHAPE) if weighted else None
    fn = lambda v, **k: getattr(lk, name)(v, y, reduction=reduction, sample_weight=w, **params, **k)
    assert_matches_finite_differences(fn, x)


@pytest.mark.parametrize("per_sample", [False, True], ids=["per-element", "per-sample"])
@pytest.mark.parametrize("name, params", CASES)
def test_sample_weight_is_the_documented_weighted_mean(name, params, dtype, reduction, per_sample, rng):
    """'mean' is Σ w·l / Σ w, 'sum' Σ w·l, 'none' w·l; a weight per sample (shape (N,))
    applies to every element of that sample's row. Some weights are 0."""
    x, y = data(rng, dtype)
    w = rng.uniform(0.0, 2.0, size=SHAPE[:1] if per_sample else SHAPE)
    w.flat[0] = 0.0
    w = w.astype(dtype)
    w_full = torch.from_numpy(widened(np.broadcast_to(w[:, None] if per_sample else w, SHAPE), dtype))
    loss, grad, hess = getattr(lk, name)(x, y, reduction=reduction, sample_weight=w,
                                         grad=True, hess=True, **params)
    ref = torch_derivatives(
        lambda t: weighted_reduction(torch_loss(name, widened(y, dtype), "none", params)(t), w_full, reduction),
        widened(x, dtype))
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("torch_reduction", ["mean", "sum"])
def test_weighted_mean_agrees_with_torch_weight_for_mse_and_l1(name, torch_reduction, rng):
    """For mse and l1, torch's `weight=` already means Σ w·l / Σ w."""
    x, y = data(rng)
    w = rng.uniform(0.1, 2.0, size=SHAPE)
    expected = getattr(F, name)(torch.from_numpy(x), torch.from_numpy(y), reduction=torch_reduction,
                                weight=torch.from_numpy(w)).item()
    assert_close(getattr(lk, name)(x, y, reduction=torch_reduction, sample_weight=w), expected, np.float64)


def test_weighted_huber_mean_is_normalised_unlike_torch(rng):
    """Deliberate difference: torch's weighted huber 'mean' is mean(w·l); ours is Σ w·l / Σ w,
    the rule every LossKit loss follows."""
    x, y = data(rng)
    w = rng.uniform(0.1, 2.0, size=SHAPE)
    per_element = F.huber_loss(torch.from_numpy(x), torch.from_numpy(y), reduction="none").numpy()
    ours = lk.huber_loss(x, y, sample_weight=w)
    assert_close(ours, np.sum(w * per_element) / np.sum(w), np.float64)
    torch_mean = F.huber_loss(torch.from_numpy(x), torch.from_numpy(y), weight=torch.from_numpy(w)).item()
    assert_close(torch_mean, np.mean(w * per_element), np.float64)
    assert abs(ours - torch_mean) > 1e-3


@pytest.mark.parametrize("name, params", CASES)
def test_all_weights_zero_give_zero_mean_and_derivatives(name, params, reduction, rng):
    """The mean over an empty set of weights is 0.0 with zero derivatives, not NaN."""
    x, y = data(rng)
    loss, grad, hess = getattr(lk, name)(x, y, reduction=reduction, sample_weight=np.zeros(SHAPE),
                                         grad=True, hess=True, **params)
    assert np.all(np.asarray(loss) == 0.0)
    assert np.all(grad == 0.0) and np.all(hess == 0.0)


@pytest.mark.parametrize("shape", [(0,), (0, 3)])
@pytest.mark.parametrize("name, params", CASES)
def test_empty_input(name, params, dtype, reduction, shape):
    """No elements: 'mean' and 'sum' are 0.0 (torch's 'mean' is NaN), 'none' an empty array."""
    x = np.zeros(shape, dtype)
    loss, grad, hess = getattr(lk, name)(x, x, reduction=reduction, grad=True, hess=True, **params)
    if reduction == "none":
        assert loss.shape == shape and loss.dtype == dtype
    else:
        assert loss == 0.0 and isinstance(loss, float)
    assert grad.shape == shape and hess.shape == shape and grad.dtype == dtype


@pytest.mark.parametrize("name, params", CASES)
def test_nan_input_propagates_to_its_element(name, params, dtype, rng):
    """Documented: NaN gives NaN in that element's loss and gradient (and in a reduced loss);
    it is not an error, and no other element changes. (These Hessians are piecewise constant,
    so they are not required to be NaN.)"""
    x, y = data(rng, dtype)
    clean = getattr(lk, name)(x, y, reduction="none", grad=True, **params)
    x[1, 2] = np.nan
    loss, grad = getattr(lk, name)(x, y, reduction="none", grad=True, **params)
    assert np.isnan(loss[1, 2]) and np.isnan(grad[1, 2])
    others = ~np.isnan(x)
    np.testing.assert_array_equal(loss[others], clean[0][others])
    np.testing.assert_array_equal(grad[others], clean[1][others])
    for reduced in ("mean", "sum"):
        assert np.isnan(getattr(lk, name)(x, y, reduction=reduced, **params))


def test_l1_gradient_is_zero_where_input_equals_target(dtype):
    """PyTorch's subgradient at the kink: sign(0) = 0."""
    x = np.array([1.5, -2.0, 0.0, 3.0], dtype)
    y = np.array([1.5, -1.0, 0.0, 3.5], dtype)
    _, grad, hess = lk.l1_loss(x, y, reduction="sum", grad=True, hess=True)
    _, ref_grad, _ = torch_derivatives(torch_loss("l1_loss", y, "sum", {}), x)
    np.testing.assert_array_equal(grad, ref_grad)
    np.testing.assert_array_equal(grad, [0.0, -1.0, 0.0, -1.0])
    np.testing.assert_array_equal(hess, 0.0)


def test_huber_at_exactly_delta_is_quadratic_branch(dtype):
    """|r| = δ belongs to the quadratic branch (|r| <= δ): Hessian 1; both branches agree
    there on the loss ½δ² and the gradient ±δ."""
    x = np.array([0.5, -0.5, 0.75], dtype)
    loss, grad, hess = lk.huber_loss(x, np.zeros(3, dtype), delta=0.5, reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(loss, [0.125, 0.125, 0.25])
    np.testing.assert_array_equal(grad, [0.5, -0.5, 0.5])
    np.testing.assert_array_equal(hess, [1.0, 1.0, 0.0])

