"""Benchmark: `recsys-course grade` throughput on a class of identical correct submissions, and
where one student's grading time goes.

    python benchmarks/bench_grading.py                                   # 40 copies of module 01, 1 and 2 workers
    python benchmarks/bench_grading.py --module 00_shop_data --copies 40 --jobs 1 2
    python benchmarks/bench_grading.py --profile                         # one student, step by step
    python benchmarks/bench_grading.py --check                           # `recsys-course check` vs a plain run

For each number of workers it grades COPIES copies of the module's solution notebook from scratch
(fresh output folder, nothing cached) and prints notebooks graded per minute. It runs the same
notebook with plain nbclient (a fresh kernel, no nbgrader) in the same run, before and after, and
prints the per-notebook overhead of grading over that plain run:

    overhead = wall time x workers / copies - plain run time (measured before grading)

i.e. the worker-seconds each notebook costs beyond executing it, and the share of the plain-run
limit reached (``workers x 60 / plain`` notebooks per minute: the notebooks alone, no grading).
COURSE_SPEC §6: grading one notebook should cost at most its run time plus 10 s.
Prints figures; asserts nothing. The machine's load average is printed with them.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHECK_OVERHEAD_S = 10


def plain_run(path: Path) -> float:
    """Seconds to execute ``path`` top to bottom in a fresh kernel with nbclient."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_notebooks import run_notebook

    return run_notebook(path)


def cpu_seconds(who) -> float:
    import resource

    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def plain_run_cpu(path: Path) -> tuple[float, float]:
    """(wall s, CPU s of this process and the kernel) of one plain nbclient run."""
    import resource

    before = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
    wall = plain_run(path)
    return wall, cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - before


_GRADE = """
import json, sys
sys.path.insert(0, {root!r})
from autograder.batch import grade_class
r = grade_class({subs!r}, {module!r}, course_root={root!r}, out={out!r}, jobs={jobs}, progress=False,
                echo=lambda *a: None)
import multiprocessing.forkserver as fs
if getattr(fs._forkserver, "_forkserver_pid", None):
    fs._forkserver._stop()          # reap the grading forkserver, so its CPU time is counted
print(json.dumps([[row.student, str(row.status), row.score, row.seconds] for row in r.rows]))
"""


def grade_in_subprocess(root: Path, subs: Path, module: str, out: Path, jobs: int) -> tuple[float, float, list]:
    """Grade the class as `recsys-course grade` would, in a process of its own: (wall s, CPU s of
    every process it started, waited for, rows). Every grading process is reaped by its parent,
    so the CPU time of all of them (kernels included) is counted."""
    import json
    import resource

    code = _GRADE.format(root=str(root), subs=str(subs), module=module, out=str(out), jobs=jobs)
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - before
    if proc.returncode != 0:
        raise RuntimeError(f"grading failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return wall, cpu, json.loads(proc.stdout.strip().splitlines()[-1])


def load() -> str:
    return "load average %.1f %.1f %.1f" % os.getloadavg() if hasattr(os, "getloadavg") else "load unknown"


def make_class(folder: Path, notebook: Path, copies: int) -> Path:
    for i in range(1, copies + 1):
        dest = folder / f"student{i:03d}" / notebook.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, dest)
    return folder


