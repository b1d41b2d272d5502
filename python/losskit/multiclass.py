"""Multiclass classification: softmax cross-entropy and its relatives on a row of C scores per
sample against one class index (cross-entropy also against class probabilities): NLL, focal,
Poly-1, the noise-robust generalised and symmetric cross-entropies, and the multiclass margin
losses.

Layout: as in PyTorch, scores are (C,), (N, C) or (N, C, d1, ..., dK) with the class axis 1
(axis 0 when unbatched); class-index targets have the input's shape without the class axis.
Shared conventions (see the README): everything after `target` is keyword-only;
`reduction='mean'` is the weighted mean over samples Σ s·l / Σ s (exceptions stated per
function); `sample_weight` has shape (N,) and multiplies each sample's loss and its share of
the denominator; a mean over nothing is 0 with zero derivatives; `grad=True`/`hess=True` add the
gradient / Hessian diagonal of the returned loss with respect to `input`. Class-index losses
accept `ignore_index` (default -100, as PyTorch's `nll_loss`): those samples contribute nothing.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._internal import _native
from ._internal.arrays import (PLAIN, as_array, as_input, as_int, as_like, as_real, check_flag, new_output,
                               reduction_code, results)
from ._internal.rowwise import Rows, evaluate
from ._internal.rowwise import reduction_code as row_reduction_code

__all__ = ["cross_entropy", "nll_loss", "softmax_focal_loss", "poly1_cross_entropy",
           "generalized_cross_entropy", "symmetric_cross_entropy", "multi_margin_loss",
           "multiclass_hinge_loss"]


def cross_entropy(input: Any, target: Any, *, weight: Any = None, ignore_index: int = -100,
                  label_smoothing: float = 0.0, reduction: str = "mean",
                  sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Softmax cross-entropy on logits, as `torch.nn.functional.cross_entropy`.

    `input` holds logits of shape (C,), (N, C) or (N, C, d1, ..., dK): the class axis is axis 1
    (axis 0 when unbatched). `target` is either integer class indices of shape (), (N,) or
    (N, d1, ..., dK), or float class probabilities of the input's shape.

    With class weights w (`weight`, shape (C,)), smoothing ε (`label_smoothing` in [0, 1]) and
    C classes, each sample's target coefficients are
        a_c = (1 - ε)·w_y·[c = y] + ε/C·w_c        (class index y),
        a_c = w_c·((1 - ε)·t_c + ε/C)                (class probabilities t),
    and its loss, gradient and Hessian diagonal with respect to the logits z are
        l = Σ_c a_c·(logsumexp(z) - z_c),   ∂l/∂z = A·p - a,   ∂²l/∂z_c² = A·p_c·(1 - p_c),
    with p = softmax(z) and A = Σ_c a_c. The Hessian is the diagonal of the full Hessian
    A·(diag(p) - p pᵀ).

    Reduction 'mean' divides Σ s·l by Σ s·w_y over samples whose target is not `ignore_index`
    (class indices) or by Σ s (probabilities), where s is `sample_weight` (shape (N,), default
    1); this is PyTorch's rule when s = 1. Samples whose target is `ignore_index` have loss 0
    and zero derivatives. If every target is ignored, 'mean' returns 0.0 with zero gradient
    (PyTorch returns NaN). A class index outside [0, C) that is not `ignore_index` raises
    IndexError. A class with zero coefficient contributes nothing even if its logit is -inf.
    `weight` and `sample_weight` must be finite and >= 0: a negative or NaN one raises
    ValueError naming it (PyTorch accepts negative class weights).

    With probability targets there is no class index to ignore: as PyTorch, an `ignore_index`
    >= 0 raises ValueError (a negative one, such as the default, matches no class and is
    accepted).
    """
    if not (type(ignore_index) is int and ignore_index < 0) and _ignores_a_class_of_probabilities(ignore_index, target):
        raise ValueError(f"ignore_index: not supported with class-probability (float) targets, as in "
                         f"PyTorch; got {ignore_index}. Leave it at -100, or pass class indices")
    if weight is None and sample_weight is None:
        # Plain arguments ((C,) or (N, C) exact C-contiguous float32/float64 logits, int64 class
        # indices or probabilities of the logits' dtype, an int ignore_index, a float or int
        # label_smoothing, a reduction name, True/False flags) go straight to the kernel through
        # the shim (see `_internal.elementwise.evaluate`); anything else takes the general path below.
        result = _native.cross_entropy_plain(input, target, ignore_index, label_smoothing, reduction, grad,
                                             hess, PLAIN)
        if result is not NotImplemented:
            return result
    x = as_input(input)
    if x.ndim == 0:
        raise ValueError("input: expected logits of shape (C,), (N, C) or (N, C, d1, ...), got a scalar")
    code = reduction_code(reduction)
    want_grad = check_flag(grad, "grad")
    want_hess = check_flag(hess, "hess")
    smoothing = as_real(label_smoothing, "label_smoothing")
    ignore = as_int(ignore_index, "ignore_index")

    unbatched = x.ndim == 1
    batched = x[None] if unbatched else x
    classes = batched.shape[1]
    sample_shape = batched.shape[:1] + batched.shape[2:]
    rows = math.prod(sample_shape)
    # The kernel wants (rows, classes): (N, C) already is; (N, C, d...) moves C last.
    logits = batched if batched.ndim == 2 else np.ascontiguousarray(np.moveaxis(batched, 1, -1)).reshape(rows, classes)

    t = as_array(target, "target")
    index = probability = None
    if t.dtype.kind == "f":
        if t.shape != x.shape:
            raise ValueError(f"target: class probabilities must have the input's shape {x.shape}, got "
                             f"{t.shape}; class indices must be an integer array")
        probability = np.moveaxis(t[None] if unbatched else t, 1, -1)
        probability = np.ascontiguousarray(probability, dtype=x.dtype).reshape(rows, classes)
    elif t.dtype.kind in "iu":
        expected = () if unbatched else sample_shape
        if t.shape != expected:
            raise ValueError(f"target: class indices must have shape {expected}, got {t.shape}")
        if t.dtype == np.uint64 and t.size and t.max() > np.iinfo(np.int64).max:
            raise IndexError(f"target: class index {t.max()} is out of range [0, {classes})")
        index = np.ascontiguousarray(t, dtype=np.int64).reshape(rows)
    else:
        raise TypeError(f"target: expected integer class indices or float probabilities, got dtype {t.dtype}")

    class_weight = None if weight is None else as_like(weight, "weight", x.dtype, (classes,))
    row_weight = None
    if sample_weight is not None:
        s = as_like(sample_weight, "sample_weight", x.dtype, sample_shape[:1])
        spread = rows // max(sample_shape[0], 1)
        row_weight = np.ascontiguousarray(np.repeat(s, spread)) if spread != 1 else s

    losses = new_output((rows,), x.dtype) if code == 0 else None
    g = new_output((rows, classes), x.dtype) if want_grad else None
    h = new_output((rows, classes), x.dtype) if want_hess else None
    value = _native.cross_entropy(rows, classes, logits, index, probability, class_weight, row_weight,
                                  ignore, smoothing, code, losses, g, h)

    def back(a: np.ndarray) -> np.ndarray:
        """A (rows, classes) array in the input's layout."""
        if batched.ndim == 2:
            return a[0] if unbatched else a
        return np.moveaxis(a.reshape(sample_shape + (classes,)), -1, 1)

    loss = losses.reshape(()) if (code == 0 and unbatched) else (
        losses.reshape(sample_shape) if code == 0 else value)
    return results(loss, None if g is None else back(g), None if h is None else back(h))


