r"""Leave-last-out evaluation of top-K recommenders on ShopSim's next-click cases.

Taught in module 04 (knn_collaborative_filtering); reused by module 08 to compare the capstone
model with the same baselines and the same oracle ceiling.

The held-out cases are ``recsys_lib.simulation.oracle.next_click_cases(shop)``: one per user,
each with a ``cutoff`` time (the user's history is every event strictly before it) and a
``target_item_id`` (the first click of the next browsing step). Using exactly these cases puts
every model on the same footing as the oracle ceiling (``oracle_metrics``).

The split is **per user**: a case user's events at or after their own cutoff are removed;
everything else stays, including *other* users' events after that cutoff. This is the usual
leave-last-out protocol; it is slightly optimistic, because item-item similarities may use
co-occurrences that happened after a case's cutoff (a global time cutoff avoids that, at the
price of far fewer training events for early cases).

Everything is vectorised (no Python loop over users or events).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C

__all__ = ["leave_last_out_split", "case_session_events", "ranking_report", "thin_events",
           "RANKING_METRICS"]

#: the metrics of :func:`ranking_report`, in table order
RANKING_METRICS = ("hr", "precision", "recall", "ndcg", "mrr")

_CASE_USER, _CASE_SESSION, _CASE_CUTOFF = "user_id", "session_id", "cutoff"


def _cutoff_per_event(events: pd.DataFrame, cases: pd.DataFrame) -> np.ndarray:
    """The cutoff of each event's user (NaT for users without a case)."""
    for col in (_CASE_USER, _CASE_CUTOFF):
        if col not in cases.columns:
            raise KeyError(f"cases is missing the column {col!r}; it has {list(cases.columns)}")
    users = cases[_CASE_USER].to_numpy()
    if len(np.unique(users)) != len(users):
        raise ValueError("cases must hold at most one case per user for a leave-last-out split")
    cutoffs = np.append(pd.to_datetime(cases[_CASE_CUTOFF]).to_numpy(dtype="datetime64[ns]"),
                        np.datetime64("NaT", "ns"))
    pos = pd.Index(users).get_indexer(events[C.USER_ID].to_numpy())   # -1: no case -> NaT
    return cutoffs[pos]


def leave_last_out_split(events: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The training events of a leave-last-out evaluation: every event except a case user's
    events at or after that user's ``cutoff``.

    Parameters
    ----------
    events : the events table (``C.USER_ID``, ``C.TIMESTAMP``, ...)
    cases : DataFrame with ``user_id`` and ``cutoff`` (one row per user), e.g. from
        ``next_click_cases``.

    Returns the kept rows of ``events`` (original order and index).

    Taught in module 04 (knn_collaborative_filtering).
    """
    cut = _cutoff_per_event(events, cases)
    keep = pd.isna(cut) | (events[C.TIMESTAMP].to_numpy() < cut)
    return events[keep]


def case_session_events(events: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The events of each case's own session strictly before its cutoff (the "current
    session" a session-aware recommender may use as the user's profile).

    Taught in module 04 (knn_collaborative_filtering).
    """
    if _CASE_SESSION not in cases.columns:
        raise KeyError(f"cases is missing the column {_CASE_SESSION!r}")
    cut = _cutoff_per_event(events, cases)
    sessions = np.append(cases[_CASE_SESSION].to_numpy(dtype=np.float64), np.nan)
    session = sessions[pd.Index(cases[_CASE_USER].to_numpy()).get_indexer(events[C.USER_ID].to_numpy())]
    same = (events[C.SESSION_ID].to_numpy() == session) & ~pd.isna(cut)
    before = np.zeros(len(events), dtype=bool)
    before[same] = events[C.TIMESTAMP].to_numpy()[same] < cut[same]
    return events[before]


def ranking_report(ranked, relevant, k: int = 10) -> dict:
    """HR@k, precision@k, recall@k, NDCG@k and MRR@k of a ranking (``recsys_lib.metrics``
    conventions: ``ranked`` (n_cases, L) item ids best first, -1 padding), as a dict keyed by
    :data:`RANKING_METRICS`. MRR is cut at ``k`` (a first hit below rank k counts 0).

    Taught in module 04 (knn_collaborative_filtering).
    """
    from recsys_lib import metrics as M

    return {"hr": M.hit_rate_at_k(ranked, relevant, k), "precision": M.precision_at_k(ranked, relevant, k),
            "recall": M.recall_at_k(ranked, relevant, k), "ndcg": M.ndcg_at_k(ranked, relevant, k),
            "mrr": M.mrr(ranked, relevant, k)}


def thin_events(events: pd.DataFrame, fraction: float, seed: int = 0) -> pd.DataFrame:
    """A random share ``fraction`` (0 < fraction <= 1) of the rows of ``events``, drawn without
    replacement with ``seed`` (original order and index kept): a sparser log for studying how
    recommendation quality falls with data sparsity.

    Taught in module 04 (knn_collaborative_filtering).
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1]; got {fraction!r}")
    rng = np.random.default_rng(seed)
    n = len(events)
    keep = np.zeros(n, dtype=bool)
    keep[rng.choice(n, size=int(round(fraction * n)), replace=False)] = True
    return events[keep]
