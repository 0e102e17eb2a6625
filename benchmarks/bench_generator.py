"""Benchmark: ShopSim generation speed and the shipped shop's load time.

    python benchmarks/bench_generator.py            # 1M-event shop + shipped load
    python benchmarks/bench_generator.py --events 100000

Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from recsys_lib.data import load_shop, shipped_shop_path
from recsys_lib.simulation import ShopConfig, generate_shop, write_shop


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="target number of events (approximate)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (the median is reported)")
    args = parser.parse_args(argv)

    shipped = ShopConfig.shipped()
    per_user = len(load_shop().events) / shipped.n_users
    n_users = max(50, round(args.events / per_user))
    config = shipped.replace(n_users=n_users, n_items=max(100, shipped.n_items * n_users // shipped.n_users))
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        shop = generate_shop(config)
        times.append(time.perf_counter() - start)
    gen = statistics.median(times)
    n_events = len(shop.tables.events)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_shop(shop, tmp)
        write_s = time.perf_counter() - start
    loads = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        load_shop()
        loads.append(time.perf_counter() - start)
    size = sum(p.stat().st_size for p in Path(shipped_shop_path()).glob("*.csv*"))
    result = {"events": n_events, "users": n_users, "generate_s": gen, "events_per_s": n_events / gen,
              "write_s": write_s, "shipped_load_s": statistics.median(loads), "shipped_mb": size / 1e6}
    print(f"generated {n_events:,} events ({n_users:,} users, {config.n_items:,} items) "
          f"in {gen:.2f} s (median of {args.repeat}): {n_events / gen:,.0f} events/s; written in {write_s:.2f} s")
    print(f"shipped shop: {size / 1e6:.2f} MB on disk, load_shop() in {result['shipped_load_s']:.3f} s "
          f"(median of {args.repeat})")
    return result


if __name__ == "__main__":
    main()
