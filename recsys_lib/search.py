r"""Keyword search over the catalogue, search cases from the event log, and query intent.

Taught in module 09 (from_model_to_product).

**Keyword score.** Titles and queries are space-separated tokens. The score of item :math:`j` for
query :math:`q` is the number of distinct query tokens found in the item's title,
:math:`k_{qj} = |\mathrm{tok}(q) \cap \mathrm{tok}(\text{title}_j)|`; the keyword search returns the
items with :math:`k_{qj} > 0`, by score, then by popularity (a small tie-break), then by item id.

**Search cases.** A ShopSim browsing step that starts with a search shows the results and gets its
clicks within 75 seconds of the search (data card: the impressions come 3 s after the search, clicks
12 s apart by slot), and steps are at least 90 s apart, so the first click of the same session within
90 s of a search is the click on its results.

**Query intent** is the category the shopper wants; :func:`query_intent_model` is a bag-of-words
logistic regression (scikit-learn) from query tokens to the leaf category of the clicked item.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys_lib import columns as C
from recsys_lib.topk import top_k

__all__ = ["token_matrix", "keyword_scores", "keyword_search", "search_click_cases", "query_intent_model",
           "SEARCH_WINDOW_S"]

#: a search's results are clicked within this many seconds (module docstring)
SEARCH_WINDOW_S = 90


def token_matrix(texts, vocabulary: pd.Index | None = None):
    """Binary sparse matrix (n_texts, n_tokens): entry 1 when the token occurs in the text. Returns
    ``(matrix, vocabulary)``; tokens outside a given ``vocabulary`` are ignored.
    Taught in module 09 (from_model_to_product)."""
    tokens = pd.Series(np.asarray(texts, dtype=object)).fillna("").astype(str).str.split()
    flat = tokens.explode()
    flat = flat[flat.notna() & (flat != "")]
    vocab = pd.Index(np.sort(flat.unique())) if vocabulary is None else vocabulary
    cols = vocab.get_indexer(flat.to_numpy())
    keep = cols >= 0
    M = sp.csr_matrix((np.ones(int(keep.sum())), (flat.index.to_numpy()[keep], cols[keep])),
                      shape=(len(tokens), len(vocab)))
    M.sum_duplicates()
    M.data[:] = 1.0                                   # a token repeated in one text counts once
    return M, vocab


def keyword_scores(queries, titles) -> np.ndarray:
    """Dense (n_queries, n_items) matrix of :math:`k_{qj}` (distinct query tokens in the title).
    Taught in module 09 (from_model_to_product)."""
    T, vocab = token_matrix(titles)
    Q, _ = token_matrix(queries, vocab)
    return np.asarray((Q @ T.T).todense(), dtype=np.float64)


def keyword_search(queries, items: pd.DataFrame, k: int, popularity=None):
    """The top-``k`` keyword results of each query (module docstring): ``(ids, scores)``, arrays
    (n_queries, k) of item ids (``-1`` padded) and their keyword scores (0 for padding). ``popularity``:
    one value per row of ``items`` for the tie-break (default none). Taught in module 09."""
    S = keyword_scores(queries, items[C.TITLE].to_numpy(dtype=object))
    tie = np.zeros(S.shape[1]) if popularity is None else np.asarray(popularity, dtype=np.float64)
    if tie.shape != (S.shape[1],):
        raise ValueError(f"popularity must have one value per item ({S.shape[1]}); got shape {tie.shape}")
    span = tie.max() - tie.min()
    tie = (tie - tie.min()) / span * 0.5 if span > 0 else tie * 0.0
    cols = top_k(S + tie, k, valid=S > 0)
    ids = items[C.ITEM_ID].to_numpy()
    safe = np.maximum(cols, 0)
    return (np.where(cols >= 0, ids[safe], -1),
            np.where(cols >= 0, np.take_along_axis(S, safe, axis=1), 0.0))


def search_click_cases(events: pd.DataFrame) -> pd.DataFrame:
    """One row per search that got a click on its results (module docstring): ``C.USER_ID``,
    ``C.SESSION_ID``, ``C.TIMESTAMP`` (of the search), ``C.QUERY`` and ``C.ITEM_ID`` (the first click).
    Vectorised with ``pandas.merge_asof``. Taught in module 09 (from_model_to_product)."""
    cols = [C.USER_ID, C.SESSION_ID, C.TIMESTAMP]
    searches = events.loc[events[C.EVENT_TYPE] == C.SEARCH, cols + [C.QUERY]]
    clicks = events.loc[events[C.EVENT_TYPE] == C.CLICK, cols + [C.ITEM_ID]]
    left = searches.sort_values(C.TIMESTAMP, kind="stable").reset_index(drop=True)
    right = clicks.rename(columns={C.TIMESTAMP: "click_time"}).sort_values("click_time", kind="stable")
    merged = pd.merge_asof(left, right.drop(columns=C.USER_ID), left_on=C.TIMESTAMP, right_on="click_time",
                           by=C.SESSION_ID, direction="forward", allow_exact_matches=True,
                           tolerance=pd.Timedelta(seconds=SEARCH_WINDOW_S))
    merged = merged[merged[C.ITEM_ID].notna()]
    out = merged.loc[:, [C.USER_ID, C.SESSION_ID, C.TIMESTAMP, C.QUERY, C.ITEM_ID]]
    out[C.ITEM_ID] = out[C.ITEM_ID].astype(np.int64)
    return out.sort_values([C.USER_ID, C.TIMESTAMP], kind="stable").reset_index(drop=True)


def query_intent_model(C_reg: float = 1.0, seed: int = 0):
    """An unfitted scikit-learn pipeline: binary bag of query tokens -> multinomial logistic regression
    (``fit(queries, categories)``, ``predict(queries)``). Taught in module 09 (from_model_to_product)."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(CountVectorizer(token_pattern=r"[^ ]+", binary=True, lowercase=False),
                         LogisticRegression(C=C_reg, max_iter=1000, random_state=seed))
