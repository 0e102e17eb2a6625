"""Sub-commands of ``recsys-course`` that belong to grading: ``release`` and ``check``.

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
