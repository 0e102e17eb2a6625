"""Module 09's plots draw what they are given (recsys_lib.plots.product)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from recsys_lib import plots  # noqa: E402


def test_lift_intervals_mark_the_true_lift():
    table = pd.DataFrame({"lift": [0.01, -0.02], "ci_low": [0.0, -0.03], "ci_high": [0.02, -0.01],
                          "true_lift": [0.012, -0.018]}, index=["a", "b"])
    ax = plots.plot_lift_intervals(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    crosses = [line for line in ax.lines if line.get_marker() == "x"][0]
    np.testing.assert_allclose(sorted(crosses.get_xdata()), [-1.8, 1.2])


def test_psi_targeting_peeking_latency_and_exposure():
    ax = plots.plot_psi(pd.DataFrame({"category": [0.0, 0.1, 0.3]}, index=pd.Index([0, 1, 2], name="week")), 0.2)
    assert any(len(line.get_ydata()) == 2 and np.allclose(line.get_ydata(), 0.2) for line in ax.lines)
    curves = pd.DataFrame({"uplift": [0, 2.0, 3.0], "random": [0, 1.0, 2.0]}, index=pd.Index([0, 0.5, 1.0]))
    assert len(plots.plot_targeting(curves).lines) == 2
    peek = pd.DataFrame({"significant_at_this_look": [0.05, 0.05], "significant_at_any_look": [0.05, 0.09]},
                        index=[1, 2])
    assert len(plots.plot_peeking(peek).lines) == 3
    ax = plots.plot_latency({"single": [0.001, 0.002, 0.004], "batch": [0.05, 0.06]})
    assert len(ax.patches) > 0 and len(ax.lines) == 4           # p50 and p95 of each
    shares = pd.DataFrame({"pop": [0.7, 0.3], "knn": [0.4, 0.6]}, index=["x", "y"])
    assert len(plots.plot_exposure_share(shares).patches) == 4
