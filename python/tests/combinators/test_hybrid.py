"""losskit.hybrid_loss against its independent reference: each loss called on its own, the
weighted sum taken in float64; and against finite differences of the total in float64."""
import numpy as np
import pytest

import losskit as lk

RNG = np.random.default_rng(7)
DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}

ELEMENTWISE = [("binary_cross_entropy_with_logits", 1.0, {"label_smoothing": 0.1}),
               ("sigmoid_focal_loss", 0.5, {"gamma": 1.5, "alpha": 0.3}),
               ("mse_loss", -0.25)]
CLASS_INDEX = [("cross_entropy", 1.0, {"label_smoothing": 0.05}),
               ("softmax_focal_loss", 0.5, {"gamma": 2.0}),
               ("poly1_cross_entropy", 0.75)]


def reference(parts, x, t, reduction, sample_weight, **options):
    """Each part called alone (float64 sums): total, parts, grad, hess."""
    total, values, grad, hess = 0.0, {}, 0.0, 0.0
    for part in parts:
        name, weight = part[0], part[1]
        params = part[2] if len(part) == 3 else {}
        loss, g, h = getattr(lk, name)(x, t, **params, **options, reduction=reduction,
                                       sample_weight=sample_weight, grad=True, hess=True)
        values[name] = loss
        total = total + weight * np.asarray(loss, np.float64)
        grad = grad + weight * g.astype(np.float64)
        hess = hess + weight * h.astype(np.float64)
    return total, values, grad, hess


def check(parts, x, t, reduction, sample_weight, dtype, **options):
    total, values, grad, hess = lk.hybrid_loss(x, t, parts, reduction=reduction, sample_weight=sample_weight,
                                               grad=True, hess=True, **options)
    ref_total, ref_values, ref_grad, ref_hess = reference(parts, x, t, reduction, sample_weight, **options)
    tol = TOL[dtype]
    assert list(values) == [p[0] for p in parts]
    for name in values:
        # Each part is exactly the loss called alone: the same kernel on the same arrays.
        np.testing.assert_array_equal(values[name], ref_values[name])
    np.testing.assert_allclose(total, ref_total, **tol)
    assert grad.dtype == dtype and grad.shape == x.shape and hess.shape == x.shape
    np.testing.assert_allclose(grad, ref_grad, **tol)
    np.testing.assert_allclose(hess, ref_hess, **tol)
    if reduction == "none":
        assert total.shape == np.shape(ref_values[parts[0][0]]) and total.dtype == dtype
    # Only the requested outputs, in order.
    only = lk.hybrid_loss(x, t, parts, reduction=reduction, sample_weight=sample_weight, hess=True, **options)
    assert len(only) == 3
    np.testing.assert_array_equal(only[2], hess)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weights", [None, "element", "sample"])
