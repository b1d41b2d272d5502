"""`python -m losskit losses`: the catalogue as a table (`--markdown` for the README).

The README's loss table is this command's output, and a test keeps the two identical, so the
table can never disagree with the library."""
from __future__ import annotations

import argparse
from typing import Any

from ._catalogue import catalogue


def _parameter(p: dict[str, Any]) -> str:
    if p.get("flag"):
        return f"`{p['name']}={bool(p['default'])}` (boolean)"
    lower = "-inf" if p["lower"] is None else f"{p['lower']:g}"
    upper = "inf" if p["upper"] is None else f"{p['upper']:g}"
    interval = ("[" if p["lower_inclusive"] else "(") + f"{lower}, {upper}" + ("]" if p["upper_inclusive"] else ")")
    return f"`{p['name']}={p['default']:g}` in {interval}"


def _domains(entry: dict[str, Any]) -> str:
    parts = [f"{role} {entry[role + '_domain'].replace('_', ' ')}"
             for role in ("input", "target") if entry.get(role + "_domain", "real") != "real"]
    return "; ".join(parts)


def rows() -> list[list[str]]:
    """One row per loss: name, formula, parameters, derivatives, domain restrictions."""
    table = []
    for entry in catalogue():
        params = [_parameter(p) for p in entry["parameters"]]
        if entry["column_parameter"]:
            params.append(f"`{entry['column_parameter']}` per last-axis element")
        table.append([f"`{entry['name']}`", entry["formula"], ", ".join(params) or "—",
                      entry["derivatives"], _domains(entry) or "—"])
    return table


HEADER = ["Loss", "Formula", "Parameters", "Gradient and Hessian (fused)", "Domains"]


def markdown() -> str:
    """The table in Markdown; `|` inside cells is escaped."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(HEADER), line(["---"] * len(HEADER))] + [line(r) for r in rows()]) + "\n"


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog=prog, description="List the losses LossKit computes.")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table (as in the README)")
    options = parser.parse_args(argv)
    if options.markdown:
        print(markdown(), end="")
    else:
        for name, formula, params, derivatives, domains in rows():
            print(f"{name.strip('`')}\n    {formula}\n    parameters: {params}\n    {derivatives}"
                  + (f"\n    domains: {domains}" if domains != "—" else ""))
    return 0
