"""The row-wise kernels on rows of several SIMD vectors with a partial last one (37 and 100
classes; the family tests use 3-4 classes, less than one vector), over many accumulation
blocks: every vectorised row-wise loss against its formula in float64 PyTorch on the values
the kernel saw, and the same bits for one and two threads."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import assert_close, widened


def picked(z, y):
    logp = torch.log_softmax(z, 1).gather(1, torch.as_tensor(y)[:, None])[:, 0]
    return logp, logp.exp()


def js(z, t):
    q = torch.softmax(z, 1)
    m = (q + t) / 2
    kl = lambda a: torch.where(a > 0, a * (a / m).log(), torch.zeros_like(a))  # noqa: E731
    return (kl(t) + kl(q)).sum(1) / 2


# name -> (LossKit call on (z, target), target kind, per-row torch reference on (z, target))
CASES = {
    "softmax_focal_loss": (lambda z, y: lk.softmax_focal_loss(z, y, reduction="none", grad=True, hess=True),
                           "index", lambda z, y: -(1 - picked(z, y)[1]) ** 2 * picked(z, y)[0]),
    "poly1_cross_entropy": (lambda z, y: lk.poly1_cross_entropy(z, y, reduction="none", grad=True, hess=True),
                            "index", lambda z, y: -picked(z, y)[0] + 2 * (1 - picked(z, y)[1])),
    "generalized_cross_entropy": (
        lambda z, y: lk.generalized_cross_entropy(z, y, reduction="none", grad=True, hess=True),
        "index", lambda z, y: (1 - picked(z, y)[1] ** 0.7) / 0.7),
    "symmetric_cross_entropy": (
        lambda z, y: lk.symmetric_cross_entropy(z, y, reduction="none", grad=True, hess=True),
        "index", lambda z, y: -0.1 * picked(z, y)[0] + 4 * (1 - picked(z, y)[1])),
    "multi_margin_loss": (lambda z, y: lk.multi_margin_loss(z, y, p=2, reduction="none", grad=True, hess=True),
                          "index", lambda z, y: F.multi_margin_loss(z, torch.as_tensor(y), p=2, reduction="none")),
    "multilabel_soft_margin_loss": (
        lambda z, t: lk.multilabel_soft_margin_loss(z, t, reduction="none", grad=True, hess=True),
        "multi_hot", lambda z, t: F.multilabel_soft_margin_loss(z, t, reduction="none")),
    "kl_div": (lambda z, t: lk.kl_div(z, t, reduction="none", grad=True, hess=True),
               "probabilities", lambda z, t: F.kl_div(z, t, reduction="none")),  # per element
    "jensen_shannon_divergence": (
        lambda z, t: lk.jensen_shannon_divergence(z, t, reduction="none", grad=True, hess=True),
        "probabilities", js),
    "entropy": (lambda z, t: lk.entropy(z, reduction="none", grad=True, hess=True), "none",
                lambda z, t: -(torch.softmax(z, 1) * torch.log_softmax(z, 1)).sum(1)),
}


def data(kind, rows, classes, dtype, rng):
    z = rng.normal(scale=2.0, size=(rows, classes)).astype(dtype)
    if kind == "index":
        return z, rng.integers(0, classes, rows)
    if kind == "multi_hot":
        return z, (rng.random((rows, classes)) < 0.2).astype(dtype)
    if kind == "probabilities":
        t = rng.dirichlet(np.full(classes, 0.5), size=rows).astype(dtype)
        return z, t
    return z, None


@pytest.mark.parametrize("classes", [37, 100])
@pytest.mark.parametrize("name", CASES)
def test_wide_rows_match_the_formula(name, classes, dtype, rng):
    fn, kind, ref = CASES[name]
    z, t = data(kind, 150, classes, dtype, rng)
    if name == "kl_div":
        z = np.log(rng.dirichlet(np.ones(classes), size=150)).astype(dtype)
    loss, grad, _ = fn(z, t)
    zt = torch.tensor(widened(z, dtype), requires_grad=True)
    tt = t if t is None or kind == "index" else torch.from_numpy(widened(t, dtype))
    expected = ref(zt, tt)
    (expected_grad,) = torch.autograd.grad(expected.sum(), zt)
    assert_close(loss, expected.detach().numpy(), dtype)
    assert_close(grad, expected_grad.numpy(), dtype)


@pytest.mark.parametrize("name", CASES)
def test_one_and_two_threads_give_the_same_bits(name, rng):
    fn, kind, _ = CASES[name]
    z, t = data(kind, 3000, 100, np.float32, rng)  # 150 blocks of 20 rows: two threads run
    before = lk.get_num_threads()
    try:
        lk.set_num_threads(1)
        one = fn(z, t)
        lk.set_num_threads(2)
        two = fn(z, t)
    finally:
        lk.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
