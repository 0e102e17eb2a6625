r"""Embeddings: lookup, its gradient, cosine neighbours, a 2-D projection and cold-start mapping.

Taught in module 07 (embeddings_matrix_factorization).

An **embedding** table :math:`E \in \mathbb{R}^{n \times k}` gives each of :math:`n` ids (users,
items) a dense vector, row :math:`E_{r}`. Looking up the ids :math:`r_1 \dots r_B` is the product
of their one-hot matrix :math:`H \in \{0, 1\}^{B \times n}` (:math:`H_{br} = [r_b = r]`) with
:math:`E`, and it equals plain row indexing:

.. math::  (H E)_{b} = \sum_r H_{br} E_r = E_{r_b} \qquad\Longrightarrow\qquad H E = E[r_1, \dots, r_B].

Indexing costs :math:`O(Bk)` and no memory for :math:`H` (which is :math:`B \times n`, mostly zeros).
The gradient of a loss :math:`L` through a lookup is :math:`\partial L / \partial E = H^\top G` with
:math:`G = \partial L / \partial (HE)`: row :math:`r` receives the **sum** of the rows of
:math:`G` whose id is :math:`r` — a scatter-add (:func:`scatter_add_rows`), never a buffered
``E[ids] += G`` (which keeps only one of repeated ids).

Functions
---------
one_hot, embedding_lookup, lookup_gradient, scatter_add_rows   the lookup and its gradient
normalize_rows, nearest_neighbours                           cosine neighbours (semantic search)
project_2d                                                   PCA projection for a plot
item_feature_matrix, fit_ridge_map, predict_ridge_map,
cold_start_embeddings                                        embeddings of new items from features
"""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from recsys_lib import columns as C

__all__ = ["one_hot", "embedding_lookup", "lookup_gradient", "scatter_add_rows", "normalize_rows",
           "nearest_neighbours", "project_2d", "item_feature_matrix", "fit_ridge_map", "predict_ridge_map",
           "cold_start_embeddings"]


def _ids(ids, n: int, what: str = "ids") -> np.ndarray:
    arr = np.asarray(ids)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{what} must be integer row indices; got dtype {arr.dtype}")
    arr = arr.astype(np.int64).ravel()
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        bad = arr[(arr < 0) | (arr >= n)][:5].tolist()
        raise IndexError(f"{what} {bad} are outside 0 .. {n - 1}")
    return arr


# --------------------------------------------------------------------------------------------
# lookup
# --------------------------------------------------------------------------------------------
def one_hot(ids, n: int) -> np.ndarray:
    r"""The one-hot matrix :math:`H` of shape ``(len(ids), n)``: :math:`H_{br} = [\,\text{ids}_b = r\,]`
    (float64, one row per id, in the order given). ``one_hot(ids, n) @ E == E[ids]``.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be a non-negative integer; got {n!r}")
    r = _ids(ids, int(n))
    H = np.zeros((r.size, int(n)))
    H[np.arange(r.size), r] = 1.0
    return H


def embedding_lookup(E, ids) -> np.ndarray:
    """Rows ``E[ids]`` of the embedding table (a copy), shape ``ids.shape + (k,)``.
    Taught in module 07 (embeddings_matrix_factorization)."""
    E = np.asarray(E)
    if E.ndim != 2:
        raise ValueError(f"E must be a 2-D table (n ids, k dimensions); got shape {E.shape}")
    shape = np.shape(ids)
    return E[_ids(ids, E.shape[0])].reshape(shape + (E.shape[1],))


def scatter_add_rows(A: np.ndarray, rows, values) -> np.ndarray:
    r"""``A[rows[b]] += values[b]`` for every ``b``, **accumulating** repeated rows, in place;
    returns ``A``. (Unbuffered, like ``np.add.at(A, rows, values)``; done as a 1-D ``np.add.at`` on
    flat indices, several times faster than the 2-D form.) ``A`` must be a C-contiguous float array.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    if not (isinstance(A, np.ndarray) and A.flags.c_contiguous):
        raise ValueError("A must be a C-contiguous NumPy array (it is updated in place)")
    r = _ids(rows, A.shape[0], "rows")
    v = np.asarray(values, dtype=A.dtype)
    if A.ndim == 1:
        np.add.at(A, r, v.reshape(r.shape))
        return A
    _scatter_add_flat(A, r, v.reshape(r.size, int(np.prod(A.shape[1:]))))
    return A


