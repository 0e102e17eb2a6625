"""Tests of recsys_lib.features (module 03) on a tiny event log whose features are computed by hand."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction import FeatureHasher

from recsys_lib import columns as C
from recsys_lib.features import (
    behaviour_heat,
    behaviour_sequences,
    category_one_hot,
    cyclic_time_features,
    hashing_trick,
    pad_sequences,
    point_in_time_join,
    price_buckets,
    rfm_features,
    split_category,
)

AT = pd.Timestamp("2024-01-10 00:00")

# The log (all times at midnight so that ages are whole days; AT = 2024-01-10):
#  #  user sess  time        type         item  price   age at AT (days)
#  1  1    1     2024-01-02  search       -      -      8
#  2  1    1     2024-01-02  impression   10     -      8
#  3  1    1     2024-01-02  click        10     -      8
#  4  1    1     2024-01-04  add_to_cart  10     -      6
#  5  1    1     2024-01-04  purchase     10     100    6
#  6  1    2     2024-01-08  click        11     -      2
#  7  1    2     2024-01-09  purchase     11     50     1
#  8  2    3     2024-01-06  click        10     -      4
#  9  2    3     2024-01-06  click        12     -      4   (same time as #8, later in the log)
# 10  2    3     2024-01-10  purchase     12     20     0   (exactly at AT: must not count)
# 11  2    4     2024-01-12  click        13     -     -2   (after AT: must not count)
LOG = [
    (1, 1, "2024-01-02", C.SEARCH, None, "phone", None, np.nan),
    (1, 1, "2024-01-02", C.IMPRESSION, 10, None, 1, np.nan),
    (1, 1, "2024-01-02", C.CLICK, 10, None, None, np.nan),
    (1, 1, "2024-01-04", C.ADD_TO_CART, 10, None, None, np.nan),
    (1, 1, "2024-01-04", C.PURCHASE, 10, None, None, 100.0),
    (1, 2, "2024-01-08", C.CLICK, 11, None, None, np.nan),
    (1, 2, "2024-01-09", C.PURCHASE, 11, None, None, 50.0),
    (2, 3, "2024-01-06", C.CLICK, 10, None, None, np.nan),
    (2, 3, "2024-01-06", C.CLICK, 12, None, None, np.nan),
    (2, 3, "2024-01-10", C.PURCHASE, 12, None, None, 20.0),
    (2, 4, "2024-01-12", C.CLICK, 13, None, None, np.nan),
]
# rows stored out of time order (a real log is not guaranteed sorted); #8 stays before #9
ROW_ORDER = [10, 6, 7, 8, 0, 3, 1, 9, 2, 4, 5]


def make_events(rows=LOG, order=ROW_ORDER):
    rows = [rows[i] for i in order] if order is not None else list(rows)
    u, s, t, e, i, q, p, pp = zip(*rows)
    return pd.DataFrame(
        {
            C.USER_ID: np.array(u, dtype=np.int64),
            C.SESSION_ID: np.array(s, dtype=np.int64),
            C.TIMESTAMP: pd.to_datetime(list(t), format="ISO8601"),
            C.EVENT_TYPE: pd.Categorical(list(e), categories=C.EVENT_TYPES),
            C.ITEM_ID: pd.array(list(i), dtype="Int64"),
            C.QUERY: pd.array(list(q), dtype="string"),
            C.POSITION: pd.array(list(p), dtype="Int64"),
            C.PRICE_PAID: np.array(pp, dtype=np.float64),
        }
    )


# ------------------------------------------------------------------------------------------
# sequences
# ------------------------------------------------------------------------------------------
def test_behaviour_sequences_all_item_events():
    seqs = behaviour_sequences(make_events())
    # user 1: impression 10, click 10, cart 10, purchase 10, click 11, purchase 11 (search has no item)
    # user 2: click 10, click 12 (tie at 01-06 keeps log order), purchase 12, click 13
    assert list(seqs.index) == [1, 2]
    np.testing.assert_array_equal(seqs.loc[1], [10, 10, 10, 10, 11, 11])
    np.testing.assert_array_equal(seqs.loc[2], [10, 12, 12, 13])
    assert seqs.loc[1].dtype == np.int64


def test_behaviour_sequences_types_and_max_len():
    seqs = behaviour_sequences(make_events(), event_types=[C.CLICK, C.PURCHASE], max_len=3)
    # user 1 clicks/purchases in time order: 10, 10, 11, 11 -> last 3: 10, 11, 11
    # user 2: 10, 12, 12, 13 -> 12, 12, 13
    np.testing.assert_array_equal(seqs.loc[1], [10, 11, 11])
    np.testing.assert_array_equal(seqs.loc[2], [12, 12, 13])
    only_cart = behaviour_sequences(make_events(), event_types=C.ADD_TO_CART)
    assert list(only_cart.index) == [1]  # user 2 never added to cart


def test_pad_sequences_left_pads_and_truncates():
    padded, lengths = pad_sequences([np.array([1, 2, 3, 4]), np.array([5]), np.array([], dtype=int)], max_len=3)
    np.testing.assert_array_equal(padded, [[2, 3, 4], [-1, -1, 5], [-1, -1, -1]])
    np.testing.assert_array_equal(lengths, [3, 1, 0])
    padded, lengths = pad_sequences(behaviour_sequences(make_events()), value=0)
    np.testing.assert_array_equal(padded[1], [0, 0, 10, 12, 12, 13])
    np.testing.assert_array_equal(lengths, [6, 4])


# ------------------------------------------------------------------------------------------
# heat
# ------------------------------------------------------------------------------------------
def test_behaviour_heat_per_user_by_hand():
    heat = behaviour_heat(make_events(), AT, half_life_days=2.0)
    # weight 2^(-age/2): age 8 -> 1/16, 6 -> 1/8, 4 -> 1/4, 2 -> 1/2, 1 -> 2^-0.5 = 0.7071
    # user 1: click #3 (1/16) + #6 (1/2) = 0.5625; cart #4 = 0.125; purchase #5 + #7 = 0.125 + 0.70711
    # user 2: clicks #8, #9 = 1/4 + 1/4 = 0.5; purchase #10 is at AT (excluded); #11 is after AT
    assert list(heat.columns) == ["heat_click", "heat_favorite", "heat_add_to_cart", "heat_purchase"]
    assert list(heat.index) == [1, 2]
    np.testing.assert_allclose(heat.loc[1].to_numpy(), [0.5625, 0.0, 0.125, 0.125 + 2**-0.5])
    np.testing.assert_allclose(heat.loc[2].to_numpy(), [0.5, 0.0, 0.0, 0.0])


def test_behaviour_heat_per_user_reference_times():
    at = pd.Series(pd.to_datetime(["2024-01-05 00:00", "2024-01-12 12:00", "2024-01-03 00:00"]), index=[1, 2, 3])
    heat = behaviour_heat(make_events(), at, half_life_days=1.0, event_types=[C.CLICK, C.PURCHASE])
    # user 1 at 01-05: click #3 age 3 -> 1/8; purchase #5 age 1 -> 1/2 (#6, #7 are later)
    # user 2 at 01-12 12:00: clicks #8, #9 age 6.5 -> 2 * 2^-6.5; purchase #10 age 2.5 -> 2^-2.5;
    #        click #11 age 0.5 -> 2^-0.5  => click = 2 * 0.0110485 + 0.7071068 = 0.7292038
    # user 3: no events -> zeros
    np.testing.assert_allclose(heat.loc[1].to_numpy(), [0.125, 0.5])
    np.testing.assert_allclose(heat.loc[2].to_numpy(), [2 * 2**-6.5 + 2**-0.5, 2**-2.5])
    np.testing.assert_allclose(heat.loc[3].to_numpy(), [0.0, 0.0])


def test_behaviour_heat_per_item_and_user_item():
    heat = behaviour_heat(make_events(), AT, half_life_days=2.0, by="item")
    # item 10: clicks #3 (1/16) + #8 (1/4) = 0.3125, cart 1/8, purchase #5 1/8
    # item 11: click 1/2, purchase 2^-0.5 ; item 12: click #9 1/4 (purchase #10 excluded)
    # item 13: only an event after AT -> absent
    assert list(heat.index) == [10, 11, 12]
    np.testing.assert_allclose(heat.loc[10].to_numpy(), [0.3125, 0, 0.125, 0.125])
    np.testing.assert_allclose(heat.loc[11].to_numpy(), [0.5, 0, 0, 2**-0.5])
    np.testing.assert_allclose(heat.loc[12].to_numpy(), [0.25, 0, 0, 0])
    ui = behaviour_heat(make_events(), AT, half_life_days=2.0, by="user_item")
    np.testing.assert_allclose(ui.loc[(2, 12)].to_numpy(), [0.25, 0, 0, 0])
    np.testing.assert_allclose(ui.loc[(1, 10)].to_numpy(), [0.0625, 0, 0.125, 0.125])
    assert len(ui) == 4  # (1,10), (1,11), (2,10), (2,12)


def test_behaviour_heat_errors():
    with pytest.raises(ValueError, match="half_life_days must be a positive number"):
        behaviour_heat(make_events(), AT, half_life_days=0)
    with pytest.raises(ValueError, match="unknown event type"):
        behaviour_heat(make_events(), AT, 1.0, event_types=["view"])
    with pytest.raises(KeyError, match=C.TIMESTAMP):
        behaviour_heat(make_events().drop(columns=[C.TIMESTAMP]), AT, 1.0)
    with pytest.raises(ValueError, match="several times for one user"):
        behaviour_heat(make_events(), pd.Series([AT, AT], index=[1, 1]), 1.0)


# ------------------------------------------------------------------------------------------
# RFM
# ------------------------------------------------------------------------------------------
def test_rfm_by_hand():
    rfm = rfm_features(make_events(), AT)
    # user 1: purchases #5 (01-04, 100) and #7 (01-09, 50): recency 1 day, frequency 2, monetary 150,
    #         last event #7 -> 1 day
    # user 2: purchase #10 is at AT -> excluded: no purchase -> recency NaN, F 0, M 0; last event 01-06 -> 4
    assert list(rfm.index) == [1, 2]
    assert rfm.loc[1, "recency_days"] == 1.0
    assert rfm.loc[1, "frequency"] == 2
    assert rfm.loc[1, "monetary"] == 150.0
    assert rfm.loc[1, "days_since_last_event"] == 1.0
    assert math.isnan(rfm.loc[2, "recency_days"])
    assert rfm.loc[2, "frequency"] == 0 and rfm.loc[2, "monetary"] == 0.0
    assert rfm.loc[2, "days_since_last_event"] == 4.0
    # per-user times: user 2 at 01-11 sees purchase #10 (1 day ago, 20.0); user 1 at 01-03 12:00 only #1-#3
    at = pd.Series(pd.to_datetime(["2024-01-03 12:00", "2024-01-11 00:00"]), index=[1, 2])
    rfm2 = rfm_features(make_events(), at)
    assert rfm2.loc[2, "recency_days"] == 1.0 and rfm2.loc[2, "monetary"] == 20.0
    assert math.isnan(rfm2.loc[1, "recency_days"]) and rfm2.loc[1, "days_since_last_event"] == 1.5


# ------------------------------------------------------------------------------------------
# point-in-time join
# ------------------------------------------------------------------------------------------
def labels_table():
    return pd.DataFrame(
        {
            C.USER_ID: [1, 1, 2, 2, 3],
            C.TIMESTAMP: pd.to_datetime(["2024-01-10", "2024-01-04", "2024-01-06", "2024-01-07", "2024-01-05"]),
            "label": [1, 0, 1, 0, 1],
        },
        index=[10, 11, 12, 13, 14],
    )


def test_point_in_time_join_by_hand():
    out = point_in_time_join(labels_table(), make_events())
    # keeps the labels' index, order and columns
    assert list(out.index) == [10, 11, 12, 13, 14]
    np.testing.assert_array_equal(out["label"], [1, 0, 1, 0, 1])
    # row 10 (user 1, 01-10): all 7 of user 1's events
    #   search 1, impression 1, click 2, favorite 0, cart 1, purchase 2; monetary 150; last event 01-09 (1 day)
    # row 11 (user 1, 01-04): #1-#3 only (#4, #5 are AT 01-04, excluded): search, impression, click
    #   last event 01-02 -> 2 days; no purchase -> NaN
    # row 12 (user 2, 01-06): #8, #9 are exactly at 01-06 -> nothing
    # row 13 (user 2, 01-07): both clicks of 01-06 (a tie in time: both count), 1 day ago
    # row 14 (user 3): no events at all
    cols = [f"n_{t}" for t in C.EVENT_TYPES]
    expected_counts = [
        [1, 1, 2, 0, 1, 2],
        [1, 1, 1, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
        [0, 0, 2, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ]
    np.testing.assert_array_equal(out[cols].to_numpy(), expected_counts)
    np.testing.assert_array_equal(out["monetary"], [150.0, 0, 0, 0, 0])
    np.testing.assert_array_equal(out["days_since_last_event"], [1.0, 2.0, np.nan, 1.0, np.nan])
    np.testing.assert_array_equal(out["days_since_last_purchase"], [1.0, np.nan, np.nan, np.nan, np.nan])


def test_point_in_time_join_no_leakage():
    """Events at or after a row's prediction time must not change that row's features."""
    base = point_in_time_join(labels_table(), make_events())
    extra = list(LOG) + [
        # user 1: a big purchase exactly at row 10's time and one after it
        (1, 9, "2024-01-10", C.PURCHASE, 99, None, None, 1000.0),
        (1, 9, "2024-01-11", C.CLICK, 99, None, None, np.nan),
        # user 2: a purchase and a search exactly at row 13's time (01-07)
        (2, 9, "2024-01-07", C.PURCHASE, 99, None, None, 500.0),
        (2, 9, "2024-01-07", C.SEARCH, None, "x", None, np.nan),
        # user 3: an event exactly at its prediction time
        (3, 9, "2024-01-05", C.CLICK, 99, None, None, np.nan),
    ]
    leaky = point_in_time_join(labels_table(), make_events(extra, order=None))
    pd.testing.assert_frame_equal(base, leaky)
    # control: the same purchase one second *before* row 13's time does change it
    extra2 = list(LOG) + [(2, 9, "2024-01-06 23:59:59", C.PURCHASE, 99, None, None, 500.0)]
    moved = point_in_time_join(labels_table(), make_events(extra2, order=None))
    assert moved.loc[13, "monetary"] == 500.0 and moved.loc[13, "n_purchase"] == 1
    assert moved.loc[12, "monetary"] == 0.0  # row 12 (01-06 00:00) is still before it


def test_point_in_time_join_matches_rfm():
    labels = pd.DataFrame({C.USER_ID: [1, 2], C.TIMESTAMP: [AT, AT]})
    pit = point_in_time_join(labels, make_events())
    rfm = rfm_features(make_events(), AT)
    np.testing.assert_array_equal(pit["monetary"], rfm["monetary"])
    np.testing.assert_array_equal(pit["n_purchase"], rfm["frequency"])
    np.testing.assert_array_equal(pit["days_since_last_purchase"], rfm["recency_days"])
    np.testing.assert_array_equal(pit["days_since_last_event"], rfm["days_since_last_event"])


def test_point_in_time_join_errors():
    with pytest.raises(KeyError, match=C.TIMESTAMP):
        point_in_time_join(pd.DataFrame({C.USER_ID: [1]}), make_events())
    bad = labels_table()
    bad.loc[12, C.TIMESTAMP] = pd.NaT
    with pytest.raises(ValueError, match="labels row 2 has a missing prediction time"):
        point_in_time_join(bad, make_events())
    clash = labels_table().assign(monetary=0)
    with pytest.raises(ValueError, match="already has the feature column"):
        point_in_time_join(clash, make_events())


# ------------------------------------------------------------------------------------------
# encodings
# ------------------------------------------------------------------------------------------
def test_price_buckets():
    codes, edges = price_buckets([5.0, 10.0, 15.0, 20.0, np.nan, 0.0], edges=[10, 20])
    # e1 = 10, e2 = 20: p < 10 -> 0, 10 <= p < 20 -> 1, p >= 20 -> 2, NaN -> -1
    np.testing.assert_array_equal(codes, [0, 1, 1, 2, -1, 0])
    codes, edges = price_buckets(np.arange(1, 9, dtype=float), n_buckets=4)
    # quantiles of 1..8 (linear): q.25 = 1 + .25*7 = 2.75, q.5 = 4.5, q.75 = 6.25
    np.testing.assert_allclose(edges, [2.75, 4.5, 6.25])
    np.testing.assert_array_equal(codes, [0, 0, 1, 1, 2, 2, 3, 3])
    # edges fitted on train, applied to new prices
    new, _ = price_buckets([0.5, 100.0], edges=edges)
    np.testing.assert_array_equal(new, [0, 3])
    with pytest.raises(ValueError, match=r"prices\[1\] = -3.0"):
        price_buckets([1.0, -3.0], n_buckets=2)
    with pytest.raises(ValueError, match="exactly one of"):
        price_buckets([1.0], n_buckets=2, edges=[1.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        price_buckets([1.0], edges=[2.0, 1.0])


def test_split_category_and_one_hot():
    cats = pd.Series(["electronics/phones", "kids/shoes", "sport/shoes", "electronics/cases"], index=[5, 6, 7, 8])
    parts = split_category(cats)
    assert list(parts["top"]) == ["electronics", "kids", "sport", "electronics"]
    assert list(parts["leaf"]) == list(cats)  # full path: "kids/shoes" != "sport/shoes"
    assert list(parts["leaf_name"]) == ["phones", "shoes", "shoes", "cases"]
    assert list(parts.index) == [5, 6, 7, 8]
    oh = category_one_hot(cats, level="top")
    assert list(oh.columns) == ["top=electronics", "top=kids", "top=sport"]
    np.testing.assert_array_equal(oh.to_numpy(), [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])
    # vocabulary fitted on "train": a new top level gives an all-zero row, columns unchanged
    test = category_one_hot(["garden/tools", "kids/toys"], level="top", vocabulary=["electronics", "kids", "sport"])
    np.testing.assert_array_equal(test.to_numpy(), [[0, 0, 0], [0, 1, 0]])
    leaf = category_one_hot(cats, level="leaf")
    assert leaf.shape == (4, 4) and (leaf.sum(axis=1) == 1).all()
    with pytest.raises(ValueError, match="expected 'top/leaf'"):
        split_category(["electronics"])


def test_hashing_trick_matches_sklearn_feature_hasher():
    docs = [["red", "phone", "case"], ["blue"], [], ["phone", "phone", "charger"]]
    ours = hashing_trick(docs, n_features=16, seed=0)
    theirs = FeatureHasher(n_features=16, input_type="string").transform(docs)
    np.testing.assert_array_equal(ours.toarray(), theirs.toarray())
    # the same from space-separated titles
    titles = ["red phone case", "blue", None, "phone phone charger"]
    np.testing.assert_array_equal(hashing_trick(titles, n_features=16, sep=" ").toarray(), theirs.toarray())
    # unsigned variant counts tokens: row 3 has 3 tokens
    unsigned = hashing_trick(docs, n_features=16, alternate_sign=False)
    np.testing.assert_array_equal(unsigned.sum(axis=1).A1, [3, 1, 0, 3])


def test_hashing_trick_scalars_seed_and_determinism():
    X = hashing_trick(np.array([3, 3, 17]), n_features=2**20, alternate_sign=False)
    assert X.shape == (3, 2**20) and X.nnz == 3
    assert (X[0] != X[1]).nnz == 0  # the same token lands in the same column
    tokens = [f"tok{i}" for i in range(50)]
    a = hashing_trick(tokens, n_features=2**16, seed=0)
    b = hashing_trick(tokens, n_features=2**16, seed=1)
    assert (a != b).nnz > 0  # another seed, another hash function
    # the same result in a fresh interpreter with another string-hash salt
    code = (
        "import json; from recsys_lib.features import hashing_trick;"
        "X = hashing_trick(['tok%d' % i for i in range(50)], n_features=2**16, seed=1);"
        "print(json.dumps([X.indices.tolist(), X.data.tolist()]))"
    )
    # this interpreter's str-hash salt is random; the child's is fixed to another value
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert json.loads(run.stdout) == [b.indices.tolist(), b.data.tolist()]


def test_cyclic_time_features():
    ts = pd.Series(pd.to_datetime(["2024-01-01 06:00:00", "2024-01-07 18:00:00", "2024-01-01 23:59:59", "2024-01-01 00:00:00"]))
    f = cyclic_time_features(ts)
    # 2024-01-01 is a Monday (d = 0): 06:00 -> angle pi/2 -> sin 1, cos 0; weekday sin 0, cos 1
    np.testing.assert_allclose(f.iloc[0].to_numpy(), [1, 0, 0, 1], atol=1e-12)
    # Sunday (d = 6) 18:00 -> angle 3pi/2 -> sin -1, cos 0; weekday angle 12pi/7
    np.testing.assert_allclose(
        f.iloc[1].to_numpy(), [-1, 0, math.sin(12 * math.pi / 7), math.cos(12 * math.pi / 7)], atol=1e-12
    )
    # 23:59:59 and 00:00 are neighbours on the circle (distance ~ 2 pi / 86400)
    d = np.hypot(f.iloc[2]["hour_sin"] - f.iloc[3]["hour_sin"], f.iloc[2]["hour_cos"] - f.iloc[3]["hour_cos"])
    assert d < 1e-4
    assert list(f.columns) == ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos"]
    with pytest.raises(ValueError, match="missing value at position 1"):
        cyclic_time_features(pd.Series(pd.to_datetime(["2024-01-01", None])))
