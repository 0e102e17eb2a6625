"""Checks for module 03 (feature_engineering). Test cells call ``check_<exercise>(student_function,
...)`` on the shop's data (public tests: the learner's function against the toolbox reference in
``recsys_lib.features``) and ``check_<exercise>_on(...)`` with hand-computed expected values on tiny
logs built with ``make_log`` (hidden tests). Wrong answers are compared with the known mistakes
(future leakage, decay with the sign flipped, ``<=`` at the cutoff, recency from the first purchase,
Python's salted ``hash()``, period 23, test-set quantiles, ...) only after a check has failed."""
from __future__ import annotations

import builtins as _builtins
import functools as _functools

import numpy as _np
import pandas as _pd

from sklearn.utils import murmurhash3_32 as _murmurhash3_32

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises import m00_shop_data as _m00
from recsys_lib import columns as C
from recsys_lib import features as _features

# shared exercise helpers (autograder.checks), bound before any student code runs
_unchanged = _c.unchanged

# Reference implementations and everything the checks use, bound at import time (before any
# student code runs), so rebinding a name in the notebook does not change what the checks do.
_ref_sequences = _features.behaviour_sequences
_ref_heat = _features.behaviour_heat
_ref_rfm = _features.rfm_features
_ref_pit = _features.point_in_time_join
_ref_price_buckets = _features.price_buckets
_ref_one_hot = _features.category_one_hot
_ref_split_category = _features.split_category
_ref_hashing = _features.hashing_trick
_ref_cyclic = _features.cyclic_time_features
INTEREST = tuple(_features.INTEREST_EVENT_TYPES)
_m00_make_log = _m00.make_log
_Series, _DataFrame, _Timestamp, _Timedelta = _pd.Series, _pd.DataFrame, _pd.Timestamp, _pd.Timedelta
_concat, _to_datetime = _pd.concat, _pd.to_datetime
_asarray, _array, _sin, _cos, _pi = _np.asarray, _np.array, _np.sin, _np.cos, _np.pi
_searchsorted, _quantile, _unique, _linspace, _zeros, _isnan_np = (
    _np.searchsorted, _np.quantile, _np.unique, _np.linspace, _np.zeros, _np.isnan)
_default_rng = _np.random.default_rng
_hash, _abs, _len, _str, _int, _float, _list, _sorted, _isinstance, _hasattr, _callable = (
    _builtins.hash, _builtins.abs, _builtins.len, _builtins.str, _builtins.int, _builtins.float,
    _builtins.list, _builtins.sorted, _builtins.isinstance, _builtins.hasattr, _builtins.callable)
_frames_close = _c._frames_close
_all_close = _c._all_close
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
_DAY = _Timedelta(days=1)


def _murmur(token, seed):
    return _int(_murmurhash3_32(token, seed=_int(seed)))


def _murmur_positive(token, seed):
    return _int(_murmurhash3_32(token, seed=_int(seed), positive=True))


_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr


def make_log(rows) -> _pd.DataFrame:
    """A small, correctly typed events table from ``(user, session, "YYYY-mm-dd HH:MM[:SS]",
    event_type, item_or_None[, price_paid])`` tuples (``make_log`` of module 00 plus the price paid)."""
    rows = _list(rows)
    log = _m00_make_log([r[:5] for r in rows])
    log[C.PRICE_PAID] = _array([r[5] if _len(r) > 5 and r[5] is not None else _np.nan for r in rows],
                               dtype=_np.float64)
    return log




def _check_frame_lazily(got, expected, name, mistakes, rtol=1e-9, atol=1e-12):
    """check_frame, computing the known mistakes (a function returning a list) only on failure."""
    _c.check_type(got, _DataFrame, name)
    if (got.shape == expected.shape and _list(got.columns) == _list(expected.columns)
            and _list(got.index) == _list(expected.index) and _frames_close(got, expected, rtol, atol)):
        return
    _c.check_frame(got, expected, name, rtol=rtol, atol=atol, mistakes=mistakes())


