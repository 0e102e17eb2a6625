"""The shop's catalogue design: the category tree, which categories complement which, the
words that titles and queries are made of, and brands.

This is fixed data (not random): the generator draws items, titles and queries from it.
"""
from __future__ import annotations

import numpy as np

#: leaf category -> (base price in EUR, title nouns, title attributes)
LEAVES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "electronics/phones": (420.0, ("phone", "smartphone"), ("5g", "128gb", "256gb", "dual-sim", "oled")),
    "electronics/phone_cases": (18.0, ("case", "cover"), ("silicone", "leather", "clear", "rugged", "magnetic")),
    "electronics/chargers": (25.0, ("charger", "cable", "adapter"), ("usb-c", "fast", "wireless", "65w", "travel")),
    "electronics/headphones": (90.0, ("headphones", "earbuds"), ("wireless", "noise-cancelling", "bluetooth", "sport", "over-ear")),
    "electronics/laptops": (850.0, ("laptop", "notebook"), ("14-inch", "16gb", "ssd", "ultralight", "gaming")),
    "home/coffee_makers": (120.0, ("coffee", "espresso", "machine"), ("filter", "capsule", "barista", "compact", "steel")),
    "home/mugs": (12.0, ("mug", "cup"), ("ceramic", "travel", "insulated", "set", "large")),
    "home/cookware": (55.0, ("pan", "pot", "skillet"), ("non-stick", "cast-iron", "induction", "steel", "28cm")),
    "home/bedding": (60.0, ("duvet", "pillow", "sheets"), ("cotton", "linen", "king", "hypoallergenic", "soft")),
    "fashion/sneakers": (85.0, ("sneakers", "trainers", "shoes"), ("white", "running", "leather", "canvas", "retro")),
    "fashion/socks": (9.0, ("socks",), ("cotton", "ankle", "sport", "wool", "pack")),
    "fashion/jackets": (130.0, ("jacket", "coat", "parka"), ("waterproof", "down", "rain", "winter", "light")),
    "fashion/backpacks": (55.0, ("backpack", "bag", "rucksack"), ("laptop", "travel", "waterproof", "20l", "urban")),
    "beauty/skincare": (24.0, ("cream", "serum", "moisturiser"), ("vitamin-c", "spf", "hydrating", "night", "sensitive")),
    "beauty/makeup": (19.0, ("lipstick", "mascara", "foundation"), ("matte", "waterproof", "nude", "long-lasting", "vegan")),
    "beauty/fragrance": (65.0, ("perfume", "fragrance", "eau"), ("floral", "woody", "fresh", "50ml", "intense")),
    "sports/yoga_mats": (30.0, ("yoga", "mat"), ("non-slip", "thick", "eco", "travel", "6mm")),
    "sports/water_bottles": (16.0, ("bottle", "flask"), ("insulated", "steel", "1l", "bpa-free", "sport")),
    "sports/fitness_trackers": (110.0, ("tracker", "watch", "band"), ("heart-rate", "gps", "sleep", "waterproof", "smart")),
    "books/fiction": (14.0, ("novel", "book"), ("thriller", "fantasy", "bestseller", "paperback", "classic")),
    "books/cookbooks": (22.0, ("cookbook", "recipes"), ("vegan", "baking", "italian", "quick", "family")),
}

