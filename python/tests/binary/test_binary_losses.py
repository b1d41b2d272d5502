"""Binary classification losses against PyTorch, optax and scikit-learn, plus finite
differences of every gradient and Hessian, reductions, weights, extremes and label checks."""
from __future__ import annotations

import jax
import numpy as np
import optax
import pytest
import sklearn.linear_model._sgd_fast as sgd
import torch
import torch.nn.functional as F
from sklearn._loss.loss import ExponentialLoss
from sklearn.metrics import hinge_loss as sk_hinge_loss

import losskit as lk
from derivative_checks import DTYPES, REDUCTIONS, RTOL, assert_derivatives, assert_reductions

jax.config.update("jax_enable_x64", True)


def torch_derivatives(fn, x, *args):
    """Per-element loss, gradient and Hessian diagonal of an elementwise torch loss (float64)."""
    xt = torch.tensor(np.asarray(x, np.float64), requires_grad=True)
    loss = fn(xt, *args)
    (g,) = torch.autograd.grad(loss.sum(), xt, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), xt)
    return loss.detach().numpy(), g.detach().numpy(), h.numpy()


def margins(rng, n=64):
    """Logits well away from the kinks at y·x = ±1, and ±1 labels."""
    x = rng.uniform(-3, 3, n)
    x = np.where(np.abs(np.abs(x) - 1) < 0.05, x + 0.2, x)
    return x, rng.choice([-1.0, 1.0], n)


# --- binary_cross_entropy (probabilities) ------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_matches_torch_including_clamps(dtype, reduction):
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(0.01, 0.99, 40), [0.0, 1.0, 0.0, 1.0, 1e-13, 1 - 1e-7, 1e-30]])
    y = np.concatenate([rng.uniform(0, 1, 40), [1.0, 0.0, 0.0, 1.0, 0.5, 0.0, 1.0]])
    p, y = p.astype(dtype), y.astype(dtype)
    weight = rng.uniform(0.5, 2, p.shape).astype(dtype)
    # Torch in the same dtype: its gradient clamp is a float32 constant in both precisions.
    pt = torch.tensor(p, requires_grad=True)
    ref = F.binary_cross_entropy(pt, torch.tensor(y), weight=torch.tensor(weight), reduction=reduction)
    (ref_g,) = torch.autograd.grad(ref.sum(), pt)
    loss, g = lk.binary_cross_entropy(p, y, weight=weight, reduction=reduction, grad=True)
    rtol = RTOL[np.dtype(dtype)] * 10
    np.testing.assert_allclose(loss, ref.detach().numpy(), rtol=rtol)
    np.testing.assert_allclose(g, ref_g.numpy(), rtol=rtol)
    assert g.dtype == dtype


def test_bce_clamp_values_are_pytorchs():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss, g, h = lk.binary_cross_entropy(p, y, reduction="none", grad=True, hess=True)
    eps = float(np.float32(1e-12))  # PyTorch's EPSILON, a float constant
    np.testing.assert_array_equal(loss, [100.0, 100.0, 0.0, 0.0])
    np.testing.assert_allclose(g, [-1 / eps, 1 / eps, 0.0, 0.0], rtol=1e-15)
    # The Hessian is the derivative of the clamped gradient (p - y)/eps: 1/eps.
    np.testing.assert_allclose(h, [1 / eps] * 4, rtol=1e-15)


