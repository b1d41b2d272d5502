"""cross_entropy against torch.nn.functional.cross_entropy (float64 autograd and Hessian) and
against central differences, for every option PyTorch has plus `sample_weight`, and at the
edges where we deliberately differ from PyTorch (all targets ignored, zero weights, -inf logits
of classes with zero target probability)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import losskit as lk
from conftest import (assert_close, assert_matches_finite_differences, torch_derivatives,
                      weighted_reduction, widened)

N, C = 5, 4


def probabilities(rng, shape, axis):
    p = rng.uniform(size=shape) ** 2
    return p / p.sum(axis=axis, keepdims=True)


def problem(name, rng):
    """(logits, target, options) in float64 for the case `name`."""
    x = rng.normal(scale=2.0, size=(N, C))
    index = np.array([2, 0, 3, 1, 2])
    w = rng.uniform(0.2, 2.0, size=C)
    spatial = rng.normal(scale=2.0, size=(2, 3, 2, 2))
    if name == "index":
        return x, index, {}
    if name == "index-ignored":
        return x, np.array([2, -100, 3, -100, 0]), {}
    if name == "ignore_index-valid-class":
        return x, index, {"ignore_index": 2}
    if name == "weight":
        return x, index, {"weight": w}
    if name == "smoothing":
        return x, index, {"label_smoothing": 0.2}
    if name == "weight-smoothing-ignored":
        return x, np.array([2, 0, -100, 1, 3]), {"weight": w, "label_smoothing": 0.3}
    if name == "probability":
        return x, probabilities(rng, (N, C), 1), {}
    if name == "probability-smoothing":
        return x, probabilities(rng, (N, C), 1), {"label_smoothing": 0.15}
    if name == "probability-weight-smoothing":
        return x, probabilities(rng, (N, C), 1), {"weight": w, "label_smoothing": 0.15}
    if name == "spatial-index":
        return spatial, np.array([[[0, 2], [1, -100]], [[2, 2], [0, 1]]]), {"weight": w[:3]}
    if name == "spatial-probability":
        return spatial, probabilities(rng, spatial.shape, 1), {"weight": w[:3], "label_smoothing": 0.1}
    if name == "unbatched-index":
        return x[0], np.array(3), {"weight": w}
    if name == "unbatched-probability":
        return x[0], probabilities(rng, (C,), 0), {"label_smoothing": 0.25}
    if name == "one-class":
        return x[:, :1], np.zeros(N, dtype=np.int64), {}
    raise KeyError(name)


CASES = ["index", "index-ignored", "ignore_index-valid-class", "weight", "smoothing",
         "weight-smoothing-ignored", "probability", "probability-smoothing",
         "probability-weight-smoothing", "spatial-index", "spatial-probability",
         "unbatched-index", "unbatched-probability", "one-class"]


def in_dtype(x, target, opts, dtype):
    """The problem with logits, probability targets and class weights rounded to `dtype`."""
    cast = lambda a: a.astype(dtype) if a.dtype.kind == "f" else a
    return cast(x), cast(target), {k: cast(v) if k == "weight" else v for k, v in opts.items()}


def torch_ce(target, opts, reduction):
    """torch's cross_entropy as a function of the logits, on float64 copies of the arguments."""
    t = torch.from_numpy(np.asarray(target, dtype=np.float64 if np.asarray(target).dtype.kind == "f" else np.int64))
    t_opts = {k: torch.from_numpy(np.asarray(v, np.float64)) if k == "weight" else v for k, v in opts.items()}
    return lambda z: F.cross_entropy(z, t, reduction=reduction, **t_opts)


@pytest.mark.parametrize("case", CASES)
def test_matches_torch(case, dtype, reduction, rng):
    x, target, opts = in_dtype(*problem(case, rng), dtype)
    loss, grad, hess = lk.cross_entropy(x, target, reduction=reduction, grad=True, hess=True, **opts)
    ref = torch_derivatives(torch_ce(target, opts, reduction), widened(x, dtype))
    assert grad.shape == x.shape and grad.dtype == dtype and hess.dtype == dtype
    if reduction == "none":
        assert loss.dtype == dtype
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)


@pytest.mark.parametrize("case", CASES)
def test_derivatives_match_finite_differences(case, reduction, rng):
    x, target, opts = problem(case, rng)
    fn = lambda v, **k: lk.cross_entropy(v, target, reduction=reduction, **opts, **k)
    assert_matches_finite_differences(fn, x)


@pytest.mark.parametrize("case", ["index", "index-ignored", "weight-smoothing-ignored", "probability",
                                  "probability-weight-smoothing", "spatial-index", "spatial-probability"])
