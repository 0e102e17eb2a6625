r"""Checks for module 09 (from_model_to_product), Exercises 3-4: beyond-accuracy metrics (coverage,
intra-list diversity, novelty, head share) and MMR re-ranking. Imported (and re-exported) by
:mod:`autograder.exercises.m09_from_model_to_product`, which the notebook's test cells import.

Rules the task texts state and the PUBLIC checks test (the hidden tests test them again): ``-1`` slots are
no item; lists with fewer than two items have no pair; the head is the ceil(10 %) most popular items with
ties by the lower id (whatever the Series' order); MMR's first pick is the most relevant, ties go to the
earlier candidate, ``-1`` candidates are never picked and short lists are padded with ``-1``.
"""
from __future__ import annotations

import builtins as _builtins
import math as _math

import numpy as _np
import pandas as _pd

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises.m09_from_model_to_product_mistakes import (
    merge_same as _merge_same,
)
from recsys_lib.metrics import beyond_accuracy_report as _ref_beyond
from recsys_lib.reranking import mmr_rerank as _ref_mmr

_fail, _passed, _Mistake, _quietly, _call = _c.fail, _c.passed, _c.Mistake, _c.quietly, _c.call
_check_close, _check_series, _unchanged = _c.check_close, _c.check_series, _c.unchanged
_asarray, _array, _float64, _log2, _where, _full = (
    _np.asarray, _np.array, _np.float64, _np.log2, _np.where, _np.full)
_Series = _pd.Series
_isinstance, _len, _float, _int, _range, _list, _zip, _dict = (
    _builtins.isinstance, _builtins.len, _builtins.float, _builtins.int, _builtins.range, _builtins.list,
    _builtins.zip, _builtins.dict)
METRICS = ("coverage", "diversity", "novelty", "head_share")


def _as_series(got, name, index):
    if _isinstance(got, _dict):
        _fail(f"{name} should return a pandas Series, got a dict; wrap it: pd.Series({{...}}).")
    _c.check_type(got, _Series, name)
    if _list(got.index) != _list(index):
        _fail(f"{name} should be indexed by {_list(index)} in this order; got {_list(got.index)}.")
    return got


