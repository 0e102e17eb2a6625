"""Benchmark: wall time of every solution notebook, run top to bottom, against the course budgets
(COURSE_SPEC §6: each notebook under 60 s, the capstone under 150 s, the whole course under 8 min),
and optionally the time of one `recsys-course check` per notebook (budget: run time + 10 s).

    python benchmarks/bench_notebooks.py                 # every module in solutions/
    python benchmarks/bench_notebooks.py 01_linear_regression --check

Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.config import KERNEL_EXTRA_ARGUMENTS, cell_timeout, grading_env
from autograder.release import discover_modules

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = {"08_embedding_lstm_recommender": 150}
DEFAULT_BUDGET_S, COURSE_BUDGET_S, CHECK_OVERHEAD_S = 60, 8 * 60, 10


def run_notebook(path: Path) -> float:
    """Execute a notebook in a fresh kernel (cwd = its folder); return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        client = NotebookClient(nb, timeout=cell_timeout(path.stem), kernel_name="python3",
                                extra_arguments=KERNEL_EXTRA_ARGUMENTS,
                                resources={"metadata": {"path": str(path.parent)}})
        env = grading_env(tmp)
        start = time.perf_counter()
        client.execute(env=env)
        return time.perf_counter() - start


def check_notebook(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.cli", "check", str(path)], cwd=ROOT,
                   capture_output=True, text=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to run (default: all in solutions/)")
    parser.add_argument("--check", action="store_true", help="also time one `recsys-course check` per notebook")
    args = parser.parse_args(argv)
    modules = args.modules or discover_modules(ROOT)
    results: dict[str, dict[str, float]] = {}
    print(f"{'module':<34}{'run s':>8}{'budget':>8}" + (f"{'check s':>9}{'overhead':>10}" if args.check else ""))
    for module in modules:
        path = ROOT / "solutions" / module / f"{module}.ipynb"
        run_s = run_notebook(path)
        budget = BUDGET_S.get(module, DEFAULT_BUDGET_S)
        row = {"run_s": run_s, "budget_s": budget}
        line = f"{module:<34}{run_s:8.1f}{budget:8d}"
        if args.check:
            row["check_s"] = check_notebook(path)
            line += f"{row['check_s']:9.1f}{row['check_s'] - run_s:+10.1f}"
        results[module] = row
        print(line + ("" if run_s <= budget else "   OVER BUDGET"))
    total = sum(r["run_s"] for r in results.values())
    print(f"{'whole course':<34}{total:8.1f}{COURSE_BUDGET_S:8d}")
    return results


if __name__ == "__main__":
    main()
