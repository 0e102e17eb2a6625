r"""Behaviour features from the event log: sequences, time-decayed heat, RFM, point-in-time joins.

Taught in module 03 (feature_engineering).

Every function here is vectorised (pandas group-by / NumPy, no Python loop over events or users)
and **leakage-free by construction**: features "as of" a time :math:`\tau` only use events with
timestamp :math:`t < \tau` (strictly before; an event at :math:`\tau` itself is the thing being
predicted, or happens at the same moment, and must not leak into its own features).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C

__all__ = [
    "behaviour_sequences",
    "pad_sequences",
    "behaviour_heat",
    "rfm_features",
    "point_in_time_join",
    "INTEREST_EVENT_TYPES",
]

#: event types that signal interest in an item (the default for heat features)
INTEREST_EVENT_TYPES = (C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE)

_DAY = pd.Timedelta(days=1)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _require(events: pd.DataFrame, cols, name="events"):
    if not isinstance(events, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(events).__name__}")
    missing = [c for c in cols if c not in events.columns]
    if missing:
        raise KeyError(f"{name} is missing the column(s) {missing}; it has {list(events.columns)}")


def _check_types(event_types, default):
    if event_types is None:
        return tuple(default)
    if isinstance(event_types, str):
        event_types = (event_types,)
    event_types = tuple(event_types)
    bad = [t for t in event_types if t not in C.EVENT_TYPES]
    if bad:
        raise ValueError(f"unknown event type(s) {bad}; valid types are {C.EVENT_TYPES}")
    return event_types


def _timestamps(values, what):
    ts = pd.to_datetime(values)
    missing = ts.isna().any() if hasattr(ts, "isna") else pd.isna(ts)
    if missing:
        raise ValueError(f"{what} contains missing timestamps (NaT)")
    return ts


def _events_before(events: pd.DataFrame, at):
    """Events strictly before ``at`` and, per kept event, its reference time.

    ``at`` is one timestamp, or a Series user_id -> timestamp (one per user). Returns
    ``(kept_events, at_per_kept_event, user_index)`` where ``user_index`` is the output index:
    ``at.index`` for a Series, else the sorted users with at least one event before ``at``.
    """
    ts = events[C.TIMESTAMP]
    if isinstance(at, pd.Series):
        if at.index.has_duplicates:
            raise ValueError(
                "at has several times for one user; use point_in_time_join for several "
                "prediction times per user"
            )
        at_s = _timestamps(at, "at")
        at_ev = events[C.USER_ID].map(pd.Series(at_s.to_numpy(), index=at.index))
        keep = (ts < at_ev).to_numpy()  # NaT (users not in at) compares False
        index = pd.Index(at.index, name=C.USER_ID)
        return events.loc[keep], at_ev.loc[keep], index
    if isinstance(at, (pd.DataFrame, np.ndarray, list, tuple)):
        raise TypeError("at must be a single timestamp or a Series user_id -> timestamp")
    at_ts = _timestamps(at, "at")
    keep = (ts < at_ts).to_numpy()
    kept = events.loc[keep]
    index = pd.Index(np.sort(kept[C.USER_ID].unique()), name=C.USER_ID)
    return kept, pd.Series(at_ts, index=kept.index), index


# --------------------------------------------------------------------------------------------
# sequences
# --------------------------------------------------------------------------------------------
def behaviour_sequences(events: pd.DataFrame, max_len: int | None = None, event_types=None) -> pd.Series:
    r"""Each user's item sequence, ordered by time (oldest first).

    For user :math:`u` with selected events :math:`e_1, \dots, e_n` sorted by timestamp
    (ties keep the log's row order), the sequence is :math:`(i_{e_1}, \dots, i_{e_n})`, truncated
    to the **last** ``max_len`` items (the most recent behaviour matters most).

    Parameters
    ----------
    events : the events table (``C.USER_ID``, ``C.TIMESTAMP``, ``C.EVENT_TYPE``, ``C.ITEM_ID``)
    max_len : keep only the most recent ``max_len`` items (None: all)
    event_types : event types to include (None: every event that has an item, i.e. not search)

    Returns
    -------
    pandas Series indexed by user id (sorted), each value an int64 NumPy array of item ids.
    Users without a selected event are absent. :func:`pad_sequences` turns it into a padded
    2-D array for a sequence model.

    Taught in module 03 (feature_engineering).
    """
    _require(events, (C.USER_ID, C.TIMESTAMP, C.EVENT_TYPE, C.ITEM_ID))
    if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or max_len < 1):
        raise ValueError(f"max_len must be a positive integer or None; got {max_len!r}")
    types = _check_types(event_types, [t for t in C.EVENT_TYPES if t != C.SEARCH])
    ev = events.loc[events[C.EVENT_TYPE].isin(types).to_numpy() & events[C.ITEM_ID].notna().to_numpy()]
    ev = ev.sort_values([C.USER_ID, C.TIMESTAMP], kind="stable")
    users = ev[C.USER_ID].to_numpy(dtype=np.int64)
    items = ev[C.ITEM_ID].to_numpy(dtype=np.int64)
    uniq, starts, counts = np.unique(users, return_index=True, return_counts=True)
    if max_len is not None:
        # position from the end within the user's run; keep the last max_len
        pos_from_end = np.repeat(starts + counts, counts) - np.arange(users.size)
        keep = pos_from_end <= max_len
        items = items[keep]
        counts = np.minimum(counts, max_len)
    seqs = np.split(items, np.cumsum(counts)[:-1]) if uniq.size else []
    return pd.Series(seqs, index=pd.Index(uniq, name=C.USER_ID), name="sequence", dtype=object)


def pad_sequences(sequences, max_len: int | None = None, value: int = -1):
    r"""Left-pad sequences into a 2-D array: the most recent item is always in the last column.

    Row :math:`r` is :math:`(\underbrace{v, \dots, v}_{L - n_r}, s_{r,1}, \dots, s_{r,n_r})`
    with :math:`L` = ``max_len`` (default: the longest sequence); longer sequences keep their
    last :math:`L` items.

    Returns ``(padded, lengths)``: int64 arrays of shape ``(n, L)`` and ``(n,)`` (the lengths
    after truncation, i.e. the number of real items per row, for masking).

    Taught in module 03 (feature_engineering).
    """
    seqs = list(sequences.to_numpy() if isinstance(sequences, pd.Series) else sequences)
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    L = int(lengths.max(initial=0)) if max_len is None else int(max_len)
    if L < 1:
        raise ValueError(f"max_len must be >= 1; got {L}")
    flat = np.concatenate([np.asarray(s, dtype=np.int64) for s in seqs]) if seqs else np.empty(0, np.int64)
    ends = np.cumsum(lengths)
    row = np.repeat(np.arange(len(seqs)), lengths)
    pos_from_end = np.repeat(ends, lengths) - np.arange(flat.size)  # 1 = last item
    keep = pos_from_end <= L
    out = np.full((len(seqs), L), value, dtype=np.int64)
    out[row[keep], L - pos_from_end[keep]] = flat[keep]
    return out, np.minimum(lengths, L)


# --------------------------------------------------------------------------------------------
# heat
# --------------------------------------------------------------------------------------------
def behaviour_heat(events: pd.DataFrame, at, half_life_days: float, event_types=INTEREST_EVENT_TYPES,
                   by: str = "user") -> pd.DataFrame:
    r"""Time-decayed counts of each event type ("behaviour heat"), as of time ``at``.

    .. math::

        \mathrm{heat}_{g,a}(\tau) = \sum_{e:\ g_e = g,\ \mathrm{type}_e = a,\ t_e < \tau}
            2^{-(\tau - t_e)/T_{1/2}}

    An event :math:`\Delta` days old weighs :math:`2^{-\Delta/T_{1/2}}`: 1 just now, 1/2 after
    one half-life, 1/4 after two. Only events strictly before :math:`\tau` count.

    Parameters
    ----------
    events : the events table
    at : timestamp, or a Series user_id -> timestamp (a reference time per user; only with
        ``by="user"`` or ``"user_item"``)
    half_life_days : :math:`T_{1/2} > 0`, in days
    event_types : one output column per type (default: click, favorite, add_to_cart, purchase)
    by : ``"user"`` (one row per user), ``"item"`` (per item: how hot the item is) or
        ``"user_item"`` (per user and item)

    Returns
    -------
    DataFrame with columns ``heat_<event type>`` (float), indexed by user id / item id /
    (user id, item id). With ``by="user"`` the rows are ``at.index`` (Series ``at``) or the users
    with an event before ``at``; users without a selected event get 0. With ``"item"`` and
    ``"user_item"`` only groups with at least one selected event appear.

    Taught in module 03 (feature_engineering).
    """
    _require(events, (C.USER_ID, C.TIMESTAMP, C.EVENT_TYPE, C.ITEM_ID))
    if not np.isscalar(half_life_days) or not half_life_days > 0:
        raise ValueError(f"half_life_days must be a positive number; got {half_life_days!r}")
    if by not in ("user", "item", "user_item"):
        raise ValueError(f"by must be 'user', 'item' or 'user_item'; got {by!r}")
    if by == "item" and isinstance(at, pd.Series):
        raise ValueError("by='item' needs a single timestamp at, not one per user")
    types = _check_types(event_types, INTEREST_EVENT_TYPES)
    ev, at_ev, index = _events_before(events, at)
    sel = ev[C.EVENT_TYPE].isin(types).to_numpy()
    keys = {"user": [C.USER_ID], "item": [C.ITEM_ID], "user_item": [C.USER_ID, C.ITEM_ID]}[by]
    if by != "user":
        sel = sel & ev[C.ITEM_ID].notna().to_numpy()
    ev, at_ev = ev.loc[sel], at_ev.loc[sel]
    age_days = ((at_ev - ev[C.TIMESTAMP]) / _DAY).to_numpy(dtype=np.float64)
    frame = ev[keys].copy()
    frame["_type"] = pd.Categorical(ev[C.EVENT_TYPE].astype(str).to_numpy(), categories=types)
    frame["_w"] = np.exp2(-age_days / float(half_life_days))
    out = frame.groupby(keys + ["_type"], observed=False, sort=True)["_w"].sum().unstack("_type")
    out = out.reindex(columns=list(types)).fillna(0.0)
    out.columns = [f"heat_{t}" for t in types]
    out.columns.name = None
    if by == "user":
        out = out.reindex(index, fill_value=0.0)
    else:
        out = out.loc[out.sum(axis=1) > 0]
    return out.astype(np.float64)


# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------
def rfm_features(events: pd.DataFrame, at) -> pd.DataFrame:
    r"""Recency, frequency and monetary value per user, from events strictly before ``at``.

    .. math::

        R_u = \frac{\tau - \max\{t_e : e \text{ purchase of } u,\ t_e < \tau\}}{1\text{ day}},\qquad
        F_u = |\{e \text{ purchase of } u : t_e < \tau\}|,\qquad
        M_u = \sum_{e \text{ purchase of } u,\ t_e < \tau} \mathrm{price\_paid}_e

    Columns: ``recency_days`` (days since the last purchase, NaN if the user never bought),
    ``frequency`` (number of purchases), ``monetary`` (sum of ``C.PRICE_PAID``, 0 without a
    purchase) and ``days_since_last_event`` (days since the user's last event of any type).

    ``at`` is a timestamp or a Series user_id -> timestamp; rows are ``at.index`` (Series) or
    the users with an event before ``at``.

    Taught in module 03 (feature_engineering).
    """
    _require(events, (C.USER_ID, C.TIMESTAMP, C.EVENT_TYPE, C.PRICE_PAID))
    ev, at_ev, index = _events_before(events, at)
    age = ((at_ev - ev[C.TIMESTAMP]) / _DAY).to_numpy(dtype=np.float64)
    is_buy = (ev[C.EVENT_TYPE] == C.PURCHASE).to_numpy()
    frame = pd.DataFrame(
        {
            C.USER_ID: ev[C.USER_ID].to_numpy(),
            "age": age,
            "buy_age": np.where(is_buy, age, np.nan),
            "buy": is_buy.astype(np.int64),
            "paid": np.where(is_buy, ev[C.PRICE_PAID].fillna(0.0).to_numpy(dtype=np.float64), 0.0),
        }
    )
    g = frame.groupby(C.USER_ID, sort=True)
    out = pd.DataFrame(
        {
            "recency_days": g["buy_age"].min(),
            "frequency": g["buy"].sum(),
            "monetary": g["paid"].sum(),
            "days_since_last_event": g["age"].min(),
        }
    )
    out = out.reindex(index)
    out["frequency"] = out["frequency"].fillna(0).astype(np.int64)
    out["monetary"] = out["monetary"].fillna(0.0)
    out.index.name = C.USER_ID
    return out


# --------------------------------------------------------------------------------------------
# point-in-time join
# --------------------------------------------------------------------------------------------
def point_in_time_join(labels: pd.DataFrame, events: pd.DataFrame, event_types=C.EVENT_TYPES,
                       time_col: str = C.TIMESTAMP) -> pd.DataFrame:
    r"""Attach to every (user, prediction time) row the user's behaviour **strictly before** that time.

    For row :math:`r = (u, \tau_r)` and event type :math:`a`:

    .. math::

        n_{a}(r) = |\{e : u_e = u,\ \mathrm{type}_e = a,\ t_e < \tau_r\}|, \qquad
        \mathrm{monetary}(r) = \sum_{e:\ u_e = u,\ t_e < \tau_r} \mathrm{price\_paid}_e

    plus ``days_since_last_event`` and ``days_since_last_purchase`` (NaN if none before
    :math:`\tau_r`). A user may have many rows with different times (e.g. one per session to
    score); each row sees only its own past, so a model trained on these features never uses
    the future.

    Vectorised: per-user running totals over the time-sorted log (group-by cumulative sums),
    then ``pd.merge_asof(..., by=user, allow_exact_matches=False)`` picks, for each label row,
    the running totals after the user's last event strictly before :math:`\tau_r`.

    Parameters
    ----------
    labels : DataFrame with ``C.USER_ID`` and the prediction time column ``time_col``; other
        columns (e.g. the label) are kept.
    events : the events table (``C.USER_ID``, ``C.TIMESTAMP``, ``C.EVENT_TYPE``, ``C.PRICE_PAID``)
    event_types : one count column ``n_<type>`` per type
    time_col : name of the prediction-time column in ``labels``

    Returns
    -------
    a copy of ``labels`` (same index and row order) with the feature columns added.

    Taught in module 03 (feature_engineering).
    """
    _require(labels, (C.USER_ID, time_col), "labels")
    _require(events, (C.USER_ID, C.TIMESTAMP, C.EVENT_TYPE, C.PRICE_PAID))
    types = _check_types(event_types, C.EVENT_TYPES)
    count_cols = [f"n_{t}" for t in types]
    clash = [c for c in count_cols + ["monetary", "days_since_last_event", "days_since_last_purchase"]
             if c in labels.columns]
    if clash:
        raise ValueError(f"labels already has the feature column(s) {clash}")
    times = pd.to_datetime(labels[time_col])
    if times.isna().any():
        i = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise ValueError(f"labels row {i} has a missing prediction time in column {time_col!r}")
    if labels[C.USER_ID].isna().any():
        raise ValueError(f"labels has missing {C.USER_ID} values")

    # running totals per user over the time-sorted log
    ev = events.sort_values(C.TIMESTAMP, kind="stable")
    etype = ev[C.EVENT_TYPE].astype(str).to_numpy()
    state = pd.DataFrame({C.USER_ID: ev[C.USER_ID].to_numpy(dtype=np.int64)})
    for t, col in zip(types, count_cols):  # loop over event types (a handful), not events
        state[col] = (etype == t).astype(np.int64)
    is_buy = etype == C.PURCHASE
    state["monetary"] = np.where(is_buy, ev[C.PRICE_PAID].fillna(0.0).to_numpy(dtype=np.float64), 0.0)
    state[count_cols + ["monetary"]] = state.groupby(C.USER_ID)[count_cols + ["monetary"]].cumsum()
    ev_time = ev[C.TIMESTAMP].astype("datetime64[ns]").to_numpy()
    state["_last_event"] = ev_time
    state["_last_purchase"] = np.where(is_buy, ev_time, np.datetime64("NaT", "ns"))
    state["_last_purchase"] = state.groupby(C.USER_ID)["_last_purchase"].ffill()
    state["_t"] = ev_time

    left = pd.DataFrame(
        {
            "_pos": np.arange(len(labels)),
            C.USER_ID: labels[C.USER_ID].to_numpy(dtype=np.int64),
            "_t": times.astype("datetime64[ns]").to_numpy(),
        }
    ).sort_values("_t", kind="stable")
    merged = pd.merge_asof(
        left, state, on="_t", by=C.USER_ID, direction="backward", allow_exact_matches=False
    ).sort_values("_pos")
    out = labels.copy()
    for col in count_cols:
        out[col] = merged[col].fillna(0).to_numpy(dtype=np.int64)
    out["monetary"] = merged["monetary"].fillna(0.0).to_numpy(dtype=np.float64)
    t = merged["_t"]
    out["days_since_last_event"] = ((t - merged["_last_event"]) / _DAY).to_numpy(dtype=np.float64)
    out["days_since_last_purchase"] = ((t - merged["_last_purchase"]) / _DAY).to_numpy(dtype=np.float64)
    return out