# ---------------------------------------------------------------- 3. beyond accuracy
def _beyond_variants(lists, cat, pop, n_users):
    lists = _asarray(lists)
    ref = _ref_beyond(lists, cat, pop, n_users)
    shown = lists != -1
    out = []
    distinct = _np.unique(lists).size
    out.append(("the empty slot -1 was counted as an item in the coverage", {"coverage": distinct / _len(cat)}))
    out.append(("the coverage counts slots, with duplicates; it counts DISTINCT items shown (np.unique)",
                {"coverage": _int(shown.sum()) / _len(cat)}))
    out.append(("the coverage divides by the items anybody interacted with; it divides by the whole catalogue",
                {"coverage": _np.unique(lists[shown]).size / _builtins.max(_int((pop.to_numpy() > 0).sum()), 1)}))
    pos = cat.index.get_indexer(lists.ravel()).reshape(lists.shape)
    codes = _pd.factorize(cat.to_numpy())[0]
    c = _where(pos >= 0, codes[_np.maximum(pos, 0)], -1)
    m = shown.sum(axis=1)
    same = ((c[:, :, None] == c[:, None, :]) & shown[:, :, None] & shown[:, None, :]).sum(axis=(1, 2))
    with _np.errstate(divide="ignore", invalid="ignore"):
        self_pairs = _np.nanmean(_where(m >= 2, 1 - same / _np.maximum(m * m, 1), _np.nan))
        short_as_zero = _np.mean(_where(m >= 2, 1 - (same - m) / 2 / _np.maximum(m * (m - 1) / 2, 1), 0.0))
    out.append(("the diversity counts each item paired with itself (m^2 pairs); count the m(m-1)/2 pairs of "
                "DIFFERENT slots", {"diversity": self_pairs}))
    out.append(("the diversity is the share of pairs in the SAME category; it is the share in different ones",
                {"diversity": 1 - ref["diversity"]}))
    ok = m >= 2
    with _np.errstate(divide="ignore", invalid="ignore"):
        pooled = 1 - ((same - m)[ok] / 2).sum() / (m * (m - 1) / 2)[ok].sum()
    all_k = _full(m.shape, lists.shape[1])
    c_any = codes[pos]                        # a -1 position looks up the LAST item's category
    padded_same = (c_any[:, :, None] == c_any[:, None, :]).sum(axis=(1, 2))
    with _np.errstate(divide="ignore", invalid="ignore"):
        padded = _np.mean(1 - (padded_same - all_k) / (all_k * (all_k - 1)))
    out.append(("the diversity pools the pairs of all lists; it is the mean of each list's share",
                {"diversity": pooled}))
    out.append(("the empty slots (-1) were paired like items (get_indexer gives -1, which indexes the LAST "
                "category); pairs are only between shown items", {"diversity": padded}))
    out.append(("lists with fewer than two items were counted with diversity 0; they have no pair and are left "
                "out of the mean", {"diversity": short_as_zero}))
    counts = pop.to_numpy(dtype=_float64)[pos[shown]]
    with _np.errstate(divide="ignore"):
        out.append(("novelty without the +1 smoothing: pi_i = (n_i + 1) / (N + 1)",
                    {"novelty": _np.mean(-_log2(counts / n_users))}))
    out.append(("novelty with the natural logarithm; the self-information is in bits (log2)",
                {"novelty": _np.mean(-_np.log((counts + 1) / (n_users + 1)))}))
    out.append(("novelty is the log of the COUNTS; it is the log of the probability pi_i = (n_i + 1) / (N + 1)",
                {"novelty": _np.mean(-_log2(counts + 1))}))
    out.append(("novelty uses the log of the counts (rare items get a SMALL value); it is -log2 of the "
                "probability (n_i + 1) / (N + 1)", {"novelty": _np.mean(_log2(counts + 1))}))
    ppos = _np.maximum(pop.index.get_indexer(lists.ravel()).reshape(lists.shape), 0)
    per_slot = _np.where(shown, -_log2((pop.to_numpy(dtype=_float64)[ppos] + 1) / (n_users + 1)), 0.0)
    listed = m >= 1
    out.append(("novelty is the mean of each list's mean; it is the mean over ALL shown slots (lists with empty "
                "slots weigh less)", {"novelty": _np.mean(per_slot.sum(axis=1)[listed] / m[listed])}))
    total = _float(pop.to_numpy(dtype=_float64).sum())
    out.append(("pi_i divides by all interactions; it is the share of the N shoppers: (n_i + 1) / (N + 1)",
                {"novelty": _np.mean(-_log2((counts + 1) / (total + 1)))}))
    n_head = _math.ceil(0.1 * _len(pop) - 1e-9)
    for text, order in (("the head's ties at the boundary went to the HIGHER item id; ties go to the lower id",
                         _np.lexsort((-pop.index.to_numpy(), -pop.to_numpy(dtype=_float64)))),):
        head = _np.isin(pop.index.to_numpy(), pop.index.to_numpy()[order[:n_head]])
        out.append((text, {"head_share": _float(head[pos[shown]].mean())}))
    floor_head = _np.isin(pop.index.to_numpy(), pop.index.to_numpy()[_np.lexsort(
        (pop.index.to_numpy(), -pop.to_numpy(dtype=_float64)))[:_int(0.1 * _len(pop))]])
    out.append(("the head has floor(10 %) items; it is the ceil(0.1 * n_items) most popular",
                {"head_share": _float(floor_head[pos[shown]].mean())}))
    low = _np.isin(pop.index.to_numpy(), pop.index.to_numpy()[_np.lexsort(
        (pop.index.to_numpy(), pop.to_numpy(dtype=_float64)))[:n_head]])
    out.append(("the head is the LEAST popular items: sort by popularity descending", {"head_share": _float(low[pos[shown]].mean())}))
    order = _np.argsort(-pop.to_numpy(dtype=_float64), kind="stable")
    by_position = _np.isin(pop.index.to_numpy(), pop.index.to_numpy()[order[:n_head]])
    out.append(("the head's ties at the boundary went by POSITION in the Series; ties go to the lower item id",
                {"head_share": _float(by_position[pos[shown]].mean())}))
    out.append(("the head share divides by all K slots of every list, padding included; divide by the shown slots",
                {"head_share": _float(ref["head_share"] * shown.sum() / lists.size)}))
    head_items = _np.zeros(_len(pop), dtype=bool)
    head_items[_np.lexsort((pop.index.to_numpy(), -pop.to_numpy(dtype=_float64)))[:n_head]] = True
    in_head = _np.where(shown, head_items[ppos], False).sum(axis=1)
    out.append(("the head share is the mean of each list's share; it is the share of ALL shown slots (lists with "
                "empty slots weigh less)", {"head_share": _float(_np.mean(in_head[listed] / m[listed]))}))
    mistakes = []
    for text, kw in out:
        value = ref.copy()
        for key, v in kw.items():
            value[key] = _float(v)
        mistakes.append(_Mistake(text, value))
    return _merge_same(mistakes)


