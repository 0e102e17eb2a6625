"""Taobao's ``UserBehavior.csv`` (Alibaba, via Tianchi): page views, favourites, carts and buys.

Source format (the Tianchi page): comma-separated, no header,
``user id, item id, category id, behavior type, timestamp`` with integer ids, behaviour ``pv``,
``fav``, ``cart`` or ``buy``, and Unix seconds. Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data.real import reading as R
from recsys_lib.data.real.fetch import resolve
from recsys_lib.data.real.registry import dataset

NAME = "taobao"
COLUMNS = ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]
EVENTS = {"pv": C.CLICK, "fav": C.FAVORITE, "cart": C.ADD_TO_CART, "buy": C.PURCHASE}


def load_taobao(path=None, *, cache=None, nrows: int | None = None, progress: bool = True) -> R.RealLog:
    """Taobao UserBehavior as a course log (``pv`` -> click, ``fav`` -> favorite, ``cart`` ->
    add_to_cart, ``buy`` -> purchase; sessions cut after 30 minutes of inactivity; ``items`` gets
    each item's category id as ``C.CATEGORY``).

    ``path``: ``UserBehavior.csv`` (or ``.gz``); Tianchi needs an account, so there is no automatic
    download. The full file has 100 million rows (about 4 GB in memory once parsed): ``nrows`` reads
    the first rows only. Timestamps are kept as they are, including the few outside the documented
    nine days. An item under several category ids keeps its most frequent one in ``items``
    (counted in ``notes``). A malformed row raises :class:`RealDataError` naming file, row and
    column.

    Taught in module 04 (knn_collaborative_filtering).
    """
    info = dataset(NAME)
    file = resolve(NAME, path, cache=cache, progress=progress)
    kinds = {"user_id": "int", "item_id": "int", "category_id": "int", "behavior_type": "category",
             "timestamp": "int"}
    raw = R.read_delimited(file, COLUMNS, kinds, sep=",", header=False, nrows=nrows)
    types = R.map_event_types(raw["behavior_type"], EVENTS, file, "behavior_type", header_lines=0)
    users = raw["user_id"].to_numpy()
    times = R.unix_time(raw["timestamp"], "s")
    events = R.events_frame(users, R.sessions_by_gap(users, times), times, types, raw["item_id"].to_numpy())
    # the items table: one category per item (the most frequent one, should an item have several)
    pairs = raw.groupby(["item_id", "category_id"], sort=False).size().rename("n").reset_index()
    pairs = pairs.sort_values(["item_id", "n", "category_id"], ascending=[True, False, True], kind="stable")
    cats = pairs.drop_duplicates("item_id")
    notes = []
    if len(pairs) > len(cats):
        several = int(pairs["item_id"].value_counts().gt(1).sum())
        notes.append(f"{several:,} item(s) appear under several category ids; `items` keeps each "
                     f"one's most frequent (all events are kept)")
    items = pd.DataFrame({C.ITEM_ID: pd.array(cats["item_id"].to_numpy(), dtype="Int64"),
                          C.CATEGORY: pd.Categorical(cats["category_id"].to_numpy())})
    items = items.sort_values(C.ITEM_ID, ignore_index=True)
    return R.RealLog(NAME, file, events, items, rows_read=len(raw), expected_rows=info.expected_rows,
                     notes=notes)
