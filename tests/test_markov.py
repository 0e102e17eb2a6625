"""Tests of recsys_lib.models.MarkovChainRecommender (module 08): the recommenders' interface
(scikit-learn parameters, NotFittedError, recommend with padding, exclude_seen, cold-start
popularity), recommending from a newer history, and its HR@10 on ShopSim's next-click cases."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from recsys_lib.evaluation import leave_last_out_split, ranking_report
from recsys_lib.models import MarkovChainRecommender
from recsys_lib.simulation import shipped_shop
from recsys_lib.simulation.oracle import next_click_cases

from sequence_logs import ITEMS, TINY, log  # noqa: E402  (tests/ is on sys.path under pytest)


def test_counts_and_ranking_on_a_tiny_log():
    m = MarkovChainRecommender(smoothing=1.0).fit(TINY, ITEMS)
    # pairs (last token before the step -> click): list:b/y -> 4 (user 1), list:b/y -> 1 (user 2)
    assert m.n_pairs_ == 2
    state = m.vocabulary_.transform(["list:b/y"])[0]
    assert m.counts_[state].toarray().tolist() == [[1.0, 0.0, 0.0, 1.0]]
    # user 1's last token is list:a/x (never a state): popularity of the pairs' items (1 and 4 tie)
    # user 2's last token is list:a/x too
    scores = m.predict_scores([1, 2])
    np.testing.assert_allclose(scores, [[0.5, 0, 0, 0.5]] * 2)
    assert m.recommend([1], 3).tolist() == [[1, 4, 2]]       # ties by column; then any finite score


def test_recommend_from_a_newer_history_and_cold_start():
    m = MarkovChainRecommender().fit(TINY, ITEMS)
    newer = pd.concat([TINY, log([(2, 21, "20:00:00", "impression", 3, 1)])], ignore_index=True)
    rec = m.recommend([2], 2, history=newer)                      # last token now list:b/y
    assert rec.tolist() == [[1, 4]]
    assert m.recommend([77], 2, history=newer).tolist() == [m.item_ids_[m.popular_items_[:2]].tolist()]
    # with the newer history, exclude_seen uses what the user did in it (user 2 touched 1, 3, 4)
    assert m.recommend([2], 2, exclude_seen=True, history=newer).tolist() == [[2, -1]]


def test_exclude_seen_drops_interacted_items():
    m = MarkovChainRecommender().fit(TINY, ITEMS)
    rec = m.recommend([1, 2], 4, exclude_seen=True)
    assert rec.tolist() == [[3, -1, -1, -1], [2, -1, -1, -1]]     # user 1 touched 1, 2, 4; user 2 1, 3, 4


def test_estimator_api():
    m = MarkovChainRecommender(smoothing=2.5, lists=False)
    assert clone(m).get_params()["smoothing"] == 2.5
    with pytest.raises(NotFittedError):
        m.recommend([1], 3)
    with pytest.raises(ValueError, match="smoothing"):
        MarkovChainRecommender(smoothing=-1).fit(TINY, ITEMS)
    with pytest.raises(ValueError, match="items"):
        MarkovChainRecommender().fit(TINY)
    assert MarkovChainRecommender(lists=False, actions=False, sessions=False).fit(TINY).item_ids_.tolist() == [1, 2, 3, 4]


def test_hit_rate_on_the_next_click_cases():
    shop = shipped_shop()
    cases = next_click_cases(shop)
    history = leave_last_out_split(shop.tables.events, cases)
    targets = cases["target_item_id"].to_numpy()
    users = cases["user_id"].to_numpy()
    with_lists = MarkovChainRecommender().fit(history, shop.tables.items)
    items_only = MarkovChainRecommender(lists=False, actions=False, sessions=False).fit(history, shop.tables.items)
    hr_lists = ranking_report(with_lists.recommend(users, 10), targets, 10)["hr"]
    hr_items = ranking_report(items_only.recommend(users, 10), targets, 10)["hr"]
    assert hr_lists > 0.3 > 0.2 > hr_items > 0.15          # the list just shown carries the intent