def throughput(root: Path, module: str, notebook: Path, copies: int, jobs_list: list[int]) -> dict:
    plain, plain_cpu = plain_run_cpu(notebook)
    print(f"module {module}: plain nbclient run of the solution: {plain:.1f} s, {plain_cpu:.1f} CPU s "
          f"(before grading; {load()})")
    figures: dict = {"module": module, "copies": copies, "plain_s": plain, "plain_cpu_s": plain_cpu, "runs": {}}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        subs = make_class(Path(tmp) / "class", notebook, copies)
        for jobs in jobs_list:
            out = Path(tmp) / f"out-{jobs}"
            wall, cpu, result = grade_in_subprocess(root, subs, module, out, jobs)
            per_min = copies / wall * 60
            worker_s = [r[3] for r in result if r[3] is not None]
            overhead = wall * jobs / copies - plain
            cpu_overhead = cpu / copies - plain_cpu
            limit = jobs * 60 / plain
            ok = len(result) == copies and all(r[1] == "graded" and r[2] is not None for r in result)
            figures["runs"][jobs] = {"wall_s": wall, "per_minute": per_min, "overhead_s": overhead,
                                     "cpu_s": cpu, "cpu_overhead_s": cpu_overhead,
                                     "plain_limit_per_minute": limit, "share_of_limit": per_min / limit,
                                     "mean_worker_s": statistics.mean(worker_s) if worker_s else None,
                                     "all_graded": ok, "load": load()}
            rows.append(f"{jobs:>7} {copies:>6} {wall:>8.1f} {per_min:>8.1f} {limit:>10.1f} "
                        f"{100 * per_min / limit:>6.0f}% "
                        f"{statistics.mean(worker_s) if worker_s else float('nan'):>10.1f} "
                        f"{overhead:>14.1f} {cpu_overhead:>13.1f} {str(ok):>11}   {load()}")
            shutil.rmtree(out, ignore_errors=True)
    plain_after, plain_cpu_after = plain_run_cpu(notebook)
    print(f"plain nbclient run again after grading: {plain_after:.1f} s, {plain_cpu_after:.1f} CPU s (a large "
          f"change means the machine's load changed during the benchmark; {load()})")
    figures["plain_after_s"] = plain_after
    print(f"{'workers':>7} {'copies':>6} {'wall s':>8} {'nb/min':>8} {'limit/min':>10} {'share':>7} "
          f"{'mean s/nb':>10} {'overhead s/nb':>14} {'CPU over/nb':>13} {'all graded':>11}")
    for row in rows:
        print(row)
    worst = max(r["overhead_s"] for r in figures["runs"].values())
    print("limit/min: notebooks per minute the plain runs alone allow (workers x 60 / plain run); share: "
          "nb/min as a share of it.\noverhead s/nb: wall x workers / copies - plain run (worker-seconds "
          "beyond the run itself); CPU over/nb: CPU seconds of every grading process per notebook - CPU "
          "seconds of the plain run (less sensitive to other load on the machine).")
    print(f"budget (COURSE_SPEC §6): grading costs at most run time + {CHECK_OVERHEAD_S} s per notebook; "
          f"largest overhead measured: {worst:.1f} s "
          f"({'within' if worst <= CHECK_OVERHEAD_S else 'OVER'} budget)")
    return figures


