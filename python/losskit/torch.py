"""PyTorch adapters: every loss of the catalogue as a `torch.nn.functional`-style function and,
where PyTorch has one, an `nn.Module`, differentiated by autograd through LossKit's fused gradient.

    >>> import torch, losskit.torch as lt
    >>> x = torch.tensor([0.5, 3.0], requires_grad=True)
    >>> loss = lt.huber_loss(x, torch.zeros(2), delta=1.0)
    >>> loss.backward()          # x.grad = tensor([0.2500, 0.5000])

Importing this module imports torch; `import losskit` never does.

**How the functions are made.** Nothing here is written per loss (beyond the two `GRADIENTS`
entries below). For each loss of `losskit.catalogue()` that has a numpy function
`losskit.<name>`:

* Its parameters are those of `losskit.<name>` (without `grad`/`hess`), with the same defaults.
  If `torch.nn.functional.<name>` exists, its parameters come first, positional or keyword, in
  PyTorch's order (without the deprecated `size_average` and `reduce`); LossKit's other
  parameters (always `sample_weight`) follow, keyword-only. A PyTorch parameter LossKit's
  function lacks (none with PyTorch 2.13, whose `weight` of `mse_loss`, `l1_loss` and
  `huber_loss` LossKit takes with PyTorch's meaning; a parameter a later PyTorch adds) is in
  the signature but must keep its default, or ValueError says so. Weights are not
  differentiated: one that requires grad raises ValueError.
* The nn.Module is `torch.nn`'s class name for the loss (found by name, `_MODULE_NAMES` lists
  the abbreviations). Its constructor takes the parameters of PyTorch's constructor (tensors
  such as `weight` become buffers) plus LossKit's extra options; `forward` takes the rest, and
  `sample_weight` keyword-only.

**Evaluation.** A call runs the registered operator `losskit::fused` (a
`torch.library.custom_op` with a fake implementation that gives the loss's shape by catalogue
kind) inside `torch.autograd.Function`s written for `torch.func` (separate `setup_context`, a
`vmap` rule that loops over the batch), so `torch.compile(fullgraph=True)` traces a loss with
no graph break and `torch.func.grad`, `vmap`, `jacrev` and `hessian` work. The operator hands
zero-copy numpy views of the (contiguous) CPU tensors to `losskit.<name>(..., grad=True)` and
returns the loss and the gradients of the arguments that require grad; backward returns
`grad_output * gradient`. For `reduction='none'` each loss value's derivative is multiplied by
its own `grad_output`, put back over the axes that value covers (`_COVERED_AXES` by catalogue
kind: the class axis of row-wise scores, the feature axis of embedding rows, frames and classes
of CTC's log_probs). In eager mode on plain CPU tensors the operator's Python implementation is
called directly (the dispatcher costs more than the loss on small batches).

Tensors are float16, bfloat16, float32 or float64 CPU tensors (meta tensors get the result's
shape); half precision is computed in float32 and every result, value and gradients, is
rounded to the input's dtype, as PyTorch's autocast runs losses in float32. Other devices
(CUDA, ...) and dtypes raise. A one-element tensor for a numeric parameter (e.g. `alpha`) is
passed as a number. Non-tensor arguments reach the operator as the text of a Python literal;
a call whose arguments are not plain numbers, strings or None (e.g. a numpy scalar) runs the
same computation eagerly, without the operator.

**Second derivatives.** Elementwise losses support double backward (`create_graph=True`,
`torch.func.hessian`, `gradgradcheck`) from LossKit's exact Hessian, which is diagonal for
them (`losskit::hessian`), for the input and, for losses of input - target, the target too.
Other losses raise RuntimeError in double backward rather than give a wrong second
derivative; LossKit's Hessian diagonal is available from the numpy functions with `hess=True`.

**Target gradients.** Where PyTorch differentiates the target, so does the adapter
(`TARGET_GRADIENTS`): mse, l1, huber, smooth_l1 and Gaussian NLL (the negated input gradient),
BCE with logits (weight·(1 - ε)·(p·softplus(-x) - softplus(x)) per element) and kl_div (log y
+ 1 - x, or e^t·(t - x + 1) with log_target), the last two times the reduction's weights.
Other losses refuse a target that requires grad.

**Differentiable arguments.** A loss's data inputs are differentiable: the positional
parameters of `losskit.<name>` other than labels and lengths (`input`; `input1`, `input2`;
`anchor`, `positive`, `negative`; `embeddings`; `log_probs`), whose gradients `grad=True`
returns in argument order. A tensor argument that requires grad and is not differentiable
(e.g. `target` of a loss not in `TARGET_GRADIENTS`) raises ValueError instead of silently
getting no gradient. Losses with other differentiable arguments have an entry in `GRADIENTS`
(the extension point):

    GRADIENTS["gaussian_nll_loss"] = Gradients(("input", "var"), gaussian_nll_gradients)
    GRADIENTS["adaptive_robust_loss"] = Gradients(("input", "alpha", "scale"), adaptive_robust_gradients)

where `compute(function, arguments)` calls the numpy function with the numpy `arguments` (a
dict by parameter name) and returns `(loss, {argument name: derivative})`. Each derivative is
that of the returned loss: for 'mean'/'sum' an array of the argument's shape; for 'none' either
the derivative of each element's loss, in the loss's shape, or, where LossKit has no
per-element derivative (the adaptive loss's alpha and scale, summed by the kernel), a function
of `grad_output` (a numpy array) returning the argument's gradient. Backward multiplies an
array by `grad_output` and, where the argument was broadcast against the input (e.g. `var` of
shape (N, 1)), sums over the broadcast axes by PyTorch's rules (`Tensor.sum_to_size`). Entries
are looked up at each call.

**What is not supported.** CTC's gradient is the true derivative with respect to `log_probs`
(-γ), not PyTorch's exp(log_probs) - γ; both agree through `log_softmax`. NT-Xent's per-anchor
losses (`reduction='none'`) each depend on every embedding and LossKit computes only the
gradient of their sum, so backward through them accepts only a uniform `grad_output` (e.g.
`.sum()`) and raises RuntimeError otherwise; use `reduction='sum'`. Those two cases, and
`reduction='none'` of the `GRADIENTS` losses (whose parameter derivatives are functions of
`grad_output`), run eagerly without the operator: no torch.compile tracing, no torch.func
transforms, no target gradient and no double backward for them.
"""
from __future__ import annotations

