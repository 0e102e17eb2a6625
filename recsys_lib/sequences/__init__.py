"""Sequences from the event log for the capstone's sequence models (module 08).

Taught in module 08 (embedding_lstm_recommender). Split by concern:

=====================  =========================================================================
file                   what
=====================  =========================================================================
``steps.py``           browsing steps and next-click moments read from the log alone
``tokens.py``          the token stream of each user (clicks, actions, sessions, lists shown)
``vocabulary.py``      token <-> id with reserved padding (0) and out-of-vocabulary (1) ids
``windows.py``         left-padding, masks and leakage-free history windows
``datasets.py``        the windows and training pairs of the two heads
``markov.py``          the first-order Markov-chain baseline (transition counts, smoothing)
``evaluation.py``      full-catalogue HR@K / NDCG@K / MRR@K from scores, without sorting
``analysis.py``        what the model learned: by position in the session, by kind of transition
``conversion.py``      the purchase-propensity task at a session's first click, and its oracle
``keras_models.py``    the Embedding -> LSTM -> Dense models in Keras (TensorFlow imported lazily)
``stream_model.py``    the base class of the sequence recommenders (models/markov.py, models/sequence.py)
=====================  =========================================================================

Importing this package does not import TensorFlow.
"""
from recsys_lib.sequences.steps import (
    CUTOFF,
    STEP,
    STEP_IN_SESSION,
    TARGET_ITEM_ID,
    browsing_steps,
    last_moment_per_user,
    next_click_moments,
    sort_events,
    step_table,
)
from recsys_lib.sequences.tokens import (
    ACTION_TOKENS,
    EVENT_ROW,
    ITEM_PREFIX,
    LIST_PREFIX,
    SESSION_TOKEN,
    SLOT,
    TOKEN,
    event_tokens,
    item_token,
    token_items,
    user_sequences,
)
from recsys_lib.sequences.vocabulary import OOV, OOV_TOKEN, PAD, PAD_TOKEN, Vocabulary, vocabulary_order
from recsys_lib.sequences.windows import history_windows, left_pad, padding_mask, window_bounds
from recsys_lib.sequences.datasets import (
    NextItemExamples,
    next_item_examples,
    split_at_moments,
    windows_at_end,
    windows_before_steps,
    windows_through_first_click,
)
from recsys_lib.sequences.markov import markov_scores, transition_counts
from recsys_lib.sequences.evaluation import full_catalogue_metrics, target_ranks
from recsys_lib.sequences.analysis import TRANSITION_KINDS, case_context, hit_rate_by, transition_kind
from recsys_lib.sequences.conversion import conversion_oracle, conversion_windows

__all__ = [
    "STEP", "STEP_IN_SESSION", "CUTOFF", "TARGET_ITEM_ID", "sort_events", "browsing_steps", "step_table",
    "next_click_moments", "last_moment_per_user",
    "TOKEN", "SLOT", "EVENT_ROW", "SESSION_TOKEN", "ITEM_PREFIX", "LIST_PREFIX", "ACTION_TOKENS",
    "event_tokens", "item_token", "token_items", "user_sequences",
    "PAD", "OOV", "PAD_TOKEN", "OOV_TOKEN", "Vocabulary", "vocabulary_order",
    "left_pad", "padding_mask", "history_windows", "window_bounds",
    "NextItemExamples", "next_item_examples", "split_at_moments", "windows_before_steps", "windows_at_end",
    "windows_through_first_click",
    "transition_counts", "markov_scores",
    "target_ranks", "full_catalogue_metrics",
    "TRANSITION_KINDS", "transition_kind", "case_context", "hit_rate_by",
    "conversion_windows", "conversion_oracle",
]
