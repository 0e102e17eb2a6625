"""ShopSim: the synthetic shop with a known generative process, its truth and its oracle.

``generate_shop(config)`` returns the tables and the latent truth; ``write_shop`` writes the
tables; ``recsys_lib.simulation.oracle`` turns the truth into the best achievable scores.
"""
import functools

from recsys_lib.simulation.config import ShopConfig
from recsys_lib.simulation.experiment import ShopperSimulator, run_ab_test
from recsys_lib.simulation.generator import generate_shop
from recsys_lib.simulation.truth import GeneratedShop, ShopTruth
from recsys_lib.simulation.writer import write_shop

__all__ = ["GeneratedShop", "ShopConfig", "ShopTruth", "generate_shop", "shipped_shop", "write_shop",
           "ShopperSimulator", "run_ab_test"]



@functools.lru_cache(maxsize=1)
def shipped_shop() -> GeneratedShop:
    """The shipped shop *with its truth*, regenerated from the shipped settings (about 0.3 s,
    cached). Its tables equal ``load_shop()``'s (a test checks)."""
    return generate_shop(ShopConfig.shipped())
