"""Where the embedding losses' hinges become flat, and NaN through them.

The kink rule (README, "Kinks"): where PyTorch has the loss, its derivative at the kink is
PyTorch's. Its embedding losses are built on `clamp_min`, which passes the gradient at exactly
0, so these tests put inputs exactly on the kink and compare with PyTorch's autograd there.
`contrastive_loss` (not in PyTorch) is checked against its float64 formula.
NaN in an input gives NaN in that sample's loss and gradients (PyTorch gives a NaN loss too),
and leaves the other samples alone.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, torch_grads

NAN = np.nan


def test_cosine_zero_vector_at_margin_zero_is_on_the_active_side_as_in_torch(dtype):
    """cos = 0 exactly (a zero vector), y = -1, margin 0: loss 0 and the clamp_min gradient
    x2/√(ab) ≈ 1e6·x2/|x2|, which PyTorch returns too (measured with PyTorch 2.13)."""
    x1, x2, y = np.zeros((1, 2), dtype), np.array([[1.0, 2.0]], dtype), np.array([-1.0], dtype)
    loss, (g1, g2) = lk.cosine_embedding_loss(x1, x2, y, margin=0.0, reduction="sum", grad=True)
    ref, (r1, r2) = torch_grads(F.cosine_embedding_loss, [x1.astype(np.float64), x2.astype(np.float64)],
                                torch.tensor(y, dtype=torch.float64), margin=0.0, reduction="sum")
    assert loss == ref == 0.0
    assert_close(g1, r1, dtype)
    assert_close(g2, r2, dtype)
    assert abs(r1[0, 1]) > 1e5  # the reference really is on the active side


def test_triplet_exactly_at_the_kink_matches_torch(dtype):
    """The issue's triplet: a = (0, 0), p = (1, 0), n = (2, 0), margin 1, eps 0, so
    margin + d(a, p) - d(a, n) = 0 exactly. PyTorch's clamp_min passes the gradient: the
    anchor's two distance slopes cancel, p gets (1, 0) and n gets (-1, 0)."""
    a, p, n = (np.array([v], dtype) for v in ([0.0, 0.0], [1.0, 0.0], [2.0, 0.0]))
    loss, grads = lk.triplet_margin_loss(a, p, n, margin=1.0, eps=0.0, reduction="sum", grad=True)
    ref, refs = torch_grads(F.triplet_margin_loss, [a.astype(np.float64), p.astype(np.float64),
                                                    n.astype(np.float64)], margin=1.0, eps=0.0,
                            reduction="sum")
    assert loss == ref == 0.0
    for ours, theirs in zip(grads, refs):
        assert_close(ours, theirs, dtype)
    assert refs[1][0, 0] == 1.0


def test_hinge_embedding_exactly_at_the_margin_matches_torch(dtype):
    x, y = np.array([1.0, 0.5, 2.0], dtype), np.array([-1.0, -1.0, -1.0], dtype)
    loss, g = lk.hinge_embedding_loss(x, y, margin=1.0, reduction="none", grad=True)
    ref, (r,) = torch_grads(F.hinge_embedding_loss, [x.astype(np.float64)], torch.tensor(y, dtype=torch.float64),
                            margin=1.0, reduction="none")
    assert_close(loss, ref, dtype)
    assert_close(g, r, dtype)
    assert r[0] == -1.0  # active at exactly margin - x = 0


def test_contrastive_gradient_is_zero_at_the_margin():
    """max(0, m - d)² has a continuous gradient, -2(m - d)(x1 - x2)/d, which is 0 at d = m."""
    x1, x2 = np.array([[3.0, 4.0], [0.0, 1.0]]), np.zeros((2, 2))
    loss, (g1, g2) = lk.contrastive_loss(x1, x2, np.array([0.0, 0.0]), margin=5.0, reduction="none", grad=True)
    d = np.linalg.norm(x1 - x2, axis=1)
    h = np.maximum(0.0, 5.0 - d)
    np.testing.assert_allclose(loss, h * h, rtol=1e-15)
    np.testing.assert_allclose(g1, (-2 * h / d)[:, None] * (x1 - x2), rtol=1e-15)
    assert np.all(g1[0] == 0) and np.all(g2[0] == 0)


def _assert_nan_in_first_sample_only(dirty, clean):
    """dirty/clean: (losses, gradients) with reduction='none'."""
    (loss, grads), (clean_loss, clean_grads) = dirty, clean
    if not isinstance(grads, tuple):  # one input: the gradient itself
        grads, clean_grads = (grads,), (clean_grads,)
    assert np.isnan(loss[0]), "the loss of the sample with NaN"
    np.testing.assert_array_equal(loss[1:], clean_loss[1:])
    for g, c in zip(grads, clean_grads):
        assert np.all(np.isnan(g[0])), "every gradient of the sample with NaN"
        np.testing.assert_array_equal(g[1:], c[1:])


# The calls, each with a clean second sample; torch is the reference where it has the
# loss. Each case gives (losskit function, torch function or None, NaN arrays, clean arrays, kwargs).
NAN_CASES = {
    "cosine": (lk.cosine_embedding_loss, F.cosine_embedding_loss,
               [[[NAN, 1.0], [1.0, 2.0]], [[1.0, 1.0], [2.0, -1.0]], [-1.0, -1.0]], {}),
    "cosine-margin": (lk.cosine_embedding_loss, F.cosine_embedding_loss,
                      [[[1.0, 1.0], [1.0, 2.0]], [[NAN, 1.0], [2.0, 1.0]], [-1.0, -1.0]], dict(margin=0.5)),
    "triplet": (lk.triplet_margin_loss, F.triplet_margin_loss,
                [[[NAN, 1.0], [0.0, 0.0]], [[0.0, 0.0], [0.1, 0.0]], [[1.0, 1.0], [3.0, 0.0]]], {}),
    "triplet-swap": (lk.triplet_margin_loss, F.triplet_margin_loss,
                     [[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [0.1, 0.0]], [[NAN, 1.0], [3.0, 0.0]]],
                     dict(swap=True)),
    "hinge-embedding": (lk.hinge_embedding_loss, F.hinge_embedding_loss, [[NAN, 3.0], [-1.0, -1.0]], {}),
    "contrastive": (lk.contrastive_loss, None, [[[NAN, 1.0], [0.0, 3.0]], [[1.0, 1.0], [0.0, 0.0]], [0.0, 0.0]], {}),
}


@pytest.mark.parametrize("case", NAN_CASES)
def test_nan_propagates_through_the_hinge(case, dtype):
    ours, theirs, arrays, kwargs = NAN_CASES[case]
    arrays = [np.array(a, dtype) for a in arrays]
    clean = [np.nan_to_num(a, nan=0.25) for a in arrays]
    dirty = ours(*arrays, reduction="none", grad=True, **kwargs)
    _assert_nan_in_first_sample_only(dirty, ours(*clean, reduction="none", grad=True, **kwargs))
    assert np.isnan(ours(*arrays, reduction="mean", **kwargs))
    if theirs is not None:
        reference = theirs(*(torch.tensor(a, dtype=torch.float64) for a in arrays), reduction="none", **kwargs)
        np.testing.assert_array_equal(np.isnan(dirty[0]), np.isnan(reference.numpy()))
