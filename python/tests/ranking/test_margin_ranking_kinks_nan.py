"""`margin_ranking_loss` at its kink and with NaN, against PyTorch.

PyTorch computes max(0, -y(x1 - x2) + margin) with `clamp_min`, whose gradient passes at exactly
0, and LossKit follows it (README, "Kinks"). NaN in a score gives NaN in that pair's loss and
gradients, as PyTorch's loss is NaN there.
"""
import numpy as np
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, torch_grads


def test_gradient_at_the_kink_matches_torch(dtype):
    x1 = np.array([1.0, 2.0, 0.5, 3.0], dtype)
    x2 = np.array([1.0, 1.0, 0.5, 0.0], dtype)
    y = np.array([1.0, 1.0, -1.0, 1.0], dtype)
    for margin in (0.0, 1.0):
        loss, (g1, g2) = lk.margin_ranking_loss(x1, x2, y, margin=margin, reduction="none", grad=True)
        ref, (r1, r2) = torch_grads(F.margin_ranking_loss, [x1.astype(np.float64), x2.astype(np.float64)],
                                    torch.tensor(y, dtype=torch.float64), margin=margin, reduction="none")
        assert_close(loss, ref, dtype)
        assert_close(g1, r1, dtype)
        assert_close(g2, r2, dtype)
    assert r1[1] == -1.0  # margin 1, x1 - x2 = 1: exactly at the kink, and active


def test_nan_score_gives_nan_loss_and_gradients(dtype):
    """The issue's call: margin_ranking_loss([nan], [0.], [1.], reduction='none') was [0.]."""
    x1, x2, y = np.array([np.nan, 0.0], dtype), np.array([0.0, 1.0], dtype), np.array([1.0, 1.0], dtype)
    loss, (g1, g2) = lk.margin_ranking_loss(x1, x2, y, reduction="none", grad=True)
    ref = F.margin_ranking_loss(torch.tensor(x1), torch.tensor(x2), torch.tensor(y), reduction="none")
    np.testing.assert_array_equal(np.isnan(loss), np.isnan(ref.numpy()))
    assert np.isnan(loss[0]) and loss[1] == 1.0
    assert np.isnan(g1[0]) and np.isnan(g2[0]) and g1[1] == -1.0 and g2[1] == 1.0
    for reduction in ("mean", "sum"):
        assert np.isnan(lk.margin_ranking_loss(x1, x2, y, reduction=reduction))
