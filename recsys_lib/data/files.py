"""Where a shop's tables live on disk."""
from __future__ import annotations

from pathlib import Path

from recsys_lib import columns as C

#: file name of each table inside a shop folder
SHOP_FILES = {C.ITEMS: "items.csv", C.USERS: "users.csv", C.EVENTS: "events.csv.gz"}


def shipped_shop_path() -> Path:
    """The folder of the shipped ShopSim data set (``datasets/shopsim`` in the repository)."""
    return Path(__file__).resolve().parents[2] / "datasets" / "shopsim"
