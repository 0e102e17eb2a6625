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


def test_loss_contours_draws_contours_paths_and_the_minimum():
    import matplotlib.pyplot as plt
    from matplotlib.contour import QuadContourSet

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) * np.array([3.0, 0.3])
    X -= X.mean(axis=0)
    y = X @ np.array([0.5, 2.0]) + rng.normal(scale=0.1, size=200)
    y -= y.mean()
    path = np.array([[0.0, 0.0], [0.4, 0.1], [0.5, 0.2]])
    ax = plots.regression.plot_loss_contours(X, y, {"lr = 0.1": path}, feature_names=("a", "b"))
    contours = [c for c in ax.collections if isinstance(c, QuadContourSet)]
    assert len(contours) == 1 and len(contours[0].levels) == 12
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert "lr = 0.1 (2 steps)" in lines
    np.testing.assert_allclose(np.asarray(lines["lr = 0.1 (2 steps)"].get_xydata()), path)
    star = lines[r"minimum $w^*$"]
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(np.asarray(star.get_xydata())[0], w_star)
    assert ax.get_aspect() == 1.0                                   # equal aspect: ellipses not distorted
    x0, x1 = ax.get_xlim()
    assert x0 < min(0.0, w_star[0]) and x1 > max(0.5, w_star[0])    # path and minimum in view
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "b"
    with pytest.raises(ValueError):
        plots.regression.plot_loss_contours(np.ones((5, 3)), np.ones(5))
    plt.close("all")


def test_loss_contour_levels_follow_the_quadratic():
    """The contour levels lie between J* and the largest J on the grid, so the innermost ring
    hugs the minimum whatever the scale of the features."""
    import matplotlib.pyplot as plt
    from matplotlib.contour import QuadContourSet

    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 10.0], [0.0, -10.0]])
    y = np.array([1.0, -1.0, 5.0, -5.0])                            # y = X @ [1, 0.5]: J* = 0
    ax = plots.regression.plot_loss_contours(X, y, n_levels=5)
    contour, = [c for c in ax.collections if isinstance(c, QuadContourSet)]
    levels = np.asarray(contour.levels)
    assert len(levels) == 5 and np.all(np.diff(levels) > 0) and levels[0] > 0.0
    np.testing.assert_allclose(levels[:-1] / levels[-1], 4.0 ** -np.arange(4, 0, -1))   # J* + (J_max - J*) 4^-k
    plt.close("all")


def test_feature_scales_two_panels_one_box_per_feature():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(1)
    raw = np.column_stack([rng.normal(300, 200, 500), rng.uniform(0, 0.3, 500), rng.normal(4, 0.5, 500)])
    std = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    axes = plots.regression.plot_feature_scales(raw, std, ["days", "discount", "rating"])
    assert len(axes) == 2
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["days", "discount", "rating"]
    assert axes[0].get_xscale() == "symlog" and axes[1].get_xscale() == "linear"
    for ax, data in zip(axes, (raw, std)):
        medians = [line for line in ax.get_lines() if line.get_gid() == "median"]
        medians.sort(key=lambda line: -float(np.mean(line.get_ydata())))      # first feature on top
        assert len(medians) == 3
        np.testing.assert_allclose([float(line.get_xdata()[0]) for line in medians], np.median(data, axis=0))
    with pytest.raises(ValueError):
        plots.regression.plot_feature_scales(raw, std[:, :2], ["a", "b", "c"])
    plt.close("all")
