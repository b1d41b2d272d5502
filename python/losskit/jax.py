"""JAX adapters: every loss of the catalogue as a function of JAX arrays that works under
`jax.jit`, `jax.grad`, `jax.value_and_grad` and `jax.vmap`, computed by liblosskit.so through
XLA's FFI.

    >>> import jax, jax.numpy as jnp, losskit.jax as lj
    >>> loss, g = jax.value_and_grad(lj.huber_loss)(jnp.array([0.5, 3.0]), jnp.zeros(2))
    >>> # loss = 1.3125, g = [0.25, 0.5]

Importing this module imports jax; `import losskit` never does. It needs the FFI handlers
(`losskit/_internal/_jax_ffi`), which the package builds only when jaxlib is installed at
build time: without them the import raises ImportError saying so.

**Names and arguments.** Each function has the name, parameters, defaults and reductions of the
numpy function `losskit.<name>` (its docstring states the formula), without `grad`, `hess`
and `grad_params`: derivatives come from JAX's transformations instead. Arrays are JAX arrays
(or anything `jnp.asarray` takes); options (`reduction`, the loss's parameters such as `delta`,
`ignore_index`, flags) are static Python values, fixed when a function is traced. Reduced
losses are 0-d arrays of the input's dtype, 'none' gives the per-element or per-sample losses
as the numpy function does.

**How a call runs.** The function checks shapes, dtypes, options and parameters in Python (at
trace time, so a bad call raises a TypeError or ValueError naming the argument before anything
runs), lays the arrays out as the C ABI wants them (class axis last, flattened, as the numpy
layer does) with ordinary `jnp` operations, and calls one of seven generic FFI targets, one per
C driver: `losskit_elementwise`, `_cross_entropy`, `_rowwise`, `_embedding`, `_overlap`,
`_ctc`, `_ntxent`. The loss's catalogue id, parameters and options travel as attributes; the
element type is the input buffer's. Errors the library finds in the data at run time (a label
outside its domain, a class index out of range) become an XLA runtime error carrying LossKit's
message (`losskit: LK_ERR_...: ...`); the process is never aborted.

**Gradients.** The FFI call sits inside a `jax.custom_vjp`. Without differentiation it asks for
the loss alone; under `jax.grad` (or `vjp`, `value_and_grad`) the forward pass asks the same
native call for the loss and its fused gradient, keeps the gradient as the residual, and the
backward pass only multiplies it by the cotangent (per element, per row or per sample for
'none'). There is no second pass over the data. Gradients flow to the prediction arguments:
`input` (logits, scores, log-probabilities), `input1`/`input2`, `anchor`/`positive`/`negative`,
`embeddings`, `log_probs`, and `gaussian_nll_loss`'s `var` (from the same native call, summed
back to var's shape). The target of a loss of the residual x - y alone (mse, l1, huber,
smooth_l1, log_cosh, pseudo_huber, fair, quantile, expectile, epsilon_insensitive,
adaptive_robust, gaussian_nll) is differentiable too, its gradient the negated input gradient,
as optax and PyTorch differentiate targets. Other targets, labels, lengths and weights
(`weight`, `sample_weight`, `pos_weight`, class weights) are constants, as under
`jax.lax.stop_gradient`: their cotangent is zero (LossKit computes no derivative for them).
Loss parameters are static floats and not differentiated (for `adaptive_robust_loss`'s alpha
and scale, the numpy API's `grad_params=True` gives their derivatives). Only reverse
mode and first derivatives: forward mode (`jax.jvp`, `jacfwd`) raises JAX's TypeError about
custom_vjp functions, differentiating a gradient again (`jax.hessian`) its ValueError that the
FFI call cannot be differentiated; LossKit's Hessian diagonal is available from the numpy
functions with `hess=True`.

**vmap.** The FFI targets are batched with `vmap_method="sequential"`: `jax.vmap` runs the
native call once per batch element in a loop, which is exactly the loss of each element's
slice (per-example means stay per-example). For a batch of per-element losses it is faster to
call the function on the whole batch with `reduction='none'`.

**dtypes.** float32 and float64 inputs are computed natively (float64 needs
`jax.config.update("jax_enable_x64", True)`); float16 and bfloat16 are computed in float32 and
the results cast back to the input's dtype. Integer and boolean inputs raise TypeError (JAX
does not differentiate them). Float targets and weights are cast to the input's dtype; class
indices, labels and lengths must be integer arrays (int32 without x64 is fine: the handler
widens it).

**What is not supported.** `hybrid_loss` (the combinator) raises NotImplementedError: compose
`losskit.jax` losses by adding them, which JAX differentiates. `ntxent_loss` with
`reduction='none'` gives per-anchor losses that each depend on every embedding, and LossKit
computes only the gradient of their sum: differentiating it raises NotImplementedError (use
'sum' or 'mean').
"""
from __future__ import annotations

