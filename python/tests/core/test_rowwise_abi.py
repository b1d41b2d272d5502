"""lk_rowwise's error paths, through the shim (`_native.rowwise`) with arguments the Python
layer would never build: each bad call raises the status's exception with a message naming
the argument, and writes nothing to the outputs."""
import re

import numpy as np
import pytest

import losskit as lk
from losskit._internal import _native
from losskit._internal.catalogue import loss_id

R, C = 3, 4
X = np.linspace(-1.0, 1.0, R * C)
Y = np.array([0, 3, 1], dtype=np.int64)
P = np.full(R * C, 0.25)


def call(name, *, params=(), x=X, index=None, values=None, class_weight=None, sample_weight=None,
         ignore=-100, reduction=1, losses=None, grad=None, hess=None, rows=R, classes=C, id=None):
    return _native.rowwise(loss_id(name) if id is None else id, tuple(params), rows, classes, x, index, values,
                           class_weight, sample_weight, ignore, reduction, losses, grad, hess)


CASES = [
    ("unknown-id", dict(name="nll_loss", id=0, index=Y), ValueError, "row-wise loss"),
    ("id-past-the-end", dict(name="nll_loss", id=10_000, index=Y), ValueError, "no loss has id 10000"),
    ("n_params", dict(name="softmax_focal_loss", index=Y), ValueError, "parameter"),
    ("parameter-range", dict(name="softmax_focal_loss", params=(-1.0,), index=Y), ValueError, "gamma"),
    ("parameter-nan", dict(name="generalized_cross_entropy", params=(float("nan"),), index=Y), ValueError, "q"),
    ("p-not-integer", dict(name="multi_margin_loss", params=(1.5, 1.0), index=Y), ValueError, "p must be 1 or 2"),
    ("log_target-not-flag", dict(name="kl_div", params=(0.5,), values=P), ValueError, "log_target"),
    ("reduction", dict(name="nll_loss", index=Y, reduction=7), ValueError, "reduction"),
    ("missing-target", dict(name="nll_loss"), ValueError, "target"),
    ("values-for-index-loss", dict(name="nll_loss", index=Y, values=P), ValueError, "target"),
    ("index-for-values-loss", dict(name="jensen_shannon_divergence", index=Y), ValueError, "target"),
    ("target-for-entropy", dict(name="entropy", values=P), ValueError, "target"),
    ("n_target_index-rows-for-lists", dict(name="multilabel_margin_loss", index=Y), ValueError, "target"),
    ("n_target_index-cells-for-index", dict(name="nll_loss", index=np.zeros(R * C, np.int64)), ValueError, "target"),
    ("class-index-out-of-range", dict(name="softmax_focal_loss", params=(2.0,), index=np.array([0, 4, 1])),
     IndexError, "target[1]"),
    ("class-index-negative", dict(name="nll_loss", index=np.array([0, -1, 1])), IndexError, "target[1]"),
    ("index-list-out-of-range", dict(name="multilabel_margin_loss", index=np.array([0, 9, -1, 0] * 3)),
     IndexError, "target[0, 1]"),
    ("target-domain", dict(name="multilabel_soft_margin_loss", values=np.full(R * C, 2.0)), ValueError, "target"),
    ("class-weight-not-taken", dict(name="poly1_cross_entropy", params=(2.0,), index=Y, class_weight=np.ones(C)),
     ValueError, "class weights"),
    ("class-weight-negative", dict(name="softmax_focal_loss", params=(2.0,), index=Y,
                                   class_weight=np.array([1.0, -1.0, 1.0, 1.0])), ValueError, "alpha"),
    ("class-weight-length", dict(name="nll_loss", index=Y, class_weight=np.ones(C + 1)), ValueError, "weight"),
    ("sample-weight-nan", dict(name="nll_loss", index=Y, sample_weight=np.array([1.0, np.nan, 1.0])),
     ValueError, "sample_weight"),
    ("sample-weight-length", dict(name="nll_loss", index=Y, sample_weight=np.ones(R + 1)), ValueError, "sample_weight"),
    ("input-length", dict(name="nll_loss", index=Y, x=X[:-1]), ValueError, "input"),
    ("no-classes", dict(name="entropy", x=np.zeros(0), classes=0), ValueError, "class"),
    ("none-without-losses", dict(name="nll_loss", index=Y, reduction=0), ValueError, "losses"),
    ("per-element-losses-too-short", dict(name="kl_div", params=(0.0,), values=P, reduction=0, losses=np.zeros(R)),
     ValueError, "losses"),
    ("per-row-losses-too-long", dict(name="nll_loss", index=Y, reduction=0, losses=np.zeros(R * C)),
     ValueError, "losses"),
    ("dtype-mismatch", dict(name="jensen_shannon_divergence", values=P.astype(np.float32)), TypeError, "target"),
    ("index-dtype", dict(name="nll_loss", index=Y.astype(np.int32)), TypeError, "target"),
    ("grad-length", dict(name="nll_loss", index=Y, grad=np.zeros(R)), ValueError, "grad"),
]


@pytest.mark.parametrize("case, kwargs, error, text", CASES, ids=[c[0] for c in CASES])
def test_bad_call_raises_and_writes_nothing(case, kwargs, error, text):
    grad = kwargs.pop("grad", None)
    sentinel = np.full(R * kwargs.get("classes", C), 7.0)
    out = sentinel.copy() if grad is None else grad
    with pytest.raises(error, match=re.escape(text)):
        call(**kwargs, grad=out)
    if grad is None:
        np.testing.assert_array_equal(out, sentinel)


def test_batchmean_is_the_row_mean_for_every_loss():
    w = np.array([0.5, 1.0, 2.0, 4.0])
    rows = call("nll_loss", index=Y, class_weight=w, reduction=0, losses=np.zeros(R))
    assert call("nll_loss", index=Y, class_weight=w, reduction=3) == pytest.approx(rows / R)
    assert call("nll_loss", index=Y, class_weight=w, reduction=1) == pytest.approx(rows / w[Y].sum())


def test_empty_calls_accept_null_arrays():
    for name, params in (("nll_loss", ()), ("kl_div", (0.0,)), ("entropy", ()), ("multilabel_margin_loss", ())):
        assert call(name, params=params, x=np.zeros(0), rows=0, classes=C, reduction=1) == 0.0


def test_the_python_layer_names_the_argument():
    with pytest.raises(IndexError, match="target"):
        lk.nll_loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="alpha"):
        lk.softmax_focal_loss(np.zeros((2, 3)), np.array([0, 1]), alpha=np.ones(2))
    with pytest.raises(ValueError, match="p must be 1 or 2"):
        lk.multi_margin_loss(np.zeros((2, 3)), np.array([0, 1]), p=1.5)
    with pytest.raises(ValueError, match="target"):
        lk.poly1_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="target"):
        lk.generalized_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="log_zero"):
        lk.symmetric_cross_entropy(np.zeros((2, 3)), np.array([0, 1]), log_zero=1.0)
    with pytest.raises(ValueError, match="input"):
        lk.multi_margin_loss(np.float64(1.0), np.array(0))
    with pytest.raises(ValueError, match="reduction"):
        lk.nll_loss(np.zeros((2, 3)), np.array([0, 1]), reduction="batchmean")
    with pytest.raises(TypeError, match="grad"):
        lk.entropy(np.zeros((2, 3)), grad=1)