def _check_rows(got, expected, name, dropped_hint, events=None, at=None):
    """Row labels: the same users in the same (sorted) order. With ``events`` and ``at``, extra
    users whose events all happen at or after ``at`` are recognised as leakage."""
    g, e = _list(got.index), _list(expected.index)
    if g == e:
        return
    g_set, e_set = set(g), set(e)
    if events is not None:
        extra = [u for u in g if u not in e_set]
        later = set(events.loc[(events[C.TIMESTAMP] >= _Timestamp(at)).to_numpy(), C.USER_ID].tolist())
        if extra and all(u in later for u in extra):
            shown = _short(extra[:5]) + (" ..." if _len(extra) > 5 else "")
            raise _CheckFailure(f"{name} has rows for the users {shown}, whose events all happen at or after "
                                f"`at`. Likely mistake: future leakage: used events at or after `at`; keep only "
                                f"events strictly before it.")
    if _sorted(g) == _sorted(e):
        raise _CheckFailure(f"{name} has the right users in the wrong order; sort the index (user ids "
                            f"ascending).\nExpected: {_short(e)}\nGot:      {_short(g)}")
    missing = [u for u in e if u not in g_set]
    extra = [u for u in g if u not in e_set]
    if missing and not extra:
        raise _CheckFailure(f"{name} is missing the users {_short(missing)}. Likely mistake: {dropped_hint}.")
    raise _CheckFailure(f"{name} has the wrong users (index).\nMissing: {_short(missing)}\n"
                        f"Unexpected: {_short(extra)}\nExpected: {_short(e)}")


# ================================================================ 1. behaviour sequences
def _sequences_variant(events, event_types, max_len, sort=True, keep="last", reverse=False, types=True):
    ev = events
    if types:
        ev = ev.loc[ev[C.EVENT_TYPE].isin(event_types).to_numpy()]
    ev = ev.loc[ev[C.ITEM_ID].notna().to_numpy()]
    ev = ev.sort_values([C.USER_ID, C.TIMESTAMP] if sort else [C.USER_ID], kind="stable")
    out = {}
    users = ev[C.USER_ID].to_numpy()
    items = ev[C.ITEM_ID].to_numpy(dtype=_np.int64)
    uniq, starts, counts = _unique(users, return_index=True, return_counts=True)
    for u, s, n in zip(uniq, starts, counts):
        seq = [_int(x) for x in items[s:s + n]]
        if reverse:
            seq = seq[::-1]
        if max_len is not None:
            seq = seq[-max_len:] if keep == "last" else seq[:max_len]
        out[_int(u)] = seq
    return out


def _as_sequence_dict(got, name):
    out = {}
    for user, seq in got.items():
        try:
            values = _asarray(seq)
            if values.ndim != 1:
                raise ValueError
            out[_int(user)] = [_int(x) for x in values]
        except (TypeError, ValueError):
            raise _CheckFailure(f"{name}: the value for user {user!r} is not a 1-D sequence of item ids "
                                f"(got {_short(seq)}).") from None
    return out


@_quietly
def check_behaviour_sequences_on(behaviour_sequences, events, event_types, max_len, expected,
                                 name="behaviour_sequences"):
    """``expected``: dict user -> list of item ids (oldest first)."""
    before = events.copy()
    got = _c.call(behaviour_sequences, events, event_types, max_len, name="behaviour_sequences")
    _unchanged(before, events, "behaviour_sequences")
    _c.check_type(got, _Series, name)
    exp_users = _sorted(expected)
    _check_rows(got, _Series(0, index=exp_users), name,
                "dropped users (keep every user with at least one selected event)")
    got_d = _as_sequence_dict(got, name)
    if got_d == {u: expected[u] for u in exp_users}:
        return
    mistakes = [
        ("sequences in the log's row order; sort each user's events by time (a log is not "
         "guaranteed to be sorted)", dict(sort=False)),
        ("sequences newest first; the order is oldest first (the most recent item last)", dict(reverse=True)),
        ("kept the first max_len items; keep the most recent (last) max_len", dict(keep="first")),
        ("included events of other types; keep only event_types", dict(types=False)),
        ("sequences in the log's row order and the first max_len items", dict(sort=False, keep="first")),
    ]
    likely = None
    for description, kwargs in mistakes:
        variant = _sequences_variant(events, event_types, max_len, **kwargs)
        if {u: variant.get(u) for u in exp_users} == got_d:
            likely = description
            break
    user = next(u for u in exp_users if got_d[u] != expected[u])
    msg = (f"{name} is wrong for user {user}: expected {expected[user]}, got {got_d[user]}."
           + (f" Likely mistake: {likely}." if likely else ""))
    raise _CheckFailure(msg)


