"""The child process of test_fuzz_losses.py: runs hypothesis examples against public losses.

    python _fuzz_losses_child.py PROGRESS_FILE EXAMPLES NAME [NAME ...]

Each example calls one loss with arrays of random shapes (plausible for the loss's kind, or
not), dtypes (float16/32/64, integers, bool, complex, object, non-native byte order), layouts
(non-contiguous, Fortran order, reversed, stride 0, read-only, nested lists), NaN and inf
values, and keyword arguments in and out of their catalogue ranges or of the wrong type. The
call must return, or raise ValueError, TypeError or IndexError with a message that names an
argument; it must raise when an argument was made certainly invalid (an out-of-range or NaN
parameter, a wrong type, a complex or object array, an unknown reduction); and it must leave
its arrays unchanged. Before each call the example is written to PROGRESS_FILE, so that if
the process crashes or hangs the parent can say which call did it.

Losses are named on the command line, and their kinds, parameters and ranges come from
`losskit.catalogue()`, so a new loss is fuzzed without editing this file. Exits 1 if any loss
had a failing example (hypothesis prints it), after trying every loss.
"""
from __future__ import annotations

import inspect
import math
import os
import sys
import traceback
import warnings
import zlib

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import losskit as lk

ALLOWED = (ValueError, TypeError, IndexError)
CATALOGUE = {entry["name"]: entry for entry in lk.catalogue()}
VALID_DTYPES = ["float64", "float32", "float16", "int64", "int32", "int8", "uint8", "bool", ">f8", ">f4", "<f2"]
INVALID_DTYPES = ["complex128", "complex64", "object"]
LAYOUTS = ["contiguous", "fortran", "strided", "reversed", "stride0", "readonly", "list"]
# What a wrong-typed argument may be, for each kind of argument.
WRONG_FOR_REAL = ["1.0", [1.0], 1j, None, True, object()]
WRONG_FOR_FLAG = [1, 0, "yes", None, 1.0, np.array([True, False])]
WRONG_FOR_INT = [1.5, "0", None, True, 2**70, -(2**70)]
WRONG_REDUCTIONS = ["avg", "MEAN", "", None, 1, b"mean"]


class Example:
    """One call: its positional and keyword arguments, and the argument (if any) that was made
    certainly invalid, so the call must raise."""

    def __init__(self) -> None:
        self.args: list = []
        self.kwargs: dict = {}
        self.invalid: str | None = None

    def spoil(self, name: str) -> None:
        self.invalid = self.invalid or name


