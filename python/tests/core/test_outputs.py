"""The output cache (`losskit/_outputs.py`): large outputs are recycled only when nothing refers
to them, recycled results are correct, and the limit and the off switch work."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import losskit as lk
from losskit._internal import outputs as _outputs

N = 3_000_000  # 12 MB of float32: well above the 128 KiB recycling threshold
SMALL = 1000


@pytest.fixture(autouse=True)
def default_cache():
    lk.set_output_cache(_outputs.DEFAULT_MAX_BYTES)
    yield
    lk.set_output_cache(_outputs.DEFAULT_MAX_BYTES)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    return rng.standard_normal(N, dtype=np.float32), rng.standard_normal(N, dtype=np.float32)


def mse_grad_reference(x, y):
    return 2 * (x.astype(np.float64) - y) / x.size


def address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def test_a_dropped_large_output_is_reused_and_rewritten(data):
    x, y = data
    _, g1 = lk.mse_loss(x, y, grad=True)
    g1[:] = np.nan  # whatever is left in a buffer must be overwritten
    first = address(g1)
    del g1
    _, g2 = lk.mse_loss(x, y, grad=True)
    assert address(g2) == first
    np.testing.assert_allclose(g2, mse_grad_reference(x, y), rtol=1e-6, atol=1e-12)
    assert g2.flags.c_contiguous and g2.flags.writeable and g2.dtype == np.float32 and g2.shape == (N,)


def test_outputs_still_referred_to_are_never_reused(data):
    x, y = data
    _, g1 = lk.mse_loss(x, y, grad=True)
    view = g1[::2]
    memory = memoryview(g1[1:])
    kept = g1.copy()
    del g1
    results = [lk.mse_loss(x, y, grad=True)[1] for _ in range(3)]
    for g in results:
        assert not np.shares_memory(g, view) and not np.shares_memory(g, np.asarray(memory))
    np.testing.assert_array_equal(view, kept[::2])
    np.testing.assert_array_equal(np.asarray(memory), kept[1:])
    assert len({address(g) for g in results}) == 3


def test_small_outputs_are_fresh_arrays():
    x = np.linspace(-1, 1, SMALL)
    _, g = lk.mse_loss(x, np.zeros(SMALL), grad=True)
    assert g.base is None and g.flags.owndata


def test_every_output_kind_is_recycled_with_the_right_shape(data):
    x, y = data
    losses, g, h = lk.huber_loss(x.reshape(1000, -1), y.reshape(1000, -1), reduction="none", grad=True, hess=True)
    assert losses.shape == g.shape == h.shape == (1000, N // 1000)
    assert len({address(losses), address(g), address(h)}) == 3
    np.testing.assert_array_equal(h, (np.abs(x - y) <= 1).reshape(1000, -1))


def test_a_limit_of_zero_turns_recycling_off(data):
    x, y = data
    assert lk.set_output_cache(0) == _outputs.DEFAULT_MAX_BYTES
    _, g = lk.mse_loss(x, y, grad=True)
    assert g.base is None and g.flags.owndata
    assert not _outputs._buffers


def test_outputs_larger_than_the_limit_are_not_kept(data):
    x, y = data
    lk.set_output_cache(x.nbytes // 2)
    _, g = lk.mse_loss(x, y, grad=True)
    assert g.flags.owndata


def test_lowering_the_limit_drops_idle_buffers_but_keeps_arrays_in_use(data):
    x, y = data
    _, held = lk.mse_loss(x, y, grad=True)
    _, dropped = lk.mse_loss(x, y, grad=True)
    del dropped
    lk.set_output_cache(x.nbytes)
    assert len(_outputs._buffers) == 1 and np.shares_memory(_outputs._buffers[0], held)
    np.testing.assert_allclose(held, mse_grad_reference(x, y), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("value, error", [(-1, ValueError), ("1", TypeError), (True, TypeError), (1.5, TypeError)])
def test_bad_limits_are_refused_by_name(value, error):
    with pytest.raises(error, match="max_bytes"):
        lk.set_output_cache(value)


def test_threads_never_share_an_output(data):
    x, y = data
    reference = mse_grad_reference(x, y)
    results: list[np.ndarray] = []
    failures: list[BaseException] = []

    def work():
        try:
            for _ in range(4):
                _, g = lk.mse_loss(x, y, grad=True)
                results.append(g)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert len({address(g) for g in results}) == len(results) == 12
    for g in results:
        np.testing.assert_allclose(g, reference, rtol=1e-6, atol=1e-12)
