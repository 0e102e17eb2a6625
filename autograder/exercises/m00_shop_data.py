"""Checks for module 00 (shop_data). Test cells call ``check_<exercise>(student_function, ...)``
on the shop's data and on small logs printed in the notebook (public tests) and
``check_<exercise>_on(...)`` with hand-computed expected values on small logs built with
``make_log`` (hidden tests).

Every rule a task text states is tested by a PUBLIC check as well as a hidden one: a funnel stage
without events counts 0 (Exercise 1); a rate whose denominator is 0 is NaN (Exercises 2 and 3);
one row per top-level category that has funnel events, sorted (Exercise 3); float Series
(Exercises 2, 4, 6); an event exactly at the cutoff's midnight belongs to test, and both parts keep
the log's rows, order and index (Exercise 5); distinct users and items, searches ignored
(Exercise 6)."""
from __future__ import annotations


import numpy as _np
import pandas as _pd

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import columns as C
from recsys_lib.metrics import funnel as _funnel
from recsys_lib import splitting as _splitting

# shared exercise helpers (autograder.checks), bound before any student code runs
_unchanged = _c.unchanged

# Reference implementations, bound at import time (before any student code runs).
_ref_funnel_counts = _funnel.funnel_counts
_ref_funnel_rates = _funnel.funnel_rates
_ref_rates_by_category = _funnel.rates_by_category
_ref_engagement = _funnel.engagement
_ref_temporal_split = _splitting.temporal_split
_ref_cutoff = _splitting.last_days_cutoff
_ref_cold_start = _funnel.cold_start_rates
_ref_top_category = _funnel.top_category
_Series, _DataFrame, _Timestamp, _Timedelta = _pd.Series, _pd.DataFrame, _pd.Timestamp, _pd.Timedelta
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
RATES = _funnel.RATES




_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr


def make_log(rows) -> _pd.DataFrame:
    """A small, correctly typed events table from ``(user, session, "YYYY-mm-dd HH:MM[:SS]",
    event_type, item_or_None)`` tuples (query, position and price_paid left empty)."""
    users, sessions, times, types, items = zip(*rows)
    return _DataFrame({
        C.USER_ID: _pd.array(users, dtype="int64"),
        C.SESSION_ID: _pd.array(sessions, dtype="int64"),
        C.TIMESTAMP: _pd.to_datetime(list(times)),
        C.EVENT_TYPE: _pd.Categorical(types, categories=list(C.EVENT_TYPES)),
        C.ITEM_ID: _pd.array(items, dtype="Int64"),
        C.QUERY: _pd.array([None] * len(rows), dtype="string"),
        C.POSITION: _pd.array([None] * len(rows), dtype="Int64"),
        C.PRICE_PAID: _np.full(len(rows), _np.nan),
    })


def make_items(rows) -> _pd.DataFrame:
    """A small items table from ``(item_id, "top/leaf")`` tuples."""
    ids, cats = zip(*rows)
    return _DataFrame({C.ITEM_ID: _pd.array(ids, dtype="int64"),
                       C.CATEGORY: _pd.Categorical(cats)})




#: The small public logs of the test cells (the notebook prints nothing about them; their rows are
#: in this file, which learners may read). Hidden tests use other logs.
SMALL_LOG_ROWS = [
    (1, 1, "2025-03-01 10:00:00", "search", None), (1, 1, "2025-03-01 10:00:05", "impression", 1),
    (1, 1, "2025-03-01 10:00:05", "impression", 2), (1, 1, "2025-03-01 10:01:00", "click", 1),
    (2, 2, "2025-03-02 23:59:59", "impression", 3), (2, 3, "2025-03-03 00:00:00", "impression", 1),
    (2, 3, "2025-03-03 00:00:00", "click", 1), (1, 4, "2025-03-03 18:30:00", "add_to_cart", 1),
    (3, 5, "2025-03-04 09:00:00", "impression", 3), (3, 5, "2025-03-04 09:00:30", "search", None),
]
SMALL_ITEMS_ROWS = [(1, "alpha/x"), (2, "alpha/y"), (3, "gamma/z"), (4, "beta/w")]


