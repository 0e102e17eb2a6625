"""Benchmark: import time of recsys_lib and its sub-modules, each in a fresh interpreter.

    python benchmarks/bench_import.py

Prints the median of 3 runs per import, and whether TensorFlow was imported (it must not be).
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys

MODULES = ("recsys_lib", "recsys_lib.data", "recsys_lib.simulation", "recsys_lib.tasks", "recsys_lib.metrics",
           "recsys_lib.features", "recsys_lib.models", "recsys_lib.gradcheck")
PROBE = ("import json, sys, time; t = time.perf_counter(); import {m}; "
         "print(json.dumps([time.perf_counter() - t, 'tensorflow' in sys.modules]))")


def main() -> dict[str, float]:
    result = {}
    for module in MODULES:
        runs = [json.loads(subprocess.run([sys.executable, "-c", PROBE.format(m=module)], capture_output=True,
                                          text=True, check=True).stdout) for _ in range(3)]
        seconds = statistics.median(r[0] for r in runs)
        result[module] = seconds
        print(f"import {module:<24} {seconds:6.3f} s   tensorflow imported: {any(r[1] for r in runs)}")
    return result


if __name__ == "__main__":
    main()
