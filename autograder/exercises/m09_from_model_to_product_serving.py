r"""Checks for module 09 (from_model_to_product), Exercises 5-6: two-model uplift and the HTTP prediction
handler (checked for behaviour: a real server on 127.0.0.1 on a free port, real requests with a timeout, a
clean stop, no thread left behind). Imported (and re-exported) by
:mod:`autograder.exercises.m09_from_model_to_product`, which the notebook's test cells import.

Rules the task texts state and the PUBLIC checks test (the hidden tests test them again, on other inputs):
the estimator passed to ``two_model_uplift`` stays unfitted (two clones are fitted) and any classifier
works; the endpoint answers ``GET /recommend?user_id=..&k=..`` with JSON ``{"user_id", "items"}`` (plain
ints), ``k`` defaults to 10 and must be 1..100, a bad or missing parameter (a decimal user id included) is
a 400, another path a 404, every answer is ``application/json``; ``make_handler`` only returns the class.
"""
from __future__ import annotations

import builtins as _builtins
import http.server as _http_server
import threading as _threading
import urllib.error as _urllib_error
import urllib.request as _urllib_request

import numpy as _np
from sklearn.base import clone as _clone
from sklearn.exceptions import NotFittedError as _NotFittedError
from sklearn.linear_model import LogisticRegression as _LogisticRegression
from sklearn.tree import DecisionTreeClassifier as _DecisionTreeClassifier
from sklearn.utils.validation import check_is_fitted as _check_is_fitted

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises.m09_from_model_to_product_mistakes import (
    merge_same as _merge_same,
)
from recsys_lib.serving import LocalServer as _LocalServer
from recsys_lib.serving import get_json as _get_json
from recsys_lib.uplift import TwoModelUplift as _TwoModelUplift

_fail, _passed, _Mistake, _quietly, _call, _short = _c.fail, _c.passed, _c.Mistake, _c.quietly, _c.call, _c._short
_check_close, _unchanged = _c.check_close, _c.unchanged
_asarray, _float64 = _np.asarray, _np.float64
_isinstance, _len, _int, _type, _list, _issubclass, _zip, _dict, _set = (
    _builtins.isinstance, _builtins.len, _builtins.int, _builtins.type, _builtins.list, _builtins.issubclass,
    _builtins.zip, _builtins.dict, _builtins.set)
_urlopen, _HTTPError = _urllib_request.urlopen, _urllib_error.HTTPError
_BaseHTTPRequestHandler = _http_server.BaseHTTPRequestHandler
_enumerate_threads, _current_thread = _threading.enumerate, _threading.current_thread
_TimeoutError, _str = _builtins.TimeoutError, _builtins.str


# ---------------------------------------------------------------- 5. two-model uplift
def _proba(model, X):
    return model.predict_proba(X)[:, _list(model.classes_).index(1)]


def _uplift_mistakes(estimator, X, t, y, X_new):
    treated, control = t == 1, t == 0
    m1 = _clone(estimator).fit(X[treated], y[treated])
    m0 = _clone(estimator).fit(X[control], y[control])
    s = _clone(estimator).fit(_np.column_stack([X, t]), y)
    everybody = _clone(estimator).fit(X, y)
    ones, zeros = _np.ones(_len(X_new)), _np.zeros(_len(X_new))
    return _merge_same([
        _Mistake("the uplift is identically 0: both predictions come from ONE model (the same estimator object "
                 "fitted twice, whose second fit overwrote the first, or one model for everybody); fit one clone "
                 "on the treated shoppers and one on the control shoppers", _np.zeros(_len(X_new))),
        _Mistake("control minus treated: the uplift is P(buy | coupon) - P(buy | no coupon)",
                 _proba(m0, X_new) - _proba(m1, X_new)),
        _Mistake("the column of class 0 (P(no purchase)) was used; take the column of class 1 (model.classes_)",
                 (1 - _proba(m1, X_new)) - (1 - _proba(m0, X_new))),
        _Mistake("one model with the treatment as a feature (an S-learner); this exercise asks for the two-model "
                 "estimate", _proba(s, _np.column_stack([X_new, ones])) - _proba(s, _np.column_stack([X_new, zeros]))),
        _Mistake("predicted labels (predict) instead of probabilities (predict_proba[:, 1])",
                 m1.predict(X_new).astype(_float64) - m0.predict(X_new).astype(_float64)),
        _Mistake("returned the treated model's purchase probability, not the difference", _proba(m1, X_new)),
        _Mistake("returned the control model's purchase probability (the propensity to buy anyway), not the "
                 "difference of the two models", _proba(m0, X_new)),
        _Mistake("one model of purchases fitted on everybody, ignoring the coupon: that is a propensity, not an "
                 "uplift", _proba(everybody, X_new)),
    ])
