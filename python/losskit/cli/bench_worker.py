"""One library at one thread setting: the process `python -m losskit bench` starts for each.

Run as `python -m losskit.cli.bench_worker CONFIG_JSON`, with the thread environment and CPU
affinity already set by the parent (`losskit.cli.bench`), so every library is configured before
it is imported. CONFIG_JSON holds `library`, `threads`, `quick`, `repeat`, `loops` (calls per
repeat for tiny cases), `output` (a path), and optionally `suite` ('headline', 'catalogue' or 'boosters') and
`family` (the catalogue suite's cases of one family); the worker writes its results there as JSON:

    {"library", "version", "missing": reason or null,
     "cases": [{"case", "seconds", "repeats", "loops", "cpu_per_wall",
                "agreement": {...} (peers), "floor": {...} (LossKit, large cases),
                "error": message (if this case failed)}
               or {"case", "not_applicable": true} (a peer without this loss)]}

Per case it builds the data, prepares the library's computation, calls it once (which doubles as
the warm-up), and for a peer compares that result with LossKit's on the same arrays, so the
timed work is known to be equal. Then it times `repeat` repeats with the garbage collector off:
one call each for large cases, `loops` calls each for tiny ones (after one untimed loop), and
reports the median time per call. `cpu_per_wall` is process CPU time over wall time during the
timing, about the number of cores the library kept busy: it shows whether a thread setting was
obeyed.
"""
from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np

from . import bench_cases as bc
from . import bench_boosters, bench_catalogue
from .bench_catalogue_peers import NotApplicable

# The two suites: the headline cases against every peer (`bench_cases`), and every catalogue
# loss against PyTorch (`bench_catalogue`, `--catalogue`). Both have `cases`, `make_data` and
# `prepare`; only the headline cases have a memory floor.
SUITES = {"headline": bc, "catalogue": bench_catalogue, "boosters": bench_boosters}

LOSS_RTOL = 1e-4   # float32 sums in different orders; LossKit accumulates in float64
GRAD_TOL = 1e-4    # max |Δgradient| relative to max |gradient|


def time_calls(run: Callable[[], Any], repeat: int, loops: int) -> dict[str, float]:
    """Median seconds per call over `repeat` timed loops of `loops` calls, and CPU/wall."""
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(loops):
                run()
            times.append((time.perf_counter() - start) / loops)
        cpu_per_wall = (time.process_time() - cpu) / (time.perf_counter() - wall)
    finally:
        if enabled:
            gc.enable()
    return {"seconds": statistics.median(times), "repeats": repeat, "loops": loops,
            "cpu_per_wall": cpu_per_wall}


def max_abs_difference(a: np.ndarray, b: np.ndarray, block: int = 1 << 20) -> float:
    """max |a - b| in blocks, so a 262 MB gradient needs no 262 MB temporaries."""
    a, b = a.reshape(-1), b.reshape(-1)
    return max((float(np.max(np.abs(a[i:i + block] - b[i:i + block]))) for i in range(0, a.size, block)),
               default=0.0)


def agreement(value: tuple[float, np.ndarray], reference: tuple[float, np.ndarray],
              grad_tol: float = GRAD_TOL) -> dict[str, Any]:
    """Whether a peer's (loss, gradient) matches LossKit's within LOSS_RTOL and `grad_tol`."""
    loss, grad = value
    ref_loss, ref_grad = reference
    loss_error = abs(loss - ref_loss) / max(abs(ref_loss), float(np.finfo(np.float32).tiny))
    if grad.shape != ref_grad.shape:
        grad_error = float("inf")
    else:
        scale = float(np.max(np.abs(ref_grad))) or 1.0
        grad_error = max_abs_difference(grad, ref_grad) / scale
    return {"agrees": bool(loss_error <= LOSS_RTOL and grad_error <= grad_tol),
            "loss": loss, "reference_loss": ref_loss, "loss_error": loss_error, "grad_error": grad_error}


def measure(suite: Any, library: str, case: Any, quick: bool, repeat: int, loops: int) -> dict[str, Any]:
    """Checks and times one case of `suite` (see the module docstring)."""
    data = suite.make_data(case, quick)
    runner = suite.prepare(library, case, data)
    entry: dict[str, Any] = {"case": case.label}
    first = runner.value(runner.run())
    if library == "losskit":
        if not case.tiny and suite is bc:
            floor = bc.prepare_floor(case, data)
            floor()
            entry["floor"] = time_calls(floor, repeat, 1)
    else:
        losskit = suite.prepare("losskit", case, data)
        entry["agreement"] = agreement(first, losskit.value(losskit.run()),
                                       getattr(case, "grad_tolerance", None) or GRAD_TOL)
    del first
    if case.tiny:
        time_calls(runner.run, 1, loops)
    entry.update(time_calls(runner.run, repeat, loops if case.tiny else 1))
    return entry


def suite_cases(suite: Any, config: dict[str, Any]) -> list[Any]:
    """The cases a worker runs: the suite's, restricted to one family for the catalogue."""
    if suite is bench_catalogue:
        return bench_catalogue.cases(config["quick"], config.get("family"))
    return suite.cases(config["quick"])


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    library = config["library"]
    suite = SUITES[config.get("suite", "headline")]
    result: dict[str, Any] = {"library": library, "version": None, "missing": None, "cases": []}
    try:
        result["version"] = bc.load_library(library, config["threads"])
    except ImportError as exc:
        result["missing"] = str(exc) or type(exc).__name__
    else:
        for case in suite_cases(suite, config):
            try:
                result["cases"].append(measure(suite, library, case, config["quick"], config["repeat"],
                                               config["loops"]))
            except NotApplicable:
                result["cases"].append({"case": case.label, "not_applicable": True})
            except Exception as exc:  # one failing case (e.g. out of memory) must not hide the rest
                result["cases"].append({"case": case.label, "error": f"{type(exc).__name__}: {exc}"})
            gc.collect()
    with open(config["output"], "w", encoding="utf-8") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
