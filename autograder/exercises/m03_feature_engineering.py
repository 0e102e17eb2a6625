"""Checks for module 03 (feature_engineering). Test cells call ``check_<exercise>(student_function,
...)`` on the shop's data (public tests: the learner's function against the toolbox reference in
``recsys_lib.features``) and ``check_<exercise>_on(...)`` with hand-computed expected values on tiny
logs built with ``make_log`` (hidden tests). Wrong answers are compared with the known mistakes
(future leakage, decay with the sign flipped, ``<=`` at the cutoff, recency from the first purchase,
Python's salted ``hash()``, period 23, test-set quantiles, ...) only after a check has failed.

Split in three files (each under 450 lines): this one holds the shared helpers and Exercises 1-3
and re-exports the checks of Exercise 4 (:mod:`autograder.exercises.m03_feature_engineering_join`)
and Exercises 5-8 (:mod:`autograder.exercises.m03_feature_engineering_encoding`), so the notebook
imports everything from here.

Every rule a task text states is tested by a PUBLIC check as well as a hidden one: sequences are
int64 NumPy arrays ordered by time with ties in the log's row order (a public log with many ties);
heat and RFM columns are floats (frequency may be an integer) and only events strictly before
``at`` count (``at`` is exactly at a purchase); the point-in-time join keeps the labels' index,
order and columns, its counts are integers and events at or after a prediction time change
nothing; price-bucket edges are de-duplicated and a missing price gets -1 (a public example with
both); one-hot columns are 0/1 integers; the hashing trick handles empty rows and adds repeated
tokens (a public example with both)."""

import builtins as _builtins
import functools as _functools

import numpy as _np
import pandas as _pd

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises import m00_shop_data as _m00
from recsys_lib import columns as C
from recsys_lib import features as _features

# Reference implementations and everything the checks use, bound at import time (before any
# student code runs), so rebinding a name in the notebook does not change what the checks do.
_unchanged = _c.unchanged
_ref_sequences = _features.behaviour_sequences
_ref_heat = _features.behaviour_heat
_ref_rfm = _features.rfm_features
INTEREST = tuple(_features.INTEREST_EVENT_TYPES)
_m00_make_log = _m00.make_log
_Series, _DataFrame, _Timestamp, _Timedelta = _pd.Series, _pd.DataFrame, _pd.Timestamp, _pd.Timedelta
_asarray, _array, _unique, _ndarray = _np.asarray, _np.array, _np.unique, _np.ndarray
_default_rng = _np.random.default_rng
_len, _int, _float, _list, _sorted, _isinstance, _type = (
    _builtins.len, _builtins.int, _builtins.float, _builtins.list, _builtins.sorted, _builtins.isinstance,
    _builtins.type)
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
_DAY = _Timedelta(days=1)
_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr

from autograder.exercises.m03_feature_engineering_encoding import _check_frame_lazily  # noqa: E402


def make_log(rows) -> _pd.DataFrame:
    """A small, correctly typed events table from ``(user, session, "YYYY-mm-dd HH:MM[:SS]",
    event_type, item_or_None[, price_paid])`` tuples (``make_log`` of module 00 plus the price paid)."""
    rows = _list(rows)
    log = _m00_make_log([r[:5] for r in rows])
    log[C.PRICE_PAID] = _array([r[5] if _len(r) > 5 and r[5] is not None else _np.nan for r in rows],
                               dtype=_np.float64)
    return log





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
def _sequences_variant(events, event_types, max_len, sort=True, keep="last", reverse=False, types=True,
                       with_times=False):
    ev = events
    if types:
        ev = ev.loc[ev[C.EVENT_TYPE].isin(event_types).to_numpy()]
    ev = ev.loc[ev[C.ITEM_ID].notna().to_numpy()]
    ev = ev.sort_values([C.USER_ID, C.TIMESTAMP] if sort else [C.USER_ID], kind="stable")
    out = {}
    users = ev[C.USER_ID].to_numpy()
    items = ev[C.ITEM_ID].to_numpy(dtype=_np.int64)
    times = ev[C.TIMESTAMP].to_numpy()
    uniq, starts, counts = _unique(users, return_index=True, return_counts=True)
    for u, s, n in zip(uniq, starts, counts):
        seq = [_int(x) for x in items[s:s + n]]
        when = _list(times[s:s + n])
        if reverse:
            seq, when = seq[::-1], when[::-1]
        if max_len is not None:
            seq, when = (seq[-max_len:], when[-max_len:]) if keep == "last" else (seq[:max_len], when[:max_len])
        out[_int(u)] = (seq, when) if with_times else seq
    return out