import inspect
import math
import numbers
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np

try:
    from ._internal import _jax_ffi
except ImportError as error:  # pragma: no cover - depends on how the package was built
    raise ImportError(
        "losskit.jax needs LossKit's XLA FFI handlers (losskit/_internal/_jax_ffi), which are built only "
        "when jax is installed while losskit is built. Install jax (`pip install jax`), then reinstall "
        "losskit from source with it visible: `pip install --no-build-isolation --force-reinstall losskit` "
        "(or `pip install --no-build-isolation .` in a checkout), without LOSSKIT_JAX=0.") from error

import jax
import jax.numpy as jnp

import losskit
from ._internal.arrays import check_flag
from ._internal.catalogue import entries, entry

_DRIVERS = ("elementwise", "cross_entropy", "rowwise", "embedding", "overlap", "ctc", "ntxent")
for _driver in _DRIVERS:
    jax.ffi.register_ffi_target(f"losskit_{_driver}", getattr(_jax_ffi, _driver), platform="cpu")
del _driver

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2, "batchmean": 3}


# ---------------------------------------------------------------------------------------------
# The differentiable FFI call
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Call:
    """One FFI call, everything static about it (hashable, so it can be a nondiff argument).

    `operands` of the call are `diff` (differentiable) and `rest` (constants) merged by
    `diff_positions`, the argument positions of the `diff` operands. `loss_shape` is result
    0's shape; `expand[k]` lists the axes of diff operand k's gradient the loss's axes do not
    cover, which the cotangent is broadcast along ('none' reductions). `negates[k]` is None
    when the call returns operand k's gradient (results 1.. in operand order), or the index m
    of the operand whose gradient, negated, is k's (the target of a loss of x - y)."""
    driver: str
    attrs: tuple[tuple[str, Any], ...]
    loss_shape: tuple[int, ...]
    diff_positions: tuple[int, ...]
    expand: tuple[tuple[int, ...], ...]
    differentiable: bool = True
    negates: tuple[int | None, ...] = (None,)

    def operands(self, diff: tuple[jax.Array, ...], rest: tuple[jax.Array, ...]) -> list[jax.Array]:
        merged, d, r = [], iter(diff), iter(rest)
        for k in range(len(diff) + len(rest)):
            merged.append(next(d) if k in self.diff_positions else next(r))
        return merged


def _attribute(value: Any) -> Any:
    """A static option as the numpy scalar or array the FFI attribute encoder wants."""
    if isinstance(value, tuple):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, float):
        return np.float64(value)
    return np.int64(value)


def _run(call: _Call, diff: tuple[jax.Array, ...], rest: tuple[jax.Array, ...], with_grad: bool) -> tuple:
    """The loss, and with `with_grad` the gradient of every diff operand, in operand order."""
    dtype = diff[0].dtype
    results = [jax.ShapeDtypeStruct(call.loss_shape, dtype)]
    if with_grad:
        results += [jax.ShapeDtypeStruct(d.shape, d.dtype) for d, m in zip(diff, call.negates) if m is None]
    attrs = {name: _attribute(value) for name, value in call.attrs}
    function = jax.ffi.ffi_call(f"losskit_{call.driver}", results, vmap_method="sequential")
    loss, *returned = function(*call.operands(diff, rest), **attrs)
    if not with_grad:
        return (loss,)
    computed = iter(returned)
    grads = [next(computed) if m is None else None for m in call.negates]
    return (loss, *(g if m is None else -grads[m] for g, m in zip(grads, call.negates)))


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _fused(call: _Call, diff: tuple[jax.Array, ...], rest: tuple[jax.Array, ...]) -> jax.Array:
    return _run(call, diff, rest, with_grad=False)[0]


def _fused_fwd(call: _Call, diff, rest):
    if not call.differentiable:
        raise NotImplementedError(
            "ntxent_loss with reduction='none': each anchor's loss depends on every embedding and LossKit "
            "computes only the gradient of their sum; differentiate reduction='sum' or 'mean' instead")
    loss, *grads = _run(call, diff, rest, with_grad=True)
    return loss, tuple(grads)


