"""Runs benchmarks/bench_bpr.py at toy size so the benchmark script cannot rot."""
from __future__ import annotations

import runpy
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_bpr.py"


def test_bench_bpr_small_runs_and_the_loop_is_the_same_algorithm(capsys):
    main = runpy.run_path(str(BENCH), run_name="bench_bpr")["main"]
    result = main(["--small", "--no-progress"])
    out = capsys.readouterr().out
    assert "ratio vectorised / loop" in out and "HR@10 per fit s" in out
    t, q = result["throughput"], result["quality"]
    assert t["triples"] > 0 and t["vectorised_per_s"] > 0 and t["loop_per_s"] > 0
    # correctness, not speed: batch_size=1 is Rendle's per-sample SGD exactly
    assert t["batch1_max_diff"] < 1e-12
    assert q["cases"] > 1000 and len(q["models"]) == 2
    for r in q["models"].values():
        assert 0.0 < r["hr"] <= 1.0 and 0.0 < r["ndcg"] <= r["hr"] and r["fit_s"] > 0
