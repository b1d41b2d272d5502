"""Sequence losses: connectionist temporal classification (CTC)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._internal import _native
from ._internal.arrays import as_array, as_input, as_int, as_like, check_flag, reduction_code
from ._internal.outputs import new_output

__all__ = ["ctc_loss"]


def _integers(value: Any, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    array = as_array(value, name)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integers, got dtype {array.dtype}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {array.shape}")
    if array.dtype == np.uint64 and array.size and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name}: values must fit in int64")
    return np.ascontiguousarray(array, dtype=np.int64)


def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, *, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False, sample_weight: Any = None,
             grad: bool = False) -> Any:
    """Connectionist temporal classification, as `torch.nn.functional.ctc_loss`.

    `log_probs` (T, N, C) (or (T, C) unbatched) are log-probabilities, e.g. `log_softmax` output;
    `targets` are padded (N, S) or concatenated 1-D (the sum of `target_lengths`) labels in
    [0, C), never `blank` (unbatched: (S,)); `input_lengths` and `target_lengths` (N,) say how
    many frames and labels each sequence uses. The loss of a sequence is -log p(target | input),
    computed in float64 in log space with the forward-backward recursions.

    'mean' divides each loss by its target length (at least 1) then averages over the batch
    (weighted by `sample_weight`, one weight per sequence, if given; 0 for an empty batch);
    'sum' adds; 'none' gives each sequence's loss. An impossible alignment (too few frames for
    the labels and the blanks that repeated labels need) has loss inf and a NaN gradient on its
    frames, as in PyTorch; `zero_infinity=True` makes both 0.

    `grad=True` returns `(loss, grad)`, grad shaped like `log_probs`: the derivative with respect
    to the log-probabilities taken as independent inputs, -γ (the expected label occupancy), 0
    past each input length. PyTorch's backward returns exp(log_probs) - γ instead; that differs
    by exp(log_probs), which `log_softmax`'s backward maps to zero, so the gradient with respect
    to the logits is the same. No Hessian.
    """
    lp = as_input(log_probs, "log_probs")
    code = reduction_code(reduction)
    want_grad = check_flag(grad, "grad")
    zero_inf = check_flag(zero_infinity, "zero_infinity")
    blank_index = as_int(blank, "blank")
    unbatched = lp.ndim == 2
    if lp.ndim not in (2, 3):
        raise ValueError(f"log_probs: expected shape (T, N, C) or (T, C), got {lp.shape}")
    batched = lp[:, None, :] if unbatched else lp
    frames, batch, classes = batched.shape
    t = _integers(targets, "targets")
    if unbatched:
        if t.ndim != 1:
            raise ValueError(f"targets: expected shape (S,) for unbatched log_probs, got {t.shape}")
        t = t[None, :]
    il = _integers(input_lengths, "input_lengths")
    tl = _integers(target_lengths, "target_lengths")
    want = (batch,)
    for name, a in (("input_lengths", il), ("target_lengths", tl)):
        if a.shape != want and not (unbatched and a.shape == ()):
            raise ValueError(f"{name}: expected shape {want}, got {a.shape}")
    il, tl = il.reshape(batch), tl.reshape(batch)
    if t.ndim == 2:
        if t.shape[0] != batch:
            raise ValueError(f"targets: padded targets must have shape (N={batch}, S), got {t.shape}")
        stride = t.shape[1]
        if stride == 0:  # (N, 0): every target is empty, which the concatenated layout says as well
            t = t.reshape(0)
    elif t.ndim == 1:
        stride = 0
    else:
        raise ValueError(f"targets: expected shape (N, S) or a 1-D concatenation, got {t.shape}")
    s = None
    if sample_weight is not None:
        s = as_like(sample_weight, "sample_weight", lp.dtype, want if not unbatched else None).reshape(batch)
    losses = new_output(batch, lp.dtype) if code == 0 else None
    g = new_output(batched.shape, lp.dtype) if want_grad else None
    value = _native.ctc(frames, batch, classes, np.ascontiguousarray(batched), np.ascontiguousarray(t.reshape(-1)),
                        stride, il, tl, blank_index, int(zero_inf), s, code, losses, g)
    loss = (losses.reshape(()) if unbatched else losses) if code == 0 else value
    if not want_grad:
        return loss
    return loss, (g[:, 0, :] if unbatched else g)
