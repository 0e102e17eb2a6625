"""The checks of module 08 (embedding_lstm_recommender), in-process: no nbgrader, no shop.

Every mistake fixture (``autograder/fixtures/mistakes/08_embedding_lstm_recommender.json``) is
applied to the solution notebook's functions and run through the PUBLIC check (with small inputs that
stand in for the notebook's data: a random token list, the token stream of ``tests/sequence_logs.TINY``,
random windows and scores) and the HIDDEN tests of each test cell it must lose points in (they are
self-contained: they use only ``np``, ``pd`` and the learner's functions): both must fail, and the
public feedback must contain the fixture's words. The Keras structure check must NAME each known
mistake of ``build_lstm_model`` (tiny models: vocabulary 20, windows of 5, 4 dimensions, 4 units), and
other realistic wrong answers to the NumPy exercises get the diagnosis the check module lists.
TensorFlow is imported once (the setup cell imports the Keras checks); the toy early-stopping
problem trains a model of 8 units for a few epochs per call.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import exercise_harness as H
from autograder import notebooks as N
from autograder import toolbox_policy as P
from autograder.checks import CheckFailure
from autograder.exercises import m08_embedding_lstm_recommender as M08
from recsys_lib import sequences as seq
from recsys_lib.simulation import catalogue
from sequence_logs import ITEMS, TINY

MODULE = "08_embedding_lstm_recommender"
FIXTURES = H.mistake_fixtures(MODULE)
USES_TENSORFLOW = True     # the setup cell calls set_seeds (conftest: tf_threads_as_they_are)

# ---------------------------------------------------------------- small stand-ins for the notebook's data
_rng = np.random.default_rng(8)
_POOL = np.array([f"item:{i}" for i in range(12)] + ["<session>", "list:a/x", "list:b/y"], dtype=object)
_TOKENS = _rng.choice(_POOL, size=300, p=np.r_[np.geomspace(1.0, 0.02, 12), 0.6, 0.4, 0.4] / np.r_[
    np.geomspace(1.0, 0.02, 12), 0.6, 0.4, 0.4].sum()).tolist()                  # counts 1 .. ~60, some ties
_VOCAB = seq.Vocabulary(min_count=2).fit(_TOKENS).as_series()
_SEQUENCES = [list(_rng.choice(np.r_[_POOL, ["never_seen"]], size=n)) for n in (0, 3, 7, 12, 1, 9)]
_STREAM = seq.event_tokens(TINY, ITEMS)                            # two users, steps 0-3 and 4-5
_STREAM_IDS = seq.Vocabulary(min_count=1).fit(_STREAM[seq.TOKEN]).transform(_STREAM[seq.TOKEN].to_numpy())
_Q_USERS, _Q_STEPS = np.array([1, 1, 1, 2, 2]), np.array([0, 2, 3, 4, 5])   # every query has a <session> before
_N_STATES, _N_ITEMS = 9, 6
_XT = np.where(_rng.random((60, 4)) < 0.3, 0, _rng.integers(1, _N_STATES - 1, (60, 4)))   # state 8 never seen
_YT, _XQ = _rng.integers(0, _N_ITEMS, 60), _rng.integers(0, _N_STATES, (15, 4))
_SCORES, _TARGETS = _rng.random((40, 30)), _rng.integers(0, 30, 40)
_CATEGORIES = sorted(catalogue.COMPLEMENTS)
_PAIRS = [(a, b) for a in _CATEGORIES[:6] for b in (a, *catalogue.COMPLEMENTS[a][:2], _CATEGORIES[-1])]
_PREV, _NEXT = [a for a, _ in _PAIRS] + [None, "home/mugs"], [b for _, b in _PAIRS] + ["home/mugs", None]


def _lazy_keras():
    from autograder.exercises import m08_embedding_lstm_recommender_keras as K
    return K


#: test cell -> its public check on small inputs standing in for the notebook's data
PUBLIC = {
    "m08_build_vocabulary": lambda ns: M08.check_build_vocabulary(ns["build_vocabulary"], list(_TOKENS)),
    "m08_encode_and_pad": lambda ns: M08.check_encode_and_pad(ns["encode_and_pad"], _SEQUENCES, _VOCAB, 5),
    "m08_history_windows": lambda ns: M08.check_history_windows(ns["history_windows"], _STREAM, _STREAM_IDS,
                                                                _Q_USERS, _Q_STEPS, 3),
    "m08_markov_scores": lambda ns: M08.check_markov_scores(ns["markov_scores"], _XT, _YT, _XQ, _N_STATES, _N_ITEMS),
    "m08_full_catalogue_metrics": lambda ns: M08.check_full_catalogue_metrics(ns["full_catalogue_metrics"],
                                                                              _SCORES, _TARGETS, 10),
    "m08_lstm_model": lambda ns: _lazy_keras().check_lstm_model(ns["build_lstm_model"], 20, 5, 7),
    "m08_early_stopping": lambda ns: _lazy_keras().check_train_with_early_stopping(ns["train_with_early_stopping"]),
    "m08_transition_kind": lambda ns: M08.check_transition_kind(ns["transition_kind"], _PREV, _NEXT),
}


def test_the_solution_passes_every_public_and_hidden_check(solution, hidden, capsys):
    H.assert_solution_passes(PUBLIC, solution, hidden, capsys)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f["id"] for f in FIXTURES])
def test_every_fixture_fails_the_public_and_the_hidden_tests(notebook, hidden, fixture):
    H.assert_fixture_fails(PUBLIC, notebook, hidden, fixture, first_line_names_it=True)


# ---------------------------------------------------------------- exercise 5: the model, mistake by mistake
def _builder(mask_zero=True, rnn="LSTM", return_sequences=False, next_act="softmax", one_act="sigmoid",
             next_loss="sparse_categorical_crossentropy", from_logits=False, input_len=lambda L: L,
             input_dim=lambda v: v):
    """A learner's build_lstm_model with one thing changed (each test below makes its own)."""
    import keras

    def build_lstm_model(vocab_size, max_len, embedding_dim, units, n_outputs, learning_rate=0.01):
        inputs = keras.Input(shape=(input_len(max_len),), dtype="int32")
        x = keras.layers.Embedding(input_dim(vocab_size), embedding_dim, mask_zero=mask_zero)(inputs)
        if rnn == "Flatten":
            x = keras.layers.Flatten()(x)
        else:
            x = getattr(keras.layers, rnn)(units, return_sequences=return_sequences)(x)
        if n_outputs == 1:
            outputs, loss = keras.layers.Dense(1, activation=one_act)(x), "binary_crossentropy"
        else:
            outputs = keras.layers.Dense(n_outputs, activation=next_act)(x)
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True) if from_logits else next_loss
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=loss)
        return model
    return build_lstm_model


