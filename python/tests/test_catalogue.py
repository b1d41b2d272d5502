"""The catalogue published by the library is the single source of truth: every public loss is
in it, and each Python function's keyword defaults and accepted ranges are the catalogue's,
so the Python layer and the core cannot drift apart."""
import inspect
import math

import numpy as np
import pytest

import losskit as lk

ENTRIES = lk.catalogue()
NAMES = [e["name"] for e in ENTRIES]

# Keyword options every loss has, with their defaults, besides the catalogue's numeric
# parameters and its column parameter.
OPTIONS = {"reduction": "mean", "sample_weight": None, "grad": False, "hess": False}
# PyTorch options some losses have (not numeric parameters, so not in the catalogue), with
# the only default each may have.
TORCH_OPTIONS = {"weight": None, "ignore_index": -100}

# Valid arguments for one call of a loss of each kind (row-wise: of each row target).
_SCORES = np.array([[0.2, -1.5, 3.0], [1.0, 0.0, -1.0]])
SAMPLE_ARGS = {
    "elementwise": (np.array([0.2, -1.5, 3.0]), np.array([0.0, 1.0, 0.5])),
    "cross_entropy": (_SCORES, np.array([2, 0])),
    "rowwise:class_index": (_SCORES, np.array([2, 0])),
    "rowwise:class_indices": (_SCORES, np.array([[2, -1, 0], [0, 1, -1]])),
    "rowwise:values": (_SCORES, np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])),
    "rowwise:none": (_SCORES,),
}
# Losses without a target are scores of the input (e.g. the entropy): their default reduction
# is 'none'.
SCORE_OPTIONS = {**OPTIONS, "reduction": "none"}


def sample_args(entry):
    key = entry["kind"] if entry["kind"] != "rowwise" else f"rowwise:{entry['row_target']}"
    return SAMPLE_ARGS[key]


def public_losses():
    """Names in losskit.__all__ that are functions taking (input, target, ...), or (input, *,
    ...) with the shared loss options (target-less scores such as the entropy)."""
    names = []
    for name in lk.__all__:
        obj = getattr(lk, name)
        if inspect.isfunction(obj):
            params = list(inspect.signature(obj).parameters)
            if params[:2] == ["input", "target"] or (params[:1] == ["input"] and "reduction" in params):
                names.append(name)
    return names


def test_every_public_loss_is_in_the_catalogue_and_back():
    assert sorted(public_losses()) == sorted(NAMES)


def test_ids_are_positions_and_names_are_unique():
    assert [e["id"] for e in ENTRIES] == list(range(len(ENTRIES)))
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_entry_is_complete(entry):
    assert entry["kind"] in {"elementwise", "cross_entropy", "rowwise"}
    if entry["kind"] == "rowwise":
        assert entry["row_target"] in {"class_index", "class_indices", "values", "none"}
    else:
        assert entry["row_target"] is None and entry["class_weight"] is None
    assert entry["formula"] and entry["derivatives"]
    for p in entry["parameters"]:
        assert set(p) == {"name", "default", "lower", "lower_inclusive", "upper", "upper_inclusive"}


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_python_signature_matches_the_catalogue(entry):
    """(input, target, *, ...): every option after target is keyword-only, each catalogue
    parameter is a keyword with the catalogue's default, the column parameter and the class
    weight default to None, and any other keyword is a shared option or a PyTorch option with
    its default. A loss without target is (input, *, ...) and defaults to reduction='none'."""
    sig = inspect.signature(getattr(lk, entry["name"]))
    params = list(sig.parameters.values())
    positional = ["input"] if entry.get("row_target") == "none" else ["input", "target"]
    assert [p.name for p in params[:len(positional)]] == positional
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[len(positional):])
    expected = dict(SCORE_OPTIONS if len(positional) == 1 else OPTIONS)
    if entry["column_parameter"]:
        expected[entry["column_parameter"]] = None
    if entry.get("class_weight"):
        expected[entry["class_weight"]] = None
    expected.update({p["name"]: p["default"] for p in entry["parameters"]})
    actual = {p.name: p.default for p in params[len(positional):]}
    if entry.get("row_target") == "class_index":
        assert actual.get("ignore_index") == -100
    expected.update({k: v for k, v in TORCH_OPTIONS.items() if k in actual})
    assert actual == expected


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_defaults_are_the_values_used(entry):
    """Omitting a parameter computes exactly what passing the catalogue default does."""
    fn = getattr(lk, entry["name"])
    args = sample_args(entry)
    explicit = {p["name"]: p["default"] for p in entry["parameters"]}
    np.testing.assert_array_equal(fn(*args, grad=True)[0], fn(*args, grad=True, **explicit)[0])
    np.testing.assert_array_equal(fn(*args, grad=True)[1], fn(*args, grad=True, **explicit)[1])


def bound_cases():
    """(loss, parameter, value, accepted) at and beyond each finite bound of each parameter."""
    for entry in ENTRIES:
        for p in entry["parameters"]:
            for bound, inclusive, outward in ((p["lower"], p["lower_inclusive"], -1),
                                              (p["upper"], p["upper_inclusive"], +1)):
                if bound is None:
                    continue
                beyond = bound + outward * max(abs(bound), 1.0) * 1e-6
                yield pytest.param(entry, p["name"], bound, inclusive, id=f"{entry['name']}-{p['name']}={bound}")
                yield pytest.param(entry, p["name"], beyond, False, id=f"{entry['name']}-{p['name']}={beyond}")
            yield pytest.param(entry, p["name"], math.nan, False, id=f"{entry['name']}-{p['name']}=nan")


@pytest.mark.parametrize("entry, parameter, value, accepted", list(bound_cases()))
def test_parameter_ranges_are_enforced_as_published(entry, parameter, value, accepted):
    fn = getattr(lk, entry["name"])
    args = sample_args(entry)
    if accepted:
        assert np.all(np.isfinite(fn(*args, **{parameter: value})))
    else:
        with pytest.raises(ValueError, match=parameter):
            fn(*args, **{parameter: value})
