"""losskit.jax against optax (where optax has the loss) and against LossKit's numpy API (for
every catalogue loss), under jax.jit, jax.grad, jax.value_and_grad and jax.vmap, in float32 and
float64; optax training loops with a losskit.jax loss against the same loop with optax's loss;
edge cases and errors.

The numpy API is an independent path to the same kernels (the CPython shim, not XLA's FFI),
whose values the other test suites check against PyTorch, scipy and float64 formulas; here it
checks that the adapter's layouts, options, reductions and cotangent handling are right.
"""
from __future__ import annotations

import inspect
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
import jax.numpy as jnp  # noqa: E402

import losskit as lk  # noqa: E402
import losskit.jax as lj  # noqa: E402
from conftest import RTOL, assert_close, sample  # noqa: E402

jax.config.update("jax_enable_x64", True)

ENTRIES = {e["name"]: e for e in lk.catalogue()}
REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [np.float32, np.float64]
# Against the numpy API, conftest's RTOL: the same kernel runs behind both paths; float32 results
# differ only where a reduced float64 loss is rounded to float32 (XLA's layout ops are exact).
# optax computes its losses with jnp formulas: float32 agrees to a few ulps of the larger terms.
OPTAX_RTOL = {np.dtype(np.float32): 2e-5, np.dtype(np.float64): 1e-11}


@dataclass
class Case:
    """One call's arguments: `leaves` the differentiable arrays by argument name, `data` the
    others (numpy arrays and options), `weight_per_loss` how to express a cotangent of the
    'none' losses as the numpy API's `sample_weight` (None: it has no such weight)."""
    leaves: dict[str, np.ndarray]
    data: dict[str, Any] = field(default_factory=dict)
    weight_per_loss: Callable[[np.ndarray], np.ndarray] | None = lambda c: c


def case(name: str, dtype: Any, seed: int = 0) -> Case:
    """Arguments for any catalogue loss, inside its domains, from its catalogue kind."""
    entry = ENTRIES[name]
    rng = np.random.default_rng(seed)

    def a(values):
        return np.asarray(values, dtype=dtype)

    kind = entry["kind"]
    if kind == "elementwise":
        target = sample(entry["target_domain"], (4, 3), rng)
        x = sample(entry["input_domain"], (4, 3), rng)
        x = np.where(np.abs(x - target) < 0.05, x + np.where(x > 0.5, -0.1, 0.1), x)
        data = {"target": a(target)}
        if name == "gaussian_nll_loss":
            data["var"] = a(rng.uniform(0.5, 2.0, (4, 1)))
        return Case({"input": a(x)}, data)
    if kind == "cross_entropy":
        return Case({"input": a(rng.normal(size=(5, 4)))}, {"target": np.array([0, 3, 1, -100, 2])})
    if kind == "rowwise":
        x = a(rng.normal(size=(5, 4)))
        rows = entry["row_target"]
        if rows == "class_index":
            return Case({"input": x}, {"target": np.array([0, 3, 1, -100, 2])})
        if rows == "values":
            p = np.exp(rng.normal(size=(5, 4)))
            return Case({"input": x}, {"target": a(p / p.sum(axis=1, keepdims=True))},
                        None if name == "kl_div" else (lambda c: c))
        if rows == "class_indices":
            labels = [[0, 2, -1, -1], [3, -1, -1, -1], [1, 2, 3, -1], [2, -1, 0, 1], [0, 1, 2, 3]]
            return Case({"input": x}, {"target": np.array(labels)})
        return Case({"input": x})
    if kind == "embedding":
        names = [p for p in inspect.signature(getattr(lk, name)).parameters
                 if p in ("input", "input1", "input2", "anchor", "positive", "negative")]
        shape = (5,) if name in ("margin_ranking_loss", "hinge_embedding_loss") else (5, 4)
        leaves = {n: a(0.5 * rng.normal(size=shape)) for n in names}
        if "target" not in inspect.signature(getattr(lk, name)).parameters:
            return Case(leaves)
        labels = sample(entry["target_domain"], (5,), rng)
        labels[:2] = [1.0, -1.0 if entry["target_domain"] == "signs" else 0.0]
        return Case(leaves, {"target": a(labels)})
    if kind == "similarity_matrix":
        return Case({"embeddings": a(rng.normal(size=(6, 3)))},
                    {"labels": np.array([0, 0, 1, 1, 2, 2]), "temperature": 0.5}, None)
    if kind == "overlap":
        return Case({"input": a(rng.normal(size=(3, 4, 5)))}, {"target": rng.integers(0, 4, size=(3, 5))})
    assert kind == "sequence", kind
    logits = rng.normal(size=(6, 2, 4))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return Case({"log_probs": a(log_probs)},
                {"targets": np.array([[1, 2], [3, 3]]), "input_lengths": np.array([6, 5]),
                 "target_lengths": np.array([2, 2])})


