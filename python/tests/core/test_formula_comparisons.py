"""The SIMD formulas compare vector with vector. A lane comparison with a literal operand
(`m .<= 0`) resolves, in generic code, to the `SIMD` extension's lane-by-lane loop instead of
one vector compare (`Scalar/LossScalar.swift`, ``LossVector``): measured on 10M float32,
`hinge_loss` took 162 ms with `m .<= 0` and `quantile_loss` 459 ms, against 9 ms for
`epsilon_insensitive_loss`, which compared vectors. This test reads the formulas' source, so
such a comparison cannot come back unnoticed (a timing test would be flaky on a shared CPU)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FORMULAS = ROOT / "Sources/LossKit/Formulas"

# ` .<= 0`, ` .== -1`, ` .< 0x1p-3`, and a literal on the left (`0 .< v`); not ranges (`0..<n`).
LITERAL_OPERAND = re.compile(r"(\s\.(==|!=|<=|>=|<|>)\s*-?(\d|\.infinity))|(\b\d[\d.]*\s+\.(==|!=|<=|>=|<|>)\s)")


def literal_comparisons(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        code = line.split("//", 1)[0]
        if LITERAL_OPERAND.search(code):
            found.append(line.strip())
    return found


def test_the_pattern_finds_what_it_should():
    assert literal_comparisons("let m = a.replacing(with: 0, where: m .<= 0)")
    assert literal_comparisons("let flat = z .>= 1") and literal_comparisons("let x = z .< -1")
    assert not literal_comparisons("let m = a.replacing(with: 0, where: m .<= V.zero)")
    assert not literal_comparisons("for c in 0..<r.classes where c != y {")
    assert not literal_comparisons("guard v > 0 else { continue }  // scalar code compares scalars")


def test_formulas_compare_vectors_with_vectors():
    offenders = {str(path.relative_to(ROOT)): found for path in sorted(FORMULAS.rglob("*.swift"))
                 if (found := literal_comparisons(path.read_text()))}
    assert not offenders, f"compare with V.zero or V(repeating: c), not a literal: {offenders}"