def test_sample_weight_is_the_documented_weighted_mean(case, dtype, reduction, rng):
    """With sample weights s (one per sample), 'mean' is Σ s·l / Σ s·w_y over samples not
    ignored (class indices; w_y = 1 without class weights) or Σ s·l / Σ s (probabilities),
    which is torch's rule when s = 1; 'none' is s·l. Spatial positions share their sample's s."""
    x, target, opts = in_dtype(*problem(case, rng), dtype)
    n = x.shape[0]
    s = rng.uniform(0.0, 2.0, size=n).astype(dtype)
    s[1] = 0.0
    loss, grad, hess = lk.cross_entropy(x, target, reduction=reduction, sample_weight=s,
                                        grad=True, hess=True, **opts)

    sample_shape = (n,) + x.shape[2:]
    s_rows = torch.from_numpy(np.broadcast_to(widened(s, dtype).reshape((n,) + (1,) * (x.ndim - 2)),
                                              sample_shape).copy())
    if target.dtype.kind == "f":
        denominator = s_rows.sum()
    else:
        kept = target != opts.get("ignore_index", -100)
        w_y = widened(opts["weight"], dtype)[np.where(kept, target, 0)] if "weight" in opts else 1.0
        denominator = (s_rows * torch.from_numpy(np.where(kept, w_y, 0.0))).sum()
    ref = torch_derivatives(
        lambda z: weighted_reduction(torch_ce(target, opts, "none")(z), s_rows, reduction, denominator),
        widened(x, dtype))
    for ours, theirs in zip((loss, grad, hess), ref):
        assert_close(ours, theirs, dtype)


def test_logits_of_1e4_give_the_analytic_limits(dtype):
    """Softmax is shift-invariant, so huge logits must give exact results: row 0 puts all mass
    on class 0 (loss 2e4, gradient p - onehot = (1, -1, 0), Hessian 0); row 1 is uniform at
    -1e4 (loss log 3, as at 0); row 2 splits the mass over two classes of 1e4."""
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype)
    target = np.array([1, 0, 2])
    loss, grad, hess = lk.cross_entropy(x, target, reduction="none", grad=True, hess=True)
    assert_close(loss, [2e4, np.log(3), 2e4 + np.log(2)], dtype)
    assert_close(grad, [[1, -1, 0], [-2 / 3, 1 / 3, 1 / 3], [0.5, 0.5, -1]], dtype)
    assert_close(hess, [[0, 0, 0], [2 / 9, 2 / 9, 2 / 9], [0.25, 0.25, 0]], dtype)
    assert_close(loss, torch_ce(target, {}, "none")(torch.from_numpy(widened(x, dtype))).numpy(), dtype)


@pytest.mark.parametrize("case", ["index-ignored", "spatial-index"])
def test_all_targets_ignored_give_zero(case, reduction, rng):
    """Deliberate difference: with every target ignored torch's 'mean' is NaN (0/0); ours is
    0.0 with zero gradient and Hessian. 'sum' is 0 and 'none' all zeros in both."""
    x, target, opts = problem(case, rng)
    target = np.full_like(target, -100)
    loss, grad, hess = lk.cross_entropy(x, target, reduction=reduction, grad=True, hess=True, **opts)
    assert np.all(np.asarray(loss) == 0.0)
    assert np.all(grad == 0.0) and np.all(hess == 0.0)


def test_ignored_rows_are_not_read(rng):
    """An ignored sample contributes nothing, even NaN or -inf logits (in torch, -inf logits
    in an ignored row can poison the gradient, pytorch#11551)."""
    x, target, _ = problem("index-ignored", rng)
    clean = lk.cross_entropy(x, target, grad=True, hess=True)
    x[1] = [np.nan, -np.inf, np.inf, 0.0]
    dirty = lk.cross_entropy(x, target, grad=True, hess=True)
    assert dirty[0] == clean[0]
    for before, after in zip(clean[1:], dirty[1:]):
        np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("argument", ["sample_weight", "weight"])
def test_all_weights_zero_give_zero(argument, reduction, rng):
    """Zero sample weights, or zero class weights, make every coefficient 0: the loss and its
    derivatives are 0 and 'mean' is 0.0 (torch gives NaN for zero class weights)."""
    x, target, _ = problem("index", rng)
    zeros = np.zeros(N if argument == "sample_weight" else C)
    loss, grad, hess = lk.cross_entropy(x, target, reduction=reduction, grad=True, hess=True,
                                        **{argument: zeros})
    assert np.all(np.asarray(loss) == 0.0)
    assert np.all(grad == 0.0) and np.all(hess == 0.0)


