"""The battery of bad calls: each must raise `error` with a message naming `argument`.

Kept in its own module (not a test file) so that test_bad_input.py can run it both in the
test process and in a child process that must survive it (a segfault there fails the test).
Run as a script it checks every case and exits 0 only if all raise as expected.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, NamedTuple

import numpy as np

import losskit as lk
from losskit._internal import _native


class Case(NamedTuple):
    id: str
    call: Callable[[], Any]
    error: type
    argument: str


x = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
y = np.linspace(0.0, 1.0, 12).reshape(3, 4)
logits = np.linspace(-2.0, 2.0, 12).reshape(4, 3)
labels = np.array([0, 2, 1, 0])
spatial = np.zeros((2, 3, 2, 2))

mse, huber, bce, ce = lk.mse_loss, lk.huber_loss, lk.binary_cross_entropy_with_logits, lk.cross_entropy

CASES = [
    # Shapes and lengths.
    Case("target-shorter", lambda: mse(x, y[:2]), ValueError, "target"),
    Case("target-transposed", lambda: mse(x, y.T), ValueError, "target"),
    Case("target-1d-for-2d", lambda: mse(x, y.ravel()), ValueError, "target"),
    Case("sample_weight-length", lambda: mse(x, y, sample_weight=np.ones(4)), ValueError, "sample_weight"),
    Case("sample_weight-2d", lambda: mse(x, y, sample_weight=np.ones((4, 3))), ValueError, "sample_weight"),
    Case("sample_weight-scalar", lambda: mse(x, y, sample_weight=2.0), ValueError, "sample_weight"),
    Case("bce-weight-shape", lambda: bce(x, y, weight=np.ones(3)), ValueError, "weight"),
    Case("bce-pos_weight-length", lambda: bce(x, y, pos_weight=np.ones(3)), ValueError, "pos_weight"),
    Case("bce-pos_weight-2d", lambda: bce(x, y, pos_weight=np.ones((2, 4))), ValueError, "pos_weight"),
    Case("bce-weight-and-sample_weight", lambda: bce(x, y, weight=y, sample_weight=y), ValueError, "sample_weight"),
    Case("ce-target-length", lambda: ce(logits, labels[:3]), ValueError, "target"),
    Case("ce-target-spatial-shape", lambda: ce(spatial, np.zeros((2, 2), int)), ValueError, "target"),
    Case("ce-float-target-of-index-shape", lambda: ce(logits, labels.astype(float)), ValueError, "target"),
    Case("ce-probability-target-shape", lambda: ce(logits, np.ones((4, 2)) / 2), ValueError, "target"),
    Case("ce-scalar-input", lambda: ce(1.0, 0), ValueError, "input"),
    Case("ce-no-classes", lambda: ce(np.zeros((2, 0)), np.zeros(2, int)), ValueError, "input"),
    Case("ce-weight-length", lambda: ce(logits, labels, weight=np.ones(4)), ValueError, "weight"),
    Case("ce-weight-2d", lambda: ce(logits, labels, weight=np.ones((3, 1))), ValueError, "weight"),
    Case("ce-sample_weight-length", lambda: ce(logits, labels, sample_weight=np.ones(3)), ValueError, "sample_weight"),
    # Types.
    Case("input-string", lambda: mse("abc", y), TypeError, "input"),
    Case("input-bytes", lambda: mse(b"abc", y), TypeError, "input"),
    Case("input-none", lambda: mse(None, y), TypeError, "input"),
    Case("input-object", lambda: mse(np.array([object()] * 12).reshape(3, 4), y), TypeError, "input"),
    Case("input-complex", lambda: mse(x + 1j, y), TypeError, "input"),
    Case("input-string-array", lambda: mse(np.array(["a", "b"]), np.zeros(2)), TypeError, "input"),
    Case("input-ragged-list", lambda: mse([[1.0, 2.0], [3.0]], [0.0, 0.0]), TypeError, "input"),
    Case("input-dict", lambda: mse({}, y), TypeError, "input"),
    Case("target-none", lambda: mse(x, None), TypeError, "target"),
    Case("target-complex", lambda: mse(x, y + 1j), TypeError, "target"),
    Case("target-object", lambda: huber(x, y.astype(object)), TypeError, "target"),
    Case("sample_weight-string", lambda: mse(x, y, sample_weight="w"), TypeError, "sample_weight"),
    Case("sample_weight-complex", lambda: mse(x, y, sample_weight=y + 1j), TypeError, "sample_weight"),
    Case("pos_weight-string", lambda: bce(x, y, pos_weight="2"), TypeError, "pos_weight"),
    Case("ce-input-complex", lambda: ce(logits + 1j, labels), TypeError, "input"),
    Case("ce-target-none", lambda: ce(logits, None), TypeError, "target"),
    Case("ce-target-string", lambda: ce(logits, "abcd"), TypeError, "target"),
    Case("ce-target-bool", lambda: ce(logits, labels > 0), TypeError, "target"),
    Case("ce-target-complex", lambda: ce(logits, labels + 0j), TypeError, "target"),
    Case("ce-ignore_index-float", lambda: ce(logits, labels, ignore_index=1.5), TypeError, "ignore_index"),
    Case("ce-ignore_index-string", lambda: ce(logits, labels, ignore_index="x"), TypeError, "ignore_index"),
    Case("ce-ignore_index-beyond-int64", lambda: ce(logits, labels, ignore_index=2**70), ValueError, "ignore_index"),
    Case("ce-label_smoothing-string", lambda: ce(logits, labels, label_smoothing="0.1"), TypeError, "label_smoothing"),
    # Class indices.
    Case("ce-index-equal-to-C", lambda: ce(logits, np.array([0, 3, 1, 0])), IndexError, "target"),
    Case("ce-index-negative", lambda: ce(logits, np.array([0, -1, 1, 0])), IndexError, "target"),
    Case("ce-index-below-ignore", lambda: ce(logits, np.array([0, -101, 1, 0])), IndexError, "target"),
    Case("ce-index-int64-max", lambda: ce(logits, np.array([0, 2**63 - 1, 1, 0])), IndexError, "target"),
    Case("ce-index-int64-min", lambda: ce(logits, np.array([0, -2**63, 1, 0])), IndexError, "target"),
    Case("ce-index-uint64-huge", lambda: ce(logits, np.array([0, 2**64 - 1, 1, 0], np.uint64)), IndexError, "target"),
    Case("ce-index-spatial", lambda: ce(spatial, np.full((2, 2, 2), 3)), IndexError, "target"),
    Case("ce-index-unbatched", lambda: ce(logits[0], 7), IndexError, "target"),
    # Parameter values.
    Case("delta-zero", lambda: huber(x, y, delta=0.0), ValueError, "delta"),
    Case("delta-negative", lambda: huber(x, y, delta=-1.0), ValueError, "delta"),
    Case("delta-nan", lambda: huber(x, y, delta=float("nan")), ValueError, "delta"),
    Case("delta-inf", lambda: huber(x, y, delta=float("inf")), ValueError, "delta"),
    Case("delta-huge-int", lambda: huber(x, y, delta=10**400), ValueError, "delta"),
    Case("delta-string", lambda: huber(x, y, delta="1"), TypeError, "delta"),
    Case("delta-none", lambda: huber(x, y, delta=None), TypeError, "delta"),
    Case("delta-bool", lambda: huber(x, y, delta=True), TypeError, "delta"),
    Case("label_smoothing-negative", lambda: ce(logits, labels, label_smoothing=-0.1), ValueError, "label_smoothing"),
    Case("label_smoothing-above-1", lambda: ce(logits, labels, label_smoothing=1.5), ValueError, "label_smoothing"),
    Case("label_smoothing-nan", lambda: ce(logits, labels, label_smoothing=float("nan")), ValueError, "label_smoothing"),
    Case("label_smoothing-inf", lambda: ce(logits, labels, label_smoothing=float("inf")), ValueError, "label_smoothing"),
    # Weight values.
    Case("sample_weight-negative", lambda: mse(x, y, sample_weight=-np.ones(3)), ValueError, "sample_weight"),
    Case("sample_weight-nan", lambda: huber(x, y, sample_weight=np.full((3, 4), np.nan)), ValueError, "sample_weight"),
    Case("sample_weight-inf", lambda: mse(x, y, sample_weight=[1.0, np.inf, 1.0]), ValueError, "sample_weight"),
    Case("bce-weight-negative", lambda: bce(x, y, weight=-np.ones(4)), ValueError, "weight"),
    Case("bce-weight-nan", lambda: bce(x, y, weight=np.full(4, np.nan)), ValueError, "weight"),
    Case("bce-pos_weight-negative", lambda: bce(x, y, pos_weight=-2.0), ValueError, "pos_weight"),
    Case("bce-pos_weight-nan", lambda: bce(x, y, pos_weight=[1.0, np.nan, 1.0, 1.0]), ValueError, "pos_weight"),
    Case("bce-pos_weight-inf", lambda: bce(x, y, pos_weight=np.inf), ValueError, "pos_weight"),
    Case("ce-weight-negative", lambda: ce(logits, labels, weight=[1.0, -1.0, 1.0]), ValueError, "weight"),
    Case("ce-weight-nan", lambda: ce(logits, labels, weight=[1.0, np.nan, 1.0]), ValueError, "weight"),
    Case("ce-sample_weight-negative", lambda: ce(logits, labels, sample_weight=-np.ones(4)), ValueError, "sample_weight"),
    Case("ce-sample_weight-nan", lambda: ce(logits, labels, sample_weight=[1.0, np.nan, 1.0, 1.0]), ValueError, "sample_weight"),
    # Options.
    Case("reduction-unknown", lambda: mse(x, y, reduction="avg"), ValueError, "reduction"),
    Case("reduction-uppercase", lambda: mse(x, y, reduction="MEAN"), ValueError, "reduction"),
    Case("reduction-none-object", lambda: bce(x, y, reduction=None), ValueError, "reduction"),
    Case("reduction-int", lambda: ce(logits, labels, reduction=1), ValueError, "reduction"),
    Case("grad-string", lambda: mse(x, y, grad="yes"), TypeError, "grad"),
    Case("grad-int", lambda: ce(logits, labels, grad=1), TypeError, "grad"),
    Case("hess-none", lambda: huber(x, y, hess=None), TypeError, "hess"),
]

# The same guarantee one layer down: the shim and the C ABI must refuse what the Python layer
# would never pass them (these call the private _native module directly).
f64, f32, idx = np.ones(6), np.ones(6, np.float32), np.array([0, 2], np.int64)
ew = lambda loss_id=0, params=(), input=f64, target=f64, weight=None, weighting=0, column=None, \
    reduction=1, losses=None, grad=None: _native.elementwise(
        loss_id, params, input, target, weight, weighting, column, reduction, losses, grad, None)
xe = lambda rows=2, classes=3, logits=f64, index=idx, prob=None, weight=None, reduction=1, \
    smoothing=0.0, losses=None: _native.cross_entropy(
        rows, classes, logits, index, prob, weight, None, -100, smoothing, reduction, losses, None, None)

CASES += [
    Case("native-unknown-loss", lambda: ew(loss_id=99), ValueError, "id"),
    Case("native-negative-loss-id", lambda: ew(loss_id=-1), ValueError, "id"),
    # 2^32 + 1 would wrap to 1 (a valid loss id, the mean) if cast to int32 unchecked.
    Case("native-loss-id-wraps", lambda: ew(loss_id=2**32 + 1), ValueError, "loss_id"),
    Case("native-reduction-wraps", lambda: xe(reduction=2**32 + 1), ValueError, "reduction"),
    Case("native-extra-parameter", lambda: ew(params=(1.0,)), ValueError, "parameter"),
    Case("native-too-many-parameters", lambda: ew(params=(1.0,) * 9), ValueError, "params: at most 8"),
    Case("native-mixed-dtypes", lambda: ew(target=f32), TypeError, "target"),
    Case("native-target-length", lambda: ew(target=f64[:5]), ValueError, "target"),
    Case("native-integer-input", lambda: ew(input=np.ones(6, int)), TypeError, "input"),
    Case("native-list-input", lambda: ew(input=[1.0] * 6), TypeError, "input"),
    Case("native-strided-input", lambda: ew(input=np.ones(12)[::2]), TypeError, "input"),
    Case("native-weight-not-dividing", lambda: ew(weight=np.ones(4)), ValueError, "weight"),
    Case("native-weight-empty", lambda: ew(weight=np.ones(0)), ValueError, "weight"),
    Case("native-column-not-dividing", lambda: ew(loss_id=3, column=np.ones(4)), ValueError, "pos_weight"),
    Case("native-weighting-code", lambda: ew(weight=f64, weighting=5), ValueError, "weighting"),
    Case("native-reduction-code", lambda: ew(reduction=7), ValueError, "reduction"),
    Case("native-none-without-output", lambda: ew(reduction=0), ValueError, "reduction"),
    Case("native-read-only-output", lambda: ew(grad=np.frombuffer(bytes(48))), TypeError, "grad"),
    Case("native-output-length", lambda: ew(grad=np.empty(5)), ValueError, "grad"),
    Case("native-ce-negative-rows", lambda: xe(rows=-1), ValueError, "rows"),
    Case("native-ce-size-overflow", lambda: xe(rows=2**62, classes=2**62), ValueError, "overflow"),
    Case("native-ce-logits-length", lambda: xe(rows=3), ValueError, "input"),
    Case("native-ce-no-target", lambda: xe(index=None), ValueError, "target"),
    Case("native-ce-two-targets", lambda: xe(prob=f64), ValueError, "target"),
    Case("native-ce-int32-target", lambda: xe(index=idx.astype(np.int32)), TypeError, "target"),
    Case("native-ce-index-out-of-range", lambda: xe(index=np.array([0, 5])), IndexError, "target"),
    Case("native-ce-no-classes", lambda: xe(classes=0, logits=np.ones(0)), ValueError, "class"),
    Case("native-ce-weight-length", lambda: xe(weight=np.ones(2)), ValueError, "weight"),
    Case("native-ce-smoothing-nan", lambda: xe(smoothing=float("nan")), ValueError, "label_smoothing"),
    Case("native-ce-reduction-code", lambda: xe(reduction=9), ValueError, "reduction"),
    Case("native-ce-none-without-output", lambda: xe(reduction=0), ValueError, "reduction"),
    # Row-wise losses (lk_rowwise), public API and shim.
    Case("nll-index-out-of-range", lambda: lk.nll_loss(logits, np.array([0, 3, 1, 0])), IndexError, "target"),
    Case("nll-weight-length", lambda: lk.nll_loss(logits, labels, weight=np.ones(4)), ValueError, "weight"),
    Case("focal-alpha-negative", lambda: lk.softmax_focal_loss(logits, labels, alpha=-np.ones(3)), ValueError, "alpha"),
    Case("focal-gamma-negative", lambda: lk.softmax_focal_loss(logits, labels, gamma=-1.0), ValueError, "gamma"),
    Case("gce-q-zero", lambda: lk.generalized_cross_entropy(logits, labels, q=0.0), ValueError, "q"),
    Case("margin-p-3", lambda: lk.multi_margin_loss(logits, labels, p=3), ValueError, "p"),
    Case("margin-target-shape", lambda: lk.multi_margin_loss(logits, labels[:2]), ValueError, "target"),
    Case("multilabel-margin-target-float", lambda: lk.multilabel_margin_loss(logits, logits), TypeError, "target"),
    Case("multilabel-soft-target-range", lambda: lk.multilabel_soft_margin_loss(logits, logits), ValueError, "target"),
    Case("kl-div-reduction", lambda: lk.kl_div(logits, logits, reduction="max"), ValueError, "reduction"),
    Case("js-target-shape", lambda: lk.jensen_shannon_divergence(logits, logits[:2]), ValueError, "target"),
    Case("entropy-sample_weight", lambda: lk.entropy(logits, sample_weight=np.ones(3)), ValueError, "sample_weight"),
    Case("native-rowwise-size-overflow",
         lambda: _native.rowwise(lk._internal.catalogue.loss_id("entropy"), (), 2**62, 2**62, np.ones(1), None, None, None,
                                 None, -100, 1, None, None, None), ValueError, "overflow"),
    Case("native-rowwise-not-rowwise-id",
         lambda: _native.rowwise(0, (), 4, 3, logits.ravel(), labels, None, None, None, -100, 1, None, None, None),
         ValueError, "row-wise"),
    Case("native-rowwise-list-length",
         lambda: _native.rowwise(lk._internal.catalogue.loss_id("multilabel_margin_loss"), (), 4, 3, logits.ravel(), labels,
                                 None, None, None, -100, 1, None, None, None), ValueError, "target"),
]


def check(case: Case) -> str | None:
    """None if `case` raises its error naming its argument, else what went wrong."""
    try:
        case.call()
    except case.error as exc:
        return None if case.argument in str(exc) else f"{case.id}: message {str(exc)!r} does not name {case.argument}"
    except Exception as exc:  # the wrong exception type
        return f"{case.id}: raised {type(exc).__name__} ({exc}), expected {case.error.__name__}"
    return f"{case.id}: raised nothing, expected {case.error.__name__}"


if __name__ == "__main__":
    problems = [p for p in map(check, CASES) if p is not None]
    print("\n".join(problems) or f"all {len(CASES)} cases raised as expected")
    sys.exit(1 if problems else 0)
