r"""The capstone's Embedding -> LSTM next-item recommender, with the recommenders' interface.

Taught in module 08 (embedding_lstm_recommender); module 09 A/B-tests it like any other
:class:`recsys_lib.models.BaseRecommender`::

    model = SequenceRecommender(max_len=20, embedding_dim=32, units=64, epochs=20, random_state=0)
    model.fit(events, items=items)                 # the event log, time-ordered per user
    model.recommend(user_ids, k=10)                # ranks the whole catalogue from each latest sequence
    model.recommend(user_ids, k=10, history=newer) # ... from the users' sequences in a newer log

``fit`` turns the log into token streams (:func:`recsys_lib.sequences.event_tokens`), a vocabulary
with padding 0 and OOV 1, and training pairs: for every browsing step with a click (not the first
of its session, unless ``first_steps``), the last ``max_len`` tokens strictly before the step and an
item clicked on it (every click, or only the first). Each user's **last** such moment is held out as
the validation split (earlier data than anything predicted after ``fit``, the same kind of moment
as ShopSim's next-click cases); training stops when the validation loss has not improved for
``patience`` epochs and keeps the best epoch's weights. The model is
``Input(max_len) -> Embedding(vocab, embedding_dim, mask_zero=True) -> LSTM(units) -> head`` with the
head ``Dense(n_items, softmax)`` (``output="dense"``) or its category-tied version
(``output="category_tied"``, needs ``items``; see :mod:`recsys_lib.sequences.keras_models`), whose
bias starts at the log-shares of the training targets (the popularity ranking).

TensorFlow is imported by ``fit`` (never by ``import recsys_lib.models``). For bit-identical runs
call :func:`recsys_lib.keras_utils.set_seeds` before the first model is built; ``random_state``
then fixes the initial weights and the shuffling.
"""
from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from recsys_lib import columns as C
from recsys_lib.models.recommender_base import check_count
from recsys_lib.sequences.datasets import next_item_examples, split_at_moments
from recsys_lib.sequences.keras_models import build_sequence_model, fit_with_early_stopping, predict_in_batches
from recsys_lib.sequences.steps import last_moment_per_user, next_click_moments
from recsys_lib.sequences.stream_model import StreamRecommender

__all__ = ["SequenceRecommender"]

_OUTPUTS = ("category_tied", "dense")


class SequenceRecommender(StreamRecommender):
    """Embedding -> LSTM -> softmax over the catalogue, trained with early stopping (BaseRecommender API).

    Parameters
    ----------
    max_len : int, tokens per input window
    embedding_dim, units : int, the embedding size and the LSTM's state size
    epochs, batch_size, patience : int, training budget, mini-batch size, early-stopping patience
    learning_rate : float, Adam's step size
    output : ``"category_tied"`` (default; needs ``items``) or ``"dense"`` (the plain ``Dense(n_items)``)
    min_count : int, tokens rarer than this share the OOV id
    lists, actions, sessions, list_position : the token stream (see ``recsys_lib.sequences.tokens``)
    all_clicks : bool, one training pair per click of a step (True) or per step (its first click)
    first_steps : bool, also train on steps that open a session
    random_state : int, seed of the initial weights and of the shuffling
    progress : bool, tqdm bar over the epochs

    Attributes
    ----------
    model_ : the trained Keras model;  history_ : dict of per-epoch losses and metrics, ``best_epoch``
    n_train_, n_val_ : training pairs and validation cases;  vocabulary_, item_ids_, user_ids_, ...

    Taught in module 08 (embedding_lstm_recommender).
    """

    def __init__(self, *, max_len: int = 20, embedding_dim: int = 32, units: int = 64, epochs: int = 20,
                 batch_size: int = 512, patience: int = 2, learning_rate: float = 0.01, output: str = "category_tied",
                 min_count: int = 1, lists: bool = True, actions: bool = True, sessions: bool = True,
                 list_position: str = "end", all_clicks: bool = True, first_steps: bool = False,
                 random_state: int = 0, progress: bool = True):
        self.max_len = max_len
        self.embedding_dim = embedding_dim
        self.units = units
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.learning_rate = learning_rate
        self.output = output
        self.min_count = min_count
        self.lists = lists
        self.actions = actions
        self.sessions = sessions
        self.list_position = list_position
        self.all_clicks = all_clicks
        self.first_steps = first_steps
        self.random_state = random_state
        self.progress = progress

    def _validate(self, items):
        for name in ("max_len", "embedding_dim", "units", "epochs", "batch_size"):
            check_count(getattr(self, name), name)
        check_count(self.patience, "patience", min_val=0)
        if self.output not in _OUTPUTS:
            raise ValueError(f"output must be one of {_OUTPUTS}; got {self.output!r}")
        if self.output == "category_tied" and (items is None or C.CATEGORY not in items.columns):
            raise ValueError("output='category_tied' needs the items table with categories: fit(events, items=items)")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be a positive number; got {self.learning_rate!r}")

    def split(self, events, tokens, ids):
        """``(train, validation)`` :class:`~recsys_lib.sequences.NextItemExamples` of a log: each
        user's last next-click moment (first click only) is the validation case; the user's pairs
        from that step on are left out of training (:func:`recsys_lib.sequences.split_at_moments`)."""
        examples = next_item_examples(events, tokens, ids, self.item_ids_, int(self.max_len),
                                      all_clicks=bool(self.all_clicks), first_steps=bool(self.first_steps))
        return split_at_moments(examples, last_moment_per_user(next_click_moments(events)))

    def fit(self, events, items=None):
        """Tokenise the log, hold out each user's last moment for validation, train with early stopping."""
        from recsys_lib.keras_utils import set_seeds

        self._validate(items)
        ev, tokens, ids = self._fit_stream(events, items)
        train, val = self.split(ev, tokens, ids)
        if len(train) == 0 or len(val) == 0:
            raise ValueError(f"not enough data: {len(train)} training pairs and {len(val)} validation cases "
                             "(the log needs steps with clicks after the first step of a session)")
        share = np.bincount(train.y, minlength=self.item_ids_.size) + 1.0
        set_seeds(int(self.random_state), threads=None)
        self.model_ = build_sequence_model(
            len(self.vocabulary_), int(self.max_len), head="next_item", n_items=int(self.item_ids_.size),
            embedding_dim=int(self.embedding_dim), units=int(self.units),
            item_categories=self.item_categories_ if self.output == "category_tied" else None,
            output_bias=np.log(share / share.sum()), learning_rate=float(self.learning_rate))
        self.history_ = fit_with_early_stopping(self.model_, train.X, train.y, val.X, val.y, epochs=int(self.epochs),
                                                batch_size=int(self.batch_size), patience=int(self.patience),
                                                seed=int(self.random_state), progress=bool(self.progress))
        self.n_train_, self.n_val_ = len(train), len(val)
        return self

    def _window_scores(self, X):
        check_is_fitted(self, "model_")
        return predict_in_batches(self.model_, np.asarray(X, dtype=np.int64))