def small_log() -> _pd.DataFrame:
    """A public 10-event log: no purchases, a category (gamma) with impressions but no clicks, a
    category (beta) without events, two events exactly at midnight of 2025-03-03."""
    return make_log(SMALL_LOG_ROWS)


def small_items() -> _pd.DataFrame:
    return make_items(SMALL_ITEMS_ROWS)


# ---------------------------------------------------------------- 1. funnel counts
def _funnel_mistakes(events):
    types = events[C.EVENT_TYPE].astype(object)
    users = events.groupby(types)[C.USER_ID].nunique()
    sessions = events.groupby(types)[C.SESSION_ID].nunique()
    funnel = list(C.FUNNEL)
    return [
        _Mistake("counted distinct users per stage instead of events", users.reindex(funnel).to_numpy()),
        _Mistake("counted distinct sessions per stage instead of events", sessions.reindex(funnel).to_numpy()),
    ]


@_quietly
def check_funnel_counts_on(funnel_counts, events, expected, name="funnel_counts"):
    before = events.copy()
    got = _c.call(funnel_counts, events, name="funnel_counts")
    _unchanged(before, events, "funnel_counts")
    exp = _Series(expected, index=_pd.Index(list(C.FUNNEL), name=C.EVENT_TYPE), dtype="int64")
    _c.check_type(got, _Series, name)
    if len(got) != len(exp) or list(got.index) != list(exp.index):
        extra = [x for x in got.index if x not in C.FUNNEL]
        if extra:
            raise _CheckFailure(
                f"{name} has event types that are not funnel stages: {extra}. Likely mistake: kept "
                f"every event type; keep exactly the stages of C.FUNNEL, in that order.\n"
                f"Expected index: {list(C.FUNNEL)}\nGot index:      {list(got.index)}")
        missing = [x for x in C.FUNNEL if x not in list(got.index)]
        if missing and all(exp[x] == 0 for x in missing):
            raise _CheckFailure(
                f"{name} has no entry for {missing}, a stage without events in this log. Likely "
                f"mistake: dropped stages without events; a stage with no events counts 0.")
    if len(got) == len(exp) and list(got.index) == list(exp.index):
        empty = [x for x in C.FUNNEL if exp[x] == 0 and got[x] != 0]
        if empty:
            raise _CheckFailure(
                f"{name}[{empty[0]!r}] is {got[empty[0]]!r}; this log has no {empty[0]} events. Likely "
                f"mistake: a stage without events became NaN (or was left out before reindexing); "
                f"a stage with no events must be 0, and the Series stays integer.")
    _c.check_series(got, exp, name, rtol=0, atol=0, dtype="iu", mistakes=_funnel_mistakes(events))


@_quietly
def check_funnel_counts(funnel_counts, events):
    check_funnel_counts_on(funnel_counts, events, _ref_funnel_counts(events).to_numpy())
    no_purchases = events[(events[C.EVENT_TYPE] != C.PURCHASE).to_numpy()]
    check_funnel_counts_on(funnel_counts, no_purchases, _ref_funnel_counts(no_purchases).to_numpy(),
                           "funnel_counts on the shop's log without its purchases (a stage with no events)")
    _passed()