def _shuffled(events, seed=3):
    order = _default_rng(seed).permutation(_len(events))
    return events.iloc[order]


@_quietly
def check_behaviour_sequences(behaviour_sequences, events):
    shuffled = _shuffled(events)
    for types, max_len in ((INTEREST, None), ((C.CLICK, C.PURCHASE), 5)):
        ref = _ref_sequences(shuffled, max_len=max_len, event_types=types)
        expected = {_int(u): [_int(x) for x in s] for u, s in ref.items()}
        check_behaviour_sequences_on(behaviour_sequences, shuffled, types, max_len, expected,
                                     f"behaviour_sequences(events, {types}, max_len={max_len}) on the "
                                     f"shop's log in shuffled row order")
    _passed()


# ================================================================ 2. behaviour heat
def _heat_variant(events, at, half_life_days, base=2.0, sign=-1.0, inclusive=False, ignore_time=False,
                  unit=_DAY, index=None):
    at = _Timestamp(at)
    ts = events[C.TIMESTAMP]
    keep = _np.ones(_len(events), bool) if ignore_time else ((ts <= at) if inclusive else (ts < at)).to_numpy()
    ev = events.loc[keep]
    age = ((at - ev[C.TIMESTAMP]) / unit).to_numpy(dtype=_np.float64)
    w = _np.power(base, sign * age / _float(half_life_days)) if base else _np.ones(age.size)
    frame = _DataFrame({C.USER_ID: ev[C.USER_ID].to_numpy(), "t": ev[C.EVENT_TYPE].astype(str).to_numpy(), "w": w})
    out = frame.groupby([C.USER_ID, "t"])["w"].sum().unstack("t").reindex(columns=_list(INTEREST)).fillna(0.0)
    out.columns = [f"heat_{t}" for t in INTEREST]
    return out.reindex(index, fill_value=0.0) if index is not None else out


def _heat_mistakes(events, at, half_life_days, index):
    v = _functools.partial(_heat_variant, events, at, half_life_days, index=index)
    return [
        _Mistake("time decay with the sign flipped (2^(+age/half_life)): old events must weigh less, not more",
                 v(sign=1.0)),
        _Mistake("counted events exactly at `at` (<= instead of <); only events strictly before count", v(inclusive=True)),
        _Mistake("future leakage: used events after `at`; keep only events strictly before it",
                 v(ignore_time=True)),
        _Mistake("used e^(-age/half_life); with a half-life the weight is 2^(-age/half_life)", v(base=_np.e)),
        _Mistake("measured the age in hours instead of days", v(unit=_Timedelta(hours=1))),
        _Mistake("measured the age in seconds instead of days", v(unit=_Timedelta(seconds=1))),
        _Mistake("no time decay: plain counts of the events", v(base=None)),
    ]


@_quietly
def check_behaviour_heat_on(behaviour_heat, events, at, half_life_days, expected, name="behaviour_heat"):
    before = events.copy()
    got = _c.call(behaviour_heat, events, at, half_life_days, name="behaviour_heat")
    _unchanged(before, events, "behaviour_heat")
    expected = _DataFrame(expected).astype(_np.float64)
    _c.check_type(got, _DataFrame, name)
    _c._check_index(got.columns, expected.columns, name, "column")
    _check_rows(got, expected, name,
                "dropped users whose events before `at` include none of the four interest types; "
                "they get a row of zeros (reindex on every user with an event before `at`)", events, at)
    _check_frame_lazily(got, expected, name, lambda: _heat_mistakes(events, at, half_life_days, expected.index))


def _an_event_time(events, event_type=C.PURCHASE, q=0.6):
    times = events.loc[(events[C.EVENT_TYPE] == event_type).to_numpy(), C.TIMESTAMP].sort_values()
    return times.iloc[_int(q * (_len(times) - 1))]


