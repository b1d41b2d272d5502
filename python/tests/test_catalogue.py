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

# Valid arguments for one call of a loss of each kind.
SAMPLE_ARGS = {
    "elementwise": (np.array([0.2, -1.5, 3.0]), np.array([0.0, 1.0, 0.5])),
    "cross_entropy": (np.array([[0.2, -1.5, 3.0], [1.0, 0.0, -1.0]]), np.array([2, 0])),
}
# Losses whose data are not (input, target): their arrays, in the order of their signature.
_ROWS = np.array([[0.2, -1.5, 3.0], [1.0, 0.0, -1.0]])
NAMED_ARGS = {
    "cosine_embedding_loss": (_ROWS, _ROWS[::-1] * 0.5, np.array([1.0, -1.0])),
    "contrastive_loss": (_ROWS, _ROWS[::-1] * 0.5, np.array([1.0, 0.0])),
    "margin_ranking_loss": (_ROWS[0], _ROWS[1], np.array([1.0, -1.0, 1.0])),
    "hinge_embedding_loss": (_ROWS[0], np.array([1.0, -1.0, -1.0])),
    "triplet_margin_loss": (_ROWS, _ROWS * 0.5, _ROWS[::-1]),
    "ntxent_loss": (np.vstack([_ROWS, -_ROWS]), np.array([0, 1, 0, 1])),
    "ctc_loss": (np.log(np.full((4, 2, 3), 1 / 3)), np.array([[1, 2], [2, 0]]), np.array([4, 3]), np.array([2, 1])),
}
# The data arguments and keyword options (with defaults) of the losses of the newer kinds.
SIGNATURES = {
    "cosine_embedding_loss": ["input1", "input2", "target"],
    "contrastive_loss": ["input1", "input2", "target"],
    "margin_ranking_loss": ["input1", "input2", "target"],
    "hinge_embedding_loss": ["input", "target"],
    "triplet_margin_loss": ["anchor", "positive", "negative"],
    "ntxent_loss": ["embeddings", "labels"],
    "ctc_loss": ["log_probs", "targets", "input_lengths", "target_lengths"],
}
KIND_OPTIONS = {
    "embedding": {"reduction": "mean", "sample_weight": None, "grad": False},
    "similarity_matrix": {"reduction": "mean", "grad": False},
    "sequence": {"blank": 0, "reduction": "mean", "zero_infinity": False, "sample_weight": None, "grad": False},
}
EXTRA_OPTIONS = {"triplet_margin_loss": {"swap": False}}
UTILITIES = {"build_info", "catalogue", "get_num_threads", "set_num_threads"}


def sample_args(entry):
    return NAMED_ARGS.get(entry["name"]) or SAMPLE_ARGS[entry["kind"]]


def public_losses():
    """Functions in losskit.__all__ other than the utilities."""
    return [name for name in lk.__all__ if inspect.isfunction(getattr(lk, name)) and name not in UTILITIES]


def test_every_public_loss_is_in_the_catalogue_and_back():
    assert sorted(public_losses()) == sorted(NAMES)


def test_ids_are_positions_and_names_are_unique():
    assert [e["id"] for e in ENTRIES] == list(range(len(ENTRIES)))
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_entry_is_complete(entry):
    assert entry["kind"] in SAMPLE_ARGS or entry["name"] in NAMED_ARGS
    assert entry["formula"] and entry["derivatives"]
    for p in entry["parameters"]:
        assert set(p) == {"name", "default", "lower", "lower_inclusive", "upper", "upper_inclusive"}


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_python_signature_matches_the_catalogue(entry):
    """(input, target, *, ...): every option after target is keyword-only, each catalogue
    parameter is a keyword with the catalogue's default, the column parameter defaults to
    None, and any other keyword is a shared option or a PyTorch option with its default."""
    sig = inspect.signature(getattr(lk, entry["name"]))
    params = list(sig.parameters.values())
    data = SIGNATURES.get(entry["name"], ["input", "target"])
    assert [p.name for p in params[:len(data)]] == data
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[len(data):])
    if entry["kind"] in KIND_OPTIONS:
        expected = dict(KIND_OPTIONS[entry["kind"]], **EXTRA_OPTIONS.get(entry["name"], {}))
        expected.update({p["name"]: p["default"] for p in entry["parameters"]})
        assert {p.name: p.default for p in params[len(data):]} == expected
        return
    params = params[len(data) - 2:]
    expected = dict(OPTIONS)
    if entry["column_parameter"]:
        expected[entry["column_parameter"]] = None
    expected.update({p["name"]: p["default"] for p in entry["parameters"]})
    actual = {p.name: p.default for p in params[2:]}
    expected.update({k: v for k, v in TORCH_OPTIONS.items() if k in actual})
    assert actual == expected


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_defaults_are_the_values_used(entry):
    """Omitting a parameter computes exactly what passing the catalogue default does."""
    fn = getattr(lk, entry["name"])
    args = sample_args(entry)
    explicit = {p["name"]: p["default"] for p in entry["parameters"]}
    assert fn(*args, grad=True)[0] == fn(*args, grad=True, **explicit)[0]
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
        assert np.isfinite(fn(*args, **{parameter: value}))
    else:
        with pytest.raises(ValueError, match=parameter):
            fn(*args, **{parameter: value})
