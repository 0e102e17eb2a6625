"""Benchmark of recsys_lib.models.ItemKNNRecommender (module 04's reference item-KNN).

Two parts, both on seeded synthetic implicit feedback (popularity-skewed items, users with a
taste cluster, geometric number of interactions per user):

1. scale: 100k users x 20k items, ~1.5M nonzeros -> fit time, time to recommend 10 items to
   10k users, peak memory (process max RSS).
2. comparison with scikit-learn at a size where its brute-force search is practical
   (20k users x 5k items): the same top-n cosine neighbours of every item from
   ``NearestNeighbors(metric="cosine", algorithm="brute")``, both timed in this run; prints the
   time ratio (ours / scikit-learn; the course budget is <= 3) and checks the neighbour lists
   agree (differences only where similarities tie at the cut-off).

Prints figures; asserts nothing about time. ``--small`` runs both parts at toy size (used by
tests/test_bench_itemknn.py so the script cannot rot).

    python benchmarks/bench_itemknn.py            # full size
    python benchmarks/bench_itemknn.py --small    # seconds
"""
from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp

from recsys_lib.models import ItemKNNRecommender

FULL = dict(users=100_000, items=20_000, nnz=1_500_000, rec_users=10_000,
            cmp_users=20_000, cmp_items=5_000, cmp_nnz=300_000)
SMALL = dict(users=3_000, items=800, nnz=30_000, rec_users=500,
             cmp_users=1_500, cmp_items=400, cmp_nnz=15_000)


def synthetic_interactions(n_users: int, n_items: int, nnz: int, seed: int = 0,
                           n_clusters: int = 50, p_cluster: float = 0.7, zipf: float = 0.9):
    """Binary users x items matrix with about ``nnz`` nonzeros.

    Item popularity weight :math:`w_i = (\\mathrm{rank}_i + 10)^{-a}` (a = ``zipf``); each item
    belongs to one of ``n_clusters`` taste clusters, each user to one cluster. A draw comes from
    the user's cluster with probability ``p_cluster`` (weights :math:`w` within the cluster), else
    from the whole catalogue. Repeated draws collapse to one entry, so the draw count is inflated
    a little to land near ``nnz``.
    """
    rng = np.random.default_rng(seed)
    w = (rng.permutation(n_items) + 10.0) ** -zipf
    item_cluster = rng.integers(0, n_clusters, n_items)
    user_cluster = rng.integers(0, n_clusters, n_users)
    draws = int(nnz * 1.16)
    deg = rng.geometric(min(1.0, n_users / draws), size=n_users)
    users = np.repeat(np.arange(n_users), deg)
    n = users.size
    # global draws
    cum = np.cumsum(w)
    items = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    # cluster draws: inverse CDF within the cluster's block of the cluster-sorted catalogue
    order = np.argsort(item_cluster, kind="stable")
    ccum = np.cumsum(w[order])
    bounds = np.searchsorted(item_cluster[order], np.arange(n_clusters + 1))
    lo = np.where(bounds[:-1] > 0, ccum[np.maximum(bounds[:-1] - 1, 0)], 0.0)
    hi = ccum[np.maximum(bounds[1:] - 1, 0)]
    c = user_cluster[users]
    local = (rng.random(n) < p_cluster) & (bounds[1:][c] > bounds[:-1][c])
    target = lo[c] + rng.random(n) * (hi[c] - lo[c])
    pos = np.minimum(np.searchsorted(ccum, target, side="right"), n_items - 1)
    items = np.where(local, order[pos], np.minimum(items, n_items - 1))
    X = sp.csr_matrix((np.ones(n), (users, items)), shape=(n_users, n_items))
    X.sum_duplicates()
    X.data[:] = 1.0
    return X


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def bench_scale(cfg, n_neighbors: int, k: int, seed: int, progress):
    t0 = time.perf_counter()
    X = synthetic_interactions(cfg["users"], cfg["items"], cfg["nnz"], seed=seed)
    t_data = time.perf_counter() - t0
    print(f"[scale] data: {X.shape[0]:,} users x {X.shape[1]:,} items, {X.nnz:,} nonzeros "
          f"(generated in {t_data:.1f} s)")
    model = ItemKNNRecommender(n_neighbors=n_neighbors, progress=progress)
    t0 = time.perf_counter()
    model.fit(X)
    t_fit = time.perf_counter() - t0
    users = np.random.default_rng(seed + 1).choice(X.shape[0], size=min(cfg["rec_users"], X.shape[0]), replace=False)
    t0 = time.perf_counter()
    rec = model.recommend(users, k=k)
    t_rec = time.perf_counter() - t0
    full = float((rec >= 0).all(axis=1).mean())
    print(f"[scale] ItemKNNRecommender(n_neighbors={n_neighbors}).fit: {t_fit:.2f} s "
          f"(similarity nnz {model.similarity_.nnz:,})")
    print(f"[scale] recommend(k={k}) for {users.size:,} users: {t_rec:.2f} s "
          f"({1e3 * t_rec / users.size:.3f} ms/user; {100 * full:.1f}% of lists full)")
    print(f"[scale] peak RSS of this process so far: {_peak_rss_mib():,.0f} MiB")
    return dict(fit_s=t_fit, recommend_s=t_rec, nnz=int(X.nnz), similarity_nnz=int(model.similarity_.nnz),
                peak_rss_mib=_peak_rss_mib())


