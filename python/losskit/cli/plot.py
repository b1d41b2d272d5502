"""`python -m losskit plot`: draw losses with their first and second derivatives.

    python -m losskit plot huber_loss l1_loss --param huber_loss.delta=2 --output losses.png

Three panels share the x axis, the input x: the loss l(x, y), ∂l/∂x and ∂²l/∂x², all from one
fused LossKit call per loss with `reduction='none'`, `grad=True`, `hess=True` (so the
derivatives drawn are the library's, not finite differences). The target y is fixed: 0 for
losses on real targets, 1 for the others (labels, counts), or `--target`. Points outside a
loss's input domain (e.g. x <= 0 for the gamma loss) are left out. Only elementwise losses
have such a curve; a loss over a row of logits (cross_entropy) is refused with an
explanation. Needs matplotlib (`pip install 'losskit[plot]'`); it draws with the Agg backend
into a PNG, without a display.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

import numpy as np

import losskit

MATPLOTLIB_MISSING = ("the plot command needs matplotlib: pip install matplotlib  "
                      "(or: pip install 'losskit[plot]')")
# Where each catalogue domain holds, for leaving out inputs outside a loss's domain.
DOMAINS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "real": lambda x: np.ones(x.shape, bool),
    "non_negative": lambda x: x >= 0,
    "positive": lambda x: x > 0,
    "unit_interval": lambda x: (x >= 0) & (x <= 1),
    "zero_one": lambda x: (x == 0) | (x == 1),
    "signs": lambda x: np.abs(x) == 1,
    "above_minus_one": lambda x: x > -1,
}
POINTS = 801


def parameter(text: str) -> tuple[str, str, Any]:
    """`loss.name=value` as (loss, name, value); value 'true'/'false' is a flag, else a float."""
    try:
        key, raw = text.split("=", 1)
        loss, name = key.split(".", 1)
        value: Any = {"true": True, "false": False}.get(raw.lower())
        return loss, name, float(raw) if value is None else value
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected loss.parameter=value (e.g. huber_loss.delta=2), "
                                         f"got {text!r}") from None


def curves(name: str, x: np.ndarray, target: float | None = None,
           **params: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, loss, first, second derivative) of an elementwise loss at the points of `x` inside
    its input domain, against `target` (default: 0 for real targets, else 1)."""
    entry = next(e for e in losskit.catalogue() if e["name"] == name)
    x = x[DOMAINS[entry["input_domain"]](x)]
    y = (0.0 if entry["target_domain"] == "real" else 1.0) if target is None else target
    loss, grad, hess = getattr(losskit, name)(x, np.full_like(x, y), **params, reduction="none",
                                              grad=True, hess=True)
    return x, loss, grad, hess


def draw(names: list[str], params: dict[str, dict[str, Any]], low: float, high: float,
         target: float | None, output: str) -> None:
    """Writes the three-panel picture of `names` to the PNG file `output`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10.5, 3.3), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 3, sharex=True)
    grid = np.linspace(low, high, POINTS)
    for name in names:
        x, *values = curves(name, grid, target, **params.get(name, {}))
        label = name + "".join(f", {k}={v:g}" for k, v in params.get(name, {}).items())
        for ax, v in zip(axes, values):
            ax.plot(x, v, label=label, linewidth=1.5)
    for ax, title in zip(axes, ["loss l(x, y)", "∂l/∂x (fused gradient)", "∂²l/∂x² (fused Hessian)"]):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("input x")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    figure.savefig(output, format="png", dpi=80)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """The `plot` command. Returns 0 on success, 2 on bad arguments or without matplotlib."""
    catalogue = {e["name"]: e for e in losskit.catalogue()}
    plottable = [n for n, e in catalogue.items() if e["kind"] == "elementwise"]
    parser = argparse.ArgumentParser(
        prog=prog, description="Draw losses and their fused first and second derivatives into a PNG.",
        epilog="elementwise losses: " + ", ".join(plottable))
    parser.add_argument("losses", nargs="+", metavar="loss", help="elementwise loss names")
    parser.add_argument("--output", default="losses.png", help="PNG file to write (default losses.png)")
    parser.add_argument("--range", nargs=2, type=float, default=(-4.0, 4.0), metavar=("LOW", "HIGH"),
                        help="input range (default -4 4)")
    parser.add_argument("--target", type=float, default=None,
                        help="target y for every loss (default 0 for real targets, else 1)")
    parser.add_argument("--param", type=parameter, action="append", default=[], metavar="LOSS.NAME=VALUE",
                        help="a loss parameter, e.g. huber_loss.delta=2 (repeatable)")
    options = parser.parse_args(argv)

    for name in options.losses:
        if name not in catalogue:
            parser.error(f"no loss is named {name!r}; elementwise losses: {', '.join(plottable)}")
        if name not in plottable:
            parser.error(f"{name} is of kind {catalogue[name]['kind']!r}: its loss depends on a whole "
                         f"row of inputs (e.g. softmax over classes), so it has no curve of one input. "
                         f"Only elementwise losses can be plotted: {', '.join(plottable)}")
    params: dict[str, dict[str, Any]] = {}
    for loss, name, value in options.param:
        if loss not in options.losses:
            parser.error(f"--param {loss}.{name}: {loss} is not one of the losses to plot")
        params.setdefault(loss, {})[name] = value
    low, high = options.range
    if not low < high:
        parser.error(f"--range: expected LOW < HIGH, got {low:g} {high:g}")

    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        print(f"losskit plot: {MATPLOTLIB_MISSING}\n  ({exc})", file=sys.stderr)
        return 2
    try:
        draw(options.losses, params, low, high, options.target, options.output)
    except (TypeError, ValueError) as exc:  # a parameter the loss refuses, by name
        print(f"losskit plot: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {options.output}")
    return 0
