"""The argument checks scan a vector at a time (16 float32 or 8 float64 lanes) and then the
tail element by element: whatever vector or tail a bad value falls in, the error names the
first bad element, and values every check accepts (NaN in a label domain) still pass."""
import numpy as np
import pytest

import losskit as lk

N = 45  # two float32 vectors and a 13-element tail; five float64 vectors and a 5-element tail
POSITIONS = [0, 7, 8, 15, 16, 17, 31, 32, 39, 40, 44]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("position", POSITIONS)
def test_a_label_outside_its_domain_is_named_wherever_it_is(dtype, position):
    target = np.zeros(N, dtype)
    target[position] = 2
    if position + 3 < N:
        target[position + 3] = 3  # a later bad value is not the one reported
    with pytest.raises(ValueError, match=rf"target\[{position}\] = 2 but every target must be in \[0, 1\]"):
        lk.binary_cross_entropy(np.full(N, 0.5, dtype), target)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("bad", [-1.0, np.inf, np.nan])
def test_a_bad_sample_weight_is_named_wherever_it_is(dtype, position, bad):
    weight = np.ones(N, dtype)
    weight[position] = bad
    with pytest.raises(ValueError, match=rf"sample_weight must be finite and >= 0; element {position} is"):
        lk.mse_loss(np.zeros(N, dtype), np.zeros(N, dtype), sample_weight=weight)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_labels_pass_the_domain_check_and_propagate(dtype):
    target = np.zeros(N, dtype)
    target[[3, 20, 44]] = np.nan
    losses = lk.binary_cross_entropy(np.full(N, 0.5, dtype), target, reduction="none")
    assert np.isnan(losses[[3, 20, 44]]).all()
    np.testing.assert_allclose(np.delete(losses, [3, 20, 44]), np.log(2.0), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edges_of_each_domain_are_accepted(dtype):
    """-0, 0 and 1 as probabilities; -1 and +1 as signs; ±0, the largest finite value and a
    subnormal as weights."""
    x = np.full(N, 0.5, dtype)
    probabilities = np.resize(np.array([-0.0, 0.0, 1.0], dtype), N)
    lk.binary_cross_entropy(x, probabilities)
    signs = np.resize(np.array([-1.0, 1.0], dtype), N)
    lk.soft_margin_loss(x, signs)
    weights = np.resize(np.array([0.0, -0.0, np.finfo(dtype).max, np.finfo(dtype).tiny / 2], dtype), N)
    lk.mse_loss(x, x, sample_weight=weights)