def _fused_bwd(call: _Call, grads, cotangent):
    scaled = tuple(jnp.expand_dims(cotangent, axes) * g if axes else cotangent * g
                   for g, axes in zip(grads, call.expand))
    return scaled, None


_fused.defvjp(_fused_fwd, _fused_bwd)


# ---------------------------------------------------------------------------------------------
# Argument checks (at trace time)
# ---------------------------------------------------------------------------------------------

def _array(value: Any, name: str) -> jax.Array:
    if value is None:
        raise TypeError(f"{name}: expected an array, got None")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected an array, got {type(value).__name__}")
    try:
        return jnp.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: cannot be converted to a JAX array ({exc})") from None


def _input(value: Any, name: str = "input") -> tuple[jax.Array, Any]:
    """A prediction as float32/float64 (half precision widened), and the dtype to return."""
    x = _array(value, name)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(f"{name}: expected a floating-point array (float16, bfloat16, float32 or float64), "
                        f"got dtype {x.dtype}")
    if x.dtype in (jnp.float32, jnp.float64):
        return x, x.dtype
    return x.astype(jnp.float32), x.dtype


def _like(value: Any, name: str, x: jax.Array, shape: tuple[int, ...] | None = None,
          differentiable: bool = False) -> jax.Array:
    """A float companion array (target, weight) in the input's dtype, of `shape` if given;
    a constant for differentiation unless `differentiable`."""
    a = _array(value, name)
    if not (jnp.issubdtype(a.dtype, jnp.floating) or jnp.issubdtype(a.dtype, jnp.integer) or a.dtype == jnp.bool_):
        raise TypeError(f"{name}: expected a real numeric array, got dtype {a.dtype}")
    if shape is not None and a.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {a.shape}")
    a = a.astype(x.dtype)
    return a if differentiable else jax.lax.stop_gradient(a)


def _indices(value: Any, name: str, shape: tuple[int, ...] | None = None) -> jax.Array:
    """Integer indices (class indices, labels, lengths) as int32 or int64."""
    a = _array(value, name)
    if not jnp.issubdtype(a.dtype, jnp.integer):
        raise TypeError(f"{name}: expected integers, got dtype {a.dtype}")
    if shape is not None and a.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {a.shape}")
    if a.dtype not in (jnp.int32, jnp.int64):
        a = a.astype(jnp.int64 if jax.config.jax_enable_x64 else jnp.int32)
    return a


def _reduction(reduction: Any, allowed: tuple[str, ...] = ("mean", "sum", "none")) -> int:
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"reduction: expected one of {', '.join(map(repr, allowed))}, got {reduction!r}")
    return _REDUCTIONS[reduction]


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    return int(value)


def _parameters(spec: dict[str, Any], arguments: dict[str, Any]) -> tuple[float, ...]:
    """The loss's catalogue parameters from the call's arguments, checked against the
    catalogue's ranges here so that a bad one raises ValueError at trace time."""
    values = []
    for p in spec["parameters"]:
        name, value = p["name"], arguments[p["name"]]
        if spec["name"] == "sigmoid_focal_loss" and name == "alpha" and value is None:
            value = -1.0  # optax's alpha=None: no class weighting (the library's negative alpha)
        if p["flag"]:
            values.append(float(check_flag(value, name)))
            continue
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
            if isinstance(value, jax.Array):
                raise TypeError(f"{name}: expected a Python number (a static parameter), got a JAX array; "
                                "loss parameters are not traced")
            raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
        v = float(value)
        lower, upper = p["lower"], p["upper"]
        below = lower is not None and (v < lower or (v == lower and not p["lower_inclusive"]))
        above = upper is not None and (v > upper or (v == upper and not p["upper_inclusive"]))
        infinite = math.isinf(v) and not ((v < 0 and lower is None and p["lower_inclusive"]) or
                                          (v > 0 and upper is None and p["upper_inclusive"]))
        negative_alpha = spec["name"] == "sigmoid_focal_loss" and name == "alpha" and v < 0
        if math.isnan(v) or infinite or ((below or above) and not negative_alpha):
            low = "-inf" if lower is None else f"{lower:g}"
            high = "inf" if upper is None else f"{upper:g}"
            left = "[" if p["lower_inclusive"] else "("
            right = "]" if p["upper_inclusive"] else ")"
            raise ValueError(f"{name}: expected a value in {left}{low}, {high}{right}, got {value!r}")
        values.append(v)
    return tuple(values)