def values(data, shape: tuple[int, ...], kind: str, classes: int = 4) -> np.ndarray:
    """float64 values of `kind` with `shape`, from a seed hypothesis draws (cheaper than
    drawing every element)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    if kind == "labels":
        return rng.integers(0, max(classes, 1), shape).astype(np.float64)
    if kind == "bad_labels":
        return rng.choice([-1, -100, classes, 2**40, -(2**62)], shape).astype(np.float64)
    if kind == "unit":
        return rng.random(shape)
    if kind == "signs":
        return rng.choice([-1.0, 1.0], shape)
    if kind == "binary":
        return rng.integers(0, 2, shape).astype(np.float64)
    if kind == "log_probs":
        logits = rng.standard_normal(shape)
        return logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True)) if logits.ndim else logits
    if kind == "wide":
        return rng.standard_normal(shape) * 10.0 ** rng.integers(-300, 300, shape)
    return rng.standard_normal(shape) * 3


def dress(data, example: Example, name: str, base: np.ndarray, integer: bool = False):
    """`base` as the argument `name`: a random dtype (certainly invalid ones spoil the example),
    NaN and inf now and then, and a random layout."""
    dtypes = (["int64", "int32", "uint8", "int8", ">i8"] if integer else []) + VALID_DTYPES
    dtype = data.draw(st.sampled_from(dtypes * 3 + INVALID_DTYPES), label=f"{name} dtype")  # (one draw: they are slow)
    if dtype in INVALID_DTYPES:
        example.spoil(name)
    array = np.array(base, dtype=np.float64)  # a 0-d array, not a numpy scalar, for shape ()
    if array.size and np.dtype(dtype).kind in "fc" and data.draw(st.integers(0, 5), label=f"{name} specials?") == 0:
        flat = array.reshape(-1)
        for _ in range(data.draw(st.integers(1, 3), label=f"{name} how many specials")):
            flat[data.draw(st.integers(0, flat.size - 1))] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if np.dtype(dtype).kind in "iub":
            array = np.nan_to_num(array, nan=0, posinf=0, neginf=0)
            if np.dtype(dtype).kind in "iu":
                info = np.iinfo(dtype)
                array = np.clip(array, info.min, info.max)
        array = array.astype(dtype)
    layout = data.draw(st.sampled_from(LAYOUTS), label=f"{name} layout")
    if layout == "fortran":
        array = np.asfortranarray(array)
    elif layout == "strided" and array.ndim:
        wide = np.repeat(array, 2, axis=-1)
        array = wide[..., ::2]
    elif layout == "reversed" and array.ndim:
        array = array[::-1]
    elif layout == "stride0" and array.size:
        array = np.broadcast_to(array.reshape(-1)[:1].reshape((1,) * array.ndim), array.shape)
    elif layout == "readonly":
        array.setflags(write=False)
    elif layout == "list" and dtype not in INVALID_DTYPES and array.size <= 64:  # (lists lose the dtype)
        return array.tolist()
    return array


def shapes_for(data, kind: str, arity: int) -> list[tuple[tuple[int, ...], str]]:
    """(shape, value kind) of each positional array: plausible for the loss's kind most of the
    time, arbitrary otherwise."""
    dim = st.integers(0, 5)
    if data.draw(st.integers(0, 3), label="arbitrary shapes?") == 0:
        return [(tuple(data.draw(st.lists(dim, max_size=4), label="shape")),
                 data.draw(st.sampled_from(["normal", "unit", "labels", "signs", "binary", "wide", "bad_labels"])))
                for _ in range(arity)]
    n, c = data.draw(dim, label="rows"), data.draw(st.integers(1, 5), label="classes")
    target = data.draw(st.sampled_from(["labels", "unit", "binary", "signs", "normal", "bad_labels"]), label="target values")
    if kind == "elementwise":
        shape = tuple(data.draw(st.lists(dim, max_size=3), label="shape"))
        return [(shape, "normal"), (shape, target)] + [(shape, "unit")] * (arity - 2)
    if kind in ("cross_entropy", "rowwise", "hybrid"):
        extra = tuple(data.draw(st.lists(st.integers(1, 3), max_size=1), label="spatial"))
        scores = (n, c) + extra
        label_shape = (n,) + extra if data.draw(st.booleans(), label="index target?") else scores
        return [(scores, "normal"), (label_shape, target)][:arity]
    if kind == "embedding":
        shape = (n, data.draw(st.integers(1, 4), label="dim")) if data.draw(st.booleans(), label="2-d?") else (n,)
        inputs = [(shape, "normal")] * arity
        if arity >= 2 and data.draw(st.booleans(), label="last is a target?"):
            inputs[-1] = ((n,), data.draw(st.sampled_from(["signs", "binary", "labels"])))
        return inputs
    if kind == "similarity_matrix":
        return [((n, data.draw(st.integers(1, 4))), "normal"), ((n,), "labels")][:arity]
    if kind == "sequence":
        t, s = data.draw(st.integers(0, 6), label="frames"), data.draw(st.integers(1, 4), label="target length")
        return [((t, n, c + 1), "log_probs"), ((n, s), "labels"), ((n,), "lengths"), ((n,), "lengths")][:arity]
    if kind == "overlap":
        spatial = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=2), label="spatial"))
        target_shape = (n,) + spatial if data.draw(st.booleans(), label="index target?") else (n, c) + spatial
        return [((n, c) + spatial, "unit"), (target_shape, target)][:arity]
    return [((n, c), "normal")] * arity


def lengths(data, shape, limit: int) -> np.ndarray:
    """Sequence lengths in [0, limit] (sometimes beyond, which must then be refused by name)."""
    return np.array(data.draw(st.lists(st.integers(-1, limit + 1), min_size=shape[0], max_size=shape[0]),
                              label="lengths"), dtype=np.float64).reshape(shape)


def parameter(data, example: Example, name: str, spec: dict | None, default, nullable: bool = False):
    """A value for a keyword parameter: valid by the catalogue's range (or the default's type),
    or now and then certainly invalid (None only where the signature does not allow it)."""
    bad = data.draw(st.integers(0, 9), label=f"{name} bad?") == 0
    if isinstance(default, bool) or (spec is not None and spec["flag"]):
        if bad:
            example.spoil(name)
            return data.draw(st.sampled_from(WRONG_FOR_FLAG), label=name)
        return data.draw(st.booleans(), label=name)
    if isinstance(default, int) and spec is None:
        if bad:
            example.spoil(name)
            return data.draw(st.sampled_from(WRONG_FOR_INT), label=name)
        return data.draw(st.sampled_from([default, 0, 1, 2, -1, -100, 2**63 - 1, -(2**63)]), label=name)
    if spec is None:  # neither a catalogue parameter nor a flag: leave it at its default
        return default
    lower = -math.inf if spec["lower"] is None else spec["lower"]
    upper = math.inf if spec["upper"] is None else spec["upper"]

    def in_range(v: float) -> bool:
        return ((v > lower or (v == lower and spec["lower_inclusive"]))
                and (v < upper or (v == upper and spec["upper_inclusive"])))

    if bad:
        choice = data.draw(st.sampled_from(["type", "nan", "below", "above"]), label=f"{name} how bad")
        if choice == "type":
            example.spoil(name)
            return data.draw(st.sampled_from([w for w in WRONG_FOR_REAL if w is not None or not nullable]), label=name)
        candidates = {"nan": math.nan, "below": lower if not spec["lower_inclusive"] else lower - 1.0,
                      "above": upper if not spec["upper_inclusive"] else upper + 1.0}
        value = candidates.get(choice, math.nan)
        if not in_range(value):
            example.spoil(name)
            return value
    if data.draw(st.booleans(), label=f"{name} default?"):
        return default
    low = lower if math.isfinite(lower) else -10.0
    high = upper if math.isfinite(upper) else max(low, 0.0) + 10.0
    value = data.draw(st.floats(low, high, allow_nan=False), label=name)
    if isinstance(default, int) and not isinstance(default, bool):
        value = int(round(value))
    return value


def array_kwarg(data, example: Example, name: str, args: list):
    """An optional array keyword (weights, pos_weight, class weights): usually None, else an
    array shaped like the input's first or last axis, or arbitrary."""
    if data.draw(st.integers(0, 2), label=f"{name} given?"):
        return None
    first = np.shape(args[0]) if args else ()
    shape = data.draw(st.sampled_from([first[:1], first[-1:], first, (3,)]), label=f"{name} shape")
    kind = data.draw(st.sampled_from(["unit", "normal"]), label=f"{name} values")
    return dress(data, example, name, values(data, tuple(shape), kind))


