"""Keeps benchmarks/bench_linear_logistic.py from rotting: runs its main() at toy size."""
from __future__ import annotations

import numpy as np


def test_benchmark_main_runs_at_toy_size(capsys, load_benchmark):
    bench = load_benchmark("bench_linear_logistic")
    rows = bench.main(["--rows", "600", "--features", "4", "--repeat", "1", "--epochs", "2",
                       "--batch-size", "64", "--blas-threads", "1"])
    out = capsys.readouterr().out
    assert "data=synthetic" in out and "ratio" in out
    assert {r["task"] for r in rows} == {"regression", "classification"}
    assert len(rows) == 5
    for r in rows:
        assert r["t_ours"] > 0 and r["t_sklearn"] > 0
        assert np.isclose(r["ratio"], r["t_ours"] / r["t_sklearn"])
        for key in r["scores_ours"]:
            assert np.isfinite(r["scores_ours"][key]) and np.isfinite(r["scores_sklearn"][key])
    # the reference regression models reach scikit-learn's accuracy even at toy size
    for r in rows:
        if r["task"] == "regression" and r["sklearn"] == "LinearRegression":
            assert abs(r["scores_ours"]["R2"] - r["scores_sklearn"]["R2"]) < 1e-3
