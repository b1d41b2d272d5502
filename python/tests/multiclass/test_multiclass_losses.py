"""Class-index row-wise losses (nll_loss, softmax_focal_loss, poly1_cross_entropy,
generalized_cross_entropy, symmetric_cross_entropy, multi_margin_loss, multiclass_hinge_loss)
against PyTorch, optax and the papers' formulas written independently in float64, against
central differences, and at the extremes (logits of ±1e4, -inf logits, one class, empty input,
every target ignored)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import (assert_close, assert_matches_finite_differences, torch_derivatives,
                      weighted_reduction, widened)

N, C = 5, 4
TARGET = np.array([2, 0, 3, 1, 2])


def torch_reduce(per_row, reduction, denominator=None):
    """LossKit's reduction of per-row torch losses (1 per row, ignored rows already 0)."""
    return weighted_reduction(per_row, torch.ones_like(per_row), reduction, denominator)


def log_softmax(z):
    return torch.log_softmax(z, dim=1)


# Paper formulas in torch (float64): per-row losses as functions of the logits.
def focal_ref(y, gamma, alpha=None):
    def f(z):
        logp = log_softmax(z).gather(1, torch.as_tensor(y)[:, None])[:, 0]
        a = 1.0 if alpha is None else torch.as_tensor(alpha, dtype=torch.float64)[torch.as_tensor(y)]
        return -a * (1 - logp.exp()) ** gamma * logp
    return f


def poly1_ref(y, eps):
    def f(z):
        logp = log_softmax(z).gather(1, torch.as_tensor(y)[:, None])[:, 0]
        return -logp + eps * (1 - logp.exp())
    return f


def gce_ref(y, q):
    def f(z):
        p = torch.softmax(z, 1).gather(1, torch.as_tensor(y)[:, None])[:, 0]
        return (1 - p ** q) / q
    return f


def sce_ref(y, alpha, beta, A):
    def f(z):
        p = torch.softmax(z, 1)
        onehot = F.one_hot(torch.as_tensor(y), z.shape[1]).double()
        ce = -(onehot * log_softmax(z)).sum(1)
        log_t = torch.where(onehot > 0, torch.zeros_like(p), torch.full_like(p, A))
        rce = -(p * log_t).sum(1)
        return alpha * ce + beta * rce
    return f


def hinge_cs_ref(y):
    def f(z):
        onehot = F.one_hot(torch.as_tensor(y), z.shape[1]).double()
        return (z + 1 - onehot).max(1).values - (z * onehot).sum(1)
    return f


# name -> (losskit function, options, per-row torch reference builder(target, dtype))
LOSSES = {
    "focal": (lk.softmax_focal_loss, {}, lambda y, d: focal_ref(y, 2.0)),
    "focal-gamma-0.5-alpha": (lk.softmax_focal_loss, {"gamma": 0.5, "alpha": np.array([0.25, 1.0, 0.5, 2.0])},
                              lambda y, d: focal_ref(y, 0.5, widened(np.array([0.25, 1.0, 0.5, 2.0]), d))),
    "focal-gamma-3": (lk.softmax_focal_loss, {"gamma": 3.0}, lambda y, d: focal_ref(y, 3.0)),
    "poly1": (lk.poly1_cross_entropy, {}, lambda y, d: poly1_ref(y, 2.0)),
    "poly1-eps-neg": (lk.poly1_cross_entropy, {"epsilon": -0.5}, lambda y, d: poly1_ref(y, -0.5)),
    "gce": (lk.generalized_cross_entropy, {}, lambda y, d: gce_ref(y, 0.7)),
    "gce-q1": (lk.generalized_cross_entropy, {"q": 1.0}, lambda y, d: gce_ref(y, 1.0)),
    "sce": (lk.symmetric_cross_entropy, {}, lambda y, d: sce_ref(y, 0.1, 1.0, -4.0)),
    "sce-params": (lk.symmetric_cross_entropy, {"alpha": 0.5, "beta": 2.0, "log_zero": -6.0},
                   lambda y, d: sce_ref(y, 0.5, 2.0, -6.0)),
    "hinge-cs": (lk.multiclass_hinge_loss, {}, lambda y, d: hinge_cs_ref(y)),
}


