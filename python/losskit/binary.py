"""Binary classification losses: on probabilities, on logits, and on margins.

They follow the conventions of elementwise losses (`help(losskit)`: same-shape `input` and
`target`, `reduction`, `sample_weight`, `grad`/`hess` of the reduced loss, dtypes), and each
states its label convention. Labels are checked element by element: a label in the wrong
convention raises ValueError saying how to convert (2·y - 1 turns {0, 1} into {-1, +1};
(y + 1)/2 goes back).

Derivatives are with respect to `input`. Where a loss has a kink, the gradient there is 0
when the kink is where the loss becomes flat, and Hessians of piecewise-quadratic losses are
their exact piecewise values (documented per loss).
"""
from __future__ import annotations

from typing import Any

from ._internal.elementwise import evaluate

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "sigmoid_focal_loss", "hinge_loss",
           "squared_hinge_loss", "soft_margin_loss", "modified_huber_loss", "exponential_loss"]


def binary_cross_entropy(input: Any, target: Any, *, weight: Any = None, reduction: str = "mean",
                         sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Binary cross-entropy on probabilities, as `torch.nn.functional.binary_cross_entropy`.

    With p = `input` in [0, 1] and y = `target` in [0, 1] (soft labels allowed):
    l = -[y·max(log p, -100) + (1 - y)·max(log(1 - p), -100)];
    ∂l/∂p = (p - y) / max(p(1 - p), ε), ε = 1e-12 (PyTorch's constant, a float32);
    ∂²l/∂p² = y/p² + (1 - y)/(1 - p)², and 1/ε where p(1 - p) <= ε.

    The clamps are PyTorch's: p = 0 with y = 1 costs 100 and has gradient -1/ε ≈ -1e12
    (per element, before reduction). The Hessian is the exact derivative of that gradient;
    PyTorch's double backward instead divides by (p(1 - p) + ε)². An `input` outside [0, 1]
    raises ValueError (PyTorch refuses it with RuntimeError); so does a `target` outside [0, 1]
    (PyTorch accepts it).
    Prefer `binary_cross_entropy_with_logits` where logits are available: it needs no clamp.

    `weight` is PyTorch's rescaling weight (broadcast to the input; 'mean' still divides by
    the element count); `sample_weight` gives Σ w·l / Σ w. Pass at most one. Weights must be finite and >= 0: a negative or NaN one raises ValueError naming it
    (PyTorch accepts negative weights).
    """
    return evaluate("binary_cross_entropy", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess, weight=weight)


def binary_cross_entropy_with_logits(input: Any, target: Any, *, weight: Any = None,
                                     pos_weight: Any = None, label_smoothing: float = 0.0,
                                     reduction: str = "mean", sample_weight: Any = None,
                                     grad: bool = False, hess: bool = False) -> Any:
    """Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`.

    With p = `pos_weight` (a scalar or one value per element of the last axis, default 1):
    l = -[p·y·log σ(x) + (1 - y)·log σ(-x)] = p·y·softplus(-x) + (1 - y)·softplus(x);
    ∂l/∂x = (1 - y)·σ(x) - p·y·σ(-x)  (σ(x) - y when p = 1);
    ∂²l/∂x² = (1 + (p - 1)y)·σ(x)·σ(-x).
    Computed without overflow or cancellation for any finite logit, so confidently correct
    predictions keep their tiny losses and gradients to full relative precision (PyTorch's
    form loses them). Targets may be soft labels in [0, 1].

    `label_smoothing` ε in [0, 1] (Keras's rule; PyTorch has no BCE smoothing) replaces the
    target y by y' = (1 - ε)·y + ε/2 in every formula above, before `pos_weight` applies.

    `weight` is PyTorch's rescaling weight: broadcast to the input's shape, it multiplies each
    element's loss, and 'mean' still divides by the number of elements. `sample_weight` instead
    gives the weighted mean Σ w·l / Σ w. Pass at most one of them. `weight`, `pos_weight` and
    `sample_weight` must be finite and >= 0: a negative or NaN one raises ValueError naming it
    (PyTorch accepts negative ones).
    """
    return evaluate("binary_cross_entropy_with_logits", input, target,
                    [("label_smoothing", label_smoothing)], reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess, weight=weight,
                    column=pos_weight, column_name="pos_weight")


def sigmoid_focal_loss(input: Any, target: Any, *, alpha: float | None = 0.25, gamma: float = 2.0,
                       reduction: str = "mean", sample_weight: Any = None, grad: bool = False,
                       hess: bool = False) -> Any:
    """Sigmoid focal loss on logits (Lin et al. 2017), as torchvision's
    `ops.sigmoid_focal_loss` and optax's `sigmoid_focal_loss`.

    With p = σ(x), labels y in [0, 1] and p_t = p·y + (1 - p)(1 - y):
    l = α_t·BCE(x, y)·(1 - p_t)^γ,  α_t = α·y + (1 - α)(1 - y).

    `alpha` in [0, 1] weights the positive class; `alpha=None` (optax's spelling) or any
    negative value (torchvision's) disables the weighting (α_t = 1). `gamma` >= 0; with
    `gamma=0` and `alpha=None` the loss is exactly binary cross-entropy with logits.
    Unlike torchvision, whose default reduction is 'none', the default here is 'mean'.

    Computed in log space: finite, with exact gradient and Hessian, for any finite logit and
    any gamma >= 0 (including 0 < gamma < 1, where autodiff of (1 - p_t)^γ gives NaN or inf
    once 1 - p_t rounds to 0). See `SigmoidFocalLoss.swift` for the derivative formulas.
    """
    a = -1.0 if alpha is None else alpha
    return evaluate("sigmoid_focal_loss", input, target, [("alpha", a), ("gamma", gamma)],
                    reduction=reduction, sample_weight=sample_weight, grad=grad, hess=hess)


def hinge_loss(input: Any, target: Any, *, reduction: str = "mean", sample_weight: Any = None,
               grad: bool = False, hess: bool = False) -> Any:
    """Hinge loss, as optax's `hinge_loss` and scikit-learn's `hinge_loss` metric.

    Labels y in {-1, +1}; with z = y·x: l = max(0, 1 - z); ∂l/∂x = -y where z < 1, else 0
    (0 at the kink z = 1, where scikit-learn's SGD uses -y); ∂²l/∂x² = 0.
    """
    return evaluate("hinge_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def squared_hinge_loss(input: Any, target: Any, *, reduction: str = "mean",
                       sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Squared hinge loss, as Keras's `squared_hinge` (without its automatic 0/1 → ±1
    conversion) and scikit-learn's `SGDClassifier(loss='squared_hinge')`.

    Labels y in {-1, +1}; with z = y·x: l = max(0, 1 - z)²; ∂l/∂x = -2y·max(0, 1 - z);
    ∂²l/∂x² = 2 where z < 1, else 0 (0 at z = 1).
    """
    return evaluate("squared_hinge_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def soft_margin_loss(input: Any, target: Any, *, reduction: str = "mean",
                     sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Soft-margin (logistic) loss, as `torch.nn.functional.soft_margin_loss`.

    Labels y in {-1, +1}: l = softplus(-y·x) = log(1 + e^(-y·x)); ∂l/∂x = -y·σ(-y·x);
    ∂²l/∂x² = σ(x)·σ(-x). Finite for any finite logit.
    """
    return evaluate("soft_margin_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def modified_huber_loss(input: Any, target: Any, *, reduction: str = "mean",
                        sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Modified Huber loss, as scikit-learn's `SGDClassifier(loss='modified_huber')`.

    Labels y in {-1, +1}; with z = y·x: l = 0 for z >= 1, (1 - z)² for -1 <= z < 1, -4z for
    z < -1; ∂l/∂x = 0, -2y(1 - z), -4y; ∂²l/∂x² = 0, 2, 0 on those branches (the branch that
    owns z = 1 and z = -1 is scikit-learn's).
    """
    return evaluate("modified_huber_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)


def exponential_loss(input: Any, target: Any, *, reduction: str = "mean",
                     sample_weight: Any = None, grad: bool = False, hess: bool = False) -> Any:
    """Exponential (AdaBoost) loss, as scikit-learn's `ExponentialLoss`
    (`GradientBoostingClassifier(loss='exponential')`).

    Labels y in {0, 1} (scikit-learn's convention; for ±1 labels use (y + 1)/2):
    l = y·e^(-x) + (1 - y)·e^x; ∂l/∂x = -y·e^(-x) + (1 - y)·e^x; ∂²l/∂x² = l.
    """
    return evaluate("exponential_loss", input, target, reduction=reduction,
                    sample_weight=sample_weight, grad=grad, hess=hess)