# ---------------------------------------------------------------- 2. funnel rates
@_quietly
def check_funnel_rates_on(funnel_rates, counts, expected, name="funnel_rates"):
    got = _c.call(funnel_rates, counts.copy(), name="funnel_rates")
    exp = _Series(expected, index=_pd.Index(list(RATES), name="rate"), dtype="float64")
    n = counts.astype("float64")
    wrong = [
        _Mistake("ratios upside down (e.g. impressions / clicks instead of clicks / impressions)",
                 [n[C.IMPRESSION] / n[C.CLICK], n[C.CLICK] / n[C.ADD_TO_CART], n[C.CLICK] / n[C.PURCHASE]]),
        _Mistake("conversion_rate relative to impressions; it is purchases / clicks",
                 [exp.iloc[0], exp.iloc[1], n[C.PURCHASE] / n[C.IMPRESSION]]),
        _Mistake("conversion_rate relative to add_to_cart; it is purchases / clicks",
                 [exp.iloc[0], exp.iloc[1], n[C.PURCHASE] / n[C.ADD_TO_CART]]),
        _Mistake("add_to_cart_rate relative to impressions; it is add_to_cart / clicks",
                 [exp.iloc[0], n[C.ADD_TO_CART] / n[C.IMPRESSION], exp.iloc[2]]),
    ]
    undefined = exp.isna().to_numpy()
    if undefined.any():
        wrong.append(_Mistake("a rate whose denominator is 0 reported as 0; it is undefined: NaN",
                              _np.where(undefined, 0.0, exp.to_numpy())))
        wrong.append(_Mistake("a rate whose denominator is 0 reported as infinite; it is undefined: NaN",
                              _np.where(undefined, _np.inf, exp.to_numpy())))
    _c.check_series(got, exp, name, rtol=1e-9, atol=1e-12, dtype="f", mistakes=wrong)


@_quietly
def check_funnel_rates(funnel_rates, events):
    counts = _ref_funnel_counts(events)
    check_funnel_rates_on(funnel_rates, counts, _ref_funnel_rates(counts).to_numpy())
    for shown in ([120, 0, 0, 0], [0, 0, 0, 0]):
        small = _Series(shown, index=_pd.Index(list(C.FUNNEL), name=C.EVENT_TYPE), dtype="int64")
        check_funnel_rates_on(funnel_rates, small, _ref_funnel_rates(small).to_numpy(),
                              f"funnel_rates on the counts {shown} (zero denominators)")
    _passed()


# ---------------------------------------------------------------- 3. rates by category
def _mean_of_item_rates(events, items):
    """The classic mistake: average the per-item rates instead of dividing summed counts."""
    funnel = events[events[C.EVENT_TYPE].isin(C.FUNNEL)]
    per_item = _pd.crosstab(funnel[C.ITEM_ID], funnel[C.EVENT_TYPE].astype(object)).reindex(
        columns=list(C.FUNNEL), fill_value=0).astype(float)
    rates = _DataFrame({
        RATES[0]: per_item[C.CLICK] / per_item[C.IMPRESSION].where(per_item[C.IMPRESSION] > 0),
        RATES[1]: per_item[C.ADD_TO_CART] / per_item[C.CLICK].where(per_item[C.CLICK] > 0),
        RATES[2]: per_item[C.PURCHASE] / per_item[C.CLICK].where(per_item[C.CLICK] > 0),
    })
    top = _ref_top_category(items[C.CATEGORY])
    top.index = items[C.ITEM_ID].to_numpy()
    out = rates.groupby(rates.index.map(top)).mean().sort_index()
    out.index = _pd.Index(out.index.astype(str), name=C.CATEGORY)
    return out


