r"""Top-K recommenders for implicit feedback: popularity, item-based and user-based KNN.

Taught in module 04 (knn_collaborative_filtering).

All three follow the scikit-learn conventions (keyword-only hyper-parameters in ``__init__``,
learned state with a trailing underscore, ``get_params`` / ``set_params`` / ``sklearn.base.clone``
work, ``NotFittedError`` before ``fit``) and share the interface of
:class:`recsys_lib.models.recommender_base.BaseRecommender`::

    model.fit(interactions)                             # users x items, implicit feedback
    model.recommend(user_ids, k=10, exclude_seen=True)  # -> array (n_users, k) of item ids, best first

(``interactions``: a users x items matrix, or a DataFrame of ``C.USER_ID`` / ``C.ITEM_ID`` rows with
any hashable ids; see ``recommender_base`` for the exact semantics of ``recommend``.)
"""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted

from recsys_lib.models._cosine_neighbours import _topn_cosine
from recsys_lib.models._sparse_topk import _top_k_csr
from recsys_lib.models.recommender_base import BaseRecommender, check_count
from recsys_lib.topk import top_k

__all__ = ["PopularityRecommender", "ItemKNNRecommender", "UserKNNRecommender", "BaseRecommender", "top_k"]


# --------------------------------------------------------------------------------------------
# the recommenders
# --------------------------------------------------------------------------------------------
class PopularityRecommender(BaseRecommender):
    r"""Recommend the most popular items (the same list for everybody, minus what they have seen).

    .. math::

        \mathrm{pop}(i) = \sum_u X_{ui} \quad (\texttt{count="weight"}) \qquad\text{or}\qquad
        \mathrm{pop}(i) = |\{u : X_{ui} > 0\}| \quad (\texttt{count="users"})

    The baseline every personalised model must beat. Items with zero popularity are not
    candidates; ties are broken by item index.

    Parameters
    ----------
    count : {"weight", "users"}
        sum of interaction weights, or number of distinct users.

    Attributes
    ----------
    popularity_ : array (n_items,)
    user_ids_, item_ids_ : arrays, the id of each row / column
    interactions_ : csr_matrix (n_users, n_items)

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, *, count: str = "weight"):
        self.count = count

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows."""
        if self.count not in ("weight", "users"):
            raise ValueError(f"count must be 'weight' or 'users'; got {self.count!r}")
        X = self._set_interactions(interactions, weight_col)
        if self.count == "users":
            self.popularity_ = np.diff(X.tocsc().indptr).astype(np.float64)
        return self

    def _scores(self, rows):
        return None


