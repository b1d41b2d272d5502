"""The plain-call fast paths (`_native.elementwise_plain`, `_native.cross_entropy_plain`) give
exactly what the general path gives: the same bits, dtypes and shapes, the same exceptions with
the same messages. Arguments that are not plain must come back NotImplemented from the shim and
take the general path, which alone owns the conversion rules.

`general` runs a call with the fast paths switched off; `taken` runs it recording whether the
fast path answered. No timing here: see issue 3 for the measurements.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import losskit as lk
from losskit._internal import _native
from losskit._internal import arrays as _arrays
from losskit._internal import outputs as _outputs

PLAIN_ENTRIES = ("elementwise_plain", "cross_entropy_plain")

pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")


def general(call: Callable[[], Any]) -> Any:
    """`call()` with both fast paths answering NotImplemented, i.e. the general path alone."""
    with pytest.MonkeyPatch.context() as patch:
        for entry in PLAIN_ENTRIES:
            patch.setattr(_native, entry, lambda *args: NotImplemented)
        return call()


def taken(call: Callable[[], Any]) -> tuple[Any, bool]:
    """`call()` and whether a fast path answered it (rather than returning NotImplemented)."""
    answered = []
    with pytest.MonkeyPatch.context() as patch:
        for entry in PLAIN_ENTRIES:
            original = getattr(_native, entry)

            def recording(*args, original=original):
                answered.append(True)  # unless it returns NotImplemented; raising is answering
                result = original(*args)
                answered[-1] = result is not NotImplemented
                return result
            patch.setattr(_native, entry, recording)
        result = call()
    return result, any(answered)


def outcome(call: Callable[[], Any]) -> Any:
    """The result of `call()`, or the type and message of the exception it raises."""
    try:
        return call()
    except Exception as exc:  # the comparison is the point
        return type(exc), str(exc)


def assert_identical(a: Any, b: Any) -> None:
    """Same structure, and bitwise equal values of the same dtype and shape (or the same error)."""
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], type):
        assert a == b
        return
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert type(u) is type(v)
        if isinstance(u, np.ndarray):
            assert u.dtype == v.dtype and u.shape == v.shape and u.strides == v.strides
        np.testing.assert_array_equal(u, v)


def check_plain(call: Callable[[], Any]) -> Any:
    """`call()` takes a fast path and gives what the general path gives."""
    result, fast = taken(call)
    assert fast, "expected the plain-call fast path"
    assert_identical(result, general(call))
    return result


def check_not_plain(call: Callable[[], Any]) -> Any:
    """`call()` takes the general path (its result or error is then the general path's)."""
    result, fast = taken(lambda: outcome(call))
    assert not fast, "expected the general path"
    return result


GRAD_HESS = [(False, False), (True, False), (False, True), (True, True)]
SHAPES = [(), (0,), (1,), (32,), (3, 4), (2, 0, 3), (2, 3, 5)]

ELEMENTWISE_CALLS = {
    "mse": lambda x, y, **kw: lk.mse_loss(x, y, **kw),
    "l1": lambda x, y, **kw: lk.l1_loss(x, y, **kw),
    "huber-float-delta": lambda x, y, **kw: lk.huber_loss(x, y, delta=0.5, **kw),
    "huber-int-delta": lambda x, y, **kw: lk.huber_loss(x, y, delta=2, **kw),
    # (np.asarray: numpy turns 0-d results into scalars, which are not plain arrays)
    "bce-with-logits": lambda x, y, **kw: lk.binary_cross_entropy_with_logits(x, np.asarray(np.abs(y) % 1), **kw),
    "poisson-flags": lambda x, y, **kw: lk.poisson_nll_loss(np.asarray(np.abs(x)), np.asarray(np.abs(y)),
                                                            log_input=False, full=True, **kw),
    "quantile": lambda x, y, **kw: lk.quantile_loss(x, y, quantile=0.25, **kw),
}


@pytest.mark.parametrize("grad, hess", GRAD_HESS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", ELEMENTWISE_CALLS)
def test_elementwise_plain_equals_general(name, shape, grad, hess, dtype, reduction, rng):
    x = rng.normal(size=shape).astype(dtype)
    y = rng.normal(size=shape).astype(dtype)
    fn = ELEMENTWISE_CALLS[name]
    result = check_plain(lambda: fn(x, y, reduction=reduction, grad=grad, hess=hess))
    arrays = [r for r in (result if isinstance(result, tuple) else (result,)) if isinstance(r, np.ndarray)]
    assert all(not np.shares_memory(a, x) and not np.shares_memory(a, y) for a in arrays)
    assert len({id(a) for a in arrays}) == len(arrays)


@pytest.mark.parametrize("grad, hess", GRAD_HESS)
@pytest.mark.parametrize("shape", [(5,), (32, 10), (4, 1), (0, 3), (3, 0)], ids=str)
def test_cross_entropy_plain_equals_general(shape, grad, hess, dtype, reduction, rng):
    z = rng.normal(size=shape).astype(dtype)
    classes = shape[-1]
    index = rng.integers(0, max(classes, 1), size=shape[:-1])
    if index.size:
        index.flat[0] = -100  # ignored
    probability = rng.dirichlet(np.ones(max(classes, 1)), size=shape[:-1])[..., :classes].astype(dtype)
    for target in (index, probability):
        for options in ({}, {"label_smoothing": 0.1}, {"label_smoothing": 1}, {"ignore_index": 0}):
            call = lambda: outcome(lambda: lk.cross_entropy(z, target, reduction=reduction, grad=grad,
                                                            hess=hess, **options))
            if target is probability and "ignore_index" in options:
                # Refused before either path, as PyTorch refuses it (multiclass/test_cross_entropy_ignore_index.py).
                assert call()[0] is ValueError
                continue
            check_plain(call)


def test_the_tiny_calls_of_issue_3_are_plain(rng):
    x, y = rng.normal(size=32).astype(np.float32), rng.normal(size=32).astype(np.float32)
    loss, g = check_plain(lambda: lk.mse_loss(x, y, grad=True))
    assert type(loss) is float and g.dtype == np.float32 and g.shape == (32,)
    z, t = rng.normal(size=(32, 10)).astype(np.float32), rng.integers(0, 10, 32)
    loss, g = check_plain(lambda: lk.cross_entropy(z, t, grad=True))
    assert type(loss) is float and g.dtype == np.float32 and g.shape == (32, 10)


def test_read_only_inputs_are_plain(rng):
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    x.flags.writeable = y.flags.writeable = False
    check_plain(lambda: lk.huber_loss(x, y, reduction="none", grad=True, hess=True))
    z, t = rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])
    z.flags.writeable = t.flags.writeable = False
    check_plain(lambda: lk.cross_entropy(z, t, reduction="none", grad=True))


