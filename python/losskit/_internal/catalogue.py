"""The library's catalogue of losses (names, ids, families, parameters, defaults, ranges), read
once from the C ABI so that Python never repeats it.

`entries()` is the parsed document the package itself reads; the public `catalogue()` and
`families()` hand out deep copies of it, so nothing a caller does to the returned data can
change what a loss computes afterwards (a hybrid loss reads its parts' defaults from here)."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

from . import _native


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return json.loads(_native.catalogue_json())


def entries() -> list[dict[str, Any]]:
    """The catalogue's loss entries as the package reads them. Internal: never hand these out."""
    return _document()["losses"]


def family_names() -> list[str]:
    """The family names, in the order the docs present them."""
    return [f["name"] for f in _document()["families"]]


def entry(name: str, argument: str = "name") -> dict[str, Any]:
    """The internal entry of the loss called `name`; a ValueError naming `argument` if none."""
    for e in entries():
        if e["name"] == name:
            return e
    raise ValueError(f"{argument}: no loss is named {name!r}; losskit.catalogue() lists them")


def catalogue(family: str | None = None) -> list[dict[str, Any]]:
    """Every loss LossKit computes, in id order, as published by `lk_catalogue_json`: a list of
    dicts with `id`, `name`, `family`, `kind`, `parameters` (name, default, bounds, flag),
    `column_parameter`, `input_domain`, `target_domain`, `parameter_grad`, `row_target`,
    `class_weight`, `formula` and `derivatives`.

    `family` (a name from `families()`, e.g. "regression") keeps that family's losses only. The
    result is a fresh copy: editing it changes nothing in the library.
    """
    if family is None:
        return copy.deepcopy(entries())
    if family not in family_names():
        raise ValueError(f"family: expected one of {', '.join(map(repr, family_names()))}, got {family!r}")
    return copy.deepcopy([e for e in entries() if e["family"] == family])


def families() -> list[dict[str, str]]:
    """The loss families, as the docs and `python -m losskit losses` group them: a list of dicts
    with `name` (also the Python module `losskit.<name>`), `title` and `losses` (the names of
    the family's losses, in id order). A fresh copy, like `catalogue()`."""
    return [{"name": f["name"], "title": f["title"],
             "losses": [e["name"] for e in entries() if e["family"] == f["name"]]}
            for f in _document()["families"]]


class _LossIds(dict):
    """The C ABI ids of losses by name, each looked up in the catalogue on first use.
    Subscripting this dict costs about 15 ns less than calling an lru_cache'd function, and
    every elementwise call looks its loss up (issue 3: a plain call takes under a microsecond)."""

    def __missing__(self, name: str) -> int:
        self[name] = entry(name)["id"]
        return self[name]


LOSS_IDS = _LossIds()


def loss_id(name: str) -> int:
    """The C ABI id of the loss called `name`."""
    return LOSS_IDS[name]