class ItemKNNRecommender(BaseRecommender):
    r"""Item-based collaborative filtering with cosine similarity between item columns.

    Similarity of items :math:`i, j` (columns :math:`x_{\cdot i}` of the interaction matrix),
    with optional shrinkage :math:`h \ge 0` that damps similarities supported by few users:

    .. math::

        s_{ij} = \frac{x_{\cdot i}^\top x_{\cdot j}}{\lVert x_{\cdot i}\rVert\,\lVert x_{\cdot j}\rVert + h}

    For each item :math:`j` only its ``n_neighbors`` most similar items :math:`N(j)` are kept
    (self excluded, ties by item index), giving the sparse matrix ``similarity_`` whose column
    :math:`j` holds :math:`s_{ij}` for :math:`i \in N(j)`. A user's score for item :math:`j` is

    .. math::

        \hat r_{uj} = \sum_{i \in N(j)} X_{ui}\, s_{ij}
        \qquad\text{i.e.}\qquad \hat R = X S

    computed as one sparse product per batch of users.

    ``fit`` computes the similarities in blocks of items (``X[:, block]^T X``, sparse x sparse,
    pruned to the top ``n_neighbors`` per item before the next block), so memory stays bounded
    whatever the catalogue size; a tqdm progress bar appears when there are many blocks.

    Parameters
    ----------
    n_neighbors : int
        neighbours kept per item.
    shrinkage : float
        :math:`h` above (0 = plain cosine).
    fill_with_popular : bool
        fill the slots without a KNN candidate with the most popular unseen items instead of -1.
    block_size : int or None
        items per similarity block (None: automatic, about 5 million co-occurrences per block).
    progress : bool or None
        show a progress bar (None: only when there are more than 4 blocks).

    Attributes
    ----------
    similarity_ : csr_matrix (n_items, n_items), column j = the neighbours of item j
    popularity_, user_ids_, item_ids_, interactions_ : as in PopularityRecommender

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, *, n_neighbors: int = 100, shrinkage: float = 0.0, fill_with_popular: bool = False,
                 block_size=None, progress=None):
        self.n_neighbors = n_neighbors
        self.shrinkage = shrinkage
        self.fill_with_popular = fill_with_popular
        self.block_size = block_size
        self.progress = progress

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows."""
        _check_knn_params(self)
        X = self._set_interactions(interactions, weight_col)
        W = _topn_cosine(X.T.tocsr(), int(self.n_neighbors), float(self.shrinkage),
                         self.block_size, self.progress, "item-item")
        # W[j, i] = s_ij for i in N(j); similarity_[:, j] holds the neighbours of j
        self.similarity_ = W.T.tocsr()
        return self

    def neighbors(self, item_ids=None, n=None):
        """Nearest items of each item, best first: ``(ids, similarities)`` arrays (n_items, n).

        ``item_ids`` are ids from ``item_ids_`` (None: all items, in ``item_ids_`` order); rows
        with fewer than ``n`` neighbours are padded with id -1 and similarity 0.
        """
        check_is_fitted(self, "similarity_")
        n = check_count(int(self.n_neighbors) if n is None else n, "n")
        cols = np.arange(self.n_items_) if item_ids is None else self._item_columns(item_ids)
        W = self.similarity_[:, cols].T.tocsr()  # row = item, entries = its neighbours
        nb = _top_k_csr(W, n)
        sims = np.where(nb >= 0, np.asarray(W[np.arange(cols.size)[:, None], np.maximum(nb, 0)].todense()), 0.0)
        return np.where(nb >= 0, self.item_ids_[np.maximum(nb, 0)], -1), sims

    def _scores(self, rows):
        return self.interactions_[rows] @ self.similarity_


class UserKNNRecommender(BaseRecommender):
    r"""User-based collaborative filtering with cosine similarity between users.

    .. math::

        s_{uv} = \frac{x_{u\cdot}^\top x_{v\cdot}}{\lVert x_{u\cdot}\rVert\,\lVert x_{v\cdot}\rVert + h},
        \qquad \hat r_{ui} = \sum_{v \in N(u)} s_{uv}\, X_{vi}
        \qquad\text{i.e.}\qquad \hat R = S X

    where :math:`N(u)` are the ``n_neighbors`` users most similar to :math:`u` (self excluded,
    ties by user index). ``similarity_`` (n_users x n_users, row u = the neighbours of u) is
    computed in ``fit`` in blocks of users; its cost grows with the number of co-occurring user
    pairs, so for very many users prefer :class:`ItemKNNRecommender`.

    Parameters are those of :class:`ItemKNNRecommender`, with users in place of items.

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, *, n_neighbors: int = 50, shrinkage: float = 0.0, fill_with_popular: bool = False,
                 block_size=None, progress=None):
        self.n_neighbors = n_neighbors
        self.shrinkage = shrinkage
        self.fill_with_popular = fill_with_popular
        self.block_size = block_size
        self.progress = progress

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows."""
        _check_knn_params(self)
        X = self._set_interactions(interactions, weight_col)
        self.similarity_ = _topn_cosine(X, int(self.n_neighbors), float(self.shrinkage),
                                        self.block_size, self.progress, "user-user")
        return self

    def _scores(self, rows):
        return self.similarity_[rows] @ self.interactions_


def _check_knn_params(est) -> None:
    """Validate the KNN hyper-parameters with scikit-learn's ``check_scalar`` (ValueError on failure)."""
    check_count(est.n_neighbors, "n_neighbors")
    h = est.shrinkage
    try:
        if isinstance(h, (bool, np.bool_)) or (isinstance(h, numbers.Real) and np.isnan(h)):
            raise TypeError
        check_scalar(h, "shrinkage", target_type=numbers.Real, min_val=0.0)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"shrinkage must be a non-negative number; got {h!r}") from exc
    if est.block_size is not None:
        check_count(est.block_size, "block_size")
