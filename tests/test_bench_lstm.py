"""benchmarks/bench_lstm.py on two tiny generated shops: it trains both loops on the same tensors
and prints one row per shop (no timing is asserted, only that the figures are there and sane)."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _load():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_lstm.py"
    spec = importlib.util.spec_from_file_location("bench_lstm", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_lstm_prints_both_shops(capsys):
    rows = _load().main(["--users", "500", "--items", "120", "--scale", "2", "--epochs", "1", "--repeats", "1",
                         "--batch-size", "256"])
    out = capsys.readouterr().out
    assert [r["shop"] for r in rows] == ["base (500 users)", "2x (1,000 users)"]
    assert rows[1]["items"] == 2 * rows[0]["items"] == 240
    assert rows[1]["pairs"] > rows[0]["pairs"] > 0
    for r in rows:
        assert math.isfinite(r["course_seq_s"]) and r["course_seq_s"] > 0
        assert math.isfinite(r["plain_seq_s"]) and r["plain_seq_s"] > 0
        assert r["ratio"] == pytest.approx(r["course_seq_s"] / r["plain_seq_s"])
        assert r["shop"] in out
    assert "course/plain" in out
