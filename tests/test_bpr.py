"""Tests of recsys_lib.models.factorization (module 07): the BPR loss, its gradients, the SGD epoch
and the BPRMatrixFactorization recommender."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from recsys_lib import columns as C
from recsys_lib.gradcheck import check_gradient
from recsys_lib.models import BPRMatrixFactorization, PopularityRecommender
from recsys_lib.models.factorization import bpr_gradients, bpr_loss, bpr_sgd_epoch, bpr_sgd_reference


def small_problem(seed=0, n_users=5, n_items=7, k=3, n=12):
    rng = np.random.default_rng(seed)
    P, Q, b = rng.normal(size=(n_users, k)), rng.normal(size=(n_items, k)), rng.normal(size=n_items)
    u = rng.integers(0, n_users, n)
    i = rng.integers(0, n_items, n)
    j = (i + 1 + rng.integers(0, n_items - 1, n)) % n_items          # j != i
    u[:3], i[:3] = 0, 2            # repeated user and item: gradients must accumulate
    return P, Q, b, u, i, j


def loop_loss(P, Q, b, u, i, j, lam):
    total = 0.0
    for uu, ii, jj in zip(u, i, j):
        x = P[uu] @ Q[ii] + b[ii] - P[uu] @ Q[jj] - b[jj]
        total += math.log1p(math.exp(-x)) + lam / 2 * (P[uu] @ P[uu] + Q[ii] @ Q[ii] + Q[jj] @ Q[jj]
                                                       + b[ii] ** 2 + b[jj] ** 2)
    return total


# ------------------------------------------------------------------------------------------
# loss and gradients
# ------------------------------------------------------------------------------------------
def test_bpr_loss_matches_the_formula_term_by_term():
    P, Q, b, u, i, j = small_problem()
    for lam in (0.0, 0.3):
        assert bpr_loss(P, Q, b, u, i, j, lam) == pytest.approx(loop_loss(P, Q, b, u, i, j, lam), rel=1e-12)


def test_bpr_loss_limit_cases():
    P, Q, b = np.zeros((2, 3)), np.zeros((4, 3)), np.zeros(4)
    # all scores equal: -log sigma(0) = log 2 per triple
    assert bpr_loss(P, Q, b, [0, 1, 1], [0, 1, 2], [3, 3, 0]) == pytest.approx(3 * math.log(2.0))
    # a huge margin either way stays finite: loss ~ 0 when right, ~ |x| when wrong
    b = np.array([1000.0, 0.0, 0.0, 0.0])
    assert bpr_loss(P, Q, b, [0], [0], [1]) == pytest.approx(0.0, abs=1e-300)
    assert bpr_loss(P, Q, b, [0], [1], [0]) == pytest.approx(1000.0)


@pytest.mark.parametrize("lam", [0.0, 0.25])
def test_bpr_gradients_pass_the_numerical_gradient_check(lam):
    P, Q, b, u, i, j = small_problem(seed=3)
    dP, dQ, db = bpr_gradients(P, Q, b, u, i, j, lam)
    assert dP.shape == P.shape and dQ.shape == Q.shape and db.shape == b.shape
    assert check_gradient(lambda x: bpr_loss(x, Q, b, u, i, j, lam), dP, P).passed
    assert check_gradient(lambda x: bpr_loss(P, x, b, u, i, j, lam), dQ, Q).passed
    assert check_gradient(lambda x: bpr_loss(P, Q, x, u, i, j, lam), db, b).passed
    unused = np.setdiff1d(np.arange(P.shape[0]), u)
    assert np.all(dP[unused] == 0)


def test_bpr_gradient_check_catches_a_flipped_difference():
    P, Q, b, u, i, j = small_problem(seed=4)
    _, dQ_wrong, _ = bpr_gradients(P, Q, b, u, j, i, 0.0)  # x_uji instead of x_uij
    assert not check_gradient(lambda x: bpr_loss(P, x, b, u, i, j, 0.0), dQ_wrong, Q).passed


def test_bpr_inputs_are_validated():
    P, Q, b, u, i, j = small_problem()
    with pytest.raises(ValueError, match="same length"):
        bpr_loss(P, Q, b, u, i[:-1], j)
    with pytest.raises(ValueError, match="share k"):
        bpr_loss(P, Q[:, :2], b, u, i, j)
    with pytest.raises(ValueError, match="one bias per item"):
        bpr_gradients(P, Q, b[:-1], u, i, j)


# ------------------------------------------------------------------------------------------
# the SGD epoch
# ------------------------------------------------------------------------------------------
def test_per_sample_reference_on_a_hand_computed_step():
    # one triple: p = (1, 2), q_i = (1, 0), q_j = (0, 1), b = (0.5, -0.5): x = (1 - 2) + 1 = 0, g = -1/2
    P, Q, b = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.5, -0.5])
    lr, lam = 0.1, 0.2
    P1, Q1, b1 = bpr_sgd_reference(P, Q, b, [0], [0], [1], lr, lam)
    # p -= 0.1 (-0.5 (q_i - q_j) + 0.2 p), q_i -= 0.1 (-0.5 p + 0.2 q_i), q_j -= 0.1 (0.5 p + 0.2 q_j), ...
    np.testing.assert_allclose(P1, [[1.03, 1.91]], rtol=1e-14)
    np.testing.assert_allclose(Q1, [[1.03, 0.1], [-0.05, 0.88]], rtol=1e-14)
    np.testing.assert_allclose(b1, [0.54, -0.54], rtol=1e-14)
    np.testing.assert_array_equal(P, [[1.0, 2.0]])                                   # inputs kept
    # two triples = two steps one after the other (the second sees the first one's update)
    once = bpr_sgd_reference(P, Q, b, [0], [0], [1], lr, lam)
    for got, want in zip(bpr_sgd_reference(P, Q, b, [0, 0], [0, 0], [1, 1], lr, lam),
                         bpr_sgd_reference(*once, [0], [0], [1], lr, lam)):
        np.testing.assert_allclose(got, want, rtol=1e-15)
    # a huge margin either way does not overflow
    assert np.isfinite(bpr_sgd_reference(P * 400, Q * 400, b, [0, 0], [1, 0], [0, 1], lr, lam)[0]).all()


def test_sgd_epoch_with_batch_size_one_is_rendles_per_sample_sgd():
    P, Q, b, u, i, j = small_problem(seed=5)
    got = bpr_sgd_epoch(P, Q, b, u, i, j, 0.1, 0.05, batch_size=1)
    want = bpr_sgd_reference(P, Q, b, u, i, j, 0.1, 0.05)
    for g, w in zip(got[:3], want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def test_sgd_epoch_one_batch_is_one_gradient_step_and_inputs_are_kept():
    P, Q, b, u, i, j = small_problem(seed=6)
    before = [P.copy(), Q.copy(), b.copy()]
    P1, Q1, b1, mean_loss = bpr_sgd_epoch(P, Q, b, u, i, j, 0.2, 0.1, batch_size=len(u))
    dP, dQ, db = bpr_gradients(P, Q, b, u, i, j, 0.1)
    np.testing.assert_allclose(P1, P - 0.2 * dP, rtol=1e-13)
    np.testing.assert_allclose(Q1, Q - 0.2 * dQ, rtol=1e-13)
    np.testing.assert_allclose(b1, b - 0.2 * db, rtol=1e-13)
    assert mean_loss == pytest.approx(bpr_loss(P, Q, b, u, i, j, 0.0) / len(u))
    for x, y in zip(before, (P, Q, b)):
        np.testing.assert_array_equal(x, y)


def test_sgd_epoch_batches_in_the_given_order():
    P, Q, b, u, i, j = small_problem(seed=7)
    two = bpr_sgd_epoch(P, Q, b, u, i, j, 0.1, 0.0, batch_size=7)
    P1, Q1, b1, _ = bpr_sgd_epoch(P, Q, b, u[:7], i[:7], j[:7], 0.1, 0.0, batch_size=7)
    again = bpr_sgd_epoch(P1, Q1, b1, u[7:], i[7:], j[7:], 0.1, 0.0, batch_size=7)
    for a, c in zip(two[:3], again[:3]):
        np.testing.assert_allclose(a, c, rtol=1e-13)


# ------------------------------------------------------------------------------------------
# the recommender
# ------------------------------------------------------------------------------------------
def clustered_matrix(n_users=300, n_items=60, seed=0):
    """Two taste clusters: users of cluster c interact with items of cluster c (with popularity)."""
    rng = np.random.default_rng(seed)
    user_c = rng.integers(0, 2, n_users)
    item_c = np.arange(n_items) % 2
    w = 1.0 / (1 + np.arange(n_items)) ** 0.5
    rows, cols = [], []
    for u in range(n_users):
        cand = np.flatnonzero(item_c == user_c[u])
        p = w[cand] / w[cand].sum()
        picked = rng.choice(cand, size=6, replace=False, p=p)
        rows += [u] * picked.size
        cols += picked.tolist()
    X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_users, n_items))
    return X, user_c, item_c


def test_fit_is_seeded_and_learns_the_clusters():
    X, user_c, item_c = clustered_matrix()
    kw = dict(n_factors=8, n_epochs=20, learning_rate=0.05, regularization=0.01)
    a = BPRMatrixFactorization(random_state=1, **kw).fit(X)
    b = BPRMatrixFactorization(random_state=1, **kw).fit(X)
    c = BPRMatrixFactorization(random_state=2, **kw).fit(X)
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)
    assert not np.allclose(a.item_factors_, c.item_factors_)
    assert a.user_factors_.shape == (300, 8) and a.item_factors_.shape == (60, 8) and a.item_bias_.shape == (60,)
    assert len(a.loss_curve_) == 20 and a.loss_curve_[-1] < 0.5 * a.loss_curve_[0]
    top = a.recommend(np.arange(300), k=5, exclude_seen=True)
    assert (item_c[top] == user_c[:, None]).mean() > 0.95       # recommends the user's own cluster
    seen = X.toarray() > 0
    assert not seen[np.arange(300)[:, None], top].any()
    pop = PopularityRecommender().fit(X).recommend(np.arange(300), k=5, exclude_seen=True)
    assert (item_c[pop] == user_c[:, None]).mean() < 0.7          # popularity cannot


def test_recommend_scores_are_the_model_scores():
    X, _, _ = clustered_matrix(seed=3)
    m = BPRMatrixFactorization(n_factors=4, n_epochs=3).fit(X)
    S = m.score_items([0, 5])
    np.testing.assert_allclose(S, m.user_factors_[[0, 5]] @ m.item_factors_.T + m.item_bias_)
    top = m.recommend([0, 5], k=4, exclude_seen=False)
    np.testing.assert_array_equal(top, np.argsort(-S, axis=1, kind="stable")[:, :4])


def test_popularity_negatives_and_dataframe_with_string_ids():
    X, _, _ = clustered_matrix(n_users=80, n_items=20, seed=4)
    coo = X.tocoo()
    df = pd.DataFrame({C.USER_ID: [f"u{r:03d}" for r in coo.row], C.ITEM_ID: [f"sku-{c:02d}" for c in coo.col]})
    kw = dict(n_factors=4, n_epochs=5, negative_sampling="popularity", random_state=0)
    m_df = BPRMatrixFactorization(**kw).fit(df)
    m_x = BPRMatrixFactorization(**kw).fit(X)
    np.testing.assert_allclose(m_df.item_factors_, m_x.item_factors_)   # same order of rows/columns
    rec = m_df.recommend(["u000", "nobody"], k=3, exclude_seen=False)
    assert rec.dtype == object and rec[0, 0].startswith("sku-")
    pop_ids = m_df.item_ids_[m_df.popular_items_[:3]]
    assert list(rec[1]) == list(pop_ids)                                 # unknown user: popularity
    ids, sims = m_df.similar_items(["sku-00"], n=2)
    assert ids.shape == (1, 2) and "sku-00" not in set(ids[0]) and np.all(sims <= 1 + 1e-12)


def test_similar_items_is_cosine_of_the_item_factors():
    X, _, _ = clustered_matrix(seed=5)
    m = BPRMatrixFactorization(n_factors=6, n_epochs=5).fit(X)
    ids, sims = m.similar_items([3], n=4)
    Q = m.item_factors_
    cos = Q @ Q[3] / (np.linalg.norm(Q, axis=1) * np.linalg.norm(Q[3]))
    cos[3] = -np.inf
    np.testing.assert_array_equal(ids[0], np.argsort(-cos, kind="stable")[:4])
    np.testing.assert_allclose(sims[0], cos[ids[0]], rtol=1e-12)
    ids_all, _ = m.similar_items(n=200)          # more than there are other items: padded
    assert ids_all.shape == (60, 200) and (ids_all[:, 59:] == -1).all()


def test_estimator_api_and_validation():
    m = BPRMatrixFactorization(n_factors=5, learning_rate=0.1)
    assert clone(m).get_params()["n_factors"] == 5
    with pytest.raises(NotFittedError):
        m.recommend([0], k=3)
    with pytest.raises(NotFittedError):
        m.similar_items([0])
    with pytest.raises(TypeError):
        BPRMatrixFactorization(16)                                        # keyword-only
    X, _, _ = clustered_matrix(n_users=20, n_items=16)
    for bad in (dict(n_factors=0), dict(learning_rate=0.0), dict(regularization=-1.0),
                dict(negative_sampling="hard"), dict(batch_size=True), dict(learning_rate=float("nan"))):
        with pytest.raises(ValueError):
            BPRMatrixFactorization(**bad).fit(X)
    with pytest.raises(ValueError, match="nothing to fit"):
        BPRMatrixFactorization().fit(sp.csr_matrix((3, 4)))


def test_divergence_is_reported():
    X, _, _ = clustered_matrix(n_users=40, n_items=16)
    with pytest.raises(FloatingPointError, match="diverged"):
        with np.errstate(all="ignore"):
            BPRMatrixFactorization(learning_rate=1e6, init_std=10.0, n_epochs=60).fit(X)
