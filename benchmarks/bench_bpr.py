"""Benchmark of recsys_lib.models.BPRMatrixFactorization (module 07's reference BPR-MF).

Two parts, in one run:

1. epoch throughput: one epoch of the vectorised mini-batch SGD (``bpr_sgd_epoch``, batch 1024)
   against the per-sample Python loop ``bpr_sgd_reference`` (Rendle's SGD, one triple at a time,
   the toolbox's slow reference) on the SAME seeded triples
   of a synthetic popularity-skewed matrix; prints triples per second of both and their ratio. The
   loop runs on a prefix of the triples (it is slow); a correctness line checks that the vectorised
   epoch with ``batch_size=1`` reproduces the loop exactly on a shorter prefix.
2. quality per second on ShopSim's next-click cases (module 04's leave-last-out protocol): fit and
   recommend time, HR@10 and NDCG@10 of BPR-MF against item-KNN (shrinkage 100), both timed here.

Prints figures; asserts nothing about time. ``--small`` runs both parts at toy size (used by
tests/test_bench_bpr.py so the script cannot rot).

    python benchmarks/bench_bpr.py            # full size
    python benchmarks/bench_bpr.py --small    # seconds
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_itemknn import synthetic_interactions  # noqa: E402  (the same seeded generator)

from recsys_lib.models.factorization import bpr_sgd_epoch, bpr_sgd_reference  # noqa: E402
from recsys_lib.sampling import sample_negatives  # noqa: E402

FULL = dict(users=100_000, items=20_000, nnz=1_000_000, loop_triples=50_000, exact_triples=2_000, epochs=None)
SMALL = dict(users=2_000, items=500, nnz=20_000, loop_triples=3_000, exact_triples=300, epochs=3)


def throughput(size: dict, k: int = 32, lr: float = 0.05, lam: float = 0.01, seed: int = 0) -> dict:
    X = synthetic_interactions(size["users"], size["items"], size["nnz"], seed=seed)
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    order = rng.permutation(X.nnz)
    u, i = rows[order], X.indices[order].astype(np.int64)
    j = sample_negatives(X, u, rng)
    P = rng.normal(0, 0.1, (X.shape[0], k))
    Q = rng.normal(0, 0.1, (X.shape[1], k))
    b = np.zeros(X.shape[1])
    start = time.perf_counter()
    bpr_sgd_epoch(P, Q, b, u, i, j, lr, lam, batch_size=1024)
    vec_s = time.perf_counter() - start
    n_loop = min(size["loop_triples"], u.size)
    start = time.perf_counter()
    bpr_sgd_reference(P, Q, b, u[:n_loop], i[:n_loop], j[:n_loop], lr, lam)
    loop_s = time.perf_counter() - start
    n_exact = min(size["exact_triples"], u.size)
    got = bpr_sgd_epoch(P, Q, b, u[:n_exact], i[:n_exact], j[:n_exact], lr, lam, batch_size=1)
    want = bpr_sgd_reference(P, Q, b, u[:n_exact], i[:n_exact], j[:n_exact], lr, lam)
    diff = max(float(np.abs(g - w).max()) for g, w in zip(got[:3], want))
    out = dict(users=X.shape[0], items=X.shape[1], triples=int(u.size), vectorised_per_s=u.size / vec_s,
               loop_per_s=n_loop / loop_s, loop_triples=n_loop, batch1_max_diff=diff)
    out["speedup"] = out["vectorised_per_s"] / out["loop_per_s"]
    return out


def quality(size: dict, progress: bool = False) -> dict:
    import pandas as pd

    from recsys_lib import columns as C
    from recsys_lib.evaluation import leave_last_out_split, ranking_report
    from recsys_lib.features import interaction_matrix
    from recsys_lib.models import BPRMatrixFactorization, ItemKNNRecommender
    from recsys_lib.simulation import shipped_shop
    from recsys_lib.simulation.oracle import next_click_cases

    shop = shipped_shop()
    items, users, events = shop.tables
    cases = next_click_cases(shop)
    user_ids, item_ids = users[C.USER_ID].to_numpy(), items[C.ITEM_ID].to_numpy()
    X, _, _ = interaction_matrix(leave_last_out_split(events, cases), users=user_ids, items=item_ids)
    rows = pd.Index(user_ids).get_indexer(cases["user_id"])
    targets = pd.Index(item_ids).get_indexer(cases["target_item_id"])
    bpr_kw = {} if size["epochs"] is None else {"n_epochs": size["epochs"]}
    models = {"item-KNN (shrinkage 100)": ItemKNNRecommender(n_neighbors=100, shrinkage=100.0, fill_with_popular=True),
              f"BPR-MF ({bpr_kw.get('n_epochs', 30)} epochs)": BPRMatrixFactorization(progress=progress, **bpr_kw)}
    if size["epochs"] is None:
        models["BPR-MF (60 epochs)"] = BPRMatrixFactorization(n_epochs=60, progress=progress)
    out = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        ranked = model.recommend(rows, 10, exclude_seen=False)
        rec_s = time.perf_counter() - start
        rep = ranking_report(ranked, targets, 10)
        out[name] = dict(fit_s=fit_s, recommend_s=rec_s, hr=rep["hr"], ndcg=rep["ndcg"])
    return dict(cases=len(cases), nnz=X.nnz, models=out)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="toy sizes (seconds)")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm bars")
    args = parser.parse_args(argv)
    size = SMALL if args.small else FULL

    t = throughput(size)
    print(f"1. one SGD epoch, {t['triples']:,} triples ({t['users']:,} users x {t['items']:,} items, k = 32)")
    print(f"   vectorised mini-batch (1024): {t['vectorised_per_s']:>12,.0f} triples/s")
    print(f"   per-sample Python loop      : {t['loop_per_s']:>12,.0f} triples/s  (on the first {t['loop_triples']:,})")
    print(f"   ratio vectorised / loop     : {t['speedup']:>12.1f}x")
    print(f"   batch_size=1 vs the loop    : max |difference| {t['batch1_max_diff']:.1e} (the same algorithm)")

    q = quality(size, progress=not args.no_progress)
    print(f"2. ShopSim next-click cases ({q['cases']:,}), {q['nnz']:,} training positives, exclude_seen=False")
    print(f"   {'model':<28}{'fit s':>8}{'recommend s':>13}{'HR@10':>8}{'NDCG@10':>9}{'HR@10 per fit s':>17}")
    for name, r in q["models"].items():
        print(f"   {name:<28}{r['fit_s']:>8.2f}{r['recommend_s']:>13.2f}{r['hr']:>8.4f}{r['ndcg']:>9.4f}"
              f"{r['hr'] / r['fit_s']:>17.3f}")
    return {"throughput": t, "quality": q}


if __name__ == "__main__":
    main()