#: mistake -> (the changed build, n_outputs, distinctive words, the check says "Likely mistake")
KERAS_MISTAKES = {
    "no_mask_zero": (dict(mask_zero=False), 7, ["no mask_zero", "padding id 0"], True),
    "return_sequences_left_on": (dict(return_sequences=True), 7, ["return_sequences=True", "(None, 5, 4)",
                                                                  "final state"], True),
    "sigmoid_next_item_head": (dict(next_act="sigmoid"), 7, ["sigmoid on the next-item head", "sum to one"], True),
    "softmax_purchase_head": (dict(one_act="softmax"), 1, ["softmax on the one-unit purchase head", "always 1.0",
                                                           "sigmoid"], True),
    "gru": (dict(rnn="GRU"), 7, ["recurrent layer is a GRU", "keras.layers.LSTM"], False),
    "simple_rnn": (dict(rnn="SimpleRNN"), 1, ["recurrent layer is a SimpleRNN", "keras.layers.LSTM"], False),
    "flatten": (dict(rnn="Flatten"), 7, ["second layer is a Flatten", "order of the tokens"], True),
    "categorical_crossentropy": (dict(next_loss="categorical_crossentropy"), 7,
                                 ["'categorical_crossentropy' expects one-hot", "sparse_categorical_crossentropy"],
                                 False),
    "from_logits_with_softmax": (dict(from_logits=True), 7, ["from_logits=True", "already applies softmax",
                                                             "second time"], False),
    "input_one_too_long": (dict(input_len=lambda L: L + 1), 7, ["input should have shape (None, 5)",
                                                                "[(None, 6)]"], False),
    "input_of_any_length": (dict(input_len=lambda L: None), 1, ["input should have shape (None, 5)",
                                                                "[(None, None)]"], False),
    "input_dim_without_reserved_ids": (dict(input_dim=lambda v: v - 2), 7, ["input_dim=18, expected 20",
                                                                            "no rows for the reserved ids"], True),
    "input_dim_one_short": (dict(input_dim=lambda v: v - 1), 1, ["input_dim=19, expected 20", "<pad> (0)"], True),
}


