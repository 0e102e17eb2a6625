"""Keeps benchmarks/bench_svm.py from rotting: runs its main() at toy size."""
from __future__ import annotations

import numpy as np


def test_benchmark_main_runs_at_toy_size(capsys, load_benchmark):
    bench = load_benchmark("bench_svm")
    rows = bench.main(["--rows", "1500", "--features", "4", "--repeat", "1", "--epochs", "20",
                       "--batch-size", "32", "--blas-threads", "1"])
    out = capsys.readouterr().out
    assert "data=synthetic" in out and "LinearSVC(hinge" in out
    assert [r["sklearn"].split("(")[0] for r in rows] == ["LinearSVC", "SGDClassifier"]
    for r in rows:
        assert r["t_ours"] > 0 and r["t_sklearn"] > 0
        assert np.isclose(r["ratio"], r["t_ours"] / r["t_sklearn"])
        assert 0.5 < r["scores_ours"]["accuracy"] <= 1 and 0.5 < r["scores_sklearn"]["accuracy"] <= 1
        assert r["same_label"] > 0.95                       # the same linear SVM, found two ways
    # the C = 1 / (alpha m) mapping: Pegasos reaches LinearSVC's objective even at toy size
    svc = rows[0]
    assert abs(svc["scores_ours"]["J"] / svc["scores_sklearn"]["J"] - 1) < 0.02
