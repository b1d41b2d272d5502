"""LossKit's command-line tools, run as `python -m losskit <command> [options]`.

Each command is a module of this subpackage with a `main(argv) -> int` function that parses its own
options (so `python -m losskit <command> -h` shows them) and returns the exit code. Modules are
imported only when their command runs, so one command's dependencies never slow down or break
another. Adding a command is one line in COMMANDS.
"""
from __future__ import annotations

import argparse
import importlib

# name -> (module in this package that has main(argv), one-line description)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "train a digits classifier with LossKit's fused cross-entropy gradient"),
    "losses": ("losses", "list the losses by family: formulas, parameters and derivatives"),
    "plot": ("plot", "draw elementwise losses and their fused derivatives into a PNG"),
    "bench": ("bench", "time LossKit's loss + gradient against numpy, PyTorch and JAX"),
    "config": ("config", "print the flags to build C programs against LossKit (--cflags --libs)"),
}


def main(argv: list[str] | None = None) -> int:
    """Runs the command named by argv[0] with the remaining arguments; returns its exit code."""
    listing = "\n".join(f"  {name:<10} {about}" for name, (_, about) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="python -m losskit",
        usage="%(prog)s [-h] command [options]",
        description="LossKit command-line tools.",
        epilog=f"commands:\n{listing}\n\n'python -m losskit <command> -h' shows a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=COMMANDS, metavar="command",
                        help="one of: " + ", ".join(COMMANDS))
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.command is None:
        parser.error("expected a command, one of: " + ", ".join(COMMANDS))
    module = importlib.import_module(f"{__name__}.{COMMANDS[options.command][0]}")
    return module.main(options.args, prog=f"{parser.prog} {options.command}")
