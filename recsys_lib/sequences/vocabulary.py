r"""A token vocabulary with reserved padding and out-of-vocabulary ids.

Taught in module 08 (embedding_lstm_recommender).

An ``Embedding`` layer looks tokens up by integer id, so every token string gets one:

* id **0** is ``<pad>``, the padding that fills short sequences up to ``max_len``; with
  ``Embedding(..., mask_zero=True)`` Keras masks it, so the LSTM skips it;
* id **1** is ``<oov>`` ("out of vocabulary"): every token not kept at fit time -- rarer than
  ``min_count`` in the training data, or never seen there (a new item) -- maps to it;
* ids 2, 3, ... are the kept tokens, most frequent first, ties in alphabetical order (so the
  same training data always gives the same ids).

The embedding matrix then needs ``len(vocabulary)`` rows (kept tokens + 2).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from recsys_lib.models.recommender_base import check_count

__all__ = ["PAD", "OOV", "PAD_TOKEN", "OOV_TOKEN", "Vocabulary", "vocabulary_order"]

PAD, OOV = 0, 1
PAD_TOKEN, OOV_TOKEN = "<pad>", "<oov>"


def _as_tokens(tokens) -> np.ndarray:
    if isinstance(tokens, (str, bytes)):
        raise TypeError("tokens must be a sequence of token strings, not a single string")
    arr = np.asarray(tokens.to_numpy() if isinstance(tokens, pd.Series) else list(tokens), dtype=object)
    return arr.ravel()


def vocabulary_order(tokens, min_count: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The kept tokens in id order (count descending, ties alphabetical) and their counts.

    Taught in module 08 (embedding_lstm_recommender).
    """
    min_count = check_count(min_count, "min_count")
    arr = _as_tokens(tokens)
    if arr.size == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    codes, uniques = pd.factorize(pd.Series(arr, dtype=object).astype(str), sort=True)  # alphabetical
    counts = np.bincount(codes, minlength=len(uniques))
    order = np.lexsort((np.arange(len(uniques)), -counts))        # count desc, then alphabetical
    keep = order[counts[order] >= min_count]
    uniques = np.asarray(uniques, dtype=object)
    reserved = np.isin(uniques[keep], [PAD_TOKEN, OOV_TOKEN])
    keep = keep[~reserved]
    return uniques[keep], counts[keep].astype(np.int64)


class Vocabulary(BaseEstimator):
    """Token string <-> integer id, with ``<pad>`` = 0 and ``<oov>`` = 1 reserved.

    Parameters
    ----------
    min_count : int
        keep tokens that occur at least this often in ``fit``'s tokens; rarer ones map to ``<oov>``.

    Attributes
    ----------
    tokens_ : array of str, the token of each id (``tokens_[0] == "<pad>"``, ``tokens_[1] == "<oov>"``)
    counts_ : array of int, the training count of each id (0 for the two reserved ids)

    Taught in module 08 (embedding_lstm_recommender).
    """

    def __init__(self, *, min_count: int = 1):
        self.min_count = min_count

    def fit(self, tokens):
        """Learn the ids from a sequence of token strings (e.g. the training stream's tokens)."""
        kept, counts = vocabulary_order(tokens, self.min_count)
        self.tokens_ = np.concatenate([np.array([PAD_TOKEN, OOV_TOKEN], dtype=object), kept])
        self.counts_ = np.concatenate([[0, 0], counts]).astype(np.int64)
        self._index = pd.Index(self.tokens_.astype(str))
        return self

    def __len__(self) -> int:
        check_is_fitted(self, "tokens_")
        return int(self.tokens_.size)

    def transform(self, tokens) -> np.ndarray:
        """Integer ids (int64) of token strings; unknown tokens get ``OOV`` (1). Any array shape."""
        check_is_fitted(self, "tokens_")
        arr = np.asarray(tokens, dtype=object)
        flat = pd.Series(arr.ravel(), dtype=object).astype(str)
        ids = self._index.get_indexer(flat)
        ids = np.where(ids < 0, OOV, ids).astype(np.int64)
        return ids.reshape(arr.shape)

    def inverse_transform(self, ids) -> np.ndarray:
        """The token strings of integer ids (any array shape); ids outside the vocabulary raise."""
        check_is_fitted(self, "tokens_")
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.tokens_.size):
            raise IndexError(f"ids must be in 0 .. {self.tokens_.size - 1}; got {ids.min()} .. {ids.max()}")
        return self.tokens_[ids]

    def as_series(self) -> pd.Series:
        """The vocabulary as a Series token -> id (the form the module-08 exercise returns)."""
        check_is_fitted(self, "tokens_")
        return pd.Series(np.arange(self.tokens_.size, dtype=np.int64), index=pd.Index(self.tokens_, name="token"),
                         name="id")
