"""What `python -m losskit bench` computes: the cases, their data, and each library's way of
computing the mean loss and its gradient with respect to the input.

Every library gets the same float32 arrays (made from a fixed seed, so separate processes build
identical data) and must return the mean loss and the full gradient, so the work is equal:

* LossKit: `lk.<loss>(input, target, grad=True)`, one fused pass.
* numpy: hand-written vectorised formulas in their numerically stable forms (log-sum-exp with a
  max shift; softplus as max(x, 0) + log1p(exp(-|x|))). numpy's ufuncs are single-threaded and
  none of these formulas calls BLAS, so OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some
  machines, do not affect them (np.add and np.exp timed the same with and without).
* torch: `torch.nn.functional.<loss>` then `backward()`, with `grad = None` between calls, so
  each call allocates a fresh gradient as the others do. `torch.func.grad_and_value` was
  measured too: no faster for mse and cross-entropy, and 5x slower for BCE-with-logits, whose
  fused backward kernel it does not use.
* jax: `jax.jit(jax.value_and_grad(loss))` on arrays already on the device, compiled before any
  timing, each call ended by `block_until_ready`.

A library's module is imported only by `load_library`, so a missing peer is reported, not fatal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

LIBRARIES = ("losskit", "numpy", "torch", "jax")
PEERS = LIBRARIES[1:]
SEED = 20240601


@dataclass(frozen=True)
class Case:
    """One problem: a loss (LossKit's and torch.nn.functional's name) on float32 input of `shape`.

    Tiny cases measure per-call overhead in µs over loops of many calls; the others measure one
    call (ms) and have a memory floor (see `prepare_floor`).
    """
    loss: str
    shape: tuple[int, ...]
    tiny: bool = False

    @property
    def label(self) -> str:
        """E.g. 'mse_loss 10M', 'cross_entropy 65536x1000'."""
        if len(self.shape) == 2:
            size = "x".join(map(str, self.shape))
        else:
            n = self.shape[0]
            size = f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)
        return f"{self.loss} {size}"

    @property
    def unit(self) -> str:
        return "µs/call" if self.tiny else "ms"


def cases(quick: bool) -> list[Case]:
    """The benchmark cases; `quick` shrinks the large ones for a smoke run (seconds, not minutes)."""
    n, rows, classes = (100_000, 1024, 100) if quick else (10_000_000, 65536, 1000)
    return [
        Case("mse_loss", (n,)),
        Case("binary_cross_entropy_with_logits", (n,)),
        Case("cross_entropy", (rows, classes)),
        Case("mse_loss", (32,), tiny=True),
        Case("cross_entropy", (32, 10), tiny=True),
    ]


def make_data(case: Case, quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(input, target) for a case (its shape already says whether the run is quick): standard-normal input; a standard-normal target (mse), 0/1
    labels (BCE) or int64 class indices (cross-entropy). Same seed, same arrays, any process."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal(case.shape, dtype=np.float32)
    if case.loss == "cross_entropy":
        return x, rng.integers(0, case.shape[1], case.shape[0])
    if case.loss == "binary_cross_entropy_with_logits":
        return x, (rng.random(case.shape, dtype=np.float32) < 0.5).astype(np.float32)
    return x, rng.standard_normal(case.shape, dtype=np.float32)


@dataclass
class Runner:
    """A prepared computation. `run()` computes the loss and gradient and is what gets timed;
    `value(run())` converts its result to (loss as float, gradient as numpy) for the check."""
    run: Callable[[], Any]
    value: Callable[[Any], tuple[float, np.ndarray]]


def load_library(name: str, threads: int) -> str:
    """Imports a library, sets its thread count where it has a call for it, returns its version.

    Raises ImportError if it is not installed. Thread counts set through the environment
    (LOSSKIT_/OMP_/MKL_/OPENBLAS_NUM_THREADS, XLA_FLAGS) and CPU affinity are the caller's job.
    """
    if name == "losskit":
        import losskit
        losskit.set_num_threads(threads)
        return f"{losskit.__version__} ({losskit.build_info()['isa']} build)"
    if name == "numpy":
        return np.__version__
    if name == "torch":
        import torch
        torch.set_num_threads(threads)
        return torch.__version__
    if name == "jax":
        import jax
        import jaxlib
        return f"{jax.__version__} (jaxlib {jaxlib.__version__})"
    if name == "sklearn":
        import sklearn
        return sklearn.__version__
    raise ValueError(f"unknown library {name!r}")


def prepare(library: str, case: Case, data: tuple[np.ndarray, np.ndarray]) -> Runner:
    """The loss-and-gradient computation of `library` for a case, set up (and for jax compiled)."""
    return {"losskit": _losskit, "numpy": _numpy, "torch": _torch, "jax": _jax}[library](case, *data)


def prepare_floor(case: Case, data: tuple[np.ndarray, np.ndarray]) -> Callable[[], Any]:
    """One memory pass with a single-threaded numpy ufunc into a preallocated array: read the
    inputs and write an array of the gradient's size, the least traffic any loss-with-gradient
    call must do. Elementwise losses read two arrays (`np.add(x, y, out=g)`); cross-entropy
    reads the logits (its targets are 1/C of that) and writes the gradient (`np.negative`)."""
    x, target = data
    g = np.empty_like(x)
    if case.loss == "cross_entropy":
        return lambda: np.negative(x, out=g)
    return lambda: np.add(x, target, out=g)


def _pair(result: tuple[Any, Any]) -> tuple[float, np.ndarray]:
    return float(result[0]), np.asarray(result[1])


def _losskit(case: Case, x: np.ndarray, target: np.ndarray) -> Runner:
    import losskit
    loss = getattr(losskit, case.loss)
    return Runner(lambda: loss(x, target, grad=True), _pair)


def numpy_mse_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """mean((x - y)²) and 2(x - y)/n."""
    d = x - y
    loss = np.square(d).mean()
    return float(loss), np.multiply(d, np.float32(2 / d.size), out=d)


def numpy_binary_cross_entropy_with_logits(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """mean(max(x, 0) - x·y + log1p(exp(-|x|))) and (σ(x) - y)/n with σ(x) = (1 + tanh(x/2))/2.

    Both forms are free of overflow. `np.logaddexp(0, x)` gives the same softplus but took 15x
    as long as `np.exp` plus `np.log1p` here (167 ms against 11 ms on 10M float32, numpy 2.4),
    so it would misrepresent numpy.
    """
    softplus = np.log1p(np.exp(-np.abs(x)))
    softplus += np.maximum(x, 0)
    softplus -= x * y
    loss = softplus.mean()
    g = np.tanh(x * np.float32(0.5))
    g *= np.float32(0.5)
    g += np.float32(0.5)
    g -= y
    g *= np.float32(1 / x.size)
    return float(loss), g


def numpy_cross_entropy(z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """mean(logsumexp(z) - z_t) and (softmax(z) - onehot(t))/N, with the row max shifted out."""
    n = z.shape[0]
    rows = np.arange(n)
    top = z.max(axis=1, keepdims=True)
    e = np.subtract(z, top)
    np.exp(e, out=e)
    sums = e.sum(axis=1)
    loss = np.mean(np.log(sums) - (z[rows, t] - top[:, 0]))
    e *= (1 / (n * sums))[:, None]
    e[rows, t] -= np.float32(1 / n)
    return float(loss), e


NUMPY_LOSSES = {
    "mse_loss": numpy_mse_loss,
    "binary_cross_entropy_with_logits": numpy_binary_cross_entropy_with_logits,
    "cross_entropy": numpy_cross_entropy,
}


def _numpy(case: Case, x: np.ndarray, target: np.ndarray) -> Runner:
    loss = NUMPY_LOSSES[case.loss]
    return Runner(lambda: loss(x, target), _pair)


def _torch(case: Case, x: np.ndarray, target: np.ndarray) -> Runner:
    import torch
    import torch.nn.functional as F

    loss = getattr(F, case.loss)
    leaf = torch.from_numpy(x).requires_grad_()
    t = torch.from_numpy(target)

    def run() -> tuple[Any, Any]:
        leaf.grad = None
        value = loss(leaf, t)
        value.backward()
        return value.detach(), leaf.grad

    return Runner(run, lambda r: (r[0].item(), r[1].numpy()))


def _jax(case: Case, x: np.ndarray, target: np.ndarray) -> Runner:
    import jax
    import jax.numpy as jnp

    def mse_loss(x, y):
        return jnp.mean(jnp.square(x - y))

    def binary_cross_entropy_with_logits(x, y):
        return jnp.mean(jax.nn.softplus(x) - x * y)

    def cross_entropy(z, t):
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(z, axis=1), t[:, None], axis=1))

    loss = {"mse_loss": mse_loss, "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
            "cross_entropy": cross_entropy}[case.loss]
    step = jax.jit(jax.value_and_grad(loss))
    target = target.astype(np.int32) if target.dtype.kind == "i" else target  # jax's default int
    xj, tj = jax.device_put(x), jax.device_put(target)

    def run() -> tuple[Any, Any]:
        return jax.block_until_ready(step(xj, tj))

    run()  # compile now, so no timing includes it
    return Runner(run, _pair)