@_quietly
def check_behaviour_heat(behaviour_heat, events, half_life_days=7.0):
    at = _an_event_time(events)  # exactly at a purchase: that purchase must not count
    expected = _ref_heat(events, at, half_life_days)
    check_behaviour_heat_on(behaviour_heat, events, at, half_life_days, expected,
                            f"behaviour_heat(events, at={at}, half_life_days={half_life_days})")
    _passed()


# ================================================================ 3. RFM
_RFM = ["recency_days", "frequency", "monetary", "days_since_last_event"]


def _rfm_variant(events, at, index, recency="last", frequency="purchases", inclusive=False, ignore_time=False,
                 fill_recency=None, monetary_nan=False, last_event="last"):
    at = _Timestamp(at)
    ts = events[C.TIMESTAMP]
    keep = _np.ones(_len(events), bool) if ignore_time else ((ts <= at) if inclusive else (ts < at)).to_numpy()
    ev = events.loc[keep]
    age = ((at - ev[C.TIMESTAMP]) / _DAY).to_numpy(dtype=_np.float64)
    buy = (ev[C.EVENT_TYPE] == C.PURCHASE).to_numpy()
    f = _DataFrame({"u": ev[C.USER_ID].to_numpy(), "age": age, "buy_age": _np.where(buy, age, _np.nan),
                    "buy": buy.astype(_np.int64) if frequency == "purchases" else _np.ones(buy.size, _np.int64),
                    "paid": _np.where(buy, ev[C.PRICE_PAID].fillna(0.0).to_numpy(dtype=_np.float64), 0.0)})
    g = f.groupby("u")
    out = _DataFrame({"recency_days": g["buy_age"].min() if recency == "last" else g["buy_age"].max(),
                      "frequency": g["buy"].sum(), "monetary": g["paid"].sum(),
                      "days_since_last_event": g["age"].min() if last_event == "last" else g["age"].max()})
    out = out.reindex(index)
    out["frequency"] = out["frequency"].fillna(0)
    out["monetary"] = out["monetary"].fillna(0.0)
    if monetary_nan:
        out.loc[out["frequency"] == 0, "monetary"] = _np.nan
    if fill_recency is not None:
        out["recency_days"] = out["recency_days"].fillna(fill_recency)
    return out


def _rfm_mistakes(events, at, index):
    v = _functools.partial(_rfm_variant, events, at, index)
    return [
        _Mistake("recency measured from the first purchase; it is the time since the last (most recent) purchase",
                 v(recency="first")),
        _Mistake("frequency counted all events; it is the number of purchases", v(frequency="all")),
        _Mistake("counted events exactly at `at` (<= instead of <); only events strictly before count", v(inclusive=True)),
        _Mistake("future leakage: used events after `at`; keep only events strictly before it", v(ignore_time=True)),
        _Mistake("recency 0 for users who never bought; it is NaN (0 would mean they just bought)", v(fill_recency=0.0)),
        _Mistake("monetary NaN for users who never bought; it is 0", v(monetary_nan=True)),
        _Mistake("days_since_last_event measured from the first event; use the most recent one", v(last_event="first")),
    ]


@_quietly
def check_rfm_features_on(rfm_features, events, at, expected, name="rfm_features"):
    before = events.copy()
    got = _c.call(rfm_features, events, at, name="rfm_features")
    _unchanged(before, events, "rfm_features")
    expected = _DataFrame(expected).astype(_np.float64)
    _c.check_type(got, _DataFrame, name)
    _c._check_index(got.columns, expected.columns, name, "column")
    if got["recency_days"].dtype.kind == "m":
        raise _CheckFailure(f"{name}['recency_days'] holds Timedeltas; divide by pd.Timedelta(days=1) to get "
                            f"float days.")
    _check_rows(got, expected, name, "dropped users without a purchase; every user with an event before `at` "
                                     "gets a row (recency NaN, frequency 0, monetary 0)", events, at)
    _check_frame_lazily(got, expected, name, lambda: _rfm_mistakes(events, at, expected.index))


