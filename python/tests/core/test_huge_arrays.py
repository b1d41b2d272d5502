"""Arrays beyond 2^31 elements, where 32-bit index arithmetic would wrap. They need about
17 GB, so they run only when LOSSKIT_HUGE_TESTS=1."""
import math
import os

import numpy as np
import pytest

import losskit as lk

pytestmark = pytest.mark.skipif(os.environ.get("LOSSKIT_HUGE_TESTS") != "1",
                                reason="needs about 17 GB of memory; set LOSSKIT_HUGE_TESTS=1")


def test_cross_entropy_beyond_two_to_the_31_logits():
    """rows × classes just above 2^31 float32 logits, all equal: every row's softmax is
    uniform, so the summed loss is rows·log C and each gradient entry is 1/C - [c = y]."""
    classes = 1000
    rows = 2**31 // classes + 1
    assert rows * classes > 2**31
    logits = np.full((rows, classes), 0.25, np.float32)
    target = np.arange(rows) % classes
    loss, grad = lk.cross_entropy(logits, target, reduction="sum", grad=True)
    assert loss == pytest.approx(rows * math.log(classes), rel=1e-6)
    for row in (0, rows // 2, rows - 1):
        expected = np.full(classes, 1 / classes)
        expected[target[row]] -= 1
        np.testing.assert_allclose(grad[row], expected, rtol=1e-5, atol=1e-7)
