"""Memory a call cannot have is an exception, never the end of the process (issue 18).

Each call runs in a child process, so a regression that aborts (SIGABRT from a failed Swift
allocation) fails its test instead of killing pytest. References are closed forms computed
here: with every frame's log-probabilities log(1/3) and a target of S labels no two adjacent
ones equal, every alignment of T frames has probability 3^-T and there are C(T + S, 2S) of
them (blank runs b_0..b_S >= 0 and label runs r_1..r_S >= 1 adding up to T), so the CTC loss
is T·log 3 - log C(T + S, 2S)."""
import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import losskit as lk


def run_child(code: str, timeout: float = 120) -> dict:
    """Runs `code` in a fresh interpreter and returns the JSON object it prints last."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         timeout=timeout, env=env)
    assert run.returncode == 0, f"the child exited with {run.returncode}:\n{run.stderr[-3000:]}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def uniform_ctc_loss(frames: int, length: int) -> float:
    """-log p(target) for log-probabilities log(1/3) everywhere and alternating labels."""
    alignments = math.lgamma(frames + length + 1) - math.lgamma(2 * length + 1) - math.lgamma(frames - length + 1)
    return frames * math.log(3) - alignments


def test_uniform_ctc_formula_matches_torch():
    """The closed form the tests below rely on, checked against PyTorch at a size it handles."""
    frames, length = 50, 20
    lp = torch.full((frames, 1, 3), -math.log(3), dtype=torch.float64)
    target = torch.tensor([[1 + k % 2 for k in range(length)]])
    expected = torch.nn.functional.ctc_loss(lp, target, [frames], [length], reduction="sum").item()
    assert uniform_ctc_loss(frames, length) == pytest.approx(expected, rel=1e-12)
    ours = lk.ctc_loss(lp.numpy(), target.numpy(), [frames], [length], reduction="sum")
    assert ours == pytest.approx(expected, rel=1e-12)


CTC_CALL = """
    import json, math, numpy as np, losskit as lk
    T, S = {frames}, {length}
    lp = np.full((T, 1, 3), -math.log(3))
    target = (1 + np.arange(S) % 2)[None, :]
"""


def test_ctc_gradient_table_too_large_is_memory_error():
    """Issue 18's first call: the gradient needs a 200,000 × 200,001 α table (320 GB)."""
    result = run_child(CTC_CALL.format(frames=200_000, length=100_000) + """
    try:
        lk.ctc_loss(lp, target, [T], [S], reduction="sum", grad=True)
        print(json.dumps({"raised": None}))
    except MemoryError as e:
        print(json.dumps({"raised": "MemoryError", "message": str(e)}))
    """)
    assert result["raised"] == "MemoryError"
    assert "could not allocate the CTC α table of sequence 0: 200000 frames × 200001 states" in result["message"]
    assert "(320035200856 bytes)" in result["message"]  # (T + 6)·R + 8 + 3 doubles, R = 2S + 1 rounded up to 8, + 8


def test_ctc_loss_alone_needs_two_frames_of_alpha():
    """Without a gradient CTC keeps two frames of α: under an address-space limit that the
    gradient's table (8002 × 8001 doubles, 512 MB) does not fit in, the loss is still computed
    (and matches the closed form) while the gradient is a MemoryError."""
    result = run_child(CTC_CALL.format(frames=8000, length=4000) + """
    import resource
    lk.ctc_loss(lp[:10], target[:, :2], [10], [2])  # load everything the call needs first
    size = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (size * 1024 + (256 << 20), resource.RLIM_INFINITY))
    loss = lk.ctc_loss(lp, target, [T], [S], reduction="sum")
    try:
        lk.ctc_loss(lp, target, [T], [S], reduction="sum", grad=True)
        raised = None
    except MemoryError as e:
        raised = str(e)
    print(json.dumps({"loss": float(loss), "raised": raised}))
    """)
    assert result["loss"] == pytest.approx(uniform_ctc_loss(8000, 4000), rel=1e-9)
    assert result["raised"] and "CTC α table" in result["raised"]


def test_ctc_zero_size_input_allocates_nothing():
    """Issue 18's second call: log_probs of shape (0, 2, 2^40) and empty targets is no work; it
    used to ask for an 8.8 TB table. Every sequence is empty, so each loss is -log 1 = 0."""
    result = run_child("""
    import json, numpy as np, losskit as lk
    lp = np.empty((0, 2, 2**40))
    out = {}
    for reduction in ("mean", "sum", "none"):
        loss, grad = lk.ctc_loss(lp, np.zeros((2, 0), np.int64), [0, 0], [0, 0], reduction=reduction, grad=True)
        out[reduction] = [np.asarray(loss).tolist(), list(grad.shape)]
    print(json.dumps(out))
    """)
    assert result == {"mean": [0.0, [0, 2, 2**40]], "sum": [0.0, [0, 2, 2**40]], "none": [[0.0, 0.0], [0, 2, 2**40]]}


def test_memory_error_carries_the_library_message():
    """The shim maps LK_ERR_OUT_OF_MEMORY to MemoryError with lk_last_error's text: shown with
    the testing hook, which makes every scratch allocation fail."""
    result = run_child("""
    import ctypes, json, numpy as np, losskit as lk
    # The copy the shim loaded (the package's, a tuned one, or LD_LIBRARY_PATH's), so that the
    # hook reaches the library the calls below run in.
    path = next(line.split()[-1] for line in open("/proc/self/maps") if line.rstrip().endswith("/liblosskit.so"))
    library = ctypes.CDLL(path)
    library.lk_testing_fail_allocations.argtypes = [ctypes.c_int64]
    out = {}
    x = np.linspace(-1, 1, 24).reshape(6, 4)
    calls = {
        "ntxent_loss": lambda: lk.ntxent_loss(x, np.arange(6) // 2),
        "dice_loss": lambda: lk.dice_loss(x.reshape(2, 3, 4), np.zeros((2, 4), np.int64)),
        "mse_loss": lambda: lk.mse_loss(x, x + 1, grad=True),
    }
    for name, call in calls.items():
        library.lk_testing_fail_allocations(0)
        try:
            call()
            out[name] = "ok"
        except MemoryError as e:
            out[name] = "MemoryError: " + str(e)
        finally:
            library.lk_testing_fail_allocations(-1)
    print(json.dumps(out))
    """)
    assert result["ntxent_loss"].startswith("MemoryError: out of memory: could not allocate the NT-Xent")
    assert result["dice_loss"].startswith("MemoryError: out of memory: could not allocate the overlap sums")
    assert result["mse_loss"] == "ok"  # elementwise losses need no scratch
