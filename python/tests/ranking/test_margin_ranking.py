"""margin_ranking_loss against torch.nn.functional.margin_ranking_loss (float64 autograd), with
finite differences of both gradients in float64, both dtypes, every reduction and bad input."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import FD_RTOL, assert_close, central_differences, signs, torch_grads, widened


@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
def test_matches_torch(margin, dtype, reduction, rng):
    x1, x2 = rng.normal(size=11).astype(dtype), rng.normal(size=11).astype(dtype)
    y = signs(rng, 11)
    loss, (g1, g2) = lk.margin_ranking_loss(x1, x2, y, margin=margin, reduction=reduction, grad=True)
    ref, (r1, r2) = torch_grads(F.margin_ranking_loss, [widened(x1, dtype), widened(x2, dtype)], torch.tensor(y),
                                margin=margin, reduction=reduction)
    assert_close(loss, ref, dtype)
    assert_close(g1, r1, dtype)
    assert_close(g2, r2, dtype)
    assert g1.dtype == dtype and g2.dtype == dtype


def test_gradients_match_finite_differences(rng):
    y = np.array([1, -1, 1, -1.0])
    a, b = rng.normal(size=4), rng.normal(size=4)
    _, grads = lk.margin_ranking_loss(a, b, y, margin=5.0, grad=True)
    assert_close(grads[0], central_differences(lambda v: lk.margin_ranking_loss(v, b, y, margin=5.0), a),
                 np.float64, rtol=FD_RTOL)
    assert_close(grads[1], central_differences(lambda v: lk.margin_ranking_loss(a, v, y, margin=5.0), b),
                 np.float64, rtol=FD_RTOL)


@pytest.mark.parametrize("call, error, argument", [
    (lambda: lk.margin_ranking_loss(np.ones(3), np.ones(3), np.array([1.0, 0.0, 1.0])), ValueError, "target"),
    (lambda: lk.margin_ranking_loss(np.ones(3), np.ones(4), np.ones(3)), ValueError, "input2"),
    (lambda: lk.margin_ranking_loss(np.ones(3), np.ones(3), np.ones(3), margin=np.inf), ValueError, "margin"),
    (lambda: lk.margin_ranking_loss(np.ones(3), np.ones(3), np.ones(3), reduction="avg"), ValueError, "reduction"),
], ids=["target-01", "shape", "margin-inf", "reduction"])
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
