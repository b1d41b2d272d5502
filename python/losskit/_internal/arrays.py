"""Argument conversion shared by every loss: the documented dtype rule and clear errors.

The dtype rule: float32 and float64 inputs are computed natively. float16 is computed in
float32, and booleans and integers in float64; anything else (complex, object, strings) is
refused with a TypeError. Targets and weights are converted to the input's computation dtype.
Outputs (per-element losses, gradients, Hessians) have the computation dtype. Non-contiguous
and non-native-byte-order arrays are copied into contiguous native arrays first.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from . import _native
from .outputs import MIN_BYTES, new_output

REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)
# The rule below, precomputed for native-byte-order dtypes: the per-call cost matters for
# small arrays, where the whole call should take about a microsecond.
_COMPUTED_AS = {np.dtype(t): _FLOAT64 for t in (np.bool_, np.int8, np.int16, np.int32, np.int64,
                                                 np.uint8, np.uint16, np.uint32, np.uint64)}
_COMPUTED_AS.update({np.dtype(np.float16): _FLOAT32, _FLOAT32: _FLOAT32, _FLOAT64: _FLOAT64})


def computation_dtype(array: np.ndarray, name: str) -> np.dtype:
    """The dtype an array of this dtype is computed in (see the module docstring)."""
    dtype = _COMPUTED_AS.get(array.dtype)
    if dtype is not None:
        return dtype
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind == "f" and size in (2, 4, 8):
        return _FLOAT64 if size == 8 else _FLOAT32
    if kind in "biu":
        return _FLOAT64
    raise TypeError(f"{name}: expected a real numeric array, got dtype {array.dtype}")


def as_array(value: Any, name: str) -> np.ndarray:
    """`np.asarray(value)`, refusing None, strings and other non-numeric data by name."""
    if type(value) is np.ndarray and value.dtype in _COMPUTED_AS:
        return value
    if value is None:
        raise TypeError(f"{name}: expected an array, got None")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected an array, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name}: cannot be converted to an array ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a real numeric array, got dtype {array.dtype}")
    return array


def contiguous(array: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    """`array` as a C-contiguous, native-byte-order array of `dtype`, copied only if needed.

    Unlike `np.ascontiguousarray`, which turns a 0-d array into shape (1,), this keeps the
    shape, so scalar inputs and scalar parameters such as `pos_weight=2.0` stay scalars.
    A copy that cannot be allocated (a broadcast or stride-0 view of 2^40 elements takes no
    memory until it is copied) is a ValueError naming the argument, not a bare MemoryError."""
    try:
        return np.asarray(array, dtype=dtype, order="C")
    except MemoryError:
        raise ValueError(f"{name}: the array of shape {array.shape} is too large to copy into a "
                         f"contiguous {np.dtype(dtype)} array ({array.size * np.dtype(dtype).itemsize} "
                         f"bytes)") from None


def as_input(value: Any, name: str = "input") -> np.ndarray:
    """The input (predictions) as a contiguous array of its computation dtype."""
    array = as_array(value, name)
    return contiguous(array, computation_dtype(array, name), name)


def as_like(value: Any, name: str, dtype: np.dtype, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A companion array (target, weight) as contiguous `dtype`, with `shape` if given."""
    array = as_array(value, name)
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {array.shape}")
    return contiguous(array, dtype, name)


def as_real(value: Any, name: str) -> float:
    """A real scalar parameter as float (range checks happen in the library). An integer too
    large for a float becomes ±inf, which the library then refuses by name."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def as_int(value: Any, name: str) -> int:
    """An integer option, which the C ABI takes as int64."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    if not INT64_MIN <= int(value) <= INT64_MAX:
        raise ValueError(f"{name}: expected an integer in the int64 range, got {value}")
    return int(value)


def reduction_code(reduction: Any) -> int:
    """The C code of a reduction name."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected 'mean', 'sum' or 'none', got {reduction!r}")
    return REDUCTIONS[reduction]


def check_flag(value: Any, name: str) -> bool:
    """A boolean option (True/False only, so a misplaced argument is not silently truthy)."""
    if value is not True and value is not False and not isinstance(value, np.bool_):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def flag_parameter(value: Any, name: str) -> tuple[str, float]:
    """A boolean option as the (name, 0.0 or 1.0) pair the catalogue's flag parameters expect."""
    return name, float(check_flag(value, name))


def sample_weight_for(value: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """`sample_weight`: one weight per element (shape `shape`) or per sample (`(shape[0],)`)."""
    array = as_array(value, "sample_weight")
    if array.shape != shape and not (len(shape) >= 1 and array.shape == shape[:1]):
        per_sample = f" or {shape[:1]}" if len(shape) >= 1 else ""
        raise ValueError(f"sample_weight: expected shape {shape}{per_sample}, got {array.shape}")
    return contiguous(array, dtype, "sample_weight")


# What the shim's plain-call fast paths (`_native.elementwise_plain`, `cross_entropy_plain`)
# must know of this layer: the array type they accept (exactly; subclasses take the general
# path), the reduction codes, the computation dtypes by lk_dtype code, and how outputs are
# allocated: `new_output` (`outputs.py`, which recycles large outputs) for outputs of at least
# MIN_BYTES, `np.empty` below, which is what new_output returns there too, without the ~60 ns
# of a Python call (a tenth of a 32-element call).
PLAIN = (np.ndarray, REDUCTIONS, (_FLOAT32, _FLOAT64), np.empty, new_output, MIN_BYTES)


# `loss`, `(loss, grad)`, `(loss, hess)` or `(loss, grad, hess)` as requested (None marks a
# derivative not asked for). Implemented once, in the shim, whose fast paths build it too.
results = _native.results
