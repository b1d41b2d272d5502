"""PyTorch's `weight` argument of `mse_loss`, `l1_loss` and `huber_loss` (PyTorch 2.13+),
against PyTorch itself: loss values by PyTorch's forward, gradients by its autograd. PyTorch's
weighted mean is Σ w·l / Σ w for mse and l1 but mean(w·l) for Huber, and LossKit keeps each."""
import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, torch_grads

LOSSES = {
    "mse_loss": (lk.mse_loss, F.mse_loss, {}),
    "l1_loss": (lk.l1_loss, F.l1_loss, {}),
    "huber_loss": (lk.huber_loss, F.huber_loss, {"delta": 0.7}),
}
torch_has_weight = all("weight" in inspect.signature(f).parameters for _, f, _ in LOSSES.values())
needs_torch_weight = pytest.mark.skipif(not torch_has_weight, reason="this PyTorch has no weight argument")


@needs_torch_weight
@pytest.mark.parametrize("name", LOSSES)
def test_weight_matches_torch(name, dtype, reduction, rng):
    ours, theirs, params = LOSSES[name]
    x = rng.normal(size=(6, 5)).astype(dtype)
    y = rng.normal(size=(6, 5)).astype(dtype)
    w = rng.uniform(0.0, 2.0, size=(6, 5)).astype(dtype)
    loss, g = ours(x, y, weight=w, reduction=reduction, grad=True, **params)
    ref, (rg,) = torch_grads(theirs, [x.astype(np.float64)], torch.tensor(y, dtype=torch.float64),
                             weight=torch.tensor(w, dtype=torch.float64), reduction=reduction, **params)
    assert_close(loss, ref, dtype)
    assert_close(g, rg, dtype)


@needs_torch_weight
@pytest.mark.parametrize("name", LOSSES)
def test_weight_broadcasts_to_the_input(name, dtype, rng):
    """A weight per column (shape (5,)) equals PyTorch's with the weight expanded (PyTorch
    itself wants the input's exact shape)."""
    ours, theirs, params = LOSSES[name]
    x = rng.normal(size=(4, 5)).astype(dtype)
    y = rng.normal(size=(4, 5)).astype(dtype)
    w = rng.uniform(0.5, 2.0, size=5).astype(dtype)
    loss, g = ours(x, y, weight=w, grad=True, **params)
    ref, (rg,) = torch_grads(theirs, [x.astype(np.float64)], torch.tensor(y, dtype=torch.float64),
                             weight=torch.tensor(np.broadcast_to(w, x.shape), dtype=torch.float64), **params)
    assert_close(loss, ref, dtype)
    assert_close(g, rg, dtype)


@pytest.mark.parametrize("name", LOSSES)
def test_weight_refusals_name_the_argument(name):
    ours, _, params = LOSSES[name]
    x = np.zeros(3)
    with pytest.raises(ValueError, match=r"weight must be finite and >= 0; element 1 is -1"):
        ours(x, x, weight=np.array([1.0, -1.0, 1.0]), **params)
    with pytest.raises(ValueError, match="weight"):
        ours(x, x, weight=np.array([1.0, np.nan, 1.0]), **params)
    with pytest.raises(ValueError, match=r"weight: shape \(2,\)"):
        ours(x, x, weight=np.ones(2), **params)
    with pytest.raises(ValueError, match="either weight"):
        ours(x, x, weight=np.ones(3), sample_weight=np.ones(3), **params)
