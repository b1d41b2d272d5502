"""How arguments are converted: the documented dtype rule (float32/float64 native, float16 in
float32, integers and booleans in float64, companions in the input's dtype), and layouts that
must give the same bits as a contiguous native array: strided, transposed, read-only,
big-endian, Python lists and scalars."""
import numpy as np
import pytest

import losskit as lk

ELEMENTWISE = [lk.mse_loss, lk.l1_loss, lk.huber_loss, lk.binary_cross_entropy_with_logits]


def assert_same_results(a, b):
    """Two results of the same call are bitwise equal (floats or tuples of arrays)."""
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert np.asarray(u).dtype == np.asarray(v).dtype
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("given, computed", [
    (np.float16, np.float32), (np.float32, np.float32), (np.float64, np.float64),
    (np.int8, np.float64), (np.int32, np.float64), (np.int64, np.float64), (np.uint8, np.float64),
    (np.bool_, np.float64),
])
@pytest.mark.parametrize("fn", ELEMENTWISE, ids=lambda f: f.__name__)
def test_dtype_rule(fn, given, computed):
    """Outputs have the computation dtype, and the values are those of the input converted
    to it first."""
    x = np.array([[0, 1, 3], [1, 0, 2]]).astype(given)
    y = np.array([[1, 1, 0], [0, 1, 1]]).astype(given)
    result = fn(x, y, reduction="none", grad=True, hess=True)
    assert all(r.dtype == computed for r in result)
    assert_same_results(result, fn(x.astype(computed), y.astype(computed), reduction="none",
                                   grad=True, hess=True))


@pytest.mark.parametrize("given, computed", [(np.float16, np.float32), (np.int32, np.float64)])
def test_dtype_rule_for_cross_entropy_logits(given, computed):
    x = np.array([[1, 2, 0], [0, -1, 3]]).astype(given)
    target = np.array([2, 0])
    result = lk.cross_entropy(x, target, reduction="none", grad=True, hess=True)
    assert all(r.dtype == computed for r in result)
    assert_same_results(result, lk.cross_entropy(x.astype(computed), target, reduction="none",
                                                 grad=True, hess=True))


def test_companions_take_the_input_dtype(rng):
    """Target, sample_weight and pos_weight are converted to the input's dtype; the input's
    dtype alone decides (a float64 target does not promote a float32 input)."""
    x = rng.normal(size=(3, 4)).astype(np.float32)
    y, w, p = rng.uniform(size=(3, 4)), rng.uniform(size=3), rng.uniform(1, 2, size=4)
    result = lk.binary_cross_entropy_with_logits(x, y, sample_weight=w, pos_weight=p, reduction="none", grad=True)
    assert all(r.dtype == np.float32 for r in result)
    assert_same_results(result, lk.binary_cross_entropy_with_logits(
        x, y.astype(np.float32), sample_weight=w.astype(np.float32), pos_weight=p.astype(np.float32),
        reduction="none", grad=True))
    ints = lk.mse_loss(np.array([1, 2, 3]), np.array([0.5, 0.25, 0.125], np.float32), reduction="none")
    assert ints.dtype == np.float64


@pytest.fixture
def arrays(rng):
    """float64 arrays for an elementwise call and a cross-entropy call, in several layouts."""
    return {
        "x": rng.normal(size=(4, 6)), "y": rng.uniform(size=(4, 6)), "w": rng.uniform(size=(4, 6)),
        "p": rng.uniform(1, 2, size=6), "logits": rng.normal(size=(4, 6)),
        "target": np.array([5, 0, 2, 3]), "class_weight": rng.uniform(0.5, 1.5, size=6),
        "s": rng.uniform(size=4),
    }


def elementwise_call(a):
    return lk.binary_cross_entropy_with_logits(a["x"], a["y"], sample_weight=a["w"], pos_weight=a["p"],
                                               reduction="none", grad=True, hess=True)


def cross_entropy_call(a):
    return lk.cross_entropy(a["logits"], a["target"], weight=a["class_weight"], sample_weight=a["s"],
                            label_smoothing=0.1, reduction="none", grad=True, hess=True)


LAYOUTS = {
    # Every array replaced by a view with the same values but another memory layout.
    "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    "fortran": lambda a: np.asfortranarray(a),
    "reversed": lambda a: np.flip(np.flip(a).copy()),
    "read-only": lambda a: read_only(a),
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "list": lambda a: a.tolist(),
}


def read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("call", [elementwise_call, cross_entropy_call], ids=["bce", "cross_entropy"])
def test_layouts_give_the_same_bits(call, layout, arrays):
    expected = call(arrays)
    changed = {k: LAYOUTS[layout](v) for k, v in arrays.items()}
    if layout == "strided":
        assert not changed["x"].flags.c_contiguous
    assert_same_results(call(changed), expected)


def test_inputs_are_not_modified(arrays):
    before = {k: v.copy() for k, v in arrays.items()}
    elementwise_call(arrays)
    cross_entropy_call(arrays)
    for k in arrays:
        np.testing.assert_array_equal(arrays[k], before[k])


def test_big_endian_float32_is_computed_in_float32(rng):
    x = rng.normal(size=5).astype(">f4")
    loss = lk.huber_loss(x, np.zeros(5, ">f4"), reduction="none")
    assert loss.dtype == np.float32
    assert_same_results(loss, lk.huber_loss(x.astype(np.float32), np.zeros(5, np.float32), reduction="none"))


def test_python_scalars_give_scalars():
    """0-d arguments keep their shape: 'none' returns a 0-d array (regression: scalars used
    to come back with shape (1,))."""
    loss, grad, hess = lk.mse_loss(3.0, 1.0, reduction="none", grad=True, hess=True)
    assert loss.shape == grad.shape == hess.shape == ()
    assert (loss, grad, hess) == (4.0, 4.0, 2.0)
    assert lk.l1_loss(2, 5) == 3.0


@pytest.mark.parametrize("scalar", [2.5, np.float32(2.5), np.array(2.5), [2.5] * 3])
def test_pos_weight_scalar_equals_a_per_class_array(scalar, rng):
    """A scalar pos_weight broadcasts to every class (regression: it used to be refused as
    shape (1,))."""
    x, y = rng.normal(size=(2, 3)), rng.uniform(size=(2, 3))
    expected = lk.binary_cross_entropy_with_logits(x, y, pos_weight=np.full(3, 2.5), grad=True)
    assert_same_results(lk.binary_cross_entropy_with_logits(x, y, pos_weight=scalar, grad=True), expected)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint8, np.uint16, np.uint64, "list"])
def test_cross_entropy_class_indices_of_any_integer_type(dtype, rng):
    x = rng.normal(size=(3, 4))
    target = [3, 0, 2]
    expected = lk.cross_entropy(x, np.array(target, np.int64), grad=True)
    given = target if dtype == "list" else np.array(target, dtype)
    assert_same_results(lk.cross_entropy(x, given, grad=True), expected)


def test_cross_entropy_unbatched_takes_a_scalar_target(rng):
    """Unbatched logits (C,) take a 0-d class index and give a 0-d loss for 'none'."""
    x = rng.normal(size=4)
    loss, grad = lk.cross_entropy(x, 2, reduction="none", grad=True)
    assert loss.shape == () and grad.shape == (4,)
    assert_same_results((float(loss), grad[None]),
                        lk.cross_entropy(x[None], np.array([2]), reduction="sum", grad=True))