def test_library_errors_are_the_same(rng):
    """Errors the library raises (ranges, domains, class indices) reach the caller unchanged."""
    x, y = rng.normal(size=6), rng.normal(size=6)
    for call in (lambda: lk.huber_loss(x, y, delta=-1.0), lambda: lk.poisson_nll_loss(x, -np.abs(y)),
                 lambda: lk.quantile_loss(x, y, quantile=2), lambda: lk.huber_loss(x, y, delta=float("nan")),
                 lambda: lk.cross_entropy(np.zeros((2, 3)), np.array([0, 3]), grad=True),
                 lambda: lk.cross_entropy(np.zeros((2, 3)), np.array([0, -5])),
                 lambda: lk.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=1.5),
                 lambda: lk.cross_entropy(np.zeros((2, 0)), np.zeros(2, np.int64))):
        result = check_plain(lambda: outcome(call))
        assert isinstance(result[0], type) and issubclass(result[0], Exception), result


def byte_swapped(a: np.ndarray) -> np.ndarray:
    return a.astype(a.dtype.newbyteorder())


class Sub(np.ndarray):
    pass


def not_plain_arrays(x: np.ndarray) -> dict[str, Any]:
    """Inputs of the values of `x` (float64, shape (4, 6)) that are not plain."""
    return {
        "strided": np.repeat(x, 2, axis=1)[:, ::2],
        "fortran": np.asfortranarray(x),
        "byte-swapped": byte_swapped(x),
        "float16": x.astype(np.float16),
        "int32": (x * 10).astype(np.int32),
        "bool": x > 0,
        "list": x.tolist(),
        "subclass": x.view(Sub),
        "masked": np.ma.masked_array(x),
        "matrix": np.asmatrix(x),
        "numpy-scalar": np.float64(x.flat[0]),
        "float": float(x.flat[0]),
    }


