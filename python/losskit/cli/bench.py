"""`python -m losskit bench`: LossKit against numpy, PyTorch (CPU) and JAX, on identical arrays.

Each library computes the mean loss *and* its gradient with respect to the input, the work a
training step needs, for:

* `mse_loss` and `binary_cross_entropy_with_logits` on 10 million float32 elements,
* `cross_entropy` on 65536x1000 float32 logits with int64 class indices,
* tiny calls, `mse_loss` on 32 elements and `cross_entropy` on 32x10, where per-call overhead
  dominates (µs per call, timed over loops of many calls).

The large cases are memory-bound or nearly so, so each is also compared with a physical floor:
one pass over memory that reads the inputs and writes the gradient with a single-threaded numpy
ufunc into a preallocated array (`losskit.cli.bench_cases.prepare_floor`). "LossKit / floor" says
how close LossKit comes to that; with several threads it can go below 1.

Thread settings: "1" and "all" (the cores this process may use, `os.sched_getaffinity`). Each
library runs at each setting in a fresh process (`losskit.cli.bench_worker`) started with
LOSSKIT_, OMP_, MKL_ and OPENBLAS_NUM_THREADS set, `torch.set_num_threads` and
`lk.set_num_threads` called, and for 1 thread
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" and the process
pinned to one core. The pinning is what makes XLA single-threaded: jax 0.10 ignores those flags
for these fused elementwise kernels and still kept 1.8 of 2 cores busy (NPROC=1 did make it
single-threaded, but 5x slower than pinning on mse_loss 10M). A process per library
also keeps one library's idle thread pools and allocator caches away from another's timings,
and turns a crash or out-of-memory into a "failed" cell. The "cores busy" line under the table
(CPU time / wall time while timing) shows whether each setting was obeyed.

Before timing, each peer's loss and gradient are compared with LossKit's on the same arrays
(`losskit.cli.bench_worker.agreement`); a mismatch is marked in the table and makes the exit code 1.
A peer that is not installed is reported as missing.

    python -m losskit bench                   # full run, a few minutes on 2 cores
    python -m losskit bench --quick           # smoke run with small arrays (seconds)
    python -m losskit bench --markdown        # the same table as Markdown, for the README
    python -m losskit bench --catalogue       # every catalogue loss against PyTorch, JAX, sklearn
    python -m losskit bench --catalogue --family segmentation
    python -m losskit bench --boosters        # XGBoost/LightGBM objectives against numpy ones

`--catalogue` runs the suite of `losskit.cli.bench_catalogue` instead: each loss of the catalogue
(or of one family) at a size typical for it, against PyTorch's autograd (every loss), JAX `jit`
(optax's losses and the elementwise formulas) and scikit-learn's fused `sklearn._loss` (the
losses it has), checked and timed the same way (no memory floor there). `--boosters` runs
`losskit.cli.bench_boosters`: the XGBoost and LightGBM objectives per call against numpy
objectives (`benchmarks/boosting_objective.py` measures their share of a training run).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .._internal.catalogue import family_names
from . import bench_cases as bc
from .bench_table import Report, render_markdown, render_text
from .bench_worker import SUITES

TINY_LOOPS, TINY_LOOPS_QUICK = 2000, 100
SINGLE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
THREAD_VARIABLES = ("LOSSKIT_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo and its widest x86 vector extension."""
    model, flags = "", set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = (part.strip() for part in line.partition(":"))
        if key == "model name" and not model:
            model = value
        elif key == "flags" and not flags:
            flags = set(value.split())
    model = model or platform.processor() or "unknown CPU"
    extension = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else ""
    return f"{model} ({extension})" if extension else model


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages: above 0 the machine was not quiet."""
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def machine() -> dict[str, str]:
    """CPU, cores, load average, date and Python version, for the table's header."""
    return {
        "cpu": cpu_model(),
        "cores": f"{len(os.sched_getaffinity(0))} available of {os.cpu_count()}",
        "load": load_average(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }


def worker_environment(threads: int) -> dict[str, str]:
    """The environment of a worker: thread counts, XLA flags, and this package on the path."""
    env = dict(os.environ)
    for variable in THREAD_VARIABLES:
        env[variable] = str(threads)
    if threads == 1:
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {SINGLE_THREAD_XLA_FLAGS}".strip()
    # The package's folder goes last: it finds this losskit when it is not installed, without
    # hiding anything the caller put on PYTHONPATH (when installed it is site-packages).
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding the losskit package
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), package_root]))
    return env


