"""Tests for the module-06 task table (recsys_lib.tasks.next_category) and its Bayes oracle."""
from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.simulation import ShopConfig, catalogue, generate_shop, shipped_shop
from recsys_lib.tasks import PREDICTION_TIME, TOP_CATEGORIES, next_category_feature_columns, next_category_oracle, \
    next_category_task
from recsys_lib.tasks import next_category as NC

HALF_LIFE = 7.0


@pytest.fixture(scope="module")
def shop():
    return shipped_shop()


@pytest.fixture(scope="module")
def table(shop):
    return next_category_task(shop, half_life_days=HALF_LIFE)


def _top_of_items(shop):
    items = shop.tables.items
    return pd.Series([TOP_CATEGORIES.index(catalogue.top_of(c)) for c in items[C.CATEGORY].astype(str)],
                     index=items[C.ITEM_ID].to_numpy())


def test_one_row_per_purchase_with_the_purchased_category(shop, table):
    events = shop.tables.events
    purchases = events[events[C.EVENT_TYPE] == C.PURCHASE]
    assert len(table) == len(purchases)
    expected = Counter(_top_of_items(shop).loc[purchases[C.ITEM_ID].to_numpy(dtype=np.int64)].tolist())
    assert Counter(table[C.NEXT_CATEGORY_CODE].tolist()) == expected
    assert (table[C.NEXT_CATEGORY].astype(str).to_numpy()
            == np.array(TOP_CATEGORIES)[table[C.NEXT_CATEGORY_CODE].to_numpy()]).all()
    assert list(table.columns[5:]) == next_category_feature_columns() and len(next_category_feature_columns()) == 46
    assert table[PREDICTION_TIME].is_monotonic_increasing
    assert np.isfinite(table[next_category_feature_columns()].to_numpy()).all()


def test_prediction_time_opens_the_page_of_the_purchase(shop, table):
    events = shop.tables.events
    openers = events[events[C.EVENT_TYPE].isin([C.SEARCH, C.IMPRESSION])]
    keys = set(zip(openers[C.SESSION_ID].to_numpy(), openers[C.TIMESTAMP].to_numpy()))
    assert all((s, t) in keys for s, t in zip(table[C.SESSION_ID].to_numpy(), table[PREDICTION_TIME].to_numpy()))
    # the purchase follows within the page that opens at tau
    buys = events[events[C.EVENT_TYPE] == C.PURCHASE]
    first_buy_after = pd.merge_asof(table[[C.SESSION_ID, PREDICTION_TIME]].sort_values(PREDICTION_TIME),
                                    buys[[C.SESSION_ID, C.TIMESTAMP]].sort_values(C.TIMESTAMP),
                                    left_on=PREDICTION_TIME, right_on=C.TIMESTAMP, by=C.SESSION_ID,
                                    direction="forward")
    gap = (first_buy_after[C.TIMESTAMP] - first_buy_after[PREDICTION_TIME]).dt.total_seconds()
    assert gap.between(0, 90).all()          # the purchase follows within its page (a page lasts >= 90 s)


def test_features_use_only_events_strictly_before_tau(shop, table):
    """Brute force on a sample of rows: every feature recomputed from the raw log."""
    events = shop.tables.events
    top = _top_of_items(shop)
    leaf = pd.Series(shop.truth.item_category, index=shop.tables.items[C.ITEM_ID].to_numpy())
    users = shop.tables.users.set_index(C.USER_ID)
    sample = table.sample(60, random_state=0)
    by_user = dict(tuple(events.groupby(C.USER_ID)))
    for _, row in sample.iterrows():
        tau = row[PREDICTION_TIME]
        past = by_user[row[C.USER_ID]]
        past = past[past[C.TIMESTAMP] < tau]
        for etype, prefix, log_name in NC._HEAT_TYPES:
            ev = past[past[C.EVENT_TYPE] == etype]
            assert row[log_name] == pytest.approx(np.log1p(len(ev)), abs=1e-12)
            w = np.exp2(-((tau - ev[C.TIMESTAMP]) / pd.Timedelta(days=1)).to_numpy() / HALF_LIFE)
            heat = np.bincount(top.loc[ev[C.ITEM_ID].to_numpy(dtype=np.int64)].to_numpy(), weights=w, minlength=6)
            share = heat / heat.sum() if heat.sum() > 0 else heat
            got = row[[prefix + t for t in TOP_CATEGORIES]].to_numpy(dtype=float)
            np.testing.assert_allclose(got, share, rtol=1e-9, atol=1e-12)
        session = past[past[C.SESSION_ID] == row[C.SESSION_ID]]
        assert row[C.NEW_SESSION] == float(session.empty)
        views = session[session[C.EVENT_TYPE] == C.IMPRESSION]
        got_view = row[[C.LAST_VIEW_PREFIX + c for c in NC.LEAF_CATEGORIES]].to_numpy(dtype=float)
        if views.empty:
            assert got_view.sum() == 0
        else:
            assert got_view.sum() == 1 and got_view.argmax() == leaf.loc[int(views[C.ITEM_ID].iloc[-1])]
        assert row[C.DEVICE_PREFIX + str(users.loc[row[C.USER_ID], C.DEVICE])] == 1.0


def test_oracle_is_a_calibrated_distribution(shop, table):
    P = next_category_oracle(shop, table)
    y = table[C.NEXT_CATEGORY_CODE].to_numpy()
    assert P.shape == (len(table), 6) and (P >= 0).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    hit = P.argmax(axis=1) == y
    expected, se = P.max(axis=1).mean(), np.sqrt(np.sum(P.max(axis=1) * (1 - P.max(axis=1)))) / len(y)
    assert abs(hit.mean() - expected) < 4 * se          # realised accuracy = its own expectation
    observed = np.bincount(y, minlength=6) / len(y)
    se_class = np.sqrt(np.sum(P * (1 - P), axis=0)) / len(y)
    assert (np.abs(P.mean(axis=0) - observed) < 4 * se_class + 1e-9).all()
    majority = np.mean(y == np.bincount(y).argmax())
    assert hit.mean() > majority + 0.15                 # the ceiling is far above the baseline


def test_oracle_on_a_small_generated_shop_and_its_checks(shop):
    small = generate_shop(ShopConfig(n_users=600, n_items=200, n_days=30, seed=7))
    tab = next_category_task(small)
    P = next_category_oracle(small, tab.iloc[::3])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # a session's first page uses the truth's category centroids and shares (data card step 5)
    first_pages = tab[tab[C.NEW_SESSION] == 1.0].iloc[:5]
    flat = dataclasses.replace(small, truth=dataclasses.replace(
        small.truth, category_centroids=np.zeros_like(small.truth.category_centroids)))
    assert not np.allclose(next_category_oracle(flat, first_pages), next_category_oracle(small, first_pages))
    with pytest.raises(ValueError, match="no page"):
        next_category_oracle(small, tab.iloc[:3].assign(**{PREDICTION_TIME: tab[PREDICTION_TIME].iloc[:3]
                                                           + pd.Timedelta(seconds=1)}))


def test_bad_input_is_rejected(shop):
    with pytest.raises(TypeError, match="truth"):
        next_category_task(shop.tables)
    with pytest.raises(ValueError, match="half_life_days"):
        next_category_task(shop, half_life_days=0)
    with pytest.raises(ValueError, match="too small"):
        next_category_task(shop, half_life_days=0.01)