@_quietly
def check_rates_by_category_on(rates_by_category, events, items, expected, name="rates_by_category"):
    got = _c.call(rates_by_category, events.copy(), items.copy(), name="rates_by_category")
    _c.check_type(got, _DataFrame, name)
    n_leaf = items[C.CATEGORY].astype(str).nunique()
    if len(got) == n_leaf and len(expected) != n_leaf:
        raise _CheckFailure(f"{name} has {len(got)} rows, expected {len(expected)} (one per top-level "
                            f"category). Likely mistake: grouped by the full \"top/leaf\" category; "
                            f"use only the part before the \"/\".")
    extra = [c for c in got.index if c not in list(expected.index)]
    if extra and _c._frames_close(got.reindex(expected.index), expected, 1e-9, 1e-12):
        raise _CheckFailure(f"{name} has rows for {extra}, categories without funnel events in this log. "
                            f"Likely mistake: one row per category of the catalogue; keep the categories "
                            f"that have funnel events (a category nobody saw has no rates at all).")
    mistakes = [_Mistake("averaged the per-item rates; divide the summed counts of the category instead",
                         _mean_of_item_rates(events, items))]
    if expected.isna().to_numpy().any():
        mistakes.append(_Mistake("a rate whose denominator is 0 (a category with no clicks) reported as 0; "
                                 "it is undefined: NaN, as in Exercise 2", expected.fillna(0.0)))
    # a "mistake" that gives the right numbers on this log (one item per category) is not one
    mistakes = [m for m in mistakes if not _c._frames_close(m.value, expected, 1e-9, 1e-12)]
    _c.check_frame(got, expected, name, rtol=1e-9, atol=1e-12, mistakes=mistakes)


@_quietly
def check_rates_by_category(rates_by_category, events, items):
    check_rates_by_category_on(rates_by_category, events, items, _ref_rates_by_category(events, items))
    log, cats = small_log(), small_items()
    check_rates_by_category_on(rates_by_category, log, cats, _ref_rates_by_category(log, cats),
                               "rates_by_category on the small log (gamma: no clicks; beta: no events)")
    _passed()


# ---------------------------------------------------------------- 4. engagement
@_quietly
def check_engagement_on(engagement, events, expected, name="engagement"):
    before = events.copy()
    got = _c.call(engagement, events, name="engagement")
    _unchanged(before, events, "engagement")
    exp = _Series(expected, index=_pd.Index(list(_funnel.ENGAGEMENT), name="statistic"), dtype="float64")
    n_users, n_sessions = exp.iloc[0], exp.iloc[1]
    per_user_events = len(events) / n_users
    wrong = [
        _Mistake("sessions_per_user is events per user; count distinct sessions per user",
                 [n_users, n_sessions, per_user_events, exp.iloc[3]]),
        _Mistake("events_per_session divides by users; divide by the number of sessions",
                 [n_users, n_sessions, exp.iloc[2], per_user_events]),
        _Mistake("counted rows instead of distinct users and sessions",
                 [len(events), len(events), 1.0, 1.0]),
    ]
    _c.check_series(got, exp, name, rtol=1e-9, atol=1e-12, mistakes=wrong, dtype="f")


@_quietly
def check_engagement(engagement, events):
    check_engagement_on(engagement, events, _ref_engagement(events).to_numpy())
    _passed()