@_quietly
def check_two_model_uplift_on(two_model_uplift, estimator, X, treated, y, X_new, expected, name="two_model_uplift"):
    X, t, y, X_new = (_asarray(v) for v in (X, treated, y, X_new))
    copies = (X.copy(), t.copy(), y.copy(), X_new.copy())
    got = _call(two_model_uplift, estimator, X, t, y, X_new, name=name)
    for before, after, what in _zip(copies, (X, t, y, X_new), ("X", "treated", "y", "X_new")):
        _unchanged(before, after, name, what)
    try:
        _check_is_fitted(estimator)
        fitted = True
    except _NotFittedError:
        fitted = False
    if fitted:
        _fail(f"{name} fitted the estimator it was given; fit two clones of it (sklearn.base.clone), so the "
              f"treated and control models never share state and the caller's estimator stays unfitted.",
              mistake="the same estimator object was fitted (twice): its second fit overwrote the first")
    got = _asarray(got, dtype=_float64)
    if got.shape != (_len(X_new),):
        _fail(f"{name} has shape {got.shape}, expected ({_len(X_new)},): one uplift per row of X_new.")
    _check_close(got, expected, name, rtol=1e-6, atol=1e-9,
                 mistakes=_uplift_mistakes(estimator, X, t, y, X_new))


@_quietly
def check_two_model_uplift(two_model_uplift, X, treated, y):
    """The notebook's coupon test with the notebook's logistic regression, then with a decision tree (any
    classifier must work)."""
    X, t, y = _asarray(X, dtype=_float64), _asarray(treated), _asarray(y)
    for estimator, what in ((_LogisticRegression(C=0.1, max_iter=1000), "LogisticRegression(C=0.1)"),
                            (_DecisionTreeClassifier(max_depth=3, min_samples_leaf=50, random_state=0),
                             "DecisionTreeClassifier(max_depth=3)")):
        expected = _TwoModelUplift(estimator=estimator).fit(X, t, y).predict_uplift(X[:500])
        check_two_model_uplift_on(two_model_uplift, estimator, X, t, y, X[:500], expected,
                                  f"two_model_uplift with {what} on the coupon test")
    _passed()


# ---------------------------------------------------------------- 6. the HTTP handler
def _content_type(server, path):
    """The Content-Type header of the answer to GET ``path`` (error statuses included)."""
    try:
        with _urlopen(server.url + path, timeout=5.0) as response:
            return response.headers.get("Content-Type", "")
    except _HTTPError as err:
        kind = err.headers.get("Content-Type", "")
        err.close()
        return kind


def _request(server, path, what, status=None):
    try:
        return _get_json(server.url + path, timeout=5.0)
    except OSError as exc:
        errors = server.errors
        detail = f"your handler raised {errors[-1]}" if errors else f"{_type(exc).__name__}: {exc}"
        hint = ""
        if errors and "JSON serializable" in errors[-1]:
            hint = (" Likely mistake: the items are NumPy integers, which json.dumps cannot write; convert them "
                    "with int() first.")
        elif errors and status == 400 and errors[-1].startswith(("ValueError", "KeyError", "IndexError")):
            hint = (" Likely mistake: a bad or missing parameter raised inside do_GET (int() of a non-integer, a "
                    "missing key); catch it and answer 400 (Bad Request) with a JSON error.")
        elif _isinstance(exc, _TimeoutError) or "timed out" in _str(exc):
            hint = (" The check waits 5 s for each answer: does do_GET block (a long computation, a loop, or "
                    "reading a request body that a GET does not have)?")
        _fail(f"GET {path} ({what}) got no answer: {detail}.{hint}")


def _status_mistake(expected, got, what):
    if expected == 400 and got == 200:
        return f"the handler accepted {what}; check the parameters and answer 400 (Bad Request)"
    if expected == 400:
        return "a bad or missing parameter must be answered 400 (Bad Request), never an error of the server"
    if expected == 404:
        return "an unknown path must be answered 404 (Not Found): compare the path (without the query) with /recommend"
    return None


def _new_threads(before, wait: float = 2.0) -> list:
    """Threads started since ``before`` that are still alive after waiting up to ``wait`` seconds for
    each (a request thread ends right after its answer)."""
    alive = []
    for thread in _enumerate_threads():
        if thread in before or thread is _current_thread() or _type(thread).__name__ == "_DummyThread":
            continue                  # a dummy thread stands for a thread Python did not start: not joinable
        thread.join(wait)
        if thread.is_alive():
            alive.append(thread)
    return alive


