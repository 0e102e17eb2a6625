r"""Serving a recommender: latency of batch and single requests, a tiny HTTP prediction endpoint on the
local machine, and exporting a Keras model.

Taught in module 09 (from_model_to_product).

The endpoint speaks JSON over HTTP with the standard library only (``http.server``):
``GET /recommend?user_id=<int>&k=<int>`` answers ``200`` with ``{"user_id": u, "items": [i1, ..., ik]}``;
a missing or non-integer ``user_id`` or ``k`` (or ``k`` outside 1..100) gets ``400`` with
``{"error": "..."}``, any other path ``404``. :class:`LocalServer` starts a server on ``127.0.0.1`` on a
port the operating system chooses (never a fixed one) in a background thread, and stops it (the
thread is joined, the socket closed) when its ``with`` block ends.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd

__all__ = ["time_calls", "latency_summary", "make_recommend_handler", "LocalServer", "get_json",
           "export_keras", "serving_function", "MAX_K"]

#: the largest ``k`` the endpoint accepts
MAX_K = 100


def time_calls(fn, inputs, warmup: int = 2) -> np.ndarray:
    """Seconds taken by ``fn(x)`` for each ``x`` of ``inputs`` (``time.perf_counter``), after ``warmup``
    untimed calls on the first input. Taught in module 09 (from_model_to_product)."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("inputs must not be empty")
    for _ in range(int(warmup)):
        fn(inputs[0])
    out = np.empty(len(inputs))
    for n, x in enumerate(inputs):
        start = time.perf_counter()
        fn(x)
        out[n] = time.perf_counter() - start
    return out


def latency_summary(seconds, per_call_items: int = 1) -> pd.Series:
    """p50, p95 and mean latency of calls in milliseconds, and items (users) per second, from
    :func:`time_calls`'s seconds; ``per_call_items`` users are served by each call.
    Taught in module 09 (from_model_to_product)."""
    s = np.asarray(seconds, dtype=np.float64) * 1e3
    return pd.Series({"p50_ms": float(np.percentile(s, 50)), "p95_ms": float(np.percentile(s, 95)),
                      "mean_ms": float(s.mean()), "users_per_s": float(per_call_items * 1e3 / s.mean())})


def _parse_int(query: dict, name: str, default=None):
    values = query.get(name)
    if not values:
        if default is None:
            raise ValueError(f"missing parameter {name!r}")
        return default
    try:
        return int(values[0])
    except ValueError:
        raise ValueError(f"parameter {name!r} must be an integer, got {values[0]!r}") from None


def make_recommend_handler(recommend, default_k: int = 10):
    """A ``BaseHTTPRequestHandler`` class serving ``recommend(user_id: int, k: int) -> sequence of item
    ids`` at ``GET /recommend`` (module docstring). Taught in module 09 (from_model_to_product)."""

    class RecommendHandler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802  (the name http.server calls)
            url = urlsplit(self.path)
            if url.path != "/recommend":
                self._send(404, {"error": f"unknown path {url.path!r}"})
                return
            query = parse_qs(url.query)
            try:
                user = _parse_int(query, "user_id")
                k = _parse_int(query, "k", default_k)
                if not 1 <= k <= MAX_K:
                    raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
            except ValueError as exc:
                self._send(400, {"error": str(exc)})
                return
            items = [int(i) for i in np.asarray(recommend(user, k)).ravel()]
            self._send(200, {"user_id": user, "items": items})

        def log_message(self, format, *args):  # noqa: A002  (http.server's signature)
            pass                                # quiet: no line on stderr per request

    return RecommendHandler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True           # a stuck request thread never keeps the process alive
    block_on_close = False          # server_close() does not wait for request threads

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.errors: list[str] = []

    def handle_error(self, request, client_address):
        import sys
        exc = sys.exc_info()[1]
        self.errors.append(f"{type(exc).__name__}: {exc}")      # recorded, not printed on stderr


class LocalServer:
    """Run an HTTP request handler class on ``127.0.0.1`` on a free port, in a background thread::

        with LocalServer(handler_class) as server:
            status, payload = get_json(server.url + "/recommend?user_id=5&k=3")

    ``url`` is ``http://127.0.0.1:<port>``; ``errors`` lists exceptions raised inside request handlers
    (recorded instead of printed); ``stop(timeout)`` shuts the server down, closes its socket, joins
    its thread and raises ``RuntimeError`` if the thread is still alive after ``timeout`` seconds.
    Request handlers get a socket ``timeout`` (seconds) so a stalled client cannot block them.

    Taught in module 09 (from_model_to_product).
    """

    def __init__(self, handler_class, timeout: float = 5.0):
        if not (isinstance(handler_class, type) and issubclass(handler_class, BaseHTTPRequestHandler)):
            raise TypeError("handler_class must be a subclass of http.server.BaseHTTPRequestHandler, "
                            f"got {handler_class!r}")
        quiet = type("Quiet" + handler_class.__name__, (handler_class,),
                     {"timeout": timeout, "log_message": lambda self, format, *args: None})
        self._server = _QuietServer(("127.0.0.1", 0), quiet)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"LocalServer:{self.port}", daemon=True)
        self._stopped = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def errors(self) -> list[str]:
        return list(self._server.errors)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> "LocalServer":
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        started = self._thread.ident is not None
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        if started:
            self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"the server thread on port {self.port} did not stop within {timeout} s")

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def get_json(url: str, timeout: float = 5.0) -> tuple[int, dict]:
    """``(status, payload)`` of a GET request whose answer is JSON (error statuses included).
    Taught in module 09 (from_model_to_product)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:       # noqa: S310 (local URL)
            return response.status, json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        body = err.read().decode("utf-8")
        err.close()
        try:
            return err.code, json.loads(body)
        except json.JSONDecodeError:
            return err.code, {"error": body}


def export_keras(model, folder, name: str = "model.keras", custom_objects=None):
    """Save a Keras model as a single ``.keras`` file in ``folder`` and load it back (``custom_objects``: the
    model's own layer classes, e.g. ``recsys_lib.sequences.keras_models.custom_objects()``); returns
    ``(path, reloaded_model)``. Taught in module 09 (from_model_to_product)."""
    from pathlib import Path

    from recsys_lib.keras_utils import _import_tf

    _, keras = _import_tf()           # TensorFlow's quiet environment first
    path = Path(folder) / name
    model.save(path)
    return path, keras.models.load_model(path, custom_objects=custom_objects)


def serving_function(model):
    """A fast prediction function for a Keras model with one input: the model's forward pass compiled once
    by ``tf.function`` with a serving signature whose batch dimension is free (``None``), so requests of any
    batch size reuse one graph (no retracing), as an exported model's serving signature does. Returns
    ``f(x) -> NumPy array``. Taught in module 09 (from_model_to_product)."""
    from recsys_lib.keras_utils import _import_tf

    tf, _ = _import_tf()
    spec = tf.TensorSpec([None, *model.inputs[0].shape[1:]], dtype=model.inputs[0].dtype)
    forward = tf.function(lambda x: model(x, training=False), input_signature=[spec])

    def predict(x):
        return forward(tf.convert_to_tensor(np.asarray(x), dtype=spec.dtype)).numpy()

    return predict
