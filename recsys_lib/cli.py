"""The toolbox's sub-commands of ``recsys-course``.

::

    recsys-course data generate [--users N] [--items M] [--days D] [--seed S] [--out DIR]
    recsys-course data stats [DIR]
    recsys-course evaluate --data NAME [--path FILE] [--download] [--models pop,itemknn,...]

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


#: the data sets of ``recsys_lib.data.real`` (listed here so that ``--help`` imports nothing;
#: tests/test_evaluate.py checks the two lists agree)
REAL_DATA = ("movielens100k", "retailrocket", "taobao", "online_retail", "diginetica")


def _cmd_evaluate(args: argparse.Namespace) -> int:
    """Exit codes: 0 evaluated; 1 the data could not be read or holds nothing to evaluate;
    2 usage error (unknown data set or model, file not found and not downloaded)."""
    import sys

    from recsys_lib.data.real import RealDataError, RealDataNotFound
    from recsys_lib.evaluation_real import MODELS, available_models, evaluate_real

    available = available_models()
    if args.list_models:
        for name, spec in MODELS.items():
            print(f"{name:10s} {spec.label}" + ("" if name in available else "   (not in this version of recsys_lib)"))
        return 0
    if args.data is None:
        print("recsys-course evaluate: --data is required (or --list-models)", file=sys.stderr)
        return 2
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else available
    unknown = [m for m in models if m not in available]
    if unknown:
        print(f"recsys-course evaluate: model(s) {', '.join(unknown)} not available; "
              f"available: {', '.join(available)}", file=sys.stderr)
        return 2
    try:
        result = evaluate_real(args.data, args.path, models, download=args.download, cache=args.cache,
                               nrows=args.nrows, k=args.k, exclude_seen=not args.keep_seen,
                               max_cases=args.max_users, seed=args.seed, progress=not args.no_progress)
    except RealDataNotFound as exc:
        print(f"recsys-course evaluate: {exc}", file=sys.stderr)
        return 2
    except (RealDataError, ValueError) as exc:
        print(f"recsys-course evaluate: {exc}", file=sys.stderr)
        return 1
    print(result.log.summary())
    print()
    print(result.report())
    return 0


def _add_evaluate(sub) -> None:
    ev = sub.add_parser(
        "evaluate", help="run the course's recommenders on a real log (leave-last-out, HR/NDCG/MRR@10)",
        description="Load a public e-commerce log (recsys_lib.data.real), hold out each user's last "
                    "interaction, rank the full catalogue with each model and print HR@K, NDCG@K and "
                    "MRR@K. Nothing is downloaded unless --download is given. Exit codes: 0 done, "
                    "1 unreadable data or nothing to evaluate, 2 usage error or data not found.")
    ev.add_argument("--data", choices=REAL_DATA, help="the data set")
    ev.add_argument("--path", default=None, help="a local copy (file, zip or folder; default: the cache folder)")
    ev.add_argument("--download", action="store_true",
                    help="download the data set into the cache folder first if it is missing (MovieLens, UCI)")
    ev.add_argument("--cache", default=None, help="cache folder (default: $RECSYS_COURSE_DATA or ~/.cache/recsys-course)")
    ev.add_argument("--models", default=None,
                    help="comma-separated models, e.g. pop,itemknn (default: every available one; see --list-models)")
    ev.add_argument("--list-models", action="store_true", help="list the models this version can run")
    ev.add_argument("--k", type=int, default=10, help="cut-off K of the metrics (default 10)")
    ev.add_argument("--keep-seen", action="store_true", help="allow items already in the user's history")
    ev.add_argument("--max-users", type=int, default=None, help="evaluate a random sample of this many users")
    ev.add_argument("--nrows", type=int, default=None, help="read only the first rows of the file")
    ev.add_argument("--seed", type=int, default=0, help="seed of the user sample and of seeded models (default 0)")
    ev.add_argument("--no-progress", action="store_true", help="no progress bar")
    ev.set_defaults(handler=_cmd_evaluate)


def add_commands(sub) -> None:
    """Register the toolbox's sub-commands (``data ...``, ``evaluate``) on a ``recsys-course`` parser."""
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
    _add_evaluate(sub)