def numpy_loss_and_grads(name: str, c: Case, **options) -> tuple[Any, tuple[np.ndarray, ...]]:
    """The numpy API's loss and its gradients, one per leaf, in leaf order."""
    out = getattr(lk, name)(**c.leaves, **c.data, **options, grad=True)
    loss, grads = out[0], out[1]
    return loss, grads if isinstance(grads, tuple) else (grads,)


def jax_function(name: str, c: Case, **options) -> Callable[..., Any]:
    """The losskit.jax loss as a function of the leaves (positional, in leaf order)."""
    names = list(c.leaves)
    data = {k: jnp.asarray(v) if isinstance(v, np.ndarray) else v for k, v in c.data.items()}
    return lambda *leaves: getattr(lj, name)(**dict(zip(names, leaves)), **data, **options)


# --- the module ----------------------------------------------------------------------------

def test_every_catalogue_loss_has_a_function_with_the_numpy_signature_without_derivative_options():
    for name in ENTRIES:
        numpy_parameters = [p for p in inspect.signature(getattr(lk, name)).parameters.values()
                            if p.name not in ("grad", "hess", "grad_params")]
        assert list(inspect.signature(getattr(lj, name)).parameters.values()) == numpy_parameters, name
        assert getattr(lj, name).__doc__.count(f"losskit.{name}") >= 1
    assert set(lj.__all__) == set(ENTRIES) | {"hybrid_loss"}


def test_without_the_handlers_the_import_says_how_to_get_them():
    code = ("import sys; sys.modules['losskit._internal._jax_ffi'] = None\n"
            "try:\n    import losskit.jax\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "install jax" in out.lower() and "reinstall" in out and "--no-build-isolation" in out


# --- every catalogue loss against the numpy API ---------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(ENTRIES))
def test_values_and_gradients_equal_the_numpy_api(name, reduction, dtype):
    c = case(name, dtype)
    f = jax_function(name, c, reduction=reduction)
    leaves = [jnp.asarray(v) for v in c.leaves.values()]
    expected, expected_grads = numpy_loss_and_grads(name, c, reduction=reduction)
    value = jax.jit(f)(*leaves)
    assert value.dtype == dtype
    assert_close(value, expected, rtol=RTOL[np.dtype(dtype)])
    argnums = tuple(range(len(leaves)))
    if reduction != "none":
        loss, grads = jax.jit(jax.value_and_grad(f, argnums=argnums))(*leaves)
        assert_close(loss, expected, rtol=RTOL[np.dtype(dtype)])
    elif c.weight_per_loss is None:
        if name == "ntxent_loss":  # per-anchor losses share every embedding: not differentiable
            with pytest.raises(NotImplementedError, match="reduction='sum'"):
                jax.grad(lambda *x: f(*x).sum(), argnums=argnums)(*leaves)
            return
        # kl_div's 'none' is per element while sample_weight is per row: a row-constant cotangent
        cotangent = np.random.default_rng(5).uniform(0.5, 1.5, (np.shape(expected)[0], 1)) * np.ones(np.shape(expected))
        grads = jax.grad(lambda *x: (f(*x) * cotangent).sum(), argnums=argnums)(*leaves)
        _, expected_grads = numpy_loss_and_grads(name, c, reduction="sum",
                                                 sample_weight=cotangent[:, 0].astype(dtype))
    else:
        # The backward pass of 'none' multiplies each loss's gradient by its own cotangent,
        # which is the numpy API's 'sum' with that cotangent as sample_weight.
        cotangent = np.random.default_rng(5).uniform(0.5, 1.5, np.shape(expected)).astype(dtype)
        grads = jax.grad(lambda *x: (f(*x) * cotangent).sum(), argnums=argnums)(*leaves)
        _, expected_grads = numpy_loss_and_grads(name, c, reduction="sum",
                                                 sample_weight=c.weight_per_loss(cotangent))
    for g, e in zip(grads, expected_grads):
        assert g.dtype == dtype
        assert_close(g, e, rtol=RTOL[np.dtype(dtype)])


@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
                                  "kl_div", "cosine_embedding_loss", "dice_loss", "ctc_loss", "ntxent_loss"])
