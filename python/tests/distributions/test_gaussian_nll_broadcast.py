"""`gaussian_nll_loss` with a target that broadcasts to the input (a size-1 axis where the input
has more, or fewer axes), as PyTorch documents and computes it, in the numpy API and in
`losskit.torch`; compared with PyTorch's loss and autograd gradients."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
import losskit.torch as lt
from conftest import assert_close

SHAPE = (4, 3, 5)
TARGET_SHAPES = [(4, 1, 5), (1, 3, 5), (4, 3, 1), (5,), ()]


@pytest.mark.parametrize("target_shape", TARGET_SHAPES, ids=str)
@pytest.mark.parametrize("var_shape", [SHAPE, (4, 3), (4, 1, 5)], ids=str)
def test_broadcast_target_matches_torch(target_shape, var_shape, dtype, reduction):
    rng = np.random.default_rng(7)
    x = rng.normal(size=SHAPE).astype(dtype)
    y = rng.normal(size=target_shape).astype(dtype)
    var = rng.uniform(0.2, 2.0, size=var_shape).astype(dtype)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    vt = torch.tensor(var, dtype=torch.float64, requires_grad=True)
    ref = F.gaussian_nll_loss(xt, torch.tensor(y, dtype=torch.float64), vt, reduction=reduction)
    ref_gx, ref_gv = torch.autograd.grad(ref.sum(), [xt, vt])
    loss, g, params = lk.gaussian_nll_loss(x, y, var, reduction=reduction, grad=True, grad_params=True)
    assert_close(loss, ref.detach().numpy(), dtype)
    assert_close(g, ref_gx.numpy(), dtype)
    assert_close(params["var"], ref_gv.numpy(), dtype, rtol=10 * (2e-6 if dtype == np.float32 else 1e-13))


def test_broadcast_target_through_losskit_torch(dtype):
    rng = np.random.default_rng(8)
    x = torch.tensor(rng.normal(size=SHAPE).astype(dtype), requires_grad=True)
    y = torch.tensor(rng.normal(size=(4, 1, 5)).astype(dtype))
    var = torch.tensor(rng.uniform(0.2, 2.0, size=(4, 3, 1)).astype(dtype), requires_grad=True)
    ours = lt.gaussian_nll_loss(x, y, var)
    ours_g = torch.autograd.grad(ours, [x, var])
    x64, var64 = (t.detach().double().requires_grad_() for t in (x, var))
    ref = F.gaussian_nll_loss(x64, y.double(), var64)
    ref_g = torch.autograd.grad(ref, [x64, var64])
    assert_close(ours.detach().numpy(), ref.detach().numpy(), dtype)
    for a, b in zip(ours_g, ref_g):
        assert_close(a.numpy(), b.numpy(), dtype, rtol=10 * (2e-6 if dtype == np.float32 else 1e-13))


def test_a_target_that_would_enlarge_the_loss_is_refused():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"target: expected the input's shape \(2, 3\) or a shape that broadcasts"):
        lk.gaussian_nll_loss(x, np.zeros((4, 2, 3)), 1.0)
    with pytest.raises(ValueError, match="target"):
        lk.gaussian_nll_loss(x, np.zeros(2), 1.0)
