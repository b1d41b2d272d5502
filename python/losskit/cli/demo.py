"""`python -m losskit demo`: train a small classifier in plain numpy with LossKit's fused gradient.

The data is scikit-learn's bundled 8x8 digits (1797 images, 10 classes; no download), split 75/25
per class with a fixed seed and standardised with the training set's statistics. The model is a
multilayer perceptron with one ReLU hidden layer (`--hidden 0` makes it softmax regression),
trained by minibatch Adam.

The only derivative not written here is the one LossKit computes: `lk.cross_entropy(logits,
targets, grad=True)` returns the mean loss and its gradient with respect to the logits,
softmax(z) - onehot(y) divided by the batch size, from one fused pass. Backpropagation starts
from that array; the layers' chain rule is the few lines of `backward`.

    >>> from losskit import demo
    >>> result = demo.train(epochs=5, quiet=True)      # doctest: +SKIP
    >>> result.accuracy > 0.9                           # doctest: +SKIP
    True
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..multiclass import cross_entropy

SKLEARN_MISSING = ("the demo needs scikit-learn for its bundled digits data: "
                   "pip install scikit-learn  (or: pip install 'losskit[demo]')")


@dataclass
class Data:
    """Standardised features (float64) and integer labels of the training and held-out sets."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass
class Result:
    """What `train` returns: per-epoch training loss and held-out accuracy, final accuracy, time."""
    accuracy: float
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    seconds: float = 0.0


def load_data(seed: int = 0, test_fraction: float = 0.25) -> Data:
    """The digits data, split per class (stratified) and standardised.

    Raises ImportError if scikit-learn is not installed. Pixels that are constant on the
    training set (the image border) are centred but not scaled.
    """
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test[members[:round(test_fraction * len(members))]] = True
    mean = x[~test].mean(axis=0)
    std = x[~test].std(axis=0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    return Data(x[~test], y[~test], x[test], y[test])


def init_params(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] for layers of the given widths; He-normal weights, zero biases."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)), np.zeros(fan_out)]
    return params


def forward(params: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The logits, and the input of every layer (kept for `backward`). ReLU between layers."""
    inputs = []
    layers = len(params) // 2
    for i in range(layers):
        inputs.append(x)
        x = x @ params[2 * i] + params[2 * i + 1]
        if i < layers - 1:
            x = np.maximum(x, 0.0)
    return x, inputs


def backward(params: list[np.ndarray], inputs: list[np.ndarray], d_logits: np.ndarray) -> list[np.ndarray]:
    """Gradients [dW1, db1, ...] of the loss, by the chain rule from its gradient w.r.t. the logits."""
    grads: list[np.ndarray] = []
    d_out = d_logits
    for i in reversed(range(len(params) // 2)):
        a = inputs[i]
        grads[:0] = [a.T @ d_out, d_out.sum(axis=0)]
        if i:  # a = relu(previous pre-activation), so relu'(pre-activation) = [a > 0]
            d_out = (d_out @ params[2 * i].T) * (a > 0)
    return grads


def loss_and_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean cross-entropy on a batch and its gradient for every parameter.

    LossKit supplies d(mean loss)/d(logits) from the same fused pass as the loss.
    """
    logits, inputs = forward(params, x)
    loss, d_logits = cross_entropy(logits, y, grad=True)
    return float(loss), backward(params, inputs, d_logits)


def accuracy(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of samples whose largest logit is at the true class."""
    return float(np.mean(forward(params, x)[0].argmax(axis=1) == y))


class Adam:
    """Adam (Kingma & Ba, 2015) updating a list of numpy arrays in place."""

    def __init__(self, params: list[np.ndarray], lr: float = 3e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads: list[np.ndarray]) -> None:
        b1, b2 = self.betas
        self.t += 1
        scale = self.lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
            p -= scale * m / (np.sqrt(v) + self.eps)


def train(epochs: int = 30, hidden: int = 64, seed: int = 0, lr: float = 3e-3, batch_size: int = 64,
          log_every: int = 5, quiet: bool = False, data: Data | None = None) -> Result:
    """Trains on the digits and returns the loss and accuracy history (see the module docstring).

    Unless `quiet`, prints a progress line at the first epoch, every `log_every` epochs and the
    last. The training loss of an epoch is the mean of its minibatch losses, weighted by size.
    """
    start = time.perf_counter()
    data = data if data is not None else load_data(seed)
    rng = np.random.default_rng(seed)
    classes = int(data.y_train.max()) + 1
    sizes = [data.x_train.shape[1]] + ([hidden] if hidden else []) + [classes]
    params = init_params(sizes, rng)
    optimiser = Adam(params, lr=lr)
    result = Result(accuracy=0.0)
    if not quiet:
        model = f"MLP {'-'.join(map(str, sizes))}" if hidden else f"softmax regression {sizes[0]}-{classes}"
        print(f"digits: {len(data.y_train)} training / {len(data.y_test)} held-out images; {model}; "
              f"Adam lr={lr:g}, batch {batch_size}; seed {seed}")
    n = len(data.y_train)
    for epoch in range(1, epochs + 1):
        total = 0.0
        order = rng.permutation(n)
        for begin in range(0, n, batch_size):
            batch = order[begin:begin + batch_size]
            loss, grads = loss_and_grads(params, data.x_train[batch], data.y_train[batch])
            optimiser.step(grads)
            total += loss * len(batch)
        result.losses.append(total / n)
        result.accuracies.append(accuracy(params, data.x_test, data.y_test))
        if not quiet and (epoch == 1 or epoch % log_every == 0 or epoch == epochs):
            print(f"epoch {epoch:4d}  training loss {result.losses[-1]:.4f}  "
                  f"held-out accuracy {result.accuracies[-1]:.4f}")
    result.accuracy = result.accuracies[-1] if epochs else accuracy(params, data.x_test, data.y_test)
    result.seconds = time.perf_counter() - start
    return result


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text}")
    return value


def build_parser(prog: str = "python -m losskit demo") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Train a digits classifier in numpy with LossKit's fused cross-entropy "
                               "gradient and report its held-out accuracy.")
    parser.add_argument("--epochs", type=positive_int, default=30, help="passes over the training set (default 30)")
    parser.add_argument("--hidden", type=non_negative_int, default=64,
                        help="hidden ReLU units; 0 = softmax regression (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, initialisation and batches (default 0)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 0.003)")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="minibatch size (default 64)")
    parser.add_argument("--log-every", type=positive_int, default=5, help="epochs between progress lines (default 5)")
    parser.add_argument("--quiet", action="store_true", help="print only the final result line")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m losskit demo") -> int:
    """The `demo` command. Returns 0 on success, 2 if scikit-learn is missing."""
    args = build_parser(prog).parse_args(argv)
    try:
        data = load_data(args.seed)
    except ImportError as exc:
        print(f"losskit demo: {SKLEARN_MISSING}\n  ({exc})", file=sys.stderr)
        return 2
    result = train(epochs=args.epochs, hidden=args.hidden, seed=args.seed, lr=args.lr,
                   batch_size=args.batch_size, log_every=args.log_every, quiet=args.quiet, data=data)
    print(f"held-out accuracy {result.accuracy:.4f} after {args.epochs} epochs "
          f"(training loss {result.losses[0]:.4f} -> {result.losses[-1]:.4f}; trained in {result.seconds:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
