r"""Beyond accuracy: catalogue coverage, intra-list diversity, novelty, popularity bias and exposure share
of recommendation lists.

Taught in module 09 (from_model_to_product).

Conventions: ``lists`` is an integer array (n_lists, K) of item ids, best first, ``-1`` = empty slot
(ignored everywhere). Item attributes are pandas Series **indexed by item id** (``item_category``,
``item_popularity``), so any ids work; every id in ``lists`` must be in their index.

* **Coverage** :math:`= |\bigcup_u L_u| / |I|`: the share of the catalogue :math:`I` (the index of
  ``item_category``) that appears in at least one list.
* **Intra-list diversity** of list :math:`L` with :math:`m \ge 2` items: the share of its
  :math:`m(m-1)/2` pairs whose items are in *different* categories; averaged over the lists with at
  least two items (a list with fewer has no pair).
* **Novelty** :math:`= \text{mean over shown slots of } -\log_2 \pi_i` with
  :math:`\pi_i = (n_i + 1)/(N + 1)`, :math:`n_i` the number of users who interacted with :math:`i` and
  :math:`N` the number of users (the +1 keeps never-seen items finite): rare items are "news".
* **Popularity bias** (head share): the share of shown slots filled by the *head*, the
  ``ceil(head * |I|)`` most popular items (ties by item id, lower first).
* **Exposure share** of a group of items: the position-weighted share of attention it gets,
  with weight :math:`1/\log_2(k + 1)` at rank :math:`k` (the NDCG discount).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["catalogue_coverage", "intra_list_diversity", "novelty", "head_share", "head_items",
           "beyond_accuracy_report", "exposure_share", "BEYOND_ACCURACY"]

#: the fields of :func:`beyond_accuracy_report`, in order
BEYOND_ACCURACY = ("coverage", "diversity", "novelty", "head_share")


def _lists(lists) -> np.ndarray:
    arr = np.asarray(lists)
    if arr.ndim != 2:
        raise ValueError(f"lists must be a 2-D array (n_lists, K) of item ids; got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"lists must hold integer item ids (-1 = empty); got dtype {arr.dtype}")
    return arr


def _lookup(series: pd.Series, lists: np.ndarray, what: str) -> np.ndarray:
    """Positions of the ids of ``lists`` in ``series.index`` (-1 for empty slots); KeyError for unknown ids."""
    pos = series.index.get_indexer(lists.ravel()).reshape(lists.shape)
    bad = (pos < 0) & (lists != -1)
    if bad.any():
        raise KeyError(f"item id(s) {np.unique(lists[bad])[:5].tolist()} are not in the index of {what}")
    return pos


def catalogue_coverage(lists, item_category: pd.Series) -> float:
    """Share of the catalogue (the index of ``item_category``) recommended at least once.
    Taught in module 09 (from_model_to_product)."""
    lists = _lists(lists)
    pos = _lookup(item_category, lists, "item_category")
    return float(np.unique(pos[pos >= 0]).size / len(item_category))


def intra_list_diversity(lists, item_category: pd.Series, per_list: bool = False):
    """Mean share of item pairs of a list that are in different categories (lists with fewer than two
    items left out; NaN if no list has two). ``per_list=True``: the per-list values (NaN for short lists).
    Taught in module 09 (from_model_to_product)."""
    lists = _lists(lists)
    pos = _lookup(item_category, lists, "item_category")
    codes = pd.factorize(item_category.to_numpy())[0]
    cat = np.where(pos >= 0, codes[np.maximum(pos, 0)], -1)
    valid = pos >= 0
    m = valid.sum(axis=1)
    both = valid[:, :, None] & valid[:, None, :]
    same = (cat[:, :, None] == cat[:, None, :]) & both
    pairs = m * (m - 1) / 2.0
    same_pairs = (same.sum(axis=(1, 2)) - m) / 2.0                # the diagonal holds m self-pairs
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(m >= 2, 1.0 - same_pairs / np.where(pairs > 0, pairs, 1.0), np.nan)
    if per_list:
        return values
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def novelty(lists, item_popularity: pd.Series, n_users: int) -> float:
    """Mean self-information :math:`-\\log_2((n_i + 1)/(N + 1))` of the shown items, ``item_popularity`` =
    users who interacted with each item (indexed by item id), ``n_users`` = :math:`N`.
    Taught in module 09 (from_model_to_product)."""
    lists = _lists(lists)
    pos = _lookup(item_popularity, lists, "item_popularity")
    counts = item_popularity.to_numpy(dtype=np.float64)
    shown = pos >= 0
    if not shown.any():
        return float("nan")
    info = -np.log2((counts[pos[shown]] + 1.0) / (float(n_users) + 1.0))
    return float(info.mean())


def head_items(item_popularity: pd.Series, head: float = 0.1) -> pd.Index:
    """The ids of the ``ceil(head * n_items)`` most popular items (ties: lower id first).
    Taught in module 09 (from_model_to_product)."""
    if not 0.0 < head <= 1.0:
        raise ValueError(f"head must be in (0, 1]; got {head!r}")
    n = math.ceil(head * len(item_popularity) - 1e-9)
    order = np.lexsort((item_popularity.index.to_numpy(), -item_popularity.to_numpy(dtype=np.float64)))
    return item_popularity.index[order[:n]]


def head_share(lists, item_popularity: pd.Series, head: float = 0.1) -> float:
    """Share of the shown slots filled by the head (:func:`head_items`): the popularity bias.
    Taught in module 09 (from_model_to_product)."""
    lists = _lists(lists)
    pos = _lookup(item_popularity, lists, "item_popularity")
    shown = pos >= 0
    if not shown.any():
        return float("nan")
    is_head = item_popularity.index.isin(head_items(item_popularity, head))
    return float(is_head[pos[shown]].mean())


def beyond_accuracy_report(lists, item_category: pd.Series, item_popularity: pd.Series, n_users: int,
                           head: float = 0.1) -> pd.Series:
    """Coverage, intra-list diversity, novelty and head share of ``lists`` as a Series indexed by
    :data:`BEYOND_ACCURACY`. Taught in module 09 (from_model_to_product)."""
    return pd.Series({"coverage": catalogue_coverage(lists, item_category),
                      "diversity": intra_list_diversity(lists, item_category),
                      "novelty": novelty(lists, item_popularity, n_users),
                      "head_share": head_share(lists, item_popularity, head)})


def exposure_share(lists, item_group: pd.Series, by=None) -> pd.DataFrame | pd.Series:
    """Position-weighted exposure share of each item group (weight ``1/log2(rank + 1)``; empty slots get
    none). ``item_group``: group of each item (indexed by item id). ``by`` (optional, one label per list,
    e.g. the user's region): one column of shares per label. Shares sum to 1 per column.
    Taught in module 09 (from_model_to_product)."""
    lists = _lists(lists)
    pos = _lookup(item_group, lists, "item_group")
    weight = np.broadcast_to(1.0 / np.log2(np.arange(2, lists.shape[1] + 2)), lists.shape)
    shown = pos >= 0
    groups = item_group.to_numpy()[pos[shown]]
    frame = pd.DataFrame({"group": groups, "weight": weight[shown]})
    if by is None:
        out = frame.groupby("group", observed=True)["weight"].sum()
        return (out / out.sum()).rename("exposure_share")
    labels = np.broadcast_to(np.asarray(by, dtype=object)[:, None], lists.shape)[shown]
    frame["by"] = labels
    table = frame.pivot_table(index="group", columns="by", values="weight", aggfunc="sum", fill_value=0.0,
                              observed=True)
    return table / table.sum(axis=0)
