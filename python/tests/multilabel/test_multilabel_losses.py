"""multilabel_soft_margin_loss and multilabel_margin_loss against PyTorch (float64 autograd
and Hessian) and central differences, with class weights, sample weights and the edges
(padding, duplicate labels, logits of ±1e4, one class, empty input)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, assert_matches_finite_differences, torch_derivatives, widened

N, C = 5, 4
MARGIN_TARGET = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 2, 0], [2, 2, -1, -1], [-1, 0, 0, 0]])


def soft_targets(rng, soft):
    t = rng.uniform(size=(N, C)) if soft else (rng.uniform(size=(N, C)) > 0.5).astype(float)
    return t


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("soft", [False, True])
def test_multilabel_soft_margin_matches_torch(weighted, soft, dtype, reduction, rng):
    x = rng.normal(scale=2.0, size=(N, C)).astype(dtype)
    t = soft_targets(rng, soft).astype(dtype)
    w = rng.uniform(0.2, 2.0, size=C).astype(dtype) if weighted else None
    loss, grad, hess = lk.multilabel_soft_margin_loss(x, t, weight=w, reduction=reduction, grad=True, hess=True)
    tw = None if w is None else torch.from_numpy(widened(w, dtype))
    ref = torch_derivatives(lambda z: F.multilabel_soft_margin_loss(
        z, torch.from_numpy(widened(t, dtype)), weight=tw, reduction=reduction), widened(x, dtype))
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)


def test_multilabel_margin_matches_torch(dtype, reduction, rng):
    x = rng.normal(size=(N, C)).astype(dtype)
    loss, grad, hess = lk.multilabel_margin_loss(x, MARGIN_TARGET, reduction=reduction, grad=True, hess=True)
    xt = torch.tensor(widened(x, dtype), requires_grad=True)
    theirs = F.multilabel_margin_loss(xt, torch.as_tensor(MARGIN_TARGET), reduction=reduction)
    (theirs_grad,) = torch.autograd.grad(theirs.sum(), xt)
    assert_close(loss, theirs.detach().numpy(), dtype)
    assert_close(grad, theirs_grad.numpy(), dtype)
    assert not hess.any()


def test_unbatched_rows(rng):
    x = rng.normal(size=C)
    t = (rng.uniform(size=C) > 0.5).astype(float)
    assert_close(lk.multilabel_soft_margin_loss(x, t),
                 F.multilabel_soft_margin_loss(torch.tensor(x[None]), torch.tensor(t[None])).item(), np.float64)
    assert_close(lk.multilabel_margin_loss(x, MARGIN_TARGET[0]),
                 F.multilabel_margin_loss(torch.tensor(x), torch.as_tensor(MARGIN_TARGET[0])).item(), np.float64)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_finite_differences(reduction, rng):
    x = rng.normal(scale=2.0, size=(N, C))
    t = rng.uniform(size=(N, C))
    w = rng.uniform(0.2, 2.0, size=C)
    s = np.array([1.0, 0.0, 2.0, 0.5, 1.0])
    assert_matches_finite_differences(
        lambda v, **k: lk.multilabel_soft_margin_loss(v, t, weight=w, sample_weight=s, reduction=reduction, **k), x)
    assert_matches_finite_differences(
        lambda v, **k: lk.multilabel_margin_loss(v, MARGIN_TARGET, sample_weight=s, reduction=reduction, **k), x)


def test_sample_weight_is_the_weighted_mean(dtype, rng):
    x = rng.normal(size=(N, C)).astype(dtype)
    t = soft_targets(rng, False).astype(dtype)
    s = np.array([1.0, 0.0, 2.0, 0.5, 1.0], dtype)
    for fn, target in ((lk.multilabel_soft_margin_loss, t), (lk.multilabel_margin_loss, MARGIN_TARGET)):
        per_row = fn(x, target, reduction="none").astype(np.float64)
        assert_close(fn(x, target, sample_weight=s), np.sum(widened(s, dtype) * per_row) / widened(s, dtype).sum(), dtype)
        assert_close(fn(x, target, sample_weight=s, reduction="none"), widened(s, dtype) * per_row, dtype)


def test_extremes(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], dtype)
    t = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype)
    loss, grad, hess = lk.multilabel_soft_margin_loss(x, t, reduction="none", grad=True, hess=True)
    # Row 0: log 2 / 3 from the 0 logit; row 1: (1e4 + 1e4 + softplus(3)) / 3.
    assert_close(loss, [np.log(2) / 3, (2e4 + np.log1p(np.exp(3.0))) / 3], dtype)
    assert_close(grad[0], [0.0, 0.0, -0.5 / 3], dtype)
    assert np.all(np.isfinite(hess))
    one = lk.multilabel_soft_margin_loss(np.array([[2.0]], dtype), np.array([[1.0]], dtype))
    assert_close(one, np.log1p(np.exp(-2.0)), dtype)
    empty = lk.multilabel_margin_loss(np.zeros((0, 3), dtype), np.zeros((0, 3), np.int64), grad=True)
    assert empty[0] == 0.0 and empty[1].shape == (0, 3)
    # No label (first entry -1): loss 0; every class a label: loss 0.
    assert lk.multilabel_margin_loss(np.array([[1.0, 2.0]], dtype), np.array([[-1, 0]]), reduction="sum") == 0.0
    assert lk.multilabel_margin_loss(np.array([[1.0, 2.0]], dtype), np.array([[0, 1]]), reduction="sum") == 0.0


def test_bad_targets():
    x = np.zeros((2, 3))
    with pytest.raises(IndexError, match="target"):
        lk.multilabel_margin_loss(x, np.array([[0, 3, -1], [0, -1, 0]]))
    with pytest.raises(IndexError, match="target"):
        lk.multilabel_margin_loss(x, np.array([[0, -2, -1], [0, -1, 0]]))
    # Entries after the first -1 are not read, as in PyTorch.
    assert np.isfinite(lk.multilabel_margin_loss(x, np.array([[0, -1, 7], [0, -1, -5]])))
    with pytest.raises(ValueError, match="target"):
        lk.multilabel_margin_loss(x, np.array([0, 1, -1]))
    with pytest.raises(TypeError, match="target"):
        lk.multilabel_margin_loss(x, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="target"):
        lk.multilabel_soft_margin_loss(x, np.full((2, 3), 1.5))
    with pytest.raises(ValueError, match="target"):
        lk.multilabel_soft_margin_loss(x, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="weight"):
        lk.multilabel_soft_margin_loss(x, np.zeros((2, 3)), weight=np.ones(2))
    with pytest.raises(ValueError, match="input"):
        lk.multilabel_soft_margin_loss(np.zeros((2, 3, 1)), np.zeros((2, 3, 1)))