@_quietly
def check_rfm_features(rfm_features, events):
    at = _an_event_time(events, q=0.5)
    check_rfm_features_on(rfm_features, events, at, _ref_rfm(events, at), f"rfm_features(events, at={at})")
    _passed()


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


# ================================================================ 5. cyclic time
_CYCLIC = ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos"]


def _cyclic_variant(ts, hour_period=24.0, weekday_period=7.0, integer_hour=False, weekday_shift=0, degrees=False):
    dt = ts.dt
    hour = dt.hour.to_numpy(dtype=_np.float64)
    if not integer_hour:
        hour = hour + dt.minute.to_numpy() / 60.0 + dt.second.to_numpy() / 3600.0
    wd = ((dt.day_of_week.to_numpy() + weekday_shift) % 7).astype(_np.float64)
    k = 360.0 if degrees else 2 * _pi
    a, b = k * hour / hour_period, k * wd / weekday_period
    return _DataFrame({"hour_sin": _sin(a), "hour_cos": _cos(a), "weekday_sin": _sin(b), "weekday_cos": _cos(b)},
                      index=ts.index)


def _cyclic_mistakes(ts):
    v = _functools.partial(_cyclic_variant, ts)
    return [
        _Mistake("hour encoded with period 23 (the largest hour); the period is 24 hours, so 0:00 and 24:00 coincide",
                 v(hour_period=23.0)),
        _Mistake("weekday encoded with period 6; the period is 7 days", v(weekday_period=6.0)),
        _Mistake("used the integer hour only; use the fractional hour hour + minute/60 + second/3600",
                 v(integer_hour=True)),
        _Mistake("weekday with Sunday = 0; pandas' day_of_week has Monday = 0", v(weekday_shift=1)),
        _Mistake("angles in degrees; np.sin and np.cos take radians (2*pi*h/24)", v(degrees=True)),
    ]


@_quietly
def check_cyclic_time_features_on(cyclic_time_features, timestamps, expected, name="cyclic_time_features"):
    ts = _Series(_to_datetime(timestamps)) if not _isinstance(timestamps, _Series) else timestamps
    got = _c.call(cyclic_time_features, ts.copy(), name="cyclic_time_features")
    expected = _DataFrame(expected, index=ts.index).astype(_np.float64)
    _c.check_type(got, _DataFrame, name)
    cols = _list(got.columns)
    if "hour_sin" in cols and "hour_cos" not in cols or "weekday_sin" in cols and "weekday_cos" not in cols:
        raise _CheckFailure(
            f"{name} has no cosine column(s) (columns {cols}). Likely mistake: encoded without the cosine; the sine "
            f"alone maps 6:00 and 18:00 to opposite points but 3:00 and 9:00 to the same value, so both "
            f"coordinates are needed.")
    _c._check_index(got.columns, expected.columns, name, "column")
    if _len(got) == _len(expected) and _list(got.index) != _list(expected.index):
        raise _CheckFailure(f"{name} should keep the index of the timestamps Series.")
    same_cols = _len(got) == _len(expected) and _all_close(got["hour_sin"].to_numpy(dtype=_np.float64),
                                                          got["hour_cos"].to_numpy(dtype=_np.float64), 0, 1e-12)
    if same_cols and not _all_close(expected["hour_sin"], expected["hour_cos"], 0, 1e-12):
        raise _CheckFailure(f"{name}: hour_cos equals hour_sin. Likely mistake: encoded without the cosine "
                            f"(the sine twice).")
    _check_frame_lazily(got, expected, name, lambda: _cyclic_mistakes(ts))


@_quietly
def check_cyclic_time_features(cyclic_time_features, events, n=5000, seed=1):
    idx = _np.sort(_default_rng(seed).choice(_len(events), n, replace=False))
    ts = events[C.TIMESTAMP].iloc[idx]
    check_cyclic_time_features_on(cyclic_time_features, ts, _ref_cyclic(ts),
                                  f"cyclic_time_features on {n} shop timestamps")
    _passed()


# ================================================================ 6. price buckets
def _buckets_variant(prices, edges, side="right", missing=-1):
    p = _asarray(prices, dtype=_np.float64)
    codes = _searchsorted(edges, p, side=side).astype(_np.int64)
    if missing is not None:
        codes[_isnan_np(p)] = missing
    return codes


