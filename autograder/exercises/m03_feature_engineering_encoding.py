"""Checks for module 03 (feature_engineering), Exercises 5-8: cyclic time features, price buckets,
one-hot categories with a fixed vocabulary and the hashing trick, plus the lazy frame comparison
every exercise of the module uses. Imported (and re-exported) by
:mod:`autograder.exercises.m03_feature_engineering`, which the notebook's test cells import; see its
docstring for the conventions."""

import builtins as _builtins
import functools as _functools

import numpy as _np
import pandas as _pd

from sklearn.utils import murmurhash3_32 as _murmurhash3_32

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import columns as C
from recsys_lib import features as _features

# Reference implementations and everything the checks use, bound at import time (before any
# student code runs), so rebinding a name in the notebook does not change what the checks do.
_ref_price_buckets = _features.price_buckets
_ref_one_hot = _features.category_one_hot
_ref_split_category = _features.split_category
_ref_hashing = _features.hashing_trick
_ref_cyclic = _features.cyclic_time_features
_Series, _DataFrame = _pd.Series, _pd.DataFrame
_to_datetime = _pd.to_datetime
_asarray, _sin, _cos, _pi = _np.asarray, _np.sin, _np.cos, _np.pi
_searchsorted, _quantile, _unique, _linspace, _zeros, _isnan_np = (
    _np.searchsorted, _np.quantile, _np.unique, _np.linspace, _np.zeros, _np.isnan)
_default_rng = _np.random.default_rng
_hash, _abs, _len, _str, _int, _list, _sorted, _isinstance, _hasattr, _callable = (
    _builtins.hash, _builtins.abs, _builtins.len, _builtins.str, _builtins.int,
    _builtins.list, _builtins.sorted, _builtins.isinstance, _builtins.hasattr, _builtins.callable)
_frames_close = _c._frames_close
_all_close = _c._all_close
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr


def _murmur(token, seed):
    return _int(_murmurhash3_32(token, seed=_int(seed)))


def _murmur_positive(token, seed):
    return _int(_murmurhash3_32(token, seed=_int(seed), positive=True))


def _check_frame_lazily(got, expected, name, mistakes, rtol=1e-9, atol=1e-12):
    """check_frame, computing the known mistakes (a function returning a list) only on failure."""
    _c.check_type(got, _DataFrame, name)
    if (got.shape == expected.shape and _list(got.columns) == _list(expected.columns)
            and _list(got.index) == _list(expected.index) and _frames_close(got, expected, rtol, atol)):
        return
    _c.check_frame(got, expected, name, rtol=rtol, atol=atol, mistakes=mistakes())



# ================================================================ 5. cyclic time
_CYCLIC = ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos"]


def _cyclic_variant(ts, hour_period=24.0, weekday_period=7.0, integer_hour=False, weekday_shift=0, degrees=False):
    dt = ts.dt
    hour = dt.hour.to_numpy(dtype=_np.float64)
    if not integer_hour:
        hour = hour + dt.minute.to_numpy() / 60.0 + dt.second.to_numpy() / 3600.0
    wd = ((dt.day_of_week.to_numpy() + weekday_shift) % 7).astype(_np.float64)
    k = 360.0 if degrees else 2 * _pi
    a, b = k * hour / hour_period, k * wd / weekday_period
    return _DataFrame({"hour_sin": _sin(a), "hour_cos": _cos(a), "weekday_sin": _sin(b), "weekday_cos": _cos(b)},
                      index=ts.index)


def _cyclic_mistakes(ts):
    v = _functools.partial(_cyclic_variant, ts)
    return [
        _Mistake("hour encoded with period 23 (the largest hour); the period is 24 hours, so 0:00 and 24:00 coincide",
                 v(hour_period=23.0)),
        _Mistake("weekday encoded with period 6; the period is 7 days", v(weekday_period=6.0)),
        _Mistake("used the integer hour only; use the fractional hour hour + minute/60 + second/3600",
                 v(integer_hour=True)),
        _Mistake("weekday with Sunday = 0; pandas' day_of_week has Monday = 0", v(weekday_shift=1)),
        _Mistake("angles in degrees; np.sin and np.cos take radians (2*pi*h/24)", v(degrees=True)),
    ]


