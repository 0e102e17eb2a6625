"""The class-grading benchmark runs end to end at toy size (2 copies of module 00, 1 worker), and its
step-by-step profile of one student."""
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
    run = figures["runs"][1]
    assert run["all_graded"] and run["per_minute"] > 0 and figures["plain_s"] > 0 and run["cpu_s"] > 0
    # the printed table holds the same figures: workers, copies, wall, nb/min, ..., all graded
    row = next(line.split() for line in out.splitlines() if line.split()[:2] == ["1", "2"])
    assert float(row[2]) == pytest.approx(run["wall_s"], abs=0.051)
    assert float(row[3]) == pytest.approx(run["per_minute"], abs=0.051)
    assert row[9] == "True"
    assert run["overhead_s"] == pytest.approx(run["wall_s"] / 2 - figures["plain_s"])


def test_bench_grading_profile_breaks_one_student_down(capsys):
    from bench_grading import main

    figures = main(["--module", "00_shop_data", "--profile"])
    out = capsys.readouterr().out
    labels = [label for label, _, _ in figures["parts"]]
    for part in ("generate_assignment (child process)", "  kernel start", "  execution of the cells",
                 "  SaveAutoGrades", "record: SaveAutoGrades into the durable gradebook", "feedback page"):
        assert part in labels, labels
    assert all(seconds >= 0 for _, seconds, _ in figures["parts"])
    assert figures["per_student_s"] > 0 and "over the plain run" in out
