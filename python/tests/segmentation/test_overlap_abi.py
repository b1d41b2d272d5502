"""lk_overlap's error paths, through the shim (`_native.overlap`) with arguments the Python
layer would never build: each bad call raises the status's exception with a message naming
the argument, and writes nothing to the outputs."""
import re

import numpy as np
import pytest

from losskit._internal import _native
from losskit._internal.catalogue import loss_id

N, C, S = 2, 3, 4
X = np.linspace(-1.0, 1.0, N * C * S)
Y = np.array([0, 2, 1, 1, 2, 0, 0, 0], dtype=np.int64)
P = np.full(N * C * S, 1 / 3)
DICE = (1.0, 1.0, 0.0)


def call(name="dice_loss", *, params=DICE, x=X, index=None, values=None, class_weight=None, sample_weight=None,
         reduction=1, losses=None, grad=None, hess=None, batch=N, classes=C, spatial=S, id=None):
    return _native.overlap(loss_id(name) if id is None else id, tuple(params), batch, classes, spatial, x, index,
                           values, class_weight, sample_weight, reduction, losses, grad, hess)


CASES = [
    ("not-overlap", dict(id=0, index=Y), ValueError, "not an overlap loss"),
    ("id-past-the-end", dict(id=10_000, index=Y), ValueError, "no loss has id 10000"),
    ("n_params", dict(params=(1.0,), index=Y), ValueError, "n_params"),
    ("smooth-negative", dict(params=(-1.0, 1.0, 0.0), index=Y), ValueError, "smooth"),
    ("flag-not-0-or-1", dict(params=(1.0, 0.5, 0.0), index=Y), ValueError, "apply_softmax"),
    ("alpha-nan", dict(name="tversky_loss", params=(np.nan, 0.5, 1.0, 1.0, 0.0), index=Y), ValueError, "alpha"),
    ("gamma-zero", dict(name="focal_tversky_loss", params=(0.5, 0.5, 0.0, 1.0, 1.0, 0.0), index=Y),
     ValueError, "gamma"),
    ("reduction", dict(index=Y, reduction=3), ValueError, "reduction"),
    ("missing-target", dict(), ValueError, "target"),
    ("both-targets", dict(index=Y, values=P), ValueError, "target"),
    ("class-index-out-of-range", dict(index=np.array([0, 3, 1, 1, 2, 0, 0, 0])), IndexError, "target[1]"),
    ("class-index-negative", dict(index=np.array([0, 1, 1, 1, 2, 0, 0, -1])), IndexError, "target[7]"),
    ("target-values-domain", dict(values=np.full(N * C * S, 1.5)), ValueError, "target"),
    ("probabilities-domain", dict(params=(1.0, 0.0, 0.0), index=Y), ValueError, "input"),
    ("class-weight-negative", dict(index=Y, class_weight=np.array([1.0, -1.0, 1.0])), ValueError, "class_weights"),
    ("class-weight-generalized", dict(name="generalized_dice_loss", index=Y, class_weight=np.ones(C)),
     ValueError, "class_weights"),
    ("class-weight-length", dict(index=Y, class_weight=np.ones(C + 1)), ValueError, "class_weights"),
    ("sample-weight-nan", dict(index=Y, sample_weight=np.array([1.0, np.nan])), ValueError, "sample_weight"),
    ("input-length", dict(index=Y, x=X[:-1]), ValueError, "input"),
    ("index-length", dict(index=Y[:-1]), ValueError, "target"),
    ("no-classes", dict(index=Y, x=np.zeros(0), classes=0), ValueError, "classes"),
    ("none-without-losses", dict(index=Y, reduction=0), ValueError, "losses"),
    ("dtype-mismatch", dict(values=P.astype(np.float32)), TypeError, "target"),
    ("index-dtype", dict(index=Y.astype(np.int32)), TypeError, "target"),
]


@pytest.mark.parametrize("case, kwargs, error, text", CASES, ids=[c[0] for c in CASES])
def test_bad_call_raises_and_writes_nothing(case, kwargs, error, text):
    sentinel = np.full(N * kwargs.get("classes", C) * S, 7.0)
    out = sentinel.copy()
    with pytest.raises(error, match=re.escape(text)):
        call(**kwargs, grad=out)
    np.testing.assert_array_equal(out, sentinel)


def test_empty_calls_accept_null_arrays():
    for name, params in (("dice_loss", DICE), ("generalized_dice_loss", DICE), ("lovasz_softmax_loss", (1.0, 0.0))):
        assert call(name, params=params, x=np.zeros(0), batch=0) == 0.0
        assert call(name, params=params, x=np.zeros(0), batch=N, spatial=0, index=np.zeros(0, np.int64)) == 0.0