@pytest.mark.parametrize("shape", [(0, C), (2, C, 0, 3)])
def test_empty_input(shape, dtype, reduction):
    """No samples: 'mean' and 'sum' are 0.0, 'none' is empty; derivatives keep the shape."""
    x = np.zeros(shape, dtype)
    target = np.zeros(shape[:1] + shape[2:], np.int64)
    loss, grad, hess = lk.cross_entropy(x, target, reduction=reduction, grad=True, hess=True)
    if reduction == "none":
        assert loss.shape == target.shape and loss.dtype == dtype
    else:
        assert loss == 0.0 and isinstance(loss, float)
    assert grad.shape == shape and hess.shape == shape


def test_nan_logit_propagates_to_its_row(dtype, rng):
    """Documented for every loss: NaN propagates to the affected sample's loss and
    derivatives and to a reduced loss; other samples are unchanged."""
    x, target, _ = in_dtype(*problem("index", rng), dtype)
    clean = lk.cross_entropy(x, target, reduction="none", grad=True, hess=True)
    x[3, 1] = np.nan
    dirty = lk.cross_entropy(x, target, reduction="none", grad=True, hess=True)
    assert np.isnan(dirty[0][3]) and np.all(np.isnan(dirty[1][3])) and np.all(np.isnan(dirty[2][3]))
    others = np.arange(N) != 3
    for before, after in zip(clean, dirty):
        np.testing.assert_array_equal(after[others], before[others])
    assert np.isnan(lk.cross_entropy(x, target))


def test_minus_inf_logit_of_a_class_with_zero_probability(dtype):
    """Deliberate difference: a class whose target coefficient is 0 adds nothing even when its
    logit is -inf (torch and optax give NaN for probability targets). The result equals the
    same problem with that class removed, and its own gradient and Hessian are 0."""
    x = np.array([[1.0, -np.inf, 2.0], [0.5, -np.inf, -1.0]], dtype)
    t = np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0]], dtype)
    loss, grad, hess = lk.cross_entropy(x, t, reduction="sum", grad=True, hess=True)
    kept = [0, 2]
    ref = torch_derivatives(torch_ce(t[:, kept], {}, "sum"), widened(x[:, kept], dtype))
    assert_close(loss, ref[0], dtype)
    assert_close(grad[:, kept], ref[1], dtype)
    assert_close(hess[:, kept], ref[2], dtype)
    np.testing.assert_array_equal(grad[:, 1], 0.0)
    np.testing.assert_array_equal(hess[:, 1], 0.0)


@pytest.mark.parametrize("classes", [1, 2, 7, 8, 9, 15, 16, 17, 32, 33, 64, 65, 100])
def test_every_row_width_matches_torch(classes, dtype, reduction):
    """Rows of up to two vectors (32 float32 / 16 float64 classes) with class-index targets
    run across rows, wider rows row by row: both against torch (loss, gradient) and the float64
    Hessian diagonal w_y·p·(1 - p), over enough rows to span several row blocks and a partial
    group of lanes, with ignored rows, class weights and a row of extreme logits."""
    rng = np.random.default_rng(classes)
    n = 3 * (2048 // classes) + 5
    x = rng.normal(scale=3.0, size=(n, classes))
    x[7] = np.linspace(-1e4, 1e4, classes)
    x[8, :] = -80.0
    x[8, 0] = 0.0
    target = rng.integers(0, classes, n)
    target[::11] = -100
    target[8] = 0
    weight = rng.uniform(0.2, 2.0, classes)
    x, weight = x.astype(dtype), weight.astype(dtype)
    loss, grad, hess = lk.cross_entropy(x, target, weight=weight, reduction=reduction, grad=True, hess=True)

    z = torch.from_numpy(x.astype(np.float64)).requires_grad_()
    expected = F.cross_entropy(z, torch.from_numpy(target), weight=torch.from_numpy(weight.astype(np.float64)),
                               reduction=reduction)
    (expected_grad,) = torch.autograd.grad(expected.sum(), z)
    kept = target != -100
    w_y = np.where(kept, weight.astype(np.float64)[np.where(kept, target, 0)], 0.0)
    p = torch.softmax(z.detach(), dim=1).numpy()
    scale = {"mean": 1 / w_y.sum(), "sum": 1.0, "none": 1.0}[reduction]
    expected_hess = (scale * w_y)[:, None] * p * (1 - p)
    assert_close(loss, expected.detach().numpy(), dtype)
    assert_close(grad, expected_grad.numpy(), dtype)
    assert_close(hess, expected_hess, dtype)
    if reduction == "none":
        # The confident row keeps its tiny loss, w_0·log(1 + (C - 1)·e^-80), in either dtype.
        assert_close(loss[8], weight[0] * np.log1p((classes - 1) * np.exp(-80.0)), dtype)
        assert np.all(loss[~kept] == 0) and np.all(grad[~kept] == 0) and np.all(hess[~kept] == 0)
