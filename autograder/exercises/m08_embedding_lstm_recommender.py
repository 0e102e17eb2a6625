"""Checks for module 08 (embedding_lstm_recommender), exercises 1-4, 7 and 8 (the Keras exercises 5
and 6 are in ``m08_embedding_lstm_recommender_keras``). Test cells call ``check_<exercise>(student_function,
...)`` on the notebook's data and on small public inputs (every rule the task states: reserved ids,
ties, ``min_count`` at the boundary, OOV, left padding, truncation to the newest tokens, strictly
before, user boundaries, the last column as the state, ties in the rank, missing categories), and
``check_<exercise>_on(...)`` with other small inputs (hidden tests). Wrong answers are compared with
the known mistakes (no reserved ids, order of first appearance, unknown tokens padded, right padding,
the target step leaking into its own input, windows crossing users, the first column as the Markov
state, counts not normalised, log2(rank), ties counted for the target, MRR not cut at K, complements
read backwards, ...) only after a check has failed."""
from __future__ import annotations

import builtins as _builtins

import numpy as _np
import pandas as _pd

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import columns as C
from recsys_lib import sequences as _seq
from recsys_lib.simulation import catalogue as _catalogue

# reference implementations and everything the checks use, bound before any student code runs
_ref_vocabulary = _seq.Vocabulary
_ref_windows_before = _seq.windows_before_steps
_ref_history_windows, _ref_window_bounds = _seq.history_windows, _seq.window_bounds
_ref_counts, _ref_markov = _seq.transition_counts, _seq.markov_scores
_ref_ranks, _ref_full_metrics = _seq.target_ranks, _seq.full_catalogue_metrics
_ref_transition_kind = _seq.transition_kind
_PAD, _OOV, _PAD_TOKEN, _OOV_TOKEN, _SLOT = _seq.PAD, _seq.OOV, _seq.PAD_TOKEN, _seq.OOV_TOKEN, _seq.SLOT
COMPLEMENTS = {k: tuple(v) for k, v in _catalogue.COMPLEMENTS.items()}
_asarray, _array, _full, _zeros, _arange, _where, _log2 = (_np.asarray, _np.array, _np.full, _np.zeros, _np.arange,
                                                          _np.where, _np.log2)
_Series, _DataFrame, _Index, _isna = _pd.Series, _pd.DataFrame, _pd.Index, _pd.isna
_len, _int, _float, _list, _tuple, _dict, _isinstance, _type, _str, _sorted, _zip, _range, _sum, _next = (
    _builtins.len, _builtins.int, _builtins.float, _builtins.list, _builtins.tuple, _builtins.dict,
    _builtins.isinstance, _builtins.type, _builtins.str, _builtins.sorted, _builtins.zip, _builtins.range,
    _builtins.sum, _builtins.next)
_passed, _Mistake, _CheckFailure, _quietly, _call = _c.passed, _c.Mistake, _c.CheckFailure, _c.quietly, _c.call
METRICS = ("hr", "ndcg", "mrr")


def _fail(msg):
    raise _CheckFailure(msg)


def _int_array(got, name, ndim):
    if _isinstance(got, (_Series, _DataFrame)):
        got = got.to_numpy()
    _c.check_type(got, _np.ndarray, name)
    _c.check_dtype(got, "iu", name)
    if got.ndim != ndim:
        _fail(f"{name} should be a {ndim}-D array; got shape {got.shape}.")
    return got


# ---------------------------------------------------------------- 1. vocabulary
def _vocab_variant(tokens, min_count, reserved=2, order="count", ties="alpha", strict=False, ascending=False):
    s = _Series(_asarray(tokens, dtype=object)).astype(str)
    first_seen = _Series(_arange(_len(s)), index=s.to_numpy()).groupby(level=0).min()
    counts = s.value_counts()
    frame = _DataFrame({"count": counts, "first": first_seen.reindex(counts.index)})
    frame["token"] = frame.index.astype(str)
    keep = frame["count"] > min_count if strict else frame["count"] >= min_count
    frame = frame[keep & ~frame["token"].isin([_PAD_TOKEN, _OOV_TOKEN])]
    if order == "first":
        frame = frame.sort_values("first")
    else:
        frame = frame.sort_values(["count", "token" if ties == "alpha" else "first"],
                                  ascending=[ascending, True], kind="stable")
    head = [_PAD_TOKEN, _OOV_TOKEN][:reserved]
    index = _Index(head + frame["token"].tolist(), name="token")
    return _Series(_arange(_len(index), dtype=_np.int64), index=index)


