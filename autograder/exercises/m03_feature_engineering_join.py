"""Checks for module 03 (feature_engineering), Exercise 4: the point-in-time join, with the leakage
test (events at or after every prediction time must change nothing). Imported (and re-exported) by
:mod:`autograder.exercises.m03_feature_engineering`, which the notebook's test cells import; see its
docstring for the conventions."""
from __future__ import annotations

import builtins as _builtins

import numpy as _np
import pandas as _pd

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises.m03_feature_engineering_encoding import _check_frame_lazily
from recsys_lib import columns as C
from recsys_lib import features as _features

# Reference implementations and everything the checks use, bound at import time (before any
# student code runs), so rebinding a name in the notebook does not change what the checks do.
_unchanged = _c.unchanged
_ref_pit = _features.point_in_time_join
_DataFrame, _Timedelta = _pd.DataFrame, _pd.Timedelta
_concat, _to_datetime = _pd.concat, _pd.to_datetime
_default_rng = _np.random.default_rng
_len, _list, _isinstance = _builtins.len, _builtins.list, _builtins.isinstance
_frames_close = _c._frames_close
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
_DAY = _Timedelta(days=1)
_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr


# ================================================================ 4. point-in-time join
def _pit_feature_columns(event_types):
    return [f"n_{t}" for t in event_types] + ["monetary", "days_since_last_event", "days_since_last_purchase"]


def _pit_whole_log(labels, events, event_types):
    """The leaky version: each user's totals over the whole log, whatever the prediction time."""
    out = labels.copy()
    users = labels[C.USER_ID]
    et = events[C.EVENT_TYPE].astype(str)
    for t in event_types:
        n = events.loc[(et == t).to_numpy()].groupby(C.USER_ID).size()
        out[f"n_{t}"] = users.map(n).fillna(0).to_numpy()
    buy = (et == C.PURCHASE).to_numpy()
    out["monetary"] = users.map(events.loc[buy].groupby(C.USER_ID)[C.PRICE_PAID].sum()).fillna(0.0).to_numpy()
    t = _to_datetime(labels[C.TIMESTAMP])
    last = users.map(events.groupby(C.USER_ID)[C.TIMESTAMP].max())
    last_buy = users.map(events.loc[buy].groupby(C.USER_ID)[C.TIMESTAMP].max())
    out["days_since_last_event"] = ((t - last) / _DAY).to_numpy(dtype=_np.float64)
    out["days_since_last_purchase"] = ((t - last_buy) / _DAY).to_numpy(dtype=_np.float64)
    return out


def _pit_mistakes(labels, events, event_types):
    shifted = labels.assign(**{C.TIMESTAMP: _to_datetime(labels[C.TIMESTAMP]) + _Timedelta(1, "ns")})
    inclusive = _ref_pit(shifted, events, event_types=event_types)
    inclusive[C.TIMESTAMP] = labels[C.TIMESTAMP].to_numpy()
    return [
        _Mistake("counted events exactly at the prediction time (<=, allow_exact_matches=True); only events "
                 "strictly before it count", inclusive),
        _Mistake("future leakage: each user's totals over the whole log, whatever the prediction time",
                 _pit_whole_log(labels, events, event_types)),
    ]


def _future_events(labels, events):
    """Events that happen at or after every prediction time of their user: adding them must not
    change any feature."""
    last = labels.groupby(C.USER_ID)[C.TIMESTAMP].max()
    users = last.index.to_numpy(dtype=_np.int64)
    n = users.size
    rows = _DataFrame({
        C.USER_ID: _np.concatenate([users, users, users]),
        C.SESSION_ID: _np.arange(3 * n, dtype=_np.int64) + 10**9,
        C.TIMESTAMP: _np.concatenate([last.to_numpy(), (last + _DAY).to_numpy(), (last + _Timedelta(hours=1)).to_numpy()]),
        C.EVENT_TYPE: _pd.Categorical([C.PURCHASE] * n + [C.CLICK] * n + [C.ADD_TO_CART] * n,
                                      categories=_list(C.EVENT_TYPES)),
        C.ITEM_ID: _pd.array([1] * (3 * n), dtype="Int64"),
        C.QUERY: _pd.array([None] * (3 * n), dtype="string"),
        C.POSITION: _pd.array([None] * (3 * n), dtype="Int64"),
        C.PRICE_PAID: _np.where(_np.arange(3 * n) < n, 999.0, _np.nan),
    })
    extra = _concat([events, rows[_list(events.columns)].astype(events.dtypes.to_dict())], ignore_index=True)
    return extra


