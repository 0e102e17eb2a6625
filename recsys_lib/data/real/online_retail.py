"""UCI Online Retail: a year of invoice lines of a UK gift-ware web shop, with string stock codes.

Source format (the UCI page): ``Online Retail.xlsx``, one sheet with the header ``InvoiceNo,
StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country``; invoice numbers
are 6 digits (``C`` + 6 digits for a cancellation), stock codes 5 digits with an optional letter
suffix (``85123A``; text codes such as ``POST`` are fees), ``InvoiceDate`` a date-time cell,
``CustomerID`` a number or empty. The widespread CSV export (``data.csv``, Latin-1, dates such as
``12/1/2010 8:26``) is read too. Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data.real import reading as R
from recsys_lib.data.real.fetch import resolve
from recsys_lib.data.real.registry import dataset

NAME = "online_retail"
COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
           "Country"]
#: date formats of the CSV exports, tried in order
DATE_FORMATS = ("%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")
#: product stock codes start with five digits; other codes (POST, DOT, M, BANK CHARGES, ...) are not products
PRODUCT_CODE = r"^\d{5}"

DROP_NO_CUSTOMER = "no CustomerID (the purchase cannot be given to a shopper)"
DROP_CANCELLED = "cancellations (InvoiceNo starting with C)"
DROP_QUANTITY = "other lines with a quantity of 0 or less (stock adjustments)"
DROP_PRICE = "negative UnitPrice (bad-debt adjustments)"
DROP_NOT_PRODUCT = "stock codes that are not products (postage, fees, manual adjustments)"


def _read(file: Path, nrows: int | None) -> tuple[pd.DataFrame, str, str]:
    """(raw frame with the source's columns, label for messages, row unit) from xlsx, zip or csv."""
    label, data = str(file), None
    if file.suffix.lower() not in (".xlsx", ".xlsm") and zipfile.is_zipfile(file):   # an .xlsx is a zip too
        with zipfile.ZipFile(file) as zf:
            member = next((n for n in zf.namelist() if n.lower().endswith((".xlsx", ".csv"))), None)
            if member is None:
                raise R.RealDataError(file, "no .xlsx or .csv file in this zip")
            data, label = zf.read(member), f"{file}:{member}"
        is_excel = member.lower().endswith(".xlsx")
    else:
        is_excel = file.suffix.lower() in (".xlsx", ".xlsm")
    source = io.BytesIO(data) if data is not None else file
    if is_excel:
        try:
            import openpyxl  # noqa: F401  (pandas' .xlsx engine, a dependency of recsys-course)
        except ImportError:
            raise ImportError("reading UCI Online Retail's .xlsx needs openpyxl: pip install openpyxl") from None
        raw = pd.read_excel(source, sheet_name=0, nrows=nrows, engine="openpyxl",
                            dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str})
        return raw, label, "spreadsheet row"
    for encoding in ("utf-8", "latin-1"):
        try:
            raw = pd.read_csv(io.BytesIO(data) if data is not None else file, dtype=str, keep_default_na=False,
                              na_values=[""], nrows=nrows, encoding=encoding)
            return raw, label, "line"
        except UnicodeDecodeError:
            continue
    raise R.RealDataError(file, "neither UTF-8 nor Latin-1 text")   # pragma: no cover - latin-1 decodes anything


def _numbers(raw: pd.DataFrame, col: str, label: str, unit: str, integer: bool, allow_missing: bool):
    values = raw[col]
    text = values.astype("string").str.strip()
    missing = values.isna().to_numpy() | (text == "").fillna(True).to_numpy()
    number = pd.to_numeric(values.where(~missing), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~missing & np.isnan(number)
    R.fail_where(bad, raw, label, col, "not a number", unit=unit)
    if integer:
        R.fail_where(~missing & (number % 1 != 0), raw, label, col, "not an integer", unit=unit)
    if not allow_missing:
        R.fail_where(missing, raw, label, col, "missing value", unit=unit)
    return number


def _dates(raw: pd.DataFrame, label: str, unit: str) -> np.ndarray:
    values = raw["InvoiceDate"]
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values)
    else:
        text = values.astype("string").str.strip()
        parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
        for fmt in DATE_FORMATS:
            todo = parsed.isna()
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    R.fail_where(parsed.isna().to_numpy(), raw, label, "InvoiceDate",
                 "not a date and time (e.g. 12/1/2010 8:26 or a date cell)", unit=unit)
    return parsed.to_numpy().astype("datetime64[ns]")


