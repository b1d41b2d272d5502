"""The library's catalogue of losses (names, ids, parameters, defaults, ranges), read once
from the C ABI so that Python never repeats it."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from . import _native


@lru_cache(maxsize=1)
def catalogue() -> list[dict[str, Any]]:
    """Every loss LossKit computes, as published by `lk_catalogue_json`: a list of dicts with
    `id`, `name`, `kind`, `parameters` (name, default, bounds), `column_parameter`, `formula`
    and `derivatives`."""
    return json.loads(_native.catalogue_json())["losses"]


class _LossIds(dict):
    """The C ABI ids of losses by name, each looked up in the catalogue on first use.
    Subscripting this dict costs about 15 ns less than calling an lru_cache'd function, and
    every elementwise call looks its loss up (issue 3: a plain call takes under a microsecond)."""

    def __missing__(self, name: str) -> int:
        for entry in catalogue():
            if entry["name"] == name:
                self[name] = entry["id"]
                return entry["id"]
        raise ValueError(f"no loss is named {name!r}")


LOSS_IDS = _LossIds()


def loss_id(name: str) -> int:
    """The C ABI id of the loss called `name`."""
    return LOSS_IDS[name]
