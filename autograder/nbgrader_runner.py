"""Run nbgrader's real pipeline (generate_assignment, autograde, feedback) on a few notebooks, each
student in a throw-away course directory of its own, and read the results back.

Public entry points::

    generate_release(assignment, source_dir, dest_dir)          -> Path   (used by `release`)
    grade_notebooks(assignment, source_dir, {student: path})    -> {student: NotebookResult}
                                                                   (check, mistake fixtures, tests)

Both run nbgrader in child processes (``autograder.childproc``), so that a wall-clock limit ends
them together with their kernels and nbgrader's configuration and logging never touch the
caller. One student: one child runs generate_assignment, autograde and the feedback page. Several:
generate_assignment runs once, and each student is graded in its own child (forked from the
grading forkserver), ``jobs`` at a time. A student who could not be graded is reported as "could
not grade" with a reason, never as zero points.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder import config as _config
from autograder.errors import GradingError  # noqa: F401  (public: raised by both entry points)
from autograder.results import (ExerciseResult, NotebookResult, failure_reason,  # noqa: F401
                                PUBLIC_PASSED)
from autograder.status import ExerciseStatus

LAYOUT = _config.TEMPORARY_LAYOUT

# Statuses of one exercise (the enum's members; kept under their old names).
PASSED, FAILED, PARTIAL = ExerciseStatus.PASSED, ExerciseStatus.FAILED, ExerciseStatus.PARTIAL
MANUAL, NOT_GRADED = ExerciseStatus.MANUAL, ExerciseStatus.NOT_GRADED


def grade_notebooks(assignment: str, source_dir: str | os.PathLike,
                    submissions: dict[str, str | os.PathLike], *, workdir: str | os.PathLike | None = None,
                    timeout: float | None = None, feedback: bool = False, config: dict | None = None,
                    jobs: int = 1, memory_mb: int = 0) -> dict[str, NotebookResult]:
    """Grade ``submissions`` ({student_id: notebook path}) of ``assignment`` against the source
    notebook in ``source_dir`` with nbgrader's autograde.

    ``workdir``: folder for the students' course directories (kept: results' paths point into it;
    default: a temporary folder that is removed afterwards, so those paths are then invalid).
    ``timeout``: wall-clock limit of the whole run in seconds (students not reached by then are
    "could not grade"). ``feedback``: also render leak-free HTML feedback with model answers.
    ``config``: extra nbgrader config as {"Section.name": value}. ``jobs``: students graded at
    once (one kernel each). ``memory_mb``: address-space limit per grading process (0: none).
    """
    from autograder.assignment import Template, generate_template
    from autograder.childproc import Running
    from autograder.student import VALID_STUDENT_ID, StudentJob, grade_student

    if not submissions:
        return {}
    for student in submissions:
        if not VALID_STUDENT_ID.match(student):
            raise ValueError(f"student id {student!r}: use letters, digits and _.@+- only")
    deadline = None if timeout is None else time.monotonic() + timeout
    limit = None if timeout is None else f"the limit of {timeout:g} s (whole run)"
    cleanup = workdir is None
    root = Path(tempfile.mkdtemp(prefix="recsys-grade-") if cleanup else workdir)
    root.mkdir(parents=True, exist_ok=True)
    single = len(submissions) == 1
    method = "exec" if single else "fork"      # a forkserver pays for itself from two students on
    running = Running()
    try:
        if single:
            # generated in the same child, unless an earlier check left it in the cache
            from autograder import template_cache

            source = Template.from_source(assignment, source_dir)
            template = template_cache.load(source) or source
        else:
            template, _ = generate_template(assignment, source_dir, root / "_template", timeout=timeout,
                                            method=method, running=running)

        def one(item) -> NotebookResult:
            student, path = item
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return NotebookResult(student, assignment, graded=False,
                                      reason=f"the grader did not reach this notebook within {limit}")
            job = StudentJob(assignment, student, Path(path).read_bytes(), template, timeout=left,
                             memory_mb=memory_mb, config=dict(config or {}), feedback=feedback,
                             limit_label=limit or "", cache_template=single and not template.generated)
            outcome = grade_student(job, workdir=root / student, running=running, method=method)
            if outcome.grader_error:
                raise GradingError(f"nbgrader generate_assignment failed for {assignment}: "
                                   f"{outcome.result.reason}")
            return outcome.result

        with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
            try:
                results = list(pool.map(one, list(submissions.items())))
            except BaseException:
                running.kill_all()
                raise
        return {r.student: r for r in results}
    finally:
        if cleanup:
            shutil.rmtree(root, ignore_errors=True)


def generate_release(assignment: str, source_dir: str | os.PathLike,
                     workdir: str | os.PathLike, timeout: float | None = 600) -> Path:
    """Run nbgrader generate_assignment on ``source_dir`` inside ``workdir``; return the folder
    holding the generated student version (not yet normalised)."""
    from autograder.assignment import generate_template

    root = Path(workdir)
    generate_template(assignment, source_dir, root, timeout=timeout, method="exec")
    return root / "template" / LAYOUT.release / assignment
