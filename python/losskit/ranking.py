"""Ranking: losses that order scores. `margin_ranking_loss` compares two scores per sample, as
PyTorch's; the conventions of `losskit.metric_learning` apply (weighted mean over samples,
`sample_weight` per sample, `grad=True` returns the gradient for each input).
"""
from __future__ import annotations

from typing import Any

from ._internal.arrays import as_real
from ._internal.embedding import evaluate, same_shape

__all__ = ["margin_ranking_loss"]


def margin_ranking_loss(input1: Any, input2: Any, target: Any, *, margin: float = 0.0,
                        reduction: str = "mean", sample_weight: Any = None, grad: bool = False) -> Any:
    """`torch.nn.functional.margin_ranking_loss`: elementwise l = max(0, -y·(x1 - x2) + margin)
    for scores x1, x2 and labels y ∈ {-1, 1}, all of one shape. (PyTorch accepts any y; here
    labels must be ±1.) `grad=True` returns `(loss, (grad_input1, grad_input2))`. As PyTorch's
    `clamp_min`, the hinge passes its gradient at exactly -y·(x1 - x2) + margin = 0; NaN in a
    score gives NaN in that pair's loss and gradients. `sample_weight` must be finite and >= 0."""
    inputs = same_shape([(input1, "input1"), (input2, "input2")])
    shape = inputs[0][0].shape
    return evaluate("margin_ranking_loss", (as_real(margin, "margin"),), inputs, target,
                     rows_shape=shape, dim=1, reduction=reduction, sample_weight=sample_weight, grad=grad,
                     reshape=shape)
