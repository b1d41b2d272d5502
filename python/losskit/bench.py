"""`python -m losskit bench`: LossKit against numpy, PyTorch (CPU) and JAX, on identical arrays.

Each library computes the mean loss *and* its gradient with respect to the input, the work a
training step needs, for:

* `mse_loss` and `binary_cross_entropy_with_logits` on 10 million float32 elements,
* `cross_entropy` on 65536x1000 float32 logits with int64 class indices,
* tiny calls, `mse_loss` on 32 elements and `cross_entropy` on 32x10, where per-call overhead
  dominates (µs per call, timed over loops of many calls).

The large cases are memory-bound or nearly so, so each is also compared with a physical floor:
one pass over memory that reads the inputs and writes the gradient with a single-threaded numpy
ufunc into a preallocated array (`losskit._bench_cases.prepare_floor`). "LossKit / floor" says
how close LossKit comes to that; with several threads it can go below 1.

Thread settings: "1" and "all" (the cores this process may use, `os.sched_getaffinity`). Each
library runs at each setting in a fresh process (`losskit._bench_worker`) started with
LOSSKIT_, OMP_, MKL_ and OPENBLAS_NUM_THREADS set, `torch.set_num_threads` and
`lk.set_num_threads` called, and for 1 thread
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" and the process
pinned to one core. The pinning is what makes XLA single-threaded: jax 0.10 ignores those flags
for these fused elementwise kernels and still kept 1.8 of 2 cores busy. A process per library
also keeps one library's idle thread pools and allocator caches away from another's timings,
and turns a crash or out-of-memory into a "failed" cell. The "cores busy" line under the table
(CPU time / wall time while timing) shows whether each setting was obeyed.

Before timing, each peer's loss and gradient are compared with LossKit's on the same arrays
(`losskit._bench_worker.agreement`); a mismatch is marked in the table and makes the exit code 1.
A peer that is not installed is reported as missing.

    python -m losskit bench                   # full run, a few minutes on 2 cores
    python -m losskit bench --quick           # smoke run with small arrays (seconds)
    python -m losskit bench --markdown        # the same table as Markdown, for the README
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from . import _bench_cases as bc

TINY_LOOPS, TINY_LOOPS_QUICK = 2000, 100
SINGLE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
THREAD_VARIABLES = ("LOSSKIT_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass
class Report:
    """Everything one run measured, keyed by (threads, library) as the workers wrote it."""
    quick: bool
    repeat: int
    loops: int
    settings: list[int]
    cores: int
    peers: list[str]
    machine: dict[str, str]
    results: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)

    def entry(self, threads: int, library: str, case: bc.Case) -> dict[str, Any] | None:
        """The worker's result for one case, or None if the library is missing or failed."""
        result = self.results[threads, library]
        return next((e for e in result.get("cases", []) if e["case"] == case.label), None)

    def problems(self) -> list[str]:
        """Disagreements and failures, one line each (missing peers are not problems)."""
        lines = []
        for (threads, library), result in self.results.items():
            where = f"{library}, {threads} thread{'s' * (threads > 1)}"
            if "failed" in result:
                lines.append(f"{where}: worker failed: {result['failed']}")
            for entry in result.get("cases", []):
                if "error" in entry:
                    lines.append(f"{where}, {entry['case']}: {entry['error']}")
                elif not entry.get("agreement", {"agrees": True})["agrees"]:
                    a = entry["agreement"]
                    lines.append(f"{where}, {entry['case']}: loss {a['loss']:.7g} vs LossKit "
                                 f"{a['reference_loss']:.7g} (relative error {a['loss_error']:.1e}), "
                                 f"gradient error {a['grad_error']:.1e} of max |gradient|")
        return lines


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


