"""``load_shop``: read a shop's three tables with proper dtypes, validating as it goes.

Taught in module 00 (shop_data); every later module starts with it.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data import validation as V
from recsys_lib.data.errors import ShopDataError
from recsys_lib.data.files import SHOP_FILES, shipped_shop_path
from recsys_lib.data.shop import Shop

INT, NULLABLE_INT, FLOAT, CATEGORY, STRING, TIMESTAMP = "int", "Int", "float", "category", "string", "timestamp"

#: the parsed type of every column of every table
SCHEMA: dict[str, dict[str, str]] = {
    C.ITEMS: {C.ITEM_ID: INT, C.CATEGORY: CATEGORY, C.BRAND: CATEGORY, C.PRICE: FLOAT,
              C.RATING: FLOAT, C.TITLE: STRING, C.LAUNCH_DAY: INT},
    C.USERS: {C.USER_ID: INT, C.REGION: CATEGORY, C.DEVICE: CATEGORY, C.AGE_BAND: CATEGORY,
              C.SIGNUP_DAY: INT},
    C.EVENTS: {C.USER_ID: INT, C.SESSION_ID: INT, C.TIMESTAMP: TIMESTAMP, C.EVENT_TYPE: CATEGORY,
               C.ITEM_ID: NULLABLE_INT, C.QUERY: STRING, C.POSITION: NULLABLE_INT, C.PRICE_PAID: FLOAT},
}
_READ_DTYPE = {INT: "Int64", NULLABLE_INT: "Int64", FLOAT: "float64", CATEGORY: str, STRING: "string",
               TIMESTAMP: str}


def _find_file(folder: Path, table: str) -> Path:
    name = SHOP_FILES[table]
    stem = name.split(".")[0]
    for candidate in (folder / name, folder / f"{stem}.csv", folder / f"{stem}.csv.gz"):
        if candidate.is_file():
            return candidate
    raise ShopDataError(folder / name, f"file not found (looked for {stem}.csv and {stem}.csv.gz in {folder})")


def _diagnose_parse_error(path: Path, schema: dict[str, str], exc: Exception) -> ShopDataError:
    """Find the row and column behind a parse error by re-reading the file as text."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col, kind in schema.items():
        if col not in raw or kind not in (INT, NULLABLE_INT, FLOAT):
            continue
        text = raw[col].str.strip()
        number = pd.to_numeric(text, errors="coerce")
        bad = (text != "") & number.isna()
        if kind != FLOAT:
            bad |= number.notna() & (number % 1 != 0)
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            what = "a number" if kind == FLOAT else "an integer"
            return ShopDataError(path, f"not {what}", row=int(rows[0]) + 1, column=col,
                                 value=raw[col].iloc[rows[0]], n_rows=len(rows))
    return ShopDataError(path, f"could not be parsed: {exc}")


def read_table(path: Path, table: str) -> pd.DataFrame:
    """Read one table and convert every column to its schema type. Raises ShopDataError."""
    schema = SCHEMA[table]
    try:
        frame = pd.read_csv(path, dtype={c: _READ_DTYPE[k] for c, k in schema.items()})
    except pd.errors.EmptyDataError:
        raise ShopDataError(path, "empty file (no header)") from None
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        row = int(line.group(1)) - 1 if line else None
        raise ShopDataError(path, f"malformed CSV: {exc}", row=row) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise _diagnose_parse_error(path, schema, exc) from None
    V.require_columns(frame, tuple(schema), path)

    for col, kind in schema.items():
        if kind == TIMESTAMP:
            text = frame[col]
            V.fail_where(text.isna(), frame, path, col, "missing timestamp")
            parsed = pd.to_datetime(text, format=C.TIMESTAMP_FORMAT, errors="coerce")
            V.fail_where(parsed.isna(), frame, path, col,
                         "unparseable timestamp (expected YYYY-MM-DD HH:MM:SS)")
            frame[col] = parsed.astype("datetime64[ns]")
        elif kind == INT:
            V.fail_where(frame[col].isna(), frame, path, col, "missing value")
            frame[col] = frame[col].astype(np.int64)
        elif kind == CATEGORY:
            if col == C.EVENT_TYPE:
                V.fail_where(frame[col].isna(), frame, path, col, "missing event type")
                V.fail_where(~frame[col].isin(C.EVENT_TYPES), frame, path, col,
                             f"unknown event type; expected one of {list(C.EVENT_TYPES)}")
                frame[col] = pd.Categorical(frame[col], categories=list(C.EVENT_TYPES))
            else:
                frame[col] = frame[col].astype("category")
    return frame


def load_shop(path: str | Path | None = None) -> Shop:
    """Load a shop: ``items, users, events = load_shop()``.

    Parameters
    ----------
    path : folder holding ``items.csv``, ``users.csv`` and ``events.csv.gz`` (or ``events.csv``);
        default: the shipped ShopSim data set in ``datasets/shopsim``.

    Returns
    -------
    Shop(items, users, events) of DataFrames with proper dtypes: integer ids, categoricals
    (``event_type`` in funnel order), ``timestamp`` as datetime64, nullable ``Int64`` for
    ``item_id`` (empty for searches) and ``position`` (impressions only), ``price_paid``
    as float (NaN unless purchase). Events are sorted by user, then time (stable).

    Raises
    ------
    ShopDataError
        for any malformed input, naming the file, row and column: a missing column, an
        unparseable timestamp, a negative or missing price, an unknown event type, an
        event whose user or item is not in its table, a duplicated id, ...
        Nothing is dropped or repaired silently.

    Taught in module 00 (shop_data).
    """
    folder = Path(path) if path is not None else shipped_shop_path()
    if not folder.is_dir():
        raise ShopDataError(folder, "not a folder: pass the folder that holds items.csv, users.csv and events.csv.gz")
    files = {t: _find_file(folder, t) for t in C.TABLES}
    items = read_table(files[C.ITEMS], C.ITEMS)
    V.validate_items(items, files[C.ITEMS])
    users = read_table(files[C.USERS], C.USERS)
    V.validate_users(users, files[C.USERS])
    events = read_table(files[C.EVENTS], C.EVENTS)
    V.validate_events(events, files[C.EVENTS], items, users)

    user = events[C.USER_ID].to_numpy()
    ts = events[C.TIMESTAMP].to_numpy()
    ordered = bool(np.all((user[1:] > user[:-1]) | ((user[1:] == user[:-1]) & (ts[1:] >= ts[:-1]))))
    if not ordered:
        events = events.sort_values([C.USER_ID, C.TIMESTAMP], kind="stable", ignore_index=True)
    return Shop(items=items, users=users, events=events)
