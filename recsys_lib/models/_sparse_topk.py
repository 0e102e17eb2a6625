"""Top-K selection among the nonzeros of sparse score matrices, vectorised (no loop over rows).

Internal helpers of the recommenders (module 04 on); the dense top-K is :func:`recsys_lib.topk.top_k`.
Ties are broken by column index, lower first, as in :func:`recsys_lib.topk.top_k`.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

def _rowwise_top(rows, cols, vals, k):
    """Select the ``k`` largest ``vals`` per row among sparse entries (row, col, val), vectorised.

    ``vals`` must be positive and finite; entries may come in any order. Returns ``(idx, rank)``:
    positions of the selected entries, ordered by row, then value descending, then column
    ascending (the deterministic tie-break), and their 0-based rank within the row.

    One ``argsort`` of an int64 key ``row << b | (bits of -val)``: the IEEE-754 bit pattern of a
    positive float, read as an integer, increases with the value, so its top bits (all that fit
    next to the row number) order the values. Entries that share a key (exact ties, or values
    equal in those top bits) are then re-sorted exactly by (value desc, column) -- only the
    groups that can reach the top ``k`` and are out of order, usually a tiny fraction.
    """
    if vals.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows = rows.astype(np.int64, copy=False)
    kept = _prefilter(rows, vals, k)
    if kept is not None:
        idx, rank = _rowwise_top(rows[kept], cols[kept], vals[kept], k)
        return kept[idx], rank
    row_bits = max(1, int(rows.max()).bit_length())
    val_bits = 63 - row_bits
    q = vals.astype(np.float64, copy=False).view(np.int64) >> (63 - val_bits)
    key = (rows << val_bits) | (((1 << val_bits) - 1) - q)
    order = np.argsort(key, kind="stable")
    ks = key[order]
    rows_s = rows[order]
    new_row = np.ones(ks.size, dtype=bool)
    new_row[1:] = rows_s[1:] != rows_s[:-1]
    starts = np.flatnonzero(new_row)
    rank = np.arange(ks.size) - np.repeat(starts, np.diff(np.append(starts, ks.size)))
    # groups of equal keys that start inside the top k and are not in exact (value desc, col) order
    same = ks[1:] == ks[:-1]
    if same.any():
        vs, cs = vals[order], cols[order]
        wrong = same & ((vs[1:] > vs[:-1]) | ((vs[1:] == vs[:-1]) & (cs[1:] < cs[:-1])))
        new_group = np.ones(ks.size, dtype=bool)
        new_group[1:] = ~same
        group = np.cumsum(new_group) - 1
        group_rank = rank[np.flatnonzero(new_group)]  # rank of each group's first entry
        g = group[1:][wrong]
        g = g[group_rank[g] < k]
        if g.size:
            bad = np.zeros(group_rank.size, dtype=bool)
            bad[g] = True
            pos = np.flatnonzero(bad[group])  # contiguous runs, in sorted order
            sub = order[pos]
            order[pos] = sub[np.lexsort((cols[sub], -vals[sub], group[pos]))]
    sel = rank < k
    return order[sel], rank[sel]


def _prefilter(rows, vals, k, n_buckets=256):
    """Positions of the entries that can still be among the top ``k`` of their row, or None.

    A one-pass radix-select: each positive value goes to a coarse bucket (its float exponent and
    4 mantissa bits, so 16 buckets per factor of 2; the lowest bucket also collects everything
    smaller), a per-row histogram gives the highest bucket ``t_r`` with at least ``k`` entries
    at or above it, and only entries in buckets >= ``t_r`` are kept. Exact: every entry of the
    top ``k`` survives. Returns None when filtering would not pay (few entries per row).
    """
    n_rows = int(rows.max()) + 1
    if vals.size <= 4 * k * n_rows or n_rows * n_buckets > 50_000_000:
        return None
    b = vals.astype(np.float64, copy=False).view(np.int64) >> 48
    b = np.maximum(b - (int(b.max()) - (n_buckets - 1)), 0)  # 0 .. n_buckets-1, top = largest
    hist = np.bincount(rows * n_buckets + b, minlength=n_rows * n_buckets).reshape(n_rows, n_buckets)
    at_or_above = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]  # entries in buckets >= t
    thr = np.maximum((at_or_above >= k).sum(axis=1) - 1, 0)
    kept = np.flatnonzero(b >= thr[rows])
    return kept if kept.size < 0.8 * vals.size else None


def _top_k_csr(M: sp.csr_matrix, k: int) -> np.ndarray:
    """Top-``k`` column indices of each row of a sparse score matrix (only entries > 0), -1 padded."""
    M = M.tocsr()
    n = M.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(M.indptr))
    keep = M.data > 0
    rows, cols, vals = rows[keep], M.indices[keep].astype(np.int64), M.data[keep]
    idx, rank = _rowwise_top(rows, cols, vals, k)
    out = np.full((n, k), -1, dtype=np.int64)
    out[rows[idx], rank] = cols[idx]
    return out


def _fill_from_order(out, order, exclude_rows=None, exclude_cols=None):
    """Fill the -1 slots of ``out`` (n, k) row by row with the first items of the global ranking
    ``order`` that the row does not already hold and that are not excluded.

    ``out`` must hold its filled slots first (a prefix per row). ``exclude_rows`` /
    ``exclude_cols`` list excluded (row, item) pairs. Vectorised: only a prefix of ``order`` long
    enough for the row with the most exclusions is examined.
    """
    n, k = out.shape
    have = (out >= 0).sum(axis=1)
    need = k - have
    if n == 0 or not need.any() or order.size == 0:
        return out
    ex_r = np.repeat(np.arange(n), k)[out.ravel() >= 0]
    ex_c = out.ravel()[out.ravel() >= 0]
    if exclude_rows is not None:
        ex_r = np.concatenate([ex_r, exclude_rows])
        ex_c = np.concatenate([ex_c, exclude_cols])
    n_ex = np.bincount(ex_r, minlength=n)
    width = int(min(order.size, (need + n_ex).max()))
    pos = np.full(int(max(order.max(), ex_c.max(initial=0))) + 1, width, dtype=np.int64)
    pos[order[:width]] = np.arange(width)
    blocked = np.zeros((n, width + 1), dtype=bool)  # last column collects items beyond the prefix
    blocked[ex_r, pos[ex_c]] = True
    avail = ~blocked[:, :width]
    cum = np.cumsum(avail, axis=1)
    take = avail & (cum <= need[:, None])
    r, c = np.nonzero(take)
    out[r, have[r] + cum[r, c] - 1] = order[c]
    return out