def load_online_retail(path=None, *, download: bool = False, cache=None, nrows: int | None = None,
                       products_only: bool = True, progress: bool = True) -> R.RealLog:
    """UCI Online Retail as a course log: each invoice line with a positive quantity is a
    ``purchase`` of its stock code (a **string** id, e.g. ``"85123A"``) at ``price_paid`` = UnitPrice,
    and the invoice is the session.

    Dropped and counted in ``dropped`` (each row under the first reason that applies): lines without
    CustomerID, cancellations, other non-positive quantities, negative prices, and (with
    ``products_only``) stock codes that do not start with five digits (postage, fees, adjustments).

    Parameters
    ----------
    path : ``Online Retail.xlsx``, UCI's ``online+retail.zip``, or the CSV export; default: the
        cached download.
    download : fetch UCI's zip (23 MB) when it is not cached (the SHA-256 of the first download is
        recorded; later uses are verified against it).
    nrows : read only the first data rows (the xlsx takes about a minute to parse in full).

    A malformed cell raises :class:`RealDataError` naming file, row (spreadsheet row or line) and
    column. ``items`` holds each stock code's last description (``C.TITLE``) and unit price
    (``C.PRICE``).

    Taught in module 04 (knn_collaborative_filtering).
    """
    info = dataset(NAME)
    file = resolve(NAME, path, download=download, cache=cache, progress=progress)
    raw, label, unit = _read(file, nrows)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise R.RealDataError(label, f"missing column(s) {missing}; the header has {list(raw.columns)}",
                              column=missing[0])
    for col in ("InvoiceNo", "StockCode"):
        R.fail_where(raw[col].isna().to_numpy(), raw, label, col, "missing value", unit=unit)
    invoice = raw["InvoiceNo"].astype("string").str.strip()
    code = raw["StockCode"].astype("string").str.strip()
    quantity = _numbers(raw, "Quantity", label, unit, integer=True, allow_missing=False)
    price = _numbers(raw, "UnitPrice", label, unit, integer=False, allow_missing=False)
    customer = _numbers(raw, "CustomerID", label, unit, integer=True, allow_missing=True)
    times = _dates(raw, label, unit)

    dropped: dict[str, int] = {}
    keep = R.count_drop(dropped, DROP_NO_CUSTOMER, np.isnan(customer))
    cancelled = invoice.str.upper().str.startswith("C").fillna(False).to_numpy()
    keep &= R.count_drop(dropped, DROP_CANCELLED, keep & cancelled)
    keep &= R.count_drop(dropped, DROP_QUANTITY, keep & (quantity <= 0))
    keep &= R.count_drop(dropped, DROP_PRICE, keep & (price < 0))
    if products_only:
        product = code.str.match(PRODUCT_CODE).fillna(False).to_numpy()
        keep &= R.count_drop(dropped, DROP_NOT_PRODUCT, keep & ~product)

    users = customer[keep].astype(np.int64)
    events = R.events_frame(users, R.dense_codes(invoice[keep].to_numpy(dtype=object)), times[keep],
                            pd.Categorical([C.PURCHASE] * int(keep.sum()), categories=list(C.EVENT_TYPES)),
                            code[keep].to_numpy(dtype=object), item_dtype="string", price_paid=price[keep])
    lines = pd.DataFrame({C.ITEM_ID: code[keep].to_numpy(dtype=object), C.TIMESTAMP: times[keep],
                          C.TITLE: raw["Description"].astype("string")[keep].to_numpy(), C.PRICE: price[keep]})
    last = lines.sort_values(C.TIMESTAMP, kind="stable").groupby(C.ITEM_ID, sort=True).last()
    items = pd.DataFrame({C.ITEM_ID: pd.array(last.index.to_numpy(dtype=object), dtype="string"),
                          C.TITLE: pd.array(last[C.TITLE].to_numpy(dtype=object), dtype="string"),
                          C.PRICE: last[C.PRICE].to_numpy(dtype=np.float64)})
    return R.RealLog(NAME, file, events, items, rows_read=len(raw), dropped=dropped,
                     expected_rows=info.expected_rows)
