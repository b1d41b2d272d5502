"""The README's examples run, and its loss table is the catalogue's."""
from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def c_build_line() -> str:
    """The README's one-line C build, which must also be the one quickstart.c's comment gives."""
    (line,) = [block.strip() for block in blocks("sh") if "losskit config" in block]
    assert line.startswith("cc quickstart.c $(python -m losskit config --cflags --libs)")
    assert line in (ROOT / "examples/c/quickstart.c").read_text()
    return line


def test_c_example_is_the_file_and_its_build_line_runs_elsewhere(tmp_path):
    """The C block is quickstart.c, and the README's build line, run as written by a shell in
    another folder holding a copy of it, compiles, links and runs it against the installed
    package (with `python` being this test's Python)."""
    (c_block,) = blocks("c")
    source = ROOT / "examples/c/quickstart.c"
    assert c_block == source.read_text()
    line = c_build_line()
    if shutil.which("cc") is None:
        pytest.skip("no `cc` on PATH")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python").chmod(0o755)
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(source, work / "quickstart.c")
    env = dict(os.environ, PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]))
    done = subprocess.run(["sh", "-c", line], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    # Hand-derived: huber(0.5, 3, -2) = (0.125 + 2.5 + 1.5) / 3; grad clip(r)/3; hess [1/3, 0, 0].
    assert out[0] == "loss 1.375000 grad 0.166667 0.333333 -0.333333 hess 0.333333 0 0"
    assert out[1].startswith("LK_ERR_INVALID_ARGUMENT: huber_loss: delta must be")
