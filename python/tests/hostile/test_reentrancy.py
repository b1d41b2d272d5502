"""Loss calls from finalizers, signal handlers and other threads, while the output cache (which
recycles outputs of 128 KiB and more, README "Output arrays") is in use: none may hang, and
every result must still be right. Each runs in a child process with a timeout, so a deadlock
fails the test instead of stalling the suite."""
from _child import run_child

# Outputs of 20 000 float64 values (160 KB) are above the 128 KiB recycling threshold.
PRELUDE = """
    import gc, signal, sys, threading
    import numpy as np
    import losskit as lk
    x = np.random.default_rng(0).standard_normal(21_000)
    y = x + 0.5

    def call(i, check=True):
        \"\"\"mse_loss with its gradient on about 20 000 values, checked against the formula.
        The size varies with i, so the cache seldom holds an idle buffer of the size asked for
        and must allocate, which is where a garbage collection can start. (Checking every
        call changes where collections start so much that the old deadlock stayed hidden.)\"\"\"
        n = 20_000 + i % 1000
        grad = lk.mse_loss(x[:n], y[:n], grad=True)[1]
        if check:
            assert np.allclose(grad, 2 * (x[:n] - y[:n]) / n, rtol=1e-12, atol=0), "a wrong gradient"

    lk.set_output_cache(16 << 20)  # bounds the idle buffers of many sizes
"""


def test_a_finalizer_that_computes_a_large_loss_during_a_collection_does_not_hang():
    """Issue 18, defect 2: objects in reference cycles are finalized by the garbage collector,
    which can run inside any allocation, including one made while the cache is locked."""
    run_child(PRELUDE + """
    class Cyclic:
        def __init__(self):
            self.me = self
        def __del__(self):
            call(0)

    for i in range(3000):
        Cyclic()
        call(i, check=i % 100 == 0)
    gc.collect()
    """, timeout=120)


def test_set_output_cache_from_a_finalizer_does_not_hang():
    run_child(PRELUDE + """
    class Cyclic:
        def __init__(self, limit):
            self.me, self.limit = self, limit
        def __del__(self):
            lk.set_output_cache(self.limit)
            call(0)

    for i in range(2000):
        Cyclic(0 if i % 3 == 0 else 16 << 20)
        call(i, check=i % 100 == 0)
    """, timeout=120)


def test_a_signal_handler_that_computes_a_large_loss_does_not_hang():
    """A handler runs between any two bytecodes of the main thread, so also inside the cache."""
    run_child(PRELUDE + """
    calls = 0
    def handler(signum, frame):
        global calls
        calls += 1
        call(0)

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.002, 0.002)  # a call takes ~0.1 ms
    for i in range(4000):
        call(i, check=i % 100 == 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    assert calls > 10, calls
    """, timeout=120)


def test_threads_and_finalizers_share_the_cache_without_hangs_or_wrong_results():
    """Eight threads computing large losses, with finalizers (on any of them) computing more,
    one thread lowering and raising the cache limit, and finalizers waiting for a lock that
    another thread holds while it computes a loss (reentrant, so that a finalizer running on
    the thread that holds it does not wait for itself)."""
    run_child(PRELUDE + """
    user_lock = threading.RLock()
    errors = []

    class Cyclic:
        def __init__(self):
            self.me = self
        def __del__(self):
            with user_lock:
                call(0)

    def work(n):
        try:
            for i in range(n):
                Cyclic()
                with user_lock:
                    call(0)
                call(i, check=i % 10 == 0)
        except BaseException as exc:
            errors.append(repr(exc))

    def toggle_limit(n):
        for i in range(n):
            lk.set_output_cache(0 if i % 2 else 16 << 20)

    threads = [threading.Thread(target=work, args=(400,)) for _ in range(8)]
    threads.append(threading.Thread(target=toggle_limit, args=(2000,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    """, timeout=120)
