r"""Re-ranking a candidate list: maximal marginal relevance (diversity) and personalised search.

Taught in module 09 (from_model_to_product).

**MMR** (Carbonell & Goldstein, 1998). Given candidates :math:`c_1, \dots, c_m` of one user with
relevance :math:`s_j` (scaled to [0, 1] within the list) and a similarity :math:`\mathrm{sim}(i, j)`, MMR
builds the list greedily: at step :math:`t` it appends

.. math::  j_t = \arg\max_{j \notin S_{t-1}} \Big[ \lambda\, s_j - (1 - \lambda) \max_{i \in S_{t-1}}
           \mathrm{sim}(j, i) \Big], \qquad S_t = S_{t-1} \cup \{j_t\},

with :math:`\max_{i \in \emptyset} = 0` (the first pick is the most relevant); :math:`\lambda = 1`
keeps the relevance order, smaller :math:`\lambda` trades relevance for diversity. Ties go to the
earlier candidate. With categories, :math:`\mathrm{sim}(i, j) = [\text{cat}(i) = \text{cat}(j)]`;
with embeddings :math:`e_i`, the cosine of :math:`e_i` and :math:`e_j`.

**Personalised search**: keyword scores :math:`k_{qj}` of the candidates of query :math:`q` plus
:math:`w` times a personal score :math:`\langle p_u, q_j\rangle + b_j` of the user's embedding
(module 07's BPR-MF or module 08's sequence model), re-ranked by the sum.
"""
from __future__ import annotations

import numpy as np

from recsys_lib.topk import top_k

__all__ = ["scale_relevance", "mmr_rerank", "personalised_rerank"]


def scale_relevance(scores, valid=None) -> np.ndarray:
    """Min-max scale each row of ``scores`` to [0, 1] over its ``valid`` entries (a constant row -> 1).
    Taught in module 09 (from_model_to_product)."""
    s = np.array(scores, dtype=np.float64)
    valid = np.isfinite(s) if valid is None else np.asarray(valid, dtype=bool) & np.isfinite(s)
    lo = np.where(valid, s, np.inf).min(axis=1, keepdims=True)
    hi = np.where(valid, s, -np.inf).max(axis=1, keepdims=True)
    span = hi - lo
    out = np.where(span > 0, (s - lo) / np.where(span > 0, span, 1.0), 1.0)
    return np.where(valid, out, np.nan)


def mmr_rerank(candidates, relevance, similarity_key, k: int, lam: float = 0.7) -> np.ndarray:
    """MMR re-ranking (module docstring), vectorised over users (the loop runs over the ``k`` picks).

    Parameters
    ----------
    candidates : int array (n, m) of item ids, best first; ``-1`` = no candidate.
    relevance : float array (n, m), the candidates' relevance, already scaled to [0, 1].
    similarity_key : array (n, m) of category codes (similarity = same code), or (n, m, d) of
        embeddings (similarity = cosine).
    k : length of the re-ranked lists (``-1`` padded when a user has fewer candidates).
    lam : the trade-off :math:`\\lambda` in [0, 1].

    Returns an int array (n, k) of item ids. Taught in module 09 (from_model_to_product).
    """
    cand = np.asarray(candidates)
    rel = np.asarray(relevance, dtype=np.float64)
    key = np.asarray(similarity_key)
    if cand.ndim != 2 or rel.shape != cand.shape or key.shape[:2] != cand.shape:
        raise ValueError(f"candidates (n, m), relevance (n, m) and similarity_key (n, m[, d]) must match; "
                         f"got {cand.shape}, {rel.shape}, {key.shape}")
    if not 0.0 <= float(lam) <= 1.0:
        raise ValueError(f"lam must be in [0, 1]; got {lam!r}")
    n, m = cand.shape
    if key.ndim == 3:
        norm = np.linalg.norm(key, axis=2, keepdims=True)
        key = np.divide(key, norm, out=np.zeros(key.shape, dtype=np.float64), where=norm > 0)
    available = cand != -1
    max_sim = np.full((n, m), -np.inf)            # max over the chosen items (none yet)
    out = np.full((n, int(k)), -1, dtype=cand.dtype if cand.dtype.kind in "iu" else np.int64)
    rows = np.arange(n)
    for t in range(int(k)):
        penalty = max_sim if t else 0.0            # max over the empty set is 0 (first pick: most relevant)
        gain = np.where(available, lam * rel - (1.0 - lam) * penalty, -np.inf)
        pick = gain.argmax(axis=1)
        ok = np.isfinite(gain[rows, pick])
        out[ok, t] = cand[rows[ok], pick[ok]]
        available[rows[ok], pick[ok]] = False
        if key.ndim == 3:
            sim = np.einsum("nmd,nd->nm", key, key[rows, pick])
        else:
            sim = (key == key[rows, pick][:, None]).astype(np.float64)
        max_sim = np.where(ok[:, None], np.maximum(max_sim, sim), max_sim)
    return out


def personalised_rerank(candidates, keyword_scores, personal_scores, weight: float, k: int) -> np.ndarray:
    """Re-rank each row's candidates by ``keyword_scores + weight * personal_scores`` (arrays (n, m)
    aligned with ``candidates``; ``-1`` candidates never selected), best first, ties by the original
    order; returns (n, k) item ids. Taught in module 09 (from_model_to_product)."""
    cand = np.asarray(candidates)
    total = np.asarray(keyword_scores, dtype=np.float64) + float(weight) * np.asarray(personal_scores, dtype=np.float64)
    order = top_k(total, k, valid=cand != -1)
    return np.where(order >= 0, np.take_along_axis(cand, np.maximum(order, 0), axis=1), -1)
