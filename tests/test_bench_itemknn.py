"""Runs benchmarks/bench_itemknn.py at toy size so the benchmark script cannot rot."""
from __future__ import annotations

import numpy as np


def test_bench_itemknn_small_runs_and_agrees_with_sklearn(capsys, load_benchmark):
    bench = load_benchmark("bench_itemknn")
    result = bench.main(["--small", "--no-progress"])
    out = capsys.readouterr().out
    assert "ratio ours / scikit-learn" in out and "recommend(k=10)" in out
    scale, cmp = result["scale"], result["compare"]
    assert scale["fit_s"] > 0 and scale["recommend_s"] > 0 and scale["nnz"] > 0
    # correctness, not speed: every item's neighbour list matches scikit-learn's up to ties
    assert cmp["disagree"] == 0
    assert cmp["identical"] + cmp["differ_by_ties_only"] == cmp["items"]
    assert cmp["identical"] > 0
    assert cmp["max_similarity_diff"] < 1e-9


def test_synthetic_interactions_seeded_and_skewed(load_benchmark):
    bench = load_benchmark("bench_itemknn")
    a = bench.synthetic_interactions(2000, 300, 20_000, seed=3)
    b = bench.synthetic_interactions(2000, 300, 20_000, seed=3)
    assert (a != b).nnz == 0  # same seed, same matrix
    assert a.shape == (2000, 300) and set(np.unique(a.data)) == {1.0}
    pop = np.sort(np.asarray(a.sum(axis=0)).ravel())[::-1]
    assert pop[:30].sum() > 3 * pop[-30:].sum()  # popularity skew