def _scatter_add_flat(A: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``A[rows] += values`` accumulating repeats, for a C-contiguous ``A``, int64 ``rows`` and
    ``values`` of shape (len(rows), k) with k the size of a row of ``A``: one 1-D ``np.add.at`` on
    flat indices, no checks (the SGD step of :mod:`recsys_lib.models.factorization` calls it once
    per mini-batch)."""
    k = values.shape[1]
    np.add.at(A.reshape(-1), (rows[:, None] * k + np.arange(k)).ravel(), values.ravel())


def lookup_gradient(ids, grad_rows, n: int) -> np.ndarray:
    r""":math:`H^\top G`: the gradient with respect to an ``(n, k)`` embedding table of a loss whose
    gradient with respect to the looked-up rows ``E[ids]`` is ``grad_rows`` (``(len(ids), k)``).
    Repeated ids accumulate. Taught in module 07 (embeddings_matrix_factorization)."""
    G = np.asarray(grad_rows, dtype=np.float64)
    G = G.reshape(len(np.ravel(ids)), -1)
    return scatter_add_rows(np.zeros((int(n), G.shape[1])), ids, G)


# --------------------------------------------------------------------------------------------
# cosine neighbours
# --------------------------------------------------------------------------------------------
def normalize_rows(E) -> np.ndarray:
    r"""Rows scaled to unit Euclidean norm, :math:`E_r / \lVert E_r \rVert`; an all-zero row stays
    zero (its cosine with anything is defined as 0). Taught in module 07 (embeddings_matrix_factorization)."""
    E = np.asarray(E, dtype=np.float64)
    norms = np.linalg.norm(E, axis=-1, keepdims=True)
    return np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)


def nearest_neighbours(E, rows=None, n: int = 10, exclude_self: bool = True, candidates=None):
    r"""The ``n`` rows of ``E`` with the largest **cosine** similarity to each query row,
    best first: ``(indices, similarities)``, both of shape ``(len(rows), n)``.

    .. math::  \cos(e_a, e_b) = \frac{e_a^\top e_b}{\lVert e_a \rVert\,\lVert e_b \rVert}
               \quad (0 \text{ when a norm is } 0)

    ``rows`` are row indices of the queries (None: every row). With ``exclude_self`` a row is not
    its own neighbour. ``candidates`` (a boolean mask over the rows of ``E``, or row indices)
    restricts the rows that may be returned, e.g. to items with enough interactions for their
    embedding to mean something (None: every row). Ties are broken by the lower index; missing
    slots (``n`` larger than the candidates) hold index -1 and similarity 0. Vectorised: one matrix
    product of normalised rows.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    from recsys_lib.topk import top_k

    U = normalize_rows(E)
    if U.ndim != 2:
        raise ValueError(f"E must be 2-D (n rows, k dimensions); got shape {U.shape}")
    q = np.arange(U.shape[0]) if rows is None else _ids(rows, U.shape[0], "rows")
    S = U[q] @ U.T
    valid = np.ones(S.shape, dtype=bool)
    if candidates is not None:
        allowed = np.asarray(candidates)
        if allowed.dtype != bool:
            mask = np.zeros(U.shape[0], dtype=bool)
            mask[_ids(allowed, U.shape[0], "candidates")] = True
            allowed = mask
        elif allowed.shape != (U.shape[0],):
            raise ValueError(f"candidates must be a boolean mask of shape ({U.shape[0]},); got {allowed.shape}")
        valid &= allowed[None, :]
    if exclude_self:
        valid[np.arange(q.size), q] = False
    idx = top_k(S, n, valid=valid)
    sims = np.where(idx >= 0, np.take_along_axis(S, np.maximum(idx, 0), axis=1), 0.0)
    return idx, sims


def project_2d(E) -> np.ndarray:
    r"""The rows of ``E`` projected on their first two principal components (PCA by the SVD of
    the centred table, :math:`E - \bar e = U \Sigma V^\top`, coordinates :math:`U_{:, :2}\Sigma_{:2}`),
    shape ``(n, 2)``. The sign of each axis is fixed (its largest loading is positive), so the
    picture is deterministic. Taught in module 07 (embeddings_matrix_factorization)."""
    E = np.asarray(E, dtype=np.float64)
    if E.ndim != 2 or E.shape[1] < 2:
        raise ValueError(f"E must be 2-D with at least 2 columns; got shape {E.shape}")
    Z = E - E.mean(axis=0)
    _, _, Vt = np.linalg.svd(Z, full_matrices=False)
    V = Vt[:2].T
    V = V * np.sign(V[np.abs(V).argmax(axis=0), [0, 1]])
    return Z @ V


# --------------------------------------------------------------------------------------------
# cold start: item features -> item embedding
# --------------------------------------------------------------------------------------------
def item_feature_matrix(items: pd.DataFrame, fit_rows=None, n_price_buckets: int = 5):
    r"""Content features of items for cold start: one-hot top-level category, one-hot leaf
    category, one-hot brand, one-hot price bucket (equal-frequency edges fitted on ``fit_rows``)
    and the standardised log price (mean and scale from ``fit_rows``).

    Vocabularies, bucket edges and scaling come from the items ``fit_rows`` (a boolean mask or
    row positions; None = all), so features of new items never influence them. Returns
    ``(F, names)``: a float64 array (n_items, n_features) in the row order of ``items``, and the
    feature names. Built with module 03's encoders (``category_one_hot``, ``price_buckets``).

    Taught in module 07 (embeddings_matrix_factorization).
    """
    from recsys_lib.features import category_one_hot, price_buckets

    fit = np.ones(len(items), dtype=bool) if fit_rows is None else np.zeros(len(items), dtype=bool)
    if fit_rows is not None:
        fit[np.asarray(fit_rows)] = True
    if not fit.any():
        raise ValueError("fit_rows selects no item")
    cats = items[C.CATEGORY]
    blocks = []
    for level in ("top", "leaf"):
        vocab = category_one_hot(cats[fit], level=level).columns.str.split("=", n=1).str[1]
        blocks.append(category_one_hot(cats, level=level, vocabulary=vocab))
    brands = pd.Index(np.sort(items[C.BRAND][fit].astype(str).unique()))
    code = brands.get_indexer(items[C.BRAND].astype(str))
    brand = np.zeros((len(items), brands.size))
    brand[np.flatnonzero(code >= 0), code[code >= 0]] = 1.0
    blocks.append(pd.DataFrame(brand, columns=[f"brand={b}" for b in brands], index=items.index))
    price = items[C.PRICE].to_numpy(dtype=np.float64)
    _, edges = price_buckets(price[fit], n_buckets=n_price_buckets)
    codes, _ = price_buckets(price, edges=edges)
    bucket = np.zeros((len(items), edges.size + 1))
    bucket[np.arange(len(items)), codes] = 1.0
    blocks.append(pd.DataFrame(bucket, columns=[f"price_bucket={b}" for b in range(edges.size + 1)],
                               index=items.index))
    logp = np.log(price)
    mu, sd = logp[fit].mean(), logp[fit].std()
    blocks.append(pd.DataFrame({"log_price_std": (logp - mu) / (sd if sd > 0 else 1.0)}, index=items.index))
    frame = pd.concat(blocks, axis=1)
    return frame.to_numpy(dtype=np.float64), list(frame.columns)


def fit_ridge_map(F, T, alpha: float = 1.0) -> np.ndarray:
    r"""Ridge regression from features to embeddings, with an unpenalised intercept.

    With :math:`\tilde F = [\mathbf 1, F]` (a column of ones first) and :math:`D = \mathrm{diag}(0, 1,
    \dots, 1)`:

    .. math::  W = \arg\min_W \lVert \tilde F W - T \rVert_F^2 + \alpha \lVert D W \rVert_F^2
               = (\tilde F^\top \tilde F + \alpha D)^{-1} \tilde F^\top T

    ``F`` is (m, f), ``T`` (m, t); returns ``W`` of shape (f + 1, t), intercept row first.
    Taught in module 07 (embeddings_matrix_factorization).
    """
    F = np.asarray(F, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if F.ndim != 2 or T.ndim != 2 or F.shape[0] != T.shape[0]:
        raise ValueError(f"F (m, f) and T (m, t) must have the same number of rows; got {F.shape}, {T.shape}")
    if not (isinstance(alpha, numbers.Real) and alpha >= 0):
        raise ValueError(f"alpha must be a number >= 0; got {alpha!r}")
    A = np.column_stack([np.ones(F.shape[0]), F])
    D = np.eye(A.shape[1])
    D[0, 0] = 0.0
    return np.linalg.lstsq(A.T @ A + float(alpha) * D, A.T @ T, rcond=None)[0]


def predict_ridge_map(F, W) -> np.ndarray:
    """``[1, F] @ W``: embeddings predicted from features by :func:`fit_ridge_map`'s ``W``.
    Taught in module 07 (embeddings_matrix_factorization)."""
    F = np.asarray(F, dtype=np.float64)
    return W[0] + F @ W[1:]


def cold_start_embeddings(F, T, known, alpha: float = 1.0) -> np.ndarray:
    r"""Embeddings of the items **not** in ``known`` (a boolean mask over the rows of ``F`` / ``T``),
    predicted from their features by a ridge map fitted on the ``known`` items only (the new
    items' rows of ``T`` are never used: no leakage). Returns an array (n_new, t) in row order.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    known = np.asarray(known, dtype=bool)
    F = np.asarray(F, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if known.shape != (F.shape[0],):
        raise ValueError(f"known must be a boolean mask of shape ({F.shape[0]},); got {known.shape}")
    W = fit_ridge_map(F[known], T[known], alpha)
    return predict_ridge_map(F[~known], W)
