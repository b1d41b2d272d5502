"""Divergences and entropy: KL and Jensen–Shannon divergences between a row's predicted
distribution and a target distribution, and the predictive entropy of a row of logits.
Natural logarithms (nats). Rows are (C,) or (N, C); the conventions of `losskit.multiclass`
apply (keyword-only options, weighted mean over samples, `sample_weight` of shape (N,),
`grad`/`hess` of the returned loss), with `kl_div`'s PyTorch reductions as stated there.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._internal.arrays import as_array, as_input, check_flag
from ._internal.rowwise import Rows, evaluate, reduction_code

__all__ = ["kl_div", "jensen_shannon_divergence", "entropy"]


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
