"""Retailrocket's ``events.csv``: views, add-to-carts and transactions of an online shop.

Source format (the Kaggle page): comma-separated with the header
``timestamp,visitorid,event,itemid,transactionid``; ``timestamp`` in milliseconds since 1970 (UTC),
``event`` one of ``view``, ``addtocart``, ``transaction``; ``transactionid`` only on transactions.
Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

from recsys_lib import columns as C
from recsys_lib.data.real import reading as R
from recsys_lib.data.real.fetch import resolve
from recsys_lib.data.real.registry import dataset

NAME = "retailrocket"
COLUMNS = ["timestamp", "visitorid", "event", "itemid", "transactionid"]
EVENTS = {"view": C.CLICK, "addtocart": C.ADD_TO_CART, "transaction": C.PURCHASE}


def load_retailrocket(path=None, *, cache=None, nrows: int | None = None, progress: bool = True) -> R.RealLog:
    """Retailrocket's behaviour log as a course log (``view`` -> click, ``addtocart`` -> add_to_cart,
    ``transaction`` -> purchase; sessions cut after 30 minutes of inactivity).

    ``path``: ``events.csv`` (or its ``.gz``); Kaggle needs an account, so there is no automatic
    download (the error message says how to get the file). ``nrows`` reads the first rows only.
    A transaction without its transaction id, an unknown event name or a non-integer id raises
    :class:`RealDataError` naming file, row and column; nothing is dropped.

    Taught in module 04 (knn_collaborative_filtering).
    """
    info = dataset(NAME)
    file = resolve(NAME, path, cache=cache, progress=progress)
    kinds = {"timestamp": "int", "visitorid": "int", "event": "category", "itemid": "int",
             "transactionid": "nullable_int"}
    raw = R.read_delimited(file, COLUMNS, kinds, sep=",", header=True, nrows=nrows)
    types = R.map_event_types(raw["event"], EVENTS, file, "event")
    R.fail_where(((raw["event"] == "transaction") & raw["transactionid"].isna()).to_numpy(), raw, file,
                 "transactionid", "missing transaction id for a transaction")
    users = raw["visitorid"].to_numpy()
    times = R.unix_time(raw["timestamp"], "ms")
    events = R.events_frame(users, R.sessions_by_gap(users, times), times, types, raw["itemid"].to_numpy())
    items = events[[C.ITEM_ID]].drop_duplicates().sort_values(C.ITEM_ID, ignore_index=True)
    return R.RealLog(NAME, file, events, items, rows_read=len(raw), expected_rows=info.expected_rows)
