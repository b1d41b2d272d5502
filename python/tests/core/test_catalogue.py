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

# Valid arguments for one call of a loss of each kind (row-wise: of each row target);
# elementwise inputs and targets by the domain the catalogue publishes for them (a new domain
# needs a row in DOMAIN_SAMPLES).
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
# Segmentation losses: (N, C, d1) logits against an (N, d1) class map.
# The scores are in [0, 1], so they are valid with apply_softmax=False too.
_SEGMENTATION = (np.array([[[0.2, 0.5], [0.7, 0.1], [0.1, 0.4]], [[1.0, 0.5], [0.0, 0.25], [0.3, 0.3]]]),
                 np.array([[0, 2], [1, 1]]))
OVERLAP_LOSSES = ["dice_loss", "tversky_loss", "focal_tversky_loss", "generalized_dice_loss", "jaccard_loss",
                  "lovasz_softmax_loss"]
NAMED_ARGS.update({name: _SEGMENTATION for name in OVERLAP_LOSSES})
# The data arguments and keyword options (with defaults) of the losses of the newer kinds.
SIGNATURES = {
    "cosine_embedding_loss": ["input1", "input2", "target"],
    "contrastive_loss": ["input1", "input2", "target"],
    "margin_ranking_loss": ["input1", "input2", "target"],
    "hinge_embedding_loss": ["input", "target"],
    "triplet_margin_loss": ["anchor", "positive", "negative"],
    "ntxent_loss": ["embeddings", "labels"],
    "ctc_loss": ["log_probs", "targets", "input_lengths", "target_lengths"],
    **{name: ["input", "target"] for name in OVERLAP_LOSSES},
}
KIND_OPTIONS = {
    "embedding": {"reduction": "mean", "sample_weight": None, "grad": False},
    "similarity_matrix": {"reduction": "mean", "grad": False},
    "sequence": {"blank": 0, "reduction": "mean", "zero_infinity": False, "sample_weight": None, "grad": False},
    # plus the catalogue's class weight (`class_weights`), where the loss takes one
    "overlap": {"reduction": "mean", "sample_weight": None, "grad": False, "hess": False},
}
EXTRA_OPTIONS = {"triplet_margin_loss": {"swap": False}}
# Public functions that are not catalogue losses (hybrid_loss combines catalogue losses).
UTILITIES = {"build_info", "catalogue", "families", "get_include", "get_library_dir", "get_num_threads",
             "set_num_threads", "set_output_cache", "hybrid_loss"}
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
    """Valid (input, target) for one call of this loss (its data arrays, for the newer kinds)."""
    if entry["name"] in NAMED_ARGS:
        return NAMED_ARGS[entry["name"]]
    if entry["kind"] == "rowwise":
        return SAMPLE_ARGS[f"rowwise:{entry['row_target']}"]
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
    """Functions in losskit.__all__ other than the utilities."""
    return [name for name in lk.__all__ if inspect.isfunction(getattr(lk, name)) and name not in UTILITIES]


def test_every_public_loss_is_in_the_catalogue_and_back():
    assert sorted(public_losses()) == sorted(NAMES)


def test_ids_are_positions_and_names_are_unique():
    assert [e["id"] for e in ENTRIES] == list(range(len(ENTRIES)))
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_entry_is_complete(entry):
    assert entry["kind"] in {"elementwise", "cross_entropy", "rowwise", *KIND_OPTIONS}
    if entry["kind"] == "rowwise":
        assert entry["row_target"] in {"class_index", "class_indices", "values", "none"}
    elif entry["kind"] == "overlap":
        assert entry["row_target"] is None and entry["class_weight"] in {None, "class_weights"}
    else:
        assert entry["row_target"] is None and entry["class_weight"] is None
    assert entry["formula"] and entry["derivatives"]
    for p in entry["parameters"]:
        assert set(p) == {"name", "default", "lower", "lower_inclusive", "upper", "upper_inclusive", "flag"}
        if p["flag"]:
            assert p["default"] in (0, 1) and (p["lower"], p["upper"]) == (0, 1)


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_python_signature_matches_the_catalogue(entry):
    """(input, target, *, ...): every option after target is keyword-only, each catalogue
    parameter is a keyword with the catalogue's default, the column parameter and the class
    weight default to None (unless the column is a required operand, positional as in PyTorch),
    and any other keyword is a shared option or a PyTorch option with its default. A loss
    without target is (input, *, ...) and defaults to reduction='none'."""
    sig = inspect.signature(getattr(lk, entry["name"]))
    params = list(sig.parameters.values())
    if entry["kind"] in KIND_OPTIONS:
        data = SIGNATURES[entry["name"]]
        assert [p.name for p in params[:len(data)]] == data
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[len(data):])
        expected = dict(KIND_OPTIONS[entry["kind"]], **EXTRA_OPTIONS.get(entry["name"], {}))
        if entry["class_weight"]:
            expected[entry["class_weight"]] = None
        expected.update({p["name"]: python_default(p) for p in entry["parameters"]})
        assert {p.name: p.default for p in params[len(data):]} == expected
        return
    positional = ["input"] if entry.get("row_target") == "none" else ["input", "target"]
    required = bool(extra_operands(entry, sample_args(entry)))
    if required:
        positional.append(entry["column_parameter"])
    assert [p.name for p in params[:len(positional)]] == positional
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[len(positional):])
    expected = dict(SCORE_OPTIONS if positional == ["input"] else OPTIONS)
    if entry.get("parameter_grad"):
        expected["grad_params"] = False
    if entry["column_parameter"] and not required:
        expected[entry["column_parameter"]] = None
    if entry.get("class_weight"):
        expected[entry["class_weight"]] = None
    expected.update({p["name"]: python_default(p) for p in entry["parameters"]})
    actual = {p.name: p.default for p in params[len(positional):]}
    if entry.get("row_target") == "class_index":
        assert actual.get("ignore_index") == -100
    expected.update({k: v for k, v in TORCH_OPTIONS.items() if k in actual})
    assert actual == expected
    for p in entry["parameters"]:  # True == 1 in Python: also compare the kinds
        assert isinstance(actual[p["name"]], bool) == p["flag"], p["name"]


@pytest.mark.parametrize("entry", ENTRIES, ids=NAMES)
def test_defaults_are_the_values_used(entry):
    """Omitting a parameter computes exactly what passing the catalogue default does."""
    args = sample_args(entry)
    explicit = {p["name"]: python_default(p) for p in entry["parameters"]}
    np.testing.assert_array_equal(call(entry, *args, grad=True)[0], call(entry, *args, grad=True, **explicit)[0])
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
        assert np.all(np.isfinite(call(entry, *args, **{parameter: value})))
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