@_quietly
def check_build_vocabulary_on(build_vocabulary, tokens, min_count, expected, name="build_vocabulary"):
    tokens = _list(tokens)
    got = _call(build_vocabulary, _list(tokens), min_count, name="build_vocabulary")
    _c.check_type(got, _Series, name)
    mistakes = [
        _Mistake("no reserved ids: id 0 must be <pad> and id 1 <oov>, the kept tokens start at 2",
                 _vocab_variant(tokens, min_count, reserved=0)),
        _Mistake("only <pad> reserved: id 1 must be <oov> (every unknown or rare token maps to it)",
                 _vocab_variant(tokens, min_count, reserved=1)),
        _Mistake("tokens in order of first appearance; order them by count, most frequent first",
                 _vocab_variant(tokens, min_count, order="first")),
        _Mistake("ties in the count broken by first appearance; break them alphabetically",
                 _vocab_variant(tokens, min_count, ties="first")),
        _Mistake("least frequent first; the most frequent token gets id 2",
                 _vocab_variant(tokens, min_count, ascending=True)),
        _Mistake("min_count applied as 'more than': a token seen exactly min_count times is kept",
                 _vocab_variant(tokens, min_count, strict=True)),
    ]
    _c.check_series(got, expected, name, rtol=0, atol=0, mistakes=mistakes, dtype="iu")


#: a public token list: "b" and "c" tie (alphabetical), "d" sits exactly at min_count=2, "e" below it
TINY_TOKENS = ["c", "a", "b", "a", "d", "b", "c", "a", "e", "d"]


@_quietly
def check_build_vocabulary(build_vocabulary, tokens):
    for mc in (1, 3):
        expected = _ref_vocabulary(min_count=mc).fit(tokens).as_series()
        check_build_vocabulary_on(build_vocabulary, tokens, mc, expected,
                                  f"build_vocabulary(training tokens, min_count={mc})")
    expected = _ref_vocabulary(min_count=2).fit(TINY_TOKENS).as_series()
    check_build_vocabulary_on(build_vocabulary, TINY_TOKENS, 2, expected,
                              f"build_vocabulary({TINY_TOKENS}, min_count=2) (ties, a token at min_count)")
    _passed()


# ---------------------------------------------------------------- 2. encode and pad
def _encode_variant(sequences, vocabulary, max_len, side="left", keep="last", unknown=_OOV, pad=_PAD):
    index = _Index(vocabulary.index.astype(str))
    X = _full((_len(sequences), max_len), pad, dtype=_np.int64)
    for r, seq in enumerate(sequences):     # tiny inputs only: clarity over speed
        ids = index.get_indexer(_asarray(_list(seq), dtype=object).astype(str)) if _len(seq) else _zeros(0, _np.int64)
        ids = _where(ids < 0, unknown, vocabulary.to_numpy()[_np.maximum(ids, 0)])
        ids = ids[-max_len:] if keep == "last" else ids[:max_len]
        if _len(ids):
            if side == "left":
                X[r, max_len - _len(ids):] = ids
            else:
                X[r, :_len(ids)] = ids
    return X


