"""Unit tests of recsys_lib.plots.regression (module 01: loss curves, predicted vs actual, coefficients)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from recsys_lib import plots  # noqa: E402


def test_loss_curves_draws_one_line_per_run_and_keeps_diverging_run_visible():
    import matplotlib.pyplot as plt

    histories = {"small": np.linspace(10, 5, 50), "good": 10 * 0.5 ** np.arange(50) + 1,
                 "diverging": np.r_[10 * 3.0 ** np.arange(30), [np.inf] * 20]}
    ax = plots.plot_loss_curves(histories, clip=1e9, optimum=1.0)
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["small", "good", "diverging", "minimum $J^*$"]
    assert ax.get_yscale() == "log"
    ydata = np.asarray(ax.get_lines()[2].get_ydata(), dtype=float)
    drawn = ydata[np.isfinite(ydata)]
    assert drawn.size == 17 and drawn.max() <= 1e9                  # 10 * 3^16 < 1e9 < 10 * 3^17
    marker = ax.get_lines()[3]                                      # where it left the plot
    assert marker.get_marker() == "^" and marker.get_ydata()[0] == 1e9
    plt.close("all")


def test_predicted_vs_actual_reports_r2_and_mse():
    import matplotlib.pyplot as plt

    y = np.array([0.0, 1.0, 2.0, 3.0])
    p = np.array([0.0, 1.0, 2.0, 4.0])
    ax = plots.plot_predicted_vs_actual(y, p)
    text = ax.get_legend().get_texts()[0].get_text()
    assert "0.800" in text and "0.250" in text                      # R² = 1 - 1/5, MSE = 1/4
    with pytest.raises(ValueError):
        plots.plot_predicted_vs_actual(y, p[:3])
    plt.close("all")


def test_coefficients_bars():
    import matplotlib.pyplot as plt

    coefs = pd.DataFrame({"ours": [1.0, -2.0], "sklearn": [1.0, -2.0]}, index=["a", "b"])
    fig, ax = plt.subplots()
    assert plots.plot_coefficients(coefs, ax=ax) is ax
    assert len(ax.patches) == 4
    plt.close("all")