@pytest.mark.parametrize("mistake", KERAS_MISTAKES)
def test_the_model_check_names_each_structural_mistake(mistake):
    K = _lazy_keras()
    change, n_outputs, words, likely = KERAS_MISTAKES[mistake]
    msg = H.fails(K.check_lstm_model_on, _builder(**change), 20, 5, 4, 4, n_outputs, words=words)
    first = msg.splitlines()[0]
    assert first.startswith(f"build_lstm_model(vocab_size=20, max_len=5, embedding_dim=4, units=4, "
                            f"n_outputs={n_outputs}): ")
    if likely:                                                          # where the check names it so
        assert "Likely mistake" in first, first
    assert all(w.lower() in first.lower() for w in words), first        # the diagnosis is on the first line


def test_the_unchanged_builder_passes_so_each_mistake_above_is_the_only_difference():
    K = _lazy_keras()
    for n_outputs in (7, 1):
        K.check_lstm_model_on(_builder(), 20, 5, 4, 4, n_outputs)


# ---------------------------------------------------------------- other wrong answers to the NumPy exercises
def test_vocabulary_in_order_of_first_appearance(solution):
    def build_vocabulary(tokens, min_count=1):
        s = pd.Series(tokens, dtype=object).astype(str)
        counts = s.value_counts()
        kept = [t for t in pd.unique(s) if counts[t] >= min_count and t not in ("<pad>", "<oov>")]
        return pd.Series(np.arange(len(kept) + 2), index=pd.Index(["<pad>", "<oov>"] + kept, name="token"))
    H.fails(M08.check_build_vocabulary, build_vocabulary, list(_TOKENS), words=["order of first appearance",
                                                                                 "by count"])


def test_vocabulary_with_min_count_as_more_than(solution):
    def build_vocabulary(tokens, min_count=1):
        counts = pd.Series(tokens, dtype=object).astype(str).value_counts()
        counts = counts[(counts > min_count) & ~counts.index.isin(["<pad>", "<oov>"])]
        order = sorted(counts.index, key=lambda t: (-counts[t], t))
        return pd.Series(np.arange(len(order) + 2), index=pd.Index(["<pad>", "<oov>"] + order, name="token"))
    H.fails(M08.check_build_vocabulary, build_vocabulary, list(_TOKENS), words=["'more than'", "exactly min_count"])


def test_padding_that_keeps_the_oldest_tokens(solution):
    def encode_and_pad(sequences, vocabulary, max_len):
        X = np.zeros((len(sequences), max_len), dtype=np.int64)
        for r, s in enumerate(sequences):
            ids = vocabulary.reindex(list(s)).fillna(1).to_numpy(dtype=np.int64)[:max_len]
            X[r, max_len - len(ids):] = ids if len(ids) else X[r, max_len:]
        return X, X != 0
    H.fails(M08.check_encode_and_pad, encode_and_pad, _SEQUENCES, _VOCAB, 5,
           words=["kept the first max_len tokens", "LAST max_len"])


