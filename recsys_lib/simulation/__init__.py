"""ShopSim: the synthetic shop with a known generative process, its truth and its oracle.

``generate_shop(config)`` returns the tables and the latent truth; ``write_shop`` writes the
tables; ``recsys_lib.simulation.oracle`` turns the truth into the best achievable scores.
"""
from recsys_lib.simulation.config import ShopConfig
from recsys_lib.simulation.generator import generate_shop
from recsys_lib.simulation.truth import GeneratedShop, ShopTruth
from recsys_lib.simulation.writer import write_shop

__all__ = ["GeneratedShop", "ShopConfig", "ShopTruth", "generate_shop", "write_shop"]
