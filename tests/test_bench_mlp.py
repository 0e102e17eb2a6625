"""Keeps benchmarks/bench_mlp.py from rotting: runs its main() at toy size (slow: imports TensorFlow)."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.slow
def test_benchmark_main_runs_at_toy_size(capsys, load_benchmark, tf_threads_as_they_are):
    bench = load_benchmark("bench_mlp")
    r = bench.main(["--data", "synthetic", "--rows", "500", "--epochs", "3", "--batch-size", "50"])
    out = capsys.readouterr().out
    assert "ratio NumPy / Keras per epoch" in out and "data=synthetic: 400 training rows" in out
    assert r["rows"] == 400 and r["epochs"] == 3 and r["classes"] == 6
    assert r["numpy_s_per_epoch"] > 0 and r["keras_s_per_epoch"] > 0
    assert np.isclose(r["ratio"], r["numpy_s_per_epoch"] / r["keras_s_per_epoch"])
    # the same initial weights and optimiser settings, 24 small Adam steps: the two networks barely moved
    # from their common start, so they classify the 100 test rows almost alike
    assert 0.0 <= r["numpy_accuracy"] <= 1.0 and 0.0 <= r["keras_accuracy"] <= 1.0
    assert abs(r["numpy_accuracy"] - r["keras_accuracy"]) <= 0.1
