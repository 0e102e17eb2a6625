"""Benchmark: `recsys-course grade` throughput on a class of identical correct submissions.

    python benchmarks/bench_grading.py                                   # 40 copies of module 01, 1 and 2 workers
    python benchmarks/bench_grading.py --module 00_shop_data --copies 40 --jobs 1 2

For each number of workers it grades COPIES copies of the module's solution notebook from scratch
(fresh output folder, nothing cached) and prints notebooks graded per minute. It also runs the
same notebook once with plain nbclient (a fresh kernel, no nbgrader) in the same run, and prints
the per-notebook overhead of grading over that plain run:

    overhead = wall time x workers / copies - plain run time (measured before grading)

i.e. the worker-seconds each notebook costs beyond executing it (nbgrader start-up,
generate_assignment, autograde bookkeeping, the gradebook step, feedback). COURSE_SPEC §6:
grading one notebook should cost at most its run time plus 10 s. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.batch import grade_class  # noqa: E402

CHECK_OVERHEAD_S = 10


def plain_run(path: Path) -> float:
    """Seconds to execute ``path`` top to bottom in a fresh kernel with nbclient."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_notebooks import run_notebook

    return run_notebook(path)


def make_class(folder: Path, notebook: Path, copies: int) -> Path:
    for i in range(1, copies + 1):
        dest = folder / f"student{i:03d}" / notebook.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, dest)
    return folder


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="01_linear_regression")
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--course-root", default=str(ROOT))
    args = parser.parse_args(argv)
    root = Path(args.course_root)
    notebook = root / "solutions" / args.module / f"{args.module}.ipynb"
    if not notebook.is_file():
        parser.error(f"no solution notebook {notebook}")

    plain = plain_run(notebook)
    print(f"module {args.module}: plain nbclient run of the solution: {plain:.1f} s (before grading)")
    figures: dict = {"module": args.module, "copies": args.copies, "plain_s": plain, "runs": {}}
    header = (f"{'workers':>7} {'copies':>6} {'wall s':>8} {'nb/min':>8} {'mean s/nb':>10} "
              f"{'overhead s/nb':>14} {'all graded':>11}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        subs = make_class(Path(tmp) / "class", notebook, args.copies)
        for jobs in args.jobs:
            out = Path(tmp) / f"out-{jobs}"
            start = time.perf_counter()
            result = grade_class(subs, args.module, course_root=root, out=out, jobs=jobs,
                                 progress=sys.stderr.isatty(), echo=lambda *a: None)
            wall = time.perf_counter() - start
            per_min = args.copies / wall * 60
            worker_s = [r.seconds for r in result.rows if r.seconds is not None]
            overhead = wall * jobs / args.copies - plain
            ok = all(r.status == "graded" and r.score is not None for r in result.rows)
            figures["runs"][jobs] = {"wall_s": wall, "per_minute": per_min, "overhead_s": overhead,
                                     "mean_worker_s": statistics.mean(worker_s) if worker_s else None,
                                     "all_graded": ok}
            rows.append(f"{jobs:>7} {args.copies:>6} {wall:>8.1f} {per_min:>8.1f} "
                        f"{statistics.mean(worker_s) if worker_s else float('nan'):>10.1f} "
                        f"{overhead:>14.1f} {str(ok):>11}")
            shutil.rmtree(out, ignore_errors=True)
    plain_after = plain_run(notebook)
    print(f"plain nbclient run again after grading: {plain_after:.1f} s (a large change means the "
          "machine's load changed during the benchmark)")
    figures["plain_after_s"] = plain_after
    print(header)
    for row in rows:
        print(row)
    worst = max(r["overhead_s"] for r in figures["runs"].values())
    print(f"budget (COURSE_SPEC §6): grading costs at most run time + {CHECK_OVERHEAD_S} s per notebook; "
          f"largest overhead measured: {worst:.1f} s "
          f"({'within' if worst <= CHECK_OVERHEAD_S else 'OVER'} budget)")
    return figures


if __name__ == "__main__":
    main()
