"""ctc_loss against PyTorch (loss, and gradient through log_softmax; the raw log_probs gradient
up to PyTorch's exp(log_probs) term) and optax, finite differences, degenerate alignments and
bad input."""
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import FD_RTOL, assert_close, central_differences


def problem(rng, T=30, N=4, C=6, S=7, layout="padded", dtype=np.float64):
    logits = rng.normal(size=(T, N, C))
    lp = torch.tensor(logits).log_softmax(-1).numpy().astype(dtype)
    input_lengths = rng.integers(T // 2, T + 1, size=N)
    input_lengths[0] = T
    target_lengths = rng.integers(0, S + 1, size=N)
    targets = rng.integers(1, C, size=(N, S))
    if layout == "concatenated":
        targets = np.concatenate([targets[n, :target_lengths[n]] for n in range(N)])
    return lp, targets, input_lengths, target_lengths


def torch_ctc(lp, targets, il, tl, **kw):
    """PyTorch's loss, its raw log_probs gradient, and the gradient through log_softmax."""
    lp64 = torch.tensor(np.asarray(lp, dtype=np.float64))
    x = lp64.clone().requires_grad_()
    out = F.ctc_loss(x, torch.tensor(targets), torch.tensor(il), torch.tensor(tl), **kw)
    out.sum().backward()
    logits = lp64.clone().requires_grad_()
    F.ctc_loss(logits.log_softmax(-1), torch.tensor(targets), torch.tensor(il), torch.tensor(tl), **kw).sum().backward()
    return out.detach().numpy(), x.grad.numpy(), logits.grad.numpy()


def through_log_softmax(g, lp):
    return g - np.exp(lp) * g.sum(-1, keepdims=True)


@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_matches_torch(layout, zero_infinity, dtype, reduction, rng):
    lp, targets, il, tl = problem(rng, layout=layout, dtype=dtype)
    loss, g = lk.ctc_loss(lp, targets, il, tl, reduction=reduction, zero_infinity=zero_infinity, grad=True)
    ref, raw, via_logits = torch_ctc(lp, targets, il, tl, reduction=reduction, zero_infinity=zero_infinity)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert_close(loss, ref, dtype, rtol=rtol)
    assert g.shape == lp.shape and g.dtype == dtype
    lp64 = lp.astype(np.float64)
    assert_close(through_log_softmax(g.astype(np.float64), lp64), via_logits, dtype, rtol=rtol)
    # PyTorch's raw gradient is exp(lp) - gamma (times the reduction's scale) on used frames.
    used = np.arange(lp.shape[0])[:, None, None] < il[None, :, None]
    scale = {"mean": 1 / (np.maximum(tl, 1) * len(il)), "sum": np.ones(len(il)), "none": np.ones(len(il))}[reduction]
    assert_close(g + np.exp(lp64) * used * scale[None, :, None], raw, dtype, rtol=rtol)


def test_gradient_matches_finite_differences(rng):
    lp, targets, il, tl = problem(rng, T=8, N=2, C=4, S=3)
    tl[:] = [3, 2]
    for reduction in ("mean", "none"):
        _, g = lk.ctc_loss(lp, targets, il, tl, reduction=reduction, grad=True)
        numeric = central_differences(lambda v: np.sum(lk.ctc_loss(v, targets, il, tl, reduction=reduction)), lp)
        assert_close(g, numeric, np.float64, rtol=FD_RTOL)


def test_matches_optax(rng):
    import jax
    import jax.numpy as jnp
    import optax
    jax.config.update("jax_enable_x64", True)
    T, N, C, S = 20, 3, 5, 4
    logits = rng.normal(size=(N, T, C))
    labels = rng.integers(1, C, size=(N, S))
    il, tl = np.array([20, 15, 12]), np.array([4, 2, 3])
    logit_pad = (np.arange(T)[None, :] >= il[:, None]).astype(float)
    label_pad = (np.arange(S)[None, :] >= tl[:, None]).astype(float)
    ref, ref_g = jax.value_and_grad(lambda z: optax.ctc_loss(z, logit_pad, labels, label_pad).sum())(jnp.asarray(logits))
    lp = torch.tensor(logits).log_softmax(-1).numpy().transpose(1, 0, 2).copy()
    loss, g = lk.ctc_loss(lp, labels, il, tl, reduction="sum", grad=True)
    assert loss == pytest.approx(float(ref), rel=1e-9)
    assert_close(through_log_softmax(g, lp).transpose(1, 0, 2), np.asarray(ref_g), np.float64, rtol=1e-8)


def test_impossible_alignments_and_zero_infinity(rng):
    lp, _, _, _ = problem(rng, T=4, N=3, C=5)
    targets = np.array([[1, 1, 1], [1, 2, 3], [2, 2, 0]])
    il, tl = np.array([4, 2, 3]), np.array([3, 3, 2])  # needs 5 frames; 3 > 2 frames; [2, 2] needs 3: fine
    loss, g = lk.ctc_loss(lp, targets, il, tl, reduction="none", grad=True)
    ref, raw, _ = torch_ctc(lp, targets, il, tl, reduction="none")
    assert np.isinf(loss[:2]).all() and np.isfinite(loss[2])
    assert_close(loss, ref, np.float64)
    assert np.isnan(g[:4, 0]).all() and np.isnan(g[:2, 1]).all() and not g[2:, 1].any()
    assert (np.isnan(g) == np.isnan(raw)).all()
    loss, g = lk.ctc_loss(lp, targets, il, tl, reduction="none", zero_infinity=True, grad=True)
    assert (loss[:2] == 0).all() and not g[:, :2].any() and np.isfinite(g).all()
    assert lk.ctc_loss(lp, targets, il, tl, reduction="mean") == np.inf


def test_empty_targets_single_frame_and_empty_batch(rng):
    lp, _, _, _ = problem(rng, T=1, N=2, C=3)
    loss, g = lk.ctc_loss(lp, np.array([[0, 0], [2, 0]]), [1, 1], [0, 1], reduction="none", grad=True)
    ref, _, via = torch_ctc(lp, np.array([[1, 1], [2, 1]]), [1, 1], [0, 1], reduction="none")
    assert_close(loss, ref, np.float64)
    assert_close(through_log_softmax(g, lp), via, np.float64)
    assert lk.ctc_loss(np.zeros((5, 0, 3)), np.zeros((0, 2), int), np.zeros(0, int), np.zeros(0, int)) == 0.0
    lp2, _, _, _ = problem(rng, T=3, N=1, C=3)
    assert lk.ctc_loss(lp2, np.zeros(0, int), [0], [0]) == 0.0  # no frames, no labels: p = 1


def test_unbatched_and_weights(rng):
    lp, targets, il, tl = problem(rng, N=1)
    tl[0] = 5
    full = lk.ctc_loss(lp, targets, il, tl, reduction="none")
    assert lk.ctc_loss(lp[:, 0], targets[0], il[0], tl[0], reduction="none") == pytest.approx(full[0], rel=1e-15)
    lp, targets, il, tl = problem(rng)
    w = np.array([0.5, 2.0, 0.0, 1.0])
    per = lk.ctc_loss(lp, targets, il, tl, reduction="none")
    mean = lk.ctc_loss(lp, targets, il, tl, sample_weight=w)
    assert mean == pytest.approx((w * per / np.maximum(tl, 1)).sum() / w.sum(), rel=1e-13)


def test_long_sequences_are_stable_and_fast(rng):
    T, N, C = 2000, 2, 20
    lp = torch.randn(T, N, C, dtype=torch.float64).log_softmax(-1).numpy()
    targets = rng.integers(1, C, size=(N, 200))
    loss, g = lk.ctc_loss(lp, targets, [T, T], [200, 150], reduction="none", grad=True)
    ref, _, _ = torch_ctc(lp, targets, [T, T], [200, 150], reduction="none")
    assert_close(loss, ref, np.float64, rtol=1e-11)
    assert np.isfinite(g).all()
    lp = torch.randn(200, 16, 30).log_softmax(-1).numpy()
    targets = rng.integers(1, 30, size=(16, 40))
    start = time.perf_counter()
    lk.ctc_loss(lp, targets, np.full(16, 200), np.full(16, 40), grad=True)
    assert time.perf_counter() - start < 0.5


def test_blank_elsewhere(rng):
    lp, targets, il, tl = problem(rng, C=5)
    targets = np.where(targets == 4, 0, targets)  # labels in [0, 4), blank = 4
    loss = lk.ctc_loss(lp, targets, il, tl, blank=4)
    ref, _, _ = torch_ctc(lp, targets, il, tl, blank=4)
    assert loss == pytest.approx(float(ref), rel=1e-12)


lp0 = np.log(np.full((5, 2, 4), 0.25))
BAD = [
    ("target-is-blank", lambda: lk.ctc_loss(lp0, np.array([[0, 1], [1, 2]]), [5, 5], [2, 2]), ValueError, "targets"),
    ("target-out-of-range", lambda: lk.ctc_loss(lp0, np.array([[4, 1], [1, 2]]), [5, 5], [2, 2]), IndexError, "targets"),
    ("input-length-over-T", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [6, 5], [2, 2]), ValueError, "input_lengths"),
    ("target-length-over-S", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [5, 5], [3, 2]), ValueError, "target_lengths"),
    ("target-length-negative", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [5, 5], [-1, 2]), ValueError, "target_lengths"),
    ("concatenated-sum", lambda: lk.ctc_loss(lp0, np.array([1, 2, 3]), [5, 5], [2, 2]), ValueError, "target"),
    ("blank-range", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [5, 5], [2, 2], blank=4), ValueError, "blank"),
    ("lengths-shape", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [5], [2, 2]), ValueError, "input_lengths"),
    ("lengths-float", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [5.0, 5.0], [2, 2]), TypeError, "input_lengths"),
    ("targets-float", lambda: lk.ctc_loss(lp0, np.array([[1.0, 1], [1, 2]]), [5, 5], [2, 2]), TypeError, "targets"),
    ("padded-rows", lambda: lk.ctc_loss(lp0, np.array([[1, 1]]), [5, 5], [2, 2]), ValueError, "targets"),
    ("log-probs-4d", lambda: lk.ctc_loss(lp0[None], np.array([[1, 1]]), [5, 5], [2, 2]), ValueError, "log_probs"),
    ("zero-infinity", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [5, 5], [2, 2], zero_infinity=1), TypeError, "zero_infinity"),
    ("weight", lambda: lk.ctc_loss(lp0, np.array([[1, 1], [1, 2]]), [5, 5], [2, 2], sample_weight=[1.0, np.inf]), ValueError, "sample_weight"),
]


