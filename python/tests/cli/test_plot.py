"""`python -m losskit plot`: the PNG it writes (made by matplotlib's Agg backend), the curves it
draws (LossKit's fused derivatives, checked against closed forms), and its errors. About 2 s."""
from __future__ import annotations

import struct
import sys
import zlib

import numpy as np
import pytest

from losskit.cli import plot
from losskit.cli import main as cli_main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(data: bytes) -> dict[bytes, list[bytes]]:
    """The chunks of a PNG file by type, checking each chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE
    chunks: dict[bytes, list[bytes]] = {}
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.setdefault(kind, []).append(body)
        at += 12 + length
    return chunks


def test_writes_a_png_made_by_matplotlib(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    code = cli_main(["plot", "mse_loss", "huber_loss", "binary_cross_entropy_with_logits",
                     "--param", "huber_loss.delta=2", "--range", "-3", "3", "--output", "out.png"])
    assert code == 0 and "wrote out.png" in capsys.readouterr().out
    chunks = png_chunks((tmp_path / "out.png").read_bytes())
    width, height = struct.unpack(">II", chunks[b"IHDR"][0][:8])
    assert (width, height) == (840, 264)  # 10.5 x 3.3 inches at 80 dpi
    software = dict(t.split(b"\0", 1) for t in chunks[b"tEXt"])[b"Software"]
    assert software.startswith(b"Matplotlib version")
    assert b"IEND" in chunks


def test_curves_are_the_fused_derivatives():
    x, loss, grad, hess = plot.curves("huber_loss", np.linspace(-4, 4, 9), delta=2.0)
    r = np.abs(x)
    np.testing.assert_allclose(loss, np.where(r <= 2, 0.5 * x**2, 2 * (r - 1)), rtol=1e-15)
    np.testing.assert_allclose(grad, np.clip(x, -2, 2), rtol=1e-15)
    np.testing.assert_array_equal(hess, (r <= 2).astype(float))
    x, loss, grad, hess = plot.curves("binary_cross_entropy_with_logits", np.array([-1.0, 0.0, 2.0]), target=1.0)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(loss, -np.log(s), rtol=1e-14)
    np.testing.assert_allclose(grad, s - 1, rtol=1e-14)
    np.testing.assert_allclose(hess, s * (1 - s), rtol=1e-14)


def test_only_elementwise_losses_are_plottable(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["plot", "cross_entropy"])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "cross_entropy is of kind 'cross_entropy'" in message and "mse_loss" in message


@pytest.mark.parametrize("argv, message", [
    (["nope"], "no loss is named 'nope'"),
    (["mse_loss", "--param", "delta=2"], "expected loss.parameter=value"),
    (["mse_loss", "--param", "huber_loss.delta=2"], "huber_loss is not one of the losses to plot"),
    (["mse_loss", "--range", "2", "1"], "expected LOW < HIGH"),
])
def test_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        plot.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_a_parameter_the_loss_refuses_exits_2(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert plot.main(["huber_loss", "--param", "huber_loss.delta=-1", "--output", str(tmp_path / "x.png")]) == 2
    assert "delta" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_without_matplotlib_it_says_how_to_get_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    assert plot.main(["mse_loss", "--output", str(tmp_path / "x.png")]) == 2
    assert "pip install 'losskit[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
