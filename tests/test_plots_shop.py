"""Unit tests of recsys_lib.plots.shop (module 00): the daily-activity plot with a split cutoff."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from recsys_lib import plots  # noqa: E402


def test_daily_activity_draws_one_line_per_column_and_the_cutoff():
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    days = pd.date_range("2025-03-01", periods=10, freq="D", name="day")
    daily = pd.DataFrame({"active_users": np.arange(10), "sessions": np.arange(10) * 2,
                          "purchases": np.arange(10) % 3}, index=days)
    ax = plots.plot_daily_activity(daily, cutoff="2025-03-08")
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["active users", "sessions", "purchases", "cutoff 2025-03-08 00:00"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), daily["sessions"].to_numpy())
    span, = [p for p in ax.patches]                                  # the shaded test period
    x = span.get_patch_transform().transform(span.get_path().vertices)[:, 0]   # data x (Rectangle or Polygon)
    assert x.min() == pytest.approx(mdates.date2num(pd.Timestamp("2025-03-08")))
    assert x.max() == pytest.approx(mdates.date2num(pd.Timestamp("2025-03-11")))   # end of the last day
    plain = plots.plot_daily_activity(daily)
    assert len(plain.get_lines()) == 3 and not plain.patches
    plt.close("all")
