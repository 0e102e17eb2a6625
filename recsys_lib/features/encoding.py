r"""Encodings of item and time attributes: price buckets, categories, the hashing trick, cyclic time.

Taught in module 03 (feature_engineering).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "price_buckets",
    "split_category",
    "category_one_hot",
    "hashing_trick",
    "cyclic_time_features",
]


# --------------------------------------------------------------------------------------------
# prices
# --------------------------------------------------------------------------------------------
def price_buckets(prices, n_buckets: int | None = None, edges=None):
    r"""Discretise prices into buckets.

    With inner edges :math:`e_1 < \dots < e_{B-1}`, price :math:`p` goes to bucket

    .. math:: b(p) = |\{ j : e_j \le p \}| \in \{0, \dots, B-1\}

    i.e. bucket :math:`b` holds :math:`e_b \le p < e_{b+1}` (with :math:`e_0 = -\infty`,
    :math:`e_B = +\infty`).

    Give exactly one of

    * ``n_buckets``: equal-frequency buckets; the inner edges are the quantiles
      :math:`q_{j/B}` of ``prices`` (:math:`j = 1..B-1`), de-duplicated (so heavily tied prices may
      give fewer buckets). Fit the edges on training data and pass them as ``edges`` for new data.
    * ``edges``: the inner edges (increasing).

    Returns ``(codes, edges)``: int64 codes (``-1`` for a missing price) and the inner edges used.
    Negative prices raise ``ValueError``.

    Taught in module 03 (feature_engineering).
    """
    p = np.asarray(prices, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"prices must be 1-D; got shape {p.shape}")
    if (p < 0).any():
        i = int(np.flatnonzero(p < 0)[0])
        raise ValueError(f"prices must be non-negative; prices[{i}] = {p[i]}")
    if (n_buckets is None) == (edges is None):
        raise ValueError("give exactly one of n_buckets or edges")
    if n_buckets is not None:
        if isinstance(n_buckets, bool) or not isinstance(n_buckets, (int, np.integer)) or n_buckets < 1:
            raise ValueError(f"n_buckets must be a positive integer; got {n_buckets!r}")
        finite = p[~np.isnan(p)]
        if finite.size == 0:
            raise ValueError("cannot compute quantile edges: no non-missing prices")
        e = np.unique(np.quantile(finite, np.arange(1, n_buckets) / n_buckets))
    else:
        e = np.asarray(edges, dtype=np.float64)
        if e.ndim != 1 or (e.size > 1 and not (np.diff(e) > 0).all()):
            raise ValueError(f"edges must be a strictly increasing 1-D sequence; got {e!r}")
    codes = np.searchsorted(e, p, side="right").astype(np.int64)
    codes[np.isnan(p)] = -1
    return codes, e


# --------------------------------------------------------------------------------------------
# categories
# --------------------------------------------------------------------------------------------
def split_category(categories) -> pd.DataFrame:
    r"""Split two-level ``"top/leaf"`` category strings into their levels.

    ``"electronics/phones"`` :math:`\to` top ``"electronics"``, leaf ``"phones"``. The leaf is
    returned as the full path (``"electronics/phones"``), because leaf names need not be unique
    across top levels (``"kids/shoes"`` vs ``"sport/shoes"``); ``leaf_name`` holds the bare name.

    Returns a DataFrame with columns ``top``, ``leaf``, ``leaf_name`` (strings, NA where the
    input is NA), index as the input's (a Series) or a RangeIndex. Raises ``ValueError`` for a
    value without exactly one ``/``.

    Taught in module 03 (feature_engineering).
    """
    s = pd.Series(categories) if not isinstance(categories, pd.Series) else categories
    s = s.astype("string")
    parts = s.str.split("/", regex=False)
    n_parts = parts.str.len()
    bad = s.notna() & (n_parts != 2)
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        raise ValueError(f"category at position {i} is {s.iloc[i]!r}; expected 'top/leaf'")
    return pd.DataFrame(
        {"top": parts.str[0], "leaf": s, "leaf_name": parts.str[1]}, index=s.index
    )


def category_one_hot(categories, level: str = "top", vocabulary=None) -> pd.DataFrame:
    r"""One-hot encode a ``"top/leaf"`` category at one level.

    :math:`x_{r,v} = [\mathrm{level}(c_r) = v]` for every value :math:`v` of the vocabulary.

    Parameters
    ----------
    categories : sequence / Series of ``"top/leaf"`` strings
    level : ``"top"`` or ``"leaf"`` (the full ``top/leaf`` path)
    vocabulary : the values that get a column, in order (None: sorted values present). Fit it on
        training data; values outside it (e.g. a category first seen in the test period) get an
        all-zero row rather than a new column, so train and test columns always match.

    Returns a DataFrame of uint8 with columns ``"<level>=<value>"``.

    Taught in module 03 (feature_engineering).
    """
    if level not in ("top", "leaf"):
        raise ValueError(f"level must be 'top' or 'leaf'; got {level!r}")
    values = split_category(categories)[level]
    if vocabulary is None:
        vocab = np.sort(values.dropna().unique().astype(str))
    else:
        vocab = np.asarray(list(vocabulary), dtype=object).astype(str)
        if len(set(vocab)) != vocab.size:
            raise ValueError("vocabulary contains duplicates")
    codes = pd.Index(vocab).get_indexer(values.astype(object))  # -1: not in the vocabulary / NA
    onehot = np.zeros((codes.size, vocab.size), dtype=np.uint8)
    rows = np.flatnonzero(codes >= 0)
    onehot[rows, codes[rows]] = 1
    return pd.DataFrame(onehot, columns=[f"{level}={v}" for v in vocab], index=values.index)


# --------------------------------------------------------------------------------------------
# hashing trick
# --------------------------------------------------------------------------------------------
def hashing_trick(values, n_features: int = 2**10, seed: int = 0, alternate_sign: bool = True,
                  sep: str | None = None) -> sp.csr_matrix:
    r"""Hash tokens into a fixed number of columns (the "hashing trick").

    For each token :math:`w` of row :math:`r`, with :math:`h` = 32-bit MurmurHash3 of the
    UTF-8 token under ``seed``:

    .. math::

        x_{r,\ |h(w)| \bmod D} \mathrel{+}= \begin{cases} \operatorname{sign}(h(w)) &
        \texttt{alternate\_sign} \\ 1 & \text{otherwise}\end{cases}

    (sign +1 for :math:`h \ge 0`). The sign makes colliding tokens cancel in expectation
    instead of piling up. No vocabulary is stored: a brand-new token still gets a column, and
    the width :math:`D` = ``n_features`` is fixed in advance. The hash is deterministic across
    runs and machines (Python's built-in ``hash()`` of strings is salted per process and must
    not be used). With ``seed=0`` the result equals scikit-learn's
    ``FeatureHasher(n_features, input_type="string")``.

    Parameters
    ----------
    values : one entry per row: a scalar token, a list of tokens, or (with ``sep``) a string
        of ``sep``-separated tokens such as a title. Tokens are converted with ``str``, so 5 and
        "5" hash alike; NA entries give an empty row.
    n_features : :math:`D`, number of columns
    seed : hash seed (different seeds give independent hash functions)
    alternate_sign : use the signed variant
    sep : split string entries on this separator (e.g. ``" "`` for titles)

    Returns
    -------
    scipy.sparse.csr_matrix (n_rows, n_features), float64.

    Hashing runs once per *distinct* token (MurmurHash3 has no vectorised string API); the
    assembly of the matrix is vectorised.

    Taught in module 03 (feature_engineering).
    """
    from sklearn.utils import murmurhash3_32

    if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive integer; got {n_features!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32); got {seed!r}")
    s = pd.Series(list(values) if not isinstance(values, (pd.Series, np.ndarray)) else values, dtype=object)
    s = s.reset_index(drop=True)
    if sep is not None:
        s = s.where(s.isna(), s.astype(str).str.split(sep))
    tokens = s.explode()  # lists -> one row per token (index = row number); scalars stay
    tokens = tokens[tokens.notna()]
    if sep is not None:
        tokens = tokens[tokens.astype(str) != ""]
    rows = tokens.index.to_numpy(dtype=np.int64)
    codes, uniq = pd.factorize(tokens.astype(str), sort=False)
    h = np.fromiter((murmurhash3_32(t, seed=int(seed)) for t in uniq), dtype=np.int64, count=len(uniq))
    col_u = np.abs(h) % n_features
    val_u = np.where(h >= 0, 1.0, -1.0) if alternate_sign else np.ones(h.size)
    X = sp.csr_matrix(
        (val_u[codes], (rows, col_u[codes])), shape=(len(s), int(n_features)), dtype=np.float64
    )
    X.sum_duplicates()
    X.eliminate_zeros()
    return X


# --------------------------------------------------------------------------------------------
# time
# --------------------------------------------------------------------------------------------
def cyclic_time_features(timestamps) -> pd.DataFrame:
    r"""Encode hour of day and day of week on the unit circle.

    With :math:`h` the fractional hour (:math:`\text{hour} + \text{minute}/60 + \text{second}/3600`)
    and :math:`d` the weekday (Monday = 0 … Sunday = 6):

    .. math::

        \mathrm{hour\_sin} = \sin\frac{2\pi h}{24},\quad \mathrm{hour\_cos} = \cos\frac{2\pi h}{24},\quad
        \mathrm{weekday\_sin} = \sin\frac{2\pi d}{7},\quad \mathrm{weekday\_cos} = \cos\frac{2\pi d}{7}

    so 23:59 and 00:00 (or Sunday and Monday) end up close together, which the raw numbers
    23 and 0 are not.

    Returns a DataFrame with those four float columns (index as the input's for a Series).
    Missing timestamps raise ``ValueError``.

    Taught in module 03 (feature_engineering).
    """
    ts = pd.Series(pd.to_datetime(timestamps)) if not isinstance(timestamps, pd.Series) else pd.to_datetime(timestamps)
    if ts.isna().any():
        i = int(np.flatnonzero(ts.isna().to_numpy())[0])
        raise ValueError(f"timestamps contains a missing value at position {i}")
    dt = ts.dt
    hour = (dt.hour + dt.minute / 60.0 + dt.second / 3600.0).to_numpy(dtype=np.float64)
    wd = dt.day_of_week.to_numpy(dtype=np.float64)
    a, b = 2 * np.pi * hour / 24.0, 2 * np.pi * wd / 7.0
    return pd.DataFrame(
        {"hour_sin": np.sin(a), "hour_cos": np.cos(a), "weekday_sin": np.sin(b), "weekday_cos": np.cos(b)},
        index=ts.index,
    )
