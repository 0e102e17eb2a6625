"""The ``Shop`` container: the three ShopSim tables."""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd


class Shop(NamedTuple):
    """A shop's three tables. Unpack it: ``items, users, events = load_shop()``.

    Taught in module 00 (shop_data).
    """

    items: pd.DataFrame
    users: pd.DataFrame
    events: pd.DataFrame