def _present(*arrays: Any) -> int:
    """The `present` attribute: bit k set when optional argument k is given."""
    return sum(1 << k for k, a in enumerate(arrays) if a is not None)


def _empty(dtype: Any) -> jax.Array:
    return jnp.zeros((0,), dtype)


def _result(loss: jax.Array, dtype: Any, shape: tuple[int, ...] | None = None) -> jax.Array:
    loss = loss if shape is None else loss.reshape(shape)
    return loss if loss.dtype == dtype else loss.astype(dtype)


# ---------------------------------------------------------------------------------------------
# One function per driver: arguments in the numpy function's names → FFI call
# ---------------------------------------------------------------------------------------------

# Losses of the residual x - y alone, whose target gradient is the negated input gradient: the
# target is differentiable for them, as in optax and PyTorch (mse, l1, huber, smooth_l1, and
# Gaussian NLL in PyTorch; squared error, Huber and log-cosh in optax).
_DIFFERENCE_LOSSES = frozenset({"mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "log_cosh_loss",
                                "pseudo_huber_loss", "fair_loss", "quantile_loss", "expectile_loss",
                                "epsilon_insensitive_loss", "adaptive_robust_loss", "gaussian_nll_loss"})

# mse_loss and l1_loss take PyTorch's `weight` with the normalising mean Σ w·l / Σ w (the rule
# of `sample_weight`); the other losses with a `weight` rescale each element's loss and keep
# the element count as the mean's denominator (see `losskit.regression`).
_NORMALIZING_WEIGHT = frozenset({"mse_loss", "l1_loss"})


def _sample_weight(value: Any, x: jax.Array) -> jax.Array | None:
    """An elementwise loss's `sample_weight`: one per element or one per sample (axis 0)."""
    if value is None:
        return None
    w = _like(value, "sample_weight", x)
    if w.shape != x.shape and not (x.ndim >= 1 and w.shape == x.shape[:1]):
        per_sample = f" or {x.shape[:1]}" if x.ndim >= 1 else ""
        raise ValueError(f"sample_weight: expected shape {x.shape}{per_sample}, got {w.shape}")
    return w.reshape(-1)


def _broadcast(a: jax.Array, shape: tuple[int, ...], name: str) -> jax.Array:
    try:
        return jnp.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"{name}: shape {a.shape} does not broadcast to the input's {shape}") from None


def _column(spec: dict[str, Any], arguments: dict[str, Any], x: jax.Array) -> jax.Array | None:
    """The per-column operand (`pos_weight`, `var`) with one value per element of the input."""
    name = spec["column_parameter"]
    if name is None or arguments.get(name) is None:
        return None
    c = _like(arguments[name], name, x, differentiable=spec["parameter_grad"])
    if name == "var":
        c = _variance(c, x.shape)
    elif c.size != 1 and c.shape != x.shape and c.shape != x.shape[-1:]:
        last = x.shape[-1] if x.ndim else 1
        raise ValueError(f"{name}: expected a scalar, shape ({last},) or {x.shape}, got {c.shape}")
    return _broadcast(c, x.shape, name).reshape(-1)


