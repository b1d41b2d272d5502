"""Row-wise losses: multiclass (class-index targets), multi-label, divergences and the
predictive entropy. Each function is a few lines over `_rowwise.evaluate`, which calls
`lk_rowwise`; formulas and derivatives are stated in the catalogue (`lk.catalogue()`).

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

from ._arrays import as_array, as_input, check_flag
from ._rowwise import Rows, evaluate, reduction_code

__all__ = ["nll_loss", "softmax_focal_loss", "poly1_cross_entropy", "generalized_cross_entropy",
           "symmetric_cross_entropy", "multi_margin_loss", "multiclass_hinge_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "kl_div",
           "jensen_shannon_divergence", "entropy"]


def _class_index_loss(name: str, input: Any, target: Any, params=(), *, class_weight=None,
                      weight_name: str = "weight", ignore_index: Any, reduction: str,
                      sample_weight: Any, grad: Any, hess: Any) -> Any:
    rows = Rows(input)
    code = reduction_code(reduction)
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
    rule). The input is not checked to be log-probabilities.
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
    term at exactly 0 is inactive.
    """
    return _class_index_loss("multi_margin_loss", input, target, [("p", p), ("margin", margin)],
                             class_weight=weight, ignore_index=ignore_index, reduction=reduction,
                             sample_weight=sample_weight, grad=grad, hess=hess)


def multiclass_hinge_loss(input: Any, target: Any, *, ignore_index: int = -100, reduction: str = "mean",
                          sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Multiclass hinge (Crammer–Singer), as optax's `multiclass_hinge_loss`:
    l = max_k(x_k + 1 - [k = y]) - x_y. Gradient +1 at the first maximising k and -1 at y;
    Hessian 0."""
    return _class_index_loss("multiclass_hinge_loss", input, target, ignore_index=ignore_index,
                             reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)


def multilabel_soft_margin_loss(input: Any, target: Any, *, weight: Any = None, reduction: str = "mean",
                                sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """As `torch.nn.functional.multilabel_soft_margin_loss`: per sample, the mean over the C
    classes of w_c-weighted binary cross-entropy with logits,
    l = Σ_c w_c·[t_c·softplus(-x_c) + (1 - t_c)·softplus(x_c)] / C.

    `input` and `target` are (C,) or (N, C); targets in [0, 1] (soft labels allowed)."""
    rows = Rows(input, max_ndim=2)
    code = reduction_code(reduction)
    return evaluate("multilabel_soft_margin_loss", rows, target_values=rows.values(target),
                    class_weight=rows.class_weight(weight, "weight"), sample_weight=sample_weight,
                    reduction=code, grad=grad, hess=hess)


def multilabel_margin_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
                           grad: bool = False, hess: bool = False) -> Any:
    """As `torch.nn.functional.multilabel_margin_loss`: `target` holds each sample's class
    indices, padded with -1 (entries after the first -1 are ignored), shaped like `input`
    ((C,) or (N, C)); l = Σ_{j∈J} Σ_{k∉J} max(0, 1 - (x_j - x_k)) / C. Hessian 0."""
    rows = Rows(input, max_ndim=2)
    code = reduction_code(reduction)
    t = as_array(target, "target")
    if t.dtype.kind not in "iu":
        raise TypeError(f"target: expected integer class indices padded with -1, got dtype {t.dtype}")
    if t.shape != rows.input.shape:
        raise ValueError(f"target: expected the input's shape {rows.input.shape}, got {t.shape}")
    if t.dtype == np.uint64 and t.size and t.max() > np.iinfo(np.int64).max:
        raise IndexError(f"target: class index {t.max()} is out of range [0, {rows.classes})")
    index = np.ascontiguousarray(t, dtype=np.int64).reshape(-1)
    return evaluate("multilabel_margin_loss", rows, target_index=index, sample_weight=sample_weight,
                    reduction=code, grad=grad, hess=hess)


def kl_div(input: Any, target: Any, *, log_target: bool = False, reduction: str = "mean",
           sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Kullback–Leibler divergence, as `torch.nn.functional.kl_div`: `input` holds log q and each
    element is t·(log t - x) (or e^t·(t - x) with `log_target`); a target of 0 contributes 0.

    Any shape (the same for input and target). Reductions as in PyTorch: 'none' gives the
    elements (input's shape), 'sum' their sum, 'batchmean' the sum over the first axis' size
    (the true KL per sample when rows are distributions), 'mean' the sum over the element
    count (PyTorch warns about 'mean'; LossKit follows it silently). `sample_weight` (shape
    (N,)) weights samples along the first axis. Gradient with respect to `input`: -t (-e^t with
    log_target); Hessian 0. (With respect to the target it would be log t + 1 - x; not
    computed.)
    """
    x = as_input(input)
    code = reduction_code(reduction, ("mean", "batchmean", "sum", "none"))
    flag = float(check_flag(log_target, "log_target"))
    t = as_array(target, "target")
    if t.shape != x.shape:
        raise ValueError(f"target: expected the input's shape {x.shape}, got {t.shape}")
    # PyTorch's kl_div is elementwise; rows are the first axis ('batchmean' divides by its size).
    shape = x.shape
    if x.ndim == 0:
        matrix = x.reshape(1, 1)
    elif x.ndim == 1:
        matrix = x.reshape(-1, 1)
    else:
        matrix = x.reshape(shape[0], math.prod(shape[1:]))
    rows = Rows(matrix)
    values = np.ascontiguousarray(t.reshape(matrix.shape), dtype=x.dtype)
    result = evaluate("kl_div", rows, params=[("log_target", flag)], target_values=values,
                      sample_weight=sample_weight, reduction=code, grad=grad, hess=hess,
                      element_losses=True, shape_losses=lambda a: a.reshape(shape))
    if not grad and not hess:
        return result
    return (result[0],) + tuple(a.reshape(shape) for a in result[1:])


def jensen_shannon_divergence(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
                              grad: bool = False, hess: bool = False) -> Any:
    """Jensen–Shannon divergence between the target distribution t and q = softmax(input):
    JS = ½·KL(t ‖ m) + ½·KL(q ‖ m), m = (t + q)/2, in nats (natural log; 0 <= JS <= log 2).

    `input` holds logits, `target` probabilities of the input's shape (class axis 1; rows are
    expected to sum to 1, which is not checked). Gradient and Hessian diagonal with respect to
    the logits; a -inf logit (q_c = 0) contributes nothing.
    """
    rows = Rows(input)
    code = reduction_code(reduction)
    return evaluate("jensen_shannon_divergence", rows, target_values=rows.values(target),
                    sample_weight=sample_weight, reduction=code, grad=grad, hess=hess)


def entropy(input: Any, *, reduction: str = "none", sample_weight: Any = None, grad: bool = False,
            hess: bool = False) -> Any:
    """The predictive entropy H = -Σ_c q_c·log q_c of q = softmax(input) per sample, in nats: an
    uncertainty score (e.g. for active learning), so `reduction` defaults to 'none' (one value
    per sample, shape (N, d1, ...)); 'mean' and 'sum' reduce as for the losses. No target.
    Gradient -q·(log q + H) and Hessian diagonal with respect to the logits.
    """
    rows = Rows(input)
    code = reduction_code(reduction)
    return evaluate("entropy", rows, sample_weight=sample_weight, reduction=code, grad=grad, hess=hess)