@pytest.mark.parametrize("name", LOSSES)
def test_matches_the_papers_formulas(name, dtype, reduction, rng):
    fn, opts, ref = LOSSES[name]
    x = rng.normal(scale=2.0, size=(N, C)).astype(dtype)
    loss, grad, hess = fn(x, TARGET, reduction=reduction, grad=True, hess=True, **opts)
    expected = torch_derivatives(lambda z: torch_reduce(ref(TARGET, dtype)(z), reduction), widened(x, dtype))
    assert grad.dtype == dtype and grad.shape == x.shape
    for ours, theirs in zip((loss, grad, hess), expected):
        assert_close(ours, theirs, dtype)


def test_focal_formula_in_numpy(rng):
    """The loss value against the paper's formula written in plain float64 numpy."""
    x = rng.normal(scale=3.0, size=(N, C))
    alpha = np.array([0.25, 1.0, 0.5, 2.0])
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    py = p[np.arange(N), TARGET]
    expected = -alpha[TARGET] * (1 - py) ** 1.5 * np.log(py)
    assert_close(lk.softmax_focal_loss(x, TARGET, gamma=1.5, alpha=alpha, reduction="none"), expected, np.float64)
    gce = (1 - py ** 0.3) / 0.3
    assert_close(lk.generalized_cross_entropy(x, TARGET, q=0.3, reduction="none"), gce, np.float64)
    sce = -0.1 * np.log(py) + 4.0 * (1 - py)
    assert_close(lk.symmetric_cross_entropy(x, TARGET, reduction="none"), sce, np.float64)


def nll_cases(rng):
    x = np.log(rng.dirichlet(np.ones(C), size=N))
    w = rng.uniform(0.2, 2.0, size=C)
    spatial = rng.normal(size=(2, 3, 2, 2))
    return {
        "plain": (x, TARGET, {}),
        "weight": (x, TARGET, {"weight": w}),
        "ignored": (x, np.array([2, -100, 3, -100, 0]), {"weight": w}),
        "ignore_index-valid-class": (x, TARGET, {"ignore_index": 2}),
        "spatial": (spatial, np.array([[[0, 2], [1, -100]], [[2, 2], [0, 1]]]), {"weight": w[:3]}),
        "unbatched": (x[0], np.array(3), {"weight": w}),
    }


@pytest.mark.parametrize("case", ["plain", "weight", "ignored", "ignore_index-valid-class", "spatial", "unbatched"])
def test_nll_loss_matches_torch(case, dtype, reduction, rng):
    x, y, opts = nll_cases(rng)[case]
    x = x.astype(dtype)
    opts = {k: v.astype(dtype) if k == "weight" else v for k, v in opts.items()}
    loss, grad, hess = lk.nll_loss(x, y, reduction=reduction, grad=True, hess=True, **opts)
    t_opts = {k: torch.from_numpy(widened(v, dtype)) if k == "weight" else v for k, v in opts.items()}
    ref = torch_derivatives(lambda z: F.nll_loss(z, torch.as_tensor(y), reduction=reduction, **t_opts),
                            widened(x, dtype))
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)
    assert not np.any(hess)


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_multi_margin_loss_matches_torch(p, weighted, margin, dtype, reduction, rng):
    x = rng.normal(size=(N, C)).astype(dtype)
    w = rng.uniform(0.2, 2.0, size=C).astype(dtype) if weighted else None
    loss, grad, hess = lk.multi_margin_loss(x, TARGET, p=p, margin=margin, weight=w, reduction=reduction,
                                            grad=True, hess=True)
    tw = None if w is None else torch.from_numpy(widened(w, dtype))
    xt = torch.tensor(widened(x, dtype), requires_grad=True)
    theirs = F.multi_margin_loss(xt, torch.as_tensor(TARGET), p=p, margin=margin, weight=tw, reduction=reduction)
    (theirs_grad,) = torch.autograd.grad(theirs.sum(), xt)
    assert_close(loss, theirs.detach().numpy(), dtype)
    assert_close(grad, theirs_grad.numpy(), dtype)

    # torch has no double backward for multi_margin_loss: the Hessian is checked against the
    # formula written out (and its loss and gradient against torch's as well).
    def written_out(z):
        y = torch.as_tensor(TARGET)
        v = (margin - z.gather(1, y[:, None]) + z).clamp(min=0) ** p
        v = v * (1 - F.one_hot(y, C).double())
        wy = 1.0 if tw is None else tw[y]
        return torch_reduce(wy * v.sum(1) / C, reduction)
    ref = torch_derivatives(written_out, widened(x, dtype))
    for ours, expected in zip((loss, grad, hess), ref):
        assert_close(ours, expected, dtype)
    assert_close(ref[1], theirs_grad.numpy(), np.float64)


