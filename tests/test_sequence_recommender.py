"""Tests of the Keras side of module 08: recsys_lib.sequences.keras_models and
recsys_lib.models.SequenceRecommender (fit on a small generated shop, reproducibility, the
recommenders' interface, recommending from a newer history, saving and loading the model).
Slow: they import TensorFlow and train small networks."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from recsys_lib import columns as C
from recsys_lib.simulation import ShopConfig, generate_shop

pytestmark = pytest.mark.slow

SMALL = ShopConfig.shipped().replace(n_users=700, n_items=150, seed=11)


@pytest.fixture(scope="module")
def tf_ready(tf_threads_as_they_are):
    from recsys_lib import keras_utils
    keras_utils.set_seeds(0)        # one thread, or the ones TensorFlow already has in this process
    return True


@pytest.fixture(scope="module")
def small_shop():
    return generate_shop(SMALL)


def _fit(shop, **kw):
    from recsys_lib.models import SequenceRecommender
    params = dict(max_len=8, embedding_dim=8, units=8, epochs=3, batch_size=128, patience=1, progress=False)
    params.update(kw)
    return SequenceRecommender(**params).fit(shop.tables.events, shop.tables.items)


def test_fit_is_reproducible_and_recommends_the_catalogue(tf_ready, small_shop):
    a, b = _fit(small_shop, random_state=3), _fit(small_shop, random_state=3)
    users = small_shop.tables.users[C.USER_ID].to_numpy()[:50]
    np.testing.assert_array_equal(a.predict_scores(users), b.predict_scores(users))
    assert a.history_["val_loss"] == b.history_["val_loss"]
    assert 1 <= a.history_["best_epoch"] <= a.history_["epochs_run"] <= 3
    rec = a.recommend(users, 10)
    assert rec.shape == (50, 10) and np.isin(rec, small_shop.tables.items[C.ITEM_ID]).all()
    assert all(len(set(row)) == 10 for row in rec.tolist())                          # ten distinct items
    scores = a.predict_scores(users)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-4)                       # a softmax
    best = np.argsort(-scores[0], kind="stable")[:10]
    assert set(a.item_ids_[best]) == set(rec[0])
    c = _fit(small_shop, random_state=4)
    assert not np.array_equal(c.predict_scores(users), a.predict_scores(users))


def test_exclude_seen_history_and_cold_start(tf_ready, small_shop):
    m = _fit(small_shop)
    events = small_shop.tables.events
    user = int(events[C.USER_ID].iloc[0])
    seen = set(events.loc[(events[C.USER_ID] == user) & events[C.EVENT_TYPE].isin(
        [C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE]), C.ITEM_ID].astype(int))
    assert not (set(m.recommend([user], 20, exclude_seen=True)[0]) & seen)
    early = events[(events[C.USER_ID] == user) & (events[C.SESSION_ID] == events[C.SESSION_ID].iloc[0])]
    from_early = m.recommend([user], 10, history=early)
    from_all = m.recommend([user], 10)
    X_early = m.predict_scores([user], history=early)
    assert m.item_ids_[np.argsort(-X_early[0], kind="stable")[:10]].tolist() == from_early[0].tolist()
    assert from_early.shape == from_all.shape
    popular = m.item_ids_[m.popular_items_[:5]].tolist()
    assert m.recommend([10 ** 9], 5).tolist() == [popular]
    assert m.recommend([user], 5, history=early.iloc[:0]).tolist() == [popular]


def test_estimator_api_and_bad_parameters(tf_ready, small_shop):
    from recsys_lib.models import SequenceRecommender
    m = SequenceRecommender(units=5, output="dense")
    assert clone(m).get_params()["units"] == 5
    with pytest.raises(NotFittedError):
        m.recommend([1], 3)
    events, items = small_shop.tables.events, small_shop.tables.items
    with pytest.raises(ValueError, match="output"):
        SequenceRecommender(output="tied").fit(events, items)
    with pytest.raises(ValueError, match="category_tied"):
        SequenceRecommender(lists=False).fit(events)
    with pytest.raises(ValueError, match="max_len"):
        SequenceRecommender(max_len=0).fit(events, items)


def test_dense_head_on_a_clickstream_without_items(tf_ready, small_shop):
    m = _fit(small_shop, output="dense", lists=False)
    assert type(m.model_.layers[-1]).__name__ == "Dense"
    assert m.model_.layers[-1].get_config()["activation"] == "softmax"
    assert m.recommend(small_shop.tables.users[C.USER_ID].to_numpy()[:3], 5).shape == (3, 5)


def test_category_tied_model_saves_and_loads(tf_ready, small_shop, tmp_path):
    import keras
    from recsys_lib.sequences.keras_models import custom_objects
    m = _fit(small_shop)
    X = np.random.default_rng(0).integers(0, len(m.vocabulary_), size=(4, 8))
    path = tmp_path / "next_item.keras"
    m.model_.save(path)
    loaded = keras.models.load_model(path, custom_objects=custom_objects())
    np.testing.assert_allclose(loaded.predict(X, verbose=0), m.model_.predict(X, verbose=0), rtol=1e-6)
    kernel = m.model_.layers[-1].category_kernel
    assert tuple(kernel.shape) == (8, m.item_categories_.max() + 1)      # one vector per category


def test_fit_with_early_stopping_keeps_the_best_epoch(tf_ready):
    from autograder.exercises.m08_embedding_lstm_recommender_keras import toy_problem
    from recsys_lib.keras_utils import set_seeds
    from recsys_lib.sequences.keras_models import build_sequence_model, fit_with_early_stopping
    X, y, Xv, yv = toy_problem(3)
    set_seeds(0, threads=None)
    model = build_sequence_model(30, 6, head="purchase", embedding_dim=8, units=8, learning_rate=0.05)
    assert model.loss == "binary_crossentropy" and tuple(model.outputs[0].shape) == (None, 1)
    h = fit_with_early_stopping(model, X, y, Xv, yv, epochs=25, batch_size=32, patience=2, seed=3, progress=False)
    assert h["epochs_run"] == h["best_epoch"] + 2 < 25
    assert model.evaluate(Xv, yv, verbose=0)[0] == pytest.approx(min(h["val_loss"]), rel=1e-5)


def test_build_sequence_model_checks_its_arguments(tf_ready):
    from recsys_lib.sequences.keras_models import build_sequence_model, layer_table
    m = build_sequence_model(20, 5, head="next_item", n_items=7, embedding_dim=3, units=4)
    table = layer_table(m)
    assert table["type"].tolist() == ["InputLayer", "Embedding", "LSTM", "Dense"]
    assert bool(table.loc["embedding", "mask_zero"]) and table["parameters"].sum() == m.count_params()
    with pytest.raises(ValueError, match="head"):
        build_sequence_model(20, 5, head="rating")
    with pytest.raises(ValueError, match="item_categories"):
        build_sequence_model(20, 5, n_items=7, item_categories=[0, 1])
