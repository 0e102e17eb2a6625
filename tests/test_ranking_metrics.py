"""Tests of recsys_lib.metrics.ranking (module 04 reference ranking metrics)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from recsys_lib.metrics import hit_rate_at_k, mrr, ndcg_at_k, precision_at_k, recall_at_k

ALL = [hit_rate_at_k, precision_at_k, recall_at_k, ndcg_at_k, mrr]


# ------------------------------------------------------------------------------------------
# limit cases
# ------------------------------------------------------------------------------------------
def test_perfect_ranking_single_target():
    ranked = np.array([[4, 1, 2], [0, 3, 1]])
    relevant = np.array([4, 0])
    assert hit_rate_at_k(ranked, relevant) == 1.0
    assert ndcg_at_k(ranked, relevant) == 1.0
    assert mrr(ranked, relevant) == 1.0
    assert recall_at_k(ranked, relevant) == 1.0
    # one hit in 3 slots
    assert precision_at_k(ranked, relevant) == pytest.approx(1 / 3)


def test_perfect_ranking_multi_target():
    ranked = np.array([[4, 1, 2, 9], [3, 0, 1, 7]])
    relevant = [[1, 4], {0, 3, 1}]
    assert ndcg_at_k(ranked, relevant, k=4) == pytest.approx(1.0)
    assert recall_at_k(ranked, relevant, k=4) == 1.0
    assert hit_rate_at_k(ranked, relevant, k=4) == 1.0
    # precision: case 0 2/4, case 1 3/4 -> mean 5/8
    assert precision_at_k(ranked, relevant, k=4) == pytest.approx(5 / 8)
    # more relevant items than slots: ideal DCG only has k hits, so NDCG@2 of case 1 is 1
    assert ndcg_at_k(ranked, relevant, k=2, per_case=True)[1] == pytest.approx(1.0)
    # ... but recall@2 of case 1 is 2/3 (denominator |R|, not min(|R|, k))
    assert recall_at_k(ranked, relevant, k=2, per_case=True)[1] == pytest.approx(2 / 3)


@pytest.mark.parametrize("metric", ALL)
def test_no_hit_gives_zero(metric):
    ranked = np.array([[1, 2, 3], [4, 5, 6]])
    assert metric(ranked, np.array([9, 0])) == 0.0
    assert metric(ranked, [[9, 10], [0]]) == 0.0


def test_k_equals_one():
    ranked = np.array([[5, 2, 3], [2, 5, 3], [1, 2, 3]])
    relevant = np.array([5, 5, 7])
    # only the first column counts: hit, miss, miss
    np.testing.assert_allclose(hit_rate_at_k(ranked, relevant, k=1, per_case=True), [1, 0, 0])
    np.testing.assert_allclose(ndcg_at_k(ranked, relevant, k=1, per_case=True), [1, 0, 0])
    np.testing.assert_allclose(precision_at_k(ranked, relevant, k=1, per_case=True), [1, 0, 0])
    np.testing.assert_allclose(mrr(ranked, relevant, k=1, per_case=True), [1, 0, 0])
    # without a cut-off case 1 has its hit at rank 2
    np.testing.assert_allclose(mrr(ranked, relevant, per_case=True), [1, 0.5, 0])


# ------------------------------------------------------------------------------------------
# a worked example by hand
# ------------------------------------------------------------------------------------------
def test_worked_example_relevant_at_ranks_2_and_4():
    # ranked list of 5, the relevant items {3, 5} sit at ranks 2 and 4, k = 5
    ranked = np.array([[7, 3, 8, 5, 9]])
    relevant = [[3, 5]]
    # DCG  = 1/log2(2+1) + 1/log2(4+1) = 0.630930 + 0.430677 = 1.061606
    # IDCG = 1/log2(1+1) + 1/log2(2+1) = 1 + 0.630930       = 1.630930
    # NDCG = 1.061606 / 1.630930 = 0.650921
    expected_ndcg = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert expected_ndcg == pytest.approx(0.650921, abs=1e-6)
    assert ndcg_at_k(ranked, relevant, k=5) == pytest.approx(expected_ndcg, rel=1e-12)
    # precision@5 = 2 hits / 5 slots = 0.4
    assert precision_at_k(ranked, relevant, k=5) == pytest.approx(0.4)
    # recall@5 = 2 hits / 2 relevant = 1
    assert recall_at_k(ranked, relevant, k=5) == 1.0
    # MRR: first hit at rank 2 -> 1/2
    assert mrr(ranked, relevant) == 0.5
    # HR@5 = 1; HR@1 = 0 (rank 1 holds item 7)
    assert hit_rate_at_k(ranked, relevant, k=5) == 1.0
    assert hit_rate_at_k(ranked, relevant, k=1) == 0.0
    # k = 3: only the rank-2 hit counts.
    # DCG@3 = 0.630930; IDCG@3 = 1.630930 (2 relevant, 3 slots) -> 0.386853
    assert ndcg_at_k(ranked, relevant, k=3) == pytest.approx(0.630930 / 1.630930, abs=1e-6)
    # precision@3 = 1/3, recall@3 = 1/2
    assert precision_at_k(ranked, relevant, k=3) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, relevant, k=3) == 0.5


def test_mean_over_cases():
    ranked = np.array([[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    relevant = np.array([1, 2, 9])
    # RR = 1, 1/2, 0 -> MRR = 0.5
    assert mrr(ranked, relevant) == pytest.approx(0.5)
    # NDCG = 1, 1/log2(3), 0 -> mean (1 + 0.630930) / 3
    assert ndcg_at_k(ranked, relevant) == pytest.approx((1 + 1 / math.log2(3)) / 3)
    per = ndcg_at_k(ranked, relevant, per_case=True)
    assert isinstance(per, np.ndarray) and per.shape == (3,) and per.dtype == np.float64
    assert isinstance(ndcg_at_k(ranked, relevant), float)


# ------------------------------------------------------------------------------------------
# input forms agree
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ALL)
def test_single_and_multi_target_agree(metric):
    rng = np.random.default_rng(0)
    n, L, n_items = 200, 10, 30
    ranked = np.argsort(rng.random((n, n_items)), axis=1)[:, :L]
    target = rng.integers(0, n_items, size=n)
    single = metric(ranked, target, k=7, per_case=True)
    as_lists = metric(ranked, [[t] for t in target], k=7, per_case=True)
    as_sets = metric(ranked, [{int(t)} for t in target], k=7, per_case=True)
    as_2d = metric(ranked, target[:, None], k=7, per_case=True)
    as_list_of_ints = metric(ranked, target.tolist(), k=7, per_case=True)
    for other in (as_lists, as_sets, as_2d, as_list_of_ints):
        np.testing.assert_allclose(single, other)
    # not a degenerate comparison: there must be hits and misses
    assert 0 < hit_rate_at_k(ranked, target, k=7) < 1


def test_multi_target_padded_2d_and_duplicates():
    ranked = np.array([[1, 2, 3, 4]])
    # padded 2-D form and a list with a duplicate give the same result as the clean set
    a = ndcg_at_k(ranked, np.array([[2, 4, -1]]))
    b = ndcg_at_k(ranked, [[2, 4, 4]])
    c = ndcg_at_k(ranked, [{2, 4}])
    assert a == pytest.approx(b) and b == pytest.approx(c)
    # recall with a duplicate is still 1, not 2/3
    assert recall_at_k(ranked, [[2, 4, 4]]) == 1.0


def test_padding_never_counts():
    ranked = np.array([[-1, -1, 5], [-1, 2, -1]])
    relevant = [[5], [2]]
    np.testing.assert_allclose(mrr(ranked, relevant, per_case=True), [1 / 3, 1 / 2])
    # an all-padding row never hits
    assert hit_rate_at_k(np.array([[-1, -1]]), np.array([0])) == 0.0
    assert ndcg_at_k(np.array([[-1, -1]]), [[0, 1]]) == 0.0
    # a padded 2-D relevant array: the -1 padding must not match the -1 padding in ranked
    assert hit_rate_at_k(np.array([[-1, 3]]), np.array([[7, -1]])) == 0.0
    assert precision_at_k(np.array([[-1, 3]]), np.array([[7, -1]])) == 0.0


def test_k_larger_than_list():
    ranked = np.array([[3, 1]])
    # k = 4 > L = 2: treated as [3, 1, -1, -1]
    assert precision_at_k(ranked, np.array([1]), k=4) == pytest.approx(1 / 4)
    assert recall_at_k(ranked, np.array([1]), k=4) == 1.0
    # IDCG uses min(|R|, k) = 3 ideal hits although only 2 slots exist:
    # DCG = 1 + 1/log2(3); IDCG = 1 + 1/log2(3) + 1/log2(4)
    expected = (1 + 1 / math.log2(3)) / (1 + 1 / math.log2(3) + 0.5)
    assert ndcg_at_k(ranked, [[1, 3, 8]], k=4) == pytest.approx(expected)
    assert ndcg_at_k(ranked, [[1, 3, 8]], k=10) == pytest.approx(expected)


# ------------------------------------------------------------------------------------------
# against scikit-learn
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_ndcg_matches_sklearn_binary(k):
    rng = np.random.default_rng(42)
    n, n_items, L = 60, 25, 10
    scores = rng.random((n, n_items))  # continuous: no ties
    ranked = np.argsort(-scores, axis=1)[:, :L]
    n_rel = rng.integers(1, 6, size=n)
    relevant = [rng.choice(n_items, size=m, replace=False) for m in n_rel]
    y_true = np.zeros((n, n_items))
    for i, r in enumerate(relevant):
        y_true[i, r] = 1
    # ranked holds the top L of the same scores, so for k <= L the two agree
    ours = ndcg_at_k(ranked, relevant, k=k, per_case=True)
    theirs = np.array([ndcg_score(y_true[i : i + 1], scores[i : i + 1], k=k) for i in range(n)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert ndcg_at_k(ranked, relevant, k=k) == pytest.approx(ndcg_score(y_true, scores, k=k))
    assert 0 < ours.mean() < 1


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ALL)
def test_empty_relevant_set_raises(metric):
    with pytest.raises(ValueError, match="case 1 has an empty relevant set"):
        metric(np.array([[1, 2], [3, 4]]), [[1], []])
    with pytest.raises(ValueError, match="case 0 has an empty relevant set"):
        metric(np.array([[1, 2]]), np.array([[-1, -1]]))
    with pytest.raises(ValueError, match=r"relevant\[1\] = -1 is negative"):
        metric(np.array([[1, 2], [3, 4]]), np.array([1, -1]))


def test_shape_and_type_errors():
    with pytest.raises(ValueError, match=r"ranked must be a 2-D array.*ranked\[None, :\]"):
        ndcg_at_k(np.array([1, 2, 3]), np.array([1]))
    with pytest.raises(ValueError, match="relevant has 3 cases but ranked has 2 rows"):
        ndcg_at_k(np.array([[1, 2], [3, 4]]), np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="relevant has 1 cases but ranked has 2 rows"):
        ndcg_at_k(np.array([[1, 2], [3, 4]]), [[1, 2]])
    with pytest.raises(TypeError, match="ranked must hold integer item ids"):
        ndcg_at_k(np.array([[1.0, 2.0]]), np.array([1]))
    with pytest.raises(TypeError, match="relevant must hold integer item ids"):
        ndcg_at_k(np.array([[1, 2]]), np.array([1.5]))
    with pytest.raises(ValueError, match="k must be >= 1"):
        ndcg_at_k(np.array([[1, 2]]), np.array([1]), k=0)
    with pytest.raises(TypeError, match="k must be a positive integer"):
        ndcg_at_k(np.array([[1, 2]]), np.array([1]), k=2.0)
    with pytest.raises(ValueError, match="negative item id -2"):
        ndcg_at_k(np.array([[1, -2]]), np.array([1]))
    with pytest.raises(ValueError, match="recommends item 2 more than once"):
        recall_at_k(np.array([[2, 1, 2]]), np.array([2]))
    with pytest.raises(ValueError, match="0 cases"):
        mrr(np.zeros((0, 3), dtype=int), np.zeros(0, dtype=int))
    with pytest.raises(TypeError, match=r"relevant\[1\] is a int"):
        mrr(np.array([[1, 2], [3, 4]]), [[1], 3])
    with pytest.raises(ValueError, match=r"relevant\[0\] contains the negative item id -1"):
        mrr(np.array([[1, 2], [3, 4]]), [[1, -1], [3, 5, 6]])


def test_inputs_not_modified():
    ranked = np.array([[3, 1, 2]])
    relevant = np.array([[2, 1]])
    r0, t0 = ranked.copy(), relevant.copy()
    ndcg_at_k(ranked, relevant)
    np.testing.assert_array_equal(ranked, r0)
    np.testing.assert_array_equal(relevant, t0)


def test_vectorised_scale_agrees_with_a_per_case_computation():
    """100k cases x 50 slots, multi-target (the benchmark scale; no timing asserted): the vectorised
    NDCG equals a per-case computation on a sample of the cases."""
    rng = np.random.default_rng(1)
    n, L = 100_000, 50
    ranked = rng.integers(0, 5000, size=(n, L))
    ranked = np.sort(ranked, axis=1)
    # make rows duplicate-free by adding the column index times a stride
    ranked = ranked + np.arange(L) * 5000
    relevant = rng.integers(0, 250_000, size=(n, 3))
    relevant[:, 1:] = relevant[:, :1] + 1 + np.arange(2)  # distinct within a row
    got = ndcg_at_k(ranked, relevant, k=20, per_case=True)
    sample = np.random.default_rng(2).choice(n, size=200, replace=False)
    def one(row, rel):
        gains = np.isin(row[:20], rel).astype(float)
        dcg = (gains / np.log2(np.arange(2, 22))).sum()
        ideal = (1 / np.log2(np.arange(2, 2 + min(len(rel), 20)))).sum()
        return dcg / ideal
    per_case = np.array([one(ranked[i], relevant[i]) for i in sample])
    np.testing.assert_allclose(np.asarray(got)[sample], per_case, rtol=1e-12)
    np.testing.assert_allclose(ndcg_at_k(ranked[sample], relevant[sample], k=20), per_case.mean(), rtol=1e-12)