def test_padding_with_unknown_tokens_as_padding_and_an_inverted_mask(solution):
    def unknown_as_pad(sequences, vocabulary, max_len):
        X = np.zeros((len(sequences), max_len), dtype=np.int64)
        for r, s in enumerate(sequences):
            ids = vocabulary.reindex(list(s)).fillna(0).to_numpy(dtype=np.int64)[-max_len:]     # unknown -> 0
            X[r, max_len - len(ids):] = ids if len(ids) else X[r, max_len:]
        return X, X != 0
    H.fails(M08.check_encode_and_pad, unknown_as_pad, _SEQUENCES, _VOCAB, 5, words=["unknown tokens mapped to 0",
                                                                                 "<oov> = 1"])

    def inverted(sequences, vocabulary, max_len):
        X, mask = solution["encode_and_pad"](sequences, vocabulary, max_len)
        return X, ~mask
    H.fails(M08.check_encode_and_pad, inverted, _SEQUENCES, _VOCAB, 5, words=["mask inverted", "REAL tokens"])


def test_windows_that_run_into_the_previous_user(solution, hidden):
    def history_windows(stream_users, stream_keys, ids, query_users, query_keys, max_len):
        su, sk, ids = np.asarray(stream_users), np.asarray(stream_keys), np.asarray(ids)
        span = int(max(sk.max(initial=0), np.max(query_keys, initial=0))) + 1
        end = np.searchsorted(su * span + sk, np.asarray(query_users) * span + np.asarray(query_keys), side="left")
        pos = end[:, None] - max_len + np.arange(max_len)[None, :]
        return np.where(pos >= 0, ids[np.clip(pos, 0, None)], 0)       # no user start: the window crosses users
    H.fails(PUBLIC["m08_history_windows"], {"history_windows": history_windows},
           words=["runs into the previous user's tokens"])
    with pytest.raises(CheckFailure):
        H.run_hidden(hidden["m08_history_windows"], {**solution, "history_windows": history_windows})


def test_windows_that_keep_the_oldest_tokens(solution):
    def history_windows(stream_users, stream_keys, ids, query_users, query_keys, max_len):
        su, sk, ids = np.asarray(stream_users), np.asarray(stream_keys), np.asarray(ids)
        out = np.zeros((len(query_users), max_len), dtype=np.int64)
        for r, (u, k) in enumerate(zip(query_users, query_keys)):
            sel = ids[(su == u) & (sk < k)][:max_len]
            out[r, max_len - len(sel):] = sel if len(sel) else out[r, max_len:]
        return out
    H.fails(PUBLIC["m08_history_windows"], {"history_windows": history_windows},
           words=["kept the oldest tokens", "LAST max_len"])


def test_markov_counts_not_normalised(solution, hidden):
    def markov_scores(X_train, y_train, X_query, n_states, n_items, alpha):
        N_ = np.zeros((n_states, n_items))
        np.add.at(N_, (np.asarray(X_train)[:, -1], np.asarray(y_train)), 1.0)
        pi = N_.sum(axis=0) / N_.sum()
        return N_[np.asarray(X_query)[:, -1]] + alpha * pi[None, :]
    H.fails(PUBLIC["m08_markov_scores"], {"markov_scores": markov_scores},
           words=["counts not normalised", "N_s + alpha"])
    with pytest.raises(CheckFailure):
        H.run_hidden(hidden["m08_markov_scores"], {**solution, "markov_scores": markov_scores})


def test_markov_with_a_uniform_prior(solution):
    def markov_scores(X_train, y_train, X_query, n_states, n_items, alpha):
        N_ = np.zeros((n_states, n_items))
        np.add.at(N_, (np.asarray(X_train)[:, -1], np.asarray(y_train)), 1.0)
        rows = N_[np.asarray(X_query)[:, -1]]
        return (rows + alpha / n_items) / (rows.sum(axis=1, keepdims=True) + alpha)
    H.fails(PUBLIC["m08_markov_scores"], {"markov_scores": markov_scores}, words=["uniform prior", "popularity"])


def _ranks(scores, targets, tied_above):
    S, t = np.asarray(scores, dtype=float), np.asarray(targets)
    s_t = S[np.arange(len(t)), t][:, None]
    cols = np.arange(S.shape[1])[None, :]
    return 1 + ((S > s_t) | ((S == s_t) & tied_above(cols, t[:, None]))).sum(axis=1)


