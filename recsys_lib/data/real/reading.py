"""What every real-log loader shares: typed reading with errors that name file, row and column,
counted drops, sessions by inactivity, and the ``events`` table in the course's schema.

Taught in module 04 (knn_collaborative_filtering), where the course's recommenders first run on a
real log ("now on real data"); module 08 reuses it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data.errors import ShopDataError

#: sessions of logs without session ids: a new session after this much inactivity (the usual
#: 30 minutes of web analytics)
SESSION_GAP = pd.Timedelta(minutes=30)


class RealDataError(ShopDataError):
    """A malformed real-log file: names the file, the 1-based data row (and the line or spreadsheet
    row it is on) and the column. ``header_lines`` is 0 for files without a header line.

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, file, problem: str, *, row: int | None = None, column: str | None = None,
                 value: object = None, n_rows: int = 1, header_lines: int = 1, unit: str = "line"):
        super().__init__(file, problem, row=row, column=column, value=value, n_rows=n_rows)
        where = "header" if row is None else f"row {row} ({unit} {row + header_lines})"
        col = f", column '{column}'" if column is not None else ""
        val = f" (value {value!r})" if value is not None else ""
        more = f"; {n_rows - 1} more row(s) have the same problem" if n_rows > 1 else ""
        self.args = (f"{self.file}: {where}{col}: {problem}{val}{more}",)


class RealDataNotFound(FileNotFoundError):
    """The data set is not on this machine (and was not downloaded): the message says how to get it.

    Taught in module 04 (knn_collaborative_filtering).
    """