def hybrid_parts(data, example: Example) -> list:
    """1 to 3 parts, of catalogue losses a hybrid loss may combine, or of any name."""
    names = [n for n, e in CATALOGUE.items() if e["kind"] in ("elementwise", "rowwise", "cross_entropy")]
    parts = []
    for _ in range(data.draw(st.integers(1, 3), label="parts")):
        name = data.draw(st.sampled_from(names + ["no_such_loss"]), label="part")
        weight = data.draw(st.sampled_from([1.0, 0.5, 0.0, -2.0, math.nan]), label="part weight")
        if math.isnan(weight) or name == "no_such_loss":
            example.spoil("parts")
        spec = CATALOGUE.get(name, {"parameters": []})
        params = {p["name"]: parameter(data, example, p["name"], p, p["default"] if not p["flag"] else bool(p["default"]))
                  for p in spec["parameters"] if data.draw(st.booleans(), label="set parameter?")}
        parts.append((name, weight, params) if params else (name, weight))
    return parts


def draw_example(data, name: str, function, kind: str) -> Example:
    example = Example()
    signature = inspect.signature(function)
    positional = [p for p in signature.parameters.values()
                  if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    arrays = [p for p in positional if p.name != "parts"]
    plan = shapes_for(data, kind, len(arrays))
    classes = plan[0][0][-1] if plan and plan[0][0] else 4
    frames = plan[0][0][0] if plan and plan[0][0] else 0
    for p, (shape, value_kind) in zip(arrays, plan):
        integer = value_kind in ("labels", "bad_labels", "lengths")
        if value_kind == "lengths":
            base = lengths(data, shape, frames if p.name == "input_lengths" else 4)
        else:
            base = values(data, shape, value_kind, classes)
        example.args.append(dress(data, example, p.name, base, integer))
    if any(p.name == "parts" for p in positional):
        example.args.append(hybrid_parts(data, example))
    specs = {p["name"]: p for p in CATALOGUE.get(name, {"parameters": []})["parameters"]}
    keywords = [p for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
    passed = data.draw(st.integers(0, 2 ** len(keywords) - 1), label="which keywords")
    for k, p in enumerate(keywords):
        if not passed >> k & 1:
            continue
        if p.name == "reduction":
            if data.draw(st.integers(0, 9), label="bad reduction?") == 0:
                example.spoil("reduction")
                value = data.draw(st.sampled_from(WRONG_REDUCTIONS), label="reduction")
            else:
                value = data.draw(st.sampled_from(["mean", "sum", "none", "batchmean"]), label="reduction")
        elif p.default is None and p.name not in specs:
            value = array_kwarg(data, example, p.name, example.args)
        else:
            value = parameter(data, example, p.name, specs.get(p.name), p.default, "None" in str(p.annotation))
        example.kwargs[p.name] = value
    return example


def snapshot(value):
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else None


def check_call(name: str, function, example: Example, progress) -> None:
    progress.seek(0)
    progress.truncate()
    progress.write(f"{name}(*{example.args!r}, **{example.kwargs!r})\n")
    progress.flush()
    before = [snapshot(a) for a in example.args] + [snapshot(v) for v in example.kwargs.values()]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's casts of NaN and overflow; not errors
            result = function(*example.args, **example.kwargs)
    except ALLOWED as error:
        message = str(error)
        names = set(inspect.signature(function).parameters) | set(example.kwargs)
        # "part 1: ..." names an element of `parts`, "target[3] = 5" one of `target`
        assert any(n in message or n.rstrip("s") in message for n in names), (
            f"{type(error).__name__} names no argument: {message!r}")
    else:
        assert example.invalid is None, (f"accepted an invalid {example.invalid}: "
                                         f"{name}(*{example.args!r}, **{example.kwargs!r})")
        for part in result if isinstance(result, tuple) else (result,):
            if isinstance(part, np.ndarray):
                assert part.dtype in (np.float32, np.float64), f"a result of dtype {part.dtype}"
    after = [snapshot(a) for a in example.args] + [snapshot(v) for v in example.kwargs.values()]
    for old, new in zip(before, after):
        if old is not None:
            assert np.array_equal(old, new, equal_nan=old.dtype.kind in "fc"), "an argument was changed"


def fuzz(name: str, examples: int, progress) -> bool:
    function = getattr(lk, name)
    kind = CATALOGUE[name]["kind"] if name in CATALOGUE else "hybrid"

    @seed(zlib.crc32(name.encode()))
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              phases=(Phase.explicit, Phase.generate) + ((Phase.shrink,) if os.environ.get("LOSSKIT_FUZZ_SHRINK") else ()),
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(st.data())
    def run(data):
        check_call(name, function, draw_example(data, name, function, kind), progress)

    try:
        run()
        return True
    except Exception:
        print(f"=== {name}: a failing example\n{traceback.format_exc()[-6000:]}", flush=True)
        return False


def main() -> int:
    progress_path, examples, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with open(progress_path, "w") as progress:
        failed = [name for name in names if not fuzz(name, examples, progress)]
    print(f"fuzzed {len(names)} losses, {examples} examples each; failing: {failed or 'none'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
