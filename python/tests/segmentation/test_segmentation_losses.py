"""Segmentation (overlap) losses: dice_loss, tversky_loss, focal_tversky_loss,
generalized_dice_loss and jaccard_loss against optax 0.2.8 (`dice_loss`,
`multiclass_generalized_dice_loss`, values and jax gradients), against the formulas written
independently in float64 (numpy, and torch for the exact Hessian diagonal through autograd),
against central differences, for both dtypes, with classes absent from the batch, the
background ignored, class and sample weights, and bad inputs."""
import numpy as np
import pytest
import torch

import losskit as lk

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402

RNG = np.random.default_rng(7)
N, C, H, W = 3, 4, 3, 2
LOGITS = RNG.normal(size=(N, C, H, W)) * 2
LABELS = RNG.integers(0, C, size=(N, H, W))
LABELS[:, :, :] = np.where(LABELS == 3, 1, LABELS)  # class 3 absent from the whole batch
ONE_HOT = np.moveaxis(np.eye(C)[LABELS], -1, 1)
SOFT = RNG.dirichlet(np.ones(C), size=(N, H, W)).transpose(0, 3, 1, 2)

# (public function, parameters, (alpha, beta, gamma) of the Tversky-form reference)
LOSSES = {
    "dice_loss": (lk.dice_loss, {}, (0.5, 0.5, 1.0)),
    "tversky_loss": (lk.tversky_loss, {"alpha": 0.3, "beta": 0.7}, (0.3, 0.7, 1.0)),
    "focal_tversky_loss": (lk.focal_tversky_loss, {"alpha": 0.7, "beta": 0.3, "gamma": 0.75}, (0.7, 0.3, 0.75)),
    "generalized_dice_loss": (lk.generalized_dice_loss, {}, (0.5, 0.5, 1.0)),
    "jaccard_loss": (lk.jaccard_loss, {}, (1.0, 1.0, 1.0)),
}
WEIGHTED = [name for name in LOSSES if name != "generalized_dice_loss"]


def softmax(x, xp=np):
    if x.shape[1] == 1:
        return 1 / (1 + xp.exp(-x))
    e = xp.exp(x - x.max(1, keepdims=True) if xp is np else x - x.max(1, keepdim=True)[0])
    return e / e.sum(1, keepdims=True) if xp is np else e / e.sum(1, keepdim=True)