import ast
import functools
import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Union

import numpy as np
import torch

import losskit

# A derivative: an array (multiplied by grad_output in backward), or, for reduction='none'
# where no per-element derivative exists, a function of grad_output (as a numpy array of the
# loss's shape) returning the argument's gradient (a vector-Jacobian product).
Derivative = Union[np.ndarray, float, Callable[[np.ndarray], Any]]
Compute = Callable[[Callable[..., Any], dict[str, Any]], tuple[Any, dict[str, Derivative]]]


@dataclass(frozen=True)
class Gradients:
    """The differentiable tensor arguments of a loss (`inputs`, by parameter name) and how to
    compute the loss with their derivatives (see the module docstring)."""
    inputs: tuple[str, ...]
    compute: Compute


def input_gradient(function: Callable[..., Any], arguments: dict[str, Any]) -> tuple[Any, dict[str, Derivative]]:
    """The default `Gradients.compute`: the fused loss and its gradient with respect to every
    differentiable input, which `grad=True` returns in argument order (one array, or a tuple
    for several inputs: the embedding losses)."""
    loss, grad = function(**arguments, grad=True)
    names = _data_inputs(function)
    grads = grad if isinstance(grad, tuple) else (grad,)
    return loss, dict(zip(names, grads))


# Positional arguments of the numpy functions that are data but not differentiable: labels,
# class indices and lengths. Every other positional argument is a differentiable input.
_NOT_DIFFERENTIABLE = frozenset({"target", "targets", "labels", "input_lengths", "target_lengths"})


@functools.lru_cache(maxsize=None)
def _data_inputs(function: Callable[..., Any]) -> tuple[str, ...]:
    """The differentiable inputs a numpy function's `grad=True` returns: its positional
    parameters other than labels and lengths (input; input1, input2; anchor, positive,
    negative; embeddings; log_probs)."""
    return tuple(p.name for p in inspect.signature(function).parameters.values()
                 if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name not in _NOT_DIFFERENTIABLE)


