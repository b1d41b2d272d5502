"""`python -m losskit bench` runs, lists every case, and its agreement check passes and can fail.

Smoke runs only (`--quick`, small arrays): speed is measured by the benchmark, never asserted
here. The one run with every installed peer takes a few seconds, mostly importing torch and jax.
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import losskit as lk
from losskit.cli import bench_cases as bc
from losskit.cli import bench_worker as worker
from losskit.cli import bench_table as table
from losskit.cli import bench
from losskit.cli import main as cli_main

INSTALLED = [peer for peer in bc.PEERS if importlib.util.find_spec(peer) is not None]


def quick(*argv: str) -> table.Report:
    return bench.run(bench.build_parser("bench").parse_args(["--quick", "--repeat", "2", *argv]))


def body_rows(text: str) -> list[list[str]]:
    """The table rows (under the dashed rule) of the text rendering, split into cells."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("-----"))
    rows = []
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


@pytest.fixture(scope="module")
def single_thread_report() -> table.Report:
    return quick("--threads", "1")


def test_every_case_is_in_the_table_with_numbers(single_thread_report):
    rows = body_rows(table.render_text(single_thread_report))
    assert [row[0] for row in rows] == [case.label for case in bc.cases(quick=True)]
    for row in rows:
        assert len(row) == len(table.COLUMNS)
        assert row[1] == "1"
        float(row[3])  # LossKit's time
        for peer, text in zip(bc.PEERS, row[4:7]):
            if peer in INSTALLED:
                float(text)
            else:
                assert text == "missing"


def test_agreement_check_passed_for_every_installed_peer(single_thread_report):
    assert single_thread_report.problems() == []
    text = table.render_text(single_thread_report)
    checks = len(bc.cases(quick=True)) * len(INSTALLED)
    assert f"agreement: all {checks} peer results match LossKit" in text
    for entry in (e for (_, lib), r in single_thread_report.results.items() if lib != "losskit"
                  for e in r.get("cases", [])):
        assert entry["agreement"]["agrees"] and entry["agreement"]["loss_error"] < 1e-4


def test_header_names_machine_and_versions(single_thread_report):
    text = table.render_text(single_thread_report)
    assert "QUICK smoke run" in text and "machine: " in text and "cores" in text
    assert f"losskit {lk.__version__}" in text and f"numpy {np.__version__}" in text


def test_floor_and_ratio_for_large_cases_only(single_thread_report):
    rows = body_rows(table.render_text(single_thread_report))
    floor, to_floor = table.COLUMNS.index("floor"), table.COLUMNS.index("LossKit / floor")
    for row, case in zip(rows, bc.cases(quick=True)):
        if case.tiny:
            assert row[floor] == row[to_floor] == "-" and row[-1] == f"2x{bench.TINY_LOOPS_QUICK}"
        else:
            float(row[floor])
            assert row[to_floor].endswith("x") and row[-1] == "2"


def test_markdown_has_the_same_rows(single_thread_report):
    text = table.render_markdown(single_thread_report)
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert lines[0] == "| " + " | ".join(table.COLUMNS) + " |"
    assert len(lines) == 2 + len(bc.cases(quick=True))
    assert all(line.count("|") == len(table.COLUMNS) + 1 for line in lines)


def test_all_threads_setting_runs_in_its_own_process():
    report = quick("--threads", "all", "--peers", "numpy")
    cores = len(os.sched_getaffinity(0))
    assert report.settings == [cores] and report.problems() == []
    rows = body_rows(table.render_text(report))
    assert {row[1] for row in rows} == {f"{cores} (all)" if cores > 1 else "1"}
    assert {row[table.COLUMNS.index("torch")] for row in rows} == {"-"}  # not asked for


