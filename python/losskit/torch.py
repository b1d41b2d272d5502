"""PyTorch adapters: every loss of the catalogue as a `torch.nn.functional`-style function and,
where PyTorch has one, an `nn.Module`, differentiated by autograd through LossKit's fused gradient.

    >>> import torch, losskit.torch as lt
    >>> x = torch.tensor([0.5, 3.0], requires_grad=True)
    >>> loss = lt.huber_loss(x, torch.zeros(2), delta=1.0)
    >>> loss.backward()          # x.grad = tensor([0.2500, 0.5000])

Importing this module imports torch; `import losskit` never does.

**How the functions are made.** Nothing here is written per loss. For each loss of
`losskit.catalogue()` that has a numpy function `losskit.<name>`:

* Its parameters are those of `losskit.<name>` (without `grad`/`hess`), with the same defaults.
  If `torch.nn.functional.<name>` exists, its parameters come first, positional or keyword, in
  PyTorch's order (without the deprecated `size_average` and `reduce`); LossKit's other
  parameters (always `sample_weight`) follow, keyword-only. A PyTorch parameter LossKit's
  function lacks (e.g. `weight` of `huber_loss`, whose PyTorch mean differs from LossKit's) is in
  the signature but must keep its default, or ValueError says so.
* The nn.Module is `torch.nn`'s class name for the loss (found by name, `_MODULE_NAMES` lists
  the abbreviations). Its constructor takes the parameters of PyTorch's constructor (tensors
  such as `weight` become buffers) plus LossKit's extra options; `forward` takes the rest, and
  `sample_weight` keyword-only.

**Evaluation.** A call runs one `torch.autograd.Function`: forward hands zero-copy numpy views
of the (contiguous) CPU tensors to `losskit.<name>(..., grad=True)`, returns the loss as a
tensor and keeps the gradient; backward returns `grad_output * gradient` (for
`reduction='none'` elementwise, the per-element derivative times `grad_output`). The gradient
is computed only when some argument needs it. `input` must be a float32 or float64 CPU tensor;
other devices (CUDA, meta, ...) and dtypes raise. Double backward (`create_graph=True`) raises
RuntimeError rather than give a wrong second derivative; LossKit's Hessian diagonal is
available from the numpy functions with `hess=True`.

**Extension point: differentiable arguments.** By default only `input` is differentiable; a
tensor argument that requires grad and is not differentiable (e.g. `target`) raises
ValueError instead of silently getting no gradient. A loss with other differentiable inputs
(such as `var` of `gaussian_nll_loss`, or `alpha` and `scale` of `adaptive_robust_loss`) adds
one entry to `GRADIENTS`:

    GRADIENTS["gaussian_nll_loss"] = Gradients(("input", "var"), compute)

where `compute(function, arguments)` calls the numpy function with the numpy `arguments` (a
dict by parameter name) and returns `(loss, {argument name: derivative})`. Each derivative is
that of the returned loss: for 'mean'/'sum' an array of the argument's shape; for 'none' the
derivative of each element's loss, in the loss's shape. Backward multiplies it by `grad_output`
and, where the argument was broadcast against the input (e.g. `var` of shape (N, 1)), sums over
the broadcast axes by PyTorch's rules (`Tensor.sum_to_size`). Nothing else changes: the
signature already comes from the numpy function, and tensor arguments reach `compute` as
numpy arrays by name.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

import losskit

Compute = Callable[[Callable[..., Any], dict[str, Any]], tuple[Any, dict[str, np.ndarray]]]


@dataclass(frozen=True)
class Gradients:
    """The differentiable tensor arguments of a loss (`inputs`, by parameter name) and how to
    compute the loss with their derivatives (see the module docstring)."""
    inputs: tuple[str, ...]
    compute: Compute


def input_gradient(function: Callable[..., Any], arguments: dict[str, Any]) -> tuple[Any, dict[str, np.ndarray]]:
    """The default `Gradients.compute`: the fused loss and its gradient with respect to input."""
    loss, grad = function(**arguments, grad=True)
    return loss, {"input": grad}


DEFAULT_GRADIENTS = Gradients(("input",), input_gradient)
# Losses whose differentiable arguments are not just `input` (the extension point).
GRADIENTS: dict[str, Gradients] = {}

# PyTorch's deprecated arguments, left out of every signature.
_DEPRECATED = frozenset({"size_average", "reduce"})
# The numpy functions' output switches, which the adapter sets itself.
_FLAGS = frozenset({"grad", "hess"})
# nn.Module names that are not the loss name in CamelCase.
_MODULE_NAMES = {"binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
                 "binary_cross_entropy": "BCELoss"}
_FLOAT_DTYPES = (torch.float32, torch.float64)
# Tensor dtypes numpy can view; anything else (bfloat16, complex, ...) is refused.
_NUMPY_DTYPES = frozenset({torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                           torch.float16, torch.float32, torch.float64})


@dataclass(frozen=True)
class _Loss:
    """What a generated function needs at call time."""
    name: str
    function: Callable[..., Any]        # the numpy function losskit.<name>
    signature: inspect.Signature        # the PyTorch-style signature
    unsupported: frozenset[str]         # PyTorch parameters the numpy function lacks


def _numpy(name: str, tensor: torch.Tensor, loss: str) -> np.ndarray:
    """A zero-copy numpy view of a CPU tensor (contiguous first), or a clear error."""
    if tensor.device.type != "cpu":
        raise ValueError(f"losskit.torch.{loss}: {name} is on device '{tensor.device}'; LossKit "
                         f"computes on the CPU, so pass {name}.cpu()")
    if name == "input" and tensor.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"losskit.torch.{loss}: input must be float32 or float64, got {tensor.dtype}")
    if tensor.dtype not in _NUMPY_DTYPES:
        raise TypeError(f"losskit.torch.{loss}: {name} has unsupported dtype {tensor.dtype}")
    return tensor.detach().contiguous().numpy()


def _per_element(grad_output: torch.Tensor, derivative: torch.Tensor) -> torch.Tensor:
    """`grad_output` shaped to multiply `derivative`: a reduced loss's is a scalar; a per-sample
    loss ('none' of a loss over a class axis) lacks axis 1 of the input, which is put back."""
    if grad_output.dim() in (0, derivative.dim()):
        return grad_output
    return grad_output.unsqueeze(1)


class _Fused(torch.autograd.Function):
    """One call of a LossKit loss; `tensors` are the tensor arguments named by `names`."""

    @staticmethod
    def forward(ctx: Any, loss: _Loss, names: tuple[str, ...], options: dict[str, Any],
                *tensors: torch.Tensor) -> torch.Tensor:
        arguments = dict(options)
        arguments.update((n, _numpy(n, t, loss.name)) for n, t in zip(names, tensors))
        wanted = [n for n, need in zip(names, ctx.needs_input_grad[3:]) if need]
        gradients = GRADIENTS.get(loss.name, DEFAULT_GRADIENTS)
        refused = [n for n in wanted if n not in gradients.inputs]
        if refused:
            raise ValueError(f"losskit.torch.{loss.name}: {', '.join(refused)} requires grad, but LossKit "
                             f"differentiates only {', '.join(gradients.inputs)}; detach it")
        derivatives: dict[str, np.ndarray] = {}
        if wanted:
            value, derivatives = gradients.compute(loss.function, arguments)
        else:
            value = loss.function(**arguments)
        ctx.loss, ctx.names, ctx.wanted = loss.name, names, tuple(wanted)
        ctx.shapes = [t.shape for t in tensors]
        ctx.save_for_backward(*(torch.from_numpy(np.asarray(derivatives[n])) for n in wanted))
        return torch.as_tensor(value, dtype=tensors[0].dtype)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        if torch.is_grad_enabled():
            raise RuntimeError(f"losskit.torch.{ctx.loss}: double backward (create_graph=True) is not "
                               f"supported; losskit.{ctx.loss}(..., hess=True) gives the Hessian diagonal")
        derivative = dict(zip(ctx.wanted, ctx.saved_tensors))
        grads = [None if name not in derivative else
                 (_per_element(grad_output, derivative[name]) * derivative[name]).sum_to_size(shape)
                 for name, shape in zip(ctx.names, ctx.shapes)]
        return (None, None, None, *grads)


def _call(loss: _Loss, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor:
    """Binds the arguments to the PyTorch-style signature and runs `_Fused`."""
    bound = loss.signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = bound.arguments
    if not isinstance(arguments["input"], torch.Tensor):
        raise TypeError(f"losskit.torch.{loss.name}: input must be a torch.Tensor, "
                        f"got {type(arguments['input']).__name__}")
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
        loss = _Loss(entry["name"], numpy_function, signature, unsupported)
        made[loss.name] = _make_function(loss)
        reference = _torch_module(loss.name)
        if reference is not None:
            made[reference.__name__] = _make_module(loss, made[loss.name], reference)
    return made


_GENERATED = _generate()
globals().update(_GENERATED)
__all__ = ["DEFAULT_GRADIENTS", "GRADIENTS", "Gradients", "input_gradient", *_GENERATED]
