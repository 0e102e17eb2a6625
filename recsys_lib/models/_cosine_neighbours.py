"""The ``n`` most cosine-similar rows of every row of a sparse matrix, in memory-bounded blocks.

Internal helper of :class:`~recsys_lib.models.ItemKNNRecommender` and
:class:`~recsys_lib.models.UserKNNRecommender` (module 04, knn_collaborative_filtering).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys_lib.models._sparse_topk import _rowwise_top

#: target number of co-occurrence entries per similarity block (bounds the memory of fit)
_BLOCK_ENTRIES = 5_000_000


def _topn_cosine(A: sp.csr_matrix, n_neighbors: int, shrinkage: float, block_size, progress, what):
    r"""Sparse matrix ``W`` (n x n) whose row ``j`` holds the top ``n_neighbors`` rows of ``A``
    most similar to row ``j`` (self excluded, only positive similarities kept), with

    .. math:: \mathrm{sim}(i, j) = \frac{a_i \cdot a_j}{\lVert a_i \rVert\, \lVert a_j \rVert + h}

    Computed in blocks of rows: ``A[block] @ A.T`` (sparse x sparse), divided by the norms on its
    nonzeros only and pruned to the top ``n_neighbors`` per row before the next block, so memory
    is bounded by one block's co-occurrences plus the kept neighbours, whatever n is. Blocks are
    sized so that each holds about ``_BLOCK_ENTRIES`` co-occurrences (or ``block_size`` rows).
    """
    n = A.shape[0]
    norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=1), dtype=np.float64).ravel())
    At = A.T.tocsr()
    bounds = _block_bounds(A, At, block_size)
    n_blocks = bounds.size - 1
    show = (n_blocks > 4) if progress is None else bool(progress)
    blocks = zip(bounds[:-1], bounds[1:])
    if show:
        from tqdm.auto import tqdm

        blocks = tqdm(blocks, total=n_blocks, desc=f"{what} similarities", unit="block")
    rows_out, cols_out, vals_out = [], [], []
    for start, stop in blocks:
        G = (A[start:stop] @ At).tocsr()  # (b, n) co-occurrences a_j . a_i (no duplicates)
        r = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(G.indptr))
        c = G.indices.astype(np.int64)
        denom = norms[r] * norms[c] + shrinkage
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(denom > 0, G.data / denom, 0.0)
        keep = (v > 0) & (r != c)  # an entity is not its own neighbour
        r, c, v = r[keep], c[keep], v[keep]
        idx, _ = _rowwise_top(r - start, c, v, n_neighbors)
        rows_out.append(r[idx])
        cols_out.append(c[idx])
        vals_out.append(v[idx])
    if rows_out:
        rows, cols, vals = map(np.concatenate, (rows_out, cols_out, vals_out))
    else:
        rows = cols = np.empty(0, np.int64)
        vals = np.empty(0, np.float64)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def _block_bounds(A, At, block_size):
    r"""Row boundaries of the similarity blocks: fixed ``block_size`` rows, or (None) blocks of
    about ``_BLOCK_ENTRIES`` co-occurrences each, from an upper bound per row
    (:math:`\sum_{f \in a_j} \mathrm{nnz}(f)`, capped at n)."""
    n = A.shape[0]
    if block_size is not None:
        return np.append(np.arange(0, n, block_size), n)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    feat_nnz = np.diff(At.indptr).astype(np.float64)
    B = A.copy()
    B.data = np.ones_like(B.data)
    per_row = np.minimum(np.asarray(B @ feat_nnz).ravel(), n)
    cum = np.cumsum(per_row)
    # block b covers the rows whose cumulative count falls in [b, b+1) * budget (>= 1 row each)
    cuts = np.searchsorted(cum, np.arange(1, int(cum[-1] // _BLOCK_ENTRIES) + 1) * _BLOCK_ENTRIES, side="right")
    return np.unique(np.concatenate(([0], cuts, [n])))