@_quietly
def check_encode_and_pad_on(encode_and_pad, sequences, vocabulary, max_len, expected, name="encode_and_pad"):
    sequences = [_list(s) for s in sequences]
    got = _call(encode_and_pad, [_list(s) for s in sequences], vocabulary.copy(), max_len, name="encode_and_pad")
    if not (_isinstance(got, _tuple) and _len(got) == 2):
        _fail(f"{name} should return a tuple (X, mask); got {_type(got).__name__}.")
    X, mask = got
    X = _int_array(X, f"{name}: X", 2)
    expected = _asarray(expected, dtype=_np.int64)
    mistakes = [
        _Mistake("right padding: pad on the LEFT, so the newest token is always in the last column",
                 _encode_variant(sequences, vocabulary, max_len, side="right")),
        _Mistake("kept the first max_len tokens; keep the LAST max_len (the most recent behaviour)",
                 _encode_variant(sequences, vocabulary, max_len, keep="first")),
        _Mistake("unknown tokens mapped to 0 (padding): the mask would hide them; they map to <oov> = 1",
                 _encode_variant(sequences, vocabulary, max_len, unknown=_PAD)),
        _Mistake("padded with -1 (pad_sequences' default value); the padding id is 0, which mask_zero masks",
                 _encode_variant(sequences, vocabulary, max_len, pad=-1)),
    ]
    _c.check_close(X, expected, f"{name}: X", rtol=0, atol=0, mistakes=mistakes)
    if not (_isinstance(mask, _np.ndarray) and mask.dtype == bool):
        _fail(f"{name}: mask should be a boolean NumPy array (True = a real token); got "
              f"{_type(mask).__name__} {getattr(mask, 'dtype', '')}.")
    want = expected != _PAD
    _c.check_close(mask, want, f"{name}: mask", rtol=0, atol=0,
                   mistakes=[_Mistake("mask inverted: True marks the REAL tokens (X != 0)", ~want)])


#: a public case: an unknown token, a sequence longer than max_len, an empty one
TINY_SEQUENCES = [["a", "b"], ["zzz", "a", "c", "b", "a"], []]
TINY_VOCABULARY = _Series([0, 1, 2, 3, 4], index=_Index([_PAD_TOKEN, _OOV_TOKEN, "a", "b", "c"], name="token"))


@_quietly
def check_encode_and_pad(encode_and_pad, sequences, vocabulary, max_len):
    check_encode_and_pad_on(encode_and_pad, sequences, vocabulary, max_len,
                            _encode_variant(sequences, vocabulary, max_len),
                            f"encode_and_pad(shoppers' sequences, max_len={max_len})")
    check_encode_and_pad_on(encode_and_pad, TINY_SEQUENCES, TINY_VOCABULARY, 3,
                            _encode_variant(TINY_SEQUENCES, TINY_VOCABULARY, 3),
                            f"encode_and_pad({TINY_SEQUENCES}, max_len=3) (unknown token, long and empty sequences)")
    _passed()


# ---------------------------------------------------------------- 3. history windows
def _window_variant(stream_users, stream_keys, ids, query_users, query_keys, max_len, inclusive=False,
                    cross_users=False, side="left", keep="last"):
    su, sk, ids = _asarray(stream_users), _asarray(stream_keys, dtype=_np.int64), _asarray(ids, dtype=_np.int64)
    out = _zeros((_len(query_users), max_len), dtype=_np.int64)
    for r, (u, k) in enumerate(_zip(_asarray(query_users).tolist(), _asarray(query_keys).tolist())):
        ok = (sk <= k) if inclusive else (sk < k)
        if cross_users:     # everything up to the query's position in the flat stream
            last = _np.flatnonzero((su == u) & ok)
            sel = ids[: last[-1] + 1] if last.size else ids[:0]
        else:
            sel = ids[(su == u) & ok]
        sel = sel[-max_len:] if keep == "last" else sel[:max_len]
        if _len(sel):
            if side == "left":
                out[r, max_len - _len(sel):] = sel
            else:
                out[r, :_len(sel)] = sel
    return out


@_quietly
def check_history_windows_on(history_windows, stream_users, stream_keys, ids, query_users, query_keys, max_len,
                             expected, name="history_windows"):
    args = [_asarray(a).copy() for a in (stream_users, stream_keys, ids, query_users, query_keys)]
    got = _call(history_windows, *[a.copy() for a in args], max_len, name="history_windows")
    got = _int_array(got, name, 2)
    small = _len(args[0]) <= 50_000 and _len(args[3]) <= 1000
    mistakes = (lambda: [
        _Mistake("the step being predicted leaks into its own input: use the tokens with key STRICTLY below "
                 "the query's key (< not <=), or the target click is in the window", _window_variant(*args, max_len, inclusive=True)),
        _Mistake("the window runs into the previous user's tokens: a window holds only the query user's history",
                 _window_variant(*args, max_len, cross_users=True)),
        _Mistake("right padding: pad on the left, the newest token goes in the last column",
                 _window_variant(*args, max_len, side="right")),
        _Mistake("kept the oldest tokens: keep the LAST max_len before the query", _window_variant(*args, max_len, keep="first")),
    ]) if small else (lambda: [])
    expected = _asarray(expected, dtype=_np.int64)
    if got.shape == expected.shape and (got == expected).all():
        return
    _c.check_close(got, expected, name, rtol=0, atol=0, mistakes=mistakes())


