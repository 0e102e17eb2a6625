"""Module 04 (knn_collaborative_filtering): the leave-last-out evaluation helpers in
recsys_lib.evaluation, and the grader's reference implementations against the toolbox models."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recsys_lib import columns as C
from recsys_lib import evaluation as E
from recsys_lib.models import ItemKNNRecommender, PopularityRecommender, UserKNNRecommender


def _log(rows):
    from autograder.exercises.m00_shop_data import make_log
    return make_log(rows)


@pytest.fixture()
def log():
    return _log([
        (1, 10, "2025-03-01 10:00", "click", 1), (1, 10, "2025-03-01 10:05", "click", 2),
        (1, 11, "2025-03-02 09:00", "impression", 3), (1, 11, "2025-03-02 09:01", "click", 3),
        (1, 11, "2025-03-02 09:10", "click", 4),
        (2, 20, "2025-03-01 11:00", "click", 2), (2, 21, "2025-03-03 12:00", "click", 5),
        (3, 30, "2025-03-04 08:00", "purchase", 1),
    ])


@pytest.fixture()
def cases():
    return pd.DataFrame({"user_id": [1, 2], "session_id": [11, 21],
                         "cutoff": pd.to_datetime(["2025-03-02 09:10", "2025-03-03 12:00"]),
                         "target_item_id": [4, 5]})


def test_leave_last_out_split_drops_each_users_events_from_their_cutoff(log, cases):
    train = E.leave_last_out_split(log, cases)
    # user 1 keeps events strictly before 09:10 on 03-02; user 2 before 03-03 12:00; user 3 all
    assert list(train.index) == [0, 1, 2, 3, 5, 7]
    assert train.equals(log.loc[[0, 1, 2, 3, 5, 7]])


def test_leave_last_out_split_rejects_two_cases_per_user(log, cases):
    with pytest.raises(ValueError, match="one case per user"):
        E.leave_last_out_split(log, pd.concat([cases, cases]))


def test_case_session_events(log, cases):
    got = E.case_session_events(log, cases)
    assert list(got.index) == [2, 3]  # session 11 before 09:10; session 21 has nothing before its cutoff


def test_ranking_report_matches_metrics():
    ranked = np.array([[3, 1, -1], [2, 5, 4]])
    rep = E.ranking_report(ranked, np.array([1, 7]), k=2)
    assert list(rep) == list(E.RANKING_METRICS)
    assert rep["hr"] == 0.5 and rep["precision"] == 0.25 and rep["recall"] == 0.5
    assert rep["mrr"] == pytest.approx(0.25)
    assert rep["ndcg"] == pytest.approx(0.5 / np.log2(3))


def test_thin_events_is_seeded_and_keeps_order(log):
    a = E.thin_events(log, 0.5, seed=1)
    b = E.thin_events(log, 0.5, seed=1)
    assert len(a) == 4 and a.index.equals(b.index) and a.index.is_monotonic_increasing
    assert len(E.thin_events(log, 1.0)) == len(log)
    with pytest.raises(ValueError):
        E.thin_events(log, 0.0)


def _random_matrix(seed=0, n_users=120, n_items=60, density=0.06):
    rng = np.random.default_rng(seed)
    X = sp.random(n_users, n_items, density=density, random_state=rng, format="csr")
    X.data = rng.integers(1, 4, X.nnz).astype(float)
    return X


@pytest.mark.parametrize("exclude_seen", [True, False])
def test_grader_references_match_the_toolbox(exclude_seen):
    from autograder.exercises import m04_knn_collaborative_filtering as M
    from sklearn.metrics.pairwise import cosine_similarity

    X = _random_matrix()
    rows = np.arange(0, 120, 3)
    assert np.allclose(M.reference_cosine(X), cosine_similarity(X.T))
    item = ItemKNNRecommender(n_neighbors=15, shrinkage=2.0).fit(X)
    assert np.array_equal(M.reference_item_based(X, item.similarity_.toarray(), rows, 8, exclude_seen),
                          item.recommend(rows, 8, exclude_seen=exclude_seen))
    user = UserKNNRecommender(n_neighbors=7).fit(X)
    assert np.array_equal(M.reference_user_based(X, M.user_cosine(X), rows, 8, 7, exclude_seen),
                          user.recommend(rows, 8, exclude_seen=exclude_seen))
    pop = PopularityRecommender().fit(X)
    assert np.array_equal(M._pop_variant(X, rows, 8, exclude_seen), pop.recommend(rows, 8, exclude_seen=exclude_seen))


def test_on_the_shipped_shop_the_split_matches_the_oracle_cases():
    from recsys_lib.simulation import shipped_shop
    from recsys_lib.simulation.oracle import next_click_cases

    shop = shipped_shop()
    events = shop.tables.events
    cases = next_click_cases(shop)
    train = E.leave_last_out_split(events, cases)
    cut = train[C.USER_ID].map(pd.Series(cases["cutoff"].to_numpy(), index=cases["user_id"].to_numpy()))
    assert (cut.isna() | (train[C.TIMESTAMP] < cut)).all()
    assert len(train) == 372238


def test_ranking_plots_draw_headless():
    import matplotlib
    matplotlib.use("Agg")
    from recsys_lib import plots

    curves = pd.DataFrame({"a": [0.1, 0.2], "b": [0.05, 0.3]}, index=pd.Index([1, 10], name="K"))
    ax = plots.plot_metric_curves(curves, ceilings={"oracle": 0.5}, logx=True)
    assert len(ax.lines) == 3 and ax.get_xlabel() == "K"
    table = pd.DataFrame({"HR@10": [0.1, 0.4], "NDCG@10": [0.05, 0.2]}, index=["pop", "oracle"])
    ax = plots.plot_ranking_table(table)
    assert len(ax.containers) == 2
    import matplotlib.pyplot as plt
    plt.close("all")