@_quietly
def check_cyclic_time_features_on(cyclic_time_features, timestamps, expected, name="cyclic_time_features"):
    ts = _Series(_to_datetime(timestamps)) if not _isinstance(timestamps, _Series) else timestamps
    got = _c.call(cyclic_time_features, ts.copy(), name="cyclic_time_features")
    expected = _DataFrame(expected, index=ts.index).astype(_np.float64)
    _c.check_type(got, _DataFrame, name)
    cols = _list(got.columns)
    if "hour_sin" in cols and "hour_cos" not in cols or "weekday_sin" in cols and "weekday_cos" not in cols:
        raise _CheckFailure(
            f"{name} has no cosine column(s) (columns {cols}). Likely mistake: encoded without the cosine; the sine "
            f"alone maps 6:00 and 18:00 to opposite points but 3:00 and 9:00 to the same value, so both "
            f"coordinates are needed.")
    _c._check_index(got.columns, expected.columns, name, "column")
    if _len(got) == _len(expected) and _list(got.index) != _list(expected.index):
        raise _CheckFailure(f"{name} should keep the index of the timestamps Series.")
    same_cols = _len(got) == _len(expected) and _all_close(got["hour_sin"].to_numpy(dtype=_np.float64),
                                                          got["hour_cos"].to_numpy(dtype=_np.float64), 0, 1e-12)
    if same_cols and not _all_close(expected["hour_sin"], expected["hour_cos"], 0, 1e-12):
        raise _CheckFailure(f"{name}: hour_cos equals hour_sin. Likely mistake: encoded without the cosine "
                            f"(the sine twice).")
    _check_frame_lazily(got, expected, name, lambda: _cyclic_mistakes(ts))


@_quietly
def check_cyclic_time_features(cyclic_time_features, events, n=5000, seed=1):
    idx = _np.sort(_default_rng(seed).choice(_len(events), n, replace=False))
    ts = events[C.TIMESTAMP].iloc[idx]
    check_cyclic_time_features_on(cyclic_time_features, ts, _ref_cyclic(ts),
                                  f"cyclic_time_features on {n} shop timestamps")
    _passed()


# ================================================================ 6. price buckets
def _buckets_variant(prices, edges, side="right", missing=-1):
    p = _asarray(prices, dtype=_np.float64)
    codes = _searchsorted(edges, p, side=side).astype(_np.int64)
    if missing is not None:
        codes[_isnan_np(p)] = missing
    return codes


def _code_mistakes(prices, edges):
    return [
        _Mistake("a price equal to an edge went to the lower bucket (pd.qcut / side='left' intervals); "
                 "bucket b holds e_b <= p < e_(b+1)", _buckets_variant(prices, edges, side="left")),
        _Mistake("missing prices must get code -1 (searchsorted puts NaN after the last edge)",
                 _buckets_variant(prices, edges, missing=None)),
    ]


def _unpack_buckets(got, name):
    if not (_isinstance(got, tuple) and _len(got) == 2):
        raise _CheckFailure(f"{name} should return a tuple (codes, edges), got {type(got).__name__}.")
    return _asarray(got[0]), _asarray(got[1], dtype=_np.float64)


