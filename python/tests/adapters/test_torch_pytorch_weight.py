"""`losskit.torch`'s `mse_loss`, `l1_loss` and `huber_loss` take PyTorch's `weight` (PyTorch
2.13+) with PyTorch's meaning, compared with PyTorch's own functions through autograd."""
import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit.torch as lt
from conftest import assert_close

NAMES = ["mse_loss", "l1_loss", "huber_loss"]
pytestmark = pytest.mark.skipif(
    not all("weight" in inspect.signature(getattr(F, n)).parameters for n in NAMES),
    reason="this PyTorch has no weight argument")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weight_matches_torch(name, reduction, dtype):
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.normal(size=(5, 4)).astype(dtype), requires_grad=True)
    y = torch.tensor(rng.normal(size=(5, 4)).astype(dtype))
    w = torch.tensor(rng.uniform(0.1, 2.0, size=(5, 4)).astype(dtype))
    ours = getattr(lt, name)(x, y, weight=w, reduction=reduction)
    (ours_g,) = torch.autograd.grad(ours.sum(), [x])
    x64 = x.detach().double().requires_grad_()
    ref = getattr(F, name)(x64, y.double(), weight=w.double(), reduction=reduction)
    (ref_g,) = torch.autograd.grad(ref.sum(), [x64])
    assert_close(ours.detach().numpy(), ref.detach().numpy(), dtype)
    assert_close(ours_g.numpy(), ref_g.numpy(), dtype)


def test_weight_positional_as_in_torch():
    """weight is where PyTorch has it: huber_loss(input, target, reduction, delta, weight)."""
    x, y, w = torch.ones(3), torch.zeros(3), torch.tensor([1.0, 2.0, 3.0])
    assert lt.mse_loss(x, y, weight=w).item() == pytest.approx(F.mse_loss(x, y, weight=w).item())
    assert lt.huber_loss(x, y, "sum", 1.0, w).item() == pytest.approx(F.huber_loss(x, y, "sum", 1.0, w).item())
