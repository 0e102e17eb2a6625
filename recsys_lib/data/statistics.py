"""Headline statistics of a shop, as printed in its data card (``recsys-course data stats``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data.shop import Shop


def category_transitions(events: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Counts of (category of a click, category of the next click in the same session)."""
    clicks = events.loc[events[C.EVENT_TYPE] == C.CLICK, [C.SESSION_ID, C.ITEM_ID]]
    cat = clicks[C.ITEM_ID].map(items.set_index(C.ITEM_ID)[C.CATEGORY]).astype(str).to_numpy()
    same = clicks[C.SESSION_ID].to_numpy()[1:] == clicks[C.SESSION_ID].to_numpy()[:-1]
    pairs = pd.DataFrame({"from": cat[:-1][same], "to": cat[1:][same]})
    return pairs.value_counts().rename("count").reset_index()


def headline_statistics(shop: Shop) -> dict[str, float]:
    """Sizes, funnel rates, engagement and concentration of a shop, as a flat dict."""
    from recsys_lib.metrics import funnel

    items, users, events = shop
    counts = funnel.funnel_counts(events)
    rates = funnel.funnel_rates(counts)
    engaged = funnel.engagement(events)
    clicks = events.loc[events[C.EVENT_TYPE] == C.CLICK, C.ITEM_ID].value_counts()
    top = clicks.iloc[: max(1, len(items) // 10)].sum()
    transitions = category_transitions(events, items)
    stay = transitions.loc[transitions["from"] == transitions["to"], "count"].sum() / transitions["count"].sum()
    marginal = transitions.groupby("to")["count"].sum() / transitions["count"].sum()
    days = (events[C.TIMESTAMP].max() - events[C.TIMESTAMP].min()).days + 1
    n_sessions = int(engaged["sessions"])
    return {
        "users": len(users), "items": len(items), "events": len(events), "sessions": n_sessions, "days": days,
        "click-through rate (clicks / impressions)": rates[funnel.CTR],
        "add-to-cart rate (carts / clicks)": rates[funnel.ADD_TO_CART_RATE],
        "purchase rate (purchases / carts)": counts[C.PURCHASE] / counts[C.ADD_TO_CART],
        "conversion rate (purchases / clicks)": rates[funnel.CONVERSION_RATE],
        "session conversion (sessions with a purchase)":
            events.loc[events[C.EVENT_TYPE] == C.PURCHASE, C.SESSION_ID].nunique() / n_sessions,
        "sessions per user": engaged["sessions_per_user"],
        "events per session": engaged["events_per_session"],
        "share of clicks on the top 10% of items": top / clicks.sum(),
        "next click in the same category": stay,
        "same category if next clicks followed the marginal": float((marginal**2).sum()),
    }


def headline_statistics_markdown(shop: Shop) -> str:
    """The statistics as a Markdown table, with the most frequent category transitions."""
    stats = headline_statistics(shop)
    lines = ["| statistic | value |", "|---|---|"]
    for name, value in stats.items():
        text = f"{value:,}" if isinstance(value, (int, np.integer)) else f"{value:.3f}"
        lines.append(f"| {name} | {text} |")
    ctr = ctr_by_position(shop.events)
    lines += ["", "| position | " + " | ".join(str(p) for p in ctr.index) + " |",
              "|---|" + "---|" * len(ctr), "| click-through rate | " + " | ".join(f"{v:.3f}" for v in ctr) + " |"]
    trans = category_transitions(shop.events, shop.items)
    trans = trans[trans["from"] != trans["to"]].head(8)
    lines += ["", "| click in | next click in | count |", "|---|---|---|"]
    lines += [f"| {r['from']} | {r['to']} | {r['count']:,} |" for _, r in trans.iterrows()]
    return "\n".join(lines)


def ctr_by_position(events: pd.DataFrame) -> pd.Series:
    """Click-through rate per position: the share of impressions at each position that were
    clicked (see :func:`recsys_lib.tasks.label_impressions` for how clicks are matched)."""
    from recsys_lib.tasks.clicks import label_impressions

    labelled = label_impressions(events)
    return labelled.groupby(labelled[C.POSITION].astype(np.int64))[C.CLICKED].mean().rename("ctr")