def _neighbour_agreement(S_ours: sp.csr_matrix, nn_idx: np.ndarray, nn_dist: np.ndarray, n: int, tol=1e-9):
    """Compare our top-n neighbours (column j of ``S_ours``) with scikit-learn's lists.

    scikit-learn's list for item j usually contains j itself (distance 0); it is dropped, and
    so are entries with similarity <= 0 (our model keeps positive similarities only). Lists
    agree when they hold the same items; otherwise they must differ only by items whose
    similarity equals the cut-off value (ties, where any choice is correct).
    """
    n_items = S_ours.shape[0]
    sims = 1.0 - nn_dist
    not_self = nn_idx != np.arange(n_items)[:, None]
    # keep the first n non-self entries per row
    keep = not_self & (np.cumsum(not_self, axis=1) <= n) & (sims > tol)
    S = S_ours.tocsc()
    identical = 0
    tie_only = 0
    max_val_diff = 0.0
    # the check is a verification, not the timed part: a loop over items is fine here
    for j in range(n_items):
        ours_idx = S.indices[S.indptr[j]:S.indptr[j + 1]]
        ours_val = S.data[S.indptr[j]:S.indptr[j + 1]]
        theirs_idx = nn_idx[j][keep[j]]
        theirs_val = sims[j][keep[j]]
        a, b = np.sort(ours_val)[::-1], np.sort(theirs_val)[::-1]
        m = min(a.size, b.size)
        if m:
            max_val_diff = max(max_val_diff, float(np.abs(a[:m] - b[:m]).max()))
        if set(ours_idx.tolist()) == set(theirs_idx.tolist()):
            identical += 1
            continue
        # differences allowed only at the cut-off value (ties)
        cut = min(a.min(initial=np.inf), b.min(initial=np.inf))
        diff_ours = np.setdiff1d(ours_idx, theirs_idx)
        diff_theirs = np.setdiff1d(theirs_idx, ours_idx)
        v_ours = ours_val[np.isin(ours_idx, diff_ours)]
        v_theirs = theirs_val[np.isin(theirs_idx, diff_theirs)]
        if a.size == b.size and np.all(np.abs(v_ours - cut) <= tol) and np.all(np.abs(v_theirs - cut) <= tol):
            tie_only += 1
    return dict(items=n_items, identical=identical, differ_by_ties_only=tie_only,
                disagree=n_items - identical - tie_only, max_similarity_diff=max_val_diff)


def bench_compare(cfg, n_neighbors: int, seed: int, repeats: int = 1):
    from sklearn.neighbors import NearestNeighbors

    X = synthetic_interactions(cfg["cmp_users"], cfg["cmp_items"], cfg["cmp_nnz"], seed=seed + 2)
    items = X.T.tocsr()
    print(f"[compare] data: {X.shape[0]:,} users x {X.shape[1]:,} items, {X.nnz:,} nonzeros; "
          f"top-{n_neighbors} cosine neighbours of every item")
    t_ours = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = ItemKNNRecommender(n_neighbors=n_neighbors, progress=False).fit(X)
        t_ours.append(time.perf_counter() - t0)
    t_sk = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        nn = NearestNeighbors(n_neighbors=n_neighbors + 1, metric="cosine", algorithm="brute").fit(items)
        dist, idx = nn.kneighbors(items)
        t_sk.append(time.perf_counter() - t0)
    t_o, t_s = min(t_ours), min(t_sk)
    agree = _neighbour_agreement(model.similarity_, idx, dist, n_neighbors)
    print(f"[compare] ItemKNNRecommender.fit:                                {t_o:.3f} s")
    print(f"[compare] NearestNeighbors(cosine, brute).fit + kneighbors:      {t_s:.3f} s")
    print(f"[compare] ratio ours / scikit-learn: {t_o / t_s:.2f}  (budget: <= 3)")
    print(f"[compare] neighbour lists: {agree['identical']:,} of {agree['items']:,} items identical, "
          f"{agree['differ_by_ties_only']:,} differ only among tied similarities, "
          f"{agree['disagree']:,} disagree; max |similarity difference| {agree['max_similarity_diff']:.2e}")
    return dict(ours_s=t_o, sklearn_s=t_s, ratio=t_o / t_s, **agree)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="toy sizes (seconds), for the test suite")
    parser.add_argument("--neighbors", type=int, default=100, help="n_neighbors (default 100)")
    parser.add_argument("--k", type=int, default=10, help="items recommended per user (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=None, help="timing repeats of the comparison (min taken)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    cfg = SMALL if args.small else FULL
    n_nb = min(args.neighbors, 20) if args.small else args.neighbors
    repeats = args.repeats or (1 if args.small else 3)
    progress = False if args.no_progress else None
    print(f"bench_itemknn ({'small' if args.small else 'full'} size, seed {args.seed}); "
          f"numpy {np.__version__}, scipy {scipy.__version__}, "
          f"python {sys.version.split()[0]}")
    result = {"scale": bench_scale(cfg, n_nb, args.k, args.seed, progress),
              "compare": bench_compare(cfg, n_nb, args.seed, repeats)}
    return result


if __name__ == "__main__":
    main()
