"""The toolbox's sub-commands of ``recsys-course``.

::

    recsys-course data generate [--users N] [--items M] [--days D] [--seed S] [--out DIR]
    recsys-course data stats [DIR]

``add_commands(subparsers)`` registers them; the console script (``autograder.cli``) composes
them with the grading sub-commands, so this module never imports ``autograder``. Heavy imports
happen inside the handlers so that ``recsys-course --help`` is instant.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def _cmd_data_generate(args: argparse.Namespace) -> int:
    from recsys_lib.simulation import ShopConfig, generate_shop, write_shop

    config = ShopConfig.shipped().replace(
        **{k: v for k, v in (("n_users", args.users), ("n_items", args.items),
                             ("n_days", args.days), ("seed", args.seed)) if v is not None}
    )
    shop = generate_shop(config, progress=not args.quiet)
    out = Path(args.out)
    paths = write_shop(shop, out, progress=not args.quiet)
    n_events = len(shop.tables.events)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {n_events:,} events, {len(shop.tables.users):,} users, "
          f"{len(shop.tables.items):,} items to {out} ({size / 1e6:.1f} MB)")
    return 0


def _cmd_data_stats(args: argparse.Namespace) -> int:
    from recsys_lib.data import load_shop
    from recsys_lib.data.statistics import headline_statistics_markdown

    print(headline_statistics_markdown(load_shop(args.path)))
    return 0


def add_commands(sub) -> None:
    """Register the toolbox's sub-commands (``data ...``) on a ``recsys-course`` parser."""
    data = sub.add_parser("data", help="generate or describe a ShopSim shop")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    gen = data_sub.add_parser("generate", help="write a synthetic shop (items, users, events)")
    gen.add_argument("--users", type=int, help="number of users (default: the shipped shop's)")
    gen.add_argument("--items", type=int, help="number of items (default: the shipped shop's)")
    gen.add_argument("--days", type=int, help="length of the log in days (default: the shipped shop's)")
    gen.add_argument("--seed", type=int, help="random seed (default: the shipped shop's)")
    gen.add_argument("--out", default="shopsim", help="output folder (default: ./shopsim)")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(handler=_cmd_data_generate)
    stats = data_sub.add_parser("stats", help="print a shop's headline statistics as Markdown")
    stats.add_argument("path", nargs="?", default=None, help="shop folder (default: the shipped shop)")
    stats.set_defaults(handler=_cmd_data_stats)
