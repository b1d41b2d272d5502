"""Metric-learning and embedding losses against PyTorch (and optax for NT-Xent), with finite
differences for every gradient in float64, both dtypes, edge cases and bad input."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import FD_RTOL, assert_close, central_differences, signs, torch_grads, widened

PAIR_LOSSES = {
    "cosine_embedding_loss": (lk.cosine_embedding_loss, F.cosine_embedding_loss, dict(margin=0.2)),
}


@pytest.mark.parametrize("name", PAIR_LOSSES)
def test_pair_losses_match_torch(name, dtype, reduction, rng):
    ours, theirs, params = PAIR_LOSSES[name]
    shape = (9, 5)
    x1, x2 = rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)
    y = signs(rng, shape[0])
    loss, (g1, g2) = ours(x1, x2, y, reduction=reduction, grad=True, **params)
    ref, (r1, r2) = torch_grads(theirs, [widened(x1, dtype), widened(x2, dtype)], torch.tensor(y),
                                reduction=reduction, **params)
    assert_close(loss, ref, dtype)
    assert_close(g1, r1, dtype)
    assert_close(g2, r2, dtype)
    assert g1.dtype == dtype


def test_hinge_embedding_matches_torch(dtype, reduction, rng):
    x, y = rng.normal(size=(4, 6)).astype(dtype), signs(rng, 24).reshape(4, 6)
    loss, g = lk.hinge_embedding_loss(x, y, margin=0.5, reduction=reduction, grad=True)
    ref, (r,) = torch_grads(F.hinge_embedding_loss, [widened(x, dtype)], torch.tensor(y), margin=0.5,
                            reduction=reduction)
    assert_close(loss, ref, dtype)
    assert_close(g, r, dtype)


@pytest.mark.parametrize("p, swap", [(2.0, False), (2.0, True), (1.0, False), (3.0, True)])
def test_triplet_matches_torch(p, swap, dtype, reduction, rng):
    a, pos, neg = (rng.normal(size=(10, 4)).astype(dtype) for _ in range(3))
    loss, grads = lk.triplet_margin_loss(a, pos, neg, margin=1.5, p=p, swap=swap, reduction=reduction, grad=True)
    ref, refs = torch_grads(F.triplet_margin_loss, [widened(v, dtype) for v in (a, pos, neg)], margin=1.5, p=p,
                            swap=swap, reduction=reduction)
    assert_close(loss, ref, dtype)
    for g, r in zip(grads, refs):
        assert_close(g, r, dtype)


def test_triplet_eps_is_added_to_the_difference():
    a = np.zeros((1, 3))
    assert lk.triplet_margin_loss(a, a, a + 1, margin=1.0, reduction="sum") == pytest.approx(
        F.triplet_margin_loss(*(torch.tensor(v) for v in (a, a, a + 1)), margin=1.0).item(), rel=1e-14)


def contrastive_reference(x1, x2, y, margin):
    d = torch.linalg.vector_norm(x1 - x2, dim=-1)
    return torch.where(y == 1, d ** 2, torch.clamp(margin - d, min=0) ** 2)


def test_contrastive_matches_formula(dtype, reduction, rng):
    x1, x2 = rng.normal(size=(12, 3)).astype(dtype), rng.normal(size=(12, 3)).astype(dtype)
    y = (rng.random(12) < 0.5).astype(float)
    loss, (g1, g2) = lk.contrastive_loss(x1, x2, y, margin=2.5, reduction=reduction, grad=True)
    def ref_fn(a, b):
        per = contrastive_reference(a, b, torch.tensor(y), 2.5)
        return per if reduction == "none" else (per.sum() if reduction == "sum" else per.mean())
    ref, (r1, r2) = torch_grads(ref_fn, [widened(x1, dtype), widened(x2, dtype)])
    assert_close(loss, ref, dtype)
    assert_close(g1, r1, dtype)
    assert_close(g2, r2, dtype)


def ntxent_optax(e, labels, temperature):
    import jax
    import jax.numpy as jnp
    import optax
    jax.config.update("jax_enable_x64", True)
    value, g = jax.value_and_grad(lambda v: optax.ntxent(v, jnp.asarray(labels), temperature))(jnp.asarray(e))
    return float(value), np.asarray(g)


@pytest.mark.parametrize("temperature", [0.07, 0.5])
def test_ntxent_matches_optax(temperature, dtype, rng):
    e = rng.normal(size=(10, 6)).astype(dtype)
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 3, 0, 4])
    loss, g = lk.ntxent_loss(e, labels, temperature=temperature, grad=True)
    ref, rg = ntxent_optax(widened(e, dtype), labels, temperature)
    assert_close(loss, ref, dtype, rtol=1e-12 if dtype == np.float64 else 2e-5)
    assert_close(g, rg, dtype, rtol=1e-11 if dtype == np.float64 else 2e-5)


def test_ntxent_partial_blocks_match_optax(dtype, rng):
    # 37 anchors and 19 values: neither a multiple of the kernel's four-row blocks nor of a
    # vector, so every padded row, column and lane is exercised; groups of one to several.
    e = rng.normal(size=(37, 19)).astype(dtype)
    labels = rng.integers(0, 12, 37)
    loss, g = lk.ntxent_loss(e, labels, temperature=0.2, grad=True)
    ref, rg = ntxent_optax(widened(e, dtype), labels, 0.2)
    assert_close(loss, ref, dtype, rtol=1e-12 if dtype == np.float64 else 2e-5)
    assert_close(g, rg, dtype, rtol=1e-11 if dtype == np.float64 else 2e-5)


def test_ntxent_thread_count_does_not_change_results(dtype, rng):
    e = rng.normal(size=(300, 20)).astype(dtype)  # 75 blocks of anchors: two threads take part
    labels = np.repeat(np.arange(150), 2)
    before = lk.get_num_threads()
    try:
        results = []
        for threads in (1, 2):
            lk.set_num_threads(threads)
            results.append((*lk.ntxent_loss(e, labels, grad=True), lk.ntxent_loss(e, labels, reduction="none")))
    finally:
        lk.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_ntxent_reductions_and_no_positives(rng):
    e, labels = rng.normal(size=(6, 3)), np.array([0, 0, 1, 1, 1, 2])
    per = lk.ntxent_loss(e, labels, reduction="none")
    assert per.shape == (6,) and per[5] == 0.0
    assert lk.ntxent_loss(e, labels, reduction="sum") == pytest.approx(per.sum(), rel=1e-14)
    assert lk.ntxent_loss(e, labels) == pytest.approx(per.sum() / 8, rel=1e-14)  # 2 + 6 ordered pairs
    loss, g = lk.ntxent_loss(e, np.arange(6), grad=True)  # optax gives NaN
    assert loss == 0.0 and not g.any()
    assert lk.ntxent_loss(np.zeros((0, 3)), np.zeros(0, int)) == 0.0


def test_ntxent_is_finite_for_tiny_temperatures(rng):
    loss, g = lk.ntxent_loss(rng.normal(size=(8, 4)), np.array([0, 0, 1, 1, 2, 2, 3, 3]), temperature=1e-4, grad=True)
    assert np.isfinite(loss) and np.isfinite(g).all()


# Finite differences of every gradient, float64.
FD_CASES = {
    "cosine": lambda rng: (lambda a, b: lk.cosine_embedding_loss(a, b, np.array([1, -1, -1, 1.0]), margin=-0.5, reduction="sum", grad=True), [(4, 3), (4, 3)]),
    "contrastive": lambda rng: (lambda a, b: lk.contrastive_loss(a, b, np.array([1, 0, 0, 1.0]), margin=3.0, grad=True), [(4, 3), (4, 3)]),
    "triplet-p3-swap": lambda rng: (lambda a, p, n: lk.triplet_margin_loss(a, p, n, margin=3.0, p=3.0, swap=True, grad=True), [(5, 3)] * 3),
    "triplet": lambda rng: (lambda a, p, n: lk.triplet_margin_loss(a, p, n, margin=3.0, grad=True), [(5, 3)] * 3),
    "hinge": lambda rng: (lambda a: lk.hinge_embedding_loss(a, np.array([1, -1, 1, -1.0]), margin=5.0, grad=True), [(4,)]),
    "ntxent": lambda rng: (lambda e: lk.ntxent_loss(e, np.array([0, 0, 1, 1, 1, 2]), temperature=0.3, grad=True), [(6, 3)]),
}


@pytest.mark.parametrize("case", FD_CASES)
def test_gradients_match_finite_differences(case, rng):
    fn, shapes = FD_CASES[case](rng)
    arrays = [rng.normal(size=s) for s in shapes]
    _, grads = fn(*arrays)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for k in range(len(arrays)):
        def f(v, k=k):
            args = list(arrays)
            args[k] = v
            return fn(*args)[0]
        assert_close(grads[k], central_differences(f, arrays[k]), np.float64, rtol=FD_RTOL)


def test_zero_vectors_give_pytorchs_finite_values():
    z, v = np.zeros((2, 3)), np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    y = np.array([1.0, -1.0])
    loss, (g1, g2) = lk.cosine_embedding_loss(z, v, y, reduction="none", grad=True)
    ref, (r1, r2) = torch_grads(F.cosine_embedding_loss, [z, v], torch.tensor(y), reduction="none")
    assert_close(loss, ref, np.float64)
    assert_close(g1, r1, np.float64)
    assert_close(g2, r2, np.float64)
    assert lk.cosine_embedding_loss(z, z, np.array([1.0, 1.0])) == 1.0
    loss, (g1, _) = lk.contrastive_loss(z, z, np.array([0.0, 0.0]), grad=True)
    assert loss == 1.0 and not g1.any()


def test_unbatched_weights_and_empty_batches(rng):
    a, b = rng.normal(size=4), rng.normal(size=4)
    assert lk.cosine_embedding_loss(a, b, 1.0) == pytest.approx(
        F.cosine_embedding_loss(torch.tensor(a), torch.tensor(b), torch.tensor(1.0)).item(), rel=1e-14)
    x1, x2, y, w = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), signs(rng, 5), rng.random(5)
    per = lk.cosine_embedding_loss(x1, x2, y, reduction="none")
    assert lk.cosine_embedding_loss(x1, x2, y, sample_weight=w) == pytest.approx((w * per).sum() / w.sum(), rel=1e-13)
    loss, (g1, g2) = lk.cosine_embedding_loss(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), grad=True)
    assert loss == 0.0 and g1.shape == (0, 3)
    assert lk.triplet_margin_loss(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2)), reduction="sum") == 0.0


BAD = [
    ("cos-target-01", lambda: lk.cosine_embedding_loss(np.ones((2, 3)), np.ones((2, 3)), np.array([0.0, 1.0])), ValueError, "target"),
    ("cos-shape", lambda: lk.cosine_embedding_loss(np.ones((2, 3)), np.ones((2, 4)), np.ones(2)), ValueError, "input2"),
    ("cos-target-shape", lambda: lk.cosine_embedding_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones(3)), ValueError, "target"),
    ("cos-3d", lambda: lk.cosine_embedding_loss(np.ones((2, 3, 1)), np.ones((2, 3, 1)), np.ones(2)), ValueError, "input1"),
    ("cos-margin-nan", lambda: lk.cosine_embedding_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones(2), margin=np.nan), ValueError, "margin"),
    ("contrastive-signs", lambda: lk.contrastive_loss(np.ones((2, 3)), np.ones((2, 3)), np.array([-1.0, 1.0])), ValueError, "target"),
    ("contrastive-margin", lambda: lk.contrastive_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones(2), margin=-1.0), ValueError, "margin"),
    ("triplet-margin", lambda: lk.triplet_margin_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), margin=0.0), ValueError, "margin"),
    ("triplet-p", lambda: lk.triplet_margin_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), p=0.5), ValueError, "p"),
    ("triplet-swap", lambda: lk.triplet_margin_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), swap=1), TypeError, "swap"),
    ("triplet-negative-shape", lambda: lk.triplet_margin_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 3))), ValueError, "negative"),
    ("weight-negative", lambda: lk.triplet_margin_loss(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), sample_weight=np.array([1.0, -1.0])), ValueError, "sample_weight"),
    ("weight-shape", lambda: lk.hinge_embedding_loss(np.ones(3), np.ones(3), sample_weight=np.ones(2)), ValueError, "sample_weight"),
    ("reduction", lambda: lk.hinge_embedding_loss(np.ones(3), np.ones(3), reduction="avg"), ValueError, "reduction"),
    ("ntxent-labels-float", lambda: lk.ntxent_loss(np.ones((3, 2)), np.ones(3)), TypeError, "labels"),
    ("ntxent-labels-shape", lambda: lk.ntxent_loss(np.ones((3, 2)), np.ones(4, int)), ValueError, "labels"),
    ("ntxent-1d", lambda: lk.ntxent_loss(np.ones(3), np.ones(3, int)), ValueError, "embeddings"),
    ("ntxent-temperature", lambda: lk.ntxent_loss(np.ones((3, 2)), np.ones(3, int), temperature=0.0), ValueError, "temperature"),
    ("ntxent-string", lambda: lk.ntxent_loss("abc", np.ones(3, int)), TypeError, "embeddings"),
]


@pytest.mark.parametrize("call, error, argument", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()