@pytest.mark.parametrize("call, error, argument", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_names_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call()


def test_states_far_below_the_frame_maximum(rng):
    """The vector recursion shares one reference (the row maximum) per frame and falls back to
    an exact three-way log-sum-exp where a state's inputs lie over 700 below it. For 12 frames
    every label costs 400 and the blank nothing; for the last 6 the blank costs 400, the first
    three labels 1000 and the last three nothing. The all-blank state leads after frame 12, but
    the likely alignments emitted three labels by then (≈ -1200 below it): dropping those
    states (e^-1200 underflows) would give a loss near 3000 instead of 1200."""
    T, C = 18, 7
    targets = np.array([[1, 2, 3, 4, 5, 6], [3, 2, 1, 6, 5, 4]])
    lp = np.zeros((T, 2, C))
    lp[:12, :, 1:] = -400.0
    lp[12:, :, 0] = -400.0
    for n in range(2):
        lp[12:, n, targets[n, :3]] = -1000.0
    lp += rng.normal(scale=0.5, size=lp.shape)
    il, tl = np.array([18, 18]), np.array([6, 6])
    loss, g = lk.ctc_loss(lp, targets, il, tl, reduction="none", grad=True)
    ref, raw, _ = torch_ctc(lp, targets, il, tl, reduction="none")
    assert 1100 < ref.min() and ref.max() < 1300
    assert_close(loss, ref, np.float64, rtol=1e-12)
    assert_close(g + np.exp(lp), raw, np.float64, rtol=1e-10)


def test_nan_and_minus_infinity_in_log_probs(rng):
    """-inf log-probabilities (impossible emissions) keep an alignment possible when others
    remain, as in PyTorch; a NaN on a frame a sequence uses makes its loss NaN."""
    lp, targets, il, tl = problem(rng, T=12, N=3, C=5, S=3)
    il[:], tl[:] = 12, 3
    lp[::2, :, 4] = -np.inf
    loss, g = lk.ctc_loss(lp, targets, il, tl, reduction="none", grad=True)
    ref, raw, _ = torch_ctc(lp, targets, il, tl, reduction="none")
    assert np.isfinite(loss).all() and np.isfinite(g).all()
    assert_close(loss, ref, np.float64, rtol=1e-12)
    assert not g[::2, :, 4].any()  # no occupancy where the emission is impossible
    finite = np.isfinite(raw)  # PyTorch's raw gradient is NaN there
    assert_close((g + np.exp(lp))[finite], raw[finite], np.float64, rtol=1e-12)
    lp[5, 1, :] = np.nan
    loss = lk.ctc_loss(lp, targets, il, tl, reduction="none")
    assert np.isnan(loss[1]) and np.isfinite(loss[[0, 2]]).all()


def test_threads_give_identical_results(rng):
    """Sequences are the parallel blocks: one thread and two give the same bits."""
    lp, targets, il, tl = problem(rng, T=60, N=40, C=8, S=12)
    before = lk.get_num_threads()
    try:
        lk.set_num_threads(1)
        one = lk.ctc_loss(lp, targets, il, tl, reduction="none", grad=True)
        lk.set_num_threads(2)
        two = lk.ctc_loss(lp, targets, il, tl, reduction="none", grad=True)
    finally:
        lk.set_num_threads(before)
    assert one[0].tobytes() == two[0].tobytes() and one[1].tobytes() == two[1].tobytes()