def test_metrics_with_every_tie_counted_above_the_target(solution, hidden):
    def full_catalogue_metrics(scores, targets, k):
        rank = _ranks(scores, targets, lambda cols, t: cols != t)          # ties with a higher column too
        hit = rank <= k
        return pd.Series({"hr": hit.mean(), "ndcg": np.where(hit, 1 / np.log2(rank + 1.0), 0).mean(),
                          "mrr": np.where(hit, 1 / rank, 0).mean()})
    msg = H.fails(PUBLIC["m08_full_catalogue_metrics"], {"full_catalogue_metrics": full_catalogue_metrics},
                 words=["every item tied with the target counted above it", "LOWER column"])
    assert "scores rounded to 2 decimals" in msg.splitlines()[0]           # exact random scores have no ties
    with pytest.raises(CheckFailure):
        H.run_hidden(hidden["m08_full_catalogue_metrics"], {**solution, "full_catalogue_metrics": full_catalogue_metrics})


def test_metrics_with_mrr_not_cut_at_k(solution):
    def full_catalogue_metrics(scores, targets, k):
        rank = _ranks(scores, targets, lambda cols, t: cols < t)
        hit = rank <= k
        return pd.Series({"hr": hit.mean(), "ndcg": np.where(hit, 1 / np.log2(rank + 1.0), 0).mean(),
                          "mrr": (1 / rank).mean()})
    H.fails(PUBLIC["m08_full_catalogue_metrics"], {"full_catalogue_metrics": full_catalogue_metrics},
           words=["MRR not cut at k"])


def test_transition_kind_with_complements_read_backwards(solution, hidden):
    def transition_kind(previous, following, complements):
        out = []
        for a, b in zip(previous, following):
            if a is None or b is None:
                out.append("other")
            elif a == b:
                out.append("same")
            else:
                out.append("complement" if a in complements.get(b, ()) else "other")
        return np.array(out)
    H.fails(PUBLIC["m08_transition_kind"], {"transition_kind": transition_kind},
           words=["complements read backwards", "NEXT category"])
    with pytest.raises(CheckFailure):
        H.run_hidden(hidden["m08_transition_kind"], {**solution, "transition_kind": transition_kind})


# ---------------------------------------------------------------- determinism, toolbox rules
def test_checks_give_the_same_feedback_twice(notebook):
    wrong = H.run_graded_cells(notebook, next(f for f in FIXTURES if f["id"] == "target_step_in_window_markov_first_column")
                       ["replace"])
    assert H.fails(PUBLIC["m08_markov_scores"], wrong) == H.fails(PUBLIC["m08_markov_scores"], wrong)
    build = _builder(return_sequences=True)
    K = _lazy_keras()
    assert H.fails(K.check_lstm_model_on, build, 20, 5, 4, 4, 7) == H.fails(K.check_lstm_model_on, build, 20, 5, 4, 4, 7)


def test_how_this_notebook_works_names_what_is_forbidden_and_allowed(notebook):
    """Module 08's text forbids `recsys_lib.sequences` as a whole (naming its main functions) and the two
    sequence recommenders by name; every other forbidden name must be listed, and the two toolbox
    functions it allows must not be forbidden."""
    (text,) = [N.source_text(c) for c in notebook["cells"] if N.source_text(c).startswith("## How this notebook works")]
    assert "Not `recsys_lib.sequences`" in text
    names = {name for table in P.POLICY[MODULE].values() for name in table}
    for name in names:
        if not name.startswith("recsys_lib.sequences."):
            assert f"`{name}`" in text or f"`{name.rsplit('.', 1)[-1]}`" in text, \
                f"'How this notebook works' does not list {name}"
    for allowed in ("recsys_lib.features.pad_sequences", "recsys_lib.models.top_k"):
        assert f"`{allowed}`" in text and allowed not in names
    for gid in ("m08_build_vocabulary_code", "m08_history_windows_code", "m08_markov_scores_code",
                "m08_full_catalogue_metrics_code", "m08_lstm_model_code", "m08_early_stopping_code",
                "m08_transition_kind_code"):
        listed = [n for n in P.forbidden_names(MODULE, gid) if n.startswith("recsys_lib.sequences.")
                  and f"`{n.rsplit('.', 1)[-1]}`" in text]
        assert listed, f"no name forbidden in {gid} is named in the text"
