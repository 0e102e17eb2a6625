"""Sub-commands of ``recsys-course`` that belong to grading: ``release``, ``check`` and ``grade``.

nbgrader is imported lazily inside the handlers (through ``autograder.nbgrader_runner``), so
``recsys-course --help`` stays fast.

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

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_POINTS_LOST = 1
EXIT_USAGE = 2
EXIT_COULD_NOT_GRADE = 3

#: Wall-clock limit of one ``check`` run (the per-cell limit is in autograder.config).
DEFAULT_CHECK_TIMEOUT = 600


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
        description="Grade NOTEBOOK with nbgrader's autograde in a temporary course directory and "
                    "print the points per exercise. Exit codes: 0 full marks, 1 points lost, "
                    "2 usage error, 3 could not grade.")
    chk.add_argument("notebook", metavar="NOTEBOOK", help="path of the notebook to grade")
    chk.add_argument("--module", default=None,
                     help="module it belongs to, e.g. 00_shop_data (default: from the file or folder name)")
    chk.add_argument("--course-root", default=None, help="the course directory (default: found from here)")
    chk.add_argument("--timeout", type=float, default=DEFAULT_CHECK_TIMEOUT,
                     help=f"wall-clock limit of the whole run in seconds (default {DEFAULT_CHECK_TIMEOUT})")
    chk.add_argument("--feedback", metavar="HTML", default=None,
                     help="also write the HTML feedback (hidden tests removed) to this file")
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
                     help="parallel workers (default: the number of cores)")
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


def _root(args) -> Path | None:
    from autograder.release import CourseRootNotFound, find_course_root

    try:
        return find_course_root(args.course_root)
    except CourseRootNotFound as exc:
        _err(str(exc))
        return None


# --------------------------------------------------------------------------- release
def cmd_release(args: argparse.Namespace) -> int:
    from autograder.nbgrader_runner import GradingError
    from autograder.release import release

    root = _root(args)
    if root is None:
        return EXIT_USAGE
    try:
        result = release(root, args.modules or None, check=args.check)
    except KeyError as exc:
        _err(str(exc.args[0]))
        return EXIT_USAGE
    except GradingError as exc:
        _err(str(exc))
        return 3
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
def _identify_module(path: Path, known: list[str], explicit: str | None) -> str | None:
    if explicit:
        return explicit if explicit in known else None
    for name in (path.stem, path.parent.name):
        if name in known:
            return name
    return None


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:g}"


def format_result(result, notebook: str) -> str:
    """The table ``check`` prints for one NotebookResult."""
    from autograder.nbgrader_runner import MANUAL

    lines = [f"Grading {notebook} ({result.assignment})", ""]
    if not result.graded:
        lines.append(f"could not grade: {result.reason}")
        lines.append("No points were recorded; this is not a score of zero. Fix the problem and run again.")
        return "\n".join(lines)
    rows = [("exercise", "points", "max", "status", "feedback")]
    for e in result.exercises:
        status = "manual" if e.status == MANUAL else e.status
        feedback = e.first_line
        if e.status == MANUAL and e.points is None:
            feedback = "written answer: graded by a person (compare with solutions/)"
        rows.append((e.grade_id, _fmt(e.points), _fmt(e.max_points), status, _clip(feedback, 160)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, r in enumerate(rows):
        lines.append("  ".join(r[j].ljust(widths[j]) if j in (0, 3) else r[j].rjust(widths[j])
                               for j in range(4)) + "  " + r[4])
        if i == 0:
            lines.append("-" * (sum(widths) + 8 + 40))
    total = f"Total: {_fmt(result.score)} / {_fmt(result.max_score)} automatically graded points"
    if result.manual_max:
        total += f" (+ {_fmt(result.manual_max)} points for written answers, graded by a person)"
    lines += ["", total]
    if result.full_marks:
        lines.append("All tests passed, hidden tests included.")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    from autograder.config import REPOSITORY_LAYOUT
    from autograder.nbgrader_runner import GradingError, grade_notebooks
    from autograder.release import discover_modules

    path = Path(args.notebook)
    if not path.is_file():
        _err(f"no such notebook: {path}")
        return EXIT_USAGE
    root = _root(args)
    if root is None:
        return EXIT_USAGE
    known = discover_modules(root)
    module = _identify_module(path, known, args.module)
    if module is None:
        _err(f"cannot tell which module {path} belongs to; pass --module (one of {', '.join(known)})")
        return EXIT_USAGE
    start = time.perf_counter()
    try:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="recsys-check-") as tmp:
            results = grade_notebooks(module, root / REPOSITORY_LAYOUT.source / module,
                                      {"learner": path}, workdir=tmp, timeout=args.timeout,
                                      feedback=bool(args.feedback))
            result = results["learner"]
            if args.feedback and result.feedback_html is not None:
                Path(args.feedback).write_bytes(result.feedback_html.read_bytes())
    except GradingError as exc:
        print(f"Grading {path} ({module})\n\ncould not grade: {exc}")
        return EXIT_COULD_NOT_GRADE
    print(format_result(result, str(path)))
    print(f"(graded in {time.perf_counter() - start:.1f} s)")
    if not result.graded:
        return EXIT_COULD_NOT_GRADE
    return EXIT_OK if result.full_marks else EXIT_POINTS_LOST


# --------------------------------------------------------------------------- grade
def cmd_grade(args: argparse.Namespace) -> int:
    import signal

    from autograder.batch import BatchError, grade_class, summary_table
    from autograder.lms import SubmissionsError

    root = _root(args)
    if root is None:
        return EXIT_USAGE
    if not Path(args.submissions).exists():
        _err(f"no such folder or zip file: {args.submissions}")
        return EXIT_USAGE
    if args.jobs is not None and args.jobs < 1:
        _err("--jobs must be at least 1")
        return EXIT_USAGE

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        result = grade_class(args.submissions, args.module, course_root=root, out=args.out,
                             jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory_mb,
                             cell_timeout=args.cell_timeout, roster=args.roster, force=args.force,
                             progress=not args.no_progress)
    except SubmissionsError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except BatchError as exc:
        _err(str(exc))
        return EXIT_USAGE if "unknown module" in str(exc) else EXIT_COULD_NOT_GRADE
    except KeyboardInterrupt:
        _err("interrupted: the students graded so far are kept; run the same command to resume")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(summary_table(result))
    return EXIT_OK if result.all_graded else 1
