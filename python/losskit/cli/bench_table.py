"""The report of `python -m losskit bench`: what the workers measured, as a text or Markdown table.

One row per case and thread setting. Times are medians per call, in ms for the large cases and
µs per call for the tiny ones. "best peer / LossKit" is the fastest peer's time over LossKit's
(> 1: LossKit is faster), counting only peers whose result agreed with LossKit's; a peer whose
result differed is printed with "!" and listed under the table. "LossKit / floor" is LossKit's
time over one memory pass (see `losskit.cli.bench_cases.prepare_floor`).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from . import bench_cases as bc
from .bench_worker import GRAD_TOL, LOSS_RTOL, SUITES


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
    suite: str = "headline"
    family: str | None = None

    def cases(self) -> list[Any]:
        """The cases of this run's suite, as the workers ran them."""
        module = SUITES[self.suite]
        return module.cases(self.quick, self.family) if self.suite == "catalogue" else module.cases(self.quick)

    @property
    def columns(self) -> list[str]:
        """The table's columns: the headline suite's, or the catalogue's (no memory floor)."""
        if self.suite == "headline":
            return COLUMNS
        return ["case", "threads", "unit", "LossKit", *SUITES[self.suite].PEERS, "best peer / LossKit", "repeats"]

    def entry(self, threads: int, library: str, case: Any) -> dict[str, Any] | None:
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
                elif not agrees(entry):
                    a = entry["agreement"]
                    lines.append(f"{where}, {entry['case']}: loss {a['loss']:.7g} vs LossKit "
                                 f"{a['reference_loss']:.7g} (relative error {a['loss_error']:.1e}), "
                                 f"gradient error {a['grad_error']:.1e} of max |gradient|")
        return lines


def agrees(entry: dict[str, Any]) -> bool:
    """False only for a peer's case whose loss or gradient differed from LossKit's."""
    return entry.get("agreement", {"agrees": True})["agrees"]


COLUMNS = ["case", "threads", "unit", "LossKit", *bc.PEERS, "floor", "best peer / LossKit",
           "LossKit / floor", "repeats"]


def number(seconds: float, case: Any) -> str:
    """A time in the case's unit (ms, or µs per call), with three significant digits or so."""
    value = seconds * (1e6 if case.tiny else 1e3)
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def cell(report: Report, threads: int, library: str, case: Any) -> tuple[str, float | None]:
    """A library's table cell and its time if it counts (measured and in agreement)."""
    if library not in ("losskit", *report.peers):
        return "-", None
    result = report.results[threads, library]
    if result.get("missing"):
        return "missing", None
    entry = report.entry(threads, library, case)
    if entry is not None and entry.get("not_applicable"):
        return "n/a", None
    if "failed" in result or entry is None or "error" in entry:
        return "failed", None
    text = number(entry["seconds"], case)
    if not agrees(entry):
        return text + "!", None
    return text, entry["seconds"]


