"""Loading and validating a shop: ``items, users, events = load_shop()``."""
from recsys_lib.data.errors import ShopDataError
from recsys_lib.data.files import shipped_shop_path
from recsys_lib.data.loading import load_shop
from recsys_lib.data.shop import Shop

__all__ = ["Shop", "ShopDataError", "load_shop", "shipped_shop_path"]
