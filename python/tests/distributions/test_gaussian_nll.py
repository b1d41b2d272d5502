"""gaussian_nll_loss against PyTorch (values, input and var gradients, full, eps, the var shapes
PyTorch allows), finite differences, weights, and the parameter-gradient plumbing."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from losskit._internal import _native
from losskit._internal.catalogue import loss_id
from derivative_checks import DTYPES, REDUCTIONS, RTOL, assert_derivatives, central_difference

SHAPE = (4, 3, 5)
VAR_SHAPES = [SHAPE, SHAPE[:-1], (4, 1, 5), (1, 3, 5), (4, 3, 1), ()]


def torch_reference(x, y, var, *, full, eps, reduction):
    """PyTorch's loss and its gradients with respect to input and var, in float64."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    vt = torch.tensor(var, dtype=torch.float64, requires_grad=True) if np.ndim(var) else float(var)
    loss = F.gaussian_nll_loss(xt, torch.tensor(y, dtype=torch.float64), vt, full=full, eps=eps,
                               reduction=reduction)
    inputs = [xt, vt] if torch.is_tensor(vt) else [xt]
    grads = torch.autograd.grad(loss.sum(), inputs)
    return loss.detach().numpy(), grads[0].numpy(), grads[1].numpy() if len(grads) > 1 else None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", VAR_SHAPES, ids=str)
@pytest.mark.parametrize("full", [False, True])
def test_matches_torch(dtype, reduction, var_shape, full):
    rng = np.random.default_rng(len(var_shape))
    x = rng.normal(0, 2, SHAPE).astype(dtype)
    y = rng.normal(0, 2, SHAPE).astype(dtype)
    var = rng.uniform(0.1, 3, var_shape).astype(dtype)
    # Collapsed variances, below eps: clamped, with the straight-through gradient.
    if var.ndim:
        var.flat[:2] = [0.0, 1e-9]
    eps = 1e-3
    ref, ref_g, ref_vg = torch_reference(x.astype(np.float64), y.astype(np.float64),
                                         var.astype(np.float64), full=full, eps=eps, reduction=reduction)
    loss, g, h, params = lk.gaussian_nll_loss(x, y, var, full=full, eps=eps, reduction=reduction,
                                              grad=True, hess=True, grad_params=True)
    rtol = RTOL[np.dtype(dtype)] * 10
    np.testing.assert_allclose(loss, ref, rtol=rtol)
    np.testing.assert_allclose(g, ref_g, rtol=rtol)
    ref_h = np.broadcast_to(1 / np.maximum(var.astype(np.float64), eps) if var.ndim != len(SHAPE) - 1
                            else 1 / np.maximum(var.astype(np.float64), eps)[..., None], SHAPE)
    scale = 1 / x.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(h, scale * ref_h, rtol=rtol)
    if var.ndim:
        assert params["var"].shape == var.shape
        np.testing.assert_allclose(params["var"], ref_vg, rtol=rtol * 10)
    else:
        # PyTorch takes a scalar var as a plain float and gives it no gradient: differentiate
        # its loss numerically instead.
        fd = central_difference(lambda v: np.array([torch_reference(
            x.astype(np.float64), y.astype(np.float64), float(v[0]), full=full, eps=eps,
            reduction=reduction)[0].sum()]), np.array([float(var)]))
        assert params["var"] == pytest.approx(fd[0], rel=1e-6)


def test_defaults_and_pytorch_clamp_example():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.zeros((2, 2))
    var = np.array([[1e-9, 2.0], [0.5, 3.0]])
    ref, _, ref_vg = torch_reference(x, y, var, full=False, eps=1e-6, reduction="mean")
    loss, params = lk.gaussian_nll_loss(x, y, var, grad_params=True)
    np.testing.assert_allclose(loss, ref, rtol=1e-14)
    np.testing.assert_allclose(params["var"], ref_vg, rtol=1e-14)
    assert params["var"][0, 0] == pytest.approx(0.5 * (1e6 - 1e12) / 4)  # straight through, not 0