def _variance(v: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """`var` of one of PyTorch's shapes (scalar, the input's, the input's without its last axis,
    the input's with one axis of size 1), as an array that broadcasts to the input's shape."""
    if v.ndim == 0 or v.shape == shape:
        return v
    if v.shape == shape[:-1]:
        return v[..., None]
    differing = [k for k in range(len(shape)) if v.ndim == len(shape) and v.shape[k] != shape[k]]
    if len(differing) == 1 and v.shape[differing[0]] == 1:
        return v
    raise ValueError(f"var: expected a scalar, the input's shape {shape}, {shape[:-1]}, or {shape} with one axis "
                     f"of size 1; got {v.shape}")


def _elementwise(spec: dict[str, Any], arguments: dict[str, Any]) -> jax.Array:
    x, out_dtype = _input(arguments["input"])
    params = _parameters(spec, arguments)
    code = _reduction(arguments["reduction"])
    difference = spec["name"] in _DIFFERENCE_LOSSES
    t = _array(arguments["target"], "target")
    if spec["name"] == "gaussian_nll_loss" and t.shape != x.shape:
        t = _broadcast(t, x.shape, "target")
    y = _like(t, "target", x, x.shape, differentiable=difference)
    weight, sample_weight = arguments.get("weight"), arguments.get("sample_weight")
    if weight is not None and sample_weight is not None:
        raise ValueError("pass either weight (PyTorch's) or sample_weight, not both")
    weighting, w = 0, _sample_weight(sample_weight, x)
    if weight is not None:
        w = _broadcast(_like(weight, "weight", x), x.shape, "weight").reshape(-1)
        weighting = 0 if spec["name"] in _NORMALIZING_WEIGHT else 1
    c = _column(spec, arguments, x)
    # A column the library differentiates (Gaussian NLL's var) is a differentiable operand;
    # broadcasting it to one value per element makes JAX sum its gradient back to var's shape.
    differentiable_column = c is not None and spec["parameter_grad"]
    attrs = (("loss", spec["id"]), ("params", params), ("reduction", code), ("weighting", weighting),
             ("present", _present(None, None, w, c)))
    # The operands by argument position: input 0, target 1, weight 2, column 3.
    operands = {0: x.reshape(-1), 1: y.reshape(-1), 2: _empty(x.dtype) if w is None else w,
                3: _empty(x.dtype) if c is None else c}
    positions = (0,) + ((1,) if difference else ()) + ((3,) if differentiable_column else ())
    negates = tuple(0 if k == 1 else None for k in positions)
    call = _Call("elementwise", attrs, (x.size,) if code == 0 else (), positions, ((),) * len(positions),
                 negates=negates)
    loss = _fused(call, tuple(operands[k] for k in positions), tuple(operands[k] for k in range(4) if k not in positions))
    return _result(loss, out_dtype, x.shape if code == 0 else None)


class _Rows:
    """Scores in PyTorch's class-axis-1 layout as (rows, classes): (C,) is one unbatched row,
    (N, C) N rows, (N, C, d1, ...) moves the class axis last (as `_internal.rowwise.Rows`)."""

    def __init__(self, x: jax.Array, max_ndim: int | None = None) -> None:
        if x.ndim < 1 or (max_ndim is not None and x.ndim > max_ndim):
            shapes = "(C,) or (N, C)" if max_ndim == 2 else "(C,), (N, C) or (N, C, d1, ...)"
            raise ValueError(f"input: expected scores of shape {shapes}, got shape {x.shape}")
        self.shape = x.shape
        self.unbatched = x.ndim == 1
        batched = x[None] if self.unbatched else x
        self.classes = batched.shape[1]
        self.sample_shape = batched.shape[:1] + batched.shape[2:]
        self.rows = math.prod(self.sample_shape)
        self.matrix = self.to_rows(batched)

    def to_rows(self, a: jax.Array) -> jax.Array:
        if a.ndim > 2:
            a = jnp.moveaxis(a, 1, -1)
        return a.reshape(self.rows, self.classes)

    def values(self, a: jax.Array) -> jax.Array:
        """A float target of the input's shape as (rows, classes)."""
        return self.to_rows(a[None] if self.unbatched else a)

    def class_index(self, target: Any) -> jax.Array:
        return _indices(target, "target", () if self.unbatched else self.sample_shape).reshape(self.rows)

    def sample_weight(self, value: Any, x: jax.Array) -> jax.Array | None:
        if value is None:
            return None
        s = _like(value, "sample_weight", x, () if self.unbatched else self.sample_shape[:1]).reshape(-1)
        spread = self.rows // max(self.sample_shape[0], 1)
        return jnp.repeat(s, spread) if spread != 1 else s

    def per_row(self, losses: jax.Array) -> jax.Array:
        return losses.reshape(() if self.unbatched else self.sample_shape)

    def back(self, a: jax.Array) -> jax.Array:
        """(rows, classes) values in the input's layout."""
        if self.unbatched:
            return a[0]
        if len(self.shape) == 2:
            return a
        return jnp.moveaxis(a.reshape(self.sample_shape + (self.classes,)), -1, 1)


def _class_weight(spec: dict[str, Any], arguments: dict[str, Any], x: jax.Array, classes: int) -> jax.Array | None:
    name = spec["class_weight"] or "weight"
    value = arguments.get(name)
    return None if value is None else _like(value, name, x, (classes,))


def _row_call(driver: str, spec: dict[str, Any], attrs: tuple, rows: _Rows, code: int, target: jax.Array | None,
              class_weight: jax.Array | None, sample_weight: jax.Array | None, element_losses: bool = False) -> jax.Array:
    x = rows.matrix
    loss_shape = ((rows.rows, rows.classes) if element_losses else (rows.rows,)) if code == 0 else ()
    call = _Call(driver, attrs + (("reduction", code), ("present", _present(None, target, class_weight, sample_weight))),
                 loss_shape, (0,), ((1,) if code == 0 and not element_losses else (),))
    rest = (_empty(x.dtype) if target is None else target,
            _empty(x.dtype) if class_weight is None else class_weight,
            _empty(x.dtype) if sample_weight is None else sample_weight)
    return _fused(call, (x,), rest)


def _cross_entropy(spec: dict[str, Any], arguments: dict[str, Any]) -> jax.Array:
    x, out_dtype = _input(arguments["input"])
    if x.ndim == 0:
        raise ValueError("input: expected logits of shape (C,), (N, C) or (N, C, d1, ...), got a scalar")
    rows = _Rows(x)
    code = _reduction(arguments["reduction"])
    (smoothing,) = _parameters(spec, arguments)
    ignore = _int(arguments["ignore_index"], "ignore_index")
    t = _array(arguments["target"], "target")
    if jnp.issubdtype(t.dtype, jnp.floating):
        if t.shape != x.shape:
            raise ValueError(f"target: class probabilities must have the input's shape {x.shape}, got {t.shape}; "
                             "class indices must be an integer array")
        if ignore >= 0:
            raise ValueError(f"ignore_index: not supported with class-probability (float) targets, as in PyTorch; "
                             f"got {ignore}. Leave it at -100, or pass class indices")
        target = rows.values(_like(t, "target", x))
    elif jnp.issubdtype(t.dtype, jnp.integer):
        target = rows.class_index(t)
    else:
        raise TypeError(f"target: expected integer class indices or float probabilities, got dtype {t.dtype}")
    loss = _row_call("cross_entropy", spec, (("ignore_index", ignore), ("label_smoothing", smoothing)), rows, code,
                     target, _class_weight(spec, arguments, x, rows.classes), rows.sample_weight(arguments["sample_weight"], x))
    return _result(rows.per_row(loss) if code == 0 else loss, out_dtype)


def _rowwise(spec: dict[str, Any], arguments: dict[str, Any]) -> jax.Array:
    x, out_dtype = _input(arguments["input"])
    name, kind = spec["name"], spec["row_target"]
    allowed = ("mean", "batchmean", "sum", "none") if name == "kl_div" else ("mean", "sum", "none")
    code = _reduction(arguments["reduction"], allowed)
    params = _parameters(spec, arguments)
    shape = x.shape
    if name == "kl_div":  # PyTorch's kl_div is elementwise; rows are the first axis
        x = x.reshape(1, 1) if x.ndim == 0 else x.reshape(-1, 1) if x.ndim == 1 else x.reshape(shape[0], -1)
    rows = _Rows(x, max_ndim=2 if name.startswith("multilabel") else None)
    target = None
    if kind == "class_index":
        target = rows.class_index(arguments["target"])
    elif kind == "class_indices":
        target = _indices(arguments["target"], "target", rows.shape).reshape(-1)
    elif kind == "values":
        t = _array(arguments["target"], "target")
        if t.shape != shape:
            raise ValueError(f"target: expected the input's shape {shape}, got {t.shape}")
        target = rows.values(_like(t.reshape(x.shape), "target", x))
    ignore = _int(arguments.get("ignore_index", -100), "ignore_index")
    loss = _row_call("rowwise", spec, (("loss", spec["id"]), ("params", params), ("ignore_index", ignore)), rows, code,
                     target, _class_weight(spec, arguments, x, rows.classes) if spec["class_weight"] else None,
                     rows.sample_weight(arguments["sample_weight"], x), element_losses=name == "kl_div")
    if code == 0:
        loss = loss.reshape(shape) if name == "kl_div" else rows.per_row(loss)
    return _result(loss, out_dtype)


# The prediction arguments of each embedding loss, in lk_embedding's input1..3 order.
_EMBEDDING_INPUTS = {"hinge_embedding_loss": ("input",), "triplet_margin_loss": ("anchor", "positive", "negative")}


def _embedding(spec: dict[str, Any], arguments: dict[str, Any]) -> Any:
    names = _EMBEDDING_INPUTS.get(spec["name"], ("input1", "input2"))
    first, out_dtype = _input(arguments[names[0]], names[0])
    inputs = [first]
    for name in names[1:]:
        a, _ = _input(arguments[name], name)
        if a.shape != first.shape:
            raise ValueError(f"{name}: expected shape {first.shape} (as {names[0]}), got {a.shape}")
        inputs.append(a.astype(first.dtype))
    code = _reduction(arguments["reduction"])
    params = _parameters(spec, arguments)
    flags = int(check_flag(arguments["swap"], "swap")) if "swap" in arguments else 0
    if spec["name"] in ("margin_ranking_loss", "hinge_embedding_loss"):  # elementwise scores
        rows_shape, dim = first.shape, 1
    elif first.ndim in (1, 2):
        rows_shape, dim = first.shape[:-1], first.shape[-1]
    else:
        raise ValueError(f"{names[0]}: expected shape (N, D) or (D,), got {first.shape}")
    n = math.prod(rows_shape)
    target = None
    if "target" in arguments:
        target = _like(arguments["target"], "target", first, rows_shape).reshape(n)
    s = arguments["sample_weight"]
    s = None if s is None else _like(s, "sample_weight", first, rows_shape).reshape(n)
    diff = tuple(a.reshape(n, dim) for a in inputs)
    count = len(diff)
    present = _present(*diff, *(None,) * (3 - count), target, s)
    call = _Call("embedding", (("loss", spec["id"]), ("params", params), ("flags", flags), ("reduction", code),
                               ("present", present)),
                 (n,) if code == 0 else (), tuple(range(count)), ((1,) if code == 0 else (),) * count,
                 negates=(None,) * count)
    filler = _empty(first.dtype)
    rest = (filler,) * (3 - count) + (filler if target is None else target, filler if s is None else s)
    loss = _fused(call, diff, rest)
    return _result(loss, out_dtype, rows_shape if code == 0 else None)


def _overlap(spec: dict[str, Any], arguments: dict[str, Any]) -> jax.Array:
    x, out_dtype = _input(arguments["input"])
    params = _parameters(spec, arguments)
    code = _reduction(arguments["reduction"])
    if x.ndim < 2:
        raise ValueError(f"input: expected scores of shape (N, C, d1, ...), got shape {x.shape}")
    batch, classes = x.shape[:2]
    spatial = math.prod(x.shape[2:])
    if classes == 0 and batch * spatial > 0:
        raise ValueError(f"input: expected at least one class on axis 1, got shape {x.shape}")
    t = _array(arguments["target"], "target")
    if t.ndim == x.ndim - 1:
        target = _indices(t, "target", x.shape[:1] + x.shape[2:]).reshape(batch, spatial)
    elif t.shape == x.shape:
        target = _like(t, "target", x).reshape(batch, classes, spatial)
    else:
        raise ValueError(f"target: expected a class map of shape {x.shape[:1] + x.shape[2:]} or a target map of the "
                         f"input's shape {x.shape}, got shape {t.shape}")
    w = _class_weight(spec, arguments, x, classes) if spec["class_weight"] else None
    s = arguments["sample_weight"]
    s = None if s is None else _like(s, "sample_weight", x, (batch,))
    call = _Call("overlap", (("loss", spec["id"]), ("params", params), ("reduction", code),
                             ("present", _present(None, target, w, s))),
                 (batch,) if code == 0 else (), (0,), ((1, 2) if code == 0 else (),))
    filler = _empty(x.dtype)
    loss = _fused(call, (x.reshape(batch, classes, spatial),), (target, filler if w is None else w, filler if s is None else s))
    return _result(loss, out_dtype)


def _ctc(spec: dict[str, Any], arguments: dict[str, Any]) -> jax.Array:
    lp, out_dtype = _input(arguments["log_probs"], "log_probs")
    code = _reduction(arguments["reduction"])
    blank = _int(arguments["blank"], "blank")
    zero_infinity = check_flag(arguments["zero_infinity"], "zero_infinity")
    if lp.ndim not in (2, 3):
        raise ValueError(f"log_probs: expected shape (T, N, C) or (T, C), got {lp.shape}")
    unbatched = lp.ndim == 2
    batched = lp[:, None, :] if unbatched else lp
    frames, batch, classes = batched.shape
    t = _indices(arguments["targets"], "targets")
    if unbatched:
        if t.ndim != 1:
            raise ValueError(f"targets: expected shape (S,) for unbatched log_probs, got {t.shape}")
        t = t[None, :]
    lengths = []
    for name in ("input_lengths", "target_lengths"):
        a = _indices(arguments[name], name)
        if a.shape != (batch,) and not (unbatched and a.shape == ()):
            raise ValueError(f"{name}: expected shape {(batch,)}, got {a.shape}")
        lengths.append(a.reshape(batch))
    if t.ndim == 2:
        if t.shape[0] != batch:
            raise ValueError(f"targets: padded targets must have shape (N={batch}, S), got {t.shape}")
        stride = t.shape[1]
    elif t.ndim == 1:
        stride = 0
    else:
        raise ValueError(f"targets: expected shape (N, S) or a 1-D concatenation, got {t.shape}")
    s = arguments["sample_weight"]
    s = None if s is None else _like(s, "sample_weight", lp, (batch,) if not unbatched else None).reshape(batch)
    call = _Call("ctc", (("blank", blank), ("zero_infinity", int(zero_infinity)), ("target_stride", stride),
                         ("reduction", code), ("present", _present(None, None, None, None, s))),
                 (batch,) if code == 0 else (), (0,), ((0, 2) if code == 0 else (),))
    loss = _fused(call, (batched,), (t.reshape(-1), lengths[0], lengths[1], _empty(lp.dtype) if s is None else s))
    return _result(loss, out_dtype, (() if unbatched else (batch,)) if code == 0 else None)


def _ntxent(spec: dict[str, Any], arguments: dict[str, Any]) -> jax.Array:
    e, out_dtype = _input(arguments["embeddings"], "embeddings")
    if e.ndim != 2:
        raise ValueError(f"embeddings: expected shape (N, D), got {e.shape}")
    labels = _indices(arguments["labels"], "labels", e.shape[:1])
    (temperature,) = _parameters(spec, arguments)
    code = _reduction(arguments["reduction"])
    call = _Call("ntxent", (("temperature", temperature), ("reduction", code)), (e.shape[0],) if code == 0 else (),
                 (0,), ((),), differentiable=code != 0)
    return _result(_fused(call, (e,), (labels,)), out_dtype)


_BY_KIND: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "elementwise": _elementwise, "cross_entropy": _cross_entropy, "rowwise": _rowwise, "embedding": _embedding,
    "overlap": _overlap, "sequence": _ctc, "similarity_matrix": _ntxent,
}


