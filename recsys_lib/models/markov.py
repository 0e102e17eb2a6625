r"""The first-order Markov-chain recommender: the next item depends on the last token only.

Taught in module 08 (embedding_lstm_recommender): the baseline the LSTM must beat, because it
already uses the *order* of events (the last one), but nothing older.

``fit(events, items=None)`` builds each user's token stream (:func:`recsys_lib.sequences.event_tokens`:
clicks ``item:<id>``, optionally actions, ``<session>`` and ``list:<category>`` tokens), and
counts, for every browsing step of the log with a click, the pairs (last token before the step,
item clicked on the step). Scores are the smoothed transition probabilities of
:func:`recsys_lib.sequences.markov_scores`:

.. math::  \hat P(i \mid s) = \frac{N_{si} + \alpha\,\pi_i}{N_{s\cdot} + \alpha}

with :math:`s` the user's last token (in the training log, or in ``recommend(..., history=...)``).
With ``lists=False, actions=False, sessions=False`` the state is the last clicked item: the classic
item-to-item Markov chain. See :class:`recsys_lib.sequences.stream_model.StreamRecommender` for
``recommend``.
"""
from __future__ import annotations

import numpy as np

from recsys_lib.sequences.datasets import next_item_examples
from recsys_lib.sequences.markov import check_smoothing, markov_scores, transition_counts
from recsys_lib.sequences.stream_model import StreamRecommender

__all__ = ["MarkovChainRecommender"]


class MarkovChainRecommender(StreamRecommender):
    """First-order Markov chain over the last token (BaseRecommender API).

    Parameters
    ----------
    smoothing : float >= 0
        :math:`\\alpha`, the weight of the popularity prior.
    lists, actions, sessions : bool
        which tokens the stream has besides clicks (``lists`` needs ``fit(events, items=...)``).
    list_position : ``"end"`` or ``"start"``, where a step's ``list:`` token goes.
    all_clicks : bool
        count every click of a step (True) or only its first click.
    first_steps : bool
        also count the steps that open a session.
    min_count : int
        tokens rarer than this in the training log share the out-of-vocabulary state.

    Attributes
    ----------
    counts_ : csr_matrix (n_states, n_items), the transition counts :math:`N`
    vocabulary_, tokens_, token_ids_, item_ids_, user_ids_, interactions_, popularity_

    Taught in module 08 (embedding_lstm_recommender).
    """

    max_len = 1        # the chain reads one token

    def __init__(self, *, smoothing: float = 1.0, lists: bool = True, actions: bool = True, sessions: bool = True,
                 list_position: str = "end", all_clicks: bool = True, first_steps: bool = False, min_count: int = 1):
        self.smoothing = smoothing
        self.lists = lists
        self.actions = actions
        self.sessions = sessions
        self.list_position = list_position
        self.all_clicks = all_clicks
        self.first_steps = first_steps
        self.min_count = min_count

    def fit(self, events, items=None):
        """Count the (last token, next clicked item) pairs of the log ``events``."""
        check_smoothing(self.smoothing)
        ev, tokens, ids = self._fit_stream(events, items)
        pairs = next_item_examples(ev, tokens, ids, self.item_ids_, 1, all_clicks=bool(self.all_clicks),
                                   first_steps=bool(self.first_steps))
        self.counts_ = transition_counts(pairs.X[:, -1], pairs.y, len(self.vocabulary_), self.item_ids_.size)
        self.n_pairs_ = len(pairs)
        return self

    def _window_scores(self, X):
        X = np.asarray(X)
        return markov_scores(self.counts_, X[:, -1], self.smoothing)
