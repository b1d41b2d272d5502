"""Threads: results are bitwise identical for any thread count, and the count is settable."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import losskit as lk


@pytest.fixture
def restore_threads():
    yield
    lk.set_num_threads(0)


def large_calls(rng: np.random.Generator):
    """Calls big enough to be split over threads (many accumulation blocks), every kind."""
    n = 3_000_001  # not a multiple of any block or vector size
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    w = rng.uniform(0, 2, n).astype(np.float32)
    z = rng.standard_normal((20_001, 300))
    t = rng.integers(0, 300, 20_001)
    t[::7] = -100
    return [
        lambda: lk.mse_loss(x, y, sample_weight=w, grad=True, hess=True),
        lambda: lk.huber_loss(x, y, delta=0.5, reduction="sum", grad=True),
        lambda: lk.binary_cross_entropy_with_logits(x, (y > 0).astype(np.float32), pos_weight=3.0, grad=True),
        lambda: lk.cross_entropy(z, t, label_smoothing=0.1, grad=True, hess=True),
        lambda: lk.cross_entropy(z.astype(np.float32), t, reduction="none", grad=True),
        lambda: lk.softmax_focal_loss(z, t, gamma=1.5, sample_weight=np.abs(z[:, 0]), grad=True, hess=True),
        lambda: lk.kl_div(np.log(np.abs(z) + 0.1), np.abs(z), reduction="batchmean", grad=True),
    ]


def as_bytes(result) -> list[bytes]:
    parts = result if isinstance(result, tuple) else (result,)
    return [np.asarray(p).tobytes() for p in parts]


def test_results_are_bitwise_identical_for_any_thread_count(restore_threads):
    calls = large_calls(np.random.default_rng(7))
    by_count = {}
    for threads in (1, 2, 3, 8):
        lk.set_num_threads(threads)
        assert lk.get_num_threads() == threads
        by_count[threads] = [as_bytes(call()) for call in calls]
    for threads in (2, 3, 8):
        assert by_count[threads] == by_count[1], f"{threads} threads differ from 1"


def test_thread_count_setting(restore_threads):
    lk.set_num_threads(5)
    assert lk.get_num_threads() == 5
    lk.set_num_threads(0)
    assert lk.get_num_threads() == lk.build_info()["threads"] >= 1
    with pytest.raises(ValueError, match="n must be >= 0"):
        lk.set_num_threads(-1)
    with pytest.raises(TypeError, match="n: expected an integer"):
        lk.set_num_threads(2.5)


def test_default_comes_from_the_environment_else_the_cpus():
    code = "import losskit as lk; print(lk.get_num_threads())"
    env = dict(os.environ, LOSSKIT_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"
    env.pop("LOSSKIT_NUM_THREADS")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(os.sched_getaffinity(0))
