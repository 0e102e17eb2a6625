"""Unit tests of recsys_lib.plots.features.plot_time_windows (module 03: cutoff, feature window
and label window of each prediction time)."""
from __future__ import annotations

import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from recsys_lib.plots import features as plots_features  # noqa: E402


def _bars(ax, color):
    from matplotlib.colors import to_hex

    return [p for p in ax.patches if to_hex(p.get_facecolor()) == to_hex(color)]


def test_time_windows_one_feature_bar_and_one_label_bar_per_prediction_time():
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    start = pd.Timestamp("2025-09-01")
    times = pd.to_datetime(["2025-09-22", "2025-09-15", "2025-09-29", "2025-09-15"])   # unsorted, repeated
    ax = plots_features.plot_time_windows(times, 7, start, log_end="2025-10-06", test_start="2025-09-29")
    features, labels = _bars(ax, "#4C72B0"), _bars(ax, "#DD8452")
    assert len(features) == len(labels) == 3                        # distinct prediction times
    day = 1.0                                                       # matplotlib dates are in days
    distinct = sorted(set(times))
    # top row = earliest cutoff; a feature bar runs from the log start to the cutoff, the label bar h days on
    for bar_f, bar_l, tau in zip(sorted(features, key=lambda p: -p.get_y()),
                                 sorted(labels, key=lambda p: -p.get_y()), distinct):
        assert bar_f.get_x() == pytest.approx(mdates.date2num(start))
        assert bar_f.get_x() + bar_f.get_width() == pytest.approx(mdates.date2num(tau))
        assert bar_l.get_x() == pytest.approx(mdates.date2num(tau))
        assert bar_l.get_width() == pytest.approx(7 * day)
    texts = [t.get_text().strip() for t in ax.texts]
    assert texts == ["09-15 train", "09-22 train", "09-29 test"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "test period starts 09-29" in legend and "end of the log" in legend
    with pytest.raises(ValueError):
        plots_features.plot_time_windows([], 7, start)
    plt.close("all")