def test_bce_hessian_is_exact_inside_and_close_to_torch_double_backward():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.02, 0.98, 50)
    y = rng.uniform(0, 1, 50)
    _, g, h = lk.binary_cross_entropy(p, y, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(h, y / p**2 + (1 - y) / (1 - p) ** 2, rtol=1e-13)
    _, ref_g, ref_h = torch_derivatives(
        lambda v: F.binary_cross_entropy(v, torch.tensor(y), reduction="none"), p)
    np.testing.assert_allclose(g, ref_g, rtol=1e-13)
    np.testing.assert_allclose(h, ref_h, rtol=1e-9)  # torch adds eps inside (p(1-p) + eps)²
    assert_derivatives(lk.binary_cross_entropy, p, y)


def test_bce_reductions_and_sample_weight():
    rng = np.random.default_rng(2)
    for dtype in DTYPES:
        p = rng.uniform(0.05, 0.95, (6, 5)).astype(dtype)
        y = rng.integers(0, 2, (6, 5)).astype(dtype)
        assert_reductions(lk.binary_cross_entropy, p, y, rng.uniform(0, 2, (6, 5)).astype(dtype))
        # One weight per sample spreads over that sample's elements.
        per_sample = rng.uniform(0.1, 2, 6).astype(dtype)
        a = lk.binary_cross_entropy(p, y, sample_weight=per_sample)
        b = lk.binary_cross_entropy(p, y, sample_weight=np.repeat(per_sample, 5).reshape(6, 5))
        np.testing.assert_allclose(a, b, rtol=RTOL[np.dtype(dtype)])


def test_bce_domain_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"input\[1\] = 1.5"):
        lk.binary_cross_entropy(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"input\[0\] = -0.1"):
        lk.binary_cross_entropy(np.array([-0.1]), np.array([0.0]))
    with pytest.raises(RuntimeError):  # PyTorch refuses the same input
        F.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"target\[0\] = 2"):
        lk.binary_cross_entropy(np.array([0.5]), np.array([2.0]))


# --- label smoothing for binary_cross_entropy_with_logits --------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.5, 1.0])
def test_bce_with_logits_label_smoothing_is_keras_rule(dtype, smoothing):
    rng = np.random.default_rng(3)
    x = rng.normal(0, 3, (8, 4)).astype(dtype)
    y = rng.integers(0, 2, (8, 4)).astype(dtype)
    pos_weight = rng.uniform(0.5, 3, 4).astype(dtype)
    smoothed = torch.tensor(y.astype(np.float64) * (1 - smoothing) + 0.5 * smoothing)
    pw = torch.tensor(pos_weight.astype(np.float64))
    ref, ref_g, ref_h = torch_derivatives(
        lambda v: F.binary_cross_entropy_with_logits(v, smoothed, pos_weight=pw, reduction="none"),
        x.astype(np.float64))
    loss, g, h = lk.binary_cross_entropy_with_logits(
        x, y, pos_weight=pos_weight, label_smoothing=smoothing, reduction="none", grad=True, hess=True)
    rtol = RTOL[np.dtype(dtype)] * 10
    np.testing.assert_allclose(loss, ref, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(g, ref_g, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(h, ref_h, rtol=rtol, atol=rtol)
    mean = lk.binary_cross_entropy_with_logits(x, y, pos_weight=pos_weight, label_smoothing=smoothing)
    np.testing.assert_allclose(mean, ref.mean(), rtol=rtol)


def test_bce_with_logits_label_smoothing_range():
    x, y = np.zeros(2), np.array([0.0, 1.0])
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="label_smoothing"):
            lk.binary_cross_entropy_with_logits(x, y, label_smoothing=bad)
    with pytest.raises(TypeError, match="label_smoothing"):
        lk.binary_cross_entropy_with_logits(x, y, label_smoothing="0.1")


def test_bce_with_logits_keeps_tiny_losses_of_confident_predictions():
    # Closed forms: -log σ(-x) = log1p(e^x) for y = 0, -log σ(x) = log1p(e^-x) for y = 1.
    x = np.array([-30.0, -60.0, 30.0, 60.0, -700.0])
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.0])
    loss, g = lk.binary_cross_entropy_with_logits(x, y, reduction="none", grad=True)
    tiny = np.exp(-np.abs(x))
    np.testing.assert_allclose(loss, np.log1p(tiny), rtol=1e-15, atol=0)
    np.testing.assert_allclose(g, np.where(y == 0, 1, -1) * tiny / (1 + tiny), rtol=1e-15, atol=0)


# --- soft margin (PyTorch) ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_matches_torch(dtype, reduction):
    rng = np.random.default_rng(4)
    # PyTorch computes log(1 + e^-z) and overflows to inf beyond |z| ~ 88 (float32) or 709;
    # the extremes are checked against their limits below.
    x = np.concatenate([rng.normal(0, 4, 30), [80.0, -80.0, 40.0, -40.0]]).astype(dtype)
    y = np.concatenate([rng.choice([-1.0, 1.0], 30), [1.0, 1.0, -1.0, -1.0]]).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    ref = F.soft_margin_loss(xt, torch.tensor(y), reduction=reduction)
    (ref_g,) = torch.autograd.grad(ref.sum(), xt)
    loss, g = lk.soft_margin_loss(x, y, reduction=reduction, grad=True)
    rtol = RTOL[np.dtype(dtype)] * 10
    np.testing.assert_allclose(loss, ref.detach().numpy(), rtol=rtol)
    np.testing.assert_allclose(g, ref_g.numpy(), rtol=rtol, atol=1e-30)