def rows(report: Report) -> list[list[str]]:
    """The table: one row per case and thread setting, cells as strings."""
    table = []
    headline = report.suite == "headline"
    for case in report.cases():
        for threads in report.settings:
            lk_text, lk_seconds = cell(report, threads, "losskit", case)
            peers = {name: cell(report, threads, name, case) for name in SUITES[report.suite].PEERS}
            timed = {name: s for name, (_, s) in peers.items() if s is not None}
            best = min(timed, key=timed.get) if timed and lk_seconds else None
            entry = report.entry(threads, "losskit", case) or {}
            floor = entry.get("floor", {}).get("seconds")
            ratio = f"{timed[best] / lk_seconds:.2f}x {best}" if best else "-"
            table.append([
                case.label, f"{threads} (all)" if threads == report.cores > 1 else str(threads), case.unit, lk_text,
                *(text for text, _ in peers.values()),
                *([number(floor, case) if floor else "-", ratio, f"{lk_seconds / floor:.2f}x" if floor and lk_seconds else "-"]
                  if headline else [ratio]),
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
    """Each library's version as its worker imported it, or 'missing'."""
    found = {library: result.get("version") for (_, library), result in report.results.items()}
    return "; ".join(f"{name} {found.get(name) or 'missing'}" for name in ["losskit", *report.peers])


DESCRIPTIONS = {
    "headline": "each library computes the mean loss and its gradient w.r.t. the input; numpy = stable "
                "vectorised formulas (single-threaded), torch = torch.nn.functional + backward(), "
                "jax = jit(value_and_grad), compile excluded",
    "boosters": "booster objectives (gradient and Hessian per sample from the booster's margins): LossKit's "
                "losskit.xgboost / losskit.lightgbm objective against a hand-written numpy objective",
}


def header(report: Report) -> list[str]:
    """What ran, where and how: the lines above the table."""
    m = report.machine
    size = "QUICK smoke run (small arrays; not for quoting)" if report.quick else "full sizes"
    return [
        f"LossKit {__version__} benchmark, {m['date']}, {size}",
        f"machine: {m['cpu']}, {m['cores']} cores, load average {m['load']} at start, "
        f"{m.get('load_end', '?')} at end",
        f"versions: python {m['python']}; {versions(report)}",
        DESCRIPTIONS.get(report.suite) or
        ("every catalogue loss" + (f" of the family {report.family}" if report.family else "")
         + " with its default parameters: mean loss and gradient w.r.t. every differentiable input; "
         "torch = torch.nn.functional (or the catalogue's formula in torch operations) + backward(), "
         "jax = jit(value_and_grad) of optax's loss or the formula in jax.numpy, sklearn = sklearn._loss "
         "loss_gradient; n/a = the peer does not have the loss"),
        "median time per call over 'repeats' (large: one call each; tiny: N x calls)"
        + ("; floor = one memory pass (single-threaded numpy ufunc: read inputs, write gradient)"
           if report.suite == "headline" else ""),
    ]


def footer(report: Report) -> list[str]:
    """The agreement verdict (and any problems), how to read ratios, and the cores kept busy."""
    problems = report.problems()
    checked = sum(1 for r in report.results.values() for e in r.get("cases", []) if "agreement" in e)
    looser = "" if report.suite != "catalogue" else (
        "; " + ", ".join(f"{name} {tol:.0e}" for name, tol in SUITES["catalogue"].LOOSER_GRADIENTS.items())
        + " where PyTorch's float32 rounding is larger")
    verdict = (f"agreement: all {checked} peer results match LossKit (loss within relative "
               f"{LOSS_RTOL:.0e}, gradient within {GRAD_TOL:.0e} of max |gradient|{looser})" if not problems
               else f"agreement: {len(problems)} PROBLEM(S) ('!' = differs from LossKit):")
    return ([verdict] + [f"  {line}" for line in problems]
            + ["ratios > 1: LossKit is faster", "cores busy while timing (CPU time / wall time, median of large cases):"]
            + [f"  {line}" for line in cores_busy(report)])


def render_text(report: Report) -> str:
    """The report for a terminal: aligned columns, numbers right-aligned."""
    table = [report.columns] + rows(report)
    widths = [max(len(row[i]) for row in table) for i in range(len(report.columns))]
    lines = ["  ".join(text.ljust(w) if i < 3 else text.rjust(w) for i, (text, w) in enumerate(zip(row, widths)))
             for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(header(report) + [""] + lines + [""] + footer(report))


def render_markdown(report: Report) -> str:
    """The same report as Markdown (a bullet list, a pipe table, the notes), for the README."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"
    align = ["---"] * 3 + ["---:"] * (len(report.columns) - 3)
    table = [line(report.columns), line(align)] + [line(row) for row in rows(report)]
    return "\n".join([f"- {text}" for text in header(report)] + [""] + table + [""]
                     + [f"{text}  " for text in footer(report)])
