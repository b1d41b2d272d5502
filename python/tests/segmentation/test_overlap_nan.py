"""NaN through the overlap losses: a NaN logit gives NaN in its sample's loss and in the
gradient at its pixel, and leaves the other sample alone. `focal_tversky_loss` used to return 0
there: its flat branch `u > 0 ? u^γ : 0` is false for NaN."""
import numpy as np
import pytest

import losskit as lk

LOSSES = {
    "dice_loss": {}, "jaccard_loss": {}, "tversky_loss": {}, "generalized_dice_loss": {},
    "focal_tversky_loss": {}, "focal_tversky_loss-gamma-2": {"gamma": 2.0}, "lovasz_softmax_loss": {},
}


@pytest.mark.parametrize("pixel", [(0, 0, 0), (0, 1, 2)])
@pytest.mark.parametrize("name", LOSSES)
def test_nan_logit_gives_nan_in_its_sample(name, pixel, dtype):
    fn = getattr(lk, name.split("-")[0])
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4)).astype(dtype)
    t = rng.integers(0, 3, size=(2, 4))
    clean_loss, clean_grad = fn(x, t, reduction="none", grad=True, **LOSSES[name])
    x[pixel] = np.nan
    loss, grad = fn(x, t, reduction="none", grad=True, **LOSSES[name])
    assert np.isnan(loss[0]) and loss[1] == clean_loss[1]
    assert np.all(np.isnan(grad[0][:, pixel[2]]))  # every class at the pixel, through the softmax
    np.testing.assert_array_equal(grad[1], clean_grad[1])
    assert np.isnan(fn(x, t, reduction="mean", **LOSSES[name]))
