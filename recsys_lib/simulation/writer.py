"""Writing a shop to disk in the shipped format (deterministic bytes)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from recsys_lib import columns as C
from recsys_lib.data.files import SHOP_FILES
from recsys_lib.data.shop import Shop
from recsys_lib.simulation.truth import GeneratedShop


def write_shop(shop: Shop | GeneratedShop, folder: str | Path, progress: bool = False) -> list[Path]:
    """Write ``items.csv``, ``users.csv`` and ``events.csv.gz`` into ``folder``.

    The output is byte-for-byte reproducible: fixed column order, fixed timestamp format,
    and a gzip header without a modification time.
    """
    tables = shop.tables if isinstance(shop, GeneratedShop) else shop
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in tqdm(C.TABLES, desc="writing", unit="table", disable=not progress):
        path = folder / SHOP_FILES[name]
        frame: pd.DataFrame = getattr(tables, name)
        compression = {"method": "gzip", "mtime": 0, "compresslevel": 9} if path.suffix == ".gz" else None
        frame.loc[:, list(C.TABLE_COLUMNS[name])].to_csv(
            path, index=False, date_format=C.TIMESTAMP_FORMAT, lineterminator="\n", compression=compression)
        paths.append(path)
    return paths
