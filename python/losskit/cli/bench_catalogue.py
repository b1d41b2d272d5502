"""`python -m losskit bench --catalogue`: every loss of the catalogue, LossKit against PyTorch.

Each case computes one catalogue loss with its default parameters, reduced by 'mean', and its
gradient with respect to every differentiable input, on float32 data of a size typical for that
kind of loss: 1M elements for elementwise losses, 20000x100 scores for the multiclass,
multi-label and divergence losses, 65536x128 embeddings for pair and triplet losses, 2048x128 for
NT-Xent (all pairs), CTC at T=200, N=32, C=40, S=50, and segmentation logits (8, 4, 128, 128).

The peers:

* torch: PyTorch's eager autograd, `torch.nn.functional.<name>` where PyTorch has the loss,
  otherwise the catalogue's formula written below in torch operations, then `backward()`;
  every loss has this peer.
* jax and sklearn: `jax.jit` of optax's loss or the formula in `jax.numpy`, and the fused
  losses of `sklearn._loss`, for the losses they have (`losskit.cli.bench_catalogue_peers`).

Each peer's loss and gradient are checked against LossKit's on the same arrays before it is
timed, so all do the same work; the ratio column is against the fastest peer that agreed.

Conventions that differ are converted for the check only, never inside the timing: LossKit's CTC
gradient is the true derivative with respect to `log_probs` (-γ), PyTorch's is exp(lp)·Σγ - γ
(equal after `log_softmax`'s backward), so LossKit's is mapped to PyTorch's before comparing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .bench_cases import SEED, Runner
from .bench_catalogue_peers import jax_runner, sklearn_runner

LIBRARIES = ("losskit", "torch", "jax", "sklearn")
PEERS = LIBRARIES[1:]


@dataclass
class Problem:
    """The positional arguments of one call (the first `differentiable` are differentiated) and
    its keyword options (the same for LossKit and the torch peer)."""
    args: list[np.ndarray]
    differentiable: int
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogueCase:
    """One catalogue loss at one size (smaller in a quick run). `build(rng, quick)` makes its
    arguments."""
    loss: str
    size: str
    build: Callable[[np.random.Generator, bool], Problem]
    quick: bool = False
    tiny: bool = False
    unit: str = "ms"
    grad_tolerance: float | None = None  # the worker's GRAD_TOL unless set (see LOOSER_GRADIENTS)

    @property
    def label(self) -> str:
        return f"{self.loss} {'quick' if self.quick else self.size}"


# ---- data ---------------------------------------------------------------------------------------

def _normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


def _uniform(rng: np.random.Generator, low: float, high: float, *shape: int) -> np.ndarray:
    return rng.uniform(low, high, shape).astype(np.float32)


def _labels(rng: np.random.Generator, values: tuple[float, float], *shape: int) -> np.ndarray:
    return np.where(rng.random(shape) < 0.5, values[0], values[1]).astype(np.float32)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))).astype(np.float32)


def _softmax(z: np.ndarray) -> np.ndarray:
    return np.exp(_log_softmax(z)).astype(np.float32)


# Targets of elementwise losses by the catalogue's target domain, inputs by its input domain.
def _elementwise(target: str = "real", input: str = "real") -> Callable[[np.random.Generator, bool], Problem]:
    def build(rng: np.random.Generator, quick: bool) -> Problem:
        n = 10_000 if quick else 1_000_000
        x = {"real": lambda: _normal(rng, n), "unit_interval": lambda: _uniform(rng, 0.02, 0.98, n),
             "above_minus_one": lambda: _uniform(rng, -0.5, 3.0, n)}[input]()
        y = {"real": lambda: _normal(rng, n), "signs": lambda: _labels(rng, (-1.0, 1.0), n),
             "zero_one": lambda: _labels(rng, (0.0, 1.0), n), "positive": lambda: _uniform(rng, 0.1, 3.0, n),
             "non_negative": lambda: rng.poisson(1.5, n).astype(np.float32),
             "above_minus_one": lambda: _uniform(rng, -0.5, 3.0, n)}[target]()
        return Problem([x, y], 1)
    return build


def _gaussian_nll(rng: np.random.Generator, quick: bool) -> Problem:
    n = 10_000 if quick else 1_000_000
    return Problem([_normal(rng, n), _normal(rng, n), _uniform(rng, 0.2, 2.0, n)], 1)


ROWS, CLASSES = 20_000, 100


def _rows(target: str, log_probabilities: bool = False) -> Callable[[np.random.Generator, bool], Problem]:
    def build(rng: np.random.Generator, quick: bool) -> Problem:
        n = 200 if quick else ROWS
        z = _normal(rng, n, CLASSES)
        if log_probabilities:
            z = _log_softmax(z)
        if target == "none":
            return Problem([z], 1)
        if target == "class_index":
            return Problem([z, rng.integers(0, CLASSES, n)], 1)
        if target == "multi_hot":
            return Problem([z, (rng.random((n, CLASSES)) < 0.1).astype(np.float32)], 1)
        if target == "class_indices":  # the first 5 classes of a random order, then -1
            order = np.argsort(rng.random((n, CLASSES)), axis=1)
            index = np.full((n, CLASSES), -1, dtype=np.int64)
            index[:, :5] = order[:, :5]
            return Problem([z, index], 1)
        return Problem([z, _softmax(_normal(rng, n, CLASSES))], 1)  # probability rows
    return build


def _pairs(labels: tuple[float, float], inputs: int = 2, dim: int = 128) -> Callable[[np.random.Generator, bool], Problem]:
    def build(rng: np.random.Generator, quick: bool) -> Problem:
        n = 1024 if quick else 65_536
        rows = [_normal(rng, n, dim) for _ in range(inputs)]
        return Problem(rows + ([_labels(rng, labels, n)] if labels else []), inputs)
    return build


def _scores(labels: tuple[float, float], inputs: int) -> Callable[[np.random.Generator, bool], Problem]:
    def build(rng: np.random.Generator, quick: bool) -> Problem:
        n = 10_000 if quick else 1_000_000
        return Problem([_normal(rng, n) for _ in range(inputs)] + [_labels(rng, labels, n)], inputs)
    return build


def _ntxent(rng: np.random.Generator, quick: bool) -> Problem:
    n = 256 if quick else 2048
    return Problem([_normal(rng, n, 128), np.repeat(np.arange(n // 2), 2)], 1)


def _ctc(rng: np.random.Generator, quick: bool) -> Problem:
    frames, batch, classes, length = (50, 4, 20, 10) if quick else (200, 32, 40, 50)
    log_probs = _log_softmax(_normal(rng, frames * batch, classes)).reshape(frames, batch, classes)
    targets = rng.integers(1, classes, (batch, length))
    return Problem([log_probs, targets, np.full(batch, frames, dtype=np.int64),
                    np.full(batch, length, dtype=np.int64)], 1)


def _segmentation(rng: np.random.Generator, quick: bool) -> Problem:
    n, c, h, w = (2, 4, 32, 32) if quick else (8, 4, 128, 128)
    return Problem([_normal(rng, n, c, h, w), rng.integers(0, c, (n, h, w))], 1)


# ---- torch formulas for the losses torch.nn.functional does not have ------------------------------

def _torch_formulas() -> dict[str, Callable[..., Any]]:
    import torch
    import torch.nn.functional as F

    def picked(z, y):  # softmax log-probability and probability of the target class
        log_p = F.log_softmax(z, dim=1).gather(1, y[:, None])[:, 0]
        return log_p, log_p.exp()

    def tversky(z, labels, alpha, beta, gamma=1.0, smooth=1.0, frequency_weights=False):
        p = F.softmax(z, dim=1)
        t = F.one_hot(labels, z.shape[1]).movedim(-1, 1).to(z.dtype)
        axes = tuple(range(2, z.ndim))
        tp, fp, fn = (p * t).sum(axes), (p * (1 - t)).sum(axes), ((1 - p) * t).sum(axes)
        loss = (1 - (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)) ** gamma
        if frequency_weights:
            w = 1 / (t.sum((0,) + axes) ** 2 + 1e-7)
            loss = loss * (w * z.shape[1] / w.sum())
        return loss.mean()

    def lovasz(z, labels):
        p = F.softmax(z, dim=1).flatten(2)
        t = F.one_hot(labels, z.shape[1]).movedim(-1, 1).flatten(2).to(z.dtype)
        errors, order = (t - p).abs().sort(dim=2, descending=True)
        t_sorted = t.gather(2, order)
        total = t_sorted.sum(2, keepdim=True)
        jaccard = 1 - (total - t_sorted.cumsum(2)) / (total + (1 - t_sorted).cumsum(2))
        grad = torch.cat([jaccard[..., :1], jaccard[..., 1:] - jaccard[..., :-1]], dim=2)
        return (errors * grad).sum(2).mean()

    def ntxent(e, labels, temperature=0.07):
        u = e / e.norm(dim=1, keepdim=True)
        s = u @ u.T / temperature
        same = labels[:, None] == labels[None, :]
        eye = torch.eye(len(labels), dtype=torch.bool)
        positive, negative = same & ~eye, ~same
        negatives = torch.where(negative, s, torch.full_like(s, -math.inf)).logsumexp(1, keepdim=True)
        pair = torch.logaddexp(s, negatives) - s
        return pair[positive].mean()

    def js(z, t):
        q = F.softmax(z, dim=1)
        m = (q + t) / 2
        kl = lambda a: torch.where(a > 0, a * (a / m).log(), torch.zeros_like(a))  # noqa: E731
        return ((kl(t) + kl(q)).sum(1) / 2).mean()

    r = lambda x, y: x - y  # noqa: E731
    return {
        "log_cosh_loss": lambda x, y: (r(x, y) + F.softplus(-2 * r(x, y)) - math.log(2)).mean(),
        "pseudo_huber_loss": lambda x, y: ((1 + r(x, y) ** 2).sqrt() - 1).mean(),
        "fair_loss": lambda x, y: (r(x, y).abs() - (1 + r(x, y).abs()).log()).mean(),
        "quantile_loss": lambda x, y: torch.maximum(0.5 * (y - x), -0.5 * (y - x)).mean(),
        "expectile_loss": lambda x, y: (0.5 * r(x, y) ** 2).mean(),
        "epsilon_insensitive_loss": lambda x, y: F.relu(r(x, y).abs() - 0.1).mean(),
        "mape_loss": lambda x, y: (r(x, y).abs() / y.abs().clamp_min(2.0 ** -52)).mean(),
        "squared_log_error_loss": lambda x, y: ((x.log1p() - y.log1p()) ** 2).mean(),
        "gamma_loss": lambda x, y: (x + y * (-x).exp()).mean(),
        "tweedie_loss": lambda x, y: ((0.5 * x).exp() / 0.5 + y * (-0.5 * x).exp() / 0.5).mean(),
        "sigmoid_focal_loss": lambda x, y: (
            (0.25 * y + 0.75 * (1 - y)) * F.binary_cross_entropy_with_logits(x, y, reduction="none")
            * (1 - (torch.sigmoid(x) * y + (1 - torch.sigmoid(x)) * (1 - y))) ** 2).mean(),
        "hinge_loss": lambda x, y: F.relu(1 - y * x).mean(),
        "squared_hinge_loss": lambda x, y: (F.relu(1 - y * x) ** 2).mean(),
        "modified_huber_loss": lambda x, y: torch.where(y * x >= -1, F.relu(1 - y * x) ** 2, -4 * y * x).mean(),
        "exponential_loss": lambda x, y: (y * (-x).exp() + (1 - y) * x.exp()).mean(),
        "adaptive_robust_loss": lambda x, y: ((r(x, y) ** 2 + 1).sqrt() - 1).mean(),
        "softmax_focal_loss": lambda z, y: (-(1 - picked(z, y)[1]) ** 2 * picked(z, y)[0]).mean(),
        "poly1_cross_entropy": lambda z, y: (-picked(z, y)[0] + 2 * (1 - picked(z, y)[1])).mean(),
        "generalized_cross_entropy": lambda z, y: ((1 - picked(z, y)[1] ** 0.7) / 0.7).mean(),
        "symmetric_cross_entropy": lambda z, y: (-0.1 * picked(z, y)[0] + 4 * (1 - picked(z, y)[1])).mean(),
        "multiclass_hinge_loss": lambda z, y: (
            (z + 1 - F.one_hot(y, z.shape[1]).to(z.dtype)).amax(1) - z.gather(1, y[:, None])[:, 0]).mean(),
        "jensen_shannon_divergence": js,
        "entropy": lambda z: -(F.softmax(z, dim=1) * F.log_softmax(z, dim=1)).sum(1).mean(),
        "contrastive_loss": lambda a, b, y: torch.where(
            y == 1, ((a - b) ** 2).sum(1), F.relu(1 - (a - b).norm(dim=1)) ** 2).mean(),
        "ntxent_loss": ntxent,
        "dice_loss": lambda z, t: tversky(z, t, 0.5, 0.5),
        "tversky_loss": lambda z, t: tversky(z, t, 0.5, 0.5),
        "focal_tversky_loss": lambda z, t: tversky(z, t, 0.5, 0.5, gamma=0.75),
        "generalized_dice_loss": lambda z, t: tversky(z, t, 0.5, 0.5, frequency_weights=True),
        "jaccard_loss": lambda z, t: tversky(z, t, 1.0, 1.0),
        "lovasz_softmax_loss": lovasz,
    }


# ---- the cases ------------------------------------------------------------------------------------

BUILDERS: dict[str, tuple[str, Callable[[np.random.Generator, bool], Problem]]] = {
    **{name: ("1M", _elementwise()) for name in (
        "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "log_cosh_loss", "pseudo_huber_loss",
        "fair_loss", "quantile_loss", "expectile_loss", "epsilon_insensitive_loss", "mape_loss",
        "adaptive_robust_loss")},
    "poisson_nll_loss": ("1M", _elementwise("non_negative")),
    "binary_cross_entropy_with_logits": ("1M", _elementwise("zero_one")),
    "sigmoid_focal_loss": ("1M", _elementwise("zero_one")),
    "exponential_loss": ("1M", _elementwise("zero_one")),
    "binary_cross_entropy": ("1M", _elementwise("zero_one", "unit_interval")),
    "squared_log_error_loss": ("1M", _elementwise("above_minus_one", "above_minus_one")),
    "gamma_loss": ("1M", _elementwise("positive")),
    "tweedie_loss": ("1M", _elementwise("non_negative")),
    **{name: ("1M", _elementwise("signs")) for name in (
        "hinge_loss", "squared_hinge_loss", "soft_margin_loss", "modified_huber_loss")},
    "gaussian_nll_loss": ("1M", _gaussian_nll),
    **{name: (f"{ROWS}x{CLASSES}", _rows("class_index")) for name in (
        "cross_entropy", "softmax_focal_loss", "poly1_cross_entropy", "generalized_cross_entropy",
        "symmetric_cross_entropy", "multi_margin_loss", "multiclass_hinge_loss")},
    "nll_loss": (f"{ROWS}x{CLASSES}", _rows("class_index", log_probabilities=True)),
    "multilabel_soft_margin_loss": (f"{ROWS}x{CLASSES}", _rows("multi_hot")),
    "multilabel_margin_loss": (f"{ROWS}x{CLASSES}", _rows("class_indices")),
    "kl_div": (f"{ROWS}x{CLASSES}", _rows("probabilities", log_probabilities=True)),
    "jensen_shannon_divergence": (f"{ROWS}x{CLASSES}", _rows("probabilities")),
    "entropy": (f"{ROWS}x{CLASSES}", _rows("none")),
    "cosine_embedding_loss": ("65536x128", _pairs((-1.0, 1.0))),
    "contrastive_loss": ("65536x128", _pairs((0.0, 1.0))),
    "triplet_margin_loss": ("65536x128", _pairs((), inputs=3)),
    "margin_ranking_loss": ("1M", _scores((-1.0, 1.0), 2)),
    "hinge_embedding_loss": ("1M", _scores((-1.0, 1.0), 1)),
    "ntxent_loss": ("2048x128", _ntxent),
    "ctc_loss": ("T200 N32 C40 S50", _ctc),
    **{name: ("8x4x128x128", _segmentation) for name in (
        "dice_loss", "tversky_loss", "focal_tversky_loss", "generalized_dice_loss", "jaccard_loss",
        "lovasz_softmax_loss")},
}


# Where PyTorch's float32 result is the less exact one, measured against PyTorch's own float64
# result on the same full-size data (which LossKit matches to 5e-8): CTC's 200 frames of float32
# log-space sums (3.5e-4 of max |gradient|), and Lovász's sort of float32 errors, which orders
# near-ties differently (5.0e-4). The check still catches a wrong formula, not those roundings.
LOOSER_GRADIENTS = {"ctc_loss": 1e-3, "lovasz_softmax_loss": 1e-3}


def cases(quick: bool, family: str | None = None) -> list[CatalogueCase]:
    """One case per catalogue loss (of `family`, or all), in catalogue order."""
    from .._internal.catalogue import catalogue
    return [CatalogueCase(e["name"], *BUILDERS[e["name"]], quick=quick,
                          grad_tolerance=LOOSER_GRADIENTS.get(e["name"])) for e in catalogue(family)]


def make_data(case: CatalogueCase, quick: bool) -> Problem:
    """The case's arguments, the same in every process (a fixed seed per loss name)."""
    return case.build(np.random.default_rng([SEED, *case.loss.encode()]), quick)


