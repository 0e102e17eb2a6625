"""MovieLens 100K: ratings as implicit-feedback interactions.

Source format (GroupLens' README of ml-100k): ``u.data`` is tab-separated without a header,
``user id | item id | rating | timestamp`` (ids from 1, stars 1-5, Unix seconds UTC); ``u.item`` is
``|``-separated in Latin-1, ``movie id | title | release date | video release date | IMDb URL`` and
19 0/1 genre flags. Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data.real import reading as R
from recsys_lib.data.real.fetch import resolve
from recsys_lib.data.real.registry import dataset

NAME = "movielens100k"
DATA_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
          "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
          "War", "Western"]
ITEM_COLUMNS = ["movie_id", "title", "release_date", "video_release_date", "imdb_url", *GENRES]


def _members(path: Path) -> tuple[object, str, object | None, str | None]:
    """(u.data source, its label, u.item source or None, its label) for a zip, a folder or u.data."""
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            data = next((n for n in names if n.endswith("u.data")), None)
            if data is None:
                raise R.RealDataError(path, "no u.data in this zip (is it ml-100k.zip?)")
            item = data[: -len("u.data")] + "u.item"
            return (zf.read(data), f"{path}:{data}", zf.read(item) if item in names else None,
                    f"{path}:{item}")
    if path.is_dir():
        for folder in (path, path / "ml-100k"):
            if (folder / "u.data").is_file():
                path = folder / "u.data"
                break
        else:
            raise R.RealDataError(path, "no u.data in this folder (or its ml-100k/ subfolder)")
    item = path.with_name("u.item")
    return path, str(path), (item if item.is_file() else None), str(item)


def _items(source, label: str, known: np.ndarray) -> pd.DataFrame:
    if source is None:
        return pd.DataFrame({C.ITEM_ID: pd.array(np.unique(known), dtype="Int64")})
    kinds = {c: "string" for c in ITEM_COLUMNS}
    kinds.update({"movie_id": "int", **{g: "int" for g in GENRES}})
    raw = R.read_delimited(source, ITEM_COLUMNS, kinds, sep="|", header=False, encoding="latin-1",
                           label=label, na_values=())
    flags = raw[GENRES].to_numpy()
    R.fail_where(~np.isin(flags, (0, 1)).all(axis=1), raw, label, GENRES[0],
                 "genre flags must be 0 or 1", header_lines=0)
    first = np.where(flags.any(axis=1), flags.argmax(axis=1), 0)
    return pd.DataFrame({C.ITEM_ID: pd.array(raw["movie_id"].to_numpy(), dtype="Int64"),
                         C.TITLE: raw["title"].astype("string"),
                         C.CATEGORY: pd.Categorical(np.asarray(GENRES, dtype=object)[first])})


def load_movielens100k(path=None, *, download: bool = False, cache=None, nrows: int | None = None,
                       progress: bool = True) -> R.RealLog:
    """MovieLens 100K as a course log: every rating is a ``click`` interaction.

    Parameters
    ----------
    path : ``ml-100k.zip``, the ``ml-100k`` folder, or ``u.data`` itself (``u.item`` next to it adds
        titles and genres); default: the downloaded copy in the cache folder.
    download : fetch ``ml-100k.zip`` (5 MB, MD5-checked) when it is not cached yet.
    nrows : read only the first ``nrows`` ratings.

    Returns a :class:`RealLog`: ``events`` with ``C.RATING`` (the stars) next to the usual columns,
    sessions cut after 30 minutes of inactivity; ``items`` with ``C.TITLE`` and ``C.CATEGORY`` (the
    first genre). Raises :class:`RealDataError` naming file, row and column for a malformed row
    (nothing is dropped).

    Taught in module 04 (knn_collaborative_filtering).
    """
    info = dataset(NAME)
    file = resolve(NAME, path, download=download, cache=cache, progress=progress)
    data, label, item_source, item_label = _members(file)
    kinds = {"user_id": "int", "item_id": "int", "rating": "int", "timestamp": "int"}
    raw = R.read_delimited(data, DATA_COLUMNS, kinds, sep="\t", header=False, nrows=nrows, label=label)
    R.fail_where(~raw["rating"].between(1, 5).to_numpy(), raw, label, "rating", "stars must be 1 to 5",
                 header_lines=0)
    R.fail_where((raw["timestamp"] < 0).to_numpy(), raw, label, "timestamp", "negative Unix time",
                 header_lines=0)
    users = raw["user_id"].to_numpy()
    times = R.unix_time(raw["timestamp"], "s")
    events = R.events_frame(users, R.sessions_by_gap(users, times), times,
                            pd.Categorical([C.CLICK] * len(raw), categories=list(C.EVENT_TYPES)),
                            raw["item_id"].to_numpy(), extra={C.RATING: raw["rating"].to_numpy(np.int64)})
    items = _items(item_source, item_label, raw["item_id"].to_numpy())
    return R.RealLog(NAME, file, events, items, rows_read=len(raw), expected_rows=info.expected_rows)
