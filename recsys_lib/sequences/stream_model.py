r"""What the course's sequence recommenders share: the token stream of the training log, the
catalogue, and recommending from a user's latest sequence -- or from a newer history.

Taught in module 08 (embedding_lstm_recommender); :class:`recsys_lib.models.MarkovChainRecommender`
and :class:`recsys_lib.models.SequenceRecommender` subclass :class:`StreamRecommender`, which is a
:class:`recsys_lib.models.BaseRecommender`::

    model.fit(events, items=items)                     # the event log (time-ordered per user)
    model.recommend(user_ids, k=10)                    # from each user's latest sequence in `events`
    model.recommend(user_ids, k=10, history=newer)     # from the users' sequences in another log

``recommend`` ranks the **whole catalogue** (``item_ids_``: the items table's ids when ``items`` is
given, else every item id in the log) by the model's scores. Already-seen items stay candidates by
default (``exclude_seen=False``: next-click targets are often re-visits); ``exclude_seen=True``
removes the items the user interacted with (clicks, favourites, carts, purchases) in the log the
sequence comes from. A user without any token in that log gets the popularity ranking. User and
item ids are integers (as in ShopSim's tables).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from recsys_lib import columns as C
from recsys_lib.features import interaction_matrix
from recsys_lib.models._sparse_topk import _fill_from_order
from recsys_lib.models.recommender_base import BaseRecommender, check_count
from recsys_lib.sequences.datasets import windows_at_end
from recsys_lib.sequences.steps import sort_events
from recsys_lib.sequences.tokens import TOKEN, event_tokens
from recsys_lib.sequences.vocabulary import Vocabulary
from recsys_lib.simulation import catalogue
from recsys_lib.topk import top_k

__all__ = ["StreamRecommender"]


class StreamRecommender(BaseRecommender):
    """Base class: token stream, vocabulary, catalogue and history-aware ``recommend``.

    Subclasses set the hyper-parameters ``max_len``, ``min_count``, ``lists``, ``actions``,
    ``sessions``, ``list_position`` in ``__init__``, call :meth:`_fit_stream` in ``fit`` and implement
    :meth:`_window_scores` (dense scores ``(n, n_items)`` for windows of token ids).

    Taught in module 08 (embedding_lstm_recommender).
    """

    def _tokens(self, events, items=None) -> pd.DataFrame:
        return event_tokens(events, items if self.lists else None, lists=bool(self.lists),
                            actions=bool(self.actions), sessions=bool(self.sessions),
                            list_position=self.list_position)

    def _fit_stream(self, events: pd.DataFrame, items: pd.DataFrame | None = None):
        """Tokens, vocabulary, catalogue and interactions of the training log; returns
        ``(sorted events, tokens, token ids)``."""
        if not isinstance(events, pd.DataFrame):
            raise TypeError(f"events must be a pandas DataFrame (the event log); got {type(events).__name__}")
        check_count(self.max_len, "max_len")
        check_count(self.min_count, "min_count")
        if self.lists and items is None:
            raise ValueError("lists=True needs the items table (the categories of the lists): fit(events, items=items)")
        ev = sort_events(events)
        if items is not None:
            catalogue_ids = np.asarray(items[C.ITEM_ID].to_numpy(), dtype=np.int64)
        else:
            catalogue_ids = np.unique(ev[C.ITEM_ID].dropna().to_numpy(dtype=np.int64))
        users = np.unique(ev[C.USER_ID].to_numpy(dtype=np.int64))
        X, _, _ = interaction_matrix(ev, users=users, items=catalogue_ids, unknown="ignore")
        self._set_interactions(X)
        self.user_ids_, self.item_ids_ = users, catalogue_ids
        self.item_categories_ = None
        if items is not None and C.CATEGORY in items.columns:
            names = items[C.CATEGORY].astype(str).to_numpy()
            known = pd.Index(catalogue.CATEGORIES)
            codes = known.get_indexer(names)
            if (codes < 0).any():                        # another catalogue: code its categories in sorted order
                codes = pd.Index(np.unique(names)).get_indexer(names)
            self.item_categories_ = codes.astype(np.int64)
        tokens = self._tokens(ev, items)
        self.vocabulary_ = Vocabulary(min_count=self.min_count).fit(tokens[TOKEN])
        ids = self.vocabulary_.transform(tokens[TOKEN].to_numpy())
        self.tokens_, self.token_ids_ = tokens, ids
        self._items_table = items
        return ev, tokens, ids

    # -- scoring ------------------------------------------------------------------------------
    def _window_scores(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _scores(self, rows):
        X, _ = windows_at_end(self.tokens_, self.token_ids_, self.user_ids_[rows], int(self.max_len))
        return self._window_scores(X)

    def _history_inputs(self, user_ids, history):
        """Windows, seen-item matrix and 'has a history' flags of ``user_ids`` in ``history``."""
        users = np.atleast_1d(np.asarray(user_ids))
        if history is None:
            rows = self._user_rows(users)
            X, n = windows_at_end(self.tokens_, self.token_ids_, users, int(self.max_len))
            seen = self.interactions_[np.maximum(rows, 0)].toarray() > 0
            seen[rows < 0] = False
            return X, seen, n > 0
        ev = sort_events(history)
        tokens = self._tokens(ev, self._items_table)
        ids = self.vocabulary_.transform(tokens[TOKEN].to_numpy())
        X, n = windows_at_end(tokens, ids, users, int(self.max_len))
        known_users = np.unique(ev[C.USER_ID].to_numpy(dtype=np.int64))
        pos = pd.Index(known_users).get_indexer(users.astype(np.int64))
        seen = np.zeros((users.size, self.item_ids_.size), dtype=bool)
        if known_users.size:
            S, _, _ = interaction_matrix(ev, users=known_users, items=self.item_ids_, unknown="ignore")
            seen = S[np.maximum(pos, 0)].toarray() > 0
            seen[pos < 0] = False
        return X, seen, n > 0

    def predict_scores(self, user_ids, history=None) -> np.ndarray:
        """The model's score of every catalogue item (columns = ``item_ids_``) for each user's latest
        sequence (in the training log, or in ``history``): ``(n_users, n_items)``."""
        check_is_fitted(self, "vocabulary_")
        X, _, _ = self._history_inputs(user_ids, history)
        return self._window_scores(X)

    def recommend(self, user_ids, k: int = 10, exclude_seen: bool = False, batch_size: int = 4096, history=None):
        """Top-``k`` item ids per user, best first (``-1`` = no candidate), from each user's latest
        sequence in the training log or, with ``history``, in that (newer) log. See the module
        docstring for the rules."""
        check_is_fitted(self, "vocabulary_")
        k = check_count(k, "k")
        batch_size = check_count(batch_size, "batch_size")
        users = np.atleast_1d(np.asarray(user_ids))
        out = np.full((users.size, k), -1, dtype=np.int64)
        popular = self.popular_items_
        for lo in range(0, users.size, batch_size):
            sl = slice(lo, lo + batch_size)
            X, seen, has = self._history_inputs(users[sl], history)
            S = self._window_scores(X)
            valid = np.isfinite(S)
            if exclude_seen:
                valid &= ~seen
            top = top_k(S, k, valid=valid)
            if (~has).any():
                top[~has] = _fill_from_order(np.full((1, k), -1, dtype=np.int64), popular)[0]
            out[sl] = top
        pad = out < 0
        ids = self.item_ids_[np.where(pad, 0, out)]
        ids[pad] = -1
        return ids
