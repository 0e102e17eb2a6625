"""Tests of recsys_lib.tasks.purchases (module 03's purchase-prediction table) on a tiny hand-made shop,
plus the module-03 plots."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.tasks import (
    PREDICTION_TIME,
    PURCHASED,
    prediction_time_folds,
    purchase_feature_columns,
    purchase_labels,
    purchase_task,
)
from recsys_lib.tasks.purchases import purchase_prediction_times

# A 14-day log starting Monday 2025-03-03. Prediction times with first_day=4, step_days=3,
# horizon_days=3: days 4, 7, 10 (day 10 + 3 = 13 <= 14 days), i.e. 03-07, 03-10, 03-13 at midnight.
#  user  time               type         item  price
#  1     03-03 10:00        click        1
#  1     03-03 10:05        purchase     1     10.0
#  1     03-07 00:00        purchase     2     20.0   exactly at tau_1: label of tau_1, feature of tau_2 only
#  1     03-11 12:00        click        3
#  2     03-05 09:00        impression   2
#  2     03-12 08:00        click        2
#  2     03-13 00:00        add_to_cart  2              at tau_3: not a feature of tau_3
#  2     03-14 20:00        purchase     2     25.0   in tau_3's window
#  3     03-09 18:00        click        3              first event: no row at tau_1
#  3     03-16 12:00        click        1              the log ends on day 13 (03-16)
ROWS = [
    (1, 1, "2025-03-03 10:00:00", C.CLICK, 1, np.nan),
    (1, 1, "2025-03-03 10:05:00", C.PURCHASE, 1, 10.0),
    (1, 2, "2025-03-07 00:00:00", C.PURCHASE, 2, 20.0),
    (1, 3, "2025-03-11 12:00:00", C.CLICK, 3, np.nan),
    (2, 4, "2025-03-05 09:00:00", C.IMPRESSION, 2, np.nan),
    (2, 5, "2025-03-12 08:00:00", C.CLICK, 2, np.nan),
    (2, 5, "2025-03-13 00:00:00", C.ADD_TO_CART, 2, np.nan),
    (2, 6, "2025-03-14 20:00:00", C.PURCHASE, 2, 25.0),
    (3, 7, "2025-03-09 18:00:00", C.CLICK, 3, np.nan),
    (3, 8, "2025-03-16 12:00:00", C.CLICK, 1, np.nan),
]
ARGS = dict(horizon_days=3, step_days=3, first_day=4, half_life_days=2.0, n_price_buckets=2)


def make_shop(rows=ROWS):
    u, s, t, e, i, p = zip(*rows)
    events = pd.DataFrame({
        C.USER_ID: np.array(u, dtype=np.int64),
        C.SESSION_ID: np.array(s, dtype=np.int64),
        C.TIMESTAMP: pd.to_datetime(list(t)),
        C.EVENT_TYPE: pd.Categorical(list(e), categories=list(C.EVENT_TYPES)),
        C.ITEM_ID: pd.array(list(i), dtype="Int64"),
        C.QUERY: pd.array([None] * len(rows), dtype="string"),
        C.POSITION: pd.array([None] * len(rows), dtype="Int64"),
        C.PRICE_PAID: np.array(p, dtype=np.float64),
    })
    items = pd.DataFrame({C.ITEM_ID: [1, 2, 3], C.CATEGORY: pd.Categorical(["a/x", "a/y", "b/z"]),
                          C.BRAND: ["p", "q", "r"], C.PRICE: [10.0, 20.0, 40.0], C.RATING: [4.0, 4.0, 4.0],
                          C.TITLE: ["t", "t", "t"], C.LAUNCH_DAY: [-10, -10, -10]})
    users = pd.DataFrame({C.USER_ID: [1, 2, 3], C.REGION: ["north", "south", "north"],
                          C.DEVICE: ["mobile", "desktop", "mobile"], C.AGE_BAND: ["18-24", "25-34", "18-24"],
                          C.SIGNUP_DAY: [-5, 0, 3]})
    return items, users, events


def test_prediction_times_are_midnights_whose_window_fits_in_the_log():
    _, _, events = make_shop()
    times = purchase_prediction_times(events, first_day=4, step_days=3, horizon_days=3)
    assert list(times) == list(pd.to_datetime(["2025-03-07", "2025-03-10", "2025-03-13"]))


def test_labels_by_hand():
    _, _, events = make_shop()
    times = pd.to_datetime(["2025-03-07", "2025-03-10", "2025-03-13"])
    labels = purchase_labels(events, times, horizon_days=3)
    got = {(u, t.strftime("%m-%d")): y for u, t, y in labels[[C.USER_ID, PREDICTION_TIME, PURCHASED]].itertuples(index=False)}
    assert got == {
        (1, "03-07"): 1, (2, "03-07"): 0,                   # user 1 buys exactly at tau: in the window
        (1, "03-10"): 0, (2, "03-10"): 0, (3, "03-10"): 0,  # user 3's first event is on 03-09
        (1, "03-13"): 0, (2, "03-13"): 1, (3, "03-13"): 0,  # user 2 buys on 03-14
    }


def test_purchase_task_features_by_hand():
    table = purchase_task(make_shop(), **ARGS)
    assert list(table.columns[:2]) == [C.USER_ID, PREDICTION_TIME] and table.columns[-1] == PURCHASED
    assert len(table) == 8 and table[PURCHASED].tolist() == [1, 0, 0, 0, 0, 0, 1, 0]
    row = table.set_index([C.USER_ID, table[PREDICTION_TIME].dt.strftime("%m-%d")])
    # user 1 at 03-07: the purchase at 03-07 00:00 is NOT a feature yet
    r = row.loc[(1, "03-07")]
    assert r["n_purchase"] == 1 and r["monetary"] == 10.0 and r["n_click"] == 1
    assert r["days_since_last_purchase"] == pytest.approx(4 - 10 / 24 - 5 / 1440)
    assert r["heat_purchase"] == pytest.approx(2 ** (-(4 - 10 / 24 - 5 / 1440) / 2))
    # ... at 03-10 it is
    r = row.loc[(1, "03-10")]
    assert r["n_purchase"] == 2 and r["monetary"] == 30.0 and r["days_since_last_purchase"] == pytest.approx(3.0)
    # user 2 at 03-13: the add_to_cart at 03-13 00:00 is not a feature; never bought -> history length
    r = row.loc[(2, "03-13")]
    assert r["n_add_to_cart"] == 0 and r["n_click"] == 1 and r["n_impression"] == 1
    assert r["days_since_last_purchase"] == pytest.approx(10.0)
    assert r["days_since_last_event"] == pytest.approx(16 / 24)
    # last event 03-12 08:00, a Wednesday
    assert r["last_hour_sin"] == pytest.approx(np.sin(2 * np.pi * 8 / 24))
    assert r["last_weekday_cos"] == pytest.approx(np.cos(2 * np.pi * 2 / 7))
    # click shares by top-level category and price bucket of clicked items (edges: median 20)
    r = row.loc[(1, "03-13")]
    assert r["click_share=a"] == pytest.approx(0.5) and r["click_share=b"] == pytest.approx(0.5)
    assert r["click_price_bucket"] == pytest.approx(0.5 * (0 + 1))
    assert row.loc[(2, "03-07"), "click_price_bucket"] == pytest.approx(0.5)  # no clicks: (B - 1) / 2
    # static attributes
    assert row.loc[(3, "03-10"), "device=mobile"] == 1 and row.loc[(3, "03-10"), "tenure_days"] == 4
    assert row.loc[(2, "03-10"), "age_band=25-34"] == 1


def test_purchase_task_has_no_leakage():
    """Adding events at or after a prediction time never changes the features of that row."""
    items, users, events = make_shop()
    base = purchase_task((items, users, events), **ARGS)
    feats = purchase_feature_columns(base)
    for tau in base[PREDICTION_TIME].unique():
        extra = events.iloc[[0, 1, 3]].copy()
        extra[C.TIMESTAMP] = [tau, tau + pd.Timedelta(hours=1), tau + pd.Timedelta(days=1)]
        extra[C.USER_ID] = [1, 2, 3]
        later = pd.concat([events, extra], ignore_index=True)
        changed = purchase_task((items, users, later), **ARGS)
        mask = (base[PREDICTION_TIME] <= tau).to_numpy()
        pd.testing.assert_frame_equal(changed.loc[mask, feats], base.loc[mask, feats])


def test_purchase_task_on_the_shop_is_deterministic_and_sampled_by_seed():
    from recsys_lib.data import load_shop

    shop = load_shop()
    a = purchase_task(shop, n_users=500, seed=3)
    b = purchase_task(shop, n_users=500, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a[C.USER_ID].nunique() <= 500
    assert not a[purchase_feature_columns(a)].isna().any().any()
    assert set(a[PURCHASED].unique()) <= {0, 1} and 0.01 < a[PURCHASED].mean() < 0.2
    assert a[PREDICTION_TIME].is_monotonic_increasing


def test_prediction_time_folds_keep_time_order_and_whole_weeks():
    times = pd.to_datetime(["2025-01-06", "2025-01-13", "2025-01-06", "2025-01-20", "2025-01-27", "2025-01-13"])
    folds = prediction_time_folds(pd.Series(times), n_splits=3)
    assert [(list(tr), list(va)) for tr, va in folds] == [([0, 2], [1, 5]), ([0, 1, 2, 5], [3]),
                                                          ([0, 1, 2, 3, 5], [4])]
    gap = prediction_time_folds(times, n_splits=2, gap=1)
    assert all(times[tr].max() < times[va].min() - pd.Timedelta(days=7) for tr, va in gap)


def test_module_03_plots_draw(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    from recsys_lib import plots

    ax = plots.plot_heat_decay(half_lives=(1, 7), max_days=10)
    assert len(ax.lines) >= 4
    scores = pd.DataFrame({"auc": [0.5, 0.8], "log_loss": [0.2, 0.15]}, index=["base", "model"])
    axes = plots.plot_model_comparison(scores, baseline="base")
    assert len(axes) == 2
    ax = plots.plot_feature_importance(pd.Series([0.1, 0.3, -0.01], index=["a", "b", "c"]), top=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    import matplotlib.pyplot as plt

    plt.close("all")
