"""Nothing leaks: resident memory stays flat over a million small calls and thousands of large
ones (each measured in a child process, which starts clean and reports its RSS before and
after), and failing calls of every kind leave their arguments' reference counts unchanged."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import losskit as lk
from _child import run_child

MEASURE = """
    import json, os
    import numpy as np
    import losskit as lk

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def run(calls, n):
        for i in range(n):
            calls[i % len(calls)]()

    def raises(error, f):
        def call():
            try:
                f()
            except error:
                return
            raise AssertionError(f"no {error.__name__}")
        return call
"""

# A leak of one 16-byte object per call would add 16 MB over the million calls; what a fresh
# interpreter's allocator settles on after warming up stays well below this.
SMALL_TOLERANCE = 4 << 20
# A leaked 1.6 MB output once in 50 calls would add about 100 MB over 3000 calls.
LARGE_TOLERANCE = 48 << 20


def test_rss_is_flat_over_a_million_small_calls():
    run = run_child(MEASURE + """
    x = np.linspace(-1, 1, 8)
    y = x[::-1].copy()
    logits = np.linspace(-2, 2, 12).reshape(4, 3)
    labels = np.array([0, 2, 1, 2])
    bad_labels = np.array([0, 2, 1, 5])
    calls = [
        lambda: lk.mse_loss(x, y, grad=True, hess=True),
        lambda: lk.huber_loss(x, y, delta=0.5, reduction="none", grad=True),
        lambda: lk.cross_entropy(logits, labels, grad=True, hess=True),
        lambda: lk.binary_cross_entropy_with_logits(x.astype(np.float32), (y > 0).astype(np.float32), grad=True),
        lambda: lk.triplet_margin_loss(logits, logits[::-1], logits + 1, grad=True),
        raises(ValueError, lambda: lk.mse_loss(x, y[:3])),
        raises(ValueError, lambda: lk.huber_loss(x, y, delta=-1.0)),
        raises(TypeError, lambda: lk.mse_loss(x, y, grad="yes")),
        raises(IndexError, lambda: lk.cross_entropy(logits, bad_labels, grad=True)),
    ]
    run(calls, 50_000)
    before = rss()
    run(calls, 1_000_000)
    print(json.dumps({"before": before, "after": rss()}))
    """, timeout=300)
    measured = json.loads(run.stdout.splitlines()[-1])
    print(f"RSS over 1,000,000 small calls: {measured['before'] / 2**20:.1f} MiB before, "
          f"{measured['after'] / 2**20:.1f} MiB after")
    assert measured["after"] - measured["before"] <= SMALL_TOLERANCE, measured


def test_rss_is_flat_over_thousands_of_large_calls():
    """3000 calls with outputs of 1.6 MB (recycled by the output cache, or kept for a while
    and dropped, or converted from other dtypes and layouts)."""
    run = run_child(MEASURE + """
    rng = np.random.default_rng(1)
    x = rng.standard_normal(200_000)
    y = rng.standard_normal(200_000)
    x16 = x.astype(np.float16)
    strided = np.repeat(x, 2)[::2]
    logits = x.reshape(-1, 100)
    labels = rng.integers(0, 100, len(logits))
    kept = []
    def keep(result):
        kept.append(result)
        if len(kept) > 20:
            kept.clear()
    calls = [
        lambda: lk.mse_loss(x, y, grad=True, hess=True),
        lambda: keep(lk.huber_loss(x, y, reduction="none", grad=True)),
        lambda: lk.mse_loss(x16, y, grad=True),
        lambda: keep(lk.l1_loss(strided, y, grad=True)),
        lambda: lk.cross_entropy(logits, labels, grad=True, hess=True),
        raises(ValueError, lambda: lk.huber_loss(strided, y, delta=float("nan"), grad=True)),
    ]
    run(calls, 300)
    kept.clear()
    before = rss()
    run(calls, 3000)
    kept.clear()
    print(json.dumps({"before": before, "after": rss()}))
    """, timeout=300)
    measured = json.loads(run.stdout.splitlines()[-1])
    print(f"RSS over 3,000 large calls: {measured['before'] / 2**20:.1f} MiB before, "
          f"{measured['after'] / 2**20:.1f} MiB after")
    assert measured["after"] - measured["before"] <= LARGE_TOLERANCE, measured


def _arrays():
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    return x, x[::-1].copy(), np.array([0, 1, 2, 1])


def _failing_calls():
    """(name, error, function, positional arguments, keyword arguments) of failing calls: the
    shim's plain fast path and the general path, errors found in Python and in the library."""
    x, y, labels = _arrays()
    f32 = x.astype(np.float32)
    return [
        ("shape", ValueError, lk.mse_loss, (x, y[:2]), {}),
        ("shape, fast path with grad", ValueError, lk.mse_loss, (x, y[:2]), {"grad": True}),
        ("parameter range", ValueError, lk.huber_loss, (x, y), {"delta": float("-1"), "grad": True}),
        ("parameter NaN", ValueError, lk.smooth_l1_loss, (f32, f32), {"beta": float("nan")}),
        ("parameter type", TypeError, lk.huber_loss, (x, y), {"delta": "one"}),
        ("flag type", TypeError, lk.mse_loss, (x, y), {"grad": "yes"}),
        ("reduction", ValueError, lk.mse_loss, (x, y), {"reduction": "average"}),
        ("dtype", TypeError, lk.mse_loss, (x.astype(complex), y), {}),
        ("object array", TypeError, lk.mse_loss, (x.astype(object), y), {}),
        ("negative weight", ValueError, lk.mse_loss, (x, y), {"sample_weight": -np.ones(4)}),
        ("class index", IndexError, lk.cross_entropy, (x, labels + 5), {"grad": True}),
        ("class index, row-wise", IndexError, lk.nll_loss, (x, labels - 7), {}),
        ("embedding target", ValueError, lk.cosine_embedding_loss, (x, y, np.full(4, 3.0)), {}),
        ("ntxent temperature", ValueError, lk.ntxent_loss, (x, labels), {"temperature": -1.0}),
        ("ctc label", IndexError, lk.ctc_loss, (np.zeros((5, 1, 3)), np.array([[1, 4]]), np.array([5]),
                                               np.array([2])), {}),
        ("overlap target", ValueError, lk.dice_loss, (x[None], np.full((1, 4, 3), 2.0)), {}),
        ("hybrid part", ValueError, lk.hybrid_loss, (x, labels, [("no_such_loss", 1.0)]), {}),
    ]


@pytest.mark.parametrize("case", _failing_calls(), ids=lambda case: case[0])
def test_failing_calls_leave_reference_counts_unchanged(case):
    _, error, function, args, kwargs = case
    # True, False and None are shared by the whole process, whose other threads (left by
    # earlier tests) change their counts at any time; the arrays and numbers are this test's.
    objects = [o for o in (*args, *kwargs.values()) if not isinstance(o, bool) and o is not None]
    with pytest.raises(error):  # the case fails at all, and as intended
        function(*args, **kwargs)
    before = [sys.getrefcount(o) for o in objects]
    for _ in range(100):
        with pytest.raises(error):
            function(*args, **kwargs)
    after = [sys.getrefcount(o) for o in objects]
    assert after == before, f"reference counts {before} -> {after} after 100 failing calls"