@_quietly
def check_price_buckets_on(price_buckets, train_prices, n_buckets, new_prices, expected_edges, expected_train,
                           expected_new, name="price_buckets"):
    """Fit: ``price_buckets(train_prices, n_buckets=...)``; apply: ``price_buckets(new_prices, edges=...)``."""
    train = _asarray(train_prices, dtype=_np.float64)
    new = _asarray(new_prices, dtype=_np.float64)
    e = _asarray(expected_edges, dtype=_np.float64)
    codes, edges = _unpack_buckets(_c.call(price_buckets, train.copy(), n_buckets=n_buckets, name="price_buckets"),
                                   f"{name}(train prices, n_buckets={n_buckets})")
    finite_train = train[~_isnan_np(train)]
    raw_edges = _quantile(finite_train, _linspace(0, 1, n_buckets + 1)[1:-1]) if finite_train.size else e
    got_edges = _asarray(edges, dtype=_np.float64).ravel()
    if got_edges.size != e.size and got_edges.size == raw_edges.size and _all_close(got_edges, raw_edges, 1e-9, 1e-12):
        raise _CheckFailure(f"{name}: the edges fitted with n_buckets={n_buckets} are {_short(got_edges)}, expected "
                            f"{_short(e)}. Likely mistake: kept duplicate edges (many equal prices make equal "
                            f"quantiles); remove duplicates, or one bucket can never be used.")
    if _isnan_np(got_edges).any() and not _isnan_np(e).any():
        raise _CheckFailure(f"{name}: the edges fitted with n_buckets={n_buckets} contain NaN: {_short(got_edges)}. "
                            f"Likely mistake: computed the quantiles with the missing prices; use the non-missing "
                            f"prices only.")
    wrong_edges = [
        _Mistake("equal-width edges between min and max; equal-frequency buckets use the quantiles "
                 "np.quantile(prices, [1/B, ..., (B-1)/B])",
                 _linspace(_np.nanmin(train), _np.nanmax(train), n_buckets + 1)[1:-1]),
        _Mistake("B + 1 edges including min and max; return only the B - 1 inner edges",
                 _quantile(train[~_isnan_np(train)], _linspace(0, 1, n_buckets + 1))),
    ]
    _c.check_close(edges, e, f"{name}: the edges fitted with n_buckets={n_buckets}", rtol=1e-9, atol=1e-12,
                   mistakes=wrong_edges)
    _c.check_dtype(codes, "iu", f"{name}: codes")
    _c.check_close(codes, expected_train, f"{name}: codes of the prices the edges were fitted on", rtol=0, atol=0,
                   mistakes=_code_mistakes(train, e))
    got = _c.call(price_buckets, new.copy(), edges=e.copy(), name="price_buckets")
    new_codes, new_edges = _unpack_buckets(got, f"{name}(new prices, edges=...)")
    finite = new[~_isnan_np(new)]
    refit = _quantile(finite, _linspace(0, 1, _len(e) + 2)[1:-1]) if finite.size else e
    wrong_new = [
        _Mistake("computed new quantile edges from the prices passed in (test-set quantiles) instead of using "
                 "the given edges fitted on training data", _buckets_variant(new, _unique(refit))),
    ] + _code_mistakes(new, e)
    _c.check_close(new_codes, expected_new, f"{name}: codes of new prices with the given edges", rtol=0, atol=0,
                   mistakes=wrong_new)
    _c.check_close(new_edges, e, f"{name}: the edges returned when edges are given (return them unchanged)",
                   rtol=1e-12, atol=0)


@_quietly
def check_price_buckets(price_buckets, items, n_buckets=5, launched_by_day=0):
    old = items[C.LAUNCH_DAY].to_numpy() < launched_by_day
    train = items.loc[old, C.PRICE].to_numpy(dtype=_np.float64)
    new = items.loc[~old, C.PRICE].to_numpy(dtype=_np.float64)
    codes, edges = _ref_price_buckets(train, n_buckets=n_buckets)
    new_codes, _ = _ref_price_buckets(new, edges=edges)
    check_price_buckets_on(price_buckets, train, n_buckets, new, edges, codes, new_codes,
                           f"price_buckets on the catalogue (edges from items launched before day {launched_by_day})")
    small, small_new = _np.array(SMALL_PRICES), _np.array(SMALL_NEW_PRICES)
    codes, edges = _ref_price_buckets(small, n_buckets=4)
    new_codes, _ = _ref_price_buckets(small_new, edges=edges)
    check_price_buckets_on(price_buckets, small, 4, small_new, edges, codes, new_codes,
                           f"price_buckets({list(SMALL_PRICES)}, n_buckets=4) (equal quantiles, a missing price)")
    _passed()


#: The small public example of Exercise 6: many equal prices (so two quantiles coincide) and a
#: missing one, then new prices with a missing one and one equal to an edge.
SMALL_PRICES = (5.0, 5.0, 5.0, 5.0, 5.0, 9.0, float("nan"), 12.0, 20.0)
SMALL_NEW_PRICES = (4.0, 5.0, float("nan"), 10.0, 30.0)


