"""Tests of recsys_lib.models.recommenders and recsys_lib.features.interaction_matrix (module 04)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics.pairwise import cosine_similarity

from recsys_lib import columns as C
from recsys_lib.features import interaction_matrix
from recsys_lib.models import ItemKNNRecommender, PopularityRecommender, UserKNNRecommender, top_k
from recsys_lib.models._sparse_topk import _rowwise_top

# The hand-made shop: 5 users x 4 items, binary.
#   u0: i0 i1
#   u1: i0 i1 i2
#   u2:       i2 i3
#   u3:          i3
#   u4:       i2
# item columns: i0 = i1 = [1,1,0,0,0] (norm sqrt2), i2 = [0,1,1,0,1] (norm sqrt3), i3 = [0,0,1,1,0] (sqrt2)
# item cosines: s01 = 2/2 = 1;  s02 = s12 = s23 = 1/sqrt6 = 0.408;  s03 = s13 = 0
# popularity (column sums): [2, 2, 3, 2]  ->  order i2, i0, i1, i3 (ties by index)
ROWS = [[0, 1], [0, 1, 2], [2, 3], [3], [2]]
INV_SQRT6 = 1 / math.sqrt(6)


def shop_matrix():
    r = np.repeat(np.arange(len(ROWS)), [len(x) for x in ROWS])
    c = np.concatenate(ROWS)
    return sp.csr_matrix((np.ones(c.size), (r, c)), shape=(5, 4))


def dense_cosine_with_self_zeroed(M):
    S = cosine_similarity(M)
    np.fill_diagonal(S, 0.0)
    return S


# ------------------------------------------------------------------------------------------
# item-KNN
# ------------------------------------------------------------------------------------------
def test_itemknn_similarity_by_hand():
    m = ItemKNNRecommender(n_neighbors=3).fit(shop_matrix())
    S = m.similarity_.toarray()
    expected = np.array(
        [
            [0, 1, INV_SQRT6, 0],
            [1, 0, INV_SQRT6, 0],
            [INV_SQRT6, INV_SQRT6, 0, INV_SQRT6],
            [0, 0, INV_SQRT6, 0],
        ]
    )
    np.testing.assert_allclose(S, expected, atol=1e-15)
    assert m.similarity_.nnz == 8  # zeros (and the diagonal) are not stored


def test_itemknn_nearest_neighbour_with_tie_breaking():
    m = ItemKNNRecommender(n_neighbors=1).fit(shop_matrix())
    ids, sims = m.neighbors()
    # i0 -> i1 (1.0); i1 -> i0; i2 -> tie i0/i1/i3 at 1/sqrt6 -> lowest index i0; i3 -> i2
    np.testing.assert_array_equal(ids[:, 0], [1, 0, 0, 2])
    np.testing.assert_allclose(sims[:, 0], [1, 1, INV_SQRT6, INV_SQRT6])
    # similarity_ column j holds exactly the kept neighbour of j
    np.testing.assert_array_equal(np.diff(m.similarity_.tocsc().indptr), [1, 1, 1, 1])


def test_itemknn_recommendations_by_hand():
    X = shop_matrix()
    m = ItemKNNRecommender(n_neighbors=3).fit(X)
    rec = m.recommend([0, 1, 2, 3, 4], k=2)
    # u0 (i0,i1): i2 = s02 + s12 = 2/sqrt6, i3 = 0 -> [2, -1] (padding: one candidate only)
    # u1 (i0,i1,i2): i3 = s23 = 1/sqrt6 -> [3, -1]
    # u2 (i2,i3): i0 = i1 = 1/sqrt6 -> tie, by index -> [0, 1]
    # u3 (i3): i2 = 1/sqrt6 -> [2, -1]
    # u4 (i2): i0 = i1 = i3 = 1/sqrt6 -> [0, 1]
    np.testing.assert_array_equal(rec, [[2, -1], [3, -1], [0, 1], [2, -1], [0, 1]])
    assert rec.dtype == np.int64


def test_exclude_seen():
    X = shop_matrix()
    m = ItemKNNRecommender(n_neighbors=3).fit(X)
    seen = m.recommend(np.arange(5), k=4, exclude_seen=True)
    for u, items in enumerate(ROWS):
        assert not set(seen[u]) & set(items)
    # without exclusion u0 scores i0 = s10 = 1, i1 = s01 = 1, i2 = 2/sqrt6, i3 = 0
    np.testing.assert_array_equal(m.recommend([0], k=4, exclude_seen=False), [[0, 1, 2, -1]])


def test_fill_with_popular():
    m = ItemKNNRecommender(n_neighbors=3, fill_with_popular=True).fit(shop_matrix())
    # u0: KNN gives i2; fill from popularity order i2, i0, i1, i3 minus seen {i0,i1} and chosen {i2} -> i3
    # u3: KNN gives i2; fill: i0 (pop 2, lower index than i1)
    np.testing.assert_array_equal(m.recommend([0, 3], k=3), [[2, 3, -1], [2, 0, 1]])


def test_unknown_user_gets_popularity():
    m = ItemKNNRecommender(n_neighbors=3).fit(shop_matrix())
    # row indices 5 and -7 do not exist: popularity order i2, i0, i1, i3, nothing excluded
    np.testing.assert_array_equal(m.recommend([5, -7], k=3), [[2, 0, 1], [2, 0, 1]])
    # k larger than the catalogue pads with -1
    np.testing.assert_array_equal(m.recommend([5], k=6), [[2, 0, 1, 3, -1, -1]])


def test_itemknn_matches_sklearn_cosine():
    rng = np.random.default_rng(7)
    X = sp.random(300, 40, density=0.1, random_state=rng, format="csr")
    X.data = np.ceil(X.data * 3)  # counts 1..3
    m = ItemKNNRecommender(n_neighbors=39).fit(X)  # keep every neighbour
    np.testing.assert_allclose(m.similarity_.toarray(), dense_cosine_with_self_zeroed(X.T), atol=1e-12)


@pytest.mark.parametrize("block_size", [None, 1, 7])
def test_itemknn_top_n_pruning_matches_dense_reference(block_size):
    rng = np.random.default_rng(3)
    X = sp.csr_matrix((rng.random((200, 60)) < 0.15).astype(float))  # binary: many exact ties
    n = 5
    m = ItemKNNRecommender(n_neighbors=n, block_size=block_size, progress=False).fit(X)
    S = dense_cosine_with_self_zeroed(X.T)
    expected = np.zeros_like(S)
    for j in range(S.shape[0]):  # reference: full sort by (similarity desc, index asc)
        order = np.lexsort((np.arange(S.shape[0]), -S[:, j]))[:n]
        order = order[S[order, j] > 0]
        expected[order, j] = S[order, j]
    assert ((m.similarity_.toarray() > 0) == (expected > 0)).all()
    np.testing.assert_allclose(m.similarity_.toarray(), expected, atol=1e-12)


def test_itemknn_scores_equal_matrix_product():
    rng = np.random.default_rng(11)
    X = sp.csr_matrix((rng.random((80, 30)) < 0.2) * rng.integers(1, 4, size=(80, 30)), dtype=float)
    m = ItemKNNRecommender(n_neighbors=6, shrinkage=1.5).fit(X)
    # shrinkage: s_ij = x_i.x_j / (|x_i||x_j| + h)
    G = (X.T @ X).toarray()
    nrm = np.sqrt(np.diag(G))
    S = G / (np.outer(nrm, nrm) + 1.5)
    kept = m.similarity_.toarray()
    np.testing.assert_allclose(kept[kept > 0], S[kept > 0], rtol=1e-12)
    # recommendations = top-k of X @ similarity_ without the seen items, ties by index
    scores = (X @ m.similarity_).toarray()
    scores[X.toarray() > 0] = 0
    rec = m.recommend(np.arange(80), k=5)
    for u in range(80):
        order = np.lexsort((np.arange(30), -scores[u]))[:5]
        np.testing.assert_array_equal(rec[u], np.where(scores[u, order] > 0, order, -1))


# ------------------------------------------------------------------------------------------
# user-KNN and popularity
# ------------------------------------------------------------------------------------------
def test_userknn_by_hand():
    # user cosines: (u0,u1) = 2/sqrt6 = .816, (u1,u2) = 1/sqrt6 = .408, (u1,u4) = 1/sqrt3 = .577,
    # (u2,u3) = (u2,u4) = 1/sqrt2 = .707, all others 0
    X = shop_matrix()
    m = UserKNNRecommender(n_neighbors=1).fit(X)
    nearest = np.asarray(m.similarity_.argmax(axis=1)).ravel()
    # u2's nearest is a tie u3/u4 -> u3 (lower index); u4's is u2 (.707 > .577)
    np.testing.assert_array_equal(nearest, [1, 0, 3, 2, 2])
    np.testing.assert_allclose(m.similarity_.toarray()[2, 3], 1 / math.sqrt(2))
    m2 = UserKNNRecommender(n_neighbors=2).fit(X)
    # u4 (seen i2): neighbours u2 (.707: i3), u1 (.577: i0, i1) -> i3 .707, i0 = i1 = .577 -> [3, 0]
    np.testing.assert_array_equal(m2.recommend([4], k=2), [[3, 0]])
    full = UserKNNRecommender(n_neighbors=4).fit(X)
    np.testing.assert_allclose(full.similarity_.toarray(), dense_cosine_with_self_zeroed(X.toarray()), atol=1e-12)


def test_popularity_recommender():
    X = shop_matrix()
    m = PopularityRecommender().fit(X)
    np.testing.assert_array_equal(m.popularity_, [2, 2, 3, 2])
    # u0 has seen i0, i1 -> i2, i3; u4 has seen i2 -> i0, i1, i3
    np.testing.assert_array_equal(m.recommend([0, 4], k=3), [[2, 3, -1], [0, 1, 3]])
    np.testing.assert_array_equal(m.recommend([0], k=3, exclude_seen=False), [[2, 0, 1]])
    # count="users" counts distinct users, not weights
    Xw = X.copy()
    Xw[0, 0] = 10
    np.testing.assert_array_equal(PopularityRecommender(count="users").fit(Xw).popularity_, [2, 2, 3, 2])
    np.testing.assert_array_equal(PopularityRecommender().fit(Xw).popularity_, [11, 2, 3, 2])


# ------------------------------------------------------------------------------------------
# DataFrame input, ids
# ------------------------------------------------------------------------------------------
def shop_frame():
    # the same shop with real-looking ids: user u -> 100 + 10 u, item i -> 5000 + i
    users = np.repeat(100 + 10 * np.arange(5), [len(x) for x in ROWS])
    items = 5000 + np.concatenate(ROWS)
    return pd.DataFrame({C.USER_ID: users, C.ITEM_ID: items})


@pytest.mark.parametrize("cls", [PopularityRecommender, ItemKNNRecommender, UserKNNRecommender])
def test_dataframe_and_sparse_agree(cls):
    a = cls().fit(shop_matrix())
    b = cls().fit(shop_frame())
    np.testing.assert_array_equal(b.user_ids_, 100 + 10 * np.arange(5))
    np.testing.assert_array_equal(b.item_ids_, 5000 + np.arange(4))
    ra = a.recommend(np.arange(5), k=3)
    rb = b.recommend(100 + 10 * np.arange(5), k=3)
    np.testing.assert_array_equal(rb, np.where(ra >= 0, ra + 5000, -1))
    # unknown user id -> popularity
    np.testing.assert_array_equal(b.recommend([99], k=2), [[5002, 5000]])


def test_dataframe_weight_column():
    df = shop_frame()
    df["w"] = 1.0
    df.loc[0, "w"] = 4.0  # user 100, item 5000
    m = PopularityRecommender().fit(df, weight_col="w")
    np.testing.assert_array_equal(m.popularity_, [5, 2, 3, 2])
    with pytest.raises(KeyError, match="weight column 'nope'"):
        PopularityRecommender().fit(df, weight_col="nope")


def test_dataframe_errors():
    with pytest.raises(KeyError, match=C.ITEM_ID):
        ItemKNNRecommender().fit(pd.DataFrame({C.USER_ID: [1]}))
    bad = pd.DataFrame({C.USER_ID: [1, 2], C.ITEM_ID: pd.array([3, None], dtype="Int64")})
    with pytest.raises(ValueError, match="missing"):
        ItemKNNRecommender().fit(bad)


# ------------------------------------------------------------------------------------------
# scikit-learn conventions, validation
# ------------------------------------------------------------------------------------------
def test_clone_and_params():
    m = ItemKNNRecommender(n_neighbors=7, shrinkage=2.0, progress=False).fit(shop_matrix())
    c = clone(m)
    assert c.get_params() == m.get_params()
    assert not hasattr(c, "similarity_")
    c.set_params(n_neighbors=1)
    assert c.n_neighbors == 1 and m.n_neighbors == 7
    assert clone(UserKNNRecommender(n_neighbors=3)).n_neighbors == 3
    assert clone(PopularityRecommender(count="users")).count == "users"


def test_deterministic():
    rng = np.random.default_rng(5)
    X = sp.csr_matrix((rng.random((100, 50)) < 0.1).astype(float))
    a = ItemKNNRecommender(n_neighbors=4).fit(X).recommend(np.arange(100), k=5)
    b = ItemKNNRecommender(n_neighbors=4, block_size=3).fit(X).recommend(np.arange(100), k=5, batch_size=7)
    np.testing.assert_array_equal(a, b)


def test_validation_errors():
    X = shop_matrix()
    with pytest.raises(NotFittedError, match="not fitted"):
        ItemKNNRecommender().recommend([0])
    with pytest.raises(NotFittedError):
        ItemKNNRecommender().neighbors([0])
    with pytest.raises(ValueError, match="n_neighbors must be a positive integer"):
        ItemKNNRecommender(n_neighbors=0).fit(X)
    with pytest.raises(ValueError, match="shrinkage must be a non-negative"):
        ItemKNNRecommender(shrinkage=-1).fit(X)
    with pytest.raises(ValueError, match="non-negative"):
        ItemKNNRecommender().fit(-X)
    with pytest.raises(ValueError, match="2-D"):
        ItemKNNRecommender().fit(np.ones(4))
    with pytest.raises(ValueError, match="k must be a positive integer"):
        ItemKNNRecommender().fit(X).recommend([0], k=0)
    with pytest.raises(TypeError, match="fitted on integer ids"):
        ItemKNNRecommender().fit(X).recommend([0.5])
    with pytest.raises(ValueError, match="count must be"):
        PopularityRecommender(count="clicks").fit(X)
    with pytest.raises(KeyError, match="not in the training data"):
        ItemKNNRecommender().fit(X).neighbors([17])


def test_hyper_parameters_are_keyword_only_and_clone():
    from sklearn.base import clone

    with pytest.raises(TypeError):
        ItemKNNRecommender(10)  # noqa
    with pytest.raises(TypeError):
        PopularityRecommender("users")  # noqa
    m = ItemKNNRecommender(n_neighbors=3, shrinkage=1.5)
    assert clone(m).get_params() == m.get_params()


@pytest.mark.parametrize("model", [PopularityRecommender(), ItemKNNRecommender(n_neighbors=3),
                                   UserKNNRecommender(n_neighbors=3)])
def test_string_ids_work_like_integer_ids(model):
    """Any hashable ids: UCI Online Retail's stock codes are strings such as "85123A"."""
    from sklearn.base import clone

    frame = pd.DataFrame({C.USER_ID: [1, 1, 2, 2, 3, 3, 3, 4], C.ITEM_ID: [10, 11, 10, 12, 11, 12, 13, 10]})
    codes = {10: "85123A", 11: "71053", 12: "84406B", 13: "22752"}
    users = {1: "u-ann", 2: "u-bob", 3: "u-cem", 4: "u-dee"}
    named = pd.DataFrame({C.USER_ID: frame[C.USER_ID].map(users), C.ITEM_ID: frame[C.ITEM_ID].map(codes)})
    by_int = clone(model).fit(frame).recommend([1, 2, 3, 4, 99], k=3)
    by_str = clone(model).fit(named).recommend(["u-ann", "u-bob", "u-cem", "u-dee", "nobody"], k=3)
    # the same recommendations up to the renaming (sorted string ids order the items differently,
    # so compare as sets of the candidates a user gets, and exactly for the popularity fallback)
    to_str = np.vectorize(lambda i: codes.get(int(i), -1), otypes=[object])
    for a, b in zip(to_str(by_int), by_str):
        assert set(a.tolist()) == set(b.tolist())
    assert "85123A" in set(by_str.ravel().tolist())


