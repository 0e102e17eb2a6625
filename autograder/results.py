"""What grading one notebook gave: ``NotebookResult`` with one ``ExerciseResult`` per graded cell,
read from an nbgrader course directory after autograde (its gradebook and autograded notebook).

A student never sees hidden tests here: an exercise's ``feedback`` holds the test cell's stream
output and ``Error: message`` lines, never tracebacks (which quote the cell's source), with every
line that contains a line of a hidden-test region removed. ``headline`` is what a result table
shows: when the public checks passed and a hidden check failed, that failure's message, prefixed
"hidden test failed:" (not "All public tests passed").

No nbgrader import (the gradebook is read with sqlite3).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from autograder import notebooks as _nb
from autograder.gradebook import CellScore, read_scores
from autograder.status import ExerciseStatus, Step

#: What ``autograder.checks.passed()`` prints (a test checks that the two agree).
PUBLIC_PASSED = "All public tests passed"
HIDDEN_FAILED = "hidden test failed"


@dataclass
class ExerciseResult:
    grade_id: str
    points: float | None
    max_points: float
    status: ExerciseStatus
    feedback: str              # outputs of the test cell, hidden tests removed, no tracebacks
    manual: bool = False       # a written answer graded by a person
    error: str = ""            # first line of the failing check's message ("" when none failed)
    public_passed: bool = False  # the public checks printed PUBLIC_PASSED before ``error``

    @property
    def first_line(self) -> str:
        for line in self.feedback.splitlines():
            if line.strip():
                return line.strip()
        return ""

    @property
    def hidden_failed(self) -> bool:
        """Only a hidden check failed: the public ones passed, and the cell still lost points."""
        return bool(self.error) and self.public_passed and \
            self.status in (ExerciseStatus.FAILED, ExerciseStatus.PARTIAL)

    @property
    def headline(self) -> str:
        """One line for a result table: why points were lost, else the first line of feedback."""
        if self.hidden_failed:
            return f"{HIDDEN_FAILED}: {self.error}"
        if self.error and self.status in (ExerciseStatus.FAILED, ExerciseStatus.PARTIAL):
            return self.error
        return self.first_line


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
        return self.exercise(grade_id).points

    def exercise(self, grade_id: str) -> ExerciseResult:
        for e in self.exercises:
            if e.grade_id == grade_id:
                return e
        raise KeyError(grade_id)

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("autograded", "feedback_html"):
            d[key] = None if d[key] is None else str(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "NotebookResult":
        d = dict(d)
        names = {f.name for f in fields(ExerciseResult)}
        d["exercises"] = [ExerciseResult(**{k: v for k, v in e.items() if k in names})
                          for e in d.get("exercises", [])]
        for e in d["exercises"]:
            e.status = ExerciseStatus(e.status)
        for key in ("autograded", "feedback_html"):
            d[key] = None if d.get(key) is None else Path(d[key])
        return cls(**d)


# --------------------------------------------------------------------------- failure reasons
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


# --------------------------------------------------------------------------- one test cell
def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _visible(text: str, hidden: set[str]) -> str:
    if not hidden:
        return text
    return "\n".join(ln for ln in text.split("\n") if not any(h in ln for h in hidden))


def cell_feedback(cell, hidden: set[str]) -> tuple[str, str, bool]:
    """What a student may see of a test cell's outputs: (feedback text, first line of the first
    error, whether the public checks had passed before it). Stream text and ``Error: message``
    lines only (never tracebacks), with hidden-test lines removed."""
    parts: list[str] = []
    error, passed_before = "", False
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            text = _text(output.get("text", ""))
            parts.append(text)
            if not error and PUBLIC_PASSED in text:
                passed_before = True
        elif kind == "error":
            ename, evalue = output.get("ename", "Error"), _text(output.get("evalue", ""))
            message = evalue if ename == "CheckFailure" else f"{ename}: {evalue}"
            parts.append(message)
            if not error:
                shown = [ln.strip() for ln in _visible(message, hidden).split("\n") if ln.strip()]
                error = shown[0] if shown else f"{ename} (details come from hidden test code)"
        elif kind in ("execute_result", "display_data"):
            parts.append(_text(output.get("data", {}).get("text/plain", "")))
    text = "\n".join(p.rstrip("\n") for p in parts if p)
    return _visible(text, hidden), error[:300], passed_before


def _status(score: CellScore) -> ExerciseStatus:
    if score.manual:
        return ExerciseStatus.MANUAL
    if score.score is None:
        return ExerciseStatus.NOT_GRADED
    if score.score >= score.max_score:
        return ExerciseStatus.PASSED
    if score.score <= 0:
        return ExerciseStatus.FAILED
    return ExerciseStatus.PARTIAL


# --------------------------------------------------------------------------- one notebook
def read_result(root: Path, layout, assignment: str, student: str, record: dict | None,
                problem: str | None = None, hidden: set[str] | None = None) -> NotebookResult:
    """The result of ``student`` in the course directory ``root`` (folder names from ``layout``),
    given the autograde step's ``record`` (``None``: the grader never reached the notebook, for
    the reason ``problem``)."""
    root = Path(root)
    if hidden is None:
        source = _nb.read_json(root / layout.source / assignment / f"{assignment}.ipynb")
        hidden = _nb.hidden_test_lines(source, min_length=6)
    result = NotebookResult(student=student, assignment=assignment, graded=True)
    if record is None:
        result.graded = False
        result.reason = problem or "the grader did not reach this notebook"
    else:
        result.seconds = record.get("seconds")
        if not record["success"]:
            result.graded = False
            result.reason = failure_reason((record.get("error") or "") + "\n" + (record.get("log") or ""))
    autograded = root / layout.autograded / student / assignment / f"{assignment}.ipynb"
    cells_by_id = {}
    if autograded.exists():
        result.autograded = autograded
        cells_by_id = {_nb.grade_id(c): c for c in _nb.read_json(autograded)["cells"] if _nb.grade_id(c)}
    db = root / layout.gradebook
    scores = read_scores(db, assignment, [student]) if db.exists() else {}
    for cell_score in scores.get(student, {}).get(assignment, []):
        status = _status(cell_score)
        cell = cells_by_id.get(cell_score.grade_id)
        feedback, error, public_passed = "", "", False
        if cell is not None and cell.get("cell_type") == "code":
            feedback, error, public_passed = cell_feedback(cell, hidden)
        points = cell_score.score
        if status == ExerciseStatus.MANUAL:
            if cell_score.needs_manual_grade:
                points, feedback = None, "written answer: to be graded by a person"
            elif cell_score.manual_score is None and (cell_score.auto_score or 0) == 0:
                feedback = "no answer written"
        elif status == ExerciseStatus.NOT_GRADED:
            points = None
        result.exercises.append(ExerciseResult(cell_score.grade_id, points, cell_score.max_score, status,
                                               feedback, manual=cell_score.manual, error=error,
                                               public_passed=public_passed))
    if result.graded and any(e.status == ExerciseStatus.NOT_GRADED for e in result.exercises):
        result.graded = False
        result.reason = "the grader left some tests without a score (grader failure)"
    if result.graded and not result.exercises:
        result.graded = False
        result.reason = "no graded cells were found for this notebook"
    html = root / layout.feedback / student / assignment / f"{assignment}.html"
    if html.exists():
        result.feedback_html = html
    return result


def step_records(path: Path) -> list[dict]:
    """The JSON lines a grading child wrote (``steps.jsonl``), in order."""
    import json

    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def find_step(records: list[dict], step: Step, student: str | None = None) -> dict | None:
    for r in records:
        if r.get("step") == step and r.get("student") == student:
            return r
    return None