def test_poly1_and_hinge_match_optax(dtype, rng):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp
    x = rng.normal(scale=2.0, size=(N, C)).astype(dtype)
    xw = jnp.asarray(widened(x, dtype))
    onehot = jnp.asarray(np.eye(C)[TARGET])
    for eps in (2.0, 0.0, 1.0):
        ours, grad = lk.poly1_cross_entropy(x, TARGET, epsilon=eps, reduction="none", grad=True)
        theirs = optax.losses.poly_loss_cross_entropy(xw, onehot, epsilon=eps)
        assert_close(ours, np.asarray(theirs), dtype)
        g = jax.grad(lambda z: optax.losses.poly_loss_cross_entropy(z, onehot, epsilon=eps).sum())(xw)
        assert_close(grad, np.asarray(g), dtype)
    ours, grad = lk.multiclass_hinge_loss(x, TARGET, reduction="none", grad=True)
    labels = jnp.asarray(TARGET)
    assert_close(ours, np.asarray(optax.losses.multiclass_hinge_loss(xw, labels)), dtype)
    g = jax.grad(lambda z: optax.losses.multiclass_hinge_loss(z, labels).sum())(xw)
    assert_close(grad, np.asarray(g), dtype)


FUNCTIONS = {
    "nll_loss": (lk.nll_loss, {"weight": np.array([0.5, 1.0, 2.0, 1.5])}),
    "softmax_focal_loss": (lk.softmax_focal_loss, {"gamma": 2.0, "alpha": np.array([0.5, 1.0, 2.0, 1.5])}),
    "softmax_focal_loss-gamma-0.5": (lk.softmax_focal_loss, {"gamma": 0.5}),
    "poly1_cross_entropy": (lk.poly1_cross_entropy, {}),
    "generalized_cross_entropy": (lk.generalized_cross_entropy, {"q": 0.4}),
    "symmetric_cross_entropy": (lk.symmetric_cross_entropy, {}),
    "multi_margin_loss-p1": (lk.multi_margin_loss, {"p": 1, "weight": np.array([0.5, 1.0, 2.0, 1.5])}),
    "multi_margin_loss-p2": (lk.multi_margin_loss, {"p": 2, "margin": 0.7}),
    "multiclass_hinge_loss": (lk.multiclass_hinge_loss, {}),
}


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_derivatives_match_finite_differences(name, reduction, rng):
    fn, opts = FUNCTIONS[name]
    x = rng.normal(scale=2.0, size=(N, C))
    y = np.array([2, 0, -100, 1, 2])
    f = lambda v, **k: fn(v, y, reduction=reduction, sample_weight=np.array([1.0, 0.5, 1.0, 2.0, 0.0]), **opts, **k)
    assert_matches_finite_differences(f, x)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_sample_weight_and_ignore_index(name, dtype, rng):
    """'sum' is Σ s·l and 'mean' divides by Σ s (Σ s·w_y for nll_loss) over samples not
    ignored; ignored and zero-weight samples have loss 0 and zero derivatives."""
    fn, opts = FUNCTIONS[name]
    x = rng.normal(size=(N, C)).astype(dtype)
    y = np.array([2, -100, 3, 1, 2])
    s = np.array([1.0, 3.0, 0.5, 0.0, 2.0], dtype)
    per_row = fn(x, y, reduction="none", **opts).astype(np.float64)
    assert per_row[1] == 0
    total, grad = fn(x, y, reduction="sum", sample_weight=s, grad=True, **opts)
    assert_close(total, np.sum(widened(s, dtype) * per_row), dtype)
    assert not grad[1].any() and not grad[3].any()
    kept = (y != -100) * widened(s, dtype)
    if name == "nll_loss":
        kept = kept * widened(opts["weight"].astype(dtype), dtype)[np.where(y >= 0, y, 0)]
    mean, mgrad = fn(x, y, reduction="mean", sample_weight=s, grad=True, **opts)
    assert_close(mean, np.sum(widened(s, dtype) * per_row) / kept.sum(), dtype)
    assert_close(mgrad, grad / kept.sum(), dtype)


def test_focal_gamma_0_is_weighted_cross_entropy(rng):
    x = rng.normal(size=(N, C))
    w = np.array([0.5, 1.0, 2.0, 1.5])
    ours = lk.softmax_focal_loss(x, TARGET, gamma=0.0, alpha=w, reduction="sum", grad=True, hess=True)
    ce = lk.cross_entropy(x, TARGET, weight=w, reduction="sum", grad=True, hess=True)
    for a, b in zip(ours, ce):
        assert_close(a, b, np.float64)