def _unpack_buckets(got, name):
    if not (_isinstance(got, tuple) and _len(got) == 2):
        raise _CheckFailure(f"{name} should return a tuple (codes, edges), got {type(got).__name__}.")
    return _asarray(got[0]), _asarray(got[1], dtype=_np.float64)


@_quietly
def check_price_buckets_on(price_buckets, train_prices, n_buckets, new_prices, expected_edges, expected_train,
                           expected_new, name="price_buckets"):
    """Fit: ``price_buckets(train_prices, n_buckets=...)``; apply: ``price_buckets(new_prices, edges=...)``."""
    train = _asarray(train_prices, dtype=_np.float64)
    new = _asarray(new_prices, dtype=_np.float64)
    e = _asarray(expected_edges, dtype=_np.float64)
    codes, edges = _unpack_buckets(_c.call(price_buckets, train.copy(), n_buckets=n_buckets, name="price_buckets"),
                                   f"{name}(train prices, n_buckets={n_buckets})")
    wrong_edges = [
        _Mistake("equal-width edges between min and max; equal-frequency buckets use the quantiles "
                 "np.quantile(prices, [1/B, ..., (B-1)/B])",
                 _linspace(_np.nanmin(train), _np.nanmax(train), n_buckets + 1)[1:-1]),
        _Mistake("B + 1 edges including min and max; return only the B - 1 inner edges",
                 _quantile(train[~_isnan_np(train)], _linspace(0, 1, n_buckets + 1))),
    ]
    _c.check_close(edges, e, f"{name}: the edges fitted with n_buckets={n_buckets}", rtol=1e-9, atol=1e-12,
                   mistakes=wrong_edges)
    _c.check_dtype(codes, "iu", f"{name}: codes")
    wrong_codes = [
        _Mistake("a price equal to an edge went to the lower bucket (pd.qcut / side='left' intervals); "
                 "bucket b holds e_b <= p < e_(b+1)", _buckets_variant(train, e, side="left")),
        _Mistake("missing prices must get code -1 (searchsorted puts NaN after the last edge)",
                 _buckets_variant(train, e, missing=None)),
    ]
    _c.check_close(codes, expected_train, f"{name}: codes of the prices the edges were fitted on", rtol=0, atol=0,
                   mistakes=wrong_codes)
    got = _c.call(price_buckets, new.copy(), edges=e.copy(), name="price_buckets")
    new_codes, new_edges = _unpack_buckets(got, f"{name}(new prices, edges=...)")
    finite = new[~_isnan_np(new)]
    refit = _quantile(finite, _linspace(0, 1, _len(e) + 2)[1:-1]) if finite.size else e
    wrong_new = [
        _Mistake("computed new quantile edges from the prices passed in (test-set quantiles) instead of using "
                 "the given edges fitted on training data", _buckets_variant(new, _unique(refit))),
        _Mistake("a price equal to an edge went to the lower bucket (pd.qcut / side='left' intervals); "
                 "bucket b holds e_b <= p < e_(b+1)", _buckets_variant(new, e, side="left")),
        _Mistake("missing prices must get code -1 (searchsorted puts NaN after the last edge)",
                 _buckets_variant(new, e, missing=None)),
    ]
    _c.check_close(new_codes, expected_new, f"{name}: codes of new prices with the given edges", rtol=0, atol=0,
                   mistakes=wrong_new)
    _c.check_close(new_edges, e, f"{name}: the edges returned when edges are given (return them unchanged)",
                   rtol=1e-12, atol=0)


@_quietly
def check_price_buckets(price_buckets, items, n_buckets=5, launched_by_day=0):
    old = items[C.LAUNCH_DAY].to_numpy() < launched_by_day
    train = items.loc[old, C.PRICE].to_numpy(dtype=_np.float64)
    new = items.loc[~old, C.PRICE].to_numpy(dtype=_np.float64)
    codes, edges = _ref_price_buckets(train, n_buckets=n_buckets)
    new_codes, _ = _ref_price_buckets(new, edges=edges)
    check_price_buckets_on(price_buckets, train, n_buckets, new, edges, codes, new_codes,
                           f"price_buckets on the catalogue (edges from items launched before day {launched_by_day})")
    _passed()