def _flat(result: tuple[Any, Any]) -> tuple[float, np.ndarray]:
    loss, grads = result
    grads = grads if isinstance(grads, tuple) else (grads,)
    return float(loss), np.concatenate([np.asarray(g, dtype=np.float64).reshape(-1) for g in grads])


def _losskit(case: CatalogueCase, problem: Problem) -> Runner:
    import losskit
    loss = getattr(losskit, case.loss)

    def run() -> Any:
        return loss(*problem.args, reduction="mean", grad=True, **problem.options)

    def value(result: Any) -> tuple[float, np.ndarray]:
        if case.loss != "ctc_loss":
            return _flat(result)
        lp = problem.args[0].astype(np.float64)  # -γ to PyTorch's exp(lp)·Σγ - γ, per frame
        g = np.asarray(result[1], dtype=np.float64)
        return float(result[0]), (g - np.exp(lp) * g.sum(axis=-1, keepdims=True)).reshape(-1)

    return Runner(run, value)


def _torch(case: CatalogueCase, problem: Problem) -> Runner:
    import torch
    import torch.nn.functional as F

    formula = _torch_formulas().get(case.loss) or getattr(F, case.loss)
    leaves = [torch.from_numpy(a).requires_grad_() for a in problem.args[:problem.differentiable]]
    fixed = [torch.from_numpy(a) for a in problem.args[problem.differentiable:]]

    def run() -> tuple[Any, list[Any]]:
        for leaf in leaves:
            leaf.grad = None
        value = formula(*leaves, *fixed, **problem.options)
        value.backward()
        return value.detach(), [leaf.grad for leaf in leaves]

    return Runner(run, lambda r: _flat((r[0].item(), tuple(g.numpy() for g in r[1]))))


def prepare(library: str, case: CatalogueCase, problem: Problem) -> Runner:
    """The loss-and-gradient computation of `library` for a case."""
    if library == "jax":
        return jax_runner(case.loss, problem.args, problem.differentiable)
    if library == "sklearn":
        return sklearn_runner(case.loss, problem.args, problem.differentiable)
    return {"losskit": _losskit, "torch": _torch}[library](case, problem)