# ---------------------------------------------------------------- 5. temporal split
@_quietly
def check_temporal_split_on(temporal_split, events, test_days, cutoff, name="temporal_split"):
    """``cutoff``: the expected first instant of the test period."""
    before = events.copy()
    got = _c.call(temporal_split, events, test_days, name="temporal_split")
    _unchanged(before, events, "temporal_split")
    if not (isinstance(got, tuple) and len(got) == 2):
        raise _CheckFailure(f"{name} should return a tuple (train, test), got {type(got).__name__}.")
    train, test = got
    _c.check_type(train, _DataFrame, f"{name}: train")
    _c.check_type(test, _DataFrame, f"{name}: test")
    ts = C.TIMESTAMP
    if len(train) and len(test) and train[ts].max() > test[ts].min():
        raise _CheckFailure(
            f"{name}: future leakage: train has events at {train[ts].max()}, after the first test "
            f"event at {test[ts].min()}. Likely mistake: split at random (or by row position) "
            f"instead of by time; train must end before test begins.")
    both = train.index.intersection(test.index)
    if len(both) and len(train) and len(test) and train[ts].max() < test[ts].min():
        raise _CheckFailure(
            f"{name}: {len(both)} index labels are in both train and test, but no event is. Likely "
            f"mistake: reset or rebuilt the index of a part; keep the log's index (boolean indexing does).")
    if len(both):
        raise _CheckFailure(
            f"{name}: {len(both)} events are in both train and test (e.g. at {events.loc[both[0], ts]}).\n"
            f"Likely mistake: used <= and >= at the cutoff; use < for train and >= for test.")
    if len(train) + len(test) != len(events):
        raise _CheckFailure(f"{name}: train and test hold {len(train) + len(test)} events together, "
                            f"expected all {len(events)}; no event may be dropped.")
    cutoff = _Timestamp(cutoff)
    first_test = test[ts].min() if len(test) else None
    if first_test is not None and first_test < cutoff:
        days = (cutoff - first_test.floor("D")) // _Timedelta(days=1)
        raise _CheckFailure(
            f"{name}: test starts at {first_test}, expected the test period to start at {cutoff} "
            f"(the last {test_days} calendar days). Likely mistake: off by {days} day(s): the test "
            f"days include the day of the last event, so the cutoff is test_days - 1 days before "
            f"that day's midnight.")
    if first_test is not None and first_test.floor("D") > cutoff:
        raise _CheckFailure(
            f"{name}: test starts at {first_test}, expected the test period to start at {cutoff} "
            f"(the last {test_days} calendar days). Likely mistake: test period too short by a day "
            f"(off by one), or the cutoff is not at midnight.")
    before_cut = (events[ts] < cutoff).to_numpy()
    for part, got_part, mask in (("train", train, before_cut), ("test", test, ~before_cut)):
        exp_index = events.index[mask]
        if list(got_part.index) != list(exp_index):
            same_set = sorted(got_part.index.tolist()) == sorted(exp_index.tolist())
            raise _CheckFailure(
                f"{name}: {part} should hold the {len(exp_index)} events "
                f"{'before' if part == 'train' else 'at or after'} {cutoff} in their original order, "
                f"with their original index; got {len(got_part)} events"
                + (" in another order. Likely mistake: sorted the rows; keep the log's order." if same_set
                   else ". Likely mistake: reset or rebuilt the index; keep the log's rows as they are."))
        if list(got_part.columns) != list(events.columns) or not got_part.equals(events[mask]):
            raise _CheckFailure(f"{name}: {part} should keep the log's rows unchanged (every column, "
                                f"same values); select rows with a boolean mask.")


@_quietly
def check_temporal_split(temporal_split, events, test_days=7):
    check_temporal_split_on(temporal_split, events, test_days, _ref_cutoff(events, test_days))
    log = small_log()
    check_temporal_split_on(temporal_split, log, 2, _ref_cutoff(log, 2),
                            "temporal_split(small log, test_days=2) (two events exactly at midnight of the "
                            "first test day)")
    _passed()


# ---------------------------------------------------------------- 6. cold start
@_quietly
def check_cold_start_rates_on(cold_start_rates, train, test, expected, name="cold_start_rates"):
    got = _c.call(cold_start_rates, train.copy(), test.copy(), name="cold_start_rates")
    exp = _Series(expected, index=_pd.Index(["new_users", "new_items"], name="share"), dtype="float64")
    by_event = [(~test[C.USER_ID].isin(train[C.USER_ID])).mean(),
                (~test[C.ITEM_ID].dropna().isin(train[C.ITEM_ID].dropna())).mean()]
    wrong = [
        _Mistake("shares weighted by events; count each distinct user/item of the test period once",
                 by_event),
        _Mistake("shares of known (not new) users and items; you want the ones never seen in train",
                 [1 - exp.iloc[0], 1 - exp.iloc[1]]),
    ]
    _c.check_series(got, exp, name, rtol=1e-9, atol=1e-12, mistakes=wrong, dtype="f")


@_quietly
def check_cold_start_rates(cold_start_rates, events, test_days=7):
    train, test = _ref_temporal_split(events, test_days)
    check_cold_start_rates_on(cold_start_rates, train, test, _ref_cold_start(train, test).to_numpy())
    _passed()