# ================================================================ 7. category one-hot
@_quietly
def check_category_one_hot_on(category_one_hot, categories, level, vocabulary, expected, name="category_one_hot"):
    """``expected``: DataFrame (columns "<level>=<value>")."""
    cats = _Series(categories) if not _isinstance(categories, _Series) else categories
    got = _c.call(category_one_hot, cats.copy(), level,
                  None if vocabulary is None else _list(vocabulary), name="category_one_hot")
    expected = _DataFrame(expected)
    _c.check_type(got, _DataFrame, name)
    cols, exp_cols = [_str(c) for c in got.columns], _list(expected.columns)
    if cols != exp_cols:
        parts = _ref_split_category(cats)
        bare = [f"leaf={v}" for v in _sorted(parts["leaf_name"].dropna().unique())]
        present = [f"{level}={v}" for v in _sorted(parts[level].dropna().unique())]
        if level == "leaf" and cols == bare and bare != exp_cols:
            raise _CheckFailure(f"{name} has the columns {cols}, expected {exp_cols}. Likely mistake: used the bare "
                                f"leaf name; leaf names repeat across top-level categories (kids/shoes vs "
                                f"sport/shoes), so the leaf level is the full 'top/leaf' path.")
        if vocabulary is not None and _sorted(cols) == present:
            raise _CheckFailure(f"{name} has the columns {cols}, expected {exp_cols}. Likely mistake: ignored the "
                                f"given vocabulary and took the values present in the data; with a vocabulary fitted "
                                f"on training data, train and test get the same columns and unseen values an "
                                f"all-zero row.")
        if _sorted(cols) == _sorted(exp_cols):
            raise _CheckFailure(f"{name} has the right columns in the wrong order. Likely mistake: columns must "
                                f"follow the vocabulary's order (sorted values when no vocabulary is given).\n"
                                f"Expected: {exp_cols}\nGot:      {cols}")
        _c._check_index(got.columns, expected.columns, name, "column")
    if got.shape != expected.shape:
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape} (one row per category value).")
    if _list(got.index) != _list(expected.index):
        raise _CheckFailure(f"{name} should keep the index of the categories Series.")
    _c.check_close(got.to_numpy(dtype=_np.float64), expected.to_numpy(dtype=_np.float64), name, rtol=0, atol=0)


@_quietly
def check_category_one_hot(category_one_hot, items, launched_by_day=0):
    cats = items[C.CATEGORY].astype(str)
    old = items[C.LAUNCH_DAY].to_numpy() < launched_by_day
    for level in ("top", "leaf"):
        check_category_one_hot_on(category_one_hot, cats, level, None, _ref_one_hot(cats, level),
                                  f"category_one_hot(items' categories, {level!r})")
        vocab = _ref_one_hot(cats[old], level).columns.str.split("=", n=1).str[1].tolist()[:-1]
        new = cats[~old]
        check_category_one_hot_on(category_one_hot, new, level, vocab, _ref_one_hot(new, level, vocab),
                                  f"category_one_hot(new items' categories, {level!r}, vocabulary)")
    _passed()


# ================================================================ 8. hashing trick
def _hash_variant(values, n_features, seed, alternate_sign, hash_fn="murmur", modulo="abs", sign="normal",
                  add=True):
    out = _zeros((_len(values), n_features))
    for r, row in enumerate(values):
        tokens = row if _isinstance(row, (_list, tuple)) else [row]
        seen = set()
        for tok in tokens:
            tok = _str(tok)
            if hash_fn == "murmur":
                h = _murmur(tok, seed)
            elif hash_fn == "positive":
                h = _murmur_positive(tok, seed)
            elif hash_fn == "murmur0":
                h = _murmur(tok, 0)
            else:
                h = _hash(tok)
            col = (_abs(h) if modulo == "abs" else h) % n_features
            s = 1.0
            if alternate_sign and sign == "normal":
                s = 1.0 if h >= 0 else -1.0
            elif sign == "flipped":
                s = -1.0 if h >= 0 else 1.0
            elif sign == "always":
                s = 1.0 if h >= 0 else -1.0
            if add:
                out[r, col] += s
            elif (col, s) not in seen:
                out[r, col] += s
                seen.add((col, s))
    return out


