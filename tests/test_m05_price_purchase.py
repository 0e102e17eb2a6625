"""Module 05's cart table (recsys_lib.tasks.price_purchase): exact values on a hand-made log, the tiny
fixture shop, leakage (features use only earlier events), labels and the oracle on the shipped shop."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.tasks import (
    PRICE_PURCHASE_FEATURES,
    PREDICTION_TIME,
    PURCHASED,
    price_purchase_features,
    price_purchase_table,
)

TINY = Path(__file__).resolve().parent / "fixtures" / "shops" / "tiny"

ITEMS = pd.DataFrame({C.ITEM_ID: [1, 2, 3], C.CATEGORY: pd.Categorical(["a/x", "a/x", "b/y"]),
                      C.PRICE: [10.0, 30.0, 100.0], C.RATING: [4.5, 3.5, 4.0]})
USERS = pd.DataFrame({C.USER_ID: [1, 2], C.DEVICE: pd.Categorical(["mobile", "desktop"])})
PROMOTIONS = np.array([[0.0, 0.0], [0.2, 0.0], [0.0, 0.1]])     # item 2 in week 0, item 3 in week 1
START = "2025-03-03"                                            # a Monday: week 0 = 03-03 .. 03-09
#  user session time                 type          item   note
ROWS = [
    (1, 10, "2025-03-03 10:00:00", C.IMPRESSION, 1),    # session 10 starts
    (1, 10, "2025-03-03 10:00:05", C.CLICK, 1),
    (1, 10, "2025-03-03 10:00:10", C.CLICK, 2),
    (1, 10, "2025-03-03 10:00:20", C.ADD_TO_CART, 2),   # cart A (bought)
    (1, 10, "2025-03-03 10:00:20", C.CLICK, 3),         # same second as cart A: not a feature of A
    (1, 10, "2025-03-03 10:00:30", C.PURCHASE, 2),
    (1, 10, "2025-03-03 10:01:00", C.ADD_TO_CART, 1),   # cart B (abandoned)
    (2, 20, "2025-03-03 10:00:40", C.CLICK, 1),
    (2, 20, "2025-03-03 10:00:50", C.ADD_TO_CART, 1),   # cart E: bought only in a LATER session
    (2, 21, "2025-03-04 12:00:00", C.PURCHASE, 1),
    (1, 11, "2025-03-11 09:00:00", C.CLICK, 3),         # session 11, week 1
    (1, 11, "2025-03-11 09:00:30", C.ADD_TO_CART, 3),   # cart C: the same item is carted again ...
    (1, 11, "2025-03-11 09:01:00", C.ADD_TO_CART, 3),   # cart D: ... and the purchase credits the latest cart
    (1, 11, "2025-03-11 09:02:00", C.PURCHASE, 3),
]


def make_events(rows=ROWS):
    u, s, t, e, i = zip(*rows)
    return pd.DataFrame({
        C.USER_ID: np.array(u, dtype=np.int64), C.SESSION_ID: np.array(s, dtype=np.int64),
        C.TIMESTAMP: pd.to_datetime(list(t)), C.EVENT_TYPE: pd.Categorical(e, categories=list(C.EVENT_TYPES)),
        C.ITEM_ID: pd.array(i, dtype="Int64")})


def test_cart_table_on_a_hand_made_log():
    table = price_purchase_table((ITEMS, USERS, make_events()), promotions=PROMOTIONS, start_date=START)
    # sorted by prediction time: A, E, B, C, D
    assert table[C.SESSION_ID].tolist() == [10, 20, 10, 11, 11]
    assert table[C.ITEM_ID].tolist() == [2, 1, 1, 3, 3]
    assert table[PREDICTION_TIME].tolist() == pd.to_datetime(
        ["2025-03-03 10:00:20", "2025-03-03 10:00:50", "2025-03-03 10:01:00", "2025-03-11 09:00:30",
         "2025-03-11 09:01:00"]).tolist()
    assert table[PURCHASED].tolist() == [1, 0, 0, 0, 1]
    assert table[C.SESSION_CLICKS].tolist() == [2, 1, 3, 1, 1]
    assert table[C.SESSION_CARTS_BEFORE].tolist() == [0, 0, 1, 0, 1]
    assert table[C.SESSION_PURCHASES_BEFORE].tolist() == [0, 0, 1, 0, 0]
    assert table[C.SECONDS_IN_SESSION].tolist() == [20.0, 10.0, 60.0, 30.0, 60.0]
    assert table[C.PAST_CARTS].tolist() == [0, 0, 0, 2, 2]
    assert table[C.PAST_PURCHASES].tolist() == [0, 0, 0, 1, 1]
    assert table[C.HAS_CLICK_HISTORY].tolist() == [0, 0, 0, 1, 1]
    usual = np.log(90.0) - np.mean(np.log([10.0, 30.0, 100.0]))     # price 100 with 10 % off vs earlier clicks
    np.testing.assert_allclose(table[C.LOG_PRICE_VS_USUAL], [0.0, 0.0, 0.0, usual, usual], rtol=1e-12)
    np.testing.assert_allclose(table[C.LOG_PRICE_RATIO], np.log([1.5, 0.5, 0.5, 1.0, 1.0]), atol=1e-12)
    np.testing.assert_allclose(table[C.DISCOUNT], [0.2, 0.0, 0.0, 0.1, 0.1])
    np.testing.assert_allclose(table[C.RATING_CENTERED], [-0.5, 0.5, 0.5, 0.0, 0.0])
    assert table[C.DEVICE].tolist() == ["mobile", "desktop", "mobile", "mobile", "mobile"]
    assert C.TRUE_PURCHASE_PROB not in table.columns                # no truth, no oracle
    assert table[PURCHASED].dtype == np.int64 and table[C.SESSION_CLICKS].dtype == np.int64


def test_design_matrix_columns_and_transforms():
    table = price_purchase_table((ITEMS, USERS, make_events()), promotions=PROMOTIONS, start_date=START)
    X = price_purchase_features(table)
    assert list(X.columns) == list(PRICE_PURCHASE_FEATURES)
    assert X.notna().all().all() and (X.dtypes == np.float64).all()
    np.testing.assert_allclose(X["log_session_clicks"], np.log1p([2, 1, 3, 1, 1]))
    np.testing.assert_allclose(X[C.PAST_CART_CONVERSION], [0.5, 0.5, 0.5, 2 / 4, 2 / 4])
    assert X[C.DEVICE_MOBILE].tolist() == [1.0, 0.0, 1.0, 1.0, 1.0]
    assert X[C.DEVICE_TABLET].tolist() == [0.0] * 5


def test_tiny_fixture_shop():
    from recsys_lib.data import load_shop

    items, users, events = load_shop(TINY)
    table = price_purchase_table((items, users, events), promotions=0.0)
    assert len(table) == (events[C.EVENT_TYPE] == C.ADD_TO_CART).sum() == 1
    row = table.iloc[0]
    assert row[C.USER_ID] == 1 and row[C.ITEM_ID] == 1 and row[PURCHASED] == 1
    assert row[C.SESSION_CLICKS] == 1 and row[C.SECONDS_IN_SESSION] == 14.0 and row[C.DISCOUNT] == 0.0
    assert row[C.DEVICE] == "mobile"


def test_bad_input_is_rejected_with_a_clear_message():
    shop = (ITEMS, USERS, make_events())
    with pytest.raises(ValueError, match="promotion calendar"):
        price_purchase_table(shop)
    with pytest.raises(ValueError, match="one row per item"):
        price_purchase_table(shop, promotions=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="outside"):
        price_purchase_table(shop, promotions=1.5)
    with pytest.raises(ValueError, match="session_id"):
        price_purchase_table((ITEMS, USERS, make_events().drop(columns=C.SESSION_ID)), promotions=0.0)
    unknown = make_events(ROWS + [(2, 22, "2025-03-12 08:00:00", C.CLICK, 9)])
    with pytest.raises(ValueError, match="item_id 9"):
        price_purchase_table((ITEMS, USERS, unknown), promotions=0.0)
    no_item = make_events()
    no_item.loc[3, C.ITEM_ID] = pd.NA
    with pytest.raises(ValueError, match="row 3"):
        price_purchase_table((ITEMS, USERS, no_item), promotions=0.0)


# ---------------------------------------------------------------- the shipped shop
@pytest.fixture(scope="module")
def shop():
    from recsys_lib.simulation import shipped_shop

    return shipped_shop()


@pytest.fixture(scope="module")
def carts(shop):
    return price_purchase_table(shop)


def test_every_purchase_is_credited_to_one_cart_of_its_session(shop, carts):
    events = shop.tables.events
    assert len(carts) == (events[C.EVENT_TYPE] == C.ADD_TO_CART).sum()
    assert carts[PURCHASED].sum() == (events[C.EVENT_TYPE] == C.PURCHASE).sum()   # ShopSim buys only after a cart
    assert 0.5 < carts[PURCHASED].mean() < 0.65                                  # balanced classes
    assert carts[PREDICTION_TIME].is_monotonic_increasing
    assert (carts[C.SESSION_CLICKS] >= 1).all()                                  # the carted item was clicked first


def test_features_use_only_earlier_events(shop, carts):
    """Truncating the log at T must not change the features of any cart before T."""
    items, users, events = shop.tables
    cut = pd.Timestamp("2025-10-01 12:00:00")
    early = price_purchase_table((items, users, events[events[C.TIMESTAMP] < cut]),
                                 promotions=shop.truth.promotions, start_date=shop.truth.config.start_date)
    before = carts[carts[PREDICTION_TIME] < cut].reset_index(drop=True)
    assert len(early) == len(before) > 1000
    feature_columns = [c for c in early.columns if c != PURCHASED]
    pd.testing.assert_frame_equal(early[feature_columns], before[feature_columns])
    # labels may change (a purchase after T), features may not; the cut really removed purchases
    assert early[PURCHASED].sum() <= before[PURCHASED].sum()


def test_oracle_is_the_generators_calibrated_probability(carts):
    p = carts[C.TRUE_PURCHASE_PROB].to_numpy()
    y = carts[PURCHASED].to_numpy()
    assert ((p > 0) & (p < 1)).all()
    se = np.sqrt(np.mean(p * (1 - p)) / len(p))
    assert abs(p.mean() - y.mean()) < 4 * se                                    # calibrated on average
    # regressing the label on the oracle's logit recovers slope 1 and intercept 0
    from sklearn.linear_model import LogisticRegression

    logit = np.log(p / (1 - p))[:, None]
    fit = LogisticRegression(C=np.inf).fit(logit, y)
    assert abs(fit.coef_[0, 0] - 1.0) < 0.15 and abs(fit.intercept_[0]) < 0.1
    # and it ranks better than any single observable feature
    from sklearn.metrics import roc_auc_score

    X = price_purchase_features(carts)
    best_feature = max(max(roc_auc_score(y, X[c]), 1 - roc_auc_score(y, X[c])) for c in X.columns)
    assert roc_auc_score(y, p) > best_feature + 0.05