def run_worker(library: str, threads: int, options: argparse.Namespace, loops: int) -> dict[str, Any]:
    """Runs `losskit.cli.bench_worker` for one library and thread setting; returns its results."""
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    with tempfile.TemporaryDirectory(prefix="losskit-bench-") as scratch:
        output = Path(scratch) / "result.json"
        config = {"library": library, "threads": threads, "quick": options.quick,
                  "repeat": options.repeat, "loops": loops, "output": str(output),
                  "suite": suite_name(options), "family": options.family}
        run = subprocess.run([sys.executable, "-m", "losskit.cli.bench_worker", json.dumps(config)],
                             env=worker_environment(threads), capture_output=True, text=True,
                             preexec_fn=lambda: os.sched_setaffinity(0, cpus))
        if run.returncode != 0 or not output.exists():
            tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
            return {"failed": f"exit code {run.returncode}: " + " | ".join(tail)}
        return json.loads(output.read_text(encoding="utf-8"))


def suite_name(options: argparse.Namespace) -> str:
    """The suite the options ask for: 'catalogue', 'boosters' or the headline cases."""
    return "catalogue" if options.catalogue else "boosters" if options.boosters else "headline"


def run(options: argparse.Namespace) -> Report:
    """Runs every library at every thread setting, one process each, one after another."""
    cores = len(os.sched_getaffinity(0))
    settings = {"1": [1], "all": [cores], "both": sorted({1, cores})}[options.threads]
    loops = TINY_LOOPS_QUICK if options.quick else TINY_LOOPS
    suite = suite_name(options)
    peers = options.peers if suite == "headline" else list(SUITES[suite].PEERS)
    report = Report(options.quick, options.repeat, loops, settings, cores, peers, machine(),
                    suite=suite, family=options.family)
    for threads in settings:
        for library in ["losskit", *peers]:
            start = time.perf_counter()
            print(f"bench: {library}, {threads} thread{'s' * (threads > 1)} ...", end=" ",
                  file=sys.stderr, flush=True)
            report.results[threads, library] = result = run_worker(library, threads, options, loops)
            status = ("missing" if result.get("missing") else "FAILED" if "failed" in result else "done")
            print(f"{status} ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
    report.machine["load_end"] = load_average()
    return report


# ---- command line ---------------------------------------------------------------------------

def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def peer_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(bc.PEERS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown peer(s) {', '.join(unknown)}; choose from {', '.join(bc.PEERS)}")
    return [name for name in bc.PEERS if name in names]


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Time LossKit's fused loss + gradient against numpy, PyTorch and JAX "
                               "(see `pydoc losskit.cli.bench` for what is measured and how).")
    parser.add_argument("--quick", action="store_true", help="small arrays: a smoke run in seconds")
    parser.add_argument("--threads", choices=["1", "all", "both"], default="both",
                        help="thread settings to run (default both)")
    parser.add_argument("--repeat", type=positive_int, default=None,
                        help="timed repeats per measurement, median reported (default 10, 3 with --quick)")
    parser.add_argument("--peers", type=peer_list, default=list(bc.PEERS),
                        help="comma-separated peers to compare with (default numpy,torch,jax)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--catalogue", action="store_true",
                        help="time every catalogue loss against PyTorch, JAX and scikit-learn instead of "
                             "the headline cases")
    parser.add_argument("--boosters", action="store_true",
                        help="time the XGBoost and LightGBM objectives against numpy objectives")
    parser.add_argument("--family", default=None, metavar="NAME",
                        help="with --catalogue: only this family's losses (see python -m losskit losses)")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m losskit bench") -> int:
    """The `bench` command: prints the table; returns 1 if a peer disagreed or anything failed."""
    parser = build_parser(prog)
    options = parser.parse_args(argv)
    if options.repeat is None:
        options.repeat = 3 if options.quick else 10
    if options.family is not None and not options.catalogue:
        parser.error("--family goes with --catalogue")
    if options.catalogue and options.boosters:
        parser.error("--catalogue and --boosters are separate runs")
    if options.family is not None and options.family not in family_names():
        parser.error(f"--family: expected one of {', '.join(family_names())}, got {options.family!r}")
    report = run(options)
    print(render_markdown(report) if options.markdown else render_text(report))
    return 1 if report.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
