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

**Evaluation.** A call runs one `torch.autograd.Function`: forward hands zero-copy numpy views
of the (contiguous) CPU tensors to `losskit.<name>(..., grad=True)`, returns the loss as a
tensor and keeps the gradients; backward returns `grad_output * gradient`. For
`reduction='none'` each loss value's derivative is multiplied by its own `grad_output`, put back
over the axes that value covers (`_COVERED_AXES` by catalogue kind: the class axis of row-wise
scores, the feature axis of embedding rows, frames and classes of CTC's log_probs). The
gradients are computed only when some argument needs them. The first argument and every
differentiable one must be a float32 or float64 CPU tensor; other devices (CUDA, meta, ...) and
dtypes raise. A one-element tensor for a numeric parameter (e.g. `alpha`) is passed as a number.
Double backward (`create_graph=True`) raises RuntimeError rather than give a wrong second
derivative; LossKit's Hessian diagonal is available from the numpy functions with `hess=True`.

**Differentiable arguments.** A loss's data inputs are differentiable: the positional
parameters of `losskit.<name>` other than labels and lengths (`input`; `input1`, `input2`;
`anchor`, `positive`, `negative`; `embeddings`; `log_probs`), whose gradients `grad=True`
returns in argument order. A tensor argument that requires grad and is not differentiable (e.g.
`target`) raises ValueError instead of silently getting no gradient. Losses with other
differentiable arguments have an entry in `GRADIENTS` (the extension point):

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
`.sum()`) and raises RuntimeError otherwise; use `reduction='sum'`.
"""
from __future__ import annotations

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
_FLOAT_DTYPES = (torch.float32, torch.float64)
# Tensor dtypes numpy can view; anything else (bfloat16, complex, ...) is refused.
_NUMPY_DTYPES = frozenset({torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                           torch.float16, torch.float32, torch.float64})


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
        raise TypeError(f"losskit.torch.{loss.name}: {name} must be float32 or float64, got {tensor.dtype}")
    if tensor.dtype not in _NUMPY_DTYPES:
        raise TypeError(f"losskit.torch.{loss.name}: {name} has unsupported dtype {tensor.dtype}")
    if name in loss.scalars:
        if tensor.numel() != 1:
            raise ValueError(f"losskit.torch.{loss.name}: {name} is one number; got a tensor of shape "
                             f"{tuple(tensor.shape)}")
        return tensor.item()
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
    return _Fused.apply(loss, names, options, *(arguments[n] for n in names))


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
        made[loss.name] = _make_function(loss)
        reference = _torch_module(loss.name)
        if reference is not None:
            made[reference.__name__] = _make_module(loss, made[loss.name], reference)
    return made


_GENERATED = _generate()
globals().update(_GENERATED)
__all__ = ["GRADIENTS", "Gradients", "adaptive_robust_gradients", "gaussian_nll_gradients", "input_gradient",
           *_GENERATED]
