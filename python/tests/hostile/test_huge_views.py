"""Arrays that take no memory until LossKit copies them (stride-0 views made with
`as_strided` or `broadcast_to`): a copy that cannot be allocated is a ValueError that names the
argument and says the array is too large (issue 18, defect 6c), not a bare MemoryError."""
import numpy as np
import pytest

import losskit as lk

HUGE = 2**40  # elements: 8 TiB as float64


def stride_zero(shape, dtype=np.float64):
    """A view of one element repeated `shape` times: nothing allocated."""
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype), shape=shape, strides=(0,) * len(shape))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_an_uncopyable_input_is_a_value_error_naming_it(dtype):
    x = stride_zero((HUGE,), dtype)
    with pytest.raises(ValueError, match=r"^input: .*too large"):
        lk.mse_loss(x, x, grad=True)


def test_uncopyable_logits_are_a_value_error_naming_them():
    logits = stride_zero((2**20, 2**20))
    with pytest.raises(ValueError, match=r"^input: .*too large"):
        lk.cross_entropy(logits, np.zeros(2**20, np.int64))
