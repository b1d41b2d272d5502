"""Old import paths that still work for one release, with a DeprecationWarning.

The public functions are sorted into one module per family (`losskit.regression`,
`losskit.multiclass`, ...). Code that imports a function from the module it used to live in
gets it from its new module, told where that is; the old paths go in the next release."""
from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable


def moved(old_module: str, new_homes: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` (PEP 562) for `old_module` that serves each name in `new_homes`
    (name -> family module) from `losskit.<family>` with a DeprecationWarning, and raises
    AttributeError for any other name."""

    def __getattr__(name: str) -> Any:
        family = new_homes.get(name)
        if family is None:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        home = "" if family.startswith("_") else f" or losskit.{family}.{name}"
        warnings.warn(f"{old_module}.{name} is deprecated: use losskit.{name}{home}; "
                      f"{old_module} goes in the next release", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(f"losskit.{family}"), name)

    return __getattr__