def _only_ties_differ(events, event_types, max_len, got_d, users) -> bool:
    """True when every user's sequence differs from the expected one at most by the order of
    events that share a timestamp (an unstable sort)."""
    reference = _sequences_variant(events, event_types, max_len, with_times=True)
    for u in users:
        seq, when = reference[u]
        got = got_d.get(u)
        if got is None or _len(got) != _len(seq):
            return False
        start = 0
        for k in range(1, _len(seq) + 1):
            if k == _len(seq) or when[k] != when[start]:
                if _sorted(got[start:k]) != _sorted(seq[start:k]):
                    return False
                start = k
    return True


def _as_sequence_dict(got, name):
    out = {}
    for user, seq in got.items():
        if not (_isinstance(seq, _ndarray) and seq.dtype.kind in "iu"):
            kind = _type(seq).__name__ + (f" of dtype {seq.dtype}" if _isinstance(seq, _ndarray) else "")
            raise _CheckFailure(f"{name}: the value for user {user!r} is a {kind}; every value must be a "
                                f"1-D NumPy array of int64 item ids (got {_short(seq)}).")
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
    if likely is None and _only_ties_differ(events, event_types, max_len, got_d, exp_users):
        likely = ("events at the same time are not in the log's row order: an unstable sort reorders "
                  "ties; sort with kind=\"stable\", which keeps them as they are in the log")
    user = next(u for u in exp_users if got_d[u] != expected[u])
    msg = (f"{name} is wrong for user {user}: expected {expected[user]}, got {got_d[user]}."
           + (f" Likely mistake: {likely}." if likely else ""))
    raise _CheckFailure(msg)


def _shuffled(events, seed=3):
    order = _default_rng(seed).permutation(_len(events))
    return events.iloc[order]


def tied_log(events, freq="h", seed=3):
    """The log with every timestamp floored to ``freq`` (many events of a user then share a time)
    in shuffled row order: ties must keep this row order (a stable sort)."""
    tied = events.assign(**{C.TIMESTAMP: events[C.TIMESTAMP].dt.floor(freq)})
    return _shuffled(tied, seed)


@_quietly
def check_behaviour_sequences(behaviour_sequences, events):
    shuffled = _shuffled(events)
    cases = [(shuffled, INTEREST, None, "the shop's log in shuffled row order"),
             (shuffled, (C.CLICK, C.PURCHASE), 5, "the shop's log in shuffled row order"),
             (tied_log(events), INTEREST, None, "the shop's log with times floored to the hour (ties), "
                                                "in shuffled row order")]
    for log, types, max_len, what in cases:
        ref = _ref_sequences(log, max_len=max_len, event_types=types)
        expected = {_int(u): [_int(x) for x in s] for u, s in ref.items()}
        check_behaviour_sequences_on(behaviour_sequences, log, types, max_len, expected,
                                     f"behaviour_sequences(events, {types}, max_len={max_len}) on {what}")
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
    _c.check_dtype(got, "f", name)
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
    for col, kinds in (("recency_days", "f"), ("frequency", "iuf"), ("monetary", "f"), ("days_since_last_event", "f")):
        _c.check_dtype(got[col], kinds, f"{name}[{col!r}]")
    _check_rows(got, expected, name, "dropped users without a purchase; every user with an event before `at` "
                                     "gets a row (recency NaN, frequency 0, monetary 0)", events, at)
    _check_frame_lazily(got, expected, name, lambda: _rfm_mistakes(events, at, expected.index))


@_quietly
def check_rfm_features(rfm_features, events):
    at = _an_event_time(events, q=0.5)
    check_rfm_features_on(rfm_features, events, at, _ref_rfm(events, at), f"rfm_features(events, at={at})")
    _passed()


# ================================================================ 4-8 (re-exported for the notebook)
from autograder.exercises.m03_feature_engineering_join import (  # noqa: E402,F401
    check_point_in_time_join,
    check_point_in_time_join_on,
)
from autograder.exercises.m03_feature_engineering_encoding import (  # noqa: E402,F401
    check_category_one_hot,
    check_category_one_hot_on,
    check_cyclic_time_features,
    check_cyclic_time_features_on,
    check_hashing_trick,
    check_hashing_trick_on,
    check_price_buckets,
    check_price_buckets_on,
)
