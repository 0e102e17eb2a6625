"""Splitting an event log for evaluation without looking into the future.

Taught in module 00 (shop_data).
"""
from __future__ import annotations

import pandas as pd

from recsys_lib import columns as C


def last_days_cutoff(events: pd.DataFrame, test_days: int) -> pd.Timestamp:
    """The cutoff of a temporal split: midnight at the start of the last ``test_days`` calendar
    days of the log, counting the (possibly partial) day of the last event as one of them. For a log
    whose last event is on 4 March at 09:00, ``test_days=2`` gives 3 March 00:00 (test = 3 and 4
    March). Taught in module 00 (shop_data)."""
    if test_days < 1:
        raise ValueError(f"test_days must be at least 1, got {test_days}")
    last_day = events[C.TIMESTAMP].max().floor("D")
    return last_day - pd.Timedelta(days=test_days - 1)


def temporal_split(events: pd.DataFrame, test_days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``events`` at ``last_days_cutoff(events, test_days)``: ``train`` holds the events
    strictly before the cutoff, ``test`` the events at or after it. Rows keep their order and
    index; every event lands in exactly one part, and nothing in train is later than anything
    in test. Taught in module 00 (shop_data)."""
    cutoff = last_days_cutoff(events, test_days)
    before = events[C.TIMESTAMP] < cutoff
    return events[before], events[~before]