@pytest.mark.parametrize("layout", list(not_plain_arrays(np.zeros((4, 6)))))
@pytest.mark.parametrize("which", ["input", "target"])
def test_elementwise_arguments_that_are_not_plain(layout, which, rng):
    x, y = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    odd = not_plain_arrays(x if which == "input" else y)[layout]
    args = (odd, y) if which == "input" else (x, odd)
    call = lambda: lk.huber_loss(*args, delta=0.5, reduction="none", grad=True, hess=True)  # noqa: E731
    assert_identical(check_not_plain(call), outcome(lambda: general(call)))


@pytest.mark.parametrize("layout", list(not_plain_arrays(np.zeros((4, 6)))))
def test_cross_entropy_logits_that_are_not_plain(layout, rng):
    z = rng.normal(size=(4, 6))
    t = np.array([5, 0, 2, 3])
    call = lambda: lk.cross_entropy(not_plain_arrays(z)[layout], t, reduction="none", grad=True)  # noqa: E731
    assert_identical(check_not_plain(call), outcome(lambda: general(call)))


@pytest.mark.parametrize("target", [
    np.array([5, 0, 2, 3], np.int32), np.array([5, 0, 2, 3], np.uint64), np.array([5, 0, 2, 3], np.uint8),
    np.array([5, 0, 2, 3]).astype(">i8"), np.array([5, 5, 0, 0, 2, 2, 3, 3])[::2], [5, 0, 2, 3],
    np.array([5, 0, 2, 3]).view(Sub), np.array([[5, 0, 2, 3]]), np.array([5, 0, 2]), np.array(5),
    np.full((4, 6), 1 / 6, np.float32), np.full((4, 5), 0.2), np.ones(4),
], ids=lambda t: f"{type(t).__name__}-{getattr(t, 'dtype', '')}-{np.shape(t)}")
def test_cross_entropy_targets_that_are_not_plain(target, rng):
    z = rng.normal(size=(4, 6))
    call = lambda: lk.cross_entropy(z, target, reduction="none", grad=True)  # noqa: E731
    assert_identical(check_not_plain(call), outcome(lambda: general(call)))


def test_cross_entropy_layouts_that_are_not_plain(rng):
    """Spatial inputs, unbatched logits with a batch of targets, and weights take the general path."""
    spatial = rng.normal(size=(2, 3, 4))
    for call in (lambda: lk.cross_entropy(spatial, np.zeros((2, 4), np.int64), grad=True),
                 lambda: lk.cross_entropy(rng.normal(size=3), np.array([1]), grad=True),
                 lambda: lk.cross_entropy(np.float64(1.0), np.int64(0)),
                 lambda: lk.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), weight=np.ones(3)),
                 lambda: lk.cross_entropy(np.zeros((2, 3)), np.array([0, 1]), sample_weight=np.ones(2))):
        assert_identical(check_not_plain(call), outcome(lambda: general(call)))


@pytest.mark.parametrize("options", [
    {"reduction": "batchmean"}, {"reduction": "Mean"}, {"reduction": None}, {"reduction": ["mean"]},
    {"grad": np.bool_(True)}, {"grad": 1}, {"hess": "yes"}, {"delta": np.float64(0.5)}, {"delta": True},
    {"delta": 2**1100}, {"delta": "1"}, {"delta": None}, {"sample_weight": np.ones((4, 6))},
    {"sample_weight": np.ones(4)},
], ids=repr)
def test_elementwise_options_that_are_not_plain(options, rng):
    x, y = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    call = lambda: lk.huber_loss(x, y, **options)  # noqa: E731
    assert_identical(check_not_plain(call), outcome(lambda: general(call)))


@pytest.mark.parametrize("options", [
    {"reduction": "batchmean"}, {"grad": np.bool_(True)}, {"hess": 0}, {"ignore_index": np.int64(-100)},
    {"ignore_index": 2**70}, {"ignore_index": True}, {"ignore_index": 1.0}, {"label_smoothing": np.float32(0.1)},
    {"label_smoothing": 2**1100}, {"label_smoothing": None},
], ids=repr)
def test_cross_entropy_options_that_are_not_plain(options, rng):
    z, t = rng.normal(size=(4, 6)), np.array([5, 0, 2, 3])
    call = lambda: lk.cross_entropy(z, t, **options)  # noqa: E731
    assert_identical(check_not_plain(call), outcome(lambda: general(call)))