@_quietly
def check_point_in_time_join_on(point_in_time_join, labels, events, event_types, expected=None,
                                name="point_in_time_join"):
    """``expected``: a DataFrame of the feature columns (index as ``labels``); None: the toolbox
    reference. Also checks that events at or after every prediction time change nothing."""
    if expected is None:
        expected = _ref_pit(labels, events, event_types=event_types)
    else:
        expected = _concat([labels, _DataFrame(expected, index=labels.index)], axis=1)
    before_l, before_e = labels.copy(), events.copy()
    got = _c.call(point_in_time_join, labels, events, event_types, name="point_in_time_join")
    _unchanged(before_l, labels, "point_in_time_join (labels)")
    _unchanged(before_e, events, "point_in_time_join (events)")
    _c.check_type(got, _DataFrame, name)
    _c._check_index(got.columns, expected.columns, name, "column")
    if _len(got) != _len(expected):
        raise _CheckFailure(f"{name} has {_len(got)} rows, expected {_len(expected)} (one per row of labels).")
    if _list(got.index) != _list(expected.index):
        raise _CheckFailure(
            f"{name} lost the rows' order or index. Likely mistake: kept the sorted order that merge_asof "
            f"needs; return the rows in the order of labels, with its index (sort, join, then restore).\n"
            f"Expected index: {_short(_list(expected.index))}\nGot index:      {_short(_list(got.index))}")
    feats = _pit_feature_columns(event_types)
    exp_f = expected[feats].astype(_np.float64)
    n_types = _len(event_types)
    for cols in (feats[:n_types], feats[n_types:]):  # the counts first, then monetary and recencies
        _check_frame_lazily(got[cols], exp_f[cols], name,
                            lambda cols=cols: [_Mistake(m.description, m.value[cols])
                                               for m in _pit_mistakes(labels, events, event_types)])
    for col in feats[:n_types]:                      # counts are integers (the text says so)
        kind = got[col].dtype.kind
        if kind not in "iu":
            raise _CheckFailure(
                f"{name}[{col!r}] has dtype {got[col].dtype}; counts are integers. Likely mistake: the join "
                f"leaves NaN for rows without an earlier event, and filling them with 0 keeps a float "
                f"column: convert the counts to int64 after filling.")
    # leakage test: events at or after each user's prediction times must not change the features
    later = _future_events(labels, events)
    got2 = _c.call(point_in_time_join, labels, later, event_types, name="point_in_time_join")
    if not _isinstance(got2, _DataFrame) or _list(got2.columns) != _list(got.columns) or \
            not _frames_close(got2[feats].astype(_np.float64), exp_f, 1e-9, 1e-12):
        raise _CheckFailure(
            f"{name}: adding events at or after each user's prediction times changed the features. "
            f"Likely mistake: future leakage: events at or after the prediction time leak into the features; "
            f"only events strictly before it may count.")


@_quietly
def check_point_in_time_join(point_in_time_join, events, n_rows=1000, seed=0):
    rng = _default_rng(seed)
    users = _np.sort(events[C.USER_ID].unique())
    start, end = events[C.TIMESTAMP].min(), events[C.TIMESTAMP].max()
    span = (end - start) / _Timedelta(seconds=1)
    times = start + _pd.to_timedelta(_np.sort(rng.uniform(0, span, n_rows)).round(), unit="s")
    labels = _DataFrame({C.USER_ID: rng.choice(users, n_rows), C.TIMESTAMP: rng.permutation(times.to_numpy()),
                         "label": rng.integers(0, 2, n_rows)}, index=_np.arange(n_rows) * 3 + 7)
    # some prediction times exactly at an event of the user: that event must not count
    hit = events.iloc[rng.choice(_len(events), n_rows // 5, replace=False)]
    labels.iloc[: _len(hit), 0] = hit[C.USER_ID].to_numpy()
    labels.iloc[: _len(hit), 1] = hit[C.TIMESTAMP].to_numpy()
    types = (C.PURCHASE, C.CLICK, C.SEARCH)  # not in the order of C.EVENT_TYPES
    check_point_in_time_join_on(point_in_time_join, labels, events, types, None,
                                f"point_in_time_join(labels, events, {types}) on {n_rows} shop rows")
    _passed()