#: a public stream of two users: user 4's keys 1, 1, 3, 5, user 9's keys 1, 3; queries at equal keys and
#: at a user's start (no history)
TINY_STREAM = ([4, 4, 4, 4, 9, 9], [1, 1, 3, 5, 1, 3], [11, 12, 13, 14, 21, 22], [4, 9, 9, 4], [5, 3, 1, 6])


@_quietly
def check_history_windows(history_windows, tokens, ids, query_users, query_steps, max_len):
    users, keys, ids = tokens[C.USER_ID].to_numpy(), tokens[_SLOT].to_numpy(), _asarray(ids)
    query_users = _asarray(query_users)
    q_keys = 2 * _asarray(query_steps, dtype=_np.int64) + 1
    expected, _ = _ref_windows_before(tokens, ids, query_users, query_steps, max_len)
    few = _np.isin(users, query_users[:300])         # 300 shoppers first: known mistakes are recognised
    check_history_windows_on(history_windows, users[few], keys[few], ids[few], query_users[:300], q_keys[:300],
                             max_len, expected[:300], "history_windows on the validation moments of 300 shoppers")
    check_history_windows_on(history_windows, users, keys, ids, query_users, q_keys, max_len, expected,
                             f"history_windows on all {_len(q_keys)} validation moments")
    su, sk, sid, qu, qk = TINY_STREAM
    check_history_windows_on(history_windows, su, sk, sid, qu, qk, 3, _window_variant(su, sk, sid, qu, qk, 3),
                             "history_windows on a tiny stream of two users (equal keys, a user's first query)")
    _passed()


# ---------------------------------------------------------------- 4. Markov chain
def _markov_variant(X_train, y_train, X_query, n_states, n_items, alpha, column=-1, normalise=True, prior="pop",
                    scale_prior=True):
    s_train, s_query = _asarray(X_train)[:, column], _asarray(X_query)[:, column]
    N = _ref_counts(s_train, y_train, n_states, n_items).toarray()
    pop = N.sum(axis=0)
    pi = pop / pop.sum() if prior == "pop" else _full(n_items, 1.0 / n_items)
    weight = alpha * pi if scale_prior else alpha * pop
    rows = N[s_query]
    if not normalise:
        return rows + weight[None, :]
    return (rows + weight[None, :]) / (rows.sum(axis=1, keepdims=True) + alpha)


@_quietly
def check_markov_scores_on(markov_scores, X_train, y_train, X_query, n_states, n_items, alpha, expected,
                           name="markov_scores"):
    args = (_asarray(X_train).copy(), _asarray(y_train).copy(), _asarray(X_query).copy())
    got = _call(markov_scores, *[a.copy() for a in args], n_states, n_items, alpha, name="markov_scores")
    if _isinstance(got, _DataFrame):
        got = got.to_numpy()
    _c.check_type(got, _np.ndarray, name)
    mistakes = lambda: [
        _Mistake("the state is the FIRST column, which is mostly padding; the last token (column -1) is the state",
                 _markov_variant(*args, n_states, n_items, alpha, column=0)),
        _Mistake("counts not normalised: divide by N_s + alpha so that each row sums to one",
                 _markov_variant(*args, n_states, n_items, alpha, normalise=False)),
        _Mistake("uniform prior; the prior is the items' popularity pi_i = N_.i / N_..",
                 _markov_variant(*args, n_states, n_items, alpha, prior="uniform")),
        _Mistake("alpha times the raw popularity counts; the prior is the popularity SHARE pi_i (it sums to one)",
                 _markov_variant(*args, n_states, n_items, alpha, scale_prior=False)),
    ]
    _close = _c._all_close
    if _close(got, expected, 1e-9, 1e-12):
        return
    _c.check_close(got, expected, name, rtol=1e-9, atol=1e-12, mistakes=mistakes())


