"""Settings of the ShopSim generator: sizes, seed, and the coefficients of the generative
process (documented, with formulas, in ``datasets/shopsim/DATACARD.md``)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class ShopConfig:
    """Everything that determines a generated shop. Same config, same shop, byte for byte.

    Sizes
    -----
    n_users, n_items, n_days : size of the shop and length of the log.
    seed : seed of the single ``numpy.random.Generator`` every random draw comes from.
    start_date : calendar date of day 0.

    The other fields are the coefficients of the generative process; their symbols are the
    ones used in the data card.
    """

    n_users: int = 6_000
    n_items: int = 1_500
    n_days: int = 60
    seed: int = 2026
    start_date: str = "2025-09-01"

    # latent tastes: d-dimensional factors, affinity a_ui = taste_scale * <u, v_i> / d
    dim: int = 8
    taste_scale: float = 1.6
    # popularity: exposure weight w_i = exp(pop_skew * b_i), b_i ~ N(0, 1)
    pop_skew: float = 1.4
    # share of the catalogue launching during the log (cold start); the rest is older
    new_item_share: float = 0.2

    # activity: sessions per user = 1 + Poisson(lambda_u), lambda_u ~ Gamma(shape, mean/shape)
    sessions_mean: float = 3.0
    sessions_shape: float = 0.8
    # steps per session ~ Geometric(step_end_prob), capped
    step_end_prob: float = 0.3
    max_steps: int = 20
    # session intent: category at step 1 ~ softmax(intent_temperature * <u, mu_c> / d + log share_c);
    # then transition_matrix(intent_stay, intent_complement)
    intent_temperature: float = 2.5
    intent_stay: float = 0.35
    intent_complement: float = 0.45
    # taste drift (module 09): the first step's category logit of category c gets
    # + taste_drift * (day / n_days) * g_c, g_c ~ N(0, 1) drawn once; 0 = no drift and no random draw
    taste_drift: float = 0.0
    # search: probability that a step starts with a search (first step, later steps)
    search_prob_first: float = 0.7
    search_prob_later: float = 0.35
    # slots per result list (drawn with replacement; repeats and not-yet-launched items leave a slot empty)
    slots: int = 6

    # click:  logit = click_bias + click_position * ln(k) + a_ui + click_rating * (rating - 4)
    #                 + click_price * ln(price / category median)
    click_bias: float = -2.6
    click_position: float = -0.9
    click_rating: float = 0.5
    click_price: float = -0.3
    # favorite after click: logit = fav_bias + 0.6 a_ui + 0.5 (rating - 4)
    fav_bias: float = -3.3
    # add to cart after click: logit = cart_bias + a_ui + cart_quality q_i
    #                                 - lambda_u ln(price/median) + promo_effect * discount + device_u
    cart_bias: float = -4.3
    cart_quality: float = 0.6
    # purchase after add to cart: logit = buy_bias + 0.8 a_ui + buy_quality q_i
    #                                    - 0.5 lambda_u ln(price/median) + promo_effect * discount + device_u
    buy_bias: float = -2.6
    buy_quality: float = 0.4
    promo_effect: float = 4.0
    # probability that an item is on promotion in a given week, and the discounts offered
    promo_prob: float = 0.15

    @classmethod
    def shipped(cls) -> "ShopConfig":
        """The settings of the shop shipped in ``datasets/shopsim``."""
        return cls()

    def replace(self, **changes) -> "ShopConfig":
        """A copy with some fields changed (the config itself is immutable)."""
        return dataclasses.replace(self, **changes)

    def __post_init__(self):
        for name in ("n_users", "n_items", "n_days", "dim", "slots", "max_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"ShopConfig.{name} must be a positive integer, got {getattr(self, name)}")
        if not (self.taste_drift >= 0 and self.taste_drift < float("inf")):
            raise ValueError(f"ShopConfig.taste_drift must be a finite number >= 0, got {self.taste_drift}")
        if self.n_items < 2 * 21:
            raise ValueError(f"ShopConfig.n_items must be at least 42 (two per category), got {self.n_items}")