def _hash_mistakes(values, n_features, seed, alternate_sign):
    v = _functools.partial(_hash_variant, values, n_features, seed, alternate_sign)
    out = [
        _Mistake("used Python's built-in hash(); it is salted per process (PYTHONHASHSEED), so the columns "
                 "change from run to run; use sklearn.utils.murmurhash3_32", v(hash_fn="python")),
        _Mistake("used Python's built-in hash(); it is salted per process (PYTHONHASHSEED), so the columns "
                 "change from run to run; use sklearn.utils.murmurhash3_32", v(hash_fn="python", modulo="raw")),
        _Mistake("used the unsigned hash (positive=True); take the signed 32-bit hash h, column |h| mod n_features, "
                 "sign of h", v(hash_fn="positive")),
        _Mistake("column h mod n_features of the signed hash; take the absolute value first: |h| mod n_features",
                 v(modulo="raw")),
        _Mistake("the sign is flipped: +1 for h >= 0 and -1 for h < 0", v(sign="flipped")),
        _Mistake("ignored the seed; pass seed= to murmurhash3_32", v(hash_fn="murmur0")),
        _Mistake("repeated tokens counted once; each occurrence adds its sign", v(add=False)),
    ]
    if alternate_sign:
        out.append(_Mistake("ignored alternate_sign (every token adds +1)", v(sign="none")))
    else:
        out.append(_Mistake("ignored alternate_sign=False (tokens still add their sign)", v(sign="always")))
    return out


def _dense(got):
    if _hasattr(got, "toarray") and _callable(got.toarray):
        got = got.toarray()
    return _asarray(got)


@_quietly
def check_hashing_trick_on(hashing_trick, values, n_features, seed=0, alternate_sign=True, expected=None,
                           name="hashing_trick"):
    """``expected``: dense array; None: the toolbox reference (MurmurHash3, as scikit-learn's FeatureHasher)."""
    values = [_list(v) if _isinstance(v, (_list, tuple)) else v for v in values]
    try:
        got = _c.call(hashing_trick, [_list(v) if _isinstance(v, _list) else v for v in values], n_features,
                      seed=seed, alternate_sign=alternate_sign, name="hashing_trick")
    except _CheckFailure as exc:
        cause = exc.__cause__
        if _isinstance(cause, (IndexError, ValueError)) and "index" in _str(cause).lower():
            raise _CheckFailure(f"{name}: {_str(exc).splitlines()[0]} Likely mistake: the hash was not reduced "
                                f"modulo n_features, so the column index is out of range; use |h| mod n_features."
                                ) from None
        raise
    if expected is None:
        expected = _ref_hashing(values, n_features=n_features, seed=seed, alternate_sign=alternate_sign).toarray()
    expected = _asarray(expected, dtype=_np.float64)
    g = _dense(got)
    if g.ndim == 2 and g.shape[0] == expected.shape[0] and g.shape[1] > n_features:
        raise _CheckFailure(f"{name} has {g.shape[1]} columns, expected n_features = {n_features}. Likely mistake: "
                            f"the hash was not reduced modulo n_features; use |h| mod n_features.")
    _c.check_shape(g, expected.shape, name)
    if _all_close(g, expected, 0, 1e-12):
        return
    _c.check_close(g, expected, name, rtol=0, atol=1e-12,
                   mistakes=_hash_mistakes(values, n_features, seed, alternate_sign))


@_quietly
def check_hashing_trick(hashing_trick, items, n_features=64):
    values = [[f"brand={b}", f"category={c}"] + _str(t).split()
              for b, c, t in zip(items[C.BRAND].astype(str), items[C.CATEGORY].astype(str), items[C.TITLE].astype(str))]
    check_hashing_trick_on(hashing_trick, values, n_features, 0, True, None,
                           f"hashing_trick(brand, category and title tokens of the items, {n_features})")
    check_hashing_trick_on(hashing_trick, values[:200], 16, 42, False, None,
                           "hashing_trick(..., n_features=16, seed=42, alternate_sign=False)")
    _passed()
