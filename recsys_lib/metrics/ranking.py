"""Top-K ranking metrics for recommendation: HR@K, precision@K, recall@K, NDCG@K and MRR.

Taught in module 04 (knn_collaborative_filtering).

All metrics share one calling convention and are fully vectorised (no Python loop over cases)::

    metric(ranked, relevant, k=None, per_case=False)

``ranked``
    2-D integer array of shape ``(n_cases, L)``: the recommended item ids of each case, best first.
    ``-1`` is padding ("no item") and never counts as a hit; padding may appear anywhere in a row.
    Any other negative id is an error, and so is the same item id twice in one row (it would be
    counted twice and push recall above 1).
``relevant``
    the held-out items of each case, binary relevance, in one of three forms:

    * a 1-D integer array (or list / Series) of length ``n_cases``: exactly one relevant item per
      case (leave-one-out evaluation);
    * a sequence of length ``n_cases`` of iterables of item ids (lists, sets, arrays): several
      relevant items per case; duplicates inside one case are counted once;
    * a 2-D integer array of shape ``(n_cases, R)`` padded with ``-1``: several relevant items per
      case, same meaning as the sequence form.

    Every case must have at least one relevant item: a case with an empty relevant set has no
    defined recall or NDCG, so the metrics **raise** ``ValueError`` naming the first such case.
    Drop those cases before evaluating (they carry no information about ranking quality).
``k``
    cut-off; ``None`` means ``L`` (the whole list). ``k`` larger than ``L`` is allowed and means the
    list is treated as padded with ``-1`` up to length ``k``: positions beyond ``L`` never hit, but
    precision still divides by ``k`` and the ideal DCG still has ``min(|R|, k)`` hits.
``per_case``
    ``False`` (default) returns the mean over cases as a Python ``float``; ``True`` returns the
    per-case values as a float64 array of shape ``(n_cases,)``.

Notation: for case :math:`u`, :math:`R_u` is the set of relevant items, :math:`i_{u,r}` the item at
rank :math:`r` (1-based) and :math:`\\mathrm{rel}_{u,r} = [i_{u,r} \\in R_u]` the binary hit
indicator.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["hit_rate_at_k", "precision_at_k", "recall_at_k", "ndcg_at_k", "mrr"]

PAD = -1


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def _check_ranked(ranked) -> np.ndarray:
    arr = np.asarray(ranked)
    if arr.ndim != 2:
        hint = " (for a single case use ranked[None, :])" if arr.ndim == 1 else ""
        raise ValueError(
            f"ranked must be a 2-D array of shape (n_cases, L); got {arr.ndim}-D shape {arr.shape}{hint}"
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"ranked must hold integer item ids; got dtype {arr.dtype}")
    if arr.shape[0] == 0:
        raise ValueError("ranked has 0 cases (rows): the mean over cases is undefined")
    arr = arr.astype(np.int64, copy=False)
    bad = arr < PAD
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"ranked contains the negative item id {arr[r, c]} at case {r}, position {c}; "
            f"only {PAD} is allowed (as padding)"
        )
    if arr.shape[1] > 1:
        srt = np.sort(arr, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] != PAD)
        if dup.any():
            r, c = np.argwhere(dup)[0]
            raise ValueError(
                f"ranked case {r} recommends item {srt[r, c + 1]} more than once; "
                "each item may appear at most once per row"
            )
    return arr


def _check_k(k, n_cols: int) -> int:
    if k is None:
        if n_cols == 0:
            raise ValueError("ranked has 0 columns and k is None: give k explicitly")
        return n_cols
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be a positive integer or None; got {k!r} of type {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    return int(k)


def _relevant_pairs(relevant, n_cases: int):
    """Return (case index, item id) pairs of relevant items, de-duplicated, and |R_u| per case.

    Returns ``(single, cases, items, n_rel)``; when ``single`` is True, ``items`` is the 1-D array
    with one item per case and ``cases`` is None.
    """
    arr = None
    if isinstance(relevant, np.ndarray) or hasattr(relevant, "to_numpy"):
        arr = np.asarray(relevant)
    elif isinstance(relevant, (str, bytes)) or not isinstance(relevant, Iterable):
        raise TypeError(
            "relevant must be a 1-D array of item ids (one per case) or a sequence of iterables "
            f"of item ids; got {type(relevant).__name__}"
        )
    else:
        relevant = list(relevant)
        try:
            arr = np.asarray(relevant)
        except ValueError:  # ragged nested lists
            arr = None
        if arr is not None and arr.dtype == object:
            arr = None

    if arr is not None and arr.dtype != object:
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"relevant must hold integer item ids; got dtype {arr.dtype}")
        if arr.ndim not in (1, 2):
            raise ValueError(
                f"relevant must be 1-D (one item per case) or 2-D padded with -1; got shape {arr.shape}"
            )
        if arr.shape[0] != n_cases:
            raise ValueError(
                f"relevant has {arr.shape[0]} cases but ranked has {n_cases} rows; they must match"
            )
        arr = arr.astype(np.int64, copy=False)
        if arr.ndim == 1:
            if (arr < 0).any():
                i = int(np.flatnonzero(arr < 0)[0])
                raise ValueError(
                    f"relevant[{i}] = {arr[i]} is negative: every case needs a relevant item id >= 0 "
                    "(cases without a held-out item must be dropped before evaluation)"
                )
            return True, None, arr, np.ones(n_cases, dtype=np.int64)
        if (arr < PAD).any():
            r, c = np.argwhere(arr < PAD)[0]
            raise ValueError(f"relevant contains the negative item id {arr[r, c]} at case {r}; only -1 (padding) is allowed")
        cases = np.repeat(np.arange(n_cases, dtype=np.int64), arr.shape[1])
        items = arr.ravel()
        keep = items != PAD
        cases, items = cases[keep], items[keep]
    else:
        seq = relevant if isinstance(relevant, list) else list(relevant)
        if len(seq) != n_cases:
            raise ValueError(f"relevant has {len(seq)} cases but ranked has {n_cases} rows; they must match")
        parts = []
        for i, r in enumerate(seq):  # input conversion only; all computation below is vectorised
            if isinstance(r, (str, bytes)) or not isinstance(r, Iterable):
                raise TypeError(
                    f"relevant[{i}] is a {type(r).__name__}, not an iterable of item ids; "
                    "mix of scalars and collections is not allowed"
                )
            a = np.asarray(r if isinstance(r, np.ndarray) else list(r))
            if a.size and not np.issubdtype(a.dtype, np.integer):
                raise TypeError(f"relevant[{i}] must hold integer item ids; got dtype {a.dtype}")
            parts.append(a.astype(np.int64).ravel())
        lengths = np.fromiter((p.size for p in parts), dtype=np.int64, count=n_cases)
        items = np.concatenate(parts) if parts else np.empty(0, np.int64)
        cases = np.repeat(np.arange(n_cases, dtype=np.int64), lengths)
        if (items < 0).any():
            j = int(np.flatnonzero(items < 0)[0])
            raise ValueError(f"relevant[{cases[j]}] contains the negative item id {items[j]}")

    # de-duplicate (case, item) pairs
    if items.size:
        order = np.lexsort((items, cases))
        cases, items = cases[order], items[order]
        new = np.ones(items.size, dtype=bool)
        new[1:] = (cases[1:] != cases[:-1]) | (items[1:] != items[:-1])
        cases, items = cases[new], items[new]
    n_rel = np.bincount(cases, minlength=n_cases).astype(np.int64)
    return False, cases, items, n_rel


def _hits(ranked, relevant, k):
    """Boolean hit matrix ``(n_cases, min(k, L))``, the cut-off ``k`` and ``|R_u|`` per case."""
    ranked = _check_ranked(ranked)
    n, L = ranked.shape
    k = _check_k(k, L)
    single, cases, items, n_rel = _relevant_pairs(relevant, n)
    if (n_rel == 0).any():
        i = int(np.flatnonzero(n_rel == 0)[0])
        raise ValueError(
            f"case {i} has an empty relevant set ({int((n_rel == 0).sum())} such cases in total): "
            "recall and NDCG are undefined there; drop those cases before evaluating"
        )
    top = ranked[:, : min(k, L)]
    valid = top != PAD
    if single:
        hits = (top == items[:, None]) & valid
    else:
        # encode (case, item) as one int64 and test membership with a sort-based np.isin
        m = int(max(top.max(initial=0), items.max(initial=0))) + 1
        if n * m >= np.iinfo(np.int64).max:
            raise OverflowError("item ids too large to encode (case, item) pairs in int64")
        row = np.arange(n, dtype=np.int64)[:, None]
        codes = np.where(valid, row * m + top, -1)
        hits = np.isin(codes, cases * m + items) & valid
    return hits, k, n_rel


def _discounts(length: int) -> np.ndarray:
    """:math:`1/\\log_2(r+1)` for ranks :math:`r = 1..length`."""
    return 1.0 / np.log2(np.arange(2, length + 2, dtype=np.float64))


def _reduce(values: np.ndarray, per_case: bool):
    return values if per_case else float(values.mean())


# --------------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------------
def hit_rate_at_k(ranked, relevant, k=None, per_case=False):
    r"""Hit rate at K (HR@K): did any relevant item make it into the top K?

    .. math::

        \mathrm{HR@K}(u) = \left[\, \sum_{r=1}^{K} \mathrm{rel}_{u,r} \ge 1 \right],
        \qquad \mathrm{HR@K} = \frac{1}{|U|} \sum_u \mathrm{HR@K}(u)

    With one relevant item per case (leave-one-out) HR@K equals recall@K.
    See the module docstring for the shapes of ``ranked`` / ``relevant`` and the handling of
    padding (-1), empty relevant sets (ValueError) and ``k > L``.

    Taught in module 04 (knn_collaborative_filtering).

    Returns the mean over cases (``float``) or, with ``per_case=True``, an array ``(n_cases,)``.
    """
    hits, _, _ = _hits(ranked, relevant, k)
    return _reduce(hits.any(axis=1).astype(np.float64), per_case)


def precision_at_k(ranked, relevant, k=None, per_case=False):
    r"""Precision at K: the fraction of the K recommended slots that hold a relevant item.

    .. math::

        \mathrm{P@K}(u) = \frac{1}{K} \sum_{r=1}^{K} \mathrm{rel}_{u,r}

    The denominator is always ``K`` (also when the list is shorter than ``K`` or padded with -1:
    an empty slot is a wasted slot).

    Taught in module 04 (knn_collaborative_filtering).

    Returns the mean over cases (``float``) or, with ``per_case=True``, an array ``(n_cases,)``.
    """
    hits, k, _ = _hits(ranked, relevant, k)
    return _reduce(hits.sum(axis=1) / k, per_case)


def recall_at_k(ranked, relevant, k=None, per_case=False):
    r"""Recall at K: the fraction of a case's relevant items found in the top K.

    .. math::

        \mathrm{R@K}(u) = \frac{1}{|R_u|} \sum_{r=1}^{K} \mathrm{rel}_{u,r}

    Note the denominator is :math:`|R_u|`, not :math:`\min(|R_u|, K)`: with more relevant items
    than slots, recall@K cannot reach 1.

    Taught in module 04 (knn_collaborative_filtering).

    Returns the mean over cases (``float``) or, with ``per_case=True``, an array ``(n_cases,)``.
    """
    hits, _, n_rel = _hits(ranked, relevant, k)
    return _reduce(hits.sum(axis=1) / n_rel, per_case)


def ndcg_at_k(ranked, relevant, k=None, per_case=False):
    r"""Normalised discounted cumulative gain at K, binary relevance.

    .. math::

        \mathrm{DCG@K}(u) = \sum_{r=1}^{K} \frac{\mathrm{rel}_{u,r}}{\log_2(r+1)}, \qquad
        \mathrm{IDCG@K}(u) = \sum_{r=1}^{\min(|R_u|,\,K)} \frac{1}{\log_2(r+1)}, \qquad
        \mathrm{NDCG@K}(u) = \frac{\mathrm{DCG@K}(u)}{\mathrm{IDCG@K}(u)}

    The ideal list puts :math:`\min(|R_u|, K)` hits at the top, so NDCG@K is 1 exactly when the
    first :math:`\min(|R_u|, K)` slots are all relevant. The discount is
    :math:`\log_2(r+1)` (rank 1 is undiscounted), not :math:`\log_2 r`.

    Taught in module 04 (knn_collaborative_filtering).

    Returns the mean over cases (``float``) or, with ``per_case=True``, an array ``(n_cases,)``.
    """
    hits, k, n_rel = _hits(ranked, relevant, k)
    disc = _discounts(hits.shape[1])
    dcg = hits.astype(np.float64) @ disc
    n_ideal = np.minimum(n_rel, k)
    ideal_cum = np.concatenate(([0.0], np.cumsum(_discounts(int(n_ideal.max())))))
    return _reduce(dcg / ideal_cum[n_ideal], per_case)


def mrr(ranked, relevant, k=None, per_case=False):
    r"""Mean reciprocal rank: one over the rank of the first relevant item (0 if none in the top K).

    .. math::

        \mathrm{RR}(u) = \begin{cases} 1 / r_u^{*} & \text{if } r_u^{*} \le K \\ 0 & \text{otherwise}
        \end{cases}, \qquad r_u^{*} = \min\{\, r : \mathrm{rel}_{u,r} = 1 \,\}, \qquad
        \mathrm{MRR} = \frac{1}{|U|} \sum_u \mathrm{RR}(u)

    ``k=None`` (the default) uses the whole list. With several relevant items only the first hit
    counts.

    Taught in module 04 (knn_collaborative_filtering).

    Returns the mean over cases (``float``) or, with ``per_case=True``, an array ``(n_cases,)``.
    """
    hits, _, _ = _hits(ranked, relevant, k)
    if hits.shape[1] == 0:
        return _reduce(np.zeros(hits.shape[0]), per_case)
    any_hit = hits.any(axis=1)
    first = hits.argmax(axis=1) + 1  # 1-based rank of the first hit (argmax of all-False is 0)
    return _reduce(np.where(any_hit, 1.0 / first, 0.0), per_case)
