"""Checks on a shop's tables. Each failed check raises :class:`ShopDataError` naming the
file, the first offending row and the column; nothing is dropped or repaired silently."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data.errors import ShopDataError


def fail_where(bad: np.ndarray | pd.Series, frame: pd.DataFrame, file: Path, column: str, problem: str,
               show: str | None = None) -> None:
    """Raise for the first row where ``bad`` is true, reporting ``show`` (default ``column``)'s value."""
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        rows = np.flatnonzero(bad)
        value = frame[show or column].iloc[rows[0]] if (show or column) in frame else None
        value = None if value is None or pd.isna(value) else (value.item() if hasattr(value, "item") else value)
        raise ShopDataError(file, problem, row=int(rows[0]) + 1, column=column, value=value, n_rows=len(rows))


def require_columns(frame: pd.DataFrame, expected: tuple[str, ...], file: Path) -> None:
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise ShopDataError(file, f"missing column(s) {missing}; the header has {list(frame.columns)}",
                            column=missing[0])


def require_values(frame: pd.DataFrame, columns: tuple[str, ...], file: Path) -> None:
    for col in columns:
        fail_where(frame[col].isna(), frame, file, col, "missing value")


def require_unique(frame: pd.DataFrame, column: str, file: Path) -> None:
    fail_where(frame[column].duplicated(keep="first"), frame, file, column, f"duplicated {column}")


def require_known(frame: pd.DataFrame, column: str, known: pd.Series, file: Path, table: str) -> None:
    values = frame[column]
    fail_where(values.notna() & ~values.isin(known), frame, file, column, f"{column} not found in the {table} table")


def require_range(frame: pd.DataFrame, column: str, file: Path, low: float | None = None,
                  high: float | None = None, where: pd.Series | None = None) -> None:
    values = frame[column]
    bad = pd.Series(False, index=frame.index)
    if low is not None:
        bad |= values < low
    if high is not None:
        bad |= values > high
    if where is not None:
        bad &= where
    bounds = f"at least {low}" if high is None else f"between {low} and {high}" if low is not None else f"at most {high}"
    fail_where(bad.fillna(False), frame, file, column, f"must be {bounds}")


def validate_items(items: pd.DataFrame, file: Path) -> None:
    require_values(items, (C.ITEM_ID, C.CATEGORY, C.PRICE), file)
    require_unique(items, C.ITEM_ID, file)
    require_range(items, C.PRICE, file, low=0)
    require_range(items, C.RATING, file, low=1, high=5)


def validate_users(users: pd.DataFrame, file: Path) -> None:
    require_values(users, (C.USER_ID,), file)
    require_unique(users, C.USER_ID, file)


def validate_events(events: pd.DataFrame, file: Path, items: pd.DataFrame, users: pd.DataFrame) -> None:
    require_values(events, (C.USER_ID, C.SESSION_ID), file)
    etype = events[C.EVENT_TYPE]
    fail_where(etype.isna(), events, file, C.EVENT_TYPE, "missing event type")
    unknown = ~etype.isin(C.EVENT_TYPES)
    fail_where(unknown, events, file, C.EVENT_TYPE, f"unknown event type; expected one of {list(C.EVENT_TYPES)}")
    needs_item = etype != C.SEARCH
    fail_where(needs_item & events[C.ITEM_ID].isna(), events, file, C.ITEM_ID, "missing item_id for a non-search event")
    fail_where((etype == C.SEARCH) & events[C.QUERY].isna(), events, file, C.QUERY, "missing query for a search event")
    is_imp = etype == C.IMPRESSION
    fail_where(is_imp & events[C.POSITION].isna(), events, file, C.POSITION, "missing position for an impression")
    require_range(events, C.POSITION, file, low=1, where=is_imp)
    is_buy = etype == C.PURCHASE
    fail_where(is_buy & events[C.PRICE_PAID].isna(), events, file, C.PRICE_PAID, "missing price_paid for a purchase")
    require_range(events, C.PRICE_PAID, file, low=0)
    require_known(events, C.USER_ID, users[C.USER_ID], file, C.USERS)
    require_known(events, C.ITEM_ID, items[C.ITEM_ID], file, C.ITEMS)