#: public: state 3 seen twice, state 2 never (popularity row), padding in column 0
TINY_MARKOV = (_array([[0, 3], [0, 3], [3, 1]]), _array([2, 0, 1]), _array([[0, 3], [1, 2], [0, 1]]), 4, 3)


@_quietly
def check_markov_scores(markov_scores, X_train, y_train, X_query, n_states, n_items):
    for alpha in (1.0, 25.0):
        expected = _ref_markov(_ref_counts(_asarray(X_train)[:, -1], y_train, n_states, n_items),
                               _asarray(X_query)[:, -1], alpha)
        check_markov_scores_on(markov_scores, X_train, y_train, X_query, n_states, n_items, alpha, expected,
                               f"markov_scores(alpha={alpha:g}) on the validation windows")
    Xt, yt, Xq, ns, ni = TINY_MARKOV
    check_markov_scores_on(markov_scores, Xt, yt, Xq, ns, ni, 2.0, _markov_variant(Xt, yt, Xq, ns, ni, 2.0),
                           "markov_scores on a tiny chain (a state never seen: the popularity row)")
    _passed()


# ---------------------------------------------------------------- 7. full-catalogue metrics
def _metric_variant(scores, targets, k, log="log2p1", ties="lower", base=1, cut_mrr=True):
    S = _asarray(scores, dtype=_np.float64)
    t = _asarray(targets, dtype=_np.int64)
    st = S[_arange(S.shape[0]), t][:, None]
    cols = _arange(S.shape[1])[None, :]
    if ties == "lower":
        above = (S > st) | ((S == st) & (cols < t[:, None]))
    elif ties == "optimistic":
        above = S > st
    else:
        above = (S >= st) & (cols != t[:, None])
    r = above.sum(axis=1) + base
    hit = (r <= k) & (r >= 1)
    with _np.errstate(divide="ignore", invalid="ignore"):
        rr = _where(r >= 1, 1.0 / _np.maximum(r, 1e-300), _np.inf)
        disc = 1.0 / _log2(r + 1.0) if log == "log2p1" else 1.0 / _log2(r.astype(_np.float64))
    return _Series({"hr": hit.mean(), "ndcg": _where(hit, disc, 0.0).mean(),
                    "mrr": (_where(hit, rr, 0.0) if cut_mrr else rr).mean()})


@_quietly
def check_full_catalogue_metrics_on(full_catalogue_metrics, scores, targets, k, expected, name="full_catalogue_metrics"):
    S, t = _asarray(scores, dtype=_np.float64), _asarray(targets, dtype=_np.int64)
    got = _call(full_catalogue_metrics, S.copy(), t.copy(), k, name="full_catalogue_metrics")
    _c.unchanged(_asarray(scores, dtype=_np.float64), S, "full_catalogue_metrics", "scores")
    if _isinstance(got, _dict):
        got = _Series(got, dtype=_np.float64)
    _c.check_type(got, _Series, name)
    got = got.reindex(_list(METRICS)) if _sorted(got.index.tolist()) == _sorted(METRICS) else got
    expected = _Series(expected, dtype=_np.float64).reindex(_list(METRICS))
    mistakes = [
        _Mistake("log2(rank) instead of log2(rank + 1) in NDCG: rank 1 would divide by log2(1) = 0",
                 _metric_variant(S, t, k, log="log2")),
        _Mistake("0-based ranks: the best item has rank 1 (one plus the number of items above it)",
                 _metric_variant(S, t, k, base=0)),
        _Mistake("items with the same score as the target were not counted above it when their column is "
                 "lower; the tie rule puts the lower column first", _metric_variant(S, t, k, ties="optimistic")),
        _Mistake("every item tied with the target counted above it; only tied items with a LOWER column are",
                 _metric_variant(S, t, k, ties="pessimistic")),
        _Mistake("MRR not cut at k: a target below rank k counts 0", _metric_variant(S, t, k, cut_mrr=False)),
    ]
    _c.check_series(got, expected, name, rtol=1e-9, atol=1e-12, mistakes=mistakes)


#: public: a tie between the target and a lower and a higher column, a target at rank 1 and one below k
TINY_SCORES = (_array([[0.5, 0.2, 0.5, 0.5, 0.1], [0.9, 0.3, 0.2, 0.1, 0.0], [0.1, 0.2, 0.3, 0.4, 0.5]]),
               _array([2, 0, 0]), 3)


