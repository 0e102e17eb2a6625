"""Run nbgrader's real pipeline (generate_assignment, autograde, generate_feedback) in a throw-away
course directory, and read the results back.

The pipeline runs in one child process (``python -m autograder.nbgrader_runner JOB``) so that
a wall-clock limit can end it together with its kernels, and so that nbgrader's configuration
and logging never touch the caller. The child grades one student at a time and appends one JSON
line per step to ``steps.jsonl``; a student it never reached, or whose grading failed, is
reported as "could not grade" with a reason, never as zero points.

Public entry points::

    generate_release(assignment, source_dir, dest_dir)          -> Path   (used by `release`)
    grade_notebooks(assignment, source_dir, {student: path})    -> {student: NotebookResult}
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import config as _config
from autograder import notebooks as _nb
from autograder.gradebook import CellScore, read_scores

LAYOUT = _config.TEMPORARY_LAYOUT
STEPS_FILE = "steps.jsonl"

# Statuses of one exercise.
PASSED = "passed"
FAILED = "failed"
PARTIAL = "partial"
MANUAL = "manual"              # written answer: graded by a person
NOT_GRADED = "not graded"      # NULL score: the grader failed on this notebook


class GradingError(RuntimeError):
    """The grading pipeline itself failed (not a student's notebook)."""


@dataclass
class ExerciseResult:
    grade_id: str
    points: float | None
    max_points: float
    status: str
    feedback: str              # outputs of the test cell, hidden tests removed, no tracebacks
    manual: bool = False       # a written answer graded by a person

    @property
    def first_line(self) -> str:
        for line in self.feedback.splitlines():
            if line.strip():
                return line.strip()
        return ""


@dataclass
class NotebookResult:
    student: str
    assignment: str
    graded: bool                          # False: "could not grade"
    reason: str | None = None             # why it could not be graded
    exercises: list[ExerciseResult] = field(default_factory=list)
    autograded: Path | None = None        # the autograded notebook (instructor-only: has hidden tests)
    feedback_html: Path | None = None     # student feedback (hidden tests removed)
    seconds: float | None = None          # autograde wall time of this notebook

    @property
    def auto_exercises(self) -> list[ExerciseResult]:
        return [e for e in self.exercises if not e.manual]

    @property
    def score(self) -> float:
        return float(sum(e.points or 0.0 for e in self.auto_exercises))

    @property
    def max_score(self) -> float:
        return float(sum(e.max_points for e in self.auto_exercises))

    @property
    def manual_max(self) -> float:
        return float(sum(e.max_points for e in self.exercises if e.manual))

    @property
    def full_marks(self) -> bool:
        return self.graded and self.score == self.max_score

    def points(self, grade_id: str) -> float | None:
        for e in self.exercises:
            if e.grade_id == grade_id:
                return e.points
        raise KeyError(grade_id)

    def exercise(self, grade_id: str) -> ExerciseResult:
        for e in self.exercises:
            if e.grade_id == grade_id:
                return e
        raise KeyError(grade_id)


# --------------------------------------------------------------------------- course directory
def make_course_dir(root: Path, assignment: str, source_dir: Path) -> Path:
    """Create a temporary nbgrader course directory at ``root`` whose source is a copy of
    ``source_dir`` (the folder holding ``<assignment>.ipynb``). Returns ``root``."""
    root = Path(root)
    src = root / LAYOUT.source / assignment
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(source_dir, src, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    (root / "nbgrader_config.py").write_text(
        "from autograder.config import configure, TEMPORARY_LAYOUT\n"
        "configure(get_config(), __import__('os').path.dirname(__file__), TEMPORARY_LAYOUT)\n",
        encoding="utf-8")
    return root


def add_submission(root: Path, assignment: str, student: str, notebook: Path) -> Path:
    """Copy ``notebook`` (any bytes, even invalid JSON) as ``student``'s submission."""
    dest = root / LAYOUT.submitted / student / assignment / f"{assignment}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, dest)
    return dest


# --------------------------------------------------------------------------- child process
def _kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and all its descendants (found through /proc; kernels start their own
    sessions, so killing the process group alone would leave them running)."""
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    todo, victims = [pid], []
    while todo:
        p = todo.pop()
        victims.append(p)
        todo.extend(children.get(p, []))
    for p in victims:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_job(root: Path, job: dict, timeout: float | None = None) -> tuple[list[dict], str | None]:
    """Run a job in the child process. Returns (step records, None) or (records so far, reason)
    when the child ran out of ``timeout`` seconds or died."""
    root = Path(root)
    job_path = root / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    steps = root / STEPS_FILE
    if steps.exists():
        steps.unlink()
    env = _config.grading_env(root / ".tmp")
    log_path = root / "runner.log"
    problem = None
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.nbgrader_runner", str(job_path)],
                                cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            proc.wait()
            problem = f"grading took longer than the limit of {timeout:g} s (whole run) and was stopped"
        else:
            if code != 0:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
                problem = f"the grading process failed (exit code {code}): " + " | ".join(tail)
    records = []
    if steps.exists():
        for line in steps.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records, problem


def _fast_alembic_version() -> None:
    """nbgrader stamps a new gradebook with the alembic head by running the ``alembic`` command
    in a subprocess (2-3 s). Read the same head from nbgrader's migration scripts in-process."""
    import nbgrader
    import nbgrader.api
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic"))
    head = scripts.get_current_head()
    nbgrader.api.get_alembic_version = lambda: head


def _child_main(job_path: str) -> int:
    """Entry point of the child process: run the steps of a job, one JSON line per step."""
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader.api")
    from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log
    from traitlets.config import Config

    _fast_alembic_version()
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    root = Path(job["root"])
    assignment = job["assignment"]
    c = Config()
    _config.configure(c, root, LAYOUT)
    for key, value in job.get("config", {}).items():   # e.g. {"CourseExecute.timeouts": {...}}
        section, name = key.split(".")
        setattr(c[section], name, value)
    steps_path = root / STEPS_FILE

    def record(**entry) -> None:
        with open(steps_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    coursedir = CourseDirectory(config=c)
    coursedir.assignment_id = assignment
    start = time.perf_counter()
    app = GenerateAssignment(coursedir=coursedir, config=c)
    app.force = True
    result = capture_log(app)
    record(step="generate", student=None, success=result["success"],
           error=result.get("error"), log=result.get("log"), seconds=time.perf_counter() - start)
    if not result["success"]:
        return 3
    for student in job.get("students", []):
        coursedir.student_id = student
        start = time.perf_counter()
        app = Autograde(coursedir=coursedir, config=c)
        app.force = True
        app.create_student = True
        result = capture_log(app)
        record(step="autograde", student=student, success=result["success"],
               error=result.get("error"), log=result.get("log"), seconds=time.perf_counter() - start)
        if job.get("feedback") and result["success"]:
            start = time.perf_counter()
            app = GenerateFeedback(coursedir=coursedir, config=c)
            app.force = True
            result = capture_log(app)
            record(step="feedback", student=student, success=result["success"],
                   error=result.get("error"), log=result.get("log"),
                   seconds=time.perf_counter() - start)
    return 0


# --------------------------------------------------------------------------- results
_REASONS = (
    ("NotJSONError", "the notebook is not valid JSON (the file is damaged or is not a notebook)"),
    ("NotebookValidationError", "the notebook is not a valid nbformat notebook"),
    ("ValidationError", "the notebook is not a valid nbformat notebook"),
    ("DeadKernelError", "the kernel died while running the notebook (a crash or out of memory)"),
    ("UnresponsiveKernelError", "the kernel stopped responding (an endless loop or out of memory)"),
    ("Kernel died", "the kernel died while running the notebook (a crash or out of memory)"),
    ("SchemaTooOldError", "the notebook's nbgrader metadata is too old"),
    ("SchemaTooNewError", "the notebook's nbgrader metadata is too new"),
    ("UnicodeDecodeError", "the notebook is not UTF-8 text"),
)


def failure_reason(text: str) -> str:
    """A one-line, student-readable reason from a failed step's traceback/log."""
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception)\b", ln)]
    return (errors or lines or ["unknown error"])[-1][:300]


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _cell_feedback(cell, hidden: set[str]) -> str:
    """What a student may see of a test cell's outputs: stream text and ``Error: message``
    lines (never tracebacks), with hidden-test lines removed."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_text(output.get("text", "")))
        elif kind == "error":
            ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
            parts.append(evalue if ename == "CheckFailure" else f"{ename}: {evalue}")
        elif kind in ("execute_result", "display_data"):
            parts.append(_text(output.get("data", {}).get("text/plain", "")))
    text = "\n".join(p.rstrip("\n") for p in parts if p)
    if hidden:
        text = "\n".join(ln for ln in text.split("\n")
                         if not any(h in ln for h in hidden))
    return text


def _status(score: CellScore) -> str:
    if score.manual:
        return MANUAL
    if score.score is None:
        return NOT_GRADED
    if score.score >= score.max_score:
        return PASSED
    if score.score <= 0:
        return FAILED
    return PARTIAL


def collect_results(root: Path, assignment: str, students: list[str], records: list[dict],
                    problem: str | None) -> dict[str, NotebookResult]:
    """Combine the child's step records, the gradebook and the autograded notebooks."""
    root = Path(root)
    by_student = {(r["step"], r["student"]): r for r in records}
    source = _nb.read_json(root / LAYOUT.source / assignment / f"{assignment}.ipynb")
    hidden = _nb.hidden_test_lines(source, min_length=6)
    db = root / LAYOUT.gradebook
    scores = read_scores(db, assignment, students) if db.exists() else {}
    results: dict[str, NotebookResult] = {}
    for student in students:
        result = NotebookResult(student=student, assignment=assignment, graded=True)
        step = by_student.get(("autograde", student))
        if step is None:
            result.graded = False
            result.reason = problem or "the grader did not reach this notebook"
        elif not step["success"]:
            result.graded = False
            result.reason = failure_reason((step.get("error") or "") + "\n" + (step.get("log") or ""))
        if step is not None:
            result.seconds = step.get("seconds")
        autograded = root / LAYOUT.autograded / student / assignment / f"{assignment}.ipynb"
        cells_by_id = {}
        if autograded.exists():
            result.autograded = autograded
            graded_nb = _nb.read_json(autograded)
            cells_by_id = {_nb.grade_id(c): c for c in graded_nb["cells"] if _nb.grade_id(c)}
        for cell_score in scores.get(student, {}).get(assignment, []):
            status = _status(cell_score)
            cell = cells_by_id.get(cell_score.grade_id)
            feedback = ""
            if cell is not None and cell.get("cell_type") == "code":
                feedback = _cell_feedback(cell, hidden)
            points = cell_score.score
            if status == MANUAL:
                if cell_score.needs_manual_grade:
                    points, feedback = None, "written answer: to be graded by a person"
                elif cell_score.manual_score is None and (cell_score.auto_score or 0) == 0:
                    feedback = "no answer written"
            elif status == NOT_GRADED:
                points = None
            result.exercises.append(ExerciseResult(cell_score.grade_id, points, cell_score.max_score,
                                                   status, feedback, manual=cell_score.manual))
        if result.graded and any(e.status == NOT_GRADED for e in result.exercises):
            result.graded = False
            result.reason = "the grader left some tests without a score (grader failure)"
        if result.graded and not result.exercises:
            result.graded = False
            result.reason = "no graded cells were found for this notebook"
        html = root / LAYOUT.feedback / student / assignment / f"{assignment}.html"
        if html.exists():
            result.feedback_html = html
        results[student] = result
    return results


def grade_notebooks(assignment: str, source_dir: str | os.PathLike,
                    submissions: dict[str, str | os.PathLike], *, workdir: str | os.PathLike | None = None,
                    timeout: float | None = None, feedback: bool = False,
                    config: dict | None = None) -> dict[str, NotebookResult]:
    """Grade ``submissions`` ({student_id: notebook path}) of ``assignment`` against the source
    notebook in ``source_dir`` with nbgrader's autograde, as one batch.

    ``workdir``: the temporary course directory to use (kept; default: a fresh temporary folder
    that is removed afterwards, so results' paths are only valid with an explicit ``workdir``).
    ``timeout``: wall-clock limit of the whole run in seconds (students not reached by then
    are "could not grade"). ``feedback``: also generate leak-free HTML feedback.
    ``config``: extra nbgrader config as {"Section.name": value}.
    """
    if not submissions:
        return {}
    for student in submissions:
        if not re.match(r"^[A-Za-z0-9_.@+-]+$", student):
            raise ValueError(f"student id {student!r}: use letters, digits and _.@+- only")
    cleanup = workdir is None
    root = Path(tempfile.mkdtemp(prefix="recsys-grade-") if cleanup else workdir)
    root.mkdir(parents=True, exist_ok=True)
    try:
        make_course_dir(root, assignment, Path(source_dir))
        for student, path in submissions.items():
            add_submission(root, assignment, student, Path(path))
        job = {"root": str(root.resolve()), "assignment": assignment,
               "students": list(submissions), "feedback": feedback, "config": config or {}}
        records, problem = run_job(root, job, timeout)
        generate = next((r for r in records if r["step"] == "generate"), None)
        if generate is None or not generate["success"]:
            detail = problem or failure_reason((generate or {}).get("error") or "")
            raise GradingError(f"nbgrader generate_assignment failed for {assignment}: {detail}")
        return collect_results(root, assignment, list(submissions), records, problem)
    finally:
        if cleanup:
            shutil.rmtree(root, ignore_errors=True)


def generate_release(assignment: str, source_dir: str | os.PathLike,
                     workdir: str | os.PathLike, timeout: float | None = 600) -> Path:
    """Run nbgrader generate_assignment on ``source_dir`` inside ``workdir``; return the folder
    holding the generated student version (not yet normalised)."""
    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    make_course_dir(root, assignment, Path(source_dir))
    job = {"root": str(root.resolve()), "assignment": assignment, "students": []}
    records, problem = run_job(root, job, timeout)
    generate = next((r for r in records if r["step"] == "generate"), None)
    if generate is None or not generate["success"]:
        detail = problem or ((generate or {}).get("error") or "").strip().splitlines()[-1:]
        raise GradingError(f"nbgrader generate_assignment failed for {assignment}: {detail}")
    return root / LAYOUT.release / assignment


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
