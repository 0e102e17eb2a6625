"""Tests of recsys_lib.sequences (module 08): browsing steps and next-click moments, tokens, the
vocabulary, padding and windows, training pairs, the Markov-chain scores, full-catalogue metrics,
transition kinds and the purchase-propensity oracle. No TensorFlow here (see
test_sequence_recommender.py)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib import sequences as seq
from recsys_lib.evaluation import leave_last_out_split, ranking_report
from recsys_lib.simulation import shipped_shop
from recsys_lib.simulation.oracle import next_click_cases
from recsys_lib.topk import top_k


from sequence_logs import ITEMS, TINY  # noqa: E402  (tests/ is on sys.path under pytest)


@pytest.fixture(scope="module")
def shop():
    return shipped_shop()


@pytest.fixture(scope="module")
def split(shop):
    cases = next_click_cases(shop)
    return cases, leave_last_out_split(shop.tables.events, cases)


# -------------------------------------------------------------------- steps and moments
def test_browsing_steps_on_a_tiny_log():
    assert seq.browsing_steps(TINY).tolist() == [0] * 5 + [1, 1] + [2, 2] + [3, 3] + [4] * 4 + [5, 5]
    table = seq.step_table(TINY)
    assert table[seq.STEP_IN_SESSION].tolist() == [0, 1, 2, 0, 0, 1]
    assert table[seq.TARGET_ITEM_ID].tolist() == [1, 0, 4, 2, 3, 1]
    moments = seq.next_click_moments(TINY)
    assert moments[seq.STEP].tolist() == [2, 5]                  # not step 1 (no click), not session starts
    last = seq.last_moment_per_user(moments)
    assert last[C.USER_ID].tolist() == [1, 2] and last[seq.CUTOFF].tolist() == list(pd.to_datetime(
        ["2025-03-01 10:04:00", "2025-03-01 11:02:00"]))


def test_clickstream_without_impressions_has_one_step_per_click():
    clicks = TINY[TINY[C.EVENT_TYPE].isin([C.CLICK, C.ADD_TO_CART])].reset_index(drop=True)
    assert seq.browsing_steps(clicks).tolist() == [0, 0, 1, 2, 3, 4, 5]


def test_log_only_moments_reproduce_the_oracle_cases(shop):
    cases = next_click_cases(shop)
    mine = seq.last_moment_per_user(seq.next_click_moments(shop.tables.events))
    for a, b in ((C.USER_ID, "user_id"), (C.SESSION_ID, "session_id"), (seq.CUTOFF, "cutoff"),
                 (seq.TARGET_ITEM_ID, "target_item_id")):
        assert (mine[a].to_numpy() == cases[b].to_numpy()).all(), a


def test_log_steps_match_the_generators_steps(shop):
    steps = seq.browsing_steps(shop.tables.events)
    truth = pd.Series(shop.truth.event_step)
    assert (truth.groupby(steps).nunique() == 1).mean() > 0.999          # a log step is one true step
    assert (pd.Series(steps).groupby(shop.truth.event_step).nunique() == 1).all()


def test_sort_events_keeps_sorted_logs_and_sorts_others():
    assert seq.sort_events(TINY) is TINY
    shuffled = TINY.sample(frac=1.0, random_state=0)
    assert seq.sort_events(shuffled).index.tolist() == TINY.index.tolist()


# -------------------------------------------------------------------- tokens
def test_event_tokens_layout():
    t = seq.event_tokens(TINY, ITEMS)
    user1 = t.loc[t[C.USER_ID] == 1, seq.TOKEN].tolist()
    assert user1 == ["<session>", "item:1", "<add_to_cart>", "list:a/x", "list:b/y", "item:4", "list:b/y",
                     "<session>", "item:2", "list:a/x"]
    start = seq.event_tokens(TINY, ITEMS, list_position="start")
    assert start.loc[start[C.USER_ID] == 2, seq.TOKEN].tolist() == [
        "<session>", "list:b/y", "item:3", "item:4", "list:a/x", "item:1"]
    clicks_only = seq.event_tokens(TINY, lists=False, actions=False, sessions=False)
    assert clicks_only[seq.TOKEN].tolist() == ["item:1", "item:4", "item:2", "item:3", "item:4", "item:1"]
    # the stream is sorted by user then slot, and a list token at the end carries its step's last time
    assert (np.diff(t[seq.SLOT].to_numpy()) >= 0).all()
    row = t[(t[C.USER_ID] == 1) & (t[seq.TOKEN] == "list:a/x")].iloc[0]
    assert row[C.TIMESTAMP] == pd.Timestamp("2025-03-01 10:00:14")


def test_event_tokens_needs_items_for_lists_and_names_missing_items():
    with pytest.raises(ValueError, match="items table"):
        seq.event_tokens(TINY)
    with pytest.raises(ValueError, match=r"item\(s\) \[3"):
        seq.event_tokens(TINY, ITEMS[ITEMS[C.ITEM_ID] != 3])


def test_item_token_round_trip():
    assert seq.item_token([5, 12]).tolist() == ["item:5", "item:12"]
    assert seq.token_items(["item:5", "<session>", "list:a/x", "item:12"]).tolist() == [5, -1, -1, 12]


# -------------------------------------------------------------------- vocabulary
def test_vocabulary_reserved_ids_order_and_min_count():
    v = seq.Vocabulary(min_count=2).fit(["c", "a", "b", "a", "d", "b", "c", "a", "e", "d"])
    assert v.tokens_.tolist() == ["<pad>", "<oov>", "a", "b", "c", "d"]          # e below min_count
    assert v.counts_.tolist() == [0, 0, 3, 2, 2, 2]
    assert len(v) == 6
    assert v.transform([["a", "e"], ["zz", "d"]]).tolist() == [[2, 1], [1, 5]]
    assert v.inverse_transform([0, 3]).tolist() == ["<pad>", "b"]
    assert v.as_series().to_dict() == {"<pad>": 0, "<oov>": 1, "a": 2, "b": 3, "c": 4, "d": 5}
    with pytest.raises(IndexError):
        v.inverse_transform([6])
    with pytest.raises(TypeError):
        seq.Vocabulary().fit("abc")
    with pytest.raises(ValueError):
        seq.Vocabulary(min_count=0).fit(["a"])


def test_vocabulary_never_duplicates_reserved_tokens():
    v = seq.Vocabulary().fit(["<pad>", "<oov>", "x", "<pad>"])
    assert v.tokens_.tolist() == ["<pad>", "<oov>", "x"]


# -------------------------------------------------------------------- padding and windows
def test_left_pad_and_mask():
    X, lengths = seq.left_pad([[5, 6, 7, 8], [9], []], 3)
    assert X.tolist() == [[6, 7, 8], [0, 0, 9], [0, 0, 0]] and lengths.tolist() == [3, 1, 0]
    assert seq.padding_mask(X).tolist() == [[True] * 3, [False, False, True], [False] * 3]


def test_history_windows_are_strictly_before_and_per_user():
    users, keys, ids = [4, 4, 4, 4, 9, 9], [1, 1, 3, 5, 1, 3], [11, 12, 13, 14, 21, 22]
    starts, ends = seq.window_bounds(users, keys, [4, 9, 9, 4, 7], [5, 3, 1, 6, 2])
    X = seq.history_windows(ids, starts, ends, 3)
    assert X.tolist() == [[11, 12, 13], [0, 0, 21], [0, 0, 0], [12, 13, 14], [0, 0, 0]]
    with pytest.raises(ValueError, match="sorted"):
        seq.window_bounds([4, 9, 4], [1, 1, 2], [4], [3])


def test_windows_before_steps_never_contain_the_step(split, shop):
    cases, history = split
    tokens = seq.event_tokens(history, shop.tables.items)
    ids = seq.Vocabulary().fit(tokens[seq.TOKEN]).transform(tokens[seq.TOKEN].to_numpy())
    moments = seq.last_moment_per_user(seq.next_click_moments(history)).head(300)
    X, n = seq.windows_before_steps(tokens, ids, moments[C.USER_ID], moments[seq.STEP], 8)
    for r, (u, s) in enumerate(zip(moments[C.USER_ID], moments[seq.STEP])):     # brute force, 300 queries
        mine = ids[(tokens[C.USER_ID].to_numpy() == u) & (tokens[seq.SLOT].to_numpy() < 2 * s + 1)]
        assert n[r] == mine.size
        want = np.r_[np.zeros(max(0, 8 - mine.size), dtype=np.int64), mine[-8:]]
        assert X[r].tolist() == want.tolist()


def test_windows_at_end_and_through_first_click():
    t = seq.event_tokens(TINY, ITEMS)
    v = seq.Vocabulary().fit(t[seq.TOKEN])
    ids = v.transform(t[seq.TOKEN].to_numpy())
    X, n = seq.windows_at_end(t, ids, [2, 99], 4)
    assert v.inverse_transform(X[0]).tolist() == ["item:4", "list:b/y", "item:1", "list:a/x"]
    assert X[1].tolist() == [0, 0, 0, 0] and n.tolist() == [6, 0]
    Xc, found = seq.windows_through_first_click(t, ids, [10, 20, 11, 30], 3)
    assert found.tolist() == [True, True, True, False]
    assert v.inverse_transform(Xc[0]).tolist() == ["<pad>", "<session>", "item:1"]
    assert v.inverse_transform(Xc[2]).tolist() == ["list:b/y", "<session>", "item:2"]


def test_next_item_examples_and_split():
    t = seq.event_tokens(TINY, ITEMS)
    v = seq.Vocabulary().fit(t[seq.TOKEN])
    ids = v.transform(t[seq.TOKEN].to_numpy())
    ex = seq.next_item_examples(TINY, t, ids, ITEMS[C.ITEM_ID].to_numpy(), 3)
    assert ex.step.tolist() == [2, 5] and ex.y.tolist() == [3, 0]         # item 4 -> column 3, item 1 -> 0
    assert v.inverse_transform(ex.X[0]).tolist() == ["<add_to_cart>", "list:a/x", "list:b/y"]
    every = seq.next_item_examples(TINY, t, ids, ITEMS[C.ITEM_ID].to_numpy(), 3, first_steps=True)
    assert every.step.tolist() == [0, 2, 3, 4, 4, 5] and every.first_click.tolist() == [True, True, True, True,
                                                                                         False, True]
    firsts = seq.next_item_examples(TINY, t, ids, ITEMS[C.ITEM_ID].to_numpy(), 3, all_clicks=False, first_steps=True)
    assert firsts.step.tolist() == [0, 2, 3, 4, 5]
    moments = seq.last_moment_per_user(seq.next_click_moments(TINY))
    train, val = seq.split_at_moments(every, moments)
    assert val.step.tolist() == [2, 5]
    assert train.step.tolist() == [0, 3, 4, 4] or train.step.tolist() == [0, 4, 4]
    assert (train.step[train.user == 1] < 2).all() and (train.step[train.user == 2] < 5).all()


# -------------------------------------------------------------------- Markov chain
def test_markov_scores_smoothing_and_limits():
    N = seq.transition_counts([2, 2, 1, 1], [1, 1, 0, 2], 6, 3)
    P = seq.markov_scores(N, [2, 3, 1], 1.0)
    np.testing.assert_allclose(P, [[1 / 12, 5 / 6, 1 / 12], [0.25, 0.5, 0.25], [(1 + 0.25) / 3, 0.5 / 3, 1.25 / 3]])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(seq.markov_scores(N, [2], 1e12), [[0.25, 0.5, 0.25]], rtol=1e-6)
    raw = seq.markov_scores(N, [2, 3], 0.0)
    assert raw[0].argmax() == 1 and raw[0, 1] == pytest.approx(1.0)
    np.testing.assert_allclose(raw[1], [0.25, 0.5, 0.25])
    with pytest.raises(ValueError):
        seq.markov_scores(N, [2], -1.0)
    with pytest.raises(ValueError):
        seq.transition_counts([7], [0], 6, 3)


# -------------------------------------------------------------------- metrics
def test_full_catalogue_metrics_equal_ranking_report_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, size=(300, 40)).astype(float)          # many ties
    targets = rng.integers(0, 40, size=300)
    for k in (1, 5, 10):
        mine = seq.full_catalogue_metrics(scores, targets, k)
        ref = ranking_report(top_k(scores, k), targets, k)
        for m in ("hr", "ndcg", "mrr"):
            assert mine[m] == pytest.approx(ref[m])


def test_full_catalogue_metrics_limit_cases():
    scores = np.eye(5)
    assert seq.full_catalogue_metrics(scores, np.arange(5), 1) == {"hr": 1.0, "ndcg": 1.0, "mrr": 1.0}
    assert seq.target_ranks([[0.1, 0.9], [np.nan, 0.2], [0.5, 0.5]], [1, 0, 1]).tolist() == [1, 3, 2]
    assert seq.target_ranks([[0.1, 0.9]], [-1]).tolist() == [3]
    with pytest.raises(ValueError):
        seq.target_ranks(np.zeros((2, 3)), [0])


# -------------------------------------------------------------------- analysis
def test_transition_kind():
    kinds = seq.transition_kind(["electronics/phones", "electronics/phone_cases", "home/mugs", None],
                                ["electronics/phone_cases", "electronics/phones", "home/mugs", "home/mugs"])
    assert kinds.tolist() == ["complement", "other", "same", "other"]
    assert seq.transition_kind(["a"], ["b"], complements={"a": ("b",)}).tolist() == ["complement"]


def test_case_context_matches_the_truth(split, shop):
    cases, _ = split
    ctx = seq.case_context(cases, shop.tables.events, shop.tables.items)
    assert (ctx[seq.STEP_IN_SESSION] >= 1).all()
    from recsys_lib.simulation import catalogue
    true_prev = np.array(catalogue.CATEGORIES, dtype=object)[shop.truth.step_category[cases["case_step"].to_numpy()]]
    shown = ctx["previous_category"].notna().to_numpy()
    # the last list shown is the generator's previous intent (unless that step showed nothing at all)
    assert shown.mean() > 0.99 and (ctx["previous_category"].to_numpy()[shown] == true_prev[shown]).mean() > 0.999
    assert set(ctx["transition"]) <= set(seq.TRANSITION_KINDS)


def test_hit_rate_by():
    table = seq.hit_rate_by({"m": [True, False, True, True]}, ["x", "y", "x", "y"], order=["y", "x"])
    assert table.index.tolist() == ["y", "x"] and table["cases"].tolist() == [2, 2]
    assert table["m"].tolist() == [0.5, 1.0]


# -------------------------------------------------------------------- purchase propensity
def test_conversion_oracle_is_calibrated(shop):
    from recsys_lib.metrics import roc_auc
    from recsys_lib.tasks import session_conversion_table
    table = session_conversion_table(shop.tables.events, shop.tables.users).sample(3000, random_state=0)
    p = seq.conversion_oracle(shop, table)
    y = table["converted"].to_numpy()
    assert ((p >= 0) & (p <= 1)).all()
    assert abs(p.mean() - y.mean()) < 3 * np.sqrt(y.mean() * (1 - y.mean()) / y.size)
    assert roc_auc(y, p) > 0.85


def test_conversion_windows_end_with_the_first_click(shop):
    from recsys_lib.tasks import session_conversion_table
    events, items = shop.tables.events, shop.tables.items
    table = session_conversion_table(events, shop.tables.users).head(200)
    tokens = seq.event_tokens(events, items, list_position="start")
    v = seq.Vocabulary().fit(tokens[seq.TOKEN])
    X = seq.conversion_windows(tokens, v.transform(tokens[seq.TOKEN].to_numpy()), table, 6)
    first_click = (events[events[C.EVENT_TYPE] == C.CLICK].groupby(C.SESSION_ID)[C.ITEM_ID].first()
                   .reindex(table[C.SESSION_ID]).to_numpy())
    assert v.inverse_transform(X[:, -1]).tolist() == [f"item:{i}" for i in first_click]
    with pytest.raises(ValueError, match="no click"):
        seq.conversion_windows(tokens, v.transform(tokens[seq.TOKEN].to_numpy()),
                               pd.DataFrame({C.SESSION_ID: [-5]}), 6)


def test_importing_sequences_does_not_import_tensorflow():
    code = "import sys, recsys_lib.sequences, recsys_lib.models.sequence; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
