"""Keyword search, search cases and query intent (recsys_lib.search)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.search import keyword_scores, keyword_search, query_intent_model, search_click_cases, token_matrix

ITEMS = pd.DataFrame({C.ITEM_ID: [7, 8, 9, 10], C.TITLE: ["Voltra 5g phone", "Voltra pro case", "Nexon phone case",
                                                        "Linnea mug"]})


def test_token_matrix_counts_each_token_once():
    M, vocab = token_matrix(["a b a", "", "c"])
    assert list(vocab) == ["a", "b", "c"]
    np.testing.assert_array_equal(M.toarray(), [[1, 1, 0], [0, 0, 0], [0, 0, 1]])
    Q, _ = token_matrix(["a z"], vocab)
    np.testing.assert_array_equal(Q.toarray(), [[1, 0, 0]])


def test_keyword_scores_and_search():
    S = keyword_scores(["phone case", "mug", "laptop"], ITEMS[C.TITLE])
    np.testing.assert_array_equal(S, [[1, 1, 2, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
    ids, scores = keyword_search(["phone case", "mug", "laptop"], ITEMS, k=3, popularity=[0, 5, 0, 0])
    assert ids.tolist() == [[9, 8, 7], [10, -1, -1], [-1, -1, -1]]     # popularity breaks the 8/7 tie
    assert scores.tolist() == [[2, 1, 1], [1, 0, 0], [0, 0, 0]]
    with pytest.raises(ValueError):
        keyword_search(["x"], ITEMS, k=2, popularity=[1, 2])


def test_search_click_cases_take_the_first_click_within_the_window():
    t = pd.Timestamp("2025-09-01 10:00:00")
    events = pd.DataFrame({
        C.USER_ID: [1, 1, 1, 1, 1, 2, 2],
        C.SESSION_ID: [5, 5, 5, 5, 5, 6, 6],
        C.TIMESTAMP: [t, t + pd.Timedelta(seconds=20), t + pd.Timedelta(seconds=40), t + pd.Timedelta(seconds=300),
                      t + pd.Timedelta(seconds=320), t, t + pd.Timedelta(seconds=200)],
        C.EVENT_TYPE: [C.SEARCH, C.CLICK, C.CLICK, C.SEARCH, C.IMPRESSION, C.SEARCH, C.CLICK],
        C.ITEM_ID: pd.array([pd.NA, 11, 12, pd.NA, 13, pd.NA, 14], dtype="Int64"),
        C.QUERY: pd.array(["phone", None, None, "mug", None, "case", None], dtype="string"),
    })
    cases = search_click_cases(events)
    assert cases[C.QUERY].tolist() == ["phone"]          # the mug search got no click; user 2's click is too late
    assert cases[C.ITEM_ID].tolist() == [11]


def test_search_click_cases_on_shopsim_are_clicks_of_the_searched_step():
    from recsys_lib.simulation import shipped_shop

    shop = shipped_shop()
    events = shop.tables.events
    cases = search_click_cases(events)
    assert len(cases) > 10_000
    # the clicked item is in the category the step was about (its results are all from it)
    step = pd.Series(shop.truth.event_step, index=events.index)
    search_rows = events.index[(events[C.EVENT_TYPE] == C.SEARCH).to_numpy()]
    click_rows = events.index[(events[C.EVENT_TYPE] == C.CLICK).to_numpy()]
    from recsys_lib.simulation.catalogue import CATEGORIES
    first_click = pd.Series(click_rows, index=step[click_rows].to_numpy()).groupby(level=0).min()
    steps = step[search_rows]
    with_click = steps[steps.isin(first_click.index)]
    assert len(with_click) == len(cases)
    cat = shop.tables.items.set_index(C.ITEM_ID)[C.CATEGORY].astype(str)
    intent = np.array(CATEGORIES)[shop.truth.step_category[with_click.to_numpy()]]
    assert (cat.loc[events.loc[first_click.loc[with_click.to_numpy()].to_numpy(), C.ITEM_ID].astype(int)].to_numpy()
            == intent).all()


def test_query_intent_model_learns_tokens():
    queries = ["phone", "5g phone", "mug", "travel mug", "case", "clear case"] * 5
    labels = ["phones", "phones", "mugs", "mugs", "cases", "cases"] * 5
    model = query_intent_model().fit(queries, labels)
    assert model.predict(["phone 5g", "mug large", "case"]).tolist() == ["phones", "mugs", "cases"]
