r"""Online experiments in ShopSim: serve recommendation lists to simulated shoppers, with the
generator's TRUE click, add-to-cart and purchase models, and run A/B tests and a coupon test.

Taught in module 09 (from_model_to_product).

The shelf
---------
On the experiment day :math:`t` (default: the day after the log, ``config.n_days``) every shopper
:math:`u` of the shop opens the home page once and sees a shelf of :math:`K` items
:math:`i_{u,1}, \dots, i_{u,K}` (a list from a recommender; ``-1`` = empty slot, nothing shown; an
item that has not launched by day :math:`t` is not shown either). With the data card's symbols
(steps 7 and 8; every coefficient is a field of :class:`~recsys_lib.simulation.ShopConfig`), the item
at position :math:`k` is clicked with

.. math::  c_{uk} = \sigma\big(\beta_0 + \beta_{\text{pos}} \ln k + a_{ui} + \beta_r(\text{rating}_i - 4)
           + \beta_p r_i\big),

added to the cart, given the click, with
:math:`g_{uk} = \sigma(-4.3 + a_{ui} + 0.6 q_i - \lambda_u r_i + 4\delta_{i,w} + e_u)` and bought, given
the cart, with :math:`h_{uk} = \sigma(-2.6 + 0.8 a_{ui} + 0.4 q_i - 0.5\lambda_u r_i + 4\delta_{i,w} + e_u)`,
where :math:`\delta_{i,w}` is the item's promotion in the experiment's week :math:`w = \lfloor t/7
\rfloor` and :math:`e_u` the device effect. Slots are independent given the shelf (the data card's
known limitation). So the simulator knows, for every shopper, the **true** probabilities

.. math::  P(\text{click on the shelf}) = 1 - \prod_k (1 - c_{uk}), \qquad
           P(\text{purchase from the shelf}) = 1 - \prod_k (1 - c_{uk} g_{uk} h_{uk}),

and an arm's true rates are their means over **all** shoppers of the experiment (the potential
outcomes of serving that arm's lists to everybody), which an A/B test estimates from half of them.

Rates
-----
``shelf_ctr``  share of shopper views with at least one click on the shelf (the unit of randomisation is
the shopper, so this is a proportion of independent units); ``conversion``  share of views followed by
a purchase of a shelf item; ``ctr``  clicks per impression (module 00's CTR: impressions of one
shopper are *not* independent, so a two-proportion test on impressions is wrong, see module 09).

The coupon
----------
The generator has no coupons. :meth:`ShopperSimulator.coupon_experiment` models one as a personal
promotion of discount :math:`\delta_c` whose effect scales with the shopper's price sensitivity:
:math:`4\,\delta_c\,\lambda_u / \bar\lambda` is added to the cart and purchase logits (a shopper of
average sensitivity :math:`\bar\lambda` reacts exactly as to a promotion of :math:`\delta_c`, data card
step 8; price-sensitive shoppers react more). A random half of the shoppers get the coupon.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.simulation.generator import DEVICE_EFFECT, DEVICES
from recsys_lib.simulation.truth import GeneratedShop

__all__ = ["ShopperSimulator", "ShelfProbabilities", "ABTestResult", "CouponExperiment", "run_ab_test",
           "ARM", "SHOPPERS", "IMPRESSIONS", "CLICKS", "CARTS", "PURCHASES", "CLICKERS", "BUYERS",
           "COUPON", "PURCHASED", "TRUE_P_CONTROL", "TRUE_P_COUPON", "TRUE_UPLIFT", "RATES"]

# column names of the experiment tables
ARM = "arm"
SHOPPERS = "shoppers"
IMPRESSIONS = "impressions"
CLICKS = "clicks"
CARTS = "carts"
PURCHASES = "purchases"
CLICKERS = "shoppers_clicked"          # shoppers with at least one click on the shelf
BUYERS = "shoppers_purchased"          # shoppers with at least one purchase from the shelf
COUNTS = (SHOPPERS, IMPRESSIONS, CLICKS, CARTS, PURCHASES, CLICKERS, BUYERS)
#: the true rates of an arm, in table order
RATES = ("shelf_ctr", "conversion", "ctr", "purchases_per_shopper")
COUPON = "coupon"
PURCHASED = "purchased"
TRUE_P_CONTROL = "true_p_without_coupon"
TRUE_P_COUPON = "true_p_with_coupon"
TRUE_UPLIFT = "true_uplift"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True)
class ShelfProbabilities:
    """True probabilities of one shelf per shopper (arrays of shape (n_shoppers, K), row = shopper in
    the simulator's order): ``click`` (0 for an empty or not-launched slot), ``cart`` given a click,
    ``buy`` given a cart, and ``shown`` (the slot displays an item)."""

    click: np.ndarray
    cart: np.ndarray
    buy: np.ndarray
    shown: np.ndarray

    def rates(self) -> dict[str, np.ndarray]:
        """Per-shopper true probabilities: ``shelf_ctr`` (at least one click), ``conversion`` (at least one
        purchase) and the expected numbers of ``clicks`` and ``purchases``."""
        return dict(self._rates)

    @cached_property
    def _rates(self) -> dict[str, np.ndarray]:
        purchase = self.click * self.cart * self.buy
        return {"shelf_ctr": 1.0 - np.prod(1.0 - self.click, axis=1),
                "conversion": 1.0 - np.prod(1.0 - purchase, axis=1),
                "clicks": self.click.sum(axis=1), "purchases": purchase.sum(axis=1)}

    @cached_property
    def _all_rates(self) -> pd.Series:
        return self._true_rates(None)

    def true_rates(self, rows=None) -> pd.Series:
        """The true rates (:data:`RATES`) over the shoppers ``rows`` (default: all)."""
        return self._all_rates.copy() if rows is None else self._true_rates(rows)

    def _true_rates(self, rows) -> pd.Series:
        r = self._rates
        sel = slice(None) if rows is None else np.asarray(rows)
        shown = self.shown[sel].sum()
        return pd.Series({"shelf_ctr": r["shelf_ctr"][sel].mean(), "conversion": r["conversion"][sel].mean(),
                          "ctr": r["clicks"][sel].sum() / shown if shown else np.nan,
                          "purchases_per_shopper": r["purchases"][sel].mean()})

    def draw(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """One simulated view per shopper: per-shopper counts of impressions, clicks, carts, purchases."""
        n, k = self.click.shape
        u = rng.random((3, n, k))
        clicked = u[0] < self.click
        carted = clicked & (u[1] < self.cart)
        bought = carted & (u[2] < self.buy)
        return {IMPRESSIONS: self.shown.sum(axis=1), CLICKS: clicked.sum(axis=1), CARTS: carted.sum(axis=1),
                PURCHASES: bought.sum(axis=1)}


@dataclass(frozen=True)
class ABTestResult:
    """An A/B test's outcome.

    ``arms``: one row per arm (control first), the counts :data:`COUNTS`; ``true``: the arms' true
    rates over all shoppers (:data:`RATES`); ``shoppers``: one row per shopper (``C.USER_ID``, ``arm`` and
    the shopper's counts); ``seed``."""

    arms: pd.DataFrame
    true: pd.DataFrame
    shoppers: pd.DataFrame
    seed: int


@dataclass(frozen=True)
class CouponExperiment:
    """A coupon test: one row per shopper (``C.USER_ID``, ``coupon`` 0/1, ``purchased`` 0/1 and the true
    purchase probabilities without and with a coupon, and their difference ``true_uplift``)."""

    shoppers: pd.DataFrame
    discount: float
    seed: int


class ShopperSimulator:
    """Serve shelves to the shoppers of a generated shop with its true behaviour models (module
    docstring). ``shop`` must carry its truth (``shipped_shop()`` or ``generate_shop(config)``).

    Parameters
    ----------
    shop : GeneratedShop
    day : int or None
        the experiment day (default ``config.n_days``, the day after the log): fixes the week of the
        promotions and which items have launched.

    Taught in module 09 (from_model_to_product).
    """

    def __init__(self, shop: GeneratedShop, day: int | None = None):
        if not isinstance(shop, GeneratedShop):
            raise TypeError("the simulator needs the shop's truth: pass shipped_shop() or generate_shop(config), "
                            f"not {type(shop).__name__}")
        self.shop = shop
        self.truth = shop.truth
        cfg = self.truth.config
        self.day = cfg.n_days if day is None else int(day)
        if self.day < 0:
            raise ValueError(f"day must be >= 0; got {day}")
        users = shop.tables.users
        self.user_ids = users[C.USER_ID].to_numpy(dtype=np.int64)
        self.item_ids = shop.tables.items[C.ITEM_ID].to_numpy(dtype=np.int64)
        device = pd.Index(DEVICES).get_indexer(users[C.DEVICE].astype(str))
        self.device_effect = DEVICE_EFFECT[device]
        n_weeks = self.truth.promotions.shape[1]
        self.week = min(self.day // 7, n_weeks - 1)

    @property
    def n_shoppers(self) -> int:
        return self.user_ids.size

    def _rows(self, users) -> np.ndarray:
        if users is None:
            return np.arange(self.n_shoppers)
        rows = pd.Index(self.user_ids).get_indexer(np.asarray(users, dtype=np.int64))
        if (rows < 0).any():
            raise KeyError(f"user id(s) {np.asarray(users)[rows < 0][:5].tolist()} are not shoppers of this shop")
        return rows

    def shelf_probabilities(self, lists, users=None, coupon: float = 0.0) -> ShelfProbabilities:
        """True probabilities of the shelves ``lists`` (int array (n, K) of item ids, best first, ``-1`` =
        empty) shown to ``users`` (ids, default every shopper in ``users`` table order). ``coupon``: a
        coupon's discount (module docstring) given to all of them."""
        rows = self._rows(users)
        lists = np.asarray(lists)
        if lists.ndim != 2 or lists.shape[0] != rows.size:
            raise ValueError(f"lists must have shape ({rows.size}, K): one shelf per shopper; got {lists.shape}")
        if lists.size and not np.issubdtype(lists.dtype, np.integer):
            raise TypeError(f"lists must hold integer item ids; got dtype {lists.dtype}")
        col = pd.Index(self.item_ids).get_indexer(lists.ravel()).reshape(lists.shape)
        unknown = (col < 0) & (lists != -1)
        if unknown.any():
            raise KeyError(f"item id(s) {np.unique(lists[unknown])[:5].tolist()} are not in the catalogue "
                           f"(lists must hold item ids, -1 for an empty slot)")
        tr, cfg = self.truth, self.truth.config
        it = np.maximum(col, 0)
        shown = (col >= 0) & (tr.item_launch_day[it] <= self.day)
        affinity = cfg.taste_scale * np.einsum("ud,ukd->uk", tr.user_factors[rows], tr.item_factors[it]) / cfg.dim
        position = np.log(np.arange(1, lists.shape[1] + 1))
        lpr, quality = tr.log_price_ratio[it], tr.item_quality[it]
        click = _sigmoid(cfg.click_bias + cfg.click_position * position + affinity
                         + cfg.click_rating * (tr.item_rating[it] - 4.0) + cfg.click_price * lpr)
        lam = tr.user_price_sensitivity[rows][:, None]
        extra = cfg.promo_effect * tr.promotions[it, self.week] + self.device_effect[rows][:, None]
        if coupon:
            extra = extra + cfg.promo_effect * float(coupon) * lam / tr.user_price_sensitivity.mean()
        cart = _sigmoid(cfg.cart_bias + affinity + cfg.cart_quality * quality - lam * lpr + extra)
        buy = _sigmoid(cfg.buy_bias + 0.8 * affinity + cfg.buy_quality * quality - 0.5 * lam * lpr + extra)
        return ShelfProbabilities(click=np.where(shown, click, 0.0), cart=cart, buy=buy, shown=shown)

    def true_rates(self, lists, users=None) -> pd.Series:
        """The true rates (:data:`RATES`) of serving ``lists`` to ``users`` (default: every shopper)."""
        return self.shelf_probabilities(lists, users).true_rates()

    def _arm_probabilities(self, control, treatment, users):
        probs = [p if isinstance(p, ShelfProbabilities) else self.shelf_probabilities(p, users)
                 for p in (control, treatment)]
        if probs[1].click.shape[0] != probs[0].click.shape[0]:
            raise ValueError("control and treatment must have one shelf per shopper each")
        return probs

    @staticmethod
    def _draw_arms(probs, seed):
        """The seeded split (arm 0 / 1 per shopper) and each shopper's counts under their arm."""
        n = probs[0].click.shape[0]
        rng = np.random.default_rng(seed)
        arm = np.zeros(n, dtype=np.int64)
        arm[rng.permutation(n)[n // 2:]] = 1
        treated = arm[:, None] == 1
        mixed = ShelfProbabilities(*(np.where(treated, getattr(probs[1], f), getattr(probs[0], f))
                                     for f in ("click", "cart", "buy", "shown")))
        return arm, mixed.draw(rng)

    @staticmethod
    def _arm_counts(arm, counts) -> dict[str, np.ndarray]:
        table = {SHOPPERS: np.bincount(arm, minlength=2)}
        table.update({key: np.bincount(arm, weights=v, minlength=2) for key, v in counts.items()})
        table[CLICKERS] = np.bincount(arm, weights=counts[CLICKS] > 0, minlength=2)
        table[BUYERS] = np.bincount(arm, weights=counts[PURCHASES] > 0, minlength=2)
        return {key: table[key].astype(np.int64) for key in COUNTS}

    def ab_test(self, control, treatment, seed: int = 0, names=("control", "treatment"),
                users=None) -> ABTestResult:
        """Randomise the shoppers (``users``, default all) into two halves with ``seed`` (a random
        permutation: the first half, rounded down, gets ``control``), show each half its arm's shelf
        once, and draw clicks, carts and purchases. ``control`` / ``treatment``: item-id lists of shape
        (n_shoppers, K) or precomputed :class:`ShelfProbabilities`."""
        probs = self._arm_probabilities(control, treatment, users)
        arm, counts = self._draw_arms(probs, seed)
        index = pd.Index(list(names), name=ARM)
        arms = pd.DataFrame(self._arm_counts(arm, counts), index=index)
        shoppers = pd.DataFrame({C.USER_ID: self.user_ids[self._rows(users)],
                                 ARM: pd.Categorical.from_codes(arm, categories=list(names)), **counts})
        true = pd.DataFrame([p.true_rates() for p in probs], index=index)
        return ABTestResult(arms=arms, true=true, shoppers=shoppers, seed=int(seed))

    def repeated_ab_tests(self, control, treatment, seeds, names=("control", "treatment"), users=None):
        """The arm counts of :meth:`ab_test` for each seed of ``seeds`` (exactly the same draws), without
        building the per-shopper tables: returns ``(counts, true)``, ``counts`` a DataFrame indexed by seed
        with columns ``(arm, count)``, ``true`` the arms' true rates (as in :meth:`ab_test`)."""
        probs = self._arm_probabilities(control, treatment, users)
        rows = {}
        for seed in seeds:
            table = self._arm_counts(*self._draw_arms(probs, seed))
            rows[int(seed)] = {(name, key): int(v[a]) for key, v in table.items() for a, name in enumerate(names)}
        columns = pd.MultiIndex.from_product([list(names), list(COUNTS)], names=[ARM, None])
        counts = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns).rename_axis("seed")
        true = pd.DataFrame([p.true_rates() for p in probs], index=pd.Index(list(names), name=ARM))
        return counts, true

    def coupon_experiment(self, lists, discount: float = 0.2, seed: int = 0, users=None) -> CouponExperiment:
        """A randomised coupon test: a random half of the shoppers (``seed``) get a coupon of
        ``discount`` (module docstring), everybody sees the shelf ``lists`` once; returns who got a
        coupon, who purchased, and the true purchase probabilities with and without it."""
        if not 0.0 < float(discount) < 1.0:
            raise ValueError(f"discount must be in (0, 1); got {discount!r}")
        without = self.shelf_probabilities(lists, users).rates()["conversion"]
        with_coupon = self.shelf_probabilities(lists, users, coupon=discount)
        p1 = with_coupon.rates()["conversion"]
        n = without.size
        rng = np.random.default_rng(seed)
        coupon = np.zeros(n, dtype=np.int64)
        coupon[rng.permutation(n)[n // 2:]] = 1
        purchased = (rng.random(n) < np.where(coupon == 1, p1, without)).astype(np.int64)
        frame = pd.DataFrame({C.USER_ID: self.user_ids[self._rows(users)], COUPON: coupon, PURCHASED: purchased,
                              TRUE_P_CONTROL: without, TRUE_P_COUPON: p1, TRUE_UPLIFT: p1 - without})
        return CouponExperiment(shoppers=frame, discount=float(discount), seed=int(seed))


def run_ab_test(shop: GeneratedShop, control, treatment, k: int = 10, seed: int = 0, day: int | None = None,
                names=("control", "treatment")) -> ABTestResult:
    """One A/B test on every shopper of ``shop``: ``control`` and ``treatment`` are fitted recommenders
    (their ``recommend(user_ids, k, exclude_seen=False)`` must return item ids) or item-id lists of
    shape (n_shoppers, k). Taught in module 09 (from_model_to_product)."""
    sim = ShopperSimulator(shop, day)
    arms = []
    for model in (control, treatment):
        arms.append(model.recommend(sim.user_ids, k, exclude_seen=False) if hasattr(model, "recommend")
                    else np.asarray(model))
    return sim.ab_test(arms[0], arms[1], seed=seed, names=names)