def _as_model(recommend):
    """``recommend`` answering as the notebook's model does, with a NumPy array of int64 ids (json.dumps cannot
    write them), whatever the caller's returns: the hidden tests' models return lists of ints, and must catch a
    handler that does not convert the items with int() too."""
    def served(user_id, k):
        return _np.asarray(recommend(user_id, k), dtype=_np.int64)
    return served


@_quietly
def check_make_handler_on(make_handler, recommend, requests, name="make_handler"):
    """Serve ``make_handler(recommend)`` on 127.0.0.1 (a free port), send ``requests`` (a list of
    ``(path, expected_status, expected_payload or None, what)``), stop the server, and make sure no
    thread is left running (e.g. a server the learner's code started itself)."""
    before = _set(_enumerate_threads())
    handler = _call(make_handler, _as_model(recommend), name=name)
    if not (_isinstance(handler, _type) and _issubclass(handler, _BaseHTTPRequestHandler)):
        _fail(f"{name} should return a CLASS derived from http.server.BaseHTTPRequestHandler (not an instance "
              f"or a function); got {_short(handler)}.")
    server = _LocalServer(handler, timeout=5.0)
    server.start()
    try:
        for path, status, payload, what in requests:
            got_status, got_payload = _request(server, path, what, status)
            if got_status != status:
                _fail(f"GET {path} ({what}) answered status {got_status}, expected {status}.",
                      f"Answer: {_short(got_payload)}", mistake=_status_mistake(status, got_status, what))
            if payload is None:
                if not (_isinstance(got_payload, _dict) and "error" in got_payload):
                    _fail(f"GET {path} ({what}): an error answer should be JSON with an 'error' key, got "
                          f"{_short(got_payload)}.")
                continue
            if got_payload != payload:
                wrong_k = (_isinstance(got_payload, _dict) and _isinstance(got_payload.get("items"), _list)
                           and _len(got_payload["items"]) != _len(payload["items"]))
                default_k = "k=" not in path
                _fail(f"GET {path} ({what}) answered {_short(got_payload)}, expected {_short(payload)}.",
                      mistake=None if not wrong_k else (
                          f"without a k the answer must have the default {_len(payload['items'])} items"
                          if default_k else "the number of items ignores k"))
        for path, _, _, what in requests[:1] + [r for r in requests if r[1] == 400][:1]:
            kind = _content_type(server, path)
            if not kind.startswith("application/json"):
                _fail(f"GET {path} ({what}): the answer's Content-Type header is {kind!r}; every answer must say "
                      f"'application/json' (self.send_header('Content-Type', 'application/json')).")
    finally:
        server.stop(timeout=5.0)
    if server.running:
        _fail(f"{name}: the server thread is still running after stop().")
    left = _new_threads(before)
    if left:
        _fail(f"{name} left {_len(left)} thread(s) running after the check's server stopped: "
              f"{', '.join(t.name for t in left)}.",
              "make_handler must only return the handler class; the caller starts and stops the server "
              "(on a port the operating system chooses, never a fixed one).",
              mistake="make_handler started a server (or another thread) of its own")


def handler_requests(recommend, users, ks, default_k=10):
    """The public requests: the answers for ``users`` x ``ks``, the default k, and the error cases."""
    reqs = [(f"/recommend?user_id={u}&k={k}", 200, {"user_id": _int(u), "items": [_int(i) for i in recommend(u, k)]},
             f"user {u}, k={k}") for u, k in _zip(users, ks)]
    u = _int(users[0])
    reqs.append((f"/recommend?user_id={u}", 200, {"user_id": u, "items": [_int(i) for i in recommend(u, default_k)]},
                 "no k: the default 10"))
    reqs += [("/recommend?user_id=abc&k=5", 400, None, "a user_id that is not an integer"),
             ("/recommend?user_id=7.5&k=5", 400, None, "a user_id that is a decimal number"),
             ("/recommend?k=5", 400, None, "no user_id"),
             (f"/recommend?user_id={u}&k=0", 400, None, "k = 0"),
             (f"/recommend?user_id={u}&k=101", 400, None, "k = 101, above the maximum of 100"),
             (f"/recommend?user_id={u}&k=ten", 400, None, "a k that is not an integer"),
             ("/status", 404, None, "an unknown path")]
    return reqs


@_quietly
def check_make_handler(make_handler, recommend, users):
    users = [_int(u) for u in users]
    ks = [(3, 10, 1, 7, 100)[n % 5] for n in range(_len(users))]
    check_make_handler_on(make_handler, recommend, handler_requests(recommend, users, ks))
    _passed()
