"""The multiclass margin losses at their kinks and with NaN.

Kink rule (README, "Kinks"): PyTorch's `multi_margin_loss` kernel counts a term only where
margin - z_y + z_c > 0, and LossKit follows it (compared with PyTorch on exact kinks).
`multiclass_hinge_loss` (not in PyTorch) puts the kink on the flat side: where the target's
own term ties for the maximum the loss is 0 and so is its gradient (a float64 formula of that
rule is the reference). NaN in a score gives NaN in that row's loss and gradient, where
PyTorch's kernel silently skips the term.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, torch_grads


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_exactly_at_the_kink_matches_torch(p, dtype):
    # Row 0: margin - z_0 + z_1 = 1 - 1 + 0 = 0 exactly (the kink); z_2 is active.
    # Row 1: every term at the kink.
    x = np.array([[1.0, 0.0, 0.5], [2.0, 1.0, 1.0]], dtype)
    target = np.array([0, 0])
    loss, g = lk.multi_margin_loss(x, target, p=p, reduction="none", grad=True)
    ref, (r,) = torch_grads(F.multi_margin_loss, [x.astype(np.float64)], torch.tensor(target), p=p,
                            reduction="none")
    assert_close(loss, ref, dtype)
    assert_close(g, r, dtype)
    assert np.all(r[1] == 0)  # flat at the kink in PyTorch


def hinge_cs(z, y):
    """Crammer–Singer hinge and gradient in float64, with the target's own term winning ties
    (the flat side of the kink) and other ties going to the first class."""
    z = np.asarray(z, np.float64)
    loss, grad = np.empty(len(z)), np.zeros_like(z)
    for i, (row, t) in enumerate(zip(z, y)):
        terms = row + 1.0
        terms[t] = row[t]
        k = t if terms[t] >= terms.max() else int(np.argmax(terms))
        loss[i] = terms[k] - row[t]
        grad[i, k] += 1.0
        grad[i, t] -= 1.0
    return loss, grad


def test_multiclass_hinge_is_flat_where_the_target_ties(dtype):
    # Row 0: z_0 + 1 = z_1 = the target's term (a tie with the target, the class before it).
    # Row 1: a tie between two other classes (the first one takes the gradient).
    # Row 2: a tie with the target, the class after it.
    x = np.array([[0.0, 1.0, -3.0], [2.0, 0.0, 2.0], [1.0, 0.0, -2.0]], dtype)
    target = np.array([1, 1, 0])
    loss, g = lk.multiclass_hinge_loss(x, target, reduction="none", grad=True)
    ref_loss, ref_grad = hinge_cs(x, target)
    assert_close(loss, ref_loss, dtype)
    assert_close(g, ref_grad, dtype)
    assert np.all(g[0] == 0) and np.all(g[2] == 0)


CASES = {
    "multi_margin-p1": (lk.multi_margin_loss, dict(p=1)),
    "multi_margin-p2": (lk.multi_margin_loss, dict(p=2)),
    "multi_margin-weighted": (lk.multi_margin_loss, dict(weight=np.array([1.0, 2.0, 0.5]))),
    "multiclass_hinge": (lk.multiclass_hinge_loss, {}),
}


@pytest.mark.parametrize("column", [0, 1])
@pytest.mark.parametrize("case", CASES)
def test_nan_score_gives_nan_in_its_row(case, column, dtype):
    """NaN at the target's score (column 0) or at another class (column 1) of row 0."""
    fn, kwargs = CASES[case]
    x = np.array([[0.5, 0.2, 0.1], [0.3, 0.1, 0.0]], dtype)
    target = np.array([0, 1])
    clean = fn(x, target, reduction="none", grad=True, **kwargs)
    x[0, column] = np.nan
    loss, g = fn(x, target, reduction="none", grad=True, **kwargs)
    assert np.isnan(loss[0]) and np.isnan(g[0, column]) and np.isnan(g[0, 0])
    np.testing.assert_array_equal(loss[1], clean[0][1])
    np.testing.assert_array_equal(g[1], clean[1][1])
    assert np.isnan(fn(x, target, **kwargs))