def test_dense_array_input_and_empty_rows():
    X = shop_matrix().toarray()
    X = np.vstack([X, np.zeros(4)])  # user 5 has no interactions: no KNN candidates
    m = ItemKNNRecommender(n_neighbors=3).fit(X)
    np.testing.assert_array_equal(m.recommend([5], k=2), [[-1, -1]])


# ------------------------------------------------------------------------------------------
# top-K selection
# ------------------------------------------------------------------------------------------
def test_top_k_dense_ties_padding_and_nan():
    s = np.array([[0.5, 0.9, 0.5, 0.5, 0.1], [np.nan, 1.0, -np.inf, 2.0, 1.0]])
    # row 0: 0.9 (col 1), then the three 0.5 ties by index (0, 2, 3)
    np.testing.assert_array_equal(top_k(s, 3), [[1, 0, 2], [3, 1, 4]])
    # valid mask and padding: row 1 has only 3 selectable entries (nan and -inf never are)
    np.testing.assert_array_equal(top_k(s, 5)[1], [3, 1, 4, -1, -1])
    valid = np.array([[True, False, True, True, True], [True] * 5])
    np.testing.assert_array_equal(top_k(s, 2, valid=valid)[0], [0, 2])
    np.testing.assert_array_equal(top_k(s, 7)[0], [1, 0, 2, 3, 4, -1, -1])