def test_poly1_epsilon_0_is_cross_entropy_and_gce_tends_to_it(rng):
    x = rng.normal(size=(N, C))
    for a, b in zip(lk.poly1_cross_entropy(x, TARGET, epsilon=0.0, grad=True, hess=True),
                    lk.cross_entropy(x, TARGET, grad=True, hess=True)):
        assert_close(a, b, np.float64)
    assert_close(lk.generalized_cross_entropy(x, TARGET, q=1e-7), lk.cross_entropy(x, TARGET), np.float64, rtol=1e-5)


SOFTMAX_LOSSES = ["softmax_focal_loss", "softmax_focal_loss-gamma-0.5", "poly1_cross_entropy",
                  "generalized_cross_entropy", "symmetric_cross_entropy"]


@pytest.mark.parametrize("name", SOFTMAX_LOSSES)
def test_logits_of_1e4_are_exact(name, dtype):
    """Softmax losses are shift-invariant: rows at ±1e4 give the same as rows shifted to 0,
    and a row where the target takes all the mass has loss 0 and zero derivatives."""
    fn, opts = FUNCTIONS[name]
    opts = {k: v for k, v in opts.items() if k != "alpha"}
    big = np.array([[1e4, -1e4, 0.0, 0.0], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -1e4, 0.0]], dtype)
    shifted = np.array([[0.0, -2e4, -1e4, -1e4], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, -2e4, -1e4]], dtype)
    y = np.array([0, 1, 1])
    a = fn(big, y, reduction="none", grad=True, hess=True, **opts)
    b = fn(shifted, y, reduction="none", grad=True, hess=True, **opts)
    for u, v in zip(a, b):
        assert np.all(np.isfinite(u))
        assert_close(u, v, dtype)
    assert a[0][0] == 0 and not a[1][0].any() and not a[2][0].any()


@pytest.mark.parametrize("name", SOFTMAX_LOSSES)
def test_minus_inf_logits_of_other_classes(name, dtype, rng):
    """A -inf logit of a non-target class adds nothing: the same as dropping that class."""
    fn, opts = FUNCTIONS[name]
    opts = {k: v for k, v in opts.items() if k != "alpha"}
    x = rng.normal(size=(N, C)).astype(dtype)
    x[:, 3] = -np.inf
    y = np.array([2, 0, 1, 1, 2])
    loss, grad, hess = fn(x, y, reduction="none", grad=True, hess=True, **opts)
    ref = fn(x[:, :3], y, reduction="none", grad=True, hess=True, **opts)
    assert_close(loss, ref[0], dtype)
    assert_close(grad[:, :3], ref[1], dtype)
    assert_close(hess[:, :3], ref[2], dtype)
    assert not grad[:, 3].any() and not hess[:, 3].any()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_one_class_empty_and_all_ignored(name, dtype, reduction):
    fn, opts = FUNCTIONS[name]
    opts = {k: v[:1] if isinstance(v, np.ndarray) else v for k, v in opts.items()}
    x = np.array([[0.3], [-2.0]], dtype)
    loss, grad = fn(x, np.array([0, 0]), reduction=reduction, grad=True, **opts)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    empty = fn(np.zeros((0, 1), dtype), np.zeros(0, np.int64), reduction=reduction, grad=True, **opts)
    assert empty[1].shape == (0, 1)
    assert (empty[0].shape == (0,)) if reduction == "none" else empty[0] == 0.0
    ignored = fn(x, np.array([-100, -100]), reduction=reduction, grad=True, hess=True, **opts)
    assert np.all(np.asarray(ignored[0]) == 0) and not ignored[1].any() and not ignored[2].any()


@pytest.mark.parametrize("name", ["nll_loss", "softmax_focal_loss", "multi_margin_loss-p2"])
def test_spatial_layout_is_per_position(name, rng):
    """(N, C, d) equals the (N·d, C) rows with the class axis moved last."""
    fn, opts = FUNCTIONS[name]
    x = rng.normal(size=(2, C, 3))
    y = rng.integers(0, C, size=(2, 3))
    loss, grad = fn(x, y, reduction="none", grad=True, **opts)
    flat = np.moveaxis(x, 1, -1).reshape(6, C)
    ref_loss, ref_grad = fn(flat, y.reshape(6), reduction="none", grad=True, **opts)
    assert loss.shape == (2, 3) and grad.shape == x.shape
    assert_close(loss.reshape(6), ref_loss, np.float64)
    assert_close(np.moveaxis(grad, 1, -1).reshape(6, C), ref_grad, np.float64)
