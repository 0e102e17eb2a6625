"""The ShopSim generator: a synthetic shop with a known generative process.

Every draw comes from one seeded ``numpy.random.Generator`` and the work is vectorised over
users, sessions, browsing steps and result slots; the only Python loops run over the step
rank inside a session (at most ``max_steps``) and over result slots (``slots``).
The process, with its formulas, is described in ``datasets/shopsim/DATACARD.md``.

Used from module 00 (shop_data) on; the oracle it enables is used in modules 04 and 08.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from recsys_lib import columns as C
from recsys_lib.data.shop import Shop
from recsys_lib.simulation import catalogue
from recsys_lib.simulation.config import ShopConfig
from recsys_lib.simulation.truth import GeneratedShop, ShopTruth

REGIONS = ("central", "east", "north", "south", "west")
REGION_SHARES = (0.20, 0.18, 0.22, 0.20, 0.20)
DEVICES = ("desktop", "mobile", "tablet")
DEVICE_SHARES = (0.30, 0.60, 0.10)
DEVICE_EFFECT = np.array([0.0, -0.3, -0.1])        # on add-to-cart and purchase logits
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
AGE_SHARES = (0.15, 0.32, 0.25, 0.16, 0.12)
AGE_PRICE_SENSITIVITY = np.array([1.3, 1.1, 1.0, 0.9, 0.9])

SESSION_GAP_S = 1800        # at least 30 minutes between two sessions of a user
STEP_MIN_S = 90             # a browsing step lasts 90 s + Exponential(60 s)
STEP_EXTRA_MEAN_S = 60.0
CLICK_SPACING_S = 12        # clicks in one list are 12 s apart (in slot order)
AFTER_CLICK_S = {C.FAVORITE: 3, C.ADD_TO_CART: 6, C.PURCHASE: 9}
DISCOUNTS = np.array([0.1, 0.2, 0.3])

_TYPE_CODE = {t: i for i, t in enumerate(C.EVENT_TYPES)}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _sample_rows(cum_probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of a matrix of cumulative probabilities."""
    u = rng.random(len(cum_probs)) * cum_probs[:, -1]
    return np.minimum((cum_probs < u[:, None]).sum(axis=1), cum_probs.shape[1] - 1)