def test_vmap_gives_each_slice_its_own_loss_and_gradient(name):
    """jax.vmap over a leading batch axis equals the numpy API on each slice, value and gradient."""
    slices = [case(name, np.float64, seed) for seed in range(3)]
    leaves = [jnp.stack([jnp.asarray(s.leaves[k]) for s in slices]) for k in slices[0].leaves]
    data = {k: np.stack([s.data[k] for s in slices]) if isinstance(v, np.ndarray) else v
            for k, v in slices[0].data.items()}
    names = list(slices[0].leaves)

    def one(*xs_and_data):
        xs, ds = xs_and_data[:len(names)], xs_and_data[len(names):]
        extra = dict(zip([k for k, v in data.items() if isinstance(v, np.ndarray)], ds))
        statics = {k: v for k, v in data.items() if not isinstance(v, np.ndarray)}
        return getattr(lj, name)(**dict(zip(names, xs)), **extra, **statics)

    arrays = [jnp.asarray(v) for v in data.values() if isinstance(v, np.ndarray)]
    values, grads = jax.jit(jax.vmap(jax.value_and_grad(one, argnums=tuple(range(len(names))))))(*leaves, *arrays)
    for k, s in enumerate(slices):
        expected, expected_grads = numpy_loss_and_grads(name, s)
        assert_close(values[k], expected, rtol=1e-13)
        for g, e in zip(grads, expected_grads):
            assert_close(g[k], e, rtol=1e-13)


def test_nested_vmap_and_an_unbatched_target():
    x = np.random.default_rng(8).normal(size=(3, 4, 5))
    y = Y[0]
    values = jax.jit(jax.vmap(jax.vmap(lambda a: lj.huber_loss(a, y, delta=0.5))))(x)
    assert_close(values, [[lk.huber_loss(x[i, j], y, delta=0.5) for j in range(4)] for i in range(3)], rtol=1e-15)
    grads = jax.vmap(jax.grad(lj.mse_loss), in_axes=(0, None))(x[0], y)
    assert_close(grads, np.stack([lk.mse_loss(x[0, j], y, grad=True)[1] for j in range(4)]), rtol=1e-15)


@pytest.mark.parametrize("index_dtype", [jnp.int32, jnp.int64, jnp.uint8], ids=["int32", "int64", "uint8"])
def test_integer_targets_of_any_width(index_dtype):
    """int32 (JAX's default without x64) is widened by the handler; other widths are cast."""
    logits, labels = X[:, :4], np.array([0, 3, 1, 2, 2, 0, 1, 3])
    expected, expected_g = lk.cross_entropy(logits, labels, grad=True)
    loss, g = jax.value_and_grad(lj.cross_entropy)(jnp.asarray(logits), jnp.asarray(labels, index_dtype))
    assert_close(loss, expected, rtol=1e-15)
    assert_close(g, expected_g, rtol=1e-15)


@pytest.mark.parametrize("results, operands, message", [
    ([((3,), np.float32)], [np.ones(3, np.float32)] * 2, "wrong number of FFI operands"),
    ([((), np.float32)], [np.ones(3, np.float32), np.ones(2, np.float32)] + [np.zeros(0, np.float32)] * 2,
     "argument 1 holds 2 elements, expected 3"),
    ([((), np.float32), ((2,), np.float32)], [np.ones(3, np.float32)] * 2 + [np.zeros(0, np.float32)] * 2,
     "result 1 holds 2 elements, expected 3"),
    ([((), np.float64)], [np.ones(3, np.float32)] * 2 + [np.zeros(0, np.float32)] * 2, "input's element type"),
    ([((), np.float32)], [np.ones(3, np.float32), np.ones(3)] + [np.zeros(0, np.float32)] * 2,
     "input's element type"),
])
def test_the_ffi_targets_refuse_operands_the_driver_would_overrun(results, operands, message):
    """The targets are registered process-wide, so a call made by hand with wrong operands
    fails with an error instead of reading or writing past a buffer."""
    call = jax.ffi.ffi_call("losskit_elementwise", [jax.ShapeDtypeStruct(s, d) for s, d in results])
    with pytest.raises(Exception, match=message):
        jax.block_until_ready(call(*operands, loss=np.int64(lk.catalogue()[0]["id"]), reduction=np.int64(1)))


