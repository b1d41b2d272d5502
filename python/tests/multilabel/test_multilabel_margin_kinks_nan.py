"""`multilabel_margin_loss` at its kinks (against PyTorch, whose kernel counts a pair only where
1 - (z_j - z_k) > 0) and with NaN (NaN in the row's loss and gradient, where PyTorch's kernel
skips the pair)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, torch_grads


def test_exactly_at_the_kink_matches_torch(dtype):
    # Row 0: target class 0, z_0 - z_1 = 1 exactly (flat), z_0 - z_2 = 0.5 (active).
    x = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]], dtype)
    target = np.array([[0, -1, -1], [1, 2, -1]])
    loss, g = lk.multilabel_margin_loss(x, target, reduction="none", grad=True)
    ref, (r,) = torch_grads(F.multilabel_margin_loss, [x.astype(np.float64)], torch.tensor(target),
                            reduction="none")
    assert_close(loss, ref, dtype)
    assert_close(g, r, dtype)
    assert r[0, 1] == 0.0


@pytest.mark.parametrize("column", [0, 1])
def test_nan_score_gives_nan_in_its_row(column, dtype):
    x = np.array([[0.5, 0.2, 0.1], [0.3, 0.1, 0.0]], dtype)
    target = np.array([[0, -1, -1], [1, -1, -1]])
    clean = lk.multilabel_margin_loss(x, target, reduction="none", grad=True)
    x[0, column] = np.nan
    loss, g = lk.multilabel_margin_loss(x, target, reduction="none", grad=True)
    assert np.isnan(loss[0]) and np.isnan(g[0, column]) and np.isnan(g[0, 0])
    np.testing.assert_array_equal(loss[1], clean[0][1])
    np.testing.assert_array_equal(g[1], clean[1][1])
    assert np.isnan(lk.multilabel_margin_loss(x, target))
