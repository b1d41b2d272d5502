"""Training a small JAX model with optax and a LossKit loss: `losskit.jax` functions take JAX
arrays and work under jax.jit and jax.grad, so they drop into an existing optax training step.
The same MLP trained with optax's softmax_cross_entropy_with_integer_labels ends with the same
weights.

Run: python examples/jax_training.py
"""
import jax
import jax.numpy as jnp
import numpy as np
import optax

import losskit.jax as lj

jax.config.update("jax_enable_x64", True)


def init(key, sizes):
    params = []
    for k, (m, n) in zip(jax.random.split(key, len(sizes) - 1), zip(sizes, sizes[1:])):
        params.append({"w": jax.random.normal(k, (m, n), jnp.float64) / np.sqrt(m), "b": jnp.zeros(n, jnp.float64)})
    return params


def logits(params, x):
    for layer in params[:-1]:
        x = jnp.tanh(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def train(loss_fn, params, x, y, steps=100):
    optimizer = optax.adam(0.01)
    state = optimizer.init(params)

    @jax.jit
    def step(params, state):
        loss, grads = jax.value_and_grad(lambda p: loss_fn(logits(p, x), y))(params)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    for _ in range(steps):
        params, state, loss = step(params, state)
    return params, float(loss)


def main():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(512, 10)))
    y = jnp.asarray(np.argmax(np.asarray(x) @ rng.normal(size=(10, 4)), axis=1))   # 4 classes
    params = init(jax.random.PRNGKey(0), [10, 32, 4])
    ours, ours_loss = train(lj.cross_entropy, params, x, y)
    theirs, theirs_loss = train(lambda z, t: optax.losses.softmax_cross_entropy_with_integer_labels(z, t).mean(),
                                params, x, y)
    difference = max(float(jnp.abs(a - b).max())
                     for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)))
    accuracy = float((jnp.argmax(logits(ours, x), axis=1) == y).mean())
    print(f"final loss: losskit {ours_loss:.6f}, optax {theirs_loss:.6f}")
    print(f"largest weight difference after training: {difference:.3g}")
    print(f"training accuracy: {accuracy:.3f}")


if __name__ == "__main__":
    main()
