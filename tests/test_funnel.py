"""Unit tests of recsys_lib.metrics.funnel (module 00's reference implementations)."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from autograder.exercises.m00_shop_data import make_items, make_log
from recsys_lib import columns as C
from recsys_lib.metrics import funnel


@pytest.fixture()
def log():
    return make_log([
        (1, 11, "2025-03-01 10:00", "search", None), (1, 11, "2025-03-01 10:00", "impression", 1),
        (1, 11, "2025-03-01 10:00", "impression", 2), (1, 11, "2025-03-01 10:01", "click", 1),
        (1, 11, "2025-03-01 10:03", "add_to_cart", 1), (2, 12, "2025-03-02 09:00", "impression", 3),
        (2, 12, "2025-03-02 09:01", "click", 3), (2, 13, "2025-03-03 09:00", "impression", 1),
        (2, 13, "2025-03-03 09:05", "purchase", 1)])


@pytest.fixture()
def items():
    return make_items([(1, "alpha/x"), (2, "alpha/y"), (3, "beta/z")])


def test_funnel_counts_hand_computed(log):
    counts = funnel.funnel_counts(log)
    assert list(counts.index) == list(C.FUNNEL)
    assert counts.tolist() == [4, 2, 1, 1]
    assert counts.dtype == np.int64


def test_funnel_counts_missing_stage_is_zero(log):
    counts = funnel.funnel_counts(log[log[C.EVENT_TYPE] != C.PURCHASE])
    assert counts[C.PURCHASE] == 0


def test_funnel_rates_definitions_and_zero_denominator():
    rates = funnel.funnel_rates(pd.Series([200, 50, 10, 4], index=list(C.FUNNEL)))
    assert rates.tolist() == pytest.approx([0.25, 0.2, 0.08])
    assert list(rates.index) == list(funnel.RATES)
    empty = funnel.funnel_rates(pd.Series([10, 0, 0, 0], index=list(C.FUNNEL)))
    assert empty.iloc[0] == 0.0 and np.isnan(empty.iloc[1]) and np.isnan(empty.iloc[2])


def test_rates_by_category_ratio_of_sums(log, items):
    table = funnel.rates_by_category(log, items)
    assert table.index.tolist() == ["alpha", "beta"]
    # alpha: 3 impressions, 1 click, 1 cart, 1 purchase; beta: 1 impression, 1 click
    assert table.loc["alpha"].tolist() == pytest.approx([1 / 3, 1.0, 1.0])
    assert table.loc["beta"].tolist() == pytest.approx([1.0, 0.0, 0.0])


def test_engagement_hand_computed(log):
    stats = funnel.engagement(log)
    assert stats.tolist() == pytest.approx([2, 3, 1.5, 3.0])


def test_daily_activity(log):
    daily = funnel.daily_activity(log)
    assert daily.index.tolist() == list(pd.to_datetime(["2025-03-01", "2025-03-02", "2025-03-03"]))
    assert daily["active_users"].tolist() == [1, 1, 1]
    assert daily["clicks"].tolist() == [1, 1, 0]
    assert daily["purchases"].tolist() == [0, 0, 1]


def test_cold_start_rates_count_distinct():
    train = make_log([(1, 1, "2025-03-01 10:00", "impression", 10), (2, 2, "2025-03-01 11:00", "click", 11)])
    test = make_log([(2, 3, "2025-03-05 10:00", "click", 11), (3, 4, "2025-03-05 11:00", "impression", 12),
                     (3, 4, "2025-03-05 11:01", "click", 12), (3, 4, "2025-03-05 11:02", "impression", 13),
                     (3, 4, "2025-03-05 11:03", "search", None)])
    assert funnel.cold_start_rates(train, test).tolist() == pytest.approx([0.5, 2 / 3])



def test_on_the_shipped_shop():
    from recsys_lib.data import load_shop

    shop = load_shop()
    counts = funnel.funnel_counts(shop.events)
    assert counts.sum() == shop.events[C.EVENT_TYPE].isin(C.FUNNEL).sum()
    assert (counts.diff().dropna() < 0).all()            # every stage is smaller than the one before
    table = funnel.rates_by_category(shop.events, shop.items)
    assert ((table > 0) & (table < 1)).all().all()
    assert funnel.engagement(shop.events)["users"] == shop.events[C.USER_ID].nunique()
