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

# Valid arguments for one call of a loss of each kind; elementwise inputs and targets by the
# domain the catalogue publishes for them (a new domain needs a row here).
SAMPLE_ARGS = {
    "elementwise": (np.array([0.2, -1.5, 3.0]), np.array([0.0, 1.0, 0.5])),
    "cross_entropy": (np.array([[0.2, -1.5, 3.0], [1.0, 0.0, -1.0]]), np.array([2, 0])),
}
DOMAIN_SAMPLES = {
    "real": np.array([0.2, -1.5, 3.0]),
    "above_minus_one": np.array([0.2, -0.5, 3.0]),
    "non_negative": np.array([0.0, 1.0, 0.5]),
    "positive": np.array([0.25, 1.0, 0.5]),
    "unit_interval": np.array([0.0, 1.0, 0.5]),
    "zero_one": np.array([0.0, 1.0, 1.0]),
    "signs": np.array([-1.0, 1.0, 1.0]),
}


def sample_args(entry):
    """Valid (input, target) for one call of this loss."""
    if entry["kind"] != "elementwise":
        return SAMPLE_ARGS[entry["kind"]]
    target = entry["target_domain"]
    return (DOMAIN_SAMPLES[entry["input_domain"]],
            SAMPLE_ARGS["elementwise"][1] if target == "real" else DOMAIN_SAMPLES[target])


def extra_operands(entry, args):
    """Positional operands a loss requires after (input, target): its column parameter when the
    signature makes it required, as PyTorch does with gaussian_nll_loss's var."""
    column = entry["column_parameter"]
    if column is None:
        return ()
    parameter = inspect.signature(getattr(lk, entry["name"])).parameters.get(column)
    if parameter is None or parameter.default is not inspect.Parameter.empty:
        return ()
    return (np.ones_like(args[0]),)


def call(entry, *args, **kwargs):
    """The loss called on `args` plus any operand it requires."""
    return getattr(lk, entry["name"])(*args, *extra_operands(entry, args), **kwargs)


def python_default(p):
    """The catalogue default as the Python signature spells it: a flag's 0/1 is False/True."""
    return bool(p["default"]) if p["flag"] else p["default"]


def public_losses():
    """Names in losskit.__all__ that are functions taking (input, target, ...)."""
    names = []
    for name in lk.__all__:
        obj = getattr(lk, name)
        if inspect.isfunction(obj):
            params = list(inspect.signature(obj).parameters)
            if params[:2] == ["input", "target"]:
                names.append(name)
    return names


def test_every_public_loss_is_in_the_catalogue_and_back():
    assert sorted(public_losses()) == sorted(NAMES)


def test_ids_are_positions_and_names_are_unique():
    assert [e["id"] for e in ENTRIES] == list(range(len(ENTRIES)))
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_entry_is_complete(entry):
    assert entry["kind"] in SAMPLE_ARGS
    assert entry["formula"] and entry["derivatives"]
    for p in entry["parameters"]:
        assert set(p) == {"name", "default", "lower", "lower_inclusive", "upper", "upper_inclusive", "flag"}
        if p["flag"]:
            assert p["default"] in (0, 1) and (p["lower"], p["upper"]) == (0, 1)


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_python_signature_matches_the_catalogue(entry):
    """(input, target, *, ...): every option after target is keyword-only, each catalogue
    parameter is a keyword with the catalogue's default, the column parameter defaults to
    None, and any other keyword is a shared option or a PyTorch option with its default."""
    sig = inspect.signature(getattr(lk, entry["name"]))
    params = list(sig.parameters.values())
    assert [p.name for p in params[:2]] == ["input", "target"]
    if extra_operands(entry, sample_args(entry)):  # a required operand, positional like PyTorch's
        assert params[2].name == entry["column_parameter"]
        params = params[:2] + params[3:]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[2:])
    expected = dict(OPTIONS)
    if entry.get("parameter_grad"):
        expected["grad_params"] = False
    if entry["column_parameter"] and not extra_operands(entry, sample_args(entry)):
        expected[entry["column_parameter"]] = None
    expected.update({p["name"]: python_default(p) for p in entry["parameters"]})
    actual = {p.name: p.default for p in params[2:]}
    expected.update({k: v for k, v in TORCH_OPTIONS.items() if k in actual})
    assert actual == expected
    for p in entry["parameters"]:  # True == 1 in Python: also compare the kinds
        assert isinstance(actual[p["name"]], bool) == p["flag"], p["name"]


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_defaults_are_the_values_used(entry):
    """Omitting a parameter computes exactly what passing the catalogue default does."""
    args = sample_args(entry)
    explicit = {p["name"]: python_default(p) for p in entry["parameters"]}
    assert call(entry, *args, grad=True)[0] == call(entry, *args, grad=True, **explicit)[0]
    np.testing.assert_array_equal(call(entry, *args, grad=True)[1], call(entry, *args, grad=True, **explicit)[1])


def bound_cases():
    """(loss, parameter, value, accepted) at and beyond each finite bound of each parameter."""
    for entry in ENTRIES:
        for p in entry["parameters"]:
            if p["flag"]:  # booleans: see test_flags_take_booleans
                continue
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
    args = sample_args(entry)
    if accepted:
        assert np.isfinite(call(entry, *args, **{parameter: value}))
    else:
        with pytest.raises(ValueError, match=parameter):
            call(entry, *args, **{parameter: value})


FLAGS = [(e, p["name"]) for e in ENTRIES for p in e["parameters"] if p["flag"]]


@pytest.mark.parametrize("entry, flag", FLAGS, ids=[f"{e['name']}-{f}" for e, f in FLAGS])
def test_flags_take_booleans(entry, flag):
    """A flag is True or False (numpy's bool too); a number, even 0 or 1, is a TypeError naming
    it, so that log_input=0.5 cannot mean anything."""
    args = sample_args(entry)
    for value in (True, False):  # NaN-aware: log_input=False makes the sample's -1.5 a bad rate
        np.testing.assert_equal(call(entry, *args, **{flag: np.bool_(value)}), call(entry, *args, **{flag: value}))
    for value in (0, 1, 0.5, "yes", None):
        with pytest.raises(TypeError, match=flag):
            call(entry, *args, **{flag: value})