def _group_median(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    return pd.Series(values).groupby(groups).transform("median").to_numpy()


def _make_items(cfg: ShopConfig, rng: np.random.Generator):
    n_cat = len(catalogue.CATEGORIES)
    tops = np.array([catalogue.TOP_CATEGORIES.index(catalogue.top_of(c)) for c in catalogue.CATEGORIES])
    top_centroids = rng.normal(size=(len(catalogue.TOP_CATEGORIES), cfg.dim))
    leaf_centroids = top_centroids[tops] + 0.6 * rng.normal(size=(n_cat, cfg.dim))
    share = rng.gamma(4.0, size=n_cat)
    share /= share.sum()

    counts = 2 + rng.multinomial(cfg.n_items - 2 * n_cat, share)
    item_cat = rng.permutation(np.repeat(np.arange(n_cat), counts))
    item_factors = leaf_centroids[item_cat] + 0.5 * rng.normal(size=(cfg.n_items, cfg.dim))
    popularity = rng.normal(size=cfg.n_items)
    weights = np.exp(cfg.pop_skew * popularity)
    exposure_prob = weights / np.bincount(item_cat, weights=weights, minlength=n_cat)[item_cat]

    n_brands = len(next(iter(catalogue.BRANDS.values())))
    brand_quality = 0.5 * rng.normal(size=(len(catalogue.TOP_CATEGORIES), n_brands))
    brand_idx = rng.integers(0, n_brands, size=cfg.n_items)
    quality = brand_quality[tops[item_cat], brand_idx] + 0.9 * rng.normal(size=cfg.n_items)
    rating = np.clip(np.round(3.9 + 0.45 * quality + 0.2 * rng.normal(size=cfg.n_items), 1), 1.0, 5.0)
    base_price = np.array([catalogue.LEAVES[c][0] for c in catalogue.CATEGORIES])
    price = np.maximum(np.round(base_price[item_cat] * np.exp(0.4 * rng.normal(size=cfg.n_items)), 2), 1.0)
    log_price_ratio = np.log(price / _group_median(price, item_cat))

    is_new = rng.random(cfg.n_items) < cfg.new_item_share
    launch_day = np.where(is_new, rng.integers(1, max(cfg.n_days, 2), size=cfg.n_items),
                          -rng.integers(1, 730, size=cfg.n_items))

    brand_names = np.array([catalogue.BRANDS[t] for t in catalogue.TOP_CATEGORIES], dtype=object)
    nouns, n_nouns, attrs, n_attrs = catalogue.padded_vocabulary()
    generic = np.array(catalogue.GENERIC_WORDS, dtype=object)
    noun = nouns[item_cat, (rng.random(cfg.n_items) * n_nouns[item_cat]).astype(int)]
    attr = attrs[item_cat, (rng.random(cfg.n_items) * n_attrs[item_cat]).astype(int)]
    gen = generic[rng.integers(0, len(generic), size=cfg.n_items)]
    with_generic = rng.random(cfg.n_items) < 0.5
    title = brand_names[tops[item_cat], brand_idx] + " " + np.where(with_generic, gen + " ", "") + attr + " " + noun

    items = pd.DataFrame({
        C.ITEM_ID: np.arange(1, cfg.n_items + 1, dtype=np.int64),
        C.CATEGORY: pd.Categorical(np.array(catalogue.CATEGORIES, dtype=object)[item_cat]),
        C.BRAND: pd.Categorical(brand_names[tops[item_cat], brand_idx]),
        C.PRICE: price,
        C.RATING: rating,
        C.TITLE: pd.array(title, dtype="string"),
        C.LAUNCH_DAY: launch_day.astype(np.int64),
    })
    latent = dict(item_cat=item_cat, item_factors=item_factors, exposure_prob=exposure_prob,
                  weights=weights, quality=quality, rating=rating, log_price_ratio=log_price_ratio,
                  launch_day=launch_day, top_centroids=top_centroids, leaf_centroids=leaf_centroids,
                  share=share, nouns=(nouns, n_nouns, attrs, n_attrs))
    return items, latent


def _make_users(cfg: ShopConfig, rng: np.random.Generator, it: dict):
    n = cfg.n_users
    region = rng.choice(len(REGIONS), size=n, p=REGION_SHARES)
    device = rng.choice(len(DEVICES), size=n, p=DEVICE_SHARES)
    age = rng.choice(len(AGE_BANDS), size=n, p=AGE_SHARES)
    joined_during = rng.random(n) < 0.2
    signup_day = np.where(joined_during, rng.integers(0, max(cfg.n_days - 7, 1), size=n),
                          -rng.integers(1, 700, size=n))

    n_top = len(catalogue.TOP_CATEGORIES)
    first = rng.integers(0, n_top, size=n)
    second = rng.integers(0, n_top, size=n)
    two_tastes = rng.random(n) < 0.4
    age_taste = 0.4 * rng.normal(size=(len(AGE_BANDS), cfg.dim))
    tops = it["top_centroids"]
    taste = tops[first] + two_tastes[:, None] * tops[second] + age_taste[age] + 0.8 * rng.normal(size=(n, cfg.dim))
    price_sensitivity = AGE_PRICE_SENSITIVITY[age] * np.exp(0.4 * rng.normal(size=n))

    users = pd.DataFrame({
        C.USER_ID: np.arange(1, n + 1, dtype=np.int64),
        C.REGION: pd.Categorical(np.array(REGIONS, dtype=object)[region]),
        C.DEVICE: pd.Categorical(np.array(DEVICES, dtype=object)[device]),
        C.AGE_BAND: pd.Categorical(np.array(AGE_BANDS, dtype=object)[age]),
        C.SIGNUP_DAY: signup_day.astype(np.int64),
    })
    latent = dict(taste=taste, price_sensitivity=price_sensitivity, device=device, signup_day=signup_day)
    return users, latent


def _make_sessions(cfg: ShopConfig, rng: np.random.Generator, us: dict):
    """Sessions per user, their start times and their numbers of browsing steps."""
    n = cfg.n_users
    rate = rng.gamma(cfg.sessions_shape, cfg.sessions_mean / cfg.sessions_shape, size=n)
    n_sessions = 1 + rng.poisson(rate)
    user = np.repeat(np.arange(n), n_sessions)
    m = len(user)

    weekday0 = pd.Timestamp(cfg.start_date).day_of_week
    day_weight = np.where((weekday0 + np.arange(cfg.n_days)) % 7 >= 5, 1.3, 1.0)
    cum = np.concatenate([[0.0], np.cumsum(day_weight)])
    lo = np.clip(us["signup_day"][user], 0, cfg.n_days - 1)
    target = cum[lo] + rng.random(m) * (cum[cfg.n_days] - cum[lo])
    day = np.clip(np.searchsorted(cum, target, side="right") - 1, lo, cfg.n_days - 1)

    mode = rng.choice(3, size=m, p=(0.55, 0.25, 0.20))        # evening, lunch, any time
    hour = np.select([mode == 0, mode == 1],
                     [rng.normal(20.5, 2.0, m), rng.normal(12.5, 1.5, m)], rng.uniform(7, 23, m))
    start_raw = day * 86400 + np.clip(hour * 3600, 0, 86399).astype(np.int64)

    order = np.lexsort((start_raw, user))
    user, start_raw = user[order], start_raw[order]
    n_steps = np.minimum(rng.geometric(cfg.step_end_prob, size=m), cfg.max_steps)
    step_gaps = STEP_MIN_S + rng.exponential(STEP_EXTRA_MEAN_S, size=n_steps.sum()).astype(np.int64)
    session_of_step = np.repeat(np.arange(m), n_steps)
    duration = np.bincount(session_of_step, weights=step_gaps, minlength=m).astype(np.int64)

    # No overlap: start_j = max(raw_j, start_{j-1} + duration_{j-1} + gap) within a user, i.e.
    # start_j = D_j + max_{i<=j}(raw_i - D_i) with D the user's cumulative (duration + gap).
    # A per-user offset lets one global running maximum do every user at once.
    span = duration + SESSION_GAP_S
    total = np.cumsum(span) - span
    first_of_user = np.searchsorted(user, user)
    d = total - total[first_of_user]
    offset = user.astype(np.float64) * 1e12
    start = d + (np.maximum.accumulate(start_raw - d + offset) - offset).astype(np.int64)
    return dict(user=user, start=start, n_steps=n_steps, step_gaps=step_gaps, session_of_step=session_of_step)


def _make_steps(cfg: ShopConfig, rng: np.random.Generator, it: dict, us: dict, se: dict, transition: np.ndarray):
    """Browsing steps: time, day and the session intent's category (a Markov chain)."""
    session = se["session_of_step"]
    n_steps = se["n_steps"]
    first_step = np.cumsum(n_steps) - n_steps
    index = np.arange(len(session)) - first_step[session]
    offset_in_session = np.cumsum(se["step_gaps"]) - se["step_gaps"]
    offset_in_session -= offset_in_session[first_step][session]
    time = se["start"][session] + offset_in_session
    user = se["user"][session]

    logits = cfg.intent_temperature * (us["taste"] @ it["leaf_centroids"].T) / cfg.dim + np.log(it["share"])
    start_users = se["user"]
    session_logits = logits[start_users]
    if cfg.taste_drift:         # off (0): no draw, so the shop is byte for byte the one without the option
        shift = rng.normal(size=logits.shape[1])
        session_logits = session_logits + cfg.taste_drift * (se["start"] // 86400 / cfg.n_days)[:, None] * shift
    p = np.exp(session_logits - session_logits.max(axis=1, keepdims=True))
    category = np.empty(len(session), dtype=np.int64)
    category[first_step] = _sample_rows(np.cumsum(p, axis=1), rng)
    cum_t = np.cumsum(transition, axis=1)
    by_index = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[by_index], np.arange(cfg.max_steps + 1))
    for t in range(1, cfg.max_steps):
        rows = by_index[bounds[t]:bounds[t + 1]]
        if len(rows) == 0:
            break
        category[rows] = _sample_rows(cum_t[category[rows - 1]], rng)
    return dict(session=session, index=index, time=time, day=time // 86400, user=user, category=category)


def _make_events(cfg: ShopConfig, rng: np.random.Generator, it: dict, us: dict, st: dict):
    n_steps = len(st["session"])
    cat, user, time = st["category"], st["user"], st["time"]

    # --- searches -------------------------------------------------------------------------
    p_search = np.where(st["index"] == 0, cfg.search_prob_first, cfg.search_prob_later)
    searched = rng.random(n_steps) < p_search
    s_rows = np.flatnonzero(searched)
    nouns, n_nouns, attrs, n_attrs = it["nouns"]
    s_cat = cat[s_rows]
    noun = nouns[s_cat, (rng.random(len(s_rows)) * n_nouns[s_cat]).astype(int)]
    attr = attrs[s_cat, (rng.random(len(s_rows)) * n_attrs[s_cat]).astype(int)]
    generic = np.array(catalogue.GENERIC_WORDS, dtype=object)[rng.integers(0, len(catalogue.GENERIC_WORDS), len(s_rows))]
    n_tokens = rng.choice(3, size=len(s_rows), p=(0.3, 0.5, 0.2)) + 1
    query = np.where(n_tokens == 1, noun, attr + " " + noun)
    query = np.where(n_tokens == 3, query + " " + generic, query)

    # --- result lists: each slot draws an item of the step's category, with probability p_i ----
    order = np.argsort(it["item_cat"], kind="stable")
    n_cat = len(catalogue.CATEGORIES)
    seg_end = np.cumsum(np.bincount(it["item_cat"], minlength=n_cat))
    seg_cum = np.cumsum(it["exposure_prob"][order]) - np.repeat(np.concatenate([[0.0], np.cumsum(
        np.bincount(it["item_cat"], weights=it["exposure_prob"], minlength=n_cat))[:-1]]), np.diff(np.r_[0, seg_end]))
    ladder = it["item_cat"][order] + seg_cum
    ladder[seg_end - 1] = np.arange(1, n_cat + 1)
    draws = np.searchsorted(ladder, cat[:, None] + rng.random((n_steps, cfg.slots)), side="right")
    slot_item = order[np.minimum(draws, seg_end[cat][:, None] - 1)]
    shown = it["launch_day"][slot_item] <= st["day"][:, None]
    for k in range(1, cfg.slots):
        shown[:, k] &= ~(slot_item[:, k:k + 1] == slot_item[:, :k]).any(axis=1)
    imp_step, imp_slot = np.nonzero(shown)
    imp_item = slot_item[imp_step, imp_slot]
    imp_user = user[imp_step]
    position = imp_slot + 1

    # --- clicks and what follows ------------------------------------------------------------------
    affinity = cfg.taste_scale * np.einsum("ij,ij->i", us["taste"][imp_user], it["item_factors"][imp_item]) / cfg.dim
    rating, lpr = it["rating"][imp_item], it["log_price_ratio"][imp_item]
    click_logit = (cfg.click_bias + cfg.click_position * np.log(position) + affinity
                   + cfg.click_rating * (rating - 4.0) + cfg.click_price * lpr)
    clicked = rng.random(len(imp_step)) < _sigmoid(click_logit)
    c_idx = np.flatnonzero(clicked)
    c_step, c_item, c_user, c_aff = imp_step[c_idx], imp_item[c_idx], imp_user[c_idx], affinity[c_idx]
    c_q, c_lpr, c_rating = it["quality"][c_item], it["log_price_ratio"][c_item], rating[c_idx]
    lam = us["price_sensitivity"][c_user]
    dev = DEVICE_EFFECT[us["device"][c_user]]

    n_weeks = cfg.n_days // 7 + 4
    promo = np.where(rng.random((cfg.n_items, n_weeks)) < cfg.promo_prob,
                     DISCOUNTS[rng.integers(0, len(DISCOUNTS), size=(cfg.n_items, n_weeks))], 0.0)
    discount = promo[c_item, np.minimum(st["day"][c_step] // 7, n_weeks - 1)]

    favorite = rng.random(len(c_idx)) < _sigmoid(cfg.fav_bias + 0.6 * c_aff + 0.5 * (c_rating - 4.0))
    carted = rng.random(len(c_idx)) < _sigmoid(cfg.cart_bias + c_aff + cfg.cart_quality * c_q - lam * c_lpr
                                               + cfg.promo_effect * discount + dev)
    bought = carted & (rng.random(len(c_idx)) < _sigmoid(cfg.buy_bias + 0.8 * c_aff + cfg.buy_quality * c_q
                                                         - 0.5 * lam * c_lpr + cfg.promo_effect * discount + dev))
    price_paid = np.round(np.asarray(it["price"])[c_item] * (1.0 - discount), 2)

    # --- timestamps and assembly ---------------------------------------------------------------
    imp_time = time[imp_step] + 3 * searched[imp_step]
    click_time = imp_time[c_idx] + 5 + CLICK_SPACING_S * (position[c_idx] - 1) + rng.integers(0, 3, len(c_idx))
    parts = [
        (s_rows, C.SEARCH, time[s_rows], -1, -1, query),
        (imp_step, C.IMPRESSION, imp_time, imp_item, position, None),
        (c_step, C.CLICK, click_time, c_item, -1, None),
    ]
    for kind, mask in ((C.FAVORITE, favorite), (C.ADD_TO_CART, carted), (C.PURCHASE, bought)):
        parts.append((c_step[mask], kind, click_time[mask] + AFTER_CLICK_S[kind], c_item[mask], -1, None))

    step = np.concatenate([p[0] for p in parts])
    etype = np.concatenate([np.full(len(p[0]), _TYPE_CODE[p[1]], dtype=np.int8) for p in parts])
    etime = np.concatenate([p[2] for p in parts]).astype(np.int64)
    eitem = np.concatenate([np.broadcast_to(p[3], len(p[0])) for p in parts]).astype(np.int64)
    epos = np.concatenate([np.broadcast_to(p[4], len(p[0])) for p in parts]).astype(np.int64)
    equery = np.concatenate([p[5] if p[5] is not None else np.full(len(p[0]), None, dtype=object) for p in parts])
    epaid = np.full(len(step), np.nan)
    epaid[len(step) - int(bought.sum()):] = price_paid[bought]
    euser = user[step]
    sort = np.lexsort((epos, etype, etime, euser))

    start = np.datetime64(pd.Timestamp(cfg.start_date).to_datetime64(), "s")
    item_out = eitem[sort]
    pos_out = epos[sort]
    events = pd.DataFrame({
        C.USER_ID: euser[sort] + 1,
        C.SESSION_ID: st["session"][step[sort]] + 1,
        C.TIMESTAMP: (start + etime[sort].astype("timedelta64[s]")).astype("datetime64[ns]"),
        C.EVENT_TYPE: pd.Categorical.from_codes(etype[sort], categories=list(C.EVENT_TYPES)),
        C.ITEM_ID: pd.array(np.where(item_out >= 0, item_out + 1, 0), dtype="Int64"),
        C.QUERY: pd.array(equery[sort], dtype="string"),
        C.POSITION: pd.array(pos_out, dtype="Int64"),
        C.PRICE_PAID: epaid[sort],
    })
    events.loc[item_out < 0, C.ITEM_ID] = pd.NA
    events.loc[pos_out < 0, C.POSITION] = pd.NA
    return events, step[sort], promo


def generate_shop(config: ShopConfig | None = None, progress: bool = False) -> GeneratedShop:
    """Generate a shop: its tables (items, users, events) and its latent truth.

    ``generate_shop()`` with the shipped config reproduces ``datasets/shopsim`` exactly.
    ``progress=True`` shows a progress bar over the generation stages.
    """
    cfg = config or ShopConfig.shipped()
    rng = np.random.default_rng(cfg.seed)
    transition = catalogue.transition_matrix(cfg.intent_stay, cfg.intent_complement)
    with tqdm(total=5, desc="ShopSim", unit="stage", disable=not progress) as bar:
        items, it = _make_items(cfg, rng)
        it["price"] = items[C.PRICE].to_numpy()
        bar.update()
        users, us = _make_users(cfg, rng, it)
        bar.update()
        se = _make_sessions(cfg, rng, us)
        bar.update()
        st = _make_steps(cfg, rng, it, us, se, transition)
        bar.update()
        events, event_step, promotions = _make_events(cfg, rng, it, us, st)
        bar.update()
    truth = ShopTruth(
        config=cfg, user_factors=us["taste"], item_factors=it["item_factors"], item_category=it["item_cat"],
        exposure_prob=it["exposure_prob"], item_quality=it["quality"], item_rating=it["rating"],
        log_price_ratio=it["log_price_ratio"], item_launch_day=it["launch_day"],
        user_price_sensitivity=us["price_sensitivity"], transition=transition, event_step=event_step,
        step_category=st["category"], step_session=st["session"] + 1, step_index=st["index"], step_day=st["day"],
        promotions=promotions, category_centroids=it["leaf_centroids"], category_share=it["share"],
    )
    return GeneratedShop(tables=Shop(items=items, users=users, events=events), truth=truth)
