"""Hybrid losses: a weighted sum of catalogue losses on one prediction, in one call."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ._internal import _native
from ._internal.arrays import as_array, as_input, as_int, as_like, as_real, check_flag, results, sample_weight_for
from ._internal.catalogue import entry
from ._internal.outputs import new_output
from ._internal.rowwise import ROW_REDUCTIONS, Rows

__all__ = ["hybrid_loss"]


def _entry(name: Any) -> dict[str, Any]:
    if not isinstance(name, str):
        raise TypeError(f"parts: expected a loss name, got {type(name).__name__}")
    return entry(name, "parts")


def _parts(parts: Any) -> list[tuple[dict[str, Any], float, tuple[float, ...]]]:
    """(catalogue entry, weight, every parameter in catalogue order) for each part."""
    if isinstance(parts, (str, bytes)) or not isinstance(parts, Sequence) or not parts:
        raise ValueError("parts: expected a non-empty list of (name, weight) or (name, weight, params) tuples")
    out = []
    seen = set()
    for part in parts:
        if not isinstance(part, (tuple, list)) or len(part) not in (2, 3):
            raise ValueError(f"parts: expected (name, weight) or (name, weight, params), got {part!r}")
        entry = _entry(part[0])
        if entry["name"] in seen:
            raise ValueError(f"parts: {entry['name']} appears twice; give each loss once")
        seen.add(entry["name"])
        weight = as_real(part[1], f"weight of {entry['name']}")
        given = dict(part[2]) if len(part) == 3 and part[2] is not None else {}
        specs = entry["parameters"]
        known = {p["name"] for p in specs}
        for key in given:
            if key not in known:
                accepted = ", ".join(sorted(known)) or "none"
                raise ValueError(f"parts: {entry['name']} has no parameter {key!r} (its parameters: {accepted})")
        values = []
        for p in specs:
            if p["name"] not in given:
                values.append(float(p["default"]))
                continue
            v = given[p["name"]]
            values.append(float(check_flag(v, p["name"])) if p["flag"] else as_real(v, p["name"]))
        out.append((entry, weight, tuple(values)))
    return out


def hybrid_loss(input: Any, target: Any, parts: Sequence[tuple[Any, ...]], *,
                reduction: str = "mean", sample_weight: Any = None, ignore_index: int = -100,
                grad: bool = False, hess: bool = False) -> Any:
    """A weighted sum of catalogue losses on one prediction: L = Σ_k w_k·L_k.

    `parts` lists `(name, weight)` or `(name, weight, {parameter: value})`, e.g.
    `[("cross_entropy", 1.0), ("softmax_focal_loss", 0.5, {"gamma": 2.0})]`; each loss at most
    once. Each part L_k is exactly what `losskit.<name>(input, target, ..., reduction=reduction,
    sample_weight=sample_weight)` returns, so each keeps its own reduction rule.

    Returns `(total, parts_dict)`, plus the gradient and then the Hessian diagonal of the total
    with respect to `input` when `grad` / `hess` are true. `parts_dict` maps each name to its
    unweighted L_k. With reduction 'none', `total` and each L_k are the per-element (or per-row)
    losses, the total being Σ_k w_k·(part k's losses).

    The parts must share one input and target convention:
    - elementwise losses (mse_loss, binary_cross_entropy_with_logits, sigmoid_focal_loss, ...)
      on `input` and a float `target` of the same shape; `sample_weight` has the input's shape
      or one weight per sample (shape (N,));
    - cross_entropy and row-wise losses (softmax_focal_loss, nll_loss, kl_div, ...) on scores
      of shape (C,), (N, C) or (N, C, d1, ...), with one target for all: integer class indices
      (cross_entropy and class-index losses), or float values of the input's shape
      (cross_entropy reads them as probabilities; kl_div, jensen_shannon_divergence, ...);
      `sample_weight` has shape (N,). 'batchmean' (Σ s·l / Σ s over rows, kl_div's
      'batchmean', for every part) is accepted when no part is cross_entropy.
    Anything else raises ValueError naming the incompatible parts. Class weights and column
    operands (`weight`, `pos_weight`, `var`) are not available in a hybrid loss.

    The gradient and Hessian are Σ_k w_k times each part's, from each part's own fused kernel
    (one pass per part, and one extra pass per later part to add it in).
    """
    specs = _parts(parts)
    want_grad = check_flag(grad, "grad")
    want_hess = check_flag(hess, "hess")
    ignore = as_int(ignore_index, "ignore_index")
    if not isinstance(reduction, str) or reduction not in ROW_REDUCTIONS:
        raise ValueError(f"reduction: expected 'mean', 'sum', 'none' or 'batchmean', got {reduction!r}")
    code = ROW_REDUCTIONS[reduction]
    ids = tuple(e["id"] for e, _, _ in specs)
    weights = tuple(w for _, w, _ in specs)
    params = tuple(v for _, _, values in specs for v in values)
    n_params = tuple(len(values) for _, _, values in specs)
    names = [e["name"] for e, _, _ in specs]

    if specs[0][0]["kind"] == "elementwise":
        x = as_input(input)
        y = as_like(target, "target", x.dtype)
        if y.shape != x.shape:
            raise ValueError(f"target: expected the input's shape {x.shape}, got {y.shape}")
        rows, classes, w = x.size, 1, None
        if sample_weight is not None:
            w = sample_weight_for(sample_weight, x.shape, x.dtype).reshape(-1)
            if w.size != x.size:
                rows, classes = w.size, (x.size // w.size if w.size else 1)
        matrix, index, values = x.reshape(-1), None, y.reshape(-1)
        n_losses = x.size

        def shape_losses(a: np.ndarray) -> np.ndarray:
            return a.reshape(x.shape)

        def back(a: np.ndarray) -> np.ndarray:
            return a.reshape(x.shape)
    else:
        r = Rows(input)
        rows, classes, matrix = r.rows, r.classes, r.matrix
        w = r.sample_weight(sample_weight)
        index = values = None
        lists = any(e.get("row_target") == "class_indices" for e, _, _ in specs)
        if target is not None:
            t = as_array(target, "target")
            if t.dtype.kind in "iu" and lists and t.shape == r.input.shape:
                index = np.ascontiguousarray(r.to_rows(t[None] if r.unbatched else t), dtype=np.int64).reshape(-1)
            elif t.dtype.kind in "iu":
                index = r.class_index(t)
            else:
                values = r.values(t)
        element_losses = code == 0 and any(e["name"] == "kl_div" for e, _, _ in specs)
        n_losses = rows * classes if element_losses else rows

        def shape_losses(a: np.ndarray) -> np.ndarray:
            return r.back(a.reshape(rows, classes)) if a.size == rows * classes and element_losses else r.per_row(a)

        def back(a: np.ndarray) -> np.ndarray:
            return r.back(a.reshape(rows, classes))

    dtype = matrix.dtype
    losses = new_output(n_losses, dtype) if code == 0 else None
    part_losses = new_output(len(specs) * n_losses, dtype) if code == 0 else None
    g = new_output(rows * classes, dtype) if want_grad else None
    h = new_output(rows * classes, dtype) if want_hess else None
    total, values_out = _native.hybrid(ids, weights, params, n_params, rows, classes, matrix, index, values,
                                       w, ignore, code, losses, part_losses, g, h)
    if code == 0:
        total = shape_losses(losses)
        split = part_losses.reshape(len(specs), n_losses)
        by_name = {n: shape_losses(split[k]) for k, n in enumerate(names)}
    else:
        by_name = dict(zip(names, values_out))
    out = results(total, None if g is None else back(g), None if h is None else back(h))
    return (total, by_name) + (out[1:] if isinstance(out, tuple) else ())