# ================================================================ 7. category one-hot
@_quietly
def check_category_one_hot_on(category_one_hot, categories, level, vocabulary, expected, name="category_one_hot"):
    """``expected``: DataFrame (columns "<level>=<value>")."""
    cats = _Series(categories) if not _isinstance(categories, _Series) else categories
    got = _c.call(category_one_hot, cats.copy(), level,
                  None if vocabulary is None else _list(vocabulary), name="category_one_hot")
    expected = _DataFrame(expected)
    _c.check_type(got, _DataFrame, name)
    cols, exp_cols = [_str(c) for c in got.columns], _list(expected.columns)
    if cols != exp_cols:
        parts = _ref_split_category(cats)
        bare = [f"leaf={v}" for v in _sorted(parts["leaf_name"].dropna().unique())]
        present = [f"{level}={v}" for v in _sorted(parts[level].dropna().unique())]
        if level == "leaf" and cols == bare and bare != exp_cols:
            raise _CheckFailure(f"{name} has the columns {cols}, expected {exp_cols}. Likely mistake: used the bare "
                                f"leaf name; leaf names repeat across top-level categories (kids/shoes vs "
                                f"sport/shoes), so the leaf level is the full 'top/leaf' path.")
        if vocabulary is not None and _sorted(cols) == present:
            raise _CheckFailure(f"{name} has the columns {cols}, expected {exp_cols}. Likely mistake: ignored the "
                                f"given vocabulary and took the values present in the data; with a vocabulary fitted "
                                f"on training data, train and test get the same columns and unseen values an "
                                f"all-zero row.")
        if _sorted(cols) == _sorted(exp_cols):
            raise _CheckFailure(f"{name} has the right columns in the wrong order. Likely mistake: columns must "
                                f"follow the vocabulary's order (sorted values when no vocabulary is given).\n"
                                f"Expected: {exp_cols}\nGot:      {cols}")
        _c._check_index(got.columns, expected.columns, name, "column")
    if got.shape != expected.shape:
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape} (one row per category value).")
    if _list(got.index) != _list(expected.index):
        raise _CheckFailure(f"{name} should keep the index of the categories Series.")
    kinds = sorted({got[col].dtype.kind for col in got.columns})
    if any(k not in "iu" for k in kinds):
        raise _CheckFailure(f"{name} has columns of dtype kind(s) {kinds} ({', '.join(sorted({str(got[c].dtype) for c in got.columns}))}); "
                            f"the columns must be 0/1 integers (e.g. uint8). Likely mistake: kept the booleans of a "
                            f"comparison (or pd.get_dummies' bool columns); convert them to an integer type.")
    _c.check_close(got.to_numpy(dtype=_np.float64), expected.to_numpy(dtype=_np.float64), name, rtol=0, atol=0)


@_quietly
def check_category_one_hot(category_one_hot, items, launched_by_day=0):
    cats = items[C.CATEGORY].astype(str)
    old = items[C.LAUNCH_DAY].to_numpy() < launched_by_day
    for level in ("top", "leaf"):
        check_category_one_hot_on(category_one_hot, cats, level, None, _ref_one_hot(cats, level),
                                  f"category_one_hot(items' categories, {level!r})")
        vocab = _ref_one_hot(cats[old], level).columns.str.split("=", n=1).str[1].tolist()[:-1]
        new = cats[~old]
        check_category_one_hot_on(category_one_hot, new, level, vocab, _ref_one_hot(new, level, vocab),
                                  f"category_one_hot(new items' categories, {level!r}, vocabulary)")
    _passed()


# ================================================================ 8. hashing trick
def _hash_variant(values, n_features, seed, alternate_sign, hash_fn="murmur", modulo="abs", sign="normal",
                  add=True):
    out = _zeros((_len(values), n_features))
    for r, row in enumerate(values):
        tokens = row if _isinstance(row, (_list, tuple)) else [row]
        seen = set()
        for tok in tokens:
            tok = _str(tok)
            if hash_fn == "murmur":
                h = _murmur(tok, seed)
            elif hash_fn == "positive":
                h = _murmur_positive(tok, seed)
            elif hash_fn == "murmur0":
                h = _murmur(tok, 0)
            else:
                h = _hash(tok)
            col = (_abs(h) if modulo == "abs" else h) % n_features
            s = 1.0
            if alternate_sign and sign == "normal":
                s = 1.0 if h >= 0 else -1.0
            elif sign == "flipped":
                s = -1.0 if h >= 0 else 1.0
            elif sign == "always":
                s = 1.0 if h >= 0 else -1.0
            if add == "last":                 # X[rows, cols] += signs: the last of repeated positions wins
                out[r, col] = s
            elif add:
                out[r, col] += s
            elif (col, s) not in seen:
                out[r, col] += s
                seen.add((col, s))
    return out