def test_missing_peer_is_reported_not_fatal(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "jax"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('simulated: no jax here')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    assert bench.main(["--quick", "--repeat", "1", "--threads", "1", "--peers", "jax"]) == 0
    out = capsys.readouterr().out
    assert "jax missing" in out
    assert all(row[table.COLUMNS.index("jax")] == "missing" for row in body_rows(out))


def test_disagreement_is_detected():
    rng = np.random.default_rng(0)
    grad = rng.standard_normal(100)
    assert worker.agreement((1.0, grad.copy()), (1.0, grad))["agrees"]
    assert not worker.agreement((2.0, grad), (1.0, grad))["agrees"]          # sum vs mean, say
    assert not worker.agreement((1.0, 2 * grad), (1.0, grad))["agrees"]      # gradient off by 2
    assert not worker.agreement((1.0, grad[:50]), (1.0, grad))["agrees"]     # wrong shape


def test_disagreement_is_marked_and_fails_the_run(single_thread_report):
    results = {key: dict(value) for key, value in single_thread_report.results.items()}
    numpy = results[1, "numpy"]
    numpy["cases"] = [dict(entry) for entry in numpy["cases"]]
    numpy["cases"][0]["agreement"] = dict(numpy["cases"][0]["agreement"], agrees=False, loss=9.0)
    report = table.Report(**{**single_thread_report.__dict__, "results": results})
    text = table.render_text(report)
    assert body_rows(text)[0][table.COLUMNS.index("numpy")].endswith("!")
    assert "agreement: 1 PROBLEM(S)" in text and "numpy, 1 thread, mse_loss 100k: loss 9" in text


def test_command_line_entry_points(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["bench", "--help"])
    assert exit_info.value.code == 0 and "--markdown" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["bench", "--peers", "tensorflow"])
    assert exit_info.value.code == 2 and "unknown peer" in capsys.readouterr().err

    env = dict(os.environ)
    package_root = str(Path(lk.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    run = subprocess.run([sys.executable, "-m", "losskit", "bench", "--quick", "--repeat", "1",
                          "--threads", "1", "--peers", "numpy", "--markdown"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "| case | threads |" in run.stdout and "agreement: all 5 peer results match" in run.stdout


def test_catalogue_suite_covers_every_loss_and_every_peer_agrees():
    """`--catalogue`: one case per catalogue loss; PyTorch's result (torch.nn.functional or the
    catalogue formula in torch operations) matches LossKit's for every one of them, and so do
    JAX's (optax or jax.numpy) and scikit-learn's (sklearn._loss) where they have the loss."""
    from losskit.cli import bench_catalogue
    assert sorted(bench_catalogue.BUILDERS) == sorted(e["name"] for e in lk.catalogue())
    peers = [p for p in bench_catalogue.PEERS if importlib.util.find_spec(p) is not None]
    if peers != list(bench_catalogue.PEERS):
        pytest.skip("needs torch, jax and scikit-learn")
    report = quick("--catalogue", "--threads", "1", "--repeat", "1")
    assert report.problems() == []
    text = table.render_text(report)
    rows = {row[0]: row for row in body_rows(text)}
    assert list(rows) == [f"{e['name']} quick" for e in lk.catalogue()]
    assert all(len(row) == len(report.columns) for row in rows.values())
    column = {name: report.columns.index(name) for name in peers}
    # PyTorch has every loss; the others have the ones they ship (or JAX the formula).
    assert rows["cross_entropy quick"][column["sklearn"]] != "n/a" != rows["cross_entropy quick"][column["jax"]]
    assert rows["ctc_loss quick"][column["sklearn"]] == "n/a" == rows["ctc_loss quick"][column["jax"]]
    timed = sum(row[column[p]] != "n/a" for row in rows.values() for p in peers)
    assert timed > len(rows) + 20
    assert f"agreement: all {timed} peer results match LossKit" in text


def test_catalogue_suite_runs_one_family(capsys):
    assert bench.main(["--catalogue", "--family", "sequences", "--quick", "--repeat", "1", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "ctc_loss quick" in out and "mse_loss" not in out and "of the family sequences" in out
    with pytest.raises(SystemExit):
        bench.main(["--family", "sequences"])  # --family goes with --catalogue
    with pytest.raises(SystemExit):
        bench.main(["--catalogue", "--family", "nope"])


def test_boosters_suite_agrees_with_numpy_objectives(capsys):
    """`--boosters`: LossKit's XGBoost and LightGBM objectives against hand-written numpy ones,
    each checked (gradient and Hessian) before timing."""
    if importlib.util.find_spec("xgboost") is None or importlib.util.find_spec("lightgbm") is None:
        pytest.skip("needs xgboost and lightgbm")
    assert bench.main(["--boosters", "--quick", "--repeat", "1", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    for case in ("xgboost binary objective", "xgboost softmax objective", "lightgbm binary objective"):
        assert f"{case} quick" in out
    assert "agreement: all 3 peer results match LossKit" in out
    with pytest.raises(SystemExit):
        bench.main(["--boosters", "--catalogue"])