def test_second_derivatives_are_refused():
    with pytest.raises(ValueError, match="cannot be differentiated"):
        jax.hessian(lj.mse_loss)(jnp.ones(3), jnp.zeros(3))


# --- against optax -------------------------------------------------------------------------

def one_hot(labels, classes):
    return jax.nn.one_hot(labels, classes)


RNG = np.random.default_rng(7)
X = RNG.normal(size=(8, 5))
Y = RNG.normal(size=(8, 5))
LABELS01 = RNG.integers(0, 2, (8, 5)).astype(float)
SIGNS = 2 * LABELS01 - 1
CLASSES = RNG.integers(0, 5, 8)
PROBS = np.exp(RNG.normal(size=(8, 5)))
PROBS /= PROBS.sum(axis=1, keepdims=True)

# (id, losskit.jax loss of the prediction, optax loss of the prediction, data): each pair is the
# same number by the conventions stated (optax returns per-example losses; LossKit reduces).
OPTAX_PAIRS = [
    ("mse=2*l2_loss", lambda x: lj.mse_loss(x, Y), lambda x: 2 * optax.losses.l2_loss(x, Y).mean()),
    ("mse=squared_error", lambda x: lj.mse_loss(x, Y, reduction="none"), lambda x: optax.losses.squared_error(x, Y)),
    ("huber", lambda x: lj.huber_loss(x, Y, delta=0.7), lambda x: optax.losses.huber_loss(x, Y, delta=0.7).mean()),
    ("log_cosh", lambda x: lj.log_cosh_loss(x, Y, reduction="sum"), lambda x: optax.losses.log_cosh(x, Y).sum()),
    ("sigmoid_bce", lambda x: lj.binary_cross_entropy_with_logits(x, LABELS01),
     lambda x: optax.losses.sigmoid_binary_cross_entropy(x, LABELS01).mean()),
    ("sigmoid_focal", lambda x: lj.sigmoid_focal_loss(x, LABELS01, alpha=0.3, gamma=1.5, reduction="none"),
     lambda x: optax.losses.sigmoid_focal_loss(x, LABELS01, alpha=0.3, gamma=1.5)),
    ("sigmoid_focal_no_alpha", lambda x: lj.sigmoid_focal_loss(x, LABELS01, alpha=None),
     lambda x: optax.losses.sigmoid_focal_loss(x, LABELS01).mean()),
    ("hinge", lambda x: lj.hinge_loss(x, SIGNS, reduction="none"), lambda x: optax.losses.hinge_loss(x, SIGNS)),
    ("softmax_ce_integer", lambda x: lj.cross_entropy(x, CLASSES, reduction="none"),
     lambda x: optax.losses.softmax_cross_entropy_with_integer_labels(x, CLASSES)),
    ("softmax_ce_probabilities", lambda x: lj.cross_entropy(x, PROBS),
     lambda x: optax.losses.softmax_cross_entropy(x, PROBS).mean()),
    ("softmax_ce_smoothed", lambda x: lj.cross_entropy(x, one_hot(CLASSES, 5), label_smoothing=0.2),
     lambda x: optax.losses.softmax_cross_entropy(x, optax.smooth_labels(one_hot(CLASSES, 5), 0.2)).mean()),
    ("kl_divergence", lambda x: lj.kl_div(jax.nn.log_softmax(x), PROBS, reduction="batchmean"),
     lambda x: optax.losses.kl_divergence(jax.nn.log_softmax(x), PROBS).mean()),
    ("kl_divergence_log_targets",
     lambda x: lj.kl_div(jax.nn.log_softmax(x), np.log(PROBS), log_target=True, reduction="batchmean"),
     lambda x: optax.losses.kl_divergence_with_log_targets(jax.nn.log_softmax(x), np.log(PROBS)).mean()),
    ("poly_loss", lambda x: lj.poly1_cross_entropy(x, CLASSES, epsilon=1.5, reduction="none"),
     lambda x: optax.losses.poly_loss_cross_entropy(x, one_hot(CLASSES, 5), epsilon=1.5)),
    ("multiclass_hinge", lambda x: lj.multiclass_hinge_loss(x, CLASSES, reduction="none"),
     lambda x: optax.losses.multiclass_hinge_loss(x, CLASSES)),
    ("ntxent", lambda x: lj.ntxent_loss(x, np.array([0, 0, 1, 1, 2, 2, 3, 3]), temperature=0.3),
     lambda x: optax.losses.ntxent(x, np.array([0, 0, 1, 1, 2, 2, 3, 3]), temperature=0.3)),
    # optax's dice losses put the classes last: (N, d, C) here, moved to axis 1 for LossKit.
    ("dice", lambda x: lj.dice_loss(jnp.moveaxis(x.reshape(2, 4, 5), -1, 1),
                                    jnp.moveaxis(one_hot(CLASSES.reshape(2, 4), 5), -1, 1), reduction="none"),
     lambda x: optax.losses.dice_loss(x.reshape(2, 4, 5), one_hot(CLASSES.reshape(2, 4), 5),
                                      reduction="none").mean(axis=-1)),  # optax's 'none' is per sample and class
    ("generalized_dice", lambda x: lj.generalized_dice_loss(jnp.moveaxis(x.reshape(2, 4, 5), -1, 1),
                                                            jnp.moveaxis(one_hot(CLASSES.reshape(2, 4), 5), -1, 1)),
     lambda x: optax.losses.multiclass_generalized_dice_loss(x.reshape(2, 4, 5), one_hot(CLASSES.reshape(2, 4), 5))),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("ours, theirs", [p[1:] for p in OPTAX_PAIRS], ids=[p[0] for p in OPTAX_PAIRS])
def test_values_and_gradients_equal_optax(ours, theirs, dtype):
    x = jnp.asarray(X, dtype=dtype)
    rtol = OPTAX_RTOL[np.dtype(dtype)]
    value, expected = jax.jit(ours)(x), jax.jit(theirs)(x)
    assert value.dtype == dtype
    assert_close(value, expected, rtol=rtol)
    cotangent = jnp.asarray(np.random.default_rng(3).uniform(0.5, 1.5, np.shape(expected)), dtype=dtype)

    def weighted(f):
        return lambda x: (f(x) * cotangent).sum()

    (v, g), (ve, ge) = jax.jit(jax.value_and_grad(weighted(ours)))(x), jax.value_and_grad(weighted(theirs))(x)
    assert g.dtype == dtype
    assert_close(v, ve, rtol=rtol)
    assert_close(g, ge, rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_ctc_equals_optax_through_log_softmax(dtype):
    """optax's ctc_loss takes logits (B, T, K) with paddings; LossKit's, PyTorch's layout of
    log-probabilities (T, B, K) with lengths. Same per-sequence losses and logit gradients."""
    rng = np.random.default_rng(2)
    logits = jnp.asarray(rng.normal(size=(3, 7, 5)), dtype=dtype)
    labels = np.array([[1, 2, 2], [3, 4, 0], [1, 0, 0]])
    label_lengths, input_lengths = np.array([3, 2, 1]), np.array([7, 6, 4])
    label_paddings = (np.arange(3)[None] >= label_lengths[:, None]).astype(float)
    logit_paddings = (np.arange(7)[None] >= input_lengths[:, None]).astype(float)

    def ours(z):
        return lj.ctc_loss(jnp.transpose(jax.nn.log_softmax(z), (1, 0, 2)), labels, input_lengths, label_lengths,
                           reduction="none")

    def theirs(z):
        return optax.losses.ctc_loss(z, logit_paddings, labels, label_paddings)

    rtol = OPTAX_RTOL[np.dtype(dtype)] * 10
    assert_close(jax.jit(ours)(logits), theirs(logits), rtol=rtol)
    w = jnp.asarray([0.5, 1.0, 2.0], dtype=dtype)
    assert_close(jax.grad(lambda z: (ours(z) * w).sum())(logits), jax.grad(lambda z: (theirs(z) * w).sum())(logits), rtol=rtol)


# --- training with optax -------------------------------------------------------------------

def train(loss_of_outputs, params, features, targets, model, optimizer, steps=50):
    """`steps` jitted optax updates; the parameters after every step."""
    state = optimizer.init(params)

    @jax.jit
    def step(params, state):
        grads = jax.grad(lambda p: loss_of_outputs(model(p, features), targets))(params)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    trajectory = []
    for _ in range(steps):
        params, state = step(params, state)
        trajectory.append(params)
    return trajectory


def assert_same_trajectory(a, b, rtol):
    for pa, pb in zip(a, b):
        for la, lb in zip(jax.tree_util.tree_leaves(pa), jax.tree_util.tree_leaves(pb)):
            assert_close(la, lb, rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_training_a_linear_regression_matches_optax_huber(dtype):
    rng = np.random.default_rng(0)
    features = jnp.asarray(rng.normal(size=(64, 6)), dtype=dtype)
    targets = jnp.asarray(features @ rng.normal(size=6) + rng.standard_t(2, size=64), dtype=dtype)
    params = {"w": jnp.zeros(6, dtype), "b": jnp.zeros((), dtype)}

    def model(p, x):
        return x @ p["w"] + p["b"]

    ours = train(lambda out, y: lj.huber_loss(out, y, delta=1.5), params, features, targets, model, optax.adam(0.05))
    theirs = train(lambda out, y: optax.losses.huber_loss(out, y, delta=1.5).mean(), params, features, targets, model,
                   optax.adam(0.05))
    assert_same_trajectory(ours, theirs, 1e-12 if dtype == np.float64 else 2e-4)
    assert float(jnp.abs(ours[-1]["w"] - ours[0]["w"]).max()) > 0.5  # it did train


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_training_an_mlp_classifier_matches_optax_integer_label_cross_entropy(dtype):
    rng = np.random.default_rng(1)
    features = jnp.asarray(rng.normal(size=(96, 10)), dtype=dtype)
    labels = jnp.asarray(np.argmax(np.asarray(features) @ rng.normal(size=(10, 4)), axis=1), dtype=jnp.int32)
    params = {"w1": jnp.asarray(0.3 * rng.normal(size=(10, 16)), dtype), "b1": jnp.zeros(16, dtype),
              "w2": jnp.asarray(0.3 * rng.normal(size=(16, 4)), dtype), "b2": jnp.zeros(4, dtype)}

    def model(p, x):
        return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    ours = train(lj.cross_entropy, params, features, labels, model, optax.sgd(0.5, momentum=0.9))
    theirs = train(lambda out, y: optax.losses.softmax_cross_entropy_with_integer_labels(out, y).mean(),
                   params, features, labels, model, optax.sgd(0.5, momentum=0.9))
    assert_same_trajectory(ours, theirs, 1e-11 if dtype == np.float64 else 2e-4)
    first, last = (float(optax.losses.softmax_cross_entropy_with_integer_labels(model(p, features), labels).mean())
                   for p in (params, ours[-1]))
    assert last < 0.5 * first  # it did learn


# --- dtypes, edge cases, errors ------------------------------------------------------------

@pytest.mark.parametrize("half", [jnp.float16, jnp.bfloat16], ids=["float16", "bfloat16"])
def test_half_precision_is_computed_in_float32_and_returned_in_its_dtype(half):
    x = jnp.asarray(X, dtype=half)
    loss, g = jax.value_and_grad(lj.mse_loss)(x, jnp.asarray(Y, dtype=half))
    assert loss.dtype == g.dtype == half
    x32, y32 = np.asarray(x, np.float32), np.asarray(jnp.asarray(Y, dtype=half), np.float32)
    expected, expected_g = lk.mse_loss(x32, y32, grad=True)
    assert_close(loss, expected, rtol=1e-2)
    assert_close(g, expected_g, rtol=1e-2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_arrays(reduction):
    x = jnp.zeros((0,))
    loss, g = jax.value_and_grad(lambda x: lj.huber_loss(x, jnp.zeros((0,)), reduction=reduction).sum())(x)
    assert float(loss) == 0.0 and g.shape == (0,)
    rows = jnp.zeros((0, 3))
    assert float(lj.cross_entropy(rows, jnp.zeros((0,), jnp.int32), reduction=reduction).sum()) == 0.0
    assert jax.grad(lambda r: lj.cross_entropy(r, jnp.zeros((0,), jnp.int32)))(rows).shape == (0, 3)


def test_extreme_logits_give_finite_exact_values():
    x = jnp.array([1e4, -1e4, 1e4, -1e4])
    y = jnp.array([1.0, 0.0, 0.0, 1.0])
    loss, g = jax.value_and_grad(lambda x: lj.binary_cross_entropy_with_logits(x, y, reduction="sum"))(x)
    np.testing.assert_allclose(float(loss), 2e4, rtol=1e-15)
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0, 1.0, -1.0])
    logits = jnp.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    loss, g = jax.value_and_grad(lambda z: lj.cross_entropy(z, jnp.array([0, 0]), reduction="none").sum())(logits)
    np.testing.assert_allclose(float(loss), 2e4, rtol=1e-15)
    np.testing.assert_array_equal(np.asarray(g), [[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0]])


def test_nan_propagates_to_its_element_only():
    x = jnp.array([0.5, jnp.nan, 2.0])
    losses = lj.mse_loss(x, jnp.zeros(3), reduction="none")
    g = jax.grad(lambda x: lj.mse_loss(x, jnp.zeros(3), reduction="none").sum())(x)
    assert np.isnan(losses[1]) and np.isnan(g[1])
    np.testing.assert_array_equal(np.asarray(losses)[[0, 2]], [0.25, 4.0])
    np.testing.assert_array_equal(np.asarray(g)[[0, 2]], [1.0, 4.0])
    assert np.isnan(lj.mse_loss(x, jnp.zeros(3)))


def test_sample_weight_and_weight_follow_the_numpy_api():
    x, y, w = X[:, :3], Y[:, :3], np.random.default_rng(4).uniform(0.0, 2.0, 8)
    for name, options in [("mse_loss", {"sample_weight": w}), ("mse_loss", {"weight": np.tile(w[:, None], 3)}),
                          ("huber_loss", {"weight": w[:, None]}),
                          ("binary_cross_entropy_with_logits", {"pos_weight": np.array([1.0, 2.0, 0.5])}),
                          ("gaussian_nll_loss", {"var": np.full((8, 3), 0.7)})]:
        target = LABELS01[:, :3] if name.startswith("binary") else y
        expected, expected_g = getattr(lk, name)(x, target, **options, grad=True)
        loss, g = jax.value_and_grad(lambda x: getattr(lj, name)(x, target, **options))(jnp.asarray(x))
        assert_close(loss, expected, rtol=1e-13)
        assert_close(g, expected_g, rtol=1e-13)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(8, 3), (8,), (8, 1), (1, 3), ()])
