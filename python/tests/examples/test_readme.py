"""The README's examples run, and its loss table is the catalogue's."""
from __future__ import annotations

import doctest
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import losskit
from losskit.cli import losses as losses_table

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_python_examples_produce_the_shown_output():
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks("python")):
        runner.run(parser.get_doctest(block, {}, f"README python block {i}", "README.md", 0))
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_losses_table_is_the_catalogue():
    table = re.search(r"<!-- losses table begins -->\n(.*?)<!-- losses table ends -->", README, flags=re.S)
    assert table is not None
    assert table.group(1) == losses_table.markdown()


def test_swift_example_is_the_one_the_swift_tests_run():
    (swift,) = blocks("swift")
    test = (ROOT / "Tests/LossKitTests/ReadmeExampleTests.swift").read_text()
    tested = re.search(r"// README example begins\n(.*?)\s*// README example ends", test, flags=re.S).group(1)
    assert [line.strip() for line in swift.strip().splitlines()] == \
        [line.strip() for line in tested.strip().splitlines()]


def test_c_example_is_the_file_and_runs(tmp_path):
    (c_block,) = blocks("c")
    source = ROOT / "examples/c/quickstart.c"
    assert c_block == source.read_text()
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.skip("no C compiler on PATH")
    library_dir = Path(losskit.__file__).parent
    binary = tmp_path / "quickstart"
    subprocess.run([compiler, str(source), "-I", str(ROOT / "include"), "-L", str(library_dir), "-llosskit",
                    f"-Wl,-rpath,{library_dir}", "-o", str(binary)], check=True)
    out = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout.splitlines()
    # Hand-derived: huber(0.5, 3, -2) = (0.125 + 2.5 + 1.5) / 3; grad clip(r)/3; hess [1/3, 0, 0].
    assert out[0] == "loss 1.375000 grad 0.166667 0.333333 -0.333333 hess 0.333333 0 0"
    assert out[1].startswith("LK_ERR_INVALID_ARGUMENT: huber_loss: delta must be")
