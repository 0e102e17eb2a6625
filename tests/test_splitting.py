"""Unit tests of recsys_lib.splitting (module 00)."""
from __future__ import annotations

import pandas as pd
import pytest

from autograder.exercises.m00_shop_data import make_log
from recsys_lib import columns as C
from recsys_lib.splitting import last_days_cutoff, temporal_split


@pytest.fixture()
def log():
    # sorted by user then time, like the shop: not by time overall
    return make_log([
        (1, 1, "2025-03-01 10:00:00", "impression", 1), (1, 4, "2025-03-04 08:00:00", "click", 1),
        (2, 2, "2025-03-02 23:59:59", "impression", 2), (2, 3, "2025-03-03 00:00:00", "impression", 3),
        (2, 3, "2025-03-03 12:00:00", "click", 3)])


def test_cutoff_counts_the_last_day(log):
    assert last_days_cutoff(log, 1) == pd.Timestamp("2025-03-04")
    assert last_days_cutoff(log, 2) == pd.Timestamp("2025-03-03")
    with pytest.raises(ValueError):
        last_days_cutoff(log, 0)


def test_temporal_split_no_leakage_and_event_at_cutoff_in_test(log):
    train, test = temporal_split(log, 2)
    assert train.index.tolist() == [0, 2]
    assert test.index.tolist() == [1, 3, 4]
    assert train[C.TIMESTAMP].max() < test[C.TIMESTAMP].min()
    assert len(train) + len(test) == len(log)


def test_temporal_split_on_the_shipped_shop():
    from recsys_lib.data import load_shop

    events = load_shop().events
    train, test = temporal_split(events, 7)
    assert train[C.TIMESTAMP].max() < test[C.TIMESTAMP].min()
    assert len(train) + len(test) == len(events)
    assert test[C.TIMESTAMP].dt.floor("D").nunique() == 7
