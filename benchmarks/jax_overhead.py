"""What a `losskit.jax` loss costs per call against optax's: jitted `jax.value_and_grad` of the
loss (loss and gradient with respect to the prediction), on a small and a large input, float32.

optax's losses are jnp formulas that XLA fuses into the surrounding program; a LossKit loss is
one FFI custom call that computes the loss and the gradient in one native pass, plus the
multiply of the backward pass. For small inputs the number is the fixed cost of the custom
call; for large ones, the speed of the kernels.

Each case times `--calls` back-to-back calls of the compiled function (waiting for each
result) and reports the per-call time of the best of `--repeat` such runs (the least disturbed
by other work on the machine); the two libraries' runs alternate.

Run: python benchmarks/jax_overhead.py [--calls 2000] [--repeat 7] [--large 1000000]
"""
from __future__ import annotations

import argparse
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

import losskit
import losskit.jax as lj


def per_call_seconds(functions: list[Callable[..., Any]], arguments: tuple, calls: int,
                     repeat: int) -> list[float]:
    """Best per-call time of each function's jitted value_and_grad, runs interleaved."""
    compiled = [jax.jit(jax.value_and_grad(f)) for f in functions]
    for c in compiled:
        jax.block_until_ready(c(*arguments))
    best = [float("inf")] * len(compiled)
    for _ in range(repeat):
        for k, c in enumerate(compiled):
            started = time.perf_counter()
            for _ in range(calls):
                jax.block_until_ready(c(*arguments))
            best[k] = min(best[k], (time.perf_counter() - started) / calls)
    return best


def cases(n_small: int, n_large: int):
    """(name, size, losskit.jax loss, optax loss, arguments) for each case."""
    rng = np.random.default_rng(0)
    out = []
    for size in (n_small, n_large):
        x = jnp.asarray(rng.normal(size=size), jnp.float32)
        y = jnp.asarray(rng.normal(size=size), jnp.float32)
        labels = jnp.asarray(rng.integers(0, 2, size), jnp.float32)
        out.append(("mse_loss / squared_error", size, lambda x, y: lj.mse_loss(x, y),
                    lambda x, y: optax.losses.squared_error(x, y).mean(), (x, y)))
        out.append(("huber_loss / huber_loss", size, lambda x, y: lj.huber_loss(x, y),
                    lambda x, y: optax.losses.huber_loss(x, y).mean(), (x, y)))
        out.append(("binary_cross_entropy_with_logits / sigmoid_binary_cross_entropy", size,
                    lambda x, y: lj.binary_cross_entropy_with_logits(x, y),
                    lambda x, y: optax.losses.sigmoid_binary_cross_entropy(x, y).mean(), (x, labels)))
        classes = 10
        logits = jnp.asarray(rng.normal(size=(size // classes, classes)), jnp.float32)
        index = jnp.asarray(rng.integers(0, classes, size // classes), jnp.int32)
        out.append(("cross_entropy / softmax_cross_entropy_with_integer_labels (10 classes)", size,
                    lambda z, t: lj.cross_entropy(z, t),
                    lambda z, t: optax.losses.softmax_cross_entropy_with_integer_labels(z, t).mean(), (logits, index)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per timed run (large inputs: 1/100 of it)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--small", type=int, default=32)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"jax {jax.__version__}, optax {optax.__version__}, float32, jit(value_and_grad), best per-call time; "
          f"losskit {losskit.__version__} build {losskit.build_info()['isa']}, {losskit.get_num_threads()} threads")
    print(f"{'loss (losskit.jax / optax)':<78} {'elements':>9} {'losskit':>10} {'optax':>10} {'ratio':>6}")
    for name, size, ours, theirs, arguments in cases(args.small, args.large):
        calls = args.calls if size == args.small else max(args.calls // 100, 5)
        a, b = per_call_seconds([ours, theirs], arguments, calls, args.repeat)
        print(f"{name:<78} {size:>9} {a * 1e6:>8.1f}us {b * 1e6:>8.1f}us {a / b:>6.2f}")


if __name__ == "__main__":
    main()
