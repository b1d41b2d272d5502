"""`cross_entropy` with class-probability targets and `ignore_index`: PyTorch refuses an
ignore_index >= 0 there ("ignore_index is not supported for floating point target") and
accepts a negative one, which matches no class; LossKit does the same (ValueError), in the
numpy API and in `losskit.torch`. The issue's call returned the value without ignore_index."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
import losskit.torch as lt

X = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 2.0]])
T = np.array([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2]])


def torch_refuses(ignore_index):
    try:
        F.cross_entropy(torch.tensor(X), torch.tensor(T), ignore_index=ignore_index)
    except RuntimeError as error:
        assert "ignore_index is not supported for floating point target" in str(error)
        return True
    return False


@pytest.mark.parametrize("ignore_index", [0, 1, 7])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_class_ignore_index_with_probabilities_is_refused_as_in_torch(ignore_index, dtype):
    assert torch_refuses(ignore_index)
    x, t = X.astype(dtype), T.astype(dtype)
    with pytest.raises(ValueError, match="ignore_index: not supported with class-probability"):
        lk.cross_entropy(x, t, ignore_index=ignore_index)          # the plain fast path's arguments
    with pytest.raises(ValueError, match="ignore_index: not supported with class-probability"):
        lk.cross_entropy(x, t, ignore_index=ignore_index, sample_weight=np.ones(2))  # the general path
    with pytest.raises(ValueError, match="ignore_index: not supported with class-probability"):
        lt.cross_entropy(torch.tensor(x), torch.tensor(t), ignore_index=ignore_index)
    with pytest.raises(ValueError, match="ignore_index"):
        lt.CrossEntropyLoss(ignore_index=ignore_index)(torch.tensor(x), torch.tensor(t))


@pytest.mark.parametrize("ignore_index", [-100, -1, -101])
def test_a_negative_ignore_index_is_accepted_and_changes_nothing(ignore_index):
    assert not torch_refuses(ignore_index)
    ref = F.cross_entropy(torch.tensor(X), torch.tensor(T), ignore_index=ignore_index).item()
    assert lk.cross_entropy(X, T, ignore_index=ignore_index) == pytest.approx(ref, rel=1e-13)
    assert lt.cross_entropy(torch.tensor(X), torch.tensor(T), ignore_index=ignore_index).item() == \
        pytest.approx(ref, rel=1e-13)


def test_class_indices_keep_any_ignore_index():
    target = np.array([0, 2])
    ref = F.cross_entropy(torch.tensor(X), torch.tensor(target), ignore_index=0).item()
    assert lk.cross_entropy(X, target, ignore_index=0) == pytest.approx(ref, rel=1e-13)


def test_a_bad_ignore_index_type_is_still_a_type_error():
    with pytest.raises(TypeError, match="ignore_index"):
        lk.cross_entropy(X, T, ignore_index=0.5)