@_quietly
def check_beyond_accuracy_on(beyond_accuracy, lists, item_category, item_popularity, n_users, expected,
                             name="beyond_accuracy"):
    lists = _asarray(lists)
    before = lists.copy()
    got = _call(beyond_accuracy, lists, item_category.copy(), item_popularity.copy(), n_users, name=name)
    _unchanged(before, lists, name, "lists")
    got = _as_series(got, name, METRICS)
    expected = _Series(_asarray(expected, dtype=_float64), index=_list(METRICS))
    _check_series(got, expected, name, rtol=1e-9, atol=1e-12,
                  mistakes=_beyond_variants(lists, item_category, item_popularity, n_users))


#: a tiny public case: 12 items with ids that are not 1..n and not sorted (the head is ceil(1.2) = 2 items, floor
#: would give 1), a popularity tie at the head's boundary (items 45 and 12, in that order in the Series: the lower
#: id, 12, is in the head), a -1 slot and a list with one item
TINY_CATEGORY = _Series(["a", "b", "a", "c", "c", "d", "d", "e", "e", "f", "f", "a"],
                        index=[31, 45, 12, 27, 50, 61, 70, 88, 93, 104, 110, 120])
TINY_POPULARITY = _Series([9, 5, 5, 0, 1, 2, 2, 4, 1, 0, 3, 0], index=TINY_CATEGORY.index)
TINY_LISTS = _array([[31, 45, 12, -1], [27, 50, 61, 70], [93, -1, -1, -1], [45, 88, 110, 104]])


@_quietly
def check_beyond_accuracy(beyond_accuracy, shelves: dict, item_category, item_popularity, n_users):
    """Every shelf of the notebook (``shelves``: name -> lists) against the toolbox, then the tiny case."""
    for label, lists in shelves.items():
        check_beyond_accuracy_on(beyond_accuracy, lists, item_category, item_popularity, n_users,
                                 _ref_beyond(lists, item_category, item_popularity, n_users).to_numpy(),
                                 f"beyond_accuracy of the {label} shelves")
    check_beyond_accuracy_on(beyond_accuracy, TINY_LISTS, TINY_CATEGORY, TINY_POPULARITY, 20,
                             _ref_beyond(TINY_LISTS, TINY_CATEGORY, TINY_POPULARITY, 20).to_numpy(),
                             "beyond_accuracy on 4 tiny lists (12 items with ids 12 .. 120, a -1 slot, a one-item "
                             "list, a popularity tie at the boundary of the head)")
    _passed()


# ---------------------------------------------------------------- 4. MMR
def _mmr_variant(cand, rel, cats, k, lam, penalty="max", swap=False, sign=-1.0, repeat=False, factor=True,
                 pad_candidates=False, positions=False):
    n, m = cand.shape
    available = _np.ones((n, m), dtype=bool) if pad_candidates else cand != -1
    chosen = _np.zeros((n, m))
    out = _full((n, k), -1, dtype=_np.int64)
    rows = _np.arange(n)
    for t in _range(k):
        same = chosen if penalty == "sum" else _np.minimum(chosen, 1.0)
        a, b = (1 - lam, lam) if swap else (lam, (1 - lam) if factor else 1.0)
        gain = _where(available, a * rel + sign * b * same, -_np.inf)
        pick = gain.argmax(axis=1)
        ok = _np.isfinite(gain[rows, pick])
        out[ok, t] = pick[ok] if positions else cand[rows[ok], pick[ok]]
        if not repeat:
            available[rows[ok], pick[ok]] = False
        hit = (cats == cats[rows, pick][:, None]) & ok[:, None]
        if penalty == "last":                 # similarity to the latest pick only
            chosen = hit.astype(_float64)
        elif penalty == "first":              # similarity to the first (most relevant) pick only
            chosen = hit.astype(_float64) if t == 0 else chosen
        else:
            chosen = chosen + hit
    return out