@_quietly
def check_full_catalogue_metrics(full_catalogue_metrics, scores, targets, k=10):
    S = _asarray(scores, dtype=_np.float64)
    for what, values in (("scores", S), ("scores rounded to 2 decimals (many ties)", _np.round(S, 2))):
        check_full_catalogue_metrics_on(full_catalogue_metrics, values, targets, k,
                                        _Series(_ref_full_metrics(values, targets, k)), f"full_catalogue_metrics({what}, k={k})")
    St, tt, kt = TINY_SCORES
    check_full_catalogue_metrics_on(full_catalogue_metrics, St, tt, kt, _metric_variant(St, tt, kt),
                                    "full_catalogue_metrics on tiny scores (ties with the target, k=3)")
    _passed()


# ---------------------------------------------------------------- 8. transition kinds
def _kind_variant(prev, nxt, complements, direction="forward"):
    out = []
    for a, b in _zip(prev, nxt):
        if a is None or b is None or (_isinstance(a, _float) and a != a) or (_isinstance(b, _float) and b != b):
            out.append("other")
        elif a == b:
            out.append("same")
        elif (direction in ("forward", "both") and b in complements.get(a, ())) or \
                (direction in ("backward", "both") and a in complements.get(b, ())):
            out.append("complement")
        else:
            out.append("other")
    return _array(out, dtype=object)


@_quietly
def check_transition_kind_on(transition_kind, previous, nxt, complements, expected, name="transition_kind"):
    prev, nx = _list(previous), _list(nxt)
    got = _call(transition_kind, _array(prev, dtype=object), _array(nx, dtype=object), _dict(complements),
                name="transition_kind")
    if _isinstance(got, (_Series, _pd.Index)):
        got = got.to_numpy()
    _c.check_type(got, _np.ndarray, name)
    got_l, exp_l = [_str(x) for x in got.tolist()], [_str(x) for x in _asarray(expected).tolist()]
    if got_l == exp_l:
        return
    if _len(got_l) != _len(exp_l):
        _fail(f"{name} has {_len(got_l)} entries, expected {_len(exp_l)} (one per pair).")
    i = _next(j for j in _range(_len(exp_l)) if got_l[j] != exp_l[j])
    found = None
    for desc, value in (("complements read backwards: 'complement' means the NEXT category is one of the "
                         "PREVIOUS category's complements", _kind_variant(prev, nx, complements, "backward")),
                        ("complements treated as symmetric: phone -> case is a complement move, case -> phone "
                         "is not (case's complements are charger and headphones)", _kind_variant(prev, nx, complements, "both"))):
        if [_str(x) for x in value.tolist()] == got_l:
            found = desc
            break
    _c.fail(f"{name} is wrong in {_sum(g != e for g, e in _zip(got_l, exp_l))} of {_len(exp_l)} pairs; first at "
            f"index {i}: ({prev[i]!r} -> {nx[i]!r}) expected {exp_l[i]!r}, got {got_l[i]!r}.", mistake=found)


#: public: a same move, a complement (phones -> cases), its reverse (cases -> phones: other), a missing previous
TINY_TRANSITIONS = (["electronics/phones", "electronics/phone_cases", "home/mugs", None, "books/fiction"],
                    ["electronics/phone_cases", "electronics/phones", "home/mugs", "home/mugs", "home/bedding"])


@_quietly
def check_transition_kind(transition_kind, previous, nxt):
    prev = [None if _isna(x) else _str(x) for x in _list(previous)]
    nx = [None if _isna(x) else _str(x) for x in _list(nxt)]
    check_transition_kind_on(transition_kind, prev, nx, COMPLEMENTS,
                             _ref_transition_kind(_array(prev, dtype=object), _array(nx, dtype=object)),
                             f"transition_kind on the {_len(prev)} test cases")
    tp, tn = TINY_TRANSITIONS
    check_transition_kind_on(transition_kind, tp, tn, COMPLEMENTS, _kind_variant(tp, tn, COMPLEMENTS),
                             "transition_kind on five pairs (a reverse complement, a missing category)")
    _passed()