def _hash_mistakes(values, n_features, seed, alternate_sign):
    v = _functools.partial(_hash_variant, values, n_features, seed, alternate_sign)
    out = [
        _Mistake("used Python's built-in hash(); it is salted per process (PYTHONHASHSEED), so the columns "
                 "change from run to run; use sklearn.utils.murmurhash3_32", v(hash_fn="python")),
        _Mistake("used Python's built-in hash(); it is salted per process (PYTHONHASHSEED), so the columns "
                 "change from run to run; use sklearn.utils.murmurhash3_32", v(hash_fn="python", modulo="raw")),
        _Mistake("used the unsigned hash (positive=True); take the signed 32-bit hash h, column |h| mod n_features, "
                 "sign of h", v(hash_fn="positive")),
        _Mistake("column h mod n_features of the signed hash; take the absolute value first: |h| mod n_features",
                 v(modulo="raw")),
        _Mistake("the sign is flipped: +1 for h >= 0 and -1 for h < 0", v(sign="flipped")),
        _Mistake("ignored the seed; pass seed= to murmurhash3_32", v(hash_fn="murmur0")),
        _Mistake("repeated tokens counted once; each occurrence adds its sign", v(add=False)),
        _Mistake("a repeated (row, column) position counted once: fancy-index X[rows, cols] += signs does not "
                 "accumulate repeated positions (an unbuffered add does)", v(add="last")),
    ]
    if alternate_sign:
        out.append(_Mistake("ignored alternate_sign (every token adds +1)", v(sign="none")))
    else:
        out.append(_Mistake("ignored alternate_sign=False (tokens still add their sign)", v(sign="always")))
    return out


def _dense(got):
    if _hasattr(got, "toarray") and _callable(got.toarray):
        got = got.toarray()
    return _asarray(got)


@_quietly
def check_hashing_trick_on(hashing_trick, values, n_features, seed=0, alternate_sign=True, expected=None,
                           name="hashing_trick"):
    """``expected``: dense array; None: the toolbox reference (MurmurHash3, as scikit-learn's FeatureHasher)."""
    values = [_list(v) if _isinstance(v, (_list, tuple)) else v for v in values]
    try:
        got = _c.call(hashing_trick, [_list(v) if _isinstance(v, _list) else v for v in values], n_features,
                      seed=seed, alternate_sign=alternate_sign, name="hashing_trick")
    except _CheckFailure as exc:
        cause = exc.__cause__
        if _isinstance(cause, (IndexError, ValueError)) and "index" in _str(cause).lower():
            raise _CheckFailure(f"{name}: {_str(exc).splitlines()[0]} Likely mistake: the hash was not reduced "
                                f"modulo n_features, so the column index is out of range; use |h| mod n_features."
                                ) from None
        raise
    if expected is None:
        expected = _ref_hashing(values, n_features=n_features, seed=seed, alternate_sign=alternate_sign).toarray()
    expected = _asarray(expected, dtype=_np.float64)
    g = _dense(got)
    if g.ndim == 2 and g.shape[0] == expected.shape[0] and g.shape[1] > n_features:
        raise _CheckFailure(f"{name} has {g.shape[1]} columns, expected n_features = {n_features}. Likely mistake: "
                            f"the hash was not reduced modulo n_features; use |h| mod n_features.")
    _c.check_shape(g, expected.shape, name)
    if _all_close(g, expected, 0, 1e-12):
        return
    _c.check_close(g, expected, name, rtol=0, atol=1e-12,
                   mistakes=_hash_mistakes(values, n_features, seed, alternate_sign))


@_quietly
def check_hashing_trick(hashing_trick, items, n_features=64):
    values = [[f"brand={b}", f"category={c}"] + _str(t).split()
              for b, c, t in zip(items[C.BRAND].astype(str), items[C.CATEGORY].astype(str), items[C.TITLE].astype(str))]
    check_hashing_trick_on(hashing_trick, values, n_features, 0, True, None,
                           f"hashing_trick(brand, category and title tokens of the items, {n_features})")
    check_hashing_trick_on(hashing_trick, values[:200], 16, 42, False, None,
                           "hashing_trick(..., n_features=16, seed=42, alternate_sign=False)")
    check_hashing_trick_on(hashing_trick, [list(r) for r in SMALL_TOKENS], 8, 0, True, None,
                           f"hashing_trick({[list(r) for r in SMALL_TOKENS]}, 8) (an empty row, repeated tokens)")
    _passed()


#: The small public example of Exercise 8: an empty row and tokens repeated within a row.
SMALL_TOKENS = (("red", "shoe"), ("shoe", "shoe"), (), ("sale",) * 3, ("red", "sale", "red"))