def test_finite_differences_in_input_and_var():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, 40)
    y = rng.normal(0, 2, 40)
    var = rng.uniform(0.05, 4, 40)
    assert_derivatives(lambda a, b, **k: lk.gaussian_nll_loss(a, b, var, **k), x, y)
    fd = central_difference(lambda v: lk.gaussian_nll_loss(x, y, v, reduction="none"), var)
    _, params = lk.gaussian_nll_loss(x, y, var, reduction="none", grad_params=True)
    np.testing.assert_allclose(params["var"], fd, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sample_weight_weights_every_derivative(dtype):
    rng = np.random.default_rng(6)
    x = rng.normal(0, 1, (5, 4)).astype(dtype)
    y = rng.normal(0, 1, (5, 4)).astype(dtype)
    var = rng.uniform(0.5, 2, (5, 4)).astype(dtype)
    w = rng.uniform(0, 2, 5).astype(dtype)
    l, g, p = lk.gaussian_nll_loss(x, y, var, reduction="none", grad=True, grad_params=True)
    vg = p["var"]
    m, gm, pm = lk.gaussian_nll_loss(x, y, var, sample_weight=w, grad=True, grad_params=True)
    ww = np.repeat(w, 4).reshape(5, 4).astype(np.float64)
    rtol = RTOL[np.dtype(dtype)] * 10
    np.testing.assert_allclose(m, np.sum(ww * l) / ww.sum(), rtol=rtol)
    np.testing.assert_allclose(gm, ww * g / ww.sum(), rtol=rtol)
    np.testing.assert_allclose(pm["var"], ww * vg / ww.sum(), rtol=rtol)
    assert pm["var"].dtype == dtype


def test_bad_arguments_name_them():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="var"):
        lk.gaussian_nll_loss(x, x, np.array([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]]))
    with pytest.raises(ValueError):  # PyTorch refuses it too
        F.gaussian_nll_loss(torch.zeros(2), torch.zeros(2), torch.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="var: expected"):
        lk.gaussian_nll_loss(x, x, np.ones((3, 2)))
    with pytest.raises(ValueError, match="var: expected"):
        lk.gaussian_nll_loss(x, x, np.ones(3))  # neither (2, 3), (2,), nor one axis of size 1
    with pytest.raises(ValueError, match="eps"):
        lk.gaussian_nll_loss(x, x, 1.0, eps=0.0)
    with pytest.raises(TypeError, match="full"):
        lk.gaussian_nll_loss(x, x, 1.0, full=1)
    with pytest.raises(ValueError, match="var"):
        lk.gaussian_nll_loss(x, x, np.inf)


def test_parameter_gradients_are_refused_where_a_loss_has_none():
    x = np.zeros(3)
    out = np.zeros(0)
    with pytest.raises(ValueError, match="mse_loss has no derivatives with respect to its parameters"):
        _native.elementwise(loss_id("mse_loss"), (), x, x, None, 0, None, 1, None, None, None, out, None)
    entries = {e["name"]: e["parameter_grad"] for e in lk.catalogue()}
    assert entries["gaussian_nll_loss"] and not entries["mse_loss"] and not entries["cross_entropy"]


def test_parameter_gradients_of_eps_and_full():
    x = np.array([1.0, 2.0, 0.5])
    y = np.zeros(3)
    var = np.array([1e-4, 2.0, 1e-5])
    eps = 1e-3
    for reduction in REDUCTIONS:
        pg = np.zeros(2)
        _native.elementwise(loss_id("gaussian_nll_loss"), (0.0, eps), x, y, None, 0, var, 1 if reduction == "mean"
                            else 2 if reduction == "sum" else 0, np.empty(3), None, None, pg, None)
        fd_full = (lk.gaussian_nll_loss(x, y, var, full=True, eps=eps, reduction="sum")
                   - lk.gaussian_nll_loss(x, y, var, full=False, eps=eps, reduction="sum"))
        # d/d eps of ½(log eps + r²/eps) over the clamped elements.
        d_eps = np.sum(np.where(var < eps, 0.5 * (1 / eps - x**2 / eps**2), 0.0))
        n = 3 if reduction == "mean" else 1
        np.testing.assert_allclose(pg, [fd_full / n, d_eps / n], rtol=1e-12)
