"""Latency helpers and the local HTTP endpoint (recsys_lib.serving): answers, errors, and a clean stop
(no thread left, the port closed)."""
from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler

import numpy as np
import pytest

from recsys_lib.serving import LocalServer, get_json, latency_summary, make_recommend_handler, time_calls


def _recommend(user_id, k):
    return np.arange(user_id, user_id + k, dtype=np.int64)          # NumPy ints: the handler converts


def test_endpoint_answers_and_stops():
    before = set(threading.enumerate())
    with LocalServer(make_recommend_handler(_recommend)) as server:
        assert server.host == "127.0.0.1" and server.port > 0 and server.running
        assert get_json(server.url + "/recommend?user_id=5&k=3") == (200, {"user_id": 5, "items": [5, 6, 7]})
        assert get_json(server.url + "/recommend?user_id=2")[1]["items"] == list(range(2, 12))   # default k
        status, payload = get_json(server.url + "/recommend?user_id=abc")
        assert status == 400 and "user_id" in payload["error"]
        assert get_json(server.url + "/recommend")[0] == 400
        assert get_json(server.url + "/recommend?user_id=1&k=0")[0] == 400
        assert get_json(server.url + "/recommend?user_id=1&k=101")[0] == 400
        assert get_json(server.url + "/other")[0] == 404
        port = server.port
    assert not server.running
    assert set(threading.enumerate()) <= before
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(1)
        s.connect(("127.0.0.1", port))


def test_errors_in_a_handler_are_recorded_not_printed(capsys):
    def broken(user_id, k):
        raise RuntimeError("model not loaded")

    with LocalServer(make_recommend_handler(broken)) as server:
        with pytest.raises(OSError):            # the connection is closed without an answer
            get_json(server.url + "/recommend?user_id=1", timeout=2)
    assert any("model not loaded" in e for e in server.errors)
    assert capsys.readouterr().err == ""


def test_two_servers_get_different_ports():
    handler = make_recommend_handler(_recommend)
    with LocalServer(handler) as a, LocalServer(handler) as b:
        assert a.port != b.port
    server = LocalServer(handler)
    server.stop()                               # never started: stopping is still clean
    with pytest.raises(TypeError):
        LocalServer(object)


def test_latency_helpers():
    seconds = time_calls(lambda x: sum(range(x)), [1000] * 20, warmup=1)
    assert seconds.shape == (20,) and (seconds > 0).all()
    summary = latency_summary([0.001, 0.002, 0.003, 0.004], per_call_items=10)
    assert summary["p50_ms"] == pytest.approx(2.5) and summary["mean_ms"] == pytest.approx(2.5)
    assert summary["users_per_s"] == pytest.approx(4000.0)
    with pytest.raises(ValueError):
        time_calls(len, [])


def test_any_handler_class_can_be_served():
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = b'{"hello": 1}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with LocalServer(Hello) as server:
        assert get_json(server.url + "/x") == (200, {"hello": 1})


def test_serving_function_matches_the_model_for_any_batch_size():
    from recsys_lib.keras_utils import set_seeds
    from recsys_lib.serving import export_keras, serving_function

    set_seeds(0, threads=None)
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(7, 4)).astype("float32")
    predict = serving_function(model)
    for rows in (x[:1], x):
        np.testing.assert_allclose(predict(rows), model.predict(rows, verbose=0), rtol=1e-6)
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        path, again = export_keras(model, folder)
        assert path.suffix == ".keras" and path.exists()
        np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
