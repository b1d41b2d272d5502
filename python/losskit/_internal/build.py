"""Which build of liblosskit.so is running."""
from __future__ import annotations

import json
from typing import Any

from . import _native


def build_info() -> dict[str, Any]:
    """Describes the native library in use: `version`, `isa` (the instruction set the loaded
    copy was compiled for: "x86-64" portable, "x86-64-v3" AVX2 or "x86-64-v4" AVX-512),
    `cpu_best_isa` (the best of those the CPU supports; the installed library binds its
    functions to that copy when it is loaded) and `threads`."""
    info = json.loads(_native.build_info())
    info["threads"] = _native.get_num_threads()
    return info
