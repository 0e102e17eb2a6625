"""The class-grading benchmark runs end to end at toy size (2 copies of module 00, 1 worker)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_bench_grading_runs(capsys):
    from bench_grading import main

    figures = main(["--module", "00_shop_data", "--copies", "2", "--jobs", "1"])
    out = capsys.readouterr().out
    assert "plain nbclient run" in out and "nb/min" in out and "overhead" in out
    run = figures["runs"][1]
    assert run["all_graded"] and run["per_minute"] > 0 and figures["plain_s"] > 0