# ---------------------------------------------------------------------------------------------
# The public functions, one per catalogue loss
# ---------------------------------------------------------------------------------------------

_DERIVATIVE_OPTIONS = ("grad", "hess", "grad_params")


def _define(name: str) -> Callable[..., Any]:
    """The JAX function of the catalogue loss `name`: the numpy function's signature without its
    derivative options, evaluated by the driver of the loss's catalogue kind."""
    spec = entry(name)
    numpy_function = getattr(losskit, name)
    signature = inspect.signature(numpy_function)
    signature = signature.replace(parameters=[p for p in signature.parameters.values()
                                              if p.name not in _DERIVATIVE_OPTIONS])
    implementation = _BY_KIND[spec["kind"]]

    def loss(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}(): {exc}") from None
        bound.apply_defaults()
        return implementation(spec, bound.arguments)

    loss.__name__ = loss.__qualname__ = name
    loss.__module__ = __name__
    loss.__signature__ = signature  # type: ignore[attr-defined]
    loss.__doc__ = (f"`losskit.{name}` on JAX arrays, under jit, grad and vmap (see `losskit.jax`): the same "
                    f"arguments without grad/hess; differentiable with respect to the prediction.\n\n"
                    f"{inspect.getdoc(numpy_function)}")
    return loss


def hybrid_loss(*args: Any, **kwargs: Any) -> Any:
    """Not available in `losskit.jax`: add `losskit.jax` losses instead (JAX differentiates the
    sum), e.g. `lj.cross_entropy(x, y) + 0.5 * lj.softmax_focal_loss(x, y)`."""
    raise NotImplementedError("losskit.jax has no hybrid_loss: add losskit.jax losses (JAX differentiates the sum), "
                              "e.g. cross_entropy(x, y) + 0.5 * softmax_focal_loss(x, y)")


__all__ = ["hybrid_loss"]
for _entry in entries():
    globals()[_entry["name"]] = _define(_entry["name"])
    __all__.append(_entry["name"])
del _entry