def _element_weights(arguments: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray:
    """`sample_weight` (one per sample along the leading axes, or per element) spread to the
    loss's shape; ones if there is none."""
    w = arguments.get("sample_weight")
    if w is None:
        return np.ones(shape)
    w = np.asarray(w, dtype=np.float64)
    return np.broadcast_to(w.reshape(w.shape + (1,) * (len(shape) - w.ndim)), shape)


def _parameter_vjp(function: Callable[..., Any], arguments: dict[str, Any],
                   shape: tuple[int, ...]) -> Callable[[str], Callable[[np.ndarray], np.ndarray]]:
    """For reduction='none' of a loss with scalar-parameter derivatives (which LossKit gives
    only summed over the elements): Σ g_i·∂l_i/∂θ for grad_output g, as two 'sum' calls weighted
    by g's positive and negative parts (sample weights must be >= 0). Both parameters come from
    the same two calls (cached for the grad_output of one backward)."""
    cache: dict[str, Any] = {}

    def vjp(name: str) -> Callable[[np.ndarray], np.ndarray]:
        def apply(g: np.ndarray) -> np.ndarray:
            if cache.get("") != g.tobytes():
                cache.clear()
                w = _element_weights(arguments, shape)
                totals: dict[str, float] = {}
                for sign, part in ((1.0, np.maximum(g, 0)), (-1.0, np.maximum(-g, 0))):
                    if not part.any():
                        continue
                    weights = np.ascontiguousarray(part * w, dtype=arguments["input"].dtype)
                    *_, derivatives = function(**{**arguments, "reduction": "sum", "sample_weight": weights},
                                               grad_params=True)
                    for key, value in derivatives.items():
                        totals[key] = totals.get(key, 0.0) + sign * float(value)
                cache.update(totals, **{"": g.tobytes()})
            return np.asarray(cache.get(name, 0.0))
        return apply
    return vjp


def adaptive_robust_gradients(function: Callable[..., Any], arguments: dict[str, Any]) -> tuple[Any, dict[str, Derivative]]:
    """`adaptive_robust_loss`: input, and the scalar parameters alpha and scale (`grad_params`)."""
    if arguments["reduction"] != "none":
        loss, grad, params = function(**arguments, grad=True, grad_params=True)
        return loss, {"input": grad, "alpha": np.asarray(params["alpha"]), "scale": np.asarray(params["scale"])}
    loss, grad = function(**arguments, grad=True)
    vjp = _parameter_vjp(function, arguments, np.shape(loss))
    return loss, {"input": grad, "alpha": vjp("alpha"), "scale": vjp("scale")}


def gaussian_nll_gradients(function: Callable[..., Any], arguments: dict[str, Any]) -> tuple[Any, dict[str, Derivative]]:
    """`gaussian_nll_loss`: input, and the variance operand `var` (`grad_params`). For 'none' the
    variance is spread to the input's shape first (PyTorch's rule: var of the input's shape
    without its last axis is shared along that axis), so each element's derivative is known;
    backward sums it back to var's shape."""
    x, var = arguments["input"], arguments["var"]
    if arguments["reduction"] == "none" and isinstance(var, np.ndarray) and var.shape != x.shape:
        shared = var[..., None] if var.ndim and var.shape == x.shape[:-1] else var
        full = np.ascontiguousarray(np.broadcast_to(shared, x.shape))
        loss, grad, params = function(**{**arguments, "var": full}, grad=True, grad_params=True)
        per_element = params["var"]
        axes = tuple(range(x.ndim - shared.ndim)) + tuple(
            k + x.ndim - shared.ndim for k in range(shared.ndim) if shared.shape[k] == 1 and x.shape[k + x.ndim - shared.ndim] != 1)

        def vjp(g: np.ndarray) -> np.ndarray:
            return np.sum(g * per_element, axis=axes, keepdims=True).reshape(var.shape)
        return loss, {"input": grad, "var": vjp}
    loss, grad, params = function(**arguments, grad=True, grad_params=True)
    return loss, {"input": grad, "var": np.asarray(params["var"])}


# Losses whose differentiable arguments are not just their data inputs (the extension point).
GRADIENTS: dict[str, Gradients] = {
    "adaptive_robust_loss": Gradients(("input", "alpha", "scale"), adaptive_robust_gradients),
    "gaussian_nll_loss": Gradients(("input", "var"), gaussian_nll_gradients),
}

# PyTorch's deprecated arguments, left out of every signature.
_DEPRECATED = frozenset({"size_average", "reduce"})
# The numpy functions' output switches, which the adapter sets itself.
_FLAGS = frozenset({"grad", "hess", "grad_params"})
# nn.Module names that are not the loss name in CamelCase.
_MODULE_NAMES = {"binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
                 "binary_cross_entropy": "BCELoss"}
# For reduction='none', the axes of a differentiable input that one loss value covers (and
# grad_output lacks), by catalogue kind, when the loss has fewer axes than the input: the class
# axis 1 of (N, C, ...) scores (row-wise, cross-entropy), the feature axis of (N, D) rows
# (embedding), frames and classes of CTC's (T, N, C) log_probs (sequence).
_COVERED_AXES = {"rowwise": (1,), "cross_entropy": (1,), "embedding": (-1,), "sequence": (0, 2)}
# Kinds with one loss per sample covering every other axis (segmentation: (N, C, d...) scores).
_PER_SAMPLE = frozenset({"overlap"})
# Kinds whose per-sample losses share inputs (NT-Xent: each anchor's loss depends on every
# embedding): LossKit computes the gradient of their sum only, so reduction='none' can be
# backpropagated only through a uniform grad_output.
_COUPLED = frozenset({"similarity_matrix"})
_FLOAT_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
# Half-precision tensors are computed in float32 and the results rounded back, as PyTorch's
# autocast runs losses in float32.
_HALF_DTYPES = (torch.float16, torch.bfloat16)
# Tensor dtypes the adapter hands to numpy (half precision as float32); anything else (complex,
# unsigned 16-bit, ...) is refused.
_NUMPY_DTYPES = frozenset({torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                           *_FLOAT_DTYPES})


@dataclass(frozen=True)
class _Loss:
    """What a generated function needs at call time."""
    name: str
    kind: str                           # the catalogue kind
    function: Callable[..., Any]        # the numpy function losskit.<name>
    signature: inspect.Signature        # the PyTorch-style signature
    unsupported: frozenset[str]         # PyTorch parameters the numpy function lacks
    inputs: tuple[str, ...]             # the data inputs, differentiable unless GRADIENTS says more
    scalars: frozenset[str]             # parameters the numpy function takes as a number

    @property
    def first(self) -> str:
        return next(iter(self.signature.parameters))

    @property
    def gradients(self) -> Gradients:
        """Looked up at each call, so that an entry added to GRADIENTS later takes effect."""
        return GRADIENTS.get(self.name) or Gradients(self.inputs, input_gradient)


def _numpy(name: str, tensor: torch.Tensor, loss: _Loss) -> Any:
    """A zero-copy numpy view of a CPU tensor (contiguous first), or a clear error. A one-element
    tensor for a numeric parameter (alpha, scale, margin, ...) becomes a Python number."""
    if tensor.device.type != "cpu":
        raise ValueError(f"losskit.torch.{loss.name}: {name} is on device '{tensor.device}'; LossKit "
                         f"computes on the CPU, so pass {name}.cpu()")
    if (name == loss.first or name in loss.gradients.inputs) and tensor.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"losskit.torch.{loss.name}: {name} must be a floating-point tensor (float16, "
                        f"bfloat16, float32 or float64), got {tensor.dtype}")
    if tensor.dtype not in _NUMPY_DTYPES:
        raise TypeError(f"losskit.torch.{loss.name}: {name} has unsupported dtype {tensor.dtype}")
    if name in loss.scalars:
        if tensor.numel() != 1:
            raise ValueError(f"losskit.torch.{loss.name}: {name} is one number; got a tensor of shape "
                             f"{tuple(tensor.shape)}")
        return tensor.item()
    if tensor.dtype in _HALF_DTYPES:
        tensor = tensor.float()
    return tensor.detach().contiguous().numpy()