@dataclass
class RealLog:
    """A real log mapped onto the course's schema.

    ``events`` has the columns of ``C.EVENT_COLUMNS`` (plus ``C.RATING`` for MovieLens) with the
    dtypes of :func:`recsys_lib.data.load_shop`'s events (string item ids where the source has them,
    e.g. UCI Online Retail's stock codes), sorted by user, then time; ``items`` has ``C.ITEM_ID``
    and what the source tells about items (``C.CATEGORY``, ``C.TITLE``, ``C.PRICE``).
    ``dropped`` counts the rows left out on purpose, by documented reason; ``notes`` says what else
    was resolved (and how often); ``rows_read`` counts the data rows of the file; ``complete`` says
    whether that is the published size of the full data set.
    Taught in module 04 (knn_collaborative_filtering).
    """

    name: str
    source: Path
    events: pd.DataFrame
    items: pd.DataFrame
    rows_read: int
    dropped: dict[str, int] = field(default_factory=dict)
    expected_rows: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.expected_rows is not None and self.rows_read == self.expected_rows

    def summary(self) -> str:
        """One paragraph: sizes, drops, and whether the file is the whole published data set."""
        ev = self.events
        lines = [f"{self.name}: {len(ev):,} events, {ev[C.USER_ID].nunique():,} users, "
                 f"{ev[C.ITEM_ID].nunique():,} items, {ev[C.SESSION_ID].nunique():,} sessions "
                 f"from {self.rows_read:,} rows of {self.source}"]
        if len(ev):
            lines.append(f"  time span {ev[C.TIMESTAMP].min()} .. {ev[C.TIMESTAMP].max()}; "
                         + ", ".join(f"{t}: {n:,}" for t, n in ev[C.EVENT_TYPE].value_counts(sort=False).items() if n))
        for reason, n in self.dropped.items():
            lines.append(f"  dropped {n:,} row(s): {reason}")
        lines += [f"  note: {note}" for note in self.notes]
        if self.expected_rows is not None:
            lines.append("  the complete published data set" if self.complete else
                         f"  a part of the data set (the published file has {self.expected_rows:,} rows)")
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading
def _open(source):
    """A fresh readable for ``source`` (a path, or the bytes of an archive member)."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _diagnose(source, label, names: list[str], kinds: dict[str, str], read_kwargs: dict,
              header_lines: int) -> RealDataError | None:
    """Re-read the file as text and name the first row and column that cannot be parsed."""
    kwargs = dict(read_kwargs)
    kwargs.update(dtype=str, keep_default_na=False, na_values=[])
    raw = pd.read_csv(_open(source), **kwargs)
    path = label
    for col in names:
        kind = kinds.get(col)
        if kind not in ("int", "nullable_int", "float") or col not in raw:
            continue
        text = raw[col].str.strip()
        missing = text.isin(["", "NA"]) if kind == "nullable_int" else pd.Series(False, index=text.index)
        number = pd.to_numeric(text.where(~missing), errors="coerce")
        bad = ~missing & number.isna()
        if kind != "float":
            bad |= number.notna() & (number % 1 != 0)
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            what = "missing value" if text.iloc[rows[0]] == "" else (
                "not a number" if kind == "float" else "not an integer")
            value = None if what == "missing value" else raw[col].iloc[rows[0]]
            return RealDataError(path, what, row=int(rows[0]) + 1, column=col, value=value,
                                 n_rows=len(rows), header_lines=header_lines)
    return None


def read_delimited(source, names: list[str], kinds: dict[str, str], *, sep: str, header: bool,
                   nrows: int | None = None, usecols: list[str] | None = None,
                   na_values=("NA", ""), encoding: str | None = None, label: str | None = None) -> pd.DataFrame:
    """Read a delimited file (a path, or the bytes of an archive member named ``label``) whose
    columns ``names`` have the ``kinds`` "int" (int64, no missing value), "nullable_int" (Int64;
    ``NA`` or empty is missing), "float", "category" or "string".

    With ``header`` the file's header line must hold exactly ``names`` (in order). A malformed row
    raises :class:`RealDataError` naming file, row and column; nothing is dropped here.

    Taught in module 04 (knn_collaborative_filtering).
    """
    path = label or str(source)
    header_lines = 1 if header else 0
    dtypes = {"int": "int64", "nullable_int": "Int64", "float": "float64", "category": "category",
              "string": "string"}
    if header:
        try:
            first = pd.read_csv(_open(source), sep=sep, nrows=0, encoding=encoding).columns.tolist()
        except pd.errors.EmptyDataError:
            raise RealDataError(path, "empty file (no header)") from None
        if [c.strip() for c in first] != names:
            missing = [c for c in names if c not in first]
            raise RealDataError(path, f"unexpected header {first}; expected {names}",
                                column=missing[0] if missing else None)
    kwargs = dict(sep=sep, header=0 if header else None, names=names, nrows=nrows, usecols=usecols,
                  encoding=encoding, compression="infer")
    try:
        frame = pd.read_csv(_open(source), dtype={c: dtypes[kinds[c]] for c in names if (usecols is None or c in usecols)},
                            na_values=list(na_values), keep_default_na=False, **kwargs)
    except pd.errors.EmptyDataError:
        raise RealDataError(path, "empty file") from None
    except pd.errors.ParserError as exc:
        raise RealDataError(path, f"malformed line: {exc}") from None
    except (ValueError, TypeError, OverflowError) as exc:
        diagnosed = _diagnose(source, path, names, kinds, kwargs, header_lines)
        raise (diagnosed or RealDataError(path, f"could not be parsed: {exc}")) from None
    for col, kind in kinds.items():
        if kind == "int" and col in frame and frame[col].isna().any():   # pragma: no cover - int64 cannot hold NA
            raise RealDataError(path, "missing value", column=col, header_lines=header_lines)
    return frame


def fail_where(bad, frame: pd.DataFrame, path: Path, column: str, problem: str, *, header_lines: int = 1,
               unit: str = "line", show=None) -> None:
    """Raise :class:`RealDataError` for the first row where ``bad`` holds.

    Taught in module 04 (knn_collaborative_filtering).
    """
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        rows = np.flatnonzero(bad)
        values = show if show is not None else frame[column]
        value = values.iloc[rows[0]] if hasattr(values, "iloc") else values[rows[0]]
        value = None if pd.isna(value) else (value.item() if hasattr(value, "item") else value)
        raise RealDataError(path, problem, row=int(rows[0]) + 1, column=column, value=value,
                            n_rows=len(rows), header_lines=header_lines, unit=unit)


def map_event_types(values: pd.Series, mapping: dict[str, str], path: Path, column: str,
                    header_lines: int = 1) -> pd.Categorical:
    """The source's event names mapped onto ``C.EVENT_TYPES`` (an unknown name is an error).

    Taught in module 04 (knn_collaborative_filtering).
    """
    values = values.astype("string")
    known = values.isin(list(mapping))
    fail_where(~known.fillna(False).to_numpy(), values.to_frame(column), path, column,
               f"unknown event type; expected one of {sorted(mapping)}", header_lines=header_lines)
    codes = values.map(mapping)
    return pd.Categorical(codes.astype(object), categories=list(C.EVENT_TYPES))


def unix_time(values, unit: str) -> np.ndarray:
    """Seconds or milliseconds since 1970-01-01 UTC as naive UTC datetime64[ns].

    Taught in module 04 (knn_collaborative_filtering).
    """
    return pd.to_datetime(np.asarray(values, dtype=np.int64), unit=unit).to_numpy().astype("datetime64[ns]")


def sessions_by_gap(users: np.ndarray, times: np.ndarray, gap: pd.Timedelta = SESSION_GAP) -> np.ndarray:
    """Session ids (1, 2, ... unique over the log) for events without them: a user's next event
    starts a new session when it comes more than ``gap`` after the previous one.

    Taught in module 04 (knn_collaborative_filtering).
    """
    n = len(users)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((times, users))
    u, t = users[order], times[order].astype("datetime64[ns]").astype(np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = (u[1:] != u[:-1]) | (np.diff(t) > gap.value)
    out = np.empty(n, dtype=np.int64)
    out[order] = np.cumsum(new)
    return out


def dense_codes(values) -> np.ndarray:
    """1-based integer codes of arbitrary ids, in order of the sorted distinct ids.

    Taught in module 04 (knn_collaborative_filtering).
    """
    _, inverse = np.unique(np.asarray(values), return_inverse=True)
    return inverse.astype(np.int64) + 1


def events_frame(users, sessions, times, event_types: pd.Categorical, items, *, item_dtype: str = "Int64",
                 price_paid=None, extra: dict | None = None) -> pd.DataFrame:
    """The course's ``events`` table (``C.EVENT_COLUMNS`` + ``extra``), sorted by user then time (stable).

    Taught in module 04 (knn_collaborative_filtering).
    """
    n = len(users)
    frame = pd.DataFrame({
        C.USER_ID: np.asarray(users, dtype=np.int64),
        C.SESSION_ID: np.asarray(sessions, dtype=np.int64),
        C.TIMESTAMP: np.asarray(times).astype("datetime64[ns]"),
        C.EVENT_TYPE: event_types,
        C.ITEM_ID: pd.array(items, dtype=item_dtype),
        C.QUERY: pd.array([pd.NA] * n, dtype="string"),
        C.POSITION: pd.array([pd.NA] * n, dtype="Int64"),
        C.PRICE_PAID: np.full(n, np.nan) if price_paid is None else np.asarray(price_paid, dtype=np.float64),
    })
    for name, values in (extra or {}).items():
        frame[name] = values
    return frame.sort_values([C.USER_ID, C.TIMESTAMP], kind="stable", ignore_index=True)


def count_drop(dropped: dict[str, int], reason: str, mask) -> np.ndarray:
    """Record how many rows ``mask`` drops (under ``reason``) and return the rows to keep.

    Taught in module 04 (knn_collaborative_filtering).
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        dropped[reason] = dropped.get(reason, 0) + int(mask.sum())
    return ~mask
