"""One map of the catalogue: a loss's family names its Python module, its Swift formulas'
folder, its tests' folder and its docs page, and the catalogue, `lk.families()` and the file
tree agree. Also: what `lk.catalogue()` returns cannot change the library, and the old module
paths still import, with a DeprecationWarning."""
from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losskit as lk
from losskit.cli import losses

ROOT = Path(__file__).resolve().parents[3]
TESTS = ROOT / "python/tests"
FORMULAS = ROOT / "Sources/LossKit/Formulas"
FAMILIES = [f["name"] for f in lk.families()]
WITH_LOSSES = [f["name"] for f in lk.families() if f["losses"]]


def swift_folder(family: str) -> Path:
    return FORMULAS / "".join(part.title() for part in family.split("_"))


def test_every_loss_has_a_known_family():
    assert FAMILIES == list(dict.fromkeys(FAMILIES)) and FAMILIES
    for entry in lk.catalogue():
        assert entry["family"] in FAMILIES, entry["name"]
    assert sorted(n for f in lk.families() for n in f["losses"]) == sorted(e["name"] for e in lk.catalogue())


@pytest.mark.parametrize("family", WITH_LOSSES)
def test_the_family_module_holds_exactly_its_losses(family):
    module = importlib.import_module(f"losskit.{family}")
    names = [e["name"] for e in lk.catalogue(family=family)]
    assert sorted(module.__all__) == sorted(names)
    for name in names:
        assert getattr(module, name) is getattr(lk, name), name
        assert getattr(lk, name).__module__ == f"losskit.{family}", name


def test_combinators_and_every_family_are_exported_from_the_package():
    assert lk.combinators.__all__ == ["hybrid_loss"] and lk.hybrid_loss is lk.combinators.hybrid_loss
    exported = set(lk.__all__)
    for family in WITH_LOSSES:
        assert set(importlib.import_module(f"losskit.{family}").__all__) <= exported


@pytest.mark.parametrize("family", WITH_LOSSES)
def test_the_swift_folder_holds_exactly_the_familys_formulas(family):
    folder = swift_folder(family)
    assert folder.is_dir(), folder
    declared = set()
    for source in folder.glob("*.swift"):
        declared |= set(re.findall(r'name: "(\w+)", family: \.(\w+)', source.read_text()))
    camel = "".join(p if i == 0 else p.title() for i, p in enumerate(family.split("_")))
    assert declared == {(e["name"], camel) for e in lk.catalogue(family=family)}


def test_no_formula_sits_outside_a_family_folder():
    folders = {swift_folder(f) for f in WITH_LOSSES}
    assert {p for p in FORMULAS.iterdir()} == folders


@pytest.mark.parametrize("family", WITH_LOSSES + ["combinators"])
def test_the_family_has_a_test_folder(family):
    assert list((TESTS / family).glob("test_*.py")), family


@pytest.mark.parametrize("family", WITH_LOSSES)
def test_the_docs_page_is_generated_from_the_catalogue(family):
    page = ROOT / "docs/losses" / f"{family}.md"
    assert page.read_text() == losses.page(family), \
        "regenerate with: python -m losskit losses --docs docs/losses"


def test_catalogue_filters_by_family_and_refuses_unknown_ones():
    ranking = lk.catalogue(family="ranking")
    assert [e["name"] for e in ranking] == ["margin_ranking_loss"]
    with pytest.raises(ValueError, match="family: expected one of"):
        lk.catalogue(family="nope")


def test_the_catalogue_handed_out_cannot_change_the_library():
    """Issue 18 (3): editing a default in the returned data changed what hybrid_loss computed."""
    x = np.array([[0.5, -2.0, 3.0]])
    y = np.zeros((1, 3))
    before = lk.hybrid_loss(x, y, [("huber_loss", 1.0)])
    for entry in lk.catalogue():
        for parameter in entry["parameters"]:
            parameter["default"] = 1e-3
        entry["name"] = "changed"
    lk.families()[0]["losses"].clear()
    assert lk.hybrid_loss(x, y, [("huber_loss", 1.0)]) == before
    # Huber with δ = 1 (the true default) on residuals 0.5, 2, 3: (0.125 + 1.5 + 2.5) / 3.
    assert before[0] == pytest.approx((0.125 + 1.5 + 2.5) / 3, rel=1e-15)
    assert lk.catalogue(family="regression")[2]["parameters"][0]["default"] == 1.0
    assert lk.families()[0]["losses"]


OLD_PATHS = {
    "elementwise": {"mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy_with_logits"},
    "classification": {"cross_entropy"},
    "robust": {"adaptive_robust_loss", "gaussian_nll_loss"},
    "embedding": {"contrastive_loss", "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
                  "ntxent_loss", "triplet_margin_loss"},
    "sequence": {"ctc_loss"},
    "hybrid": {"hybrid_loss"},
    "threads": {"set_num_threads", "get_num_threads"},
}


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_module_paths_still_import_with_a_deprecation_warning(old):
    module = importlib.import_module(f"losskit.{old}")
    assert set(module.__all__) == OLD_PATHS[old]
    for name in OLD_PATHS[old]:
        with pytest.warns(DeprecationWarning, match=rf"losskit\.{old}\.{name} is deprecated: use losskit\.{name}"):
            assert getattr(module, name) is getattr(lk, name)
    with pytest.raises(AttributeError):
        getattr(module, "no_such_name")


def test_the_package_imports_without_deprecation_warnings():
    code = "import warnings; warnings.simplefilter('error'); import losskit, losskit.torch, losskit.sklearn"
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_losses_command_filters_and_groups_by_family():
    run = subprocess.run([sys.executable, "-m", "losskit", "losses", "--family", "sequences"],
                         capture_output=True, text=True, check=True)
    assert run.stdout.splitlines()[:2] == ["== Sequences (losskit.sequences)", "ctc_loss"]
    run = subprocess.run([sys.executable, "-m", "losskit", "losses"], capture_output=True, text=True, check=True)
    headings = [line for line in run.stdout.splitlines() if line.startswith("== ")]
    assert len(headings) == len(WITH_LOSSES)
    assert losses.table("ranking").count("\n") == 3  # header, rule, margin_ranking_loss
