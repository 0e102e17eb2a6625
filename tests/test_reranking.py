"""MMR and personalised re-ranking (recsys_lib.reranking) against a brute-force loop and limit cases."""
from __future__ import annotations

import numpy as np
import pytest

from recsys_lib.reranking import mmr_rerank, personalised_rerank, scale_relevance


def _mmr_loop(cand, rel, key, k, lam):
    """One user, the textbook loop."""
    chosen = []
    for _ in range(k):
        best, best_gain = None, -np.inf
        for j in range(len(cand)):
            if cand[j] == -1 or j in chosen:
                continue
            if key.ndim == 2:
                sims = [float(key[j] @ key[i] / (np.linalg.norm(key[j]) * np.linalg.norm(key[i]))) for i in chosen]
            else:
                sims = [float(key[j] == key[i]) for i in chosen]
            gain = lam * rel[j] - (1 - lam) * max(sims, default=0.0)
            if gain > best_gain:
                best, best_gain = j, gain
        if best is None:
            break
        chosen.append(best)
    return [int(cand[j]) for j in chosen] + [-1] * (k - len(chosen))


@pytest.mark.parametrize("lam", [0.0, 0.3, 0.7, 1.0])
def test_mmr_matches_the_loop_with_categories(lam):
    rng = np.random.default_rng(1)
    cand = rng.permutation(100)[:60].reshape(6, 10) + 1
    cand[2, 7:] = -1
    rel = scale_relevance(rng.random((6, 10)), cand != -1)
    cats = rng.integers(0, 3, size=(6, 10))
    got = mmr_rerank(cand, np.nan_to_num(rel), cats, 8, lam)
    for u in range(6):
        assert got[u].tolist() == _mmr_loop(cand[u], np.nan_to_num(rel[u]), cats[u], 8, lam)


def test_mmr_matches_the_loop_with_embeddings():
    rng = np.random.default_rng(2)
    cand = np.arange(1, 41).reshape(4, 10)
    rel = rng.random((4, 10))
    emb = rng.normal(size=(4, 10, 3))
    got = mmr_rerank(cand, rel, emb, 5, 0.5)
    for u in range(4):
        assert got[u].tolist() == _mmr_loop(cand[u], rel[u], emb[u], 5, 0.5)


def test_mmr_limits():
    cand = np.array([[5, 6, 7, 8]])
    rel = np.array([[1.0, 0.9, 0.8, 0.1]])
    cats = np.array([[0, 0, 0, 1]])
    assert mmr_rerank(cand, rel, cats, 4, 1.0).tolist() == [[5, 6, 7, 8]]          # relevance order
    assert mmr_rerank(cand, rel, cats, 2, 0.5).tolist() == [[5, 8]]                # diversity first
    assert mmr_rerank(cand, rel, cats, 6, 0.5).tolist() == [[5, 8, 6, 7, -1, -1]]  # padded
    with pytest.raises(ValueError):
        mmr_rerank(cand, rel, cats, 2, 1.5)
    with pytest.raises(ValueError):
        mmr_rerank(cand, rel[:, :3], cats, 2, 0.5)


def test_scale_relevance():
    out = scale_relevance(np.array([[2.0, 4.0, 3.0], [1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.5], [1.0, 1.0, 1.0]])
    masked = scale_relevance(np.array([[2.0, 4.0, 100.0]]), np.array([[True, True, False]]))
    assert masked[0, :2].tolist() == [0.0, 1.0] and np.isnan(masked[0, 2])


def test_personalised_rerank():
    cand = np.array([[3, 1, 2, -1]])
    keyword = np.array([[2.0, 2.0, 1.0, 0.0]])
    personal = np.array([[0.0, 1.0, 5.0, 9.0]])
    assert personalised_rerank(cand, keyword, personal, 0.0, 3).tolist() == [[3, 1, 2]]
    assert personalised_rerank(cand, keyword, personal, 1.0, 4).tolist() == [[2, 1, 3, -1]]
