"""A one-hidden-layer MLP in plain numpy, fitted to data with gross outliers, once with the
squared error and once with LossKit's Huber loss. Backpropagation starts from the gradient
LossKit returns for the predictions; the rest of the chain rule is the few lines below.

Run: python examples/numpy_robust_mlp.py
"""
import numpy as np

import losskit as lk


def make_data(rng, n=400):
    """y = sin(3x) + noise, with 10% of the targets replaced by gross outliers."""
    x = rng.uniform(-1, 1, (n, 1))
    clean = np.sin(3 * x[:, 0])
    y = clean + rng.normal(0, 0.05, n)
    outliers = rng.random(n) < 0.1
    y[outliers] += rng.choice([-8.0, 8.0], outliers.sum())
    return x, y, clean


def train(loss, x, y, rng, hidden=32, steps=3000, lr=0.05):
    """Full-batch gradient descent; `loss(prediction, y, grad=True)` gives (value, d value/d prediction)."""
    w1 = rng.normal(0, 1, (1, hidden)); b1 = np.zeros(hidden)
    w2 = rng.normal(0, 1 / np.sqrt(hidden), hidden); b2 = 0.0
    for _ in range(steps):
        h = np.tanh(x @ w1 + b1)
        prediction = h @ w2 + b2
        _, g = loss(prediction, y, grad=True)             # fused loss and gradient from LossKit
        gh = np.outer(g, w2) * (1 - h ** 2)               # back through the tanh layer
        w2 -= lr * h.T @ g; b2 -= lr * g.sum()
        w1 -= lr * x.T @ gh; b1 -= lr * gh.sum(axis=0)
    return lambda z: np.tanh(z @ w1 + b1) @ w2 + b2


def main():
    rng = np.random.default_rng(0)
    x, y, _ = make_data(rng)
    grid = np.linspace(-1, 1, 200)[:, None]
    truth = np.sin(3 * grid[:, 0])
    for name, loss in (("squared error", lk.mse_loss), ("huber (delta=0.5)", lambda p, t, **k: lk.huber_loss(p, t, delta=0.5, **k))):
        model = train(loss, x, y, np.random.default_rng(1))
        rmse = float(np.sqrt(np.mean((model(grid) - truth) ** 2)))
        print(f"{name:<20} RMSE against the clean curve: {rmse:.4f}")


if __name__ == "__main__":
    main()
