r"""What a next-item model learned: hit rates by position in the session and by kind of transition.

Taught in module 08 (embedding_lstm_recommender).

ShopSim's session intent moves along a fixed transition matrix: from the category of the list just
seen the next step **stays** in that category (probability 0.35 plus its share of the 0.20 "anywhere"
jumps), moves to one of its **complements** (phone -> case -> charger, 0.45), or jumps to any
**other** category. :func:`transition_kind` labels each case by the kind of move its target made,
using the catalogue's complement table, so a model's hits can be split by it (:func:`hit_rate_by`):
a model that learned the complements hits "complement" cases far more often than popularity does.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.sequences.steps import (CUTOFF, STEP, STEP_IN_SESSION, TARGET_ITEM_ID, browsing_steps, sort_events,
                                        step_table)
from recsys_lib.simulation import catalogue

__all__ = ["TRANSITION_KINDS", "PREVIOUS_CATEGORY", "TARGET_CATEGORY", "TRANSITION", "transition_kind",
           "case_context", "hit_rate_by"]

#: the kinds of move, in table order
TRANSITION_KINDS = ("same", "complement", "other")
PREVIOUS_CATEGORY, TARGET_CATEGORY, TRANSITION = "previous_category", "target_category", "transition"

_COMPLEMENT_PAIRS = np.array([f"{a}>{b}" for a, bs in catalogue.COMPLEMENTS.items() for b in bs], dtype=object)


def transition_kind(previous_categories, next_categories, complements=None) -> np.ndarray:
    """``"same"``, ``"complement"`` or ``"other"`` for each (previous, next) category pair (object
    array). ``complements`` maps a category to its complements (default: ShopSim's catalogue table).
    A missing category (None / NaN) gives ``"other"``. Taught in module 08."""
    prev = pd.Series(np.asarray(previous_categories, dtype=object).ravel(), dtype=object)
    nxt = pd.Series(np.asarray(next_categories, dtype=object).ravel(), dtype=object)
    if len(prev) != len(nxt):
        raise ValueError(f"need as many previous as next categories; got {len(prev)} and {len(nxt)}")
    pairs = (_COMPLEMENT_PAIRS if complements is None else
             np.array([f"{a}>{b}" for a, bs in complements.items() for b in bs], dtype=object))
    missing = (prev.isna() | nxt.isna()).to_numpy()
    same = (prev.astype(str) == nxt.astype(str)).to_numpy() & ~missing
    comp = np.isin((prev.astype(str) + ">" + nxt.astype(str)).to_numpy(dtype=object), pairs) & ~missing & ~same
    return np.where(same, "same", np.where(comp, "complement", "other")).astype(object)


def case_context(cases: pd.DataFrame, events: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """For each next-click case (``user_id``, ``session_id``, ``cutoff``, ``target_item_id``): the
    target step's 0-based ``step_in_session``, the category of the list shown on the step before
    (``previous_category``, from its impressions; None if it showed none), the target's category
    and the ``transition`` kind. Same row order as ``cases``. Taught in module 08."""
    ev = sort_events(events)
    steps = browsing_steps(ev)
    table = step_table(ev, steps)
    key = pd.MultiIndex.from_arrays([table[C.SESSION_ID].to_numpy(), table[CUTOFF].to_numpy()])
    where = pd.Series(table[STEP].to_numpy(), index=key)
    where = where[~where.index.duplicated(keep="first")]
    target_step = where.reindex(pd.MultiIndex.from_arrays([cases[C.SESSION_ID].to_numpy(),
                                                           pd.to_datetime(cases[CUTOFF]).to_numpy()])).to_numpy()
    if pd.isna(target_step).any():
        bad = int(np.flatnonzero(pd.isna(target_step))[0])
        raise ValueError(f"case row {bad}: no browsing step of session {cases[C.SESSION_ID].iloc[bad]} starts at its cutoff")
    target_step = target_step.astype(np.int64)
    category = pd.Series(items[C.CATEGORY].astype(str).to_numpy(), index=items[C.ITEM_ID].to_numpy(dtype=np.int64))
    is_imp = (ev[C.EVENT_TYPE] == C.IMPRESSION).to_numpy()
    first_imp = pd.Series(ev[C.ITEM_ID].to_numpy()[is_imp], index=steps[is_imp])
    first_imp = first_imp[~first_imp.index.duplicated(keep="first")]
    prev_item = first_imp.reindex(target_step - 1).to_numpy()
    prev_cat = np.where(pd.isna(prev_item), None,
                        category.reindex(np.nan_to_num(prev_item.astype(np.float64)).astype(np.int64)).to_numpy())
    target_cat = category.reindex(cases[TARGET_ITEM_ID].to_numpy(dtype=np.int64)).to_numpy()
    out = pd.DataFrame({
        STEP_IN_SESSION: table.set_index(STEP)[STEP_IN_SESSION].reindex(target_step).to_numpy(),
        PREVIOUS_CATEGORY: prev_cat,
        TARGET_CATEGORY: target_cat,
    }, index=cases.index)
    out[TRANSITION] = transition_kind(out[PREVIOUS_CATEGORY], out[TARGET_CATEGORY])
    return out


def hit_rate_by(hits: dict, groups, order=None) -> pd.DataFrame:
    """HR per group for several models: ``hits`` maps a model name to a boolean array (one entry per
    case, True = hit), ``groups`` gives each case's group. One row per group (``order`` fixes them),
    a ``cases`` column and one column per model. Taught in module 08."""
    groups = pd.Series(np.asarray(groups, dtype=object).ravel())
    frame = pd.DataFrame({name: np.asarray(h, dtype=np.float64).ravel() for name, h in hits.items()})
    if len(frame) != len(groups):
        raise ValueError(f"hits and groups must have one entry per case; got {len(frame)} and {len(groups)}")
    frame.insert(0, "cases", 1.0)
    g = frame.groupby(groups.to_numpy(), sort=True)
    out = g.mean()
    out["cases"] = g["cases"].sum().astype(np.int64)
    if order is not None:
        out = out.reindex([o for o in order if o in out.index])
    out.index.name = "group"
    return out