def test_top_k_matches_full_sort_random_ties():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 4, size=(200, 37)).astype(float)  # heavy ties
    for k in (1, 5, 36, 37):
        ref = np.array([np.lexsort((np.arange(37), -row))[:k] for row in s])
        np.testing.assert_array_equal(top_k(s, k), ref)


def test_sparse_rowwise_top_matches_full_sort():
    """The sparse selection (int-key sort + radix prefilter + exact tie fix-up) against lexsort."""
    rng = np.random.default_rng(1)
    n_rows, n_cols, N = 50, 400, 12_000
    rows = rng.integers(0, n_rows, N)
    cols = rng.integers(0, n_cols, N)
    pair = np.unique(rows * n_cols + cols)
    rng.shuffle(pair)  # any order
    rows, cols = pair // n_cols, pair % n_cols
    # values with exact ties and with near-ties that differ only in the last bits
    vals = rng.integers(1, 20, pair.size) / 7.0
    vals[::5] = np.nextafter(vals[::5], 10)
    for k in (1, 3, 10):
        idx, rank = _rowwise_top(rows, cols, vals, k)
        order = np.lexsort((cols, -vals, rows))
        r_sorted = rows[order]
        pos = np.arange(order.size) - np.searchsorted(r_sorted, r_sorted)
        ref = order[pos < k]
        np.testing.assert_array_equal(idx, ref)
        np.testing.assert_array_equal(rank, pos[pos < k])