@pytest.mark.parametrize("x, y", [
    (np.zeros(4, np.float32), np.zeros(4)), (np.zeros(4), np.zeros(4, np.float32)), (np.zeros(4), np.zeros(5)),
    (np.zeros((2, 3)), np.zeros((3, 2))), (np.zeros((2, 3)), np.zeros(6)), (np.zeros(()), np.zeros(1)),
], ids=str)
def test_mismatched_dtypes_and_shapes_are_not_plain(x, y):
    """A float64 target of a float32 input is converted (general path); other shapes raise there."""
    call = lambda: lk.mse_loss(x, y, reduction="none", grad=True)  # noqa: E731
    assert_identical(check_not_plain(call), outcome(lambda: general(call)))


def test_outputs_come_from_the_one_allocator(monkeypatch, rng):
    """Both fast paths and both general paths allocate every output with `new_output`, as PLAIN
    tells the shim (so an allocation policy is one function; here the size above which the fast
    paths call it instead of np.empty is 0)."""
    calls = []

    def recording(shape, dtype):
        calls.append((tuple(np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),), np.dtype(dtype)))
        return np.empty(shape, dtype)
    from losskit import multiclass as classification
    from losskit._internal import elementwise as _elementwise
    plain = (np.ndarray, _arrays.REDUCTIONS, _arrays.PLAIN[2], recording, recording, 0)
    for module in (_elementwise, classification):
        monkeypatch.setattr(module, "PLAIN", plain)
        monkeypatch.setattr(module, "new_output", recording)
    x, y = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 4)).astype(np.float32)
    z, t = rng.normal(size=(3, 4)), np.array([0, 3, 1])
    for call in (lambda: lk.mse_loss(x, y, reduction="none", grad=True, hess=True),
                 lambda: lk.cross_entropy(z, t, reduction="none", grad=True, hess=True)):
        for run in (call, lambda: general(call)):
            calls.clear()
            run()
            assert len(calls) == 3
    calls.clear()
    lk.mse_loss(x, y, grad=True)
    assert calls == [((3, 4), np.dtype(np.float32))]


def test_fast_paths_recycle_large_outputs_and_allocate_small_ones_fresh(rng):
    """Outputs of at least MIN_BYTES come from new_output (recycled: the same buffer again once
    the previous result is dropped), smaller ones are plain np.empty arrays."""
    n = _outputs.MIN_BYTES // 4
    x, y = rng.normal(size=n).astype(np.float32), rng.normal(size=n).astype(np.float32)
    _, g = lk.mse_loss(x, y, grad=True)
    first = g.__array_interface__["data"][0]
    assert g.base is not None
    del g
    _, g = lk.mse_loss(x, y, grad=True)
    assert g.__array_interface__["data"][0] == first
    _, small = lk.mse_loss(x[:n - 1], y[:n - 1], grad=True)
    assert small.base is None


def test_results_convention():
    assert _native.results(1.5, None, None) == 1.5
    assert _native.results(1.5, "g", None) == (1.5, "g")
    assert _native.results(1.5, None, "h") == (1.5, "h")
    assert _native.results(1.5, "g", "h") == (1.5, "g", "h")
    assert _arrays.results is _native.results


def test_plain_entries_refuse_a_bad_context():
    x = np.zeros(3)
    with pytest.raises(TypeError, match="plain"):
        _native.elementwise_plain(0, (), x, x, "mean", False, False, (np.ndarray, {}, None, np.empty))
    with pytest.raises(TypeError, match="plain"):
        _native.elementwise_plain(0, (), x, x, "mean", False, False, _arrays.PLAIN[:5] + (-1,))
    with pytest.raises(TypeError, match="plain"):
        _native.cross_entropy_plain(x, np.zeros(1, np.int64), -100, 0.0, "mean", False, False, None)
    with pytest.raises(TypeError):
        _native.elementwise_plain(0, (), x, x, "mean", False, False)


def test_a_failing_allocator_raises_and_leaks_nothing(rng):
    x = rng.normal(size=4)

    def failing(shape, dtype):
        raise MemoryError("no room")

    def wrong(shape, dtype):
        return np.empty(shape, np.float32)
    for allocator, error in ((failing, MemoryError), (wrong, TypeError)):
        plain = (np.ndarray, _arrays.REDUCTIONS, _arrays.PLAIN[2], allocator, allocator, 0)
        with pytest.raises(error):
            _native.elementwise_plain(lk._internal.catalogue.loss_id("mse_loss"), (), x, x, "none", True, True, plain)
        with pytest.raises(error):
            _native.cross_entropy_plain(x, np.array(1), -100, 0.0, "mean", True, False, plain)
    # Every buffer was released: numpy refuses to resize an array whose buffer is exported.
    x.resize(8, refcheck=False)
    assert x.shape == (8,)
