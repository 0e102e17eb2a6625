"""Public e-commerce logs mapped onto the course's ``events`` schema.

::

    from recsys_lib.data.real import load_real
    log = load_real("movielens100k", download=True)     # or path="~/data/ml-100k.zip"
    log.events          # user_id, session_id, timestamp, event_type, item_id, ... (the ShopSim schema)
    print(log.summary())

Data sets (``DATASETS``; licences, citations and checksums in ``datasets/README.md``):
``movielens100k``, ``retailrocket``, ``taobao``, ``online_retail``, ``diginetica``. Each loader
reads a local file when given ``path``; MovieLens and UCI Online Retail also download (pooch, with a
checksum) when asked (``download=True``); nothing downloads by default. Malformed rows raise
:class:`RealDataError` naming file, row and column; rows left out on purpose are counted in
``log.dropped`` and documented per loader.

Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

import importlib

from recsys_lib.data.real.fetch import cache_dir, fetch, local_file
from recsys_lib.data.real.reading import RealDataError, RealDataNotFound, RealLog
from recsys_lib.data.real.registry import DATASETS, RealDataset, dataset

#: data set name -> (module, loader function)
LOADERS = {
    "movielens100k": ("recsys_lib.data.real.movielens", "load_movielens100k"),
    "retailrocket": ("recsys_lib.data.real.retailrocket", "load_retailrocket"),
    "taobao": ("recsys_lib.data.real.taobao", "load_taobao"),
    "online_retail": ("recsys_lib.data.real.online_retail", "load_online_retail"),
    "diginetica": ("recsys_lib.data.real.diginetica", "load_diginetica"),
}

__all__ = ["DATASETS", "LOADERS", "RealDataError", "RealDataNotFound", "RealDataset", "RealLog", "cache_dir",
           "dataset", "fetch", "load_real", "local_file"]


def loader(name: str):
    """The loader function of data set ``name``.

    Taught in module 04 (knn_collaborative_filtering).
    """
    dataset(name)                                   # KeyError listing the known names
    module, function = LOADERS[name]
    return getattr(importlib.import_module(module), function)


def load_real(name: str, path=None, *, download: bool = False, cache=None, nrows: int | None = None,
              progress: bool = True, **options) -> RealLog:
    """Load the public log ``name`` (see ``DATASETS``) as a :class:`RealLog`.

    ``path``: a local copy (file, archive or folder, as the loader's docstring says); default: the
    cache folder. ``download``: fetch it there first if it is missing and the source allows it.
    ``nrows``: read the first rows only. Other keyword ``options`` go to the loader.

    Taught in module 04 (knn_collaborative_filtering).
    """
    load = loader(name)
    if download and path is None:
        if DATASETS[name].url:
            options["download"] = True
        elif local_file(name, cache=cache) is None:
            raise RealDataNotFound(f"{DATASETS[name].title} cannot be downloaded automatically: "
                                   f"{DATASETS[name].manual}")
    return load(path, cache=cache, nrows=nrows, progress=progress, **options)