def test_elementwise_parts(dtype, reduction, weights):
    x = RNG.normal(size=(6, 5)).astype(dtype)
    t = (RNG.random((6, 5)) > 0.5).astype(dtype)
    w = {None: None, "element": RNG.random((6, 5)), "sample": RNG.random(6)}[weights]
    check(ELEMENTWISE, x, t, reduction, w, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_class_index_parts(dtype, reduction, weighted):
    x = (3 * RNG.normal(size=(7, 4))).astype(dtype)
    y = RNG.integers(0, 4, 7)
    y[2] = -100  # ignored by every part
    check(CLASS_INDEX, x, y, reduction, RNG.random(7) if weighted else None, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_spatial_layout_and_ignore_index(dtype):
    x = RNG.normal(size=(2, 3, 4, 2)).astype(dtype)
    y = RNG.integers(0, 3, (2, 4, 2))
    y[0, 1, 1] = 5
    check(CLASS_INDEX, x, y, "mean", RNG.random(2), dtype, ignore_index=5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "batchmean"])
def test_value_target_parts(dtype, reduction):
    x = np.log(RNG.dirichlet(np.ones(4), size=5)).astype(dtype)
    p = RNG.dirichlet(np.ones(4), size=5).astype(dtype)
    parts = [("kl_div", 1.0), ("jensen_shannon_divergence", 2.0), ("entropy", 0.1)]
    total, values, grad, hess = lk.hybrid_loss(x, p, parts, reduction=reduction, grad=True, hess=True)
    kl = lk.kl_div(x, p, reduction=reduction, grad=True, hess=True)
    # 'batchmean' divides every part by the rows (sample weight sum), as for kl_div.
    alone = "sum" if reduction == "batchmean" else reduction
    scale = 1 / 5 if reduction == "batchmean" else 1
    js = [scale * a for a in lk.jensen_shannon_divergence(x, p, reduction=alone, grad=True, hess=True)]
    en = [scale * a for a in lk.entropy(x, reduction=alone, grad=True, hess=True)]
    assert values["kl_div"] == kl[0]
    np.testing.assert_allclose([values["jensen_shannon_divergence"], values["entropy"]], [js[0], en[0]], rtol=1e-14)
    np.testing.assert_allclose(total, kl[0] + 2 * js[0] + 0.1 * en[0], **TOL[dtype])
    for i, out in ((1, grad), (2, hess)):
        np.testing.assert_allclose(out, kl[i] + 2.0 * js[i].astype(np.float64) + 0.1 * en[i].astype(np.float64),
                                   **TOL[dtype])


def test_cross_entropy_with_probabilities():
    x = RNG.normal(size=(5, 3))
    p = RNG.dirichlet(np.ones(3), size=5)
    check([("cross_entropy", 1.0), ("jensen_shannon_divergence", 0.5)], x, p, "mean", RNG.random(5), np.float64)


@pytest.mark.parametrize("parts, x, t", [
    (ELEMENTWISE, RNG.normal(size=(4, 3)), (RNG.random((4, 3)) > 0.5).astype(float)),
    (CLASS_INDEX, RNG.normal(size=(4, 3)), RNG.integers(0, 3, 4)),
])
def test_finite_differences(parts, x, t):
    """The gradient and Hessian diagonal of the total against central differences in float64."""
    total, _, grad, hess = lk.hybrid_loss(x, t, parts, reduction="sum", grad=True, hess=True)
    eps = 1e-6
    fd_grad = np.empty_like(x)
    fd_hess = np.empty_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        lu, _, gu = lk.hybrid_loss(up, t, parts, reduction="sum", grad=True)
        ld, _, gd = lk.hybrid_loss(down, t, parts, reduction="sum", grad=True)
        fd_grad[i] = (lu - ld) / (2 * eps)
        fd_hess[i] = (gu[i] - gd[i]) / (2 * eps)
    np.testing.assert_allclose(grad, fd_grad, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hess, fd_hess, rtol=1e-5, atol=1e-6)


def test_zero_rows_and_single_part():
    x = np.zeros((0, 3))
    total, values, grad = lk.hybrid_loss(x, np.zeros(0, np.int64), CLASS_INDEX, grad=True)
    assert total == 0.0 and grad.shape == (0, 3) and set(values) == {p[0] for p in CLASS_INDEX}
    x = RNG.normal(size=5)
    total, values = lk.hybrid_loss(x, np.zeros(5), [("huber_loss", 2.0, {"delta": 0.5})])
    assert total == 2.0 * lk.huber_loss(x, np.zeros(5), delta=0.5) == 2.0 * values["huber_loss"]


@pytest.mark.parametrize("parts, target, error, message", [
    ([("cross_entropy", 1.0), ("mse_loss", 1.0)], "index", ValueError,
     r"part 1 \(mse_loss\) is elementwise .* but part 0 \(cross_entropy\) is row-wise"),
    ([("cross_entropy", 1.0), ("kl_div", 1.0)], "index", ValueError,
     r"part 1 \(kl_div\) takes target values .*not class indices"),
    ([("nll_loss", 1.0), ("multilabel_margin_loss", 1.0)], "index", ValueError,
     r"incompatible parts: part 0 \(nll_loss\) takes one class index per row but part 1 "
     r"\(multilabel_margin_loss\) takes lists of class indices"),
    ([("cross_entropy", 1.0), ("ctc_loss", 1.0)], "index", ValueError, r"ctc_loss \(kind sequence\) cannot be part"),
    ([("cross_entropy", 1.0), ("cross_entropy", 2.0)], "index", ValueError, r"appears twice"),
    ([("softmax_focal_loss", 1.0, {"alpha": 1.0})], "index", ValueError, r"has no parameter 'alpha'"),
    ([("softmax_focal_loss", 1.0, {"gamma": -1.0})], "index", ValueError, r"part 0 \(softmax_focal_loss\): .*gamma"),
    ([("softmax_focal_loss", float("nan"))], "index", ValueError, r"weight must be finite"),
    ([("no_such_loss", 1.0)], "index", ValueError, r"no loss is named 'no_such_loss'"),
    ([], "index", ValueError, r"non-empty list"),
    ([("cross_entropy", 1.0), ("softmax_focal_loss", 1.0)], "index-bad", IndexError,
     r"part 0 \(cross_entropy\): target\[1\] = 9"),
])
def test_rejections(parts, target, error, message):
    x = RNG.normal(size=(3, 4))
    t = np.array([0, 9, 1]) if target == "index-bad" else np.array([0, 1, 2])
    with pytest.raises(error, match=message):
        lk.hybrid_loss(x, t, parts)


def test_rejections_of_reductions():
    x = RNG.normal(size=(3, 4))
    with pytest.raises(ValueError, match=r"part 0 \(cross_entropy\): reduction 'batchmean'"):
        lk.hybrid_loss(x, np.array([0, 1, 2]), CLASS_INDEX, reduction="batchmean")
    p = RNG.dirichlet(np.ones(4), size=3)
    with pytest.raises(ValueError, match=r"reduction 'none': part 0 \(kl_div\) gives 12 losses but part 1"):
        lk.hybrid_loss(np.log(p), p, [("kl_div", 1.0), ("jensen_shannon_divergence", 1.0)], reduction="none")
    with pytest.raises(ValueError, match=r"'batchmean' is for row-wise parts only"):
        lk.hybrid_loss(x, x, [("mse_loss", 1.0)], reduction="batchmean")
    with pytest.raises(ValueError, match=r"reduction: expected"):
        lk.hybrid_loss(x, x, [("mse_loss", 1.0)], reduction="avg")
    with pytest.raises(ValueError, match=r"target: expected the input's shape"):
        lk.hybrid_loss(x, x[:2], [("mse_loss", 1.0)])


def test_lists_of_class_indices_with_a_targetless_part():
    x = RNG.normal(size=(3, 4))
    t = np.array([[0, 2, -1, -1], [3, -1, -1, -1], [1, 0, 2, -1]])
    parts = [("multilabel_margin_loss", 1.0), ("entropy", 0.25)]
    total, values, grad = lk.hybrid_loss(x, t, parts, reduction="sum", grad=True)
    ml = lk.multilabel_margin_loss(x, t, reduction="sum", grad=True)
    en = lk.entropy(x, reduction="sum", grad=True)
    assert values == {"multilabel_margin_loss": ml[0], "entropy": en[0]}
    np.testing.assert_allclose(total, ml[0] + 0.25 * en[0], rtol=1e-14)
    np.testing.assert_allclose(grad, ml[1] + 0.25 * en[1], rtol=1e-14, atol=1e-15)


def test_per_element_losses_of_kl_div_under_none():
    x = np.log(RNG.dirichlet(np.ones(3), size=(2,)))
    p = RNG.dirichlet(np.ones(3), size=(2,))
    total, values = lk.hybrid_loss(x, p, [("kl_div", 2.0, {"log_target": False})], reduction="none")
    alone = lk.kl_div(x, p, reduction="none")
    assert total.shape == alone.shape == (2, 3)
    np.testing.assert_array_equal(values["kl_div"], alone)
    np.testing.assert_allclose(total, 2 * alone, rtol=1e-15)
