r"""Full-catalogue ranking metrics straight from the scores, without sorting the catalogue.

Taught in module 08 (embedding_lstm_recommender).

A next-item model scores every item of the catalogue; each case has one target. Its **rank** is
one plus the number of items ranked above it; with the course's tie rule (equal scores: the lower
item column first, as :func:`recsys_lib.topk.top_k` does)

.. math::

    r = 1 + |\{j : s_j > s_t\}| + |\{j < t : s_j = s_t\}| ,

an :math:`O(n_\text{items})` count per case instead of a sort. With one relevant item per case

.. math::

    \mathrm{HR@K} = [r \le K], \qquad \mathrm{NDCG@K} = \frac{[r \le K]}{\log_2(r + 1)}, \qquad
    \mathrm{MRR@K} = \frac{[r \le K]}{r}

(the ideal DCG is 1: the target at rank 1), averaged over the cases. These equal module 04's
:func:`recsys_lib.evaluation.ranking_report` on ``top_k(scores, K)`` (a test checks). A target whose
score is NaN or :math:`-\infty`, or whose column is -1 (an item the model does not know), is never
a hit (rank :math:`n_\text{items} + 1`).
"""
from __future__ import annotations

import numpy as np

from recsys_lib.topk import check_positive_int

__all__ = ["target_ranks", "full_catalogue_metrics"]


def target_ranks(scores, targets, batch_size: int = 4096) -> np.ndarray:
    """The 1-based rank of each case's target column among all columns of ``scores`` (int64,
    ``(n_cases,)``; ties: lower column first; ``n_items + 1`` for a target that cannot be ranked).

    Taught in module 08 (embedding_lstm_recommender).
    """
    S = np.asarray(scores, dtype=np.float64)
    if S.ndim != 2:
        raise ValueError(f"scores must be 2-D (n_cases, n_items); got shape {S.shape}")
    t = np.asarray(targets, dtype=np.int64).ravel()
    if t.size != S.shape[0]:
        raise ValueError(f"one target per row of scores is needed; got {t.size} targets for {S.shape[0]} rows")
    n, m = S.shape
    ranks = np.full(n, m + 1, dtype=np.int64)
    valid = (t >= 0) & (t < m)
    cols = np.arange(m)
    for lo in range(0, n, int(batch_size)):
        sl = slice(lo, lo + int(batch_size))
        block = np.where(np.isnan(S[sl]), -np.inf, S[sl])
        tt = np.where(valid[sl], t[sl], 0)
        st = block[np.arange(block.shape[0]), tt][:, None]
        above = (block > st) | ((block == st) & (cols[None, :] < tt[:, None]))
        r = 1 + above.sum(axis=1)
        ok = valid[sl] & np.isfinite(st[:, 0])
        ranks[sl] = np.where(ok, r, m + 1)
    return ranks


def full_catalogue_metrics(scores, targets, k: int = 10) -> dict[str, float]:
    """``{"hr": HR@k, "ndcg": NDCG@k, "mrr": MRR@k}`` averaged over the cases (see the module
    docstring), from dense scores ``(n_cases, n_items)`` and one target column per case.

    Taught in module 08 (embedding_lstm_recommender).
    """
    check_positive_int(k, "k")
    r = target_ranks(scores, targets).astype(np.float64)
    hit = r <= k
    if r.size == 0:
        return {"hr": float("nan"), "ndcg": float("nan"), "mrr": float("nan")}
    return {"hr": float(hit.mean()), "ndcg": float(np.where(hit, 1.0 / np.log2(r + 1.0), 0.0).mean()),
            "mrr": float(np.where(hit, 1.0 / r, 0.0).mean())}
