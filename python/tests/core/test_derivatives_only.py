"""Derivatives without the loss: called with no loss output and a 'mean' or 'sum' reduction,
the elementwise kernel computes gradients and Hessians in a loop specialised without the loss's
own terms (what a boosting objective asks for). Those must be exactly the derivatives of the
full computation, for every elementwise loss, dtype, reduction and weighting, NaN included;
the full computation's derivatives are checked against independent formulas elsewhere (the
family suites and tests/c/test_abi.c, which also checks this mode against its reference)."""
from __future__ import annotations

import numpy as np
import pytest

import losskit as lk
from losskit._internal.elementwise import evaluate

ELEMENTWISE = [e for e in lk.catalogue() if e["kind"] == "elementwise"]
N = 1003  # whole vectors of either width and a tail

DOMAINS = {
    "real": lambda rng: 4 * rng.normal(size=N),
    "above_minus_one": lambda rng: rng.uniform(-0.5, 3.0, N),
    "non_negative": lambda rng: rng.poisson(1.5, N).astype(float),
    "positive": lambda rng: rng.uniform(0.1, 3.0, N),
    "unit_interval": lambda rng: rng.uniform(0.02, 0.98, N),
    "signs": lambda rng: rng.choice([-1.0, 1.0], N),
    "zero_one": lambda rng: rng.choice([0.0, 1.0], N),
}


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=lambda e: e["name"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_derivatives_only_are_the_full_computations_derivatives(spec, dtype, reduction, weighted):
    rng = np.random.default_rng(len(spec["name"]))
    x = DOMAINS[spec["input_domain"]](rng).astype(dtype)
    y = DOMAINS[spec["target_domain"]](rng).astype(dtype)
    x[7] = np.nan
    # The per-column parameter (BCE's pos_weight, Gaussian NLL's var) where the loss has one.
    column = rng.uniform(0.5, 2.0, N).astype(dtype) if spec["column_parameter"] else None
    kwargs = dict(reduction=reduction, sample_weight=rng.uniform(0, 2, N) if weighted else None, grad=True,
                  hess=True, column=column, column_name=spec["column_parameter"] or "")
    params = tuple((p["name"], p["default"]) for p in spec["parameters"])
    loss, grad, hess = evaluate(spec["name"], x, y, params, **kwargs)
    nothing, grad_only, hess_only = evaluate(spec["name"], x, y, params, needs_loss=False, **kwargs)
    assert nothing is None and np.isnan(loss)
    assert grad_only.dtype == hess_only.dtype == dtype
    np.testing.assert_array_equal(grad_only, grad)
    np.testing.assert_array_equal(hess_only, hess)
    assert np.isnan(grad_only[7]) and np.isfinite(np.delete(grad_only, 7)).all()


def test_reduction_none_still_returns_the_losses():
    """The losses are the output of 'none': asking for no loss changes nothing there."""
    x, y = np.linspace(-3, 3, 9), np.zeros(9)
    losses, grad = evaluate("huber_loss", x, y, (("delta", 1.0),), reduction="none", grad=True, needs_loss=False)
    np.testing.assert_array_equal(losses, lk.huber_loss(x, y, reduction="none"))
    np.testing.assert_array_equal(grad, np.clip(x, -1, 1))
