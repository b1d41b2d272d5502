"""The one path every elementwise loss takes from Python to `lk_elementwise`."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import _native
from .arrays import (PLAIN, as_input, as_like, as_real, check_flag, new_output, reduction_code, results,
                      sample_weight_for)
from .catalogue import LOSS_IDS, loss_id

WEIGHTING_NORMALIZED = 0
WEIGHTING_RESCALE = 1


def evaluate(name: str, input: Any, target: Any, params: Sequence[tuple[str, Any]] = (),
             reduction: str = "mean", sample_weight: Any = None, grad: bool = False, hess: bool = False,
             weight: Any = None, column: Any = None, column_name: str = "",
             grad_params: bool = False, needs_loss: bool = True) -> Any:
    """Validates and converts the arguments, calls the kernel, and shapes the results.

    Callers pass everything after `params` by keyword. (The parameters are not keyword-only
    because CPython fills a missing keyword-only argument from a dict, a positional one from a
    tuple: 25 ns less on every call, 3% of a plain 32-element call.)

    `weight` (PyTorch's rescaling weight, broadcastable to the input) and `sample_weight`
    (per element or per sample, normalising the mean) are mutually exclusive. `column` is a
    scalar, one value per element of the last axis, or one value per element (the input's shape).

    `grad_params=True` (for losses whose catalogue entry has `parameter_grad`) appends a dict
    to the results: each parameter's name maps to the derivative of the returned loss with
    respect to it (a float; for reduction 'none', of the sum of the returned losses), and
    `column_name` maps to the per-element derivatives with respect to the column values (an
    array of the input's shape; the caller sums those that share a value).

    `needs_loss=False` (with reduction 'mean' or 'sum') asks the kernel for the derivatives
    only: the loss is not computed and None stands in its place in the results.
    """
    if sample_weight is None and weight is None and column is None and grad_params is False and needs_loss:
        # Plain arguments (exact C-contiguous float32/float64 arrays of one shape and dtype, a
        # reduction name, True/False flags, float or int parameters) go straight to the kernel
        # through the shim, which checks them on the buffers it acquires anyway: a small call
        # then costs about a microsecond. Anything else comes back NotImplemented and takes the
        # general path below, the one place of the conversion rules and error messages.
        result = _native.elementwise_plain(LOSS_IDS[name], params, input, target, reduction, grad, hess, PLAIN)
        if result is not NotImplemented:
            return result
    x = as_input(input)
    y = as_like(target, "target", x.dtype)
    if y.shape != x.shape:
        raise ValueError(f"target: expected the input's shape {x.shape}, got {y.shape}")
    code = reduction_code(reduction)
    want_grad = check_flag(grad, "grad")
    want_hess = check_flag(hess, "hess")
    want_params = check_flag(grad_params, "grad_params")
    values = tuple([as_real(v, n) for n, v in params]) if params else ()

    weighting = WEIGHTING_NORMALIZED
    w = None
    if weight is not None and sample_weight is not None:
        raise ValueError("pass either weight (PyTorch's rescaling weight) or sample_weight, not both")
    if sample_weight is not None:
        w = sample_weight_for(sample_weight, x.shape, x.dtype)
    elif weight is not None:
        w = as_like(weight, "weight", x.dtype)
        try:
            w = np.ascontiguousarray(np.broadcast_to(w, x.shape))
        except ValueError:
            raise ValueError(f"weight: shape {w.shape} does not broadcast to the input's {x.shape}") from None
        weighting = WEIGHTING_RESCALE

    c = None
    if column is not None:
        c = as_like(column, column_name, x.dtype)
        last = x.shape[-1] if x.ndim else 1
        # A single value broadcasts (np.ascontiguousarray makes a scalar shape (1,)).
        if c.size != 1 and c.shape != x.shape and (c.ndim > 1 or (c.ndim == 1 and c.shape[0] != last)):
            raise ValueError(f"{column_name}: expected a scalar, shape ({last},) or {x.shape}, got {c.shape}")
        c = c.reshape(-1)

    losses = new_output(x.shape, x.dtype) if code == 0 else None
    g = new_output(x.shape, x.dtype) if want_grad else None
    h = new_output(x.shape, x.dtype) if want_hess else None
    if not want_params:
        value = _native.elementwise(loss_id(name), values, x, y, w, weighting, c, code, losses, g, h,
                                    needs_loss or code == 0)
        return results(losses if code == 0 else value, g, h)
    pg = np.zeros(len(values))
    cg = new_output(x.shape, x.dtype) if c is not None else None
    value = _native.elementwise(loss_id(name), values, x, y, w, weighting, c, code, losses, g, h, pg, cg)
    derivatives: dict[str, Any] = {n: float(d) for (n, _), d in zip(params, pg)}
    if cg is not None:
        derivatives[column_name] = cg
    out = results(losses if code == 0 else value, g, h)
    return (out if isinstance(out, tuple) else (out,)) + (derivatives,)