def machine() -> dict[str, str]:
    """CPU, cores, load average, date and Python version, for the table's header."""
    return {
        "cpu": cpu_model(),
        "cores": f"{len(os.sched_getaffinity(0))} available of {os.cpu_count()}",
        "load": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
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
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


def run_worker(library: str, threads: int, options: argparse.Namespace, loops: int) -> dict[str, Any]:
    """Runs `losskit._bench_worker` for one library and thread setting; returns its results."""
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    with tempfile.TemporaryDirectory(prefix="losskit-bench-") as scratch:
        output = Path(scratch) / "result.json"
        config = {"library": library, "threads": threads, "quick": options.quick,
                  "repeat": options.repeat, "loops": loops, "output": str(output)}
        run = subprocess.run([sys.executable, "-m", "losskit._bench_worker", json.dumps(config)],
                             env=worker_environment(threads), capture_output=True, text=True,
                             preexec_fn=lambda: os.sched_setaffinity(0, cpus))
        if run.returncode != 0 or not output.exists():
            tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
            return {"failed": f"exit code {run.returncode}: " + " | ".join(tail)}
        return json.loads(output.read_text(encoding="utf-8"))


def run(options: argparse.Namespace) -> Report:
    """Runs every library at every thread setting, one process each, one after another."""
    cores = len(os.sched_getaffinity(0))
    settings = {"1": [1], "all": [cores], "both": sorted({1, cores})}[options.threads]
    loops = TINY_LOOPS_QUICK if options.quick else TINY_LOOPS
    report = Report(options.quick, options.repeat, loops, settings, cores, options.peers, machine())
    for threads in settings:
        for library in ["losskit", *options.peers]:
            start = time.perf_counter()
            print(f"bench: {library}, {threads} thread{'s' * (threads > 1)} ...", end=" ",
                  file=sys.stderr, flush=True)
            report.results[threads, library] = result = run_worker(library, threads, options, loops)
            status = ("missing" if result.get("missing") else "FAILED" if "failed" in result else "done")
            print(f"{status} ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
    return report


# ---- the table ------------------------------------------------------------------------------

COLUMNS = ["case", "threads", "unit", "LossKit", *bc.PEERS, "floor", "best peer / LossKit",
           "LossKit / floor", "repeats"]


def number(seconds: float, case: bc.Case) -> str:
    """A time in the case's unit (ms, or µs per call), with three significant digits or so."""
    value = seconds * (1e6 if case.tiny else 1e3)
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def cell(report: Report, threads: int, library: str, case: bc.Case) -> tuple[str, float | None]:
    """A library's table cell and its time if it counts (measured and in agreement)."""
    if library not in ("losskit", *report.peers):
        return "-", None
    result = report.results[threads, library]
    if result.get("missing"):
        return "missing", None
    entry = report.entry(threads, library, case)
    if "failed" in result or entry is None or "error" in entry:
        return "failed", None
    text = number(entry["seconds"], case)
    if not entry.get("agreement", {"agrees": True})["agrees"]:
        return text + "!", None
    return text, entry["seconds"]


def rows(report: Report) -> list[list[str]]:
    """The table: one row per case and thread setting, cells as strings."""
    table = []
    for case in bc.cases(report.quick):
        for threads in report.settings:
            lk_text, lk_seconds = cell(report, threads, "losskit", case)
            peers = {name: cell(report, threads, name, case) for name in bc.PEERS}
            timed = {name: s for name, (_, s) in peers.items() if s is not None}
            best = min(timed, key=timed.get) if timed and lk_seconds else None
            entry = report.entry(threads, "losskit", case) or {}
            floor = entry.get("floor", {}).get("seconds")
            table.append([
                case.label, f"{threads} (all)" if threads == report.cores > 1 else str(threads), case.unit, lk_text,
                *(text for text, _ in peers.values()),
                number(floor, case) if floor else "-",
                f"{timed[best] / lk_seconds:.2f}x {best}" if best else "-",
                f"{lk_seconds / floor:.2f}x" if floor and lk_seconds else "-",
                f"{report.repeat}x{report.loops}" if case.tiny else str(report.repeat),
            ])
    return table


def cores_busy(report: Report) -> list[str]:
    """Per thread setting, each library's median CPU/wall over the large cases."""
    lines = []
    for threads in report.settings:
        parts = []
        for library in ["losskit", *report.peers]:
            ratios = [e["cpu_per_wall"] for e in report.results[threads, library].get("cases", [])
                      if "cpu_per_wall" in e and e.get("loops") == 1]
            if ratios:
                parts.append(f"{library} {statistics.median(ratios):.2f}")
        lines.append(f"{threads} thread{'s' * (threads > 1)}: " + ", ".join(parts))
    return lines


def versions(report: Report) -> str:
    found = {library: result.get("version") for (_, library), result in report.results.items()}
    return "; ".join(f"{name} {found.get(name) or 'missing'}" for name in ["losskit", *report.peers])


def header(report: Report) -> list[str]:
    m = report.machine
    size = "QUICK smoke run (small arrays; not for quoting)" if report.quick else "full sizes"
    return [
        f"LossKit {__version__} benchmark, {m['date']}, {size}",
        f"machine: {m['cpu']}, {m['cores']} cores, load average {m['load']} at start",
        f"versions: python {m['python']}; {versions(report)}",
        "each library computes the mean loss and its gradient w.r.t. the input; numpy = stable "
        "vectorised formulas (single-threaded), torch = torch.nn.functional + backward(), "
        "jax = jit(value_and_grad), compile excluded",
        f"median time per call over 'repeats' (large: one call each; tiny: N x calls); "
        f"floor = one memory pass (single-threaded numpy ufunc: read inputs, write gradient)",
    ]


def footer(report: Report) -> list[str]:
    problems = report.problems()
    checked = sum(1 for r in report.results.values() for e in r.get("cases", []) if "agreement" in e)
    verdict = (f"agreement: all {checked} peer results match LossKit (loss within relative "
               f"1e-4, gradient within 1e-4 of max |gradient|)" if not problems
               else f"agreement: {len(problems)} PROBLEM(S) ('!' = differs from LossKit):")
    return ([verdict] + [f"  {line}" for line in problems]
            + ["ratios > 1: LossKit is faster", "cores busy while timing (CPU time / wall time, median of large cases):"]
            + [f"  {line}" for line in cores_busy(report)])


def render_text(report: Report) -> str:
    table = [COLUMNS] + rows(report)
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(text.ljust(w) if i < 3 else text.rjust(w) for i, (text, w) in enumerate(zip(row, widths)))
             for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(header(report) + [""] + lines + [""] + footer(report))


def render_markdown(report: Report) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"
    align = ["---"] * 3 + ["---:"] * (len(COLUMNS) - 3)
    table = [line(COLUMNS), line(align)] + [line(row) for row in rows(report)]
    return "\n".join([f"- {text}" for text in header(report)] + [""] + table + [""]
                     + [f"{text}  " for text in footer(report)])


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
                               "(see `pydoc losskit.bench` for what is measured and how).")
    parser.add_argument("--quick", action="store_true", help="small arrays: a smoke run in seconds")
    parser.add_argument("--threads", choices=["1", "all", "both"], default="both",
                        help="thread settings to run (default both)")
    parser.add_argument("--repeat", type=positive_int, default=None,
                        help="timed repeats per measurement, median reported (default 10, 3 with --quick)")
    parser.add_argument("--peers", type=peer_list, default=list(bc.PEERS),
                        help="comma-separated peers to compare with (default numpy,torch,jax)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m losskit bench") -> int:
    """The `bench` command: prints the table; returns 1 if a peer disagreed or anything failed."""
    options = build_parser(prog).parse_args(argv)
    if options.repeat is None:
        options.repeat = 3 if options.quick else 10
    report = run(options)
    print(render_markdown(report) if options.markdown else render_text(report))
    return 1 if report.problems() else 0


if __name__ == "__main__":
    sys.exit(main())