# ------------------------------------------------------------------------------------------
# interaction_matrix
# ------------------------------------------------------------------------------------------
def tiny_events():
    ts = pd.to_datetime(["2024-01-01 10:00"] * 7)
    return pd.DataFrame(
        {
            C.USER_ID: np.array([7, 7, 7, 3, 3, 3, 7], dtype=np.int64),
            C.TIMESTAMP: ts,
            C.EVENT_TYPE: pd.Categorical(
                ["search", "click", "purchase", "impression", "click", "click", "click"],
                categories=C.EVENT_TYPES,
            ),
            C.ITEM_ID: pd.array([None, 11, 11, 12, 12, 12, 40], dtype="Int64"),
        }
    )


def test_interaction_matrix_counts_and_weights():
    X, users, items = interaction_matrix(tiny_events())
    # default types click/favorite/add_to_cart/purchase; search and impression dropped
    # users sorted [3, 7], items [11, 12, 40]
    # user 3: two clicks on 12; user 7: click + purchase on 11, click on 40
    np.testing.assert_array_equal(users, [3, 7])
    np.testing.assert_array_equal(items, [11, 12, 40])
    np.testing.assert_array_equal(X.toarray(), [[0, 2, 0], [2, 0, 1]])
    assert sp.isspmatrix_csr(X)
    Xw, _, _ = interaction_matrix(tiny_events(), weights={C.CLICK: 1.0, C.PURCHASE: 5.0})
    # user 7, item 11: 1 (click) + 5 (purchase) = 6
    np.testing.assert_array_equal(Xw.toarray(), [[0, 2, 0], [6, 0, 1]])
    Xb, _, _ = interaction_matrix(tiny_events(), binary=True)
    np.testing.assert_array_equal(Xb.toarray(), [[0, 1, 0], [1, 0, 1]])
    # only user 3 has an impression (of item 12): rows / columns come from the selected events
    Xi, us, it = interaction_matrix(tiny_events(), event_types=[C.IMPRESSION])
    np.testing.assert_array_equal(us, [3])
    np.testing.assert_array_equal(it, [12])
    np.testing.assert_array_equal(Xi.toarray(), [[1]])