def test_soft_margin_hessian_and_extremes():
    x, y = margins(np.random.default_rng(5))
    _, _, ref_h = torch_derivatives(lambda v: F.soft_margin_loss(v, torch.tensor(y), reduction="none"), x)
    _, _, h = lk.soft_margin_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(h, ref_h, rtol=1e-13)
    assert_derivatives(lk.soft_margin_loss, x, y)
    loss, g, h = lk.soft_margin_loss(np.array([1e4, -1e4]), np.array([-1.0, -1.0]),
                                     reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(loss, [1e4, 0.0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(g, [1.0, 0.0], rtol=1e-15, atol=0)
    np.testing.assert_array_equal(h, [0.0, 0.0])


# --- hinge family (optax, scikit-learn) ---------------------------------------------------------

def sklearn_pointwise(loss, x, y):
    """scikit-learn SGD loss and its derivative, element by element."""
    return (np.array([loss.py_loss(a, b) for a, b in zip(x, y)]),
            np.array([loss.py_dloss(a, b) for a, b in zip(x, y)]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_hinge_matches_optax_and_sklearn(dtype):
    rng = np.random.default_rng(6)
    x, y = margins(rng)
    x, y = x.astype(dtype), y.astype(dtype)
    w = rng.uniform(0.1, 2, x.shape)
    rtol = RTOL[np.dtype(dtype)] * 10
    loss, g, h = lk.hinge_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_allclose(loss, np.asarray(optax.losses.hinge_loss(x.astype(np.float64), y)), rtol=rtol)
    np.testing.assert_allclose(g, np.asarray(jax.vmap(jax.grad(optax.losses.hinge_loss))(
        x.astype(np.float64), y.astype(np.float64))), rtol=rtol)
    ref_l, ref_g = sklearn_pointwise(sgd.Hinge(1.0), x.astype(np.float64), y.astype(np.float64))
    np.testing.assert_allclose(loss, ref_l, rtol=rtol)
    np.testing.assert_allclose(g, ref_g, rtol=rtol)
    np.testing.assert_array_equal(h, 0)
    np.testing.assert_allclose(lk.hinge_loss(x, y, sample_weight=w.astype(dtype)),
                               sk_hinge_loss(y, x, sample_weight=w.astype(dtype)), rtol=rtol)
    np.testing.assert_allclose(lk.hinge_loss(x, y), sk_hinge_loss(y, x), rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_squared_hinge_and_modified_huber_match_sklearn(dtype):
    rng = np.random.default_rng(7)
    x, y = margins(rng)
    x, y = x.astype(dtype), y.astype(dtype)
    rtol = RTOL[np.dtype(dtype)] * 10
    for ours, ref in ((lk.squared_hinge_loss, sgd.SquaredHinge(1.0)), (lk.modified_huber_loss, sgd.ModifiedHuber())):
        loss, g = ours(x, y, reduction="none", grad=True)
        ref_l, ref_g = sklearn_pointwise(ref, x.astype(np.float64), y.astype(np.float64))
        np.testing.assert_allclose(loss, ref_l, rtol=rtol, atol=1e-6 if dtype == np.float32 else 0)
        np.testing.assert_allclose(g, ref_g, rtol=rtol, atol=1e-6 if dtype == np.float32 else 0)


def test_margin_loss_hessians_are_piecewise_exact():
    x, y = margins(np.random.default_rng(8))
    z = x * y
    _, _, h = lk.squared_hinge_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(h, np.where(z < 1, 2.0, 0.0))
    _, _, h = lk.modified_huber_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(h, np.where((z >= -1) & (z < 1), 2.0, 0.0))
    for loss in (lk.hinge_loss, lk.squared_hinge_loss, lk.modified_huber_loss, lk.soft_margin_loss):
        assert_derivatives(loss, x, y)


def test_margin_losses_at_their_kinks():
    y = np.array([1.0, -1.0, 1.0, -1.0])
    x = np.array([1.0, -1.0, -1.0, 1.0])  # z = 1, 1, -1, -1
    loss, g, h = lk.hinge_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(loss, [0, 0, 2, 2])
    np.testing.assert_array_equal(g, [0, 0, -1, 1])  # 0 at z = 1 (scikit-learn's SGD gives -y)
    loss, g, h = lk.squared_hinge_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(loss, [0, 0, 4, 4])
    np.testing.assert_array_equal(g, [0, 0, -4, 4])
    np.testing.assert_array_equal(h, [0, 0, 2, 2])
    loss, g, h = lk.modified_huber_loss(x, y, reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(loss, [0, 0, 4, 4])
    np.testing.assert_array_equal(g, [0, 0, -4, 4])
    np.testing.assert_array_equal(h, [0, 0, 2, 2])  # scikit-learn's branch owns z = -1


@pytest.mark.parametrize("dtype", DTYPES)
def test_margin_losses_reductions(dtype):
    rng = np.random.default_rng(9)
    x, y = margins(rng, 40)
    w = rng.uniform(0, 2, 40).astype(dtype)
    for loss in (lk.hinge_loss, lk.squared_hinge_loss, lk.modified_huber_loss, lk.soft_margin_loss):
        assert_reductions(loss, x.astype(dtype), y.astype(dtype), w)


# --- exponential loss (scikit-learn) ------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_exponential_matches_sklearn(dtype):
    rng = np.random.default_rng(10)
    x = rng.normal(0, 3, 50)
    y = rng.integers(0, 2, 50).astype(np.float64)
    w = rng.uniform(0.1, 2, 50)
    ref = ExponentialLoss()
    ref_l = ref.loss(y, x)
    ref_g, ref_h = ref.gradient_hessian(y, x)
    loss, g, h = lk.exponential_loss(x.astype(dtype), y.astype(dtype), reduction="none", grad=True, hess=True)
    rtol = RTOL[np.dtype(dtype)] * 10
    np.testing.assert_allclose(loss, ref_l, rtol=rtol)
    np.testing.assert_allclose(g, ref_g, rtol=rtol)
    np.testing.assert_allclose(h, ref_h, rtol=rtol)
    np.testing.assert_allclose(lk.exponential_loss(x.astype(dtype), y.astype(dtype), sample_weight=w.astype(dtype)),
                               ref(y, x, sample_weight=w), rtol=rtol)
    assert_derivatives(lk.exponential_loss, x, y)
    assert_reductions(lk.exponential_loss, x.astype(dtype), y.astype(dtype), w.astype(dtype))


def test_exponential_extremes_never_nan():
    loss, g, h = lk.exponential_loss(np.array([1e3, -1e3, 1e3, -1e3]), np.array([1.0, 1.0, 0.0, 0.0]),
                                     reduction="none", grad=True, hess=True)
    np.testing.assert_array_equal(loss, [0.0, np.inf, np.inf, 0.0])
    np.testing.assert_array_equal(g, [-0.0, -np.inf, np.inf, 0.0])
    assert not np.isnan(h).any()


# --- label conventions -------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [lk.hinge_loss, lk.squared_hinge_loss, lk.soft_margin_loss,
                                  lk.modified_huber_loss])
def test_signed_losses_refuse_zero_one_labels(loss):
    with pytest.raises(ValueError, match=r"target\[2\] = 0 .*-1 or \+1 .*2 \* y - 1"):
        loss(np.zeros(3), np.array([1.0, -1.0, 0.0]))
    with pytest.raises(ValueError, match=r"target\[0\] = 0.5"):
        loss(np.zeros(1), np.array([0.5]))


def test_zero_one_losses_refuse_signed_labels():
    with pytest.raises(ValueError, match=r"target\[1\] = -1 .*0 or 1 .*\(y \+ 1\) / 2"):
        lk.exponential_loss(np.zeros(2), np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"target\[0\] = -1 .*\[0, 1\]"):
        lk.sigmoid_focal_loss(np.zeros(1), np.array([-1.0]))


def test_nan_propagates_to_loss_and_gradient():
    for loss, y in ((lk.hinge_loss, 1.0), (lk.squared_hinge_loss, 1.0), (lk.modified_huber_loss, -1.0),
                    (lk.soft_margin_loss, 1.0), (lk.exponential_loss, 1.0), (lk.sigmoid_focal_loss, 1.0)):
        value, g = loss(np.array([np.nan]), np.array([y]), reduction="none", grad=True)
        assert np.isnan(value).all() and np.isnan(g).all(), loss.__name__