def _ignores_a_class_of_probabilities(ignore_index: Any, target: Any) -> bool:
    """Whether `ignore_index` names a class (>= 0) while `target` holds probabilities (floats),
    which PyTorch refuses. Not called for a negative int (the default), so the fast path keeps
    its speed."""
    return as_int(ignore_index, "ignore_index") >= 0 and as_array(target, "target").dtype.kind == "f"


def _class_index_loss(name: str, input: Any, target: Any, params=(), *, class_weight=None,
                      weight_name: str = "weight", ignore_index: Any, reduction: str,
                      sample_weight: Any, grad: Any, hess: Any) -> Any:
    rows = Rows(input)
    code = row_reduction_code(reduction)
    return evaluate(name, rows, params=params, target_index=rows.class_index(target),
                    class_weight=rows.class_weight(class_weight, weight_name),
                    sample_weight=sample_weight, ignore_index=ignore_index, reduction=code,
                    grad=grad, hess=hess)


def nll_loss(input: Any, target: Any, *, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean", sample_weight: Any = None, grad: bool = False,
             hess: bool = False) -> Any:
    """Negative log-likelihood of log-probabilities, as `torch.nn.functional.nll_loss`.

    l = -w_y·x_y with class weights w (`weight`, shape (C,)); gradient -w_y at class y, Hessian
    0 (exactly). 'mean' divides Σ s·w_y·(-x_y) by Σ s·w_y over samples not ignored (PyTorch's
    rule). The input is not checked to be log-probabilities. Weights must be finite and >= 0: a negative or NaN one raises ValueError naming it
    (PyTorch accepts negative weights).
    """
    return _class_index_loss("nll_loss", input, target, class_weight=weight, ignore_index=ignore_index,
                             reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)


def softmax_focal_loss(input: Any, target: Any, *, gamma: float = 2.0, alpha: Any = None,
                       ignore_index: int = -100, reduction: str = "mean", sample_weight: Any = None,
                       grad: bool = False, hess: bool = False) -> Any:
    """Softmax focal loss on logits (Lin et al., 2017): l = -α_y·(1 - p_y)^γ·log p_y.

    p = softmax(input) along the class axis, γ = `gamma` >= 0, α = `alpha` per-class weights
    (shape (C,), default 1). Computed in log space (log p_y, log(1 - p_y)), so it is exact at
    logits of ±1e4; the gradient and Hessian diagonal are exact (see the catalogue). gamma = 0
    is cross-entropy with class weights α. 'mean' is Σ s·l / Σ s: α weights a sample's loss but
    not the denominator (unlike `cross_entropy`'s `weight`), as in torchvision and Keras.
    `alpha` and `sample_weight` must be finite and >= 0: a negative or NaN one raises ValueError naming it
    (PyTorch accepts negative weights).
    """
    return _class_index_loss("softmax_focal_loss", input, target, [("gamma", gamma)], class_weight=alpha,
                             weight_name="alpha", ignore_index=ignore_index, reduction=reduction,
                             sample_weight=sample_weight, grad=grad, hess=hess)