def profile(root: Path, module: str, notebook: Path) -> dict:
    """One student's grading, step by step, as a batch does it (the steps once per batch first)."""
    from autograder.assignment import generate_template, run_steps
    from autograder.batch_layout import Paths
    from autograder.batch_record import Recorder
    from autograder.student import StudentJob, grade_student

    parts: list[tuple[str, float, str]] = []
    plain = plain_run(notebook)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        _, first = run_steps(tmp / "warm", [], timeout=120, method="fork")
        parts.append(("forkserver start (imports nbgrader once)", time.perf_counter() - start, "per batch"))
        _, forked = run_steps(tmp / "fork", [], timeout=120, method="fork")
        parts.append(("a forked child process (start to exit)", forked.seconds, "per student"))
        _, execd = run_steps(tmp / "exec", [], timeout=120, method="exec")
        parts.append(("a fresh interpreter instead (python -m, nbgrader import)", execd.seconds, "for comparison"))
        start = time.perf_counter()
        template, records = generate_template(module, notebook.parent, tmp / "gen", method="fork")
        parts.append(("generate_assignment (child process)", time.perf_counter() - start, "per batch"))
        job = StudentJob(module, "student001", notebook.read_bytes(), template, timeout=600, profile=True)
        start = time.perf_counter()
        outcome = grade_student(job, workdir=tmp / "student", method="fork")
        wall = time.perf_counter() - start
        step = next(s for s in outcome.steps if s["step"] == "autograde")
        parts.append(("  fork -> autograde starts", step["started"] - (time.time() - wall), "per student"))
        times = step.get("profile", {})
        execute = times.get("execute (kernel start included)", 0.0)
        kernel = times.get("kernel start", 0.0)
        known = 0.0
        for label in ("set-up (student, submission, files)", "sanitize: restore locked cells", "kernel start"):
            parts.append((f"  {label}", times.get(label, 0.0), "per student"))
            known += times.get(label, 0.0)
        parts.append(("  execution of the cells", execute - kernel, "per student"))
        for label in ("SaveAutoGrades", "write notebooks"):
            parts.append((f"  {label}", times.get(label, 0.0), "per student"))
            known += times.get(label, 0.0)
        known += execute - kernel
        parts.append(("  rest of nbgrader autograde (app, preprocessors, gradebook)", step["seconds"] - known,
                      "per student"))
        parts.append(("autograde in the child (all of the above)", step["seconds"], "per student"))
        parts.append(("child process, start to result read back", wall, "per student"))
        out = tmp / "out"
        paths = Paths(out, module)
        from autograder.assignment import generate_step
        from autograder.batch_layout import RECORD_LAYOUT, prepare_out

        source_dir = prepare_out(root, out, module)
        run_steps(tmp / "durable", [generate_step(out, module, RECORD_LAYOUT, durable=True)], timeout=600, method="fork")
        paths.autograded("student001").parent.mkdir(parents=True, exist_ok=True)
        paths.autograded("student001").write_text(outcome.autograded_text or
                                                  outcome.result.autograded.read_text(encoding="utf-8"))
        start = time.perf_counter()
        recorder = Recorder(paths, source_dir, template.source_nb())
        parts.append(("open the durable gradebook + feedback renderer (parent)", time.perf_counter() - start, "per batch"))
        for label, fn in (("record: SaveAutoGrades into the durable gradebook", lambda: recorder.record("student001", False)),
                          ("feedback page (first: templates load)", lambda: recorder.feedback("student001")),
                          ("feedback page", lambda: recorder.feedback("student001"))):
            start = time.perf_counter()
            fn()
            parts.append((label, time.perf_counter() - start, "per student"))
        recorder.close()
    print(f"module {module}: one student's grading, step by step ({load()})")
    print(f"plain nbclient run of the same notebook: {plain:.2f} s (kernel start + execution)")
    for label, seconds, when in parts:
        print(f"  {label:<66} {seconds:7.2f} s   {when}")
    warm = {label: seconds for label, seconds, _ in parts}
    per_student = wall + warm["record: SaveAutoGrades into the durable gradebook"] + warm["feedback page"]
    print(f"per student in all (child process + record + feedback page): {per_student:.2f} s; "
          f"over the plain run: {per_student - plain:+.2f} s")
    return {"plain_s": plain, "parts": parts, "per_student_s": per_student}


def check_overhead(root: Path, module: str, notebook: Path, repeats: int) -> dict:
    """`recsys-course check` on the solution against a plain run, alternating, ``repeats`` times."""
    import resource

    rows = []
    for _ in range(repeats):
        plain, plain_cpu = plain_run_cpu(notebook)
        before = cpu_seconds(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "autograder.cli", "check", str(notebook),
                               "--course-root", str(root)], capture_output=True, text=True)
        check = time.perf_counter() - start
        cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - before
        rows.append({"plain_s": plain, "check_s": check, "overhead_s": check - plain,
                     "cpu_overhead_s": cpu - plain_cpu, "exit": proc.returncode})
        print(f"plain run {plain:6.1f} s   check {check:6.1f} s   overhead {check - plain:+5.1f} s   "
              f"CPU overhead {cpu - plain_cpu:+5.1f} s   exit {proc.returncode}   {load()}")
    print(f"check overhead over a plain run (target: at most 2 s): median "
          f"{statistics.median(r['overhead_s'] for r in rows):+.1f} s, best {min(r['overhead_s'] for r in rows):+.1f} s; "
          f"CPU: median {statistics.median(r['cpu_overhead_s'] for r in rows):+.1f} s")
    return {"runs": rows}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default="01_linear_regression")
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile", action="store_true", help="where one student's grading time goes")
    parser.add_argument("--check", type=int, nargs="?", const=3, default=0, metavar="N",
                        help="time `recsys-course check` against a plain run, N times (default 3)")
    parser.add_argument("--course-root", default=str(ROOT))
    args = parser.parse_args(argv)
    root = Path(args.course_root)
    notebook = root / "solutions" / args.module / f"{args.module}.ipynb"
    if not notebook.is_file():
        parser.error(f"no solution notebook {notebook}")
    if args.profile:
        return profile(root, args.module, notebook)
    if args.check:
        return check_overhead(root, args.module, notebook, args.check)
    return throughput(root, args.module, notebook, args.copies, args.jobs)


if __name__ == "__main__":
    main()
