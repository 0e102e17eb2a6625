"""ShopSim has the structure the course relies on; a toy generator would fail these."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.data.statistics import category_transitions, ctr_by_position
from recsys_lib.simulation import ShopConfig, generate_shop
from recsys_lib.simulation import catalogue
from recsys_lib.simulation.oracle import next_click_cases, oracle_scores
from recsys_lib.topk import top_k


def _top_ids(scores, k):
    """Item ids (column + 1) of the k best scores per row."""
    return top_k(scores, k) + 1


@pytest.fixture(scope="module")
def shop():
    return generate_shop(ShopConfig.shipped())


@pytest.fixture(scope="module")
def cases(shop):
    return next_click_cases(shop)


def _hit_rate(ranked, targets):
    return float((ranked == targets[:, None]).any(axis=1).mean())


def test_click_through_rate_falls_with_position(shop):
    ctr = ctr_by_position(shop.tables.events)
    assert list(ctr.index) == list(range(1, shop.truth.config.slots + 1))
    assert np.all(np.diff(ctr.to_numpy()) < 0)
    assert ctr.iloc[0] > 2.5 * ctr.iloc[-1]


def test_purchases_concentrate_where_hidden_taste_is_high(shop):
    events, truth = shop.tables.events, shop.truth
    imp = events[events[C.EVENT_TYPE] == C.IMPRESSION]
    buy = events[events[C.EVENT_TYPE] == C.PURCHASE]

    def affinity(frame):
        u = frame[C.USER_ID].to_numpy() - 1
        i = frame[C.ITEM_ID].to_numpy(dtype=np.int64) - 1
        cfg = truth.config
        return cfg.taste_scale * np.einsum("ij,ij->i", truth.user_factors[u], truth.item_factors[i]) / cfg.dim

    a_imp, a_buy = affinity(imp), affinity(buy)
    assert a_buy.mean() > a_imp.mean() + 0.5 * a_imp.std()
    # purchases per impression rise across affinity quartiles
    edges = np.quantile(a_imp, [0.25, 0.5, 0.75])
    rate = np.bincount(np.searchsorted(edges, a_buy), minlength=4) / np.bincount(np.searchsorted(edges, a_imp), minlength=4)
    assert np.all(np.diff(rate) > 0) and rate[3] > 3 * rate[0]


def test_next_category_differs_from_the_marginal(shop):
    pairs = category_transitions(shop.tables.events, shop.tables.items)
    pairs = pairs[pairs["from"] != pairs["to"]]            # moves between categories only
    table = pairs.pivot_table(index="from", columns="to", values="count", fill_value=0)
    conditional = table.div(table.sum(axis=1), axis=0)
    marginal = table.sum(axis=0) / table.to_numpy().sum()
    total_variation = 0.5 * (conditional - marginal).abs().sum(axis=1)
    assert total_variation.mean() > 0.4
    # the designed complements dominate: phone -> case is far above its marginal share
    lift = conditional.loc["electronics/phones", "electronics/phone_cases"] / marginal["electronics/phone_cases"]
    assert lift > 3


def test_top_decile_of_items_takes_a_large_share_of_clicks(shop):
    clicks = shop.tables.events.loc[shop.tables.events[C.EVENT_TYPE] == C.CLICK, C.ITEM_ID]
    counts = clicks.value_counts().to_numpy()
    top = counts[: len(shop.tables.items) // 10].sum() / counts.sum()
    assert top > 0.4


def test_new_items_arrive_during_the_log_and_are_not_shown_before_launch(shop):
    items, events = shop.tables.items, shop.tables.events
    assert (items[C.LAUNCH_DAY] > 0).mean() > 0.1
    shown = events[events[C.EVENT_TYPE] == C.IMPRESSION]
    day = (shown[C.TIMESTAMP] - pd.Timestamp(shop.truth.config.start_date)).dt.days.to_numpy()
    launch = items.set_index(C.ITEM_ID)[C.LAUNCH_DAY].loc[shown[C.ITEM_ID].to_numpy(dtype=np.int64)].to_numpy()
    assert np.all(launch <= day)


def test_event_log_is_consistent(shop):
    events = shop.tables.events
    etype = events[C.EVENT_TYPE]
    assert events[C.QUERY].notna().eq(etype == C.SEARCH).all()
    assert events[C.POSITION].notna().eq(etype == C.IMPRESSION).all()
    assert events[C.PRICE_PAID].notna().eq(etype == C.PURCHASE).all()
    # each session belongs to one user and sessions of a user do not overlap
    spans = events.groupby(C.SESSION_ID).agg(user=(C.USER_ID, "first"), n_users=(C.USER_ID, "nunique"),
                                             start=(C.TIMESTAMP, "min"), end=(C.TIMESTAMP, "max"))
    assert (spans["n_users"] == 1).all()
    spans = spans.sort_values(["user", "start"])
    same_user = spans["user"].to_numpy()[1:] == spans["user"].to_numpy()[:-1]
    assert np.all(spans["start"].to_numpy()[1:][same_user] > spans["end"].to_numpy()[:-1][same_user])
    # purchases follow an add_to_cart of the same item, which follows a click
    for later, earlier in ((C.PURCHASE, C.ADD_TO_CART), (C.ADD_TO_CART, C.CLICK)):
        a = events.loc[etype == later, [C.SESSION_ID, C.ITEM_ID]].drop_duplicates()
        b = events.loc[etype == earlier, [C.SESSION_ID, C.ITEM_ID]].drop_duplicates()
        assert len(a.merge(b)) == len(a)


def test_oracle_beats_popularity_and_a_strong_heuristic(shop, cases):
    events = shop.tables.events
    targets = cases["target_item_id"].to_numpy()
    oracle = _hit_rate(_top_ids(oracle_scores(shop.truth, cases), 10), targets)

    cutoff = events[C.USER_ID].map(cases.set_index("user_id")["cutoff"])
    train = events[cutoff.isna() | (events[C.TIMESTAMP] < cutoff)]
    clicks = train[train[C.EVENT_TYPE] == C.CLICK]
    popular = clicks[C.ITEM_ID].value_counts().index[:10].to_numpy(dtype=np.int64)
    popularity = float(np.isin(targets, popular).mean())

    # heuristic: category of the user's last click before the cutoff -> empirical transition
    # -> most clicked items of each category (what a good hand-made rule could do)
    category = shop.tables.items.set_index(C.ITEM_ID)[C.CATEGORY].astype(str)
    cat_index = {c: i for i, c in enumerate(catalogue.CATEGORIES)}
    item_cat = category.map(cat_index).to_numpy()
    click_cat = clicks[C.ITEM_ID].map(category).map(cat_index).to_numpy()
    sess = clicks[C.SESSION_ID].to_numpy()
    same = sess[1:] == sess[:-1]
    trans = np.ones((len(cat_index), len(cat_index)))
    np.add.at(trans, (click_cat[:-1][same], click_cat[1:][same]), 1)
    trans /= trans.sum(axis=1, keepdims=True)
    counts = np.bincount(clicks[C.ITEM_ID].to_numpy(dtype=np.int64) - 1, minlength=len(item_cat))
    share = counts / np.bincount(item_cat, weights=counts, minlength=len(cat_index))[item_cat]
    last_cat = clicks.groupby(C.USER_ID)[C.ITEM_ID].last().map(category).map(cat_index)
    last = last_cat.reindex(cases["user_id"]).fillna(0).astype(int).to_numpy()
    heuristic = _hit_rate(_top_ids(trans[last][:, item_cat] * share[None, :], 10), targets)

    assert len(cases) > 0.5 * shop.truth.config.n_users
    assert oracle > 2 * popularity and oracle > popularity + 0.15
    assert oracle > heuristic > popularity


def test_oracle_probabilities_are_calibrated(shop, cases):
    """The oracle's own expected HR@10 matches the realised one within sampling error."""
    scores = oracle_scores(shop.truth, cases)
    ranked = _top_ids(scores, 10)
    probs = scores / scores.sum(axis=1, keepdims=True)
    expected = np.take_along_axis(probs, ranked - 1, axis=1).sum(axis=1).mean()
    realised = _hit_rate(ranked, cases["target_item_id"].to_numpy())
    se = np.sqrt(realised * (1 - realised) / len(cases))
    assert abs(expected - realised) < 3 * se


def test_oracle_metrics_helper(shop, cases):
    from recsys_lib.simulation.oracle import oracle_metrics

    m = oracle_metrics(shop, k=10, cases=cases)
    assert m["n_cases"] == len(cases)
    assert 0 < m["ndcg@10"] < m["hr@10"] <= 1
    assert m["hr@10"] == pytest.approx(_hit_rate(_top_ids(oracle_scores(shop.truth, cases), 10),
                                                 cases["target_item_id"].to_numpy()))


def test_same_seed_same_shop_other_seed_other_shop():
    small = ShopConfig.shipped().replace(n_users=300, n_items=200, n_days=14)
    a, b = generate_shop(small).tables, generate_shop(small).tables
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    c = generate_shop(small.replace(seed=small.seed + 1)).tables
    assert not a.events.equals(c.events)
    assert not a.items[C.PRICE].equals(c.items[C.PRICE])


def test_config_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="n_items"):
        ShopConfig(n_items=10)
    with pytest.raises(ValueError, match="n_users"):
        ShopConfig(n_users=0)