#: leaf category -> the categories a shopper tends to move to next (phone -> case -> charger)
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "electronics/phones": ("electronics/phone_cases", "electronics/chargers", "electronics/headphones"),
    "electronics/phone_cases": ("electronics/chargers", "electronics/headphones"),
    "electronics/chargers": ("electronics/headphones", "electronics/phone_cases"),
    "electronics/headphones": ("electronics/chargers", "sports/fitness_trackers"),
    "electronics/laptops": ("fashion/backpacks", "electronics/headphones", "electronics/chargers"),
    "home/coffee_makers": ("home/mugs", "books/cookbooks"),
    "home/mugs": ("home/coffee_makers", "books/cookbooks"),
    "home/cookware": ("books/cookbooks", "home/mugs"),
    "home/bedding": ("books/fiction", "home/mugs"),
    "fashion/sneakers": ("fashion/socks", "sports/fitness_trackers"),
    "fashion/socks": ("fashion/sneakers",),
    "fashion/jackets": ("fashion/backpacks", "fashion/sneakers"),
    "fashion/backpacks": ("sports/water_bottles", "electronics/laptops"),
    "beauty/skincare": ("beauty/makeup", "beauty/fragrance"),
    "beauty/makeup": ("beauty/fragrance", "beauty/skincare"),
    "beauty/fragrance": ("beauty/skincare",),
    "sports/yoga_mats": ("sports/water_bottles", "sports/fitness_trackers"),
    "sports/water_bottles": ("sports/yoga_mats", "fashion/backpacks"),
    "sports/fitness_trackers": ("electronics/headphones", "sports/water_bottles", "fashion/sneakers"),
    "books/fiction": ("books/cookbooks", "home/bedding"),
    "books/cookbooks": ("home/cookware", "books/fiction"),
}

#: top-level category -> brand names (invented)
BRANDS: dict[str, tuple[str, ...]] = {
    "electronics": ("Voltra", "Nexon", "Pixelo", "Auralis", "Kinetik", "Zephyr"),
    "home": ("Hearthly", "Casa Nova", "Brewmont", "Linnea", "Oakridge", "Potter&Co"),
    "fashion": ("Strideon", "Nordvik", "Urbanite", "Loomis", "Peakwear", "Solace"),
    "beauty": ("Lumiere", "Verdant", "Rosalie", "Purelle", "Aurea", "Mireille"),
    "sports": ("Trailhead", "Apexfit", "Hydra", "Momentum", "Zenflow", "Sprintix"),
    "books": ("Inkwell Press", "Lantern Books", "Foxglove", "Paperlight", "Quillon", "Harbor House"),
}

#: generic title words shared by all categories
GENERIC_WORDS = ("pro", "max", "classic", "essential", "premium", "lite", "new", "plus")

CATEGORIES: tuple[str, ...] = tuple(LEAVES)
TOP_CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(c.split("/")[0] for c in CATEGORIES))


def top_of(category: str) -> str:
    """The top-level part of a ``top/leaf`` category name."""
    return category.split("/", 1)[0]


def transition_matrix(stay: float, complement: float) -> np.ndarray:
    """The true category-to-category transition matrix of a session's intent.

    From category :math:`c` the next step's category is :math:`c` with probability ``stay``,
    one of :math:`c`'s complements (uniformly) with probability ``complement``, and any
    category (uniformly, :math:`c` included) with the remaining probability.
    Rows sum to one.
    """
    n = len(CATEGORIES)
    index = {c: i for i, c in enumerate(CATEGORIES)}
    jump = 1.0 - stay - complement
    if min(stay, complement, jump) < 0:
        raise ValueError("stay and complement must be probabilities with stay + complement <= 1")
    t = np.full((n, n), jump / n)
    t[np.arange(n), np.arange(n)] += stay
    for c, comps in COMPLEMENTS.items():
        t[index[c], [index[x] for x in comps]] += complement / len(comps)
    return t


def padded_vocabulary() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-category word tables as padded 2-D arrays, for vectorised sampling.

    Returns ``(nouns, n_nouns, attributes, n_attributes)`` where ``nouns[c, :n_nouns[c]]`` are
    category ``c``'s nouns (likewise attributes).
    """
    nouns = [LEAVES[c][1] for c in CATEGORIES]
    attrs = [LEAVES[c][2] for c in CATEGORIES]

    def pad(lists):
        width = max(len(x) for x in lists)
        table = np.array([list(x) + [""] * (width - len(x)) for x in lists], dtype=object)
        return table, np.array([len(x) for x in lists])

    noun_table, n_nouns = pad(nouns)
    attr_table, n_attrs = pad(attrs)
    return noun_table, n_nouns, attr_table, n_attrs
