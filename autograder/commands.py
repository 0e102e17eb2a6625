"""Sub-commands of ``recsys-course`` that belong to grading: ``release``, ``check`` and ``grade``.

nbgrader is imported lazily inside the handlers (in child processes, or through
``autograder.batch``), so ``recsys-course --help`` stays fast. Exit codes are decided by exception
type (``autograder.errors``: every error carries its ``exit_code``), never by message text.

Exit codes
----------
release:  0 done / ``--check``: course/ is up to date;  1 ``--check``: some files drifted (listed);
          2 usage error (unknown module, no course directory);  3 nbgrader failed to generate.
check:    0 graded, full marks on every automatically graded exercise;
          1 graded, some points lost;  2 usage error (no such file, unknown module);
          3 could not grade (invalid notebook, dead kernel, time limit, grader failure) -
            reported with the reason, never as zero points.
grade:    0 every student graded;  1 the batch finished and the CSV was written, but some rows
          need attention (could_not_grade, flagged or missing);  2 usage error (no such folder or
          zip, unknown module, unreadable roster);  3 the grader itself failed (nbgrader could not
          set up the assignment or the gradebook): no CSV;  130 interrupted (results of the
          students already graded are kept; run the same command again to resume).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from autograder.errors import (EXIT_ATTENTION, EXIT_GRADER_FAILED, EXIT_INTERRUPTED, EXIT_OK,  # noqa: F401
                               EXIT_POINTS_LOST, EXIT_USAGE, CourseToolError, UsageError)

EXIT_DRIFT = EXIT_ATTENTION
EXIT_COULD_NOT_GRADE = EXIT_GRADER_FAILED


def add_commands(subparsers) -> None:
    """Register the grading sub-commands on the ``recsys-course`` parser."""
    rel = subparsers.add_parser(
        "release", help="regenerate course/ from solutions/ (nbgrader generate_assignment)",
        description="Regenerate course/MODULE/ from solutions/MODULE/ with nbgrader's "
                    "generate_assignment and normalise the notebooks (outputs cleared, stable "
                    "metadata). Exit codes: 0 ok, 1 drift (--check), 2 usage error, 3 nbgrader failed.")
    rel.add_argument("modules", nargs="*", metavar="MODULE",
                     help="module folder names, e.g. 00_shop_data (default: all)")
    rel.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 and list the notebooks that differ from a fresh release")
    rel.add_argument("--course-root", default=None, help="the course directory (default: found from here)")
    rel.set_defaults(handler=cmd_release)

    chk = subparsers.add_parser(
        "check", help="grade one notebook locally with nbgrader (hidden tests included)",
        description="Grade NOTEBOOK with nbgrader's autograde in a temporary course directory, under "
                    "the limits `recsys-course grade` uses, and print the points per exercise. "
                    "Exit codes: 0 full marks, 1 points lost, 2 usage error, 3 could not grade.")
    chk.add_argument("notebook", metavar="NOTEBOOK", help="path of the notebook to grade")
    chk.add_argument("--module", default=None,
                     help="module it belongs to, e.g. 00_shop_data (default: from the file or folder name)")
    chk.add_argument("--course-root", default=None, help="the course directory (default: found from here)")
    chk.add_argument("--timeout", type=float, default=None,
                     help="wall-clock limit of the whole run in seconds (default: the module's, "
                          "600; 1200 for TensorFlow modules)")
    chk.add_argument("--cell-timeout", type=float, default=None,
                     help="per-cell limit in seconds (default: the module's, 60; 300 for TensorFlow modules)")
    chk.add_argument("--memory-mb", type=int, default=0,
                     help="address-space limit of the grading process and its kernel in MB, as "
                          "`grade` uses (default: none)")
    chk.add_argument("--feedback", metavar="HTML", default=None,
                     help="also write the HTML feedback page (hidden tests removed, model answers "
                          "of the written questions shown) to this file")
    chk.add_argument("--answers", action="store_true",
                     help="after grading, print the model answers of the written questions")
    chk.set_defaults(handler=cmd_check)

    grd = subparsers.add_parser(
        "grade", help="grade a whole class (a folder or an LMS zip) with nbgrader, in parallel",
        description="Grade every student's notebook of MODULE in SUBMISSIONS (a folder STUDENT_ID/"
                    "...ipynb, or a Canvas/Moodle zip) with nbgrader, each student in its own process "
                    "with a time and memory limit; write a grade CSV, per-student feedback and a "
                    "summary. Results are cached: running it again grades only what changed. "
                    "Exit codes: 0 all graded, 1 some rows need attention (could_not_grade, "
                    "flagged, missing), 2 usage error, 3 grader failure, 130 interrupted.")
    grd.add_argument("submissions", metavar="SUBMISSIONS", help="folder of student folders, or an LMS zip")
    grd.add_argument("--module", required=True, help="module folder name, e.g. 00_shop_data")
    grd.add_argument("--jobs", "-j", type=int, default=None,
                     help="parallel workers on this machine (default: the number of cores)")
    grd.add_argument("--dask", metavar="SCHEDULER", default=None,
                     help="grade on a Dask distributed cluster instead (scheduler address, e.g. "
                          "tcp://host:8786; its workers need this package installed)")
    grd.add_argument("--out", default=None,
                     help="nbgrader course directory for the gradebook, feedback and grade CSV "
                          "(default: the course repository; files go under its git-ignored work/)")
    grd.add_argument("--roster", default=None,
                     help="CSV of student ids (column student/student_id/id, else the first): "
                          "students without a submission are listed as missing")
    grd.add_argument("--timeout", type=float, default=None,
                     help="wall-clock limit of one student's whole notebook in seconds "
                          "(default 600; 1200 for TensorFlow modules)")
    grd.add_argument("--cell-timeout", type=float, default=None,
                     help="per-cell limit in seconds; the cell is interrupted and the rest still runs "
                          "(default: the module's, 60 s; 300 s for TensorFlow modules)")
    grd.add_argument("--memory-mb", type=int, default=None,
                     help="address-space limit of each grading process in MB (default 4096; "
                          "16384 for TensorFlow modules; 0: no limit)")
    grd.add_argument("--force", action="store_true", help="grade every notebook again, ignoring cached results")
    grd.add_argument("--no-progress", action="store_true", help="no progress bar")
    grd.add_argument("--course-root", default=None, help="the course directory (default: found from here)")
    grd.set_defaults(handler=cmd_grade)


def _err(message: str) -> None:
    print(f"recsys-course: {message}", file=sys.stderr)


def _failed(exc: CourseToolError) -> int:
    _err(str(exc))
    return exc.exit_code


def _root(args) -> Path:
    from autograder.release import find_course_root

    return find_course_root(args.course_root)


# --------------------------------------------------------------------------- release
def cmd_release(args: argparse.Namespace) -> int:
    from autograder.release import release

    try:
        root = _root(args)
        result = release(root, args.modules or None, check=args.check)
    except CourseToolError as exc:
        return _failed(exc)
    if args.check:
        if result.drifted:
            print("course/ differs from what `recsys-course release` generates:")
            for path in result.drifted:
                print(f"  {path}")
            print("Run `recsys-course release` and commit the result.")
            return EXIT_DRIFT
        print("course/ is up to date.")
        return EXIT_OK
    for path in result.written:
        print(f"wrote {path.relative_to(root)}")
    for path in result.drifted:
        if "(no source" in path:
            print(f"warning: {path}")
    return EXIT_OK


# --------------------------------------------------------------------------- check
def identify_module(path: Path, known: list[str], explicit: str | None) -> str:
    """The module a notebook belongs to: ``explicit``, else its file or folder name."""
    from autograder.errors import UnknownModule

    if explicit:
        if explicit not in known:
            raise UnknownModule(explicit, known)
        return explicit
    for name in (path.stem, path.parent.name):
        if name in known:
            return name
    raise UsageError(f"cannot tell which module {path} belongs to; pass --module (one of {', '.join(known)})")


def check_limits(module: str, args: argparse.Namespace):
    """The limits ``check`` grades under: the module's (``autograder.limits``; TensorFlow modules
    get the longer per-cell and whole-notebook limits) unless given on the command line."""
    from autograder.limits import limits_for

    return limits_for(module, timeout=args.timeout, cell_timeout=args.cell_timeout,
                      memory_mb=args.memory_mb or 0)


def cmd_check(args: argparse.Namespace) -> int:
    import tempfile

    import autograder._fast_imports  # noqa: F401
    from autograder.check_table import answers_after, format_result
    from autograder.config import REPOSITORY_LAYOUT
    from autograder.nbgrader_runner import GradingError, grade_notebooks
    from autograder.release import discover_modules

    path = Path(args.notebook)
    try:
        if not path.is_file():
            raise UsageError(f"no such notebook: {path}")
        root = _root(args)
        module = identify_module(path, discover_modules(root), args.module)
    except CourseToolError as exc:
        return _failed(exc)
    limits = check_limits(module, args)
    source = root / REPOSITORY_LAYOUT.source / module
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="recsys-check-") as tmp:
            config = {"CourseExecute.timeouts": {module: int(limits.cell_timeout)}}
            result = grade_notebooks(module, source, {"learner": path}, workdir=tmp,
                                     timeout=limits.notebook_timeout, feedback=bool(args.feedback),
                                     config=config, memory_mb=limits.memory_mb)["learner"]
            if args.feedback and result.feedback_html is not None:
                Path(args.feedback).write_bytes(result.feedback_html.read_bytes())
    except GradingError as exc:
        print(f"Grading {path} ({module})\n\ncould not grade: {exc}")
        return exc.exit_code
    print(format_result(result, str(path)))
    from autograder.tamper import check_warnings  # would `grade` flag it? (tampering, toolbox policy)
    for line in check_warnings(path, root / REPOSITORY_LAYOUT.source / module / f"{module}.ipynb", module):
        print(line)
    if args.answers:
        print(answers_after(result, source / f"{module}.ipynb"))
    print(f"(graded in {time.perf_counter() - start:.1f} s; limits: {limits.describe()})")
    if not result.graded:
        return EXIT_COULD_NOT_GRADE
    return EXIT_OK if result.full_marks else EXIT_POINTS_LOST


# --------------------------------------------------------------------------- grade
def cmd_grade(args: argparse.Namespace) -> int:
    import signal

    import autograder._fast_imports  # noqa: F401
    from autograder.batch import grade_class, summary_table

    if args.jobs is not None and args.jobs < 1:
        return _failed(UsageError("--jobs must be at least 1"))

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    engine = None
    try:
        root = _root(args)
        if not Path(args.submissions).exists():
            raise UsageError(f"no such folder or zip file: {args.submissions}")
        if args.dask:
            from autograder.engines import DaskEngine

            engine = DaskEngine(args.dask)
        result = grade_class(args.submissions, args.module, course_root=root, out=args.out,
                             jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory_mb,
                             cell_timeout=args.cell_timeout, roster=args.roster, force=args.force,
                             progress=not args.no_progress, engine=engine)
    except CourseToolError as exc:
        return _failed(exc)
    except KeyboardInterrupt:
        _err("interrupted: the students graded so far are kept; run the same command to resume")
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        if engine is not None:
            engine.close()
    print(summary_table(result))
    return EXIT_OK if result.all_graded else EXIT_ATTENTION