@_quietly
def check_mmr_on(mmr_rerank, candidates, relevance, categories, k, lam, expected, name="mmr_rerank"):
    cand, rel, cats = _asarray(candidates), _asarray(relevance, dtype=_float64), _asarray(categories)
    copies = (cand.copy(), rel.copy(), cats.copy())
    got = _call(mmr_rerank, cand, rel, cats, k, lam, name=name)
    for before, after, what in _zip(copies, (cand, rel, cats), ("candidates", "relevance", "categories")):
        _unchanged(before, after, name, what)
    got = _asarray(got)
    expected = _asarray(expected)
    if got.shape != expected.shape:
        _fail(f"{name} has shape {got.shape}, expected {expected.shape} (one row per user, k = {k} columns).")
    if got.dtype.kind not in "iu":
        _fail(f"{name} should hold integer item ids, got dtype {got.dtype}.")
    if (got == expected).all():
        return
    v = (cand, rel, cats, k, lam)
    mistakes = [
        _Mistake("the penalty SUMS the similarities to the chosen items (it counts them); MMR uses the MAXIMUM",
                 _mmr_variant(*v, penalty="sum")),
        _Mistake("lambda and 1 - lambda are swapped: lambda weighs the relevance", _mmr_variant(*v, swap=True)),
        _Mistake("the penalty lost its factor (1 - lambda): the gain is lambda s_j - (1 - lambda) max sim",
                 _mmr_variant(*v, factor=False)),
        _Mistake("the similarity is ADDED: MMR subtracts (1 - lambda) max sim, rewarding items unlike the chosen ones",
                 _mmr_variant(*v, sign=1.0)),
        _Mistake("the penalty is the similarity to the FIRST pick only (the most relevant item, like a query); "
                 "it is the maximum over ALL items chosen so far", _mmr_variant(*v, penalty="first")),
        _Mistake("the penalty is the similarity to the LAST pick only; it is the maximum over ALL items chosen so far",
                 _mmr_variant(*v, penalty="last")),
        _Mistake("an item can be picked twice: remove each pick from the candidates", _mmr_variant(*v, repeat=True)),
        _Mistake("-1 candidates were picked: -1 means no candidate, it is never available",
                 _mmr_variant(*v, pad_candidates=True)),
        _Mistake("the lists hold candidate POSITIONS (0 .. m-1), not item ids: return candidates[row, pick]",
                 _mmr_variant(*v, positions=True)),
    ]
    mistakes = _merge_same(mistakes)
    _check_close(got, expected, name, rtol=0, atol=0, mistakes=mistakes)


#: tiny public case: ties in the gain (earlier candidate first), -1 candidates, fewer candidates than k
TINY_MMR = (_array([[11, 12, 13, 14, 15], [21, -1, 23, -1, -1]]),
            _array([[1.0, 0.9, 0.9, 0.5, 0.0], [0.2, 0.0, 1.0, 0.0, 0.0]]),
            _array([[0, 0, 1, 1, 2], [3, 3, 3, 3, 3]]), 4)


@_quietly
def check_mmr(mmr_rerank, candidates, relevance, categories):
    for lam in (0.7, 1.0, 0.3):
        check_mmr_on(mmr_rerank, candidates, relevance, categories, 10, lam,
                     _ref_mmr(candidates, relevance, categories, 10, lam),
                     f"mmr_rerank of the BPR-MF candidates with lam={lam}")
    cand, rel, cats, k = TINY_MMR
    for lam in (0.5, 0.0):
        check_mmr_on(mmr_rerank, cand, rel, cats, k, lam, _ref_mmr(cand, rel, cats, k, lam),
                     f"mmr_rerank on 2 tiny lists with lam={lam} (a tie, -1 candidates, fewer candidates than k)")
    _passed()