def test_gaussian_nll_var_gradient_equals_pytorchs(var_shape, reduction):
    """var is differentiable, from the same native call, for each of PyTorch's var shapes."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x, y, var = X[:, :3], Y[:, :3], rng.uniform(0.5, 2.0, var_shape)
    cotangent = rng.uniform(0.5, 1.5, (8, 3)) if reduction == "none" else 1.0

    def ours(x, v):
        return (lj.gaussian_nll_loss(x, y, v, reduction=reduction) * cotangent).sum()

    loss, (gx, gv) = jax.jit(jax.value_and_grad(ours, argnums=(0, 1)))(jnp.asarray(x), jnp.asarray(var))
    tx, tv = (torch.tensor(a, requires_grad=True) for a in (x, var))
    as_pytorch_takes_it = tv.expand(x.shape) if var_shape == () else tv  # PyTorch refuses a 0-d var
    expected = (torch.nn.functional.gaussian_nll_loss(tx, torch.tensor(y), as_pytorch_takes_it, reduction=reduction)
                * torch.as_tensor(cotangent)).sum()
    expected.backward()
    assert gv.shape == var_shape
    assert_close(loss, expected.detach().numpy(), rtol=1e-13)
    assert_close(gx, tx.grad.numpy(), rtol=1e-13)
    assert_close(gv, tv.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("ours, theirs", [
    (lambda x, y: lj.mse_loss(x, y, reduction="none"), optax.losses.squared_error),
    (lambda x, y: lj.huber_loss(x, y, delta=0.7, reduction="none"), lambda x, y: optax.losses.huber_loss(x, y, delta=0.7)),
    (lambda x, y: lj.log_cosh_loss(x, y, reduction="none"), optax.losses.log_cosh),
], ids=["squared_error", "huber", "log_cosh"])
def test_target_gradients_equal_optax(ours, theirs, dtype):
    x, y = jnp.asarray(X, dtype), jnp.asarray(Y, dtype)
    c = jnp.asarray(np.random.default_rng(9).uniform(0.5, 1.5, X.shape), dtype)
    g = jax.jit(jax.grad(lambda x, y: (ours(x, y) * c).sum(), argnums=(0, 1)))(x, y)
    expected = jax.grad(lambda x, y: (theirs(x, y) * c).sum(), argnums=(0, 1))(x, y)
    for a, e in zip(g, expected):
        assert a.dtype == dtype
        assert_close(a, e, rtol=OPTAX_RTOL[np.dtype(dtype)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(lj._DIFFERENCE_LOSSES))
def test_losses_of_the_residual_differentiate_the_target(name, reduction):
    """For a loss of x - y alone the target's gradient is the input's, negated."""
    c = case(name, np.float64)
    x, y = jnp.asarray(c.leaves["input"]), jnp.asarray(c.data["target"])
    extra = {k: v for k, v in c.data.items() if k != "target"}
    weights = np.random.default_rng(2).uniform(0.5, 1.5, x.shape)
    gx, gy = jax.grad(lambda x, y: (getattr(lj, name)(x, y, **extra, reduction=reduction) * weights).sum(),
                      argnums=(0, 1))(x, y)
    assert np.any(np.asarray(gy)) and np.array_equal(np.asarray(gy), -np.asarray(gx))


def test_other_targets_and_weights_get_zero_gradient():
    x, y = jnp.asarray(X), jnp.asarray(LABELS01)
    gy = jax.grad(lambda y: lj.binary_cross_entropy_with_logits(x, y))(y)
    gw = jax.grad(lambda w: lj.mse_loss(x, y, sample_weight=w))(jnp.ones(8))
    gp = jax.grad(lambda p: lj.cross_entropy(x, p))(jnp.asarray(PROBS))
    assert not np.any(np.asarray(gy)) and not np.any(np.asarray(gw)) and not np.any(np.asarray(gp))


def test_bad_arguments_raise_at_trace_time_naming_the_argument():
    x, y = jnp.asarray(X), jnp.asarray(Y)
    with pytest.raises(ValueError, match=r"target: expected shape \(8, 5\)"):
        jax.jit(lj.mse_loss)(x, y[:3])
    with pytest.raises(TypeError, match="input: expected a floating-point array"):
        lj.mse_loss(jnp.arange(3), jnp.zeros(3))
    with pytest.raises(ValueError, match="delta: expected a value in \\(0, inf\\)"):
        lj.huber_loss(x, y, delta=-1.0)
    with pytest.raises(ValueError, match="reduction: expected one of"):
        lj.mse_loss(x, y, reduction="average")
    with pytest.raises(TypeError, match="target: expected integers"):
        lj.nll_loss(x, jnp.zeros(8, jnp.float32) > 0)
    with pytest.raises(ValueError, match=r"target: class indices must have shape|target: expected shape"):
        lj.cross_entropy(x, jnp.zeros(7, jnp.int32))
    with pytest.raises(ValueError, match="sample_weight: expected shape"):
        lj.mse_loss(x, y, sample_weight=jnp.ones(3))
    with pytest.raises(TypeError, match="squared: expected True or False"):
        lj.epsilon_insensitive_loss(x, y, squared=1)
    with pytest.raises(TypeError, match="delta: expected a Python number"):
        jax.jit(lambda d: lj.huber_loss(x, y, delta=d))(1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'grad'"):
        lj.mse_loss(x, y, grad=True)
    with pytest.raises(NotImplementedError, match="hybrid_loss"):
        lj.hybrid_loss(x, y, [("mse_loss", 1.0)])


def test_errors_in_the_data_become_xla_errors_with_losskits_message():
    """Data is only known at run time: LossKit's check fails the computation with its message,
    and the process survives."""
    with pytest.raises(Exception, match=r"losskit: LK_ERR_INVALID_ARGUMENT: .*target.*") as info:
        jax.jit(lj.hinge_loss)(jnp.ones(3), jnp.array([1.0, 0.5, -1.0])).block_until_ready()
    assert type(info.value).__name__ in ("XlaRuntimeError", "JaxRuntimeError")
    with pytest.raises(Exception, match="losskit: LK_ERR_INDEX"):
        jax.jit(jax.grad(lj.cross_entropy))(jnp.zeros((2, 3)), jnp.array([0, 7])).block_until_ready()
    assert float(lj.mse_loss(jnp.ones(2), jnp.zeros(2))) == 1.0  # still working
