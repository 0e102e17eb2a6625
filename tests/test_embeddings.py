"""Tests of recsys_lib.embeddings (module 07): lookup and its gradient, cosine neighbours, the 2-D
projection and the cold-start ridge map; and of recsys_lib.plots.embeddings."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import Ridge
from sklearn.neighbors import NearestNeighbors

from recsys_lib import columns as C
from recsys_lib.embeddings import (
    cold_start_embeddings,
    embedding_lookup,
    fit_ridge_map,
    item_feature_matrix,
    lookup_gradient,
    nearest_neighbours,
    normalize_rows,
    one_hot,
    predict_ridge_map,
    project_2d,
    scatter_add_rows,
)


def table(n=9, k=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, k))


def test_one_hot_product_is_indexing():
    E = table()
    ids = np.array([3, 0, 3, 8])
    H = one_hot(ids, 9)
    assert H.shape == (4, 9) and H.dtype == np.float64
    np.testing.assert_array_equal(H.sum(axis=1), 1.0)
    np.testing.assert_array_equal(H @ E, E[ids])
    np.testing.assert_array_equal(embedding_lookup(E, ids), E[ids])
    assert embedding_lookup(E, ids.reshape(2, 2)).shape == (2, 2, 4)
    assert one_hot([], 5).shape == (0, 5)
    with pytest.raises(IndexError):
        one_hot([9], 9)
    with pytest.raises(TypeError):
        one_hot([1.0], 9)


def test_lookup_gradient_accumulates_repeated_ids():
    ids = np.array([2, 0, 2, 2])
    G = np.arange(12, dtype=float).reshape(4, 3)
    want = one_hot(ids, 5).T @ G
    np.testing.assert_allclose(lookup_gradient(ids, G, 5), want)
    assert want[2].tolist() == (G[0] + G[2] + G[3]).tolist()
    buffered = np.zeros((5, 3))
    buffered[ids] += G                              # keeps only one of the repeated rows
    assert not np.allclose(buffered, want)
    b = scatter_add_rows(np.zeros(5), ids, np.ones(4))
    np.testing.assert_array_equal(b, [1, 0, 3, 0, 0])
    with pytest.raises(ValueError, match="contiguous"):
        scatter_add_rows(np.zeros((5, 3)).T, [0], np.ones((1, 5)))


def test_nearest_neighbours_match_scikit_learn_cosine():
    E = table(40, 5, seed=1)
    idx, sims = nearest_neighbours(E, rows=[0, 7, 39], n=6)
    nn = NearestNeighbors(n_neighbors=7, metric="cosine", algorithm="brute").fit(E)
    dist, sk = nn.kneighbors(E[[0, 7, 39]])
    np.testing.assert_array_equal(idx, sk[:, 1:])               # scikit-learn includes the point itself
    np.testing.assert_allclose(sims, 1 - dist[:, 1:], atol=1e-12)
    idx_self, sims_self = nearest_neighbours(E, rows=[4], n=1, exclude_self=False)
    assert idx_self[0, 0] == 4 and sims_self[0, 0] == pytest.approx(1.0)


def test_nearest_neighbours_ties_zero_rows_and_padding():
    E = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0], [3.0, 0.0], [0.0, 1.0]])
    idx, sims = nearest_neighbours(E, rows=[0, 2], n=4)
    assert idx[0].tolist() == [1, 3, 2, 4]                      # ties (cos 1, then 0) by lower index
    np.testing.assert_allclose(sims[0], [1, 1, 0, 0])
    np.testing.assert_array_equal(normalize_rows(E)[2], [0.0, 0.0])
    assert np.isfinite(sims).all()
    idx, sims = nearest_neighbours(E, n=6)
    assert idx.shape == (5, 6) and (idx[:, 4:] == -1).all() and (sims[:, 4:] == 0).all()
    idx, _ = nearest_neighbours(E, rows=[0], n=3, candidates=[3, 4])           # only rows 3 and 4 may come back
    assert idx[0].tolist() == [3, 4, -1]
    mask = np.array([False, True, True, False, False])
    assert nearest_neighbours(E, rows=[0], n=2, candidates=mask)[0][0].tolist() == [1, 2]
    with pytest.raises(ValueError):
        nearest_neighbours(E, rows=[0], n=2, candidates=np.ones(3, dtype=bool))


def test_project_2d_is_pca_with_a_fixed_sign():
    E = table(30, 6, seed=2) * np.array([5, 3, 1, 1, 1, 1])
    Z = project_2d(E)
    ref = PCA(n_components=2, svd_solver="full").fit_transform(E)
    np.testing.assert_allclose(np.abs(Z), np.abs(ref), atol=1e-9)
    np.testing.assert_allclose(project_2d(-E), Z * np.sign(Z[0] * project_2d(-E)[0]), atol=1e-9)
    with pytest.raises(ValueError):
        project_2d(np.ones(5))


def test_ridge_map_matches_scikit_learn_ridge_with_intercept():
    rng = np.random.default_rng(3)
    F = rng.normal(size=(50, 6))
    T = F @ rng.normal(size=(6, 3)) + 2.0 + 0.1 * rng.normal(size=(50, 3))
    for alpha in (0.0, 2.5):
        W = fit_ridge_map(F, T, alpha)
        sk = Ridge(alpha=alpha).fit(F, T)
        np.testing.assert_allclose(W[0], sk.intercept_, atol=1e-9)
        np.testing.assert_allclose(W[1:], sk.coef_.T, atol=1e-9)
        np.testing.assert_allclose(predict_ridge_map(F, W), sk.predict(F), atol=1e-9)
    with pytest.raises(ValueError):
        fit_ridge_map(F, T[:-1])


def test_cold_start_uses_only_the_known_items():
    rng = np.random.default_rng(4)
    F = rng.normal(size=(30, 4))
    T = rng.normal(size=(30, 3))
    known = np.arange(30) < 24
    got = cold_start_embeddings(F, T, known, alpha=1.0)
    assert got.shape == (6, 3)
    T_leak = T.copy()
    T_leak[~known] = 1e6                                      # the new items' rows must not matter
    np.testing.assert_allclose(cold_start_embeddings(F, T_leak, known, alpha=1.0), got)
    np.testing.assert_allclose(got, predict_ridge_map(F[~known], fit_ridge_map(F[known], T[known], 1.0)))


def test_item_feature_matrix_fits_on_the_given_rows():
    items = pd.DataFrame({C.CATEGORY: ["a/x", "a/y", "b/z", "c/w"], C.BRAND: ["k", "l", "k", "new"],
                          C.PRICE: [10.0, 20.0, 40.0, 80.0]})
    F, names = item_feature_matrix(items, fit_rows=[0, 1, 2], n_price_buckets=2)
    assert F.shape == (4, len(names))
    assert "top=c" not in names and "brand=new" not in names       # vocabularies from the fit rows
    assert names[:2] == ["top=a", "top=b"] and "leaf=b/z" in names
    row = dict(zip(names, F[3]))
    assert row["top=a"] == row["top=b"] == 0 and row["brand=k"] == 0   # unseen values: all zero
    assert row["price_bucket=1"] == 1.0
    logp = np.log(items[C.PRICE].to_numpy()[:3])
    assert F[0, names.index("log_price_std")] == pytest.approx((np.log(10) - logp.mean()) / logp.std())


def test_plot_embedding_2d():
    from recsys_lib.plots import plot_embedding_2d

    coords = table(12, 2, seed=5)
    labels = np.array(["a", "b", "c"] * 4)
    ax = plot_embedding_2d(coords, labels, highlight={"first": 0}, title="t")
    assert len(ax.collections) == 3 + 1                              # one scatter per label + the highlight
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["a", "b", "c"]
    assert any(t.get_text() == "first" for t in ax.texts)
    with pytest.raises(ValueError):
        plot_embedding_2d(coords[:, :1], labels)
    import matplotlib.pyplot as plt
    plt.close("all")