def poly1_cross_entropy(input: Any, target: Any, *, epsilon: float = 2.0, ignore_index: int = -100,
                        reduction: str = "mean", sample_weight: Any = None, grad: bool = False,
                        hess: bool = False) -> Any:
    """Poly-1 cross-entropy (Leng et al., 2022): l = -log p_y + ε·(1 - p_y), p = softmax(input).

    As optax's `poly_loss_cross_entropy` (same name and default ε = 2.0) with integer class
    targets; ε = 0 is cross-entropy.
    """
    return _class_index_loss("poly1_cross_entropy", input, target, [("epsilon", epsilon)],
                             ignore_index=ignore_index, reduction=reduction,
                             sample_weight=sample_weight, grad=grad, hess=hess)


def generalized_cross_entropy(input: Any, target: Any, *, q: float = 0.7, ignore_index: int = -100,
                              reduction: str = "mean", sample_weight: Any = None,
                              grad: bool = False, hess: bool = False) -> Any:
    """Generalized cross-entropy (Zhang & Sabuncu, 2018): l = (1 - p_y^q)/q, q in (0, 1].

    Takes logits (p = softmax(input)); Keras' `CategoricalGeneralizedCrossEntropy` takes
    probabilities (and clips them). q → 0 tends to cross-entropy, q = 1 is 1 - p_y (MAE).
    Computed as -expm1(q·log p_y)/q, accurate when p_y ≈ 1.
    """
    return _class_index_loss("generalized_cross_entropy", input, target, [("q", q)],
                             ignore_index=ignore_index, reduction=reduction,
                             sample_weight=sample_weight, grad=grad, hess=hess)


def symmetric_cross_entropy(input: Any, target: Any, *, alpha: float = 0.1, beta: float = 1.0,
                            log_zero: float = -4.0, ignore_index: int = -100, reduction: str = "mean",
                            sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Symmetric cross-entropy (Wang et al., 2019): α·CE + β·RCE on logits.

    RCE = -Σ_c p_c·log t_c of the one-hot target t with log 0 clamped to A = `log_zero` (< 0),
    which is -A·(1 - p_y); so l = -α·log p_y - β·A·(1 - p_y).
    """
    return _class_index_loss("symmetric_cross_entropy", input, target,
                             [("alpha", alpha), ("beta", beta), ("log_zero", log_zero)],
                             ignore_index=ignore_index, reduction=reduction,
                             sample_weight=sample_weight, grad=grad, hess=hess)


def multi_margin_loss(input: Any, target: Any, *, p: int = 1, margin: float = 1.0, weight: Any = None,
                      ignore_index: int = -100, reduction: str = "mean", sample_weight: Any = None,
                      grad: bool = False, hess: bool = False) -> Any:
    """Multiclass hinge (Weston–Watkins), as `torch.nn.functional.multi_margin_loss`.

    l = Σ_{c≠y} w_y·max(0, margin - x_y + x_c)^p / C with p = 1 or 2 and class weights w
    (`weight`, multiplying outside the power, as PyTorch's kernel does). 'mean' is over samples
    (not weighted by w). Hessian 0 for p = 1; 2·w_y/C per active term at c and y for p = 2. A
    term at exactly 0 is inactive, as in PyTorch; NaN in a score gives NaN in its row's loss and
    gradient (PyTorch skips the term). Weights must be finite and >= 0: a negative or NaN one raises ValueError naming it
    (PyTorch accepts negative weights).
    """
    return _class_index_loss("multi_margin_loss", input, target, [("p", p), ("margin", margin)],
                             class_weight=weight, ignore_index=ignore_index, reduction=reduction,
                             sample_weight=sample_weight, grad=grad, hess=hess)


def multiclass_hinge_loss(input: Any, target: Any, *, ignore_index: int = -100, reduction: str = "mean",
                          sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Multiclass hinge (Crammer–Singer), as optax's `multiclass_hinge_loss`:
    l = max_k(x_k + 1 - [k = y]) - x_y. Gradient +1 at the maximising k and -1 at y; Hessian 0.
    Where the target's own term x_y ties for the maximum the loss is 0 and so is the gradient
    (the kink is on the flat side; optax's autodiff splits such ties); other ties go to the
    first class. NaN in a score gives NaN in its row's loss and gradient."""
    return _class_index_loss("multiclass_hinge_loss", input, target, ignore_index=ignore_index,
                             reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)