def test_interaction_matrix_vocabularies():
    X, users, items = interaction_matrix(tiny_events(), users=[7, 3, 99], items=[40, 11, 12, 13])
    np.testing.assert_array_equal(users, [7, 3, 99])
    np.testing.assert_array_equal(X.toarray(), [[1, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0]])
    with pytest.raises(ValueError, match=r"not in the given items \(first: \[40\]\)"):
        interaction_matrix(tiny_events(), items=[11, 12])
    X2, _, _ = interaction_matrix(tiny_events(), items=[11, 12], unknown="ignore")
    np.testing.assert_array_equal(X2.toarray(), [[0, 2], [2, 0]])


def test_interaction_matrix_errors():
    with pytest.raises(ValueError, match="search events have no item"):
        interaction_matrix(tiny_events(), event_types=[C.SEARCH])
    with pytest.raises(ValueError, match="unknown event type"):
        interaction_matrix(tiny_events(), event_types=["view"])
    with pytest.raises(KeyError, match=C.EVENT_TYPE):
        interaction_matrix(tiny_events().drop(columns=[C.EVENT_TYPE]))
    with pytest.raises(ValueError, match="more than once"):
        interaction_matrix(tiny_events(), items=[11, 11, 12, 40])


def test_interaction_matrix_feeds_recommender():
    X, users, items = interaction_matrix(tiny_events())
    m = PopularityRecommender().fit(X)
    # popularity [2, 2, 1] -> items[0]=11, items[1]=12 ; user row 0 (id 3) has seen 12
    np.testing.assert_array_equal(items[m.recommend([0], k=2)[0]], [11, 40])
