"""float32 cross-entropy on rows far wider than a float32 lane can count (issue 18).

The row sum Σ e^(z_c - m) ran in float32 lanes over the whole row, and a lane stops growing at
2^24 (adding a term ≤ 1 no longer changes it). With one logit of 20 and the rest 0 the
relative error was 1.8e-4 at C = 10^6 and 3e-2 at C = 5·10^7. The reference is the exact
float64 formula: log Σ e^z = 20 + log1p((C - 1)·e^-20), p_c = e^(z_c - log Σ e^z)."""
import math
import os

import numpy as np
import pytest

import losskit as lk


def exact(classes: int) -> tuple[float, float, float]:
    """(log Σ e^z, p of the logit 20, p of a logit 0) for one 20 among C - 1 zeros."""
    log_sum = 20 + math.log1p((classes - 1) * math.exp(-20))
    return log_sum, math.exp(20 - log_sum), math.exp(-log_sum)


@pytest.mark.parametrize("classes", [10**6, 5 * 10**7])
def test_one_large_logit_in_a_wide_float32_row(classes):
    z = np.zeros((1, classes), np.float32)
    z[0, 7] = 20
    log_sum, p_big, p_zero = exact(classes)
    # Target a zero logit (loss log Σ e^z) and the large one (loss log Σ e^z - 20).
    loss, grad = lk.cross_entropy(z, np.array([3]), grad=True)
    assert loss == pytest.approx(log_sum, rel=1e-6)
    assert grad[0, 7] == pytest.approx(p_big, rel=1e-6)
    assert grad[0, 3] == pytest.approx(p_zero - 1, rel=1e-6)
    assert grad[0, classes - 1] == pytest.approx(p_zero, rel=1e-5)
    # log Σ e^z - 20 = log1p((C - 1)·e^-20) is small: this is where the float32 lanes showed
    # (relative error 1.8e-4 at C = 10^6).
    loss = lk.cross_entropy(z, np.array([7]))
    assert loss == pytest.approx(math.log1p((classes - 1) * math.exp(-20)), rel=1e-6)


def test_wide_row_gives_the_same_bits_for_any_thread_count():
    """Blocks within a row depend on the class index only, so threads change nothing."""
    rng = np.random.default_rng(18)
    z = rng.normal(size=(40, 50_000)).astype(np.float32)
    y = rng.integers(0, 50_000, 40)
    before = lk.get_num_threads()
    try:
        lk.set_num_threads(1)
        one = lk.cross_entropy(z, y, grad=True)
        lk.set_num_threads(2)
        two = lk.cross_entropy(z, y, grad=True)
    finally:
        lk.set_num_threads(before)
    assert one[0] == two[0]
    assert np.array_equal(one[1], two[1])
    # And against float64: log-softmax of the widened row.
    z64 = z.astype(np.float64)
    shifted = z64 - z64.max(axis=1, keepdims=True)
    expected = np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(40), y])
    assert one[0] == pytest.approx(expected, rel=1e-6)


@pytest.mark.skipif(os.environ.get("LOSSKIT_HUGE_TESTS") != "1",
                    reason="needs about 9 GB of memory; set LOSSKIT_HUGE_TESTS=1")
def test_row_of_two_to_the_31_plus_3_zero_logits():
    """Issue 18's row: 2^31 + 3 zeros gave 19.408 (log 2^28) instead of log C = 21.488."""
    classes = 2**31 + 3
    z = np.zeros((1, classes), np.float32)
    assert lk.cross_entropy(z, np.array([0])) == pytest.approx(math.log(classes), rel=1e-6)
