"""Where a shop's tables live on disk."""
from __future__ import annotations

from pathlib import Path

from recsys_lib import columns as C

#: file name of each table inside a shop folder
SHOP_FILES = {C.ITEMS: "items.csv", C.USERS: "users.csv", C.EVENTS: "events.csv.gz"}


#: where an installed wheel keeps the shipped shop (setup.py copies ``datasets/shopsim`` there)
PACKAGED_SHOP = Path(__file__).resolve().parent / "shipped" / "shopsim"
#: where a checkout (or an editable install) keeps it
REPOSITORY_SHOP = Path(__file__).resolve().parents[2] / "datasets" / "shopsim"


def shipped_shop_path() -> Path:
    """The folder of the shipped ShopSim data set: inside the installed package when recsys_lib
    was installed from a wheel (``pip install .``), else ``datasets/shopsim`` of the repository.

    Taught in module 00 (shop_data)."""
    for folder in (PACKAGED_SHOP, REPOSITORY_SHOP):
        if all((folder / name).is_file() for name in SHOP_FILES.values()):
            return folder
    return REPOSITORY_SHOP