def reference(name, x, t, *, smooth=1.0, apply_softmax=True, ignore_background=False, class_weights=None,
              reduction="mean", sample_weight=None, xp=np):
    """The losses from their definitions (numpy or torch float64), t a target map of x's shape."""
    alpha, beta, gamma = LOSSES[name][2]
    p = softmax(x, xp) if apply_softmax else x
    axes = tuple(range(2, x.ndim))
    tp = (p * t).sum(axes) if axes else p * t
    fp = (p * (1 - t)).sum(axes) if axes else p * (1 - t)
    fn = ((1 - p) * t).sum(axes) if axes else (1 - p) * t
    ti = (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)
    l = (1 - ti) ** gamma if gamma != 1 else 1 - ti
    c = x.shape[1]
    w = np.ones(c) if class_weights is None else np.asarray(class_weights, float)
    if name == "generalized_dice_loss":
        freq = np.asarray(t.sum(tuple(i for i in range(t.ndim) if i != 1)), float)
        w = 1 / (freq ** 2 + 1e-7)
        w = w / w.sum() * c
    w = xp.asarray(w) if xp is np else torch.as_tensor(w)
    l = l * w
    if ignore_background and c > 1:
        l = l[:, 1:]
    per_sample = l.mean(1)
    s = np.ones(x.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    s = s if xp is np else torch.as_tensor(s)
    if reduction == "none":
        return s * per_sample
    if reduction == "sum":
        return (s * per_sample).sum()
    return (s * per_sample).sum() / s.sum()


def torch_derivatives(name, x, t, **kwargs):
    """Gradient and exact Hessian diagonal of the reference (sum of the losses for 'none')."""
    tt = torch.as_tensor(t, dtype=torch.float64)
    def f(z):
        v = reference(name, z.reshape(x.shape), tt, xp=torch, **kwargs)
        return v.sum()
    z = torch.as_tensor(x, dtype=torch.float64).reshape(-1)
    g = torch.autograd.functional.jacobian(f, z).reshape(x.shape).numpy()
    h = torch.diagonal(torch.autograd.functional.hessian(f, z)).reshape(x.shape).numpy()
    return g, h


# --- against independent formulas and autograd ---------------------------------------------

@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("target", ["labels", "one_hot", "soft"])
def test_matches_formula_and_autograd_hessian(name, reduction, target):
    fn, params, _ = LOSSES[name]
    t = {"labels": LABELS, "one_hot": ONE_HOT, "soft": SOFT}[target]
    tmap = ONE_HOT if target == "labels" else t
    s = np.array([1.0, 0.5, 2.0])
    kwargs = dict(reduction=reduction, sample_weight=s)
    loss, g, h = fn(LOGITS, t, grad=True, hess=True, **params, **kwargs)
    np.testing.assert_allclose(loss, reference(name, LOGITS, tmap, **kwargs), rtol=1e-12)
    rg, rh = torch_derivatives(name, LOGITS, tmap, **kwargs)
    np.testing.assert_allclose(g, rg, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(h, rh, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("name", WEIGHTED)
def test_probabilities_class_weights_ignore_background(name):
    fn, params, _ = LOSSES[name]
    cw = np.array([0.5, 2.0, 1.0, 3.0])
    kwargs = dict(apply_softmax=False, ignore_background=True, class_weights=cw, smooth=0.5)
    loss, g, h = fn(SOFT, LABELS, grad=True, hess=True, **params, **kwargs)
    np.testing.assert_allclose(loss, reference(name, SOFT, ONE_HOT, **kwargs), rtol=1e-12)
    rg, rh = torch_derivatives(name, SOFT, ONE_HOT, **kwargs)
    np.testing.assert_allclose(g, rg, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(h, rh, rtol=1e-9, atol=1e-14)
    assert np.all(g[:, 0] == 0) and np.all(h[:, 0] == 0)  # probabilities of class 0 do not matter


@pytest.mark.parametrize("name", list(LOSSES))
def test_one_class_is_sigmoid_with_a_mask(name):
    fn, params, _ = LOSSES[name]
    x = LOGITS[:, :1]
    mask = (LABELS == 1).astype(np.int64)
    loss, g, h = fn(x, mask, reduction="none", grad=True, hess=True, ignore_background=True, **params)
    tmap = mask[:, None].astype(float)
    np.testing.assert_allclose(loss, reference(name, x, tmap, reduction="none"), rtol=1e-12)
    rg, rh = torch_derivatives(name, x, tmap, reduction="none")
    np.testing.assert_allclose(g, rg, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(h, rh, rtol=1e-9, atol=1e-14)


def test_keras_tversky_and_iou_formulas():
    """Keras's Tversky (one number over the batch: axis=None) is 1 - TP / (TP + α FP + β FN + ε);
    with smooth=0 and the batch moved into the spatial axes LossKit computes it without ε."""
    p = SOFT[:, 1:2] / SOFT[:, 1:2].max()
    y = (LABELS == 1).astype(float)[:, None]
    whole_p, whole_y = p.swapaxes(0, 1).reshape(1, 1, -1), y.swapaxes(0, 1).reshape(1, 1, -1)
    tp, fp, fn = (p * y).sum(), (p * (1 - y)).sum(), ((1 - p) * y).sum()
    keras = 1 - tp / (tp + 0.3 * fp + 0.7 * fn + 1e-7)
    ours = lk.tversky_loss(whole_p, whole_y, alpha=0.3, beta=0.7, smooth=0.0, apply_softmax=False)
    np.testing.assert_allclose(ours, keras, rtol=1e-6)
    iou = 1 - tp / ((p + y - p * y).sum())
    np.testing.assert_allclose(lk.jaccard_loss(whole_p, whole_y, smooth=0.0, apply_softmax=False), iou, rtol=1e-12)


def test_finite_differences_of_gradient_and_hessian():
    """Central differences on a few coordinates, independent of any reference formula."""
    x = LOGITS.copy()
    for name, (fn, params, _) in LOSSES.items():
        _, g, h = fn(x, LABELS, grad=True, hess=True, **params)
        for index in [(0, 0, 0, 0), (1, 2, 1, 1), (2, 3, 2, 0)]:
            step = 1e-5
            up, down = x.copy(), x.copy()
            up[index] += step
            down[index] -= step
            fd_g = (fn(up, LABELS, **params) - fn(down, LABELS, **params)) / (2 * step)
            fd_h = (fn(up, LABELS, grad=True, **params)[1][index]
                    - fn(down, LABELS, grad=True, **params)[1][index]) / (2 * step)
            assert abs(fd_g - g[index]) <= 1e-7 * max(1, abs(g[index])), (name, index)
            assert abs(fd_h - h[index]) <= 1e-6 * max(1e-3, abs(h[index])), (name, index)


# --- against optax ---------------------------------------------------------------------------

def channels_last(a):
    return jnp.asarray(np.moveaxis(a, 1, -1))


@pytest.mark.parametrize("ignore_background", [False, True])
@pytest.mark.parametrize("apply_softmax", [True, False])
def test_dice_and_tversky_match_optax(ignore_background, apply_softmax):
    x = LOGITS if apply_softmax else SOFT
    cw = np.array([0.5, 2.0, 1.0, 3.0])
    for alpha, beta in [(0.5, 0.5), (0.2, 0.8)]:
        ref = optax.losses.dice_loss(channels_last(x), channels_last(ONE_HOT), class_weights=jnp.asarray(cw),
                                     smooth=0.7, alpha=alpha, beta=beta, apply_softmax=apply_softmax,
                                     reduction="mean", ignore_background=ignore_background)
        ours = lk.tversky_loss(x, LABELS, alpha=alpha, beta=beta, smooth=0.7, apply_softmax=apply_softmax,
                               ignore_background=ignore_background, class_weights=cw, reduction="none")
        np.testing.assert_allclose(ours, np.asarray(ref), rtol=1e-12)
        f = lambda z: optax.losses.dice_loss(z, channels_last(ONE_HOT), class_weights=jnp.asarray(cw), smooth=0.7,
                                             alpha=alpha, beta=beta, apply_softmax=apply_softmax,
                                             ignore_background=ignore_background).sum()
        if apply_softmax:  # optax refuses probabilities off the simplex, so differentiate on logits only
            _, g = lk.tversky_loss(x, LABELS, alpha=alpha, beta=beta, smooth=0.7, ignore_background=ignore_background,
                                   class_weights=cw, reduction="sum", grad=True)
            np.testing.assert_allclose(g, np.moveaxis(np.asarray(jax.grad(f)(channels_last(x))), -1, 1),
                                       rtol=1e-10, atol=1e-15)
        if alpha == beta == 0.5:
            np.testing.assert_array_equal(lk.dice_loss(x, LABELS, smooth=0.7, apply_softmax=apply_softmax,
                                                       ignore_background=ignore_background, class_weights=cw,
                                                       reduction="none"), ours)


def test_binary_dice_matches_optax_sigmoid():
    x = LOGITS[:, :1]
    y = (LABELS == 2).astype(float)[:, None]
    ref = optax.losses.dice_loss(channels_last(x), channels_last(y))
    np.testing.assert_allclose(lk.dice_loss(x, y, reduction="none"), np.asarray(ref), rtol=1e-12)


@pytest.mark.parametrize("ignore_background", [False, True])
def test_generalized_dice_matches_optax(ignore_background):
    for x, soft in [(LOGITS, True), (SOFT, False)]:
        ref = optax.losses.multiclass_generalized_dice_loss(channels_last(x), channels_last(ONE_HOT), smooth=0.3,
                                                            apply_softmax=soft, ignore_background=ignore_background)
        loss, g = lk.generalized_dice_loss(x, LABELS, smooth=0.3, apply_softmax=soft,
                                           ignore_background=ignore_background, grad=True)
        np.testing.assert_allclose(loss, float(ref), rtol=1e-10)
        if soft:
            jg = jax.grad(lambda z: optax.losses.multiclass_generalized_dice_loss(
                z, channels_last(ONE_HOT), smooth=0.3, ignore_background=ignore_background))(channels_last(x))
            np.testing.assert_allclose(g, np.moveaxis(np.asarray(jg), -1, 1), rtol=1e-8, atol=1e-14)


# --- semantics ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(LOSSES))
def test_dtypes(name, dtype):
    fn, params, _ = LOSSES[name]
    loss, g, h = fn(LOGITS.astype(dtype), LABELS, grad=True, hess=True, **params)
    assert g.dtype == dtype and h.dtype == dtype and g.shape == LOGITS.shape
    ref, rg, rh = fn(LOGITS, LABELS, grad=True, hess=True, **params)
    rtol = 1e-5 if dtype == np.float32 else 0
    np.testing.assert_allclose(loss, ref, rtol=rtol)
    np.testing.assert_allclose(g, rg, rtol=rtol * 10, atol=1e-6 if dtype == np.float32 else 0)
    np.testing.assert_allclose(h, rh, rtol=rtol * 10, atol=1e-6 if dtype == np.float32 else 0)


def test_absent_class_is_finite_and_documented():
    """A class absent from the targets and (almost) from the prediction: smooth keeps it finite
    and near 0; the value is 1 - s / (α Σp + s)."""
    p = np.zeros((1, 2, 4))
    p[0, 0] = 1.0  # everything predicted as class 0; class 1 absent from both
    t = np.zeros(4, np.int64)[None]
    loss = lk.dice_loss(p, t, apply_softmax=False, reduction="none", class_weights=np.array([0.0, 1.0]))
    np.testing.assert_array_equal(loss, [0.0])  # (0 + 1) / (0 + 1): a perfect match
    for smooth in (1.0, 1e-3, 0.0):
        loss, g, h = lk.dice_loss(p, t, apply_softmax=False, smooth=smooth, grad=True, hess=True)
        assert loss == 0 and np.all(np.isfinite(g)) and np.all(np.isfinite(h))
    # with logits the absent class gets Σp > 0: 1 - s / (Σp / 2 + s)
    x = np.array([[[5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 0.0]]])
    q = 1 / (1 + np.exp(5.0))
    per_class = lk.dice_loss(x, t, class_weights=np.array([0.0, 2.0]))  # mean over 2 classes of w_c l_c
    np.testing.assert_allclose(per_class, 1 - 1 / (4 * q / 2 + 1), rtol=1e-12)
    # the whole batch lacks class 3 in LABELS: every loss stays finite, also with smooth=0
    for name, (fn, params, _) in LOSSES.items():
        for smooth in (1.0, 0.0):
            values = fn(SOFT, LABELS, smooth=smooth, apply_softmax=False, grad=True, hess=True, **params)
            assert all(np.all(np.isfinite(v)) for v in values), (name, smooth)


def test_perfect_prediction_focal_tversky_has_zero_derivatives():
    loss, g, h = lk.focal_tversky_loss(ONE_HOT, LABELS, apply_softmax=False, smooth=0.0, grad=True, hess=True)
    assert loss == 0 and np.all(g == 0) and np.all(h == 0)


def test_sample_weight_mean_and_zero_weights():
    s = np.array([2.0, 0.0, 1.0])
    per = lk.dice_loss(LOGITS, LABELS, reduction="none")
    np.testing.assert_allclose(lk.dice_loss(LOGITS, LABELS, sample_weight=s), (s * per).sum() / s.sum(), rtol=1e-14)
    _, g = lk.dice_loss(LOGITS, LABELS, sample_weight=s, grad=True)
    assert np.all(g[1] == 0)
    loss, g = lk.dice_loss(LOGITS, LABELS, sample_weight=np.zeros(3), grad=True)
    assert loss == 0 and np.all(g == 0)


def test_no_spatial_axes_and_empty_batch():
    x = LOGITS[:, :, 0, 0]
    np.testing.assert_allclose(lk.dice_loss(x, LABELS[:, 0, 0], reduction="none"),
                               reference("dice_loss", x, ONE_HOT[:, :, 0, 0], reduction="none"), rtol=1e-12)
    loss, g = lk.dice_loss(np.zeros((0, 3, 2)), np.zeros((0, 2), np.int64), grad=True)
    assert loss == 0 and g.shape == (0, 3, 2)


def test_thread_count_does_not_change_results():
    x = RNG.normal(size=(130, 3, 8))
    y = RNG.integers(0, 3, size=(130, 8))
    before = lk.get_num_threads()
    try:
        lk.set_num_threads(1)
        one = lk.focal_tversky_loss(x, y, grad=True, hess=True)
        lk.set_num_threads(2)
        two = lk.focal_tversky_loss(x, y, grad=True, hess=True)
    finally:
        lk.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


# Images of 1073 pixels: full vectors, a partial one, and more than one chunk of pixels per
# sample (the driver's blocks), in both dtypes.
BIG_LOGITS = RNG.normal(size=(2, 3, 37, 29)) * 2
BIG_LABELS = RNG.integers(0, 3, size=(2, 37, 29))


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_images_match_formula_and_autograd(name, dtype):
    fn, params, _ = LOSSES[name]
    x = BIG_LOGITS.astype(dtype)
    tmap = torch.as_tensor(np.moveaxis(np.eye(3)[BIG_LABELS], -1, 1))
    loss, g = fn(x, BIG_LABELS, grad=True, **params)
    z = torch.tensor(x.astype(np.float64), requires_grad=True)
    ref = reference(name, z, tmap, xp=torch)
    ref.backward()
    rg = z.grad.numpy()
    if dtype == np.float64:
        np.testing.assert_allclose(loss, ref.item(), rtol=1e-12)
        np.testing.assert_allclose(g, rg, rtol=1e-9, atol=1e-12 * np.abs(rg).max())
    else:
        np.testing.assert_allclose(loss, ref.item(), rtol=1e-5)
        np.testing.assert_allclose(g, rg, rtol=1e-3, atol=1e-5 * np.abs(rg).max())


@pytest.mark.parametrize("name", list(LOSSES))
def test_large_image_hessian_matches_differences_of_the_gradient(name):
    fn, params, _ = LOSSES[name]
    _, _, h = fn(BIG_LOGITS, BIG_LABELS, grad=True, hess=True, **params)
    # Pixels in the first vector, the partial last vector, and the second chunk.
    for index in [(0, 0, 0, 0), (1, 2, 36, 28), (1, 1, 36, 20), (0, 2, 30, 3)]:
        step = 1e-5
        def g_at(delta):
            x = BIG_LOGITS.copy()
            x[index] += delta
            return fn(x, BIG_LABELS, grad=True, **params)[1][index]
        numeric = (g_at(step) - g_at(-step)) / (2 * step)
        np.testing.assert_allclose(h[index], numeric, rtol=1e-5, atol=1e-9 * np.abs(h).max())


def test_thread_count_does_not_change_results_of_chunked_images():
    x = RNG.normal(size=(24, 3, 40, 40))  # 3 chunks of pixels per sample: 72 blocks
    y = RNG.integers(0, 3, size=(24, 40, 40))
    before = lk.get_num_threads()
    try:
        results = []
        for threads in (1, 2):
            lk.set_num_threads(threads)
            results.append(lk.dice_loss(x.astype(np.float32), y, grad=True, hess=True)
                           + lk.generalized_dice_loss(x, y, grad=True, hess=True))
    finally:
        lk.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


# --- bad inputs ----------------------------------------------------------------------------------

BAD = [
    (dict(target=np.full((N, H, W), C)), IndexError, "target"),
    (dict(target=np.full((N, H, W), -1)), IndexError, "target"),
    (dict(target=LABELS.astype(float)), TypeError, "target"),
    (dict(target=LABELS[:, :2]), ValueError, "target"),
    (dict(target=ONE_HOT * 2), ValueError, "target"),
    (dict(input=LOGITS[0, 0, 0]), ValueError, "input"),
    (dict(input=SOFT * 2, apply_softmax=False), ValueError, "input"),
    (dict(class_weights=np.ones(C + 1)), ValueError, "class_weights"),
    (dict(class_weights=-np.ones(C)), ValueError, "class_weights"),
    (dict(class_weights=np.full(C, np.inf)), ValueError, "class_weights"),
    (dict(sample_weight=np.ones(N + 1)), ValueError, "sample_weight"),
    (dict(sample_weight=-np.ones(N)), ValueError, "sample_weight"),
    (dict(smooth=-1.0), ValueError, "smooth"),
    (dict(smooth=np.nan), ValueError, "smooth"),
    (dict(alpha=-0.1), ValueError, "alpha"),
    (dict(beta=np.inf), ValueError, "beta"),
    (dict(apply_softmax=1), TypeError, "apply_softmax"),
    (dict(ignore_background="yes"), TypeError, "ignore_background"),
    (dict(reduction="batchmean"), ValueError, "reduction"),
    (dict(grad=1), TypeError, "grad"),
]


@pytest.mark.parametrize("change, error, word", BAD, ids=[f"{w}-{i}" for i, (_, _, w) in enumerate(BAD)])
def test_bad_inputs_name_the_argument(change, error, word):
    kwargs = dict(input=LOGITS, target=LABELS)
    kwargs.update(change)
    with pytest.raises(error, match=word):
        lk.tversky_loss(kwargs.pop("input"), kwargs.pop("target"), **kwargs)


def test_generalized_dice_takes_no_class_weights_and_focal_gamma_is_positive():
    with pytest.raises(TypeError, match="class_weights"):
        lk.generalized_dice_loss(LOGITS, LABELS, class_weights=np.ones(C))
    with pytest.raises(ValueError, match="gamma"):
        lk.focal_tversky_loss(LOGITS, LABELS, gamma=0.0)


# --- Lovász-softmax ----------------------------------------------------------------------------

def lovasz_grad(gt_sorted):
    """Berman et al.'s `lovasz_grad` (lovasz_losses.py), in torch."""
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.cumsum(0)
    union = gts + (1 - gt_sorted).cumsum(0)
    jaccard = 1.0 - intersection / union
    jaccard[1:] = jaccard[1:] - jaccard[:-1].clone()
    return jaccard


def lovasz_reference(x, labels, *, apply_softmax=True, ignore_background=False, class_weights=None,
                     reduction="mean", sample_weight=None):
    """lovasz_softmax(per_image=True, classes='all') of the reference code, with LossKit's
    class weights, background and sample reductions; x a float64 torch tensor (N, C, ...)."""
    p = (torch.sigmoid(x) if x.shape[1] == 1 else torch.softmax(x, 1)) if apply_softmax else x
    n, c = x.shape[:2]
    w = torch.ones(c, dtype=torch.float64) if class_weights is None else torch.as_tensor(class_weights)
    per_sample = []
    for i in range(n):
        probas = p[i].reshape(c, -1)
        lab = torch.as_tensor(labels[i]).reshape(-1)
        losses = []
        for k in range(1 if ignore_background and c > 1 else 0, c):
            fg = (lab == (k if c > 1 else 1)).double()
            errors = (fg - probas[k]).abs()
            errors_sorted, perm = torch.sort(errors, 0, descending=True)
            losses.append(w[k] * torch.dot(errors_sorted, lovasz_grad(fg[perm])))
        per_sample.append(torch.stack(losses).mean())
    per_sample = torch.stack(per_sample)
    s = torch.ones(n, dtype=torch.float64) if sample_weight is None else torch.as_tensor(sample_weight)
    if reduction == "none":
        return s * per_sample
    return (s * per_sample).sum() / (s.sum() if reduction == "mean" else 1)


@pytest.mark.parametrize("apply_softmax", [True, False])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_lovasz_matches_reference_and_autograd(apply_softmax, reduction):
    x = LOGITS if apply_softmax else SOFT
    cw = np.array([0.5, 2.0, 1.0, 3.0])
    s = np.array([1.0, 0.5, 2.0])
    kwargs = dict(apply_softmax=apply_softmax, class_weights=cw, reduction=reduction, sample_weight=s)
    for ignore in (False, True):
        loss, g, h = lk.lovasz_softmax_loss(x, LABELS, ignore_background=ignore, grad=True, hess=True, **kwargs)
        z = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        ref = lovasz_reference(z, LABELS, ignore_background=ignore, **kwargs)
        np.testing.assert_allclose(loss, ref.detach().numpy(), rtol=1e-12)
        f = lambda v: lovasz_reference(v.reshape(x.shape), LABELS, ignore_background=ignore, **kwargs).sum()
        flat = torch.tensor(x, dtype=torch.float64).reshape(-1)
        rg = torch.autograd.functional.jacobian(f, flat).reshape(x.shape).numpy()
        rh = torch.diagonal(torch.autograd.functional.hessian(f, flat)).reshape(x.shape).numpy()
        np.testing.assert_allclose(g, rg, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(h, rh, rtol=1e-10, atol=1e-15)
        if not apply_softmax:
            assert np.all(h == 0)


def test_lovasz_one_class_finite_differences_and_dtypes():
    x = LOGITS[:, :1]
    mask = (LABELS == 1).astype(np.int64)
    loss, g, h = lk.lovasz_softmax_loss(x, mask, reduction="sum", grad=True, hess=True)
    z = torch.tensor(x, dtype=torch.float64)
    np.testing.assert_allclose(loss, lovasz_reference(z, mask, reduction="sum").numpy(), rtol=1e-12)
    for index in [(0, 0, 0, 0), (2, 0, 1, 1)]:
        step = 1e-6
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        fd = (lk.lovasz_softmax_loss(up, mask, reduction="sum") - lk.lovasz_softmax_loss(down, mask, reduction="sum"))
        assert abs(fd / (2 * step) - g[index]) <= 1e-7
        fd_h = (lk.lovasz_softmax_loss(up, mask, reduction="sum", grad=True)[1][index]
                - lk.lovasz_softmax_loss(down, mask, reduction="sum", grad=True)[1][index]) / (2 * step)
        assert abs(fd_h - h[index]) <= 1e-6
    l32, g32 = lk.lovasz_softmax_loss(LOGITS.astype(np.float32), LABELS, grad=True)
    l64, g64 = lk.lovasz_softmax_loss(LOGITS, LABELS, grad=True)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(l32, l64, rtol=1e-5)
    np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-6)


def test_lovasz_absent_class_and_perfect_prediction():
    # a class absent from the sample contributes its largest probability (classes='all')
    p = np.zeros((1, 2, 4))
    p[0, 0] = [1.0, 0.9, 1.0, 1.0]
    p[0, 1] = 1 - p[0, 0]
    t = np.zeros((1, 4), np.int64)
    per_class = lk.lovasz_softmax_loss(p, t, apply_softmax=False, class_weights=np.array([0.0, 2.0]))
    np.testing.assert_allclose(per_class, 0.1, rtol=1e-12)
    loss, g = lk.lovasz_softmax_loss(ONE_HOT, LABELS, apply_softmax=False, grad=True)
    assert loss == 0 and np.all(np.isfinite(g))
    with pytest.raises(TypeError, match="apply_softmax"):
        lk.lovasz_softmax_loss(LOGITS, LABELS, apply_softmax=0)
    with pytest.raises(IndexError, match="target"):
        lk.lovasz_softmax_loss(LOGITS, LABELS + 2)
