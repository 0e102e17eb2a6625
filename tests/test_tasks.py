"""Task tables derived from ShopSim for the model modules."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from recsys_lib import columns as C
from recsys_lib.data import load_shop
from recsys_lib.simulation import shipped_shop
from recsys_lib.tasks import click_table, label_impressions, true_click_weights, units_sold_table


def test_shipped_shop_with_truth_matches_the_shipped_files():
    for a, b in zip(shipped_shop().tables, load_shop()):
        pd.testing.assert_frame_equal(a, b)


def test_label_impressions_on_a_hand_made_log():
    events = load_shop(__import__("pathlib").Path(__file__).parent / "fixtures" / "shops" / "tiny").events
    labelled = label_impressions(events)
    # user 1 clicked item 1 (shown at position 1), user 2 clicked item 5 (position 1); the rest unclicked
    assert labelled[C.CLICKED].tolist() == [True, False, True, False, False]


def test_units_sold_table_counts_purchases_and_uses_only_the_past():
    shop = shipped_shop()
    table = units_sold_table(shop)
    events = shop.tables.events
    week = (events[C.TIMESTAMP] - pd.Timestamp(shop.truth.config.start_date)).dt.days // 7
    buys = events[(events[C.EVENT_TYPE] == C.PURCHASE) & week.between(1, shop.truth.config.n_days // 7 - 1)]
    expected = buys.groupby([buys[C.ITEM_ID].astype(np.int64), week[buys.index]]).size()
    got = table.set_index([C.ITEM_ID, C.WEEK])[C.UNITS]
    assert (expected.reindex(got.index, fill_value=0).to_numpy() == got.to_numpy()).all()
    assert got.sum() > 0.9 * len(buys)          # only items launched mid-week are left out
    # the lag feature of week w equals the target of week w - 1 for the same item
    lagged = table.merge(table[[C.ITEM_ID, C.WEEK, C.UNITS]].assign(**{C.WEEK: table[C.WEEK] + 1}),
                         on=[C.ITEM_ID, C.WEEK], suffixes=("", "_before"))
    assert (lagged[C.UNITS_PREV_WEEK] == lagged[f"{C.UNITS}_before"]).all()
    assert (table[C.DAYS_SINCE_LAUNCH] >= 0).all()
    assert set(np.unique(table[C.DISCOUNT])) <= {0.0, 0.1, 0.2, 0.3}


def test_click_table_recovers_the_true_click_weights_with_the_latent_affinity():
    shop = shipped_shop()
    table = click_table(shop, sample=150_000, seed=1, with_true_affinity=True)
    assert table[C.CLICKED].isin([0, 1]).all() and 0.05 < table[C.CLICKED].mean() < 0.2
    truth = true_click_weights(shop)
    features = [C.LOG_POSITION, C.RATING_CENTERED, C.LOG_PRICE_RATIO, C.TRUE_AFFINITY]
    model = LogisticRegression(C=1e6, max_iter=2000).fit(table[features], table[C.CLICKED])
    assert model.intercept_[0] == pytest.approx(truth["intercept"], abs=0.08)
    for name, coef in zip(features, model.coef_[0]):
        assert coef == pytest.approx(truth[name], abs=0.08), name


def test_click_table_sample_is_seeded():
    shop = shipped_shop()
    a, b = click_table(shop, sample=1000, seed=3), click_table(shop, sample=1000, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(click_table(shop, sample=1000, seed=4))