def _per_element(grad_output: torch.Tensor, derivative: torch.Tensor, kind: str) -> torch.Tensor:
    """`grad_output` shaped to multiply `derivative`: a reduced loss's is a scalar; a per-sample
    loss lacks the axes one loss value covers (`_COVERED_AXES`), which are put back."""
    if grad_output.dim() in (0, derivative.dim()):
        return grad_output
    if kind in _PER_SAMPLE:
        return grad_output.reshape(tuple(grad_output.shape) + (1,) * (derivative.dim() - grad_output.dim()))
    shape = list(grad_output.shape)
    for axis in _COVERED_AXES.get(kind, (1,)):
        shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, 1)
    return grad_output.reshape(shape)


def _to_shape(gradient: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """A gradient summed to its argument's shape over the axes the argument was broadcast along."""
    if gradient.shape == shape:
        return gradient
    if gradient.numel() == math.prod(shape):
        return gradient.reshape(shape)
    return gradient.sum_to_size(shape)


class _Fused(torch.autograd.Function):
    """One call of a LossKit loss; `tensors` are the tensor arguments named by `names`."""

    @staticmethod
    def forward(ctx: Any, loss: _Loss, names: tuple[str, ...], options: dict[str, Any],
                *tensors: torch.Tensor) -> torch.Tensor:
        arguments = dict(options)
        arguments.update((n, _numpy(n, t, loss)) for n, t in zip(names, tensors))
        wanted = [n for n, need in zip(names, ctx.needs_input_grad[3:]) if need]
        gradients = loss.gradients
        refused = [n for n in wanted if n not in gradients.inputs]
        if refused:
            raise ValueError(f"losskit.torch.{loss.name}: {', '.join(refused)} requires grad, but LossKit "
                             f"differentiates only {', '.join(gradients.inputs)}; detach it")
        derivatives: dict[str, Derivative] = {}
        if wanted:
            value, derivatives = gradients.compute(loss.function, arguments)
        else:
            value = loss.function(**arguments)
        ctx.loss, ctx.names, ctx.wanted, ctx.kind = loss.name, names, tuple(wanted), loss.kind
        ctx.coupled = loss.kind in _COUPLED and arguments.get("reduction") == "none"
        ctx.shapes = [t.shape for t in tensors]
        ctx.dtypes = [t.dtype for t in tensors]
        ctx.functions = {n: derivatives[n] for n in wanted if callable(derivatives[n])}
        ctx.save_for_backward(*(torch.from_numpy(np.asarray(derivatives[n])) for n in wanted
                                if n not in ctx.functions))
        dtype = dict(zip(names, tensors))[loss.first].dtype if loss.first in names else tensors[0].dtype
        return torch.as_tensor(value, dtype=dtype)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        if torch.is_grad_enabled():
            raise RuntimeError(f"losskit.torch.{ctx.loss}: double backward (create_graph=True) is not "
                               f"supported; losskit.{ctx.loss}(..., hess=True) gives the Hessian diagonal")
        if ctx.coupled:
            if not bool((grad_output == grad_output.reshape(-1)[:1]).all()) if grad_output.numel() else False:
                raise RuntimeError(
                    f"losskit.torch.{ctx.loss}: with reduction='none', every sample's loss depends on every "
                    f"input row and LossKit computes the gradient of their sum only, so the losses can be "
                    f"backpropagated only with equal weights (e.g. .sum() or .mean()); use reduction='sum'")
            grad_output = grad_output.reshape(-1)[0] if grad_output.numel() else grad_output.sum()
        saved = iter(ctx.saved_tensors)
        derivative = {n: ctx.functions[n] if n in ctx.functions else next(saved) for n in ctx.wanted}
        grads: list[torch.Tensor | None] = []
        for name, shape, dtype in zip(ctx.names, ctx.shapes, ctx.dtypes):
            if name not in derivative:
                grads.append(None)
                continue
            d = derivative[name]
            if callable(d):
                g = torch.as_tensor(np.asarray(d(grad_output.detach().contiguous().numpy())))
            else:
                g = _per_element(grad_output, d, ctx.kind) * d
            grads.append(_to_shape(g, shape).to(dtype))
        return (None, None, None, *grads)


# ---------------------------------------------------------------------------------------------
# Registered operators: what torch.compile traces and torch.func transforms
# ---------------------------------------------------------------------------------------------

# Every generated loss by name, for the operators, which receive names and options as text.
_LOSSES: dict[str, _Loss] = {}
# Exact types whose repr is a literal (numpy's float64 is a float whose repr is not).
_LITERALS = (bool, int, float, str, type(None))


def _options_text(options: dict[str, Any]) -> str | None:
    """The non-tensor arguments as a Python literal (the operators' schema takes strings), or
    None when one is not a plain number, string, None or tuple/list of them (the call then runs
    eagerly through `_Fused`). Built with repr, which torch.compile traces (json it does not)."""
    for value in options.values():
        items = value if isinstance(value, (tuple, list)) else (value,)
        for item in items:
            if type(item) not in _LITERALS or (type(item) is float and not math.isfinite(item)):
                return None
    return repr(options)


@functools.lru_cache(maxsize=1024)
def _parsed(options: str) -> tuple[tuple[str, Any], ...]:
    """The options text parsed, once per distinct text (a training loop repeats its options)."""
    return tuple(ast.literal_eval(options).items())


def _arguments(loss: _Loss, options: str, names: list[str], tensors: list[torch.Tensor]) -> dict[str, Any]:
    """The numpy function's arguments from an operator's."""
    arguments = dict(_parsed(options))
    arguments.update((n, _numpy(n, t, loss)) for n, t in zip(names, tensors))
    return arguments


def _reduction_weights(arguments: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray:
    """∂L/∂l_i of an elementwise loss's reduction: w_i for 'none' and 'sum', w_i/Σw for 'mean'."""
    w = _element_weights(arguments, shape)
    return w / w.sum() if arguments["reduction"] == "mean" else w


def _bce_with_logits_target(arguments: dict[str, Any], input_gradient: np.ndarray) -> np.ndarray:
    """∂L/∂y of BCE with logits: l = weight·(p·y'·softplus(-x) + (1 - y')·softplus(x)) with
    y' = (1 - ε)·y + ε/2, so ∂l/∂y = weight·(1 - ε)·(p·softplus(-x) - softplus(x))."""
    x = np.asarray(arguments["input"], dtype=np.float64)
    p = 1.0 if arguments.get("pos_weight") is None else np.asarray(arguments["pos_weight"], dtype=np.float64)
    weight = 1.0 if arguments.get("weight") is None else np.asarray(arguments["weight"], dtype=np.float64)
    per_element = weight * (1.0 - arguments.get("label_smoothing", 0.0)) * (
        p * np.logaddexp(0.0, -x) - np.logaddexp(0.0, x))
    return per_element * _reduction_weights(arguments, x.shape)


def _kl_div_target(arguments: dict[str, Any], input_gradient: np.ndarray) -> np.ndarray:
    """∂L/∂y of the KL divergence l = y·(log y - x), or with log_target l = e^t·(t - x):
    ∂l/∂y = log y + 1 - x (PyTorch's -x at y = 0), ∂l/∂t = e^t·(t - x + 1), times the
    reduction's weight of each element, which is minus the input gradient at x = 0, y = 1 (t = 0)
    with the same reduction and sample weights, since there ∂l/∂x = -1."""
    x = np.asarray(arguments["input"], dtype=np.float64)
    y = np.asarray(arguments["target"], dtype=np.float64)
    log_target = arguments.get("log_target", False)
    unit = {**arguments, "input": np.zeros_like(arguments["input"]),
            "target": np.full_like(arguments["target"], 0.0 if log_target else 1.0)}
    _, unit_gradient = _LOSSES["kl_div"].function(**unit, grad=True)
    if log_target:
        per_element = np.exp(y) * (y - x + 1.0)
    else:
        per_element = np.where(y > 0, np.log(np.where(y > 0, y, 1.0)) + 1.0, 0.0) - x
    return -np.asarray(unit_gradient) * per_element


def _difference_target(arguments: dict[str, Any], input_gradient: np.ndarray) -> np.ndarray:
    """∂L/∂y = -∂L/∂x for a loss of the difference x - y."""
    return -input_gradient


# Losses whose gradient with respect to `target` PyTorch gives and LossKit reproduces: a
# function of the numpy arguments and the input gradient returning ∂L/∂target (of the reduced
# loss, or per element for 'none'). Losses of x - y have the negated input gradient, and with
# it, for double backward, the same Hessian up to sign (`_DIFFERENCE_LOSSES`).
_DIFFERENCE_LOSSES = frozenset({"mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "gaussian_nll_loss"})
TARGET_GRADIENTS: dict[str, Callable[[dict[str, Any], np.ndarray], np.ndarray]] = {
    **dict.fromkeys(_DIFFERENCE_LOSSES, _difference_target),
    "binary_cross_entropy_with_logits": _bce_with_logits_target,
    "kl_div": _kl_div_target,
}


# Row-wise losses whose 'none' is per element, as in PyTorch.
_PER_ELEMENT_ROWWISE = frozenset({"kl_div"})


def _loss_shape(name: str, kind: str, first: torch.Tensor, reduction: str) -> tuple[int, ...]:
    """The shape of a loss's value, by catalogue kind, for the operators' fake implementation:
    a scalar when reduced; for 'none' the input's (elementwise, kl_div), without the class axis 1
    (cross-entropy, row-wise), without the feature axis (embedding rows; score pairs keep
    theirs), one per sample (segmentation, NT-Xent, CTC's (T, N, C) log_probs)."""
    shape = tuple(first.shape)
    if reduction != "none":
        return ()
    if kind == "elementwise" or name in _PER_ELEMENT_ROWWISE:
        return shape
    if kind in ("cross_entropy", "rowwise"):
        return shape[:1] + shape[2:] if len(shape) >= 2 else ()
    if kind == "embedding":
        return shape[:-1] if len(shape) >= 2 else shape
    if kind in ("overlap", "similarity_matrix"):
        return shape[:1]
    return shape[1:2] if len(shape) == 3 else ()  # sequence


def _fused(name: str, options: str, names: str, tensors: list[torch.Tensor],
                    wanted: list[bool]) -> list[torch.Tensor]:
    """[loss, ∂loss/∂tensors[i] for each wanted i]: one fused LossKit call. `names` are the
    tensors' argument names, comma-separated (a schema has no string lists). Half-precision
    tensors are computed in float32; every result has its tensor's dtype."""
    loss, names = _LOSSES[name], names.split(",")
    arguments = _arguments(loss, options, names, tensors)
    dtype = tensors[names.index(loss.first)].dtype
    wanted_names = [n for n, w in zip(names, wanted) if w]
    if not wanted_names:
        return [torch.as_tensor(np.asarray(loss.function(**arguments)), dtype=dtype)]
    value, derivatives = loss.gradients.compute(loss.function, arguments)
    if "target" in wanted_names:
        derivatives["target"] = TARGET_GRADIENTS[name](arguments, np.asarray(derivatives["input"]))
    results = [torch.as_tensor(np.asarray(value), dtype=dtype)]
    for n in wanted_names:
        tensor = tensors[names.index(n)]
        results.append(torch.as_tensor(np.asarray(derivatives[n])).reshape(tensor.shape).to(tensor.dtype))
    return results


def _fused_shapes(name: str, options: str, names: str, tensors: list[torch.Tensor],
                  wanted: list[bool]) -> list[torch.Tensor]:
    loss, names = _LOSSES[name], names.split(",")
    first = tensors[names.index(loss.first)]
    reduction = dict(_parsed(options)).get("reduction", "mean")
    return [first.new_empty(_loss_shape(name, loss.kind, first, reduction)),
            *(t.new_empty(t.shape) for t, w in zip(tensors, wanted) if w)]


def _hessian(name: str, options: str, names: str, tensors: list[torch.Tensor]) -> torch.Tensor:
    """∂²L/∂x_i² of an elementwise loss (its exact Hessian is diagonal), in the input's shape."""
    loss, names = _LOSSES[name], names.split(",")
    _, _, h = loss.function(**_arguments(loss, options, names, tensors), grad=True, hess=True)
    x = tensors[names.index("input")]
    return torch.as_tensor(np.asarray(h)).reshape(x.shape).to(x.dtype)


def _hessian_shape(name: str, options: str, names: str, tensors: list[torch.Tensor]) -> torch.Tensor:
    return torch.empty_like(tensors[names.split(",").index("input")])


torch.library.custom_op("losskit::fused", _fused, mutates_args=()).register_fake(_fused_shapes)
torch.library.custom_op("losskit::hessian", _hessian, mutates_args=()).register_fake(_hessian_shape)


def _run(operator: str, *args: Any) -> Any:
    """`torch.ops.losskit.<operator>(*args)` when tracing (torch.compile, fake or functional
    tensors) or on meta tensors (the fake implementation gives their shapes), or its Python
    implementation directly on plain CPU tensors, which spares the dispatcher's overhead in
    eager calls."""
    tensors = args[3]
    if torch.compiler.is_compiling() or not all(type(t) is torch.Tensor and t.device.type == "cpu" for t in tensors):
        return getattr(torch.ops.losskit, operator)(*args)
    return (_fused if operator == "fused" else _hessian)(*args)


def _vmap_loop(apply: Callable[..., Any], info: Any, in_dims: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
    """vmap by a loop: `apply` on each slice of the batch, the results stacked along axis 0."""
    results = [apply(*(a.select(d, i) if isinstance(a, torch.Tensor) and d is not None else a
                       for a, d in zip(args, in_dims)))
               for i in range(info.batch_size)]
    if isinstance(results[0], tuple):
        return tuple(torch.stack(r) for r in zip(*results)), (0,) * len(results[0])
    return torch.stack(results), 0


class _Operator(torch.autograd.Function):
    """A LossKit loss through the `losskit::fused` operator, returning (loss, *derivatives); the
    derivatives are not differentiable themselves: backward differentiates them through
    `_Derivative`. A separate setup_context and a vmap rule make it usable by torch.func."""

    @staticmethod
    def forward(name: str, options: str, names: tuple[str, ...], wanted: tuple[bool, ...],
                *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(_run("fused", name, options, ",".join(names), list(tensors), list(wanted)))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: tuple[torch.Tensor, ...]) -> None:
        name, options, names, wanted, *tensors = inputs
        ctx.name, ctx.options, ctx.names, ctx.wanted = name, options, names, wanted
        ctx.shapes = [t.shape for t in tensors]
        ctx.save_for_backward(*tensors, *output[1:])
        ctx.mark_non_differentiable(*output[1:])

    @staticmethod
    def backward(ctx: Any, grad_loss: torch.Tensor, *unused: Any) -> tuple[torch.Tensor | None, ...]:
        saved = ctx.saved_tensors
        tensors = saved[:len(ctx.names)]
        kind = _LOSSES[ctx.name].kind
        grads: list[torch.Tensor | None] = []
        count = len(ctx.names)
        for index, (wanted, shape) in enumerate(zip(ctx.wanted, ctx.shapes)):
            if not wanted:
                grads.append(None)
                continue
            if not torch.is_grad_enabled():  # no graph is recorded: nothing will differentiate d
                d = saved[count]
            elif kind == "elementwise":
                d = _Derivative.apply(saved[count], ctx.name, ctx.options, ",".join(ctx.names), index,
                                      *tensors, *(None,) * (_SLOTS - len(tensors)))
            else:
                d = _FirstOrder.apply(saved[count], ctx.name, tensors[index])
            count += 1
            grads.append(_to_shape(_per_element(grad_loss, d, kind) * d, shape))
        return (None, None, None, None, *grads)

    @staticmethod
    def vmap(info: Any, in_dims: tuple[Any, ...], *args: Any) -> Any:
        return _vmap_loop(_Operator.apply, info, in_dims, args)


# The most tensor arguments an elementwise loss takes (input, target, weight, pos_weight,
# sample_weight; input, target, alpha, scale, sample_weight), as `_Derivative` has fixed
# slots for them: torch.compile cannot trace a nested autograd.Function taking *args.
_SLOTS = 6


class _Derivative(torch.autograd.Function):
    """The derivative of an elementwise loss with respect to its tensor argument number
    `index`, computed by `_Operator`, as a function of the tensors (`t0`... in the order of
    `names`, the rest None), so that double backward can differentiate it by the exact Hessian
    from `losskit::hessian` (diagonal for an elementwise loss; negated for the target of a loss
    of x - y). Anything else raises rather than give a wrong or missing second derivative."""

    @staticmethod
    def forward(derivative: torch.Tensor, name: str, options: str, names: str, index: int,
                t0: Any, t1: Any, t2: Any, t3: Any, t4: Any, t5: Any) -> torch.Tensor:
        return derivative.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
        _, ctx.name, ctx.options, names, ctx.index, *tensors = inputs
        ctx.names = names.split(",")
        ctx.save_for_backward(*tensors[:len(ctx.names)])

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        loss, names, of = _LOSSES[ctx.name], ctx.names, ctx.names[ctx.index]
        difference = ctx.name in _DIFFERENCE_LOSSES and loss.gradients.inputs == ("input",)
        second = [n for n, need in zip(names, ctx.needs_input_grad[5:]) if need]
        if (of not in ("input", "target") or any(n not in ("input", "target") for n in second)
                or (not difference and (of == "target" or "target" in second))):
            raise RuntimeError(f"losskit.torch.{ctx.name}: double backward is supported for elementwise "
                               f"losses' input (and target, for losses of input - target) only; "
                               f"losskit.{ctx.name}(..., hess=True) gives the Hessian diagonal")
        h = grad * _run("hessian", ctx.name, ctx.options, ",".join(names), list(ctx.saved_tensors))
        sign = {"input": 1.0, "target": -1.0}
        grads = [sign[of] * sign[n] * h if n in second else None for n in names]
        return (None, None, None, None, None, *grads, *(None,) * (_SLOTS - len(names)))

    @staticmethod
    def vmap(info: Any, in_dims: tuple[Any, ...], *args: Any) -> Any:
        return _vmap_loop(_Derivative.apply, info, in_dims, args)


class _FirstOrder(torch.autograd.Function):
    """The derivative of a loss that is not elementwise with respect to `argument`, as a
    function of it: differentiating it again raises (its Hessian is not diagonal, and LossKit
    computes only the diagonal)."""

    @staticmethod
    def forward(derivative: torch.Tensor, name: str, argument: torch.Tensor) -> torch.Tensor:
        return derivative.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
        ctx.name = inputs[1]

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[None, None, None]:
        raise RuntimeError(f"losskit.torch.{ctx.name}: double backward is supported for elementwise losses "
                           f"only; losskit.{ctx.name}(..., hess=True) gives the Hessian diagonal")

    @staticmethod
    def vmap(info: Any, in_dims: tuple[Any, ...], *args: Any) -> Any:
        return _vmap_loop(_FirstOrder.apply, info, in_dims, args)


# autograd.Function.apply binds its arguments to forward's signature on every call when
# setup_context is separate; a precomputed __signature__ spares inspect rebuilding it each time.
for _function in (_Operator, _Derivative, _FirstOrder):
    _function.forward.__signature__ = inspect.signature(_function.forward)  # type: ignore[attr-defined]


def _call(loss: _Loss, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor:
    """Binds the arguments to the PyTorch-style signature and runs `_Fused`."""
    bound = loss.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = bound.arguments
    if not isinstance(arguments[loss.first], torch.Tensor):
        raise TypeError(f"losskit.torch.{loss.name}: {loss.first} must be a torch.Tensor, "
                        f"got {type(arguments[loss.first]).__name__}")
    for name in loss.unsupported:
        if arguments[name] is not loss.signature.parameters[name].default:
            raise ValueError(f"losskit.torch.{loss.name}: PyTorch's {name} argument is not supported by "
                             f"losskit.{loss.name} (see its docstring); leave it at its default")
    names = tuple(n for n, v in arguments.items() if isinstance(v, torch.Tensor))
    options = {n: v for n, v in arguments.items() if n not in names and n not in loss.unsupported}
    tensors = tuple(arguments[n] for n in names)
    text = _options_text(options)
    if (text is None or len(tensors) > _SLOTS
            or (options.get("reduction") == "none" and (loss.name in GRADIENTS or loss.kind in _COUPLED))):
        return _Fused.apply(loss, names, options, *tensors)
    wanted = tuple(torch.is_grad_enabled() and t.requires_grad for t in tensors)
    differentiable = loss.gradients.inputs + (("target",) if loss.name in TARGET_GRADIENTS else ())
    refused = [n for n, w in zip(names, wanted) if w and n not in differentiable]
    if refused:
        raise ValueError(f"losskit.torch.{loss.name}: {', '.join(refused)} requires grad, but LossKit "
                         f"differentiates only {', '.join(differentiable)}; detach it")
    return _Operator.apply(loss.name, text, names, wanted, *tensors)[0]


def _signature(name: str, function: Callable[..., Any]) -> tuple[inspect.Signature, frozenset[str]]:
    """The PyTorch-style signature of a loss and the PyTorch parameters LossKit lacks."""
    ours = [p for p in inspect.signature(function).parameters.values() if p.name not in _FLAGS]
    own = {p.name: p for p in ours}
    reference = getattr(torch.nn.functional, name, None)
    if reference is None:
        return inspect.Signature(ours), frozenset()
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    first = [(own[p.name] if p.name in own else p).replace(kind=positional)
             for p in inspect.signature(reference).parameters.values() if p.name not in _DEPRECATED]
    taken = {p.name for p in first}
    rest = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in ours if p.name not in taken]
    return inspect.Signature(first + rest), frozenset(taken - own.keys())


def _scalars(function: Callable[..., Any]) -> frozenset[str]:
    """The numpy function's parameters that take one number (annotated float or int)."""
    return frozenset(p.name for p in inspect.signature(function).parameters.values()
                     if p.annotation in ("float", "int", "float | None"))


def _make_function(loss: _Loss) -> Callable[..., torch.Tensor]:
    def function(*args: Any, **kwargs: Any) -> torch.Tensor:
        return _call(loss, args, kwargs)
    function.__name__ = function.__qualname__ = loss.name
    function.__module__ = __name__
    function.__signature__ = loss.signature  # type: ignore[attr-defined]
    function.__doc__ = (f"`torch.nn.functional`-style {loss.name}, differentiable by autograd, computed "
                        f"by `losskit.{loss.name}`:\n\n{inspect.getdoc(loss.function)}")
    return function


def _torch_module(name: str) -> type[torch.nn.Module] | None:
    """PyTorch's nn.Module class for a loss, if PyTorch has one."""
    key = _MODULE_NAMES.get(name) or name.replace("_", "") + ("" if name.endswith("loss") else "loss")
    return next((cls for cls_name, cls in vars(torch.nn.modules.loss).items()
                 if cls_name.lower() == key.lower() and isinstance(cls, type)
                 and issubclass(cls, torch.nn.Module)), None)


def _make_module(loss: _Loss, function: Callable[..., torch.Tensor],
                 reference: type[torch.nn.Module]) -> type[torch.nn.Module]:
    """The nn.Module for a loss: constructor options as PyTorch's, forward the tensor arguments."""
    constructor = set(inspect.signature(reference.__init__).parameters) - {"self"}
    parameters = [p for p in loss.signature.parameters.values() if p.name not in loss.unsupported]
    # Options: PyTorch's constructor arguments and LossKit's own options (keyword-only), but not
    # sample_weight, which belongs to a batch.
    option = {p.name for p in parameters if p.name in constructor
              or (p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "sample_weight")}
    init_params = [p for p in parameters if p.name in option]
    forward_params = [p for p in parameters if p.name not in option]
    init_signature, forward_signature = inspect.Signature(init_params), inspect.Signature(forward_params)

    def __init__(self: torch.nn.Module, *args: Any, **kwargs: Any) -> None:
        torch.nn.Module.__init__(self)
        bound = init_signature.bind(*args, **kwargs)
        bound.apply_defaults()
        self._options = []
        for key, value in bound.arguments.items():
            if isinstance(value, torch.Tensor):
                self.register_buffer(key, value)
            else:
                setattr(self, key, value)
            self._options.append(key)

    def forward(self: torch.nn.Module, *args: Any, **kwargs: Any) -> torch.Tensor:
        bound = forward_signature.bind(*args, **kwargs)
        return function(**bound.arguments, **{key: getattr(self, key) for key in self._options})

    __init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *init_params])
    forward.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *forward_params])
    doc = (f"As `torch.nn.{reference.__name__}`, computed by `losskit.{loss.name}`; "
           f"see `losskit.torch.{loss.name}` for the arguments.")
    return type(reference.__name__, (torch.nn.Module,),
                {"__init__": __init__, "forward": forward, "__doc__": doc, "__module__": __name__})


def _generate() -> dict[str, Any]:
    """Every function and module class, by name."""
    made: dict[str, Any] = {}
    for entry in losskit.catalogue():
        numpy_function = getattr(losskit, entry["name"], None)
        if numpy_function is None:
            continue
        signature, unsupported = _signature(entry["name"], numpy_function)
        loss = _Loss(entry["name"], entry["kind"], numpy_function, signature, unsupported,
                     _data_inputs(numpy_function), _scalars(numpy_function))
        _LOSSES[loss.name] = loss
        made[loss.name] = _make_function(loss)
        reference = _torch_module(loss.name)
        if reference is not None:
            made[reference.__name__] = _make_module(loss, made[loss.name], reference)
    return made


_GENERATED = _generate()
globals().update(_GENERATED)
__all__ = ["GRADIENTS", "TARGET_GRADIENTS", "Gradients", "adaptive_robust_gradients", "gaussian_nll_gradients",
           "input_gradient", *_GENERATED]
