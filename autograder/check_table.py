"""What ``recsys-course check`` prints: one row per graded cell, the total, and (``--answers``)
the model answers of the written questions.

A row's feedback column is ``ExerciseResult.headline``: the failing check's message; when only a
hidden test failed, "hidden test failed: <its message>" -- the message the check wrote for the
learner, never the hidden test's code or inputs beyond what that message says.
"""
from __future__ import annotations

from pathlib import Path

from autograder.status import ExerciseStatus

WRITTEN_PENDING = "written answer: graded by a person (model answer: --answers, or the --feedback page)"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def format_result(result, notebook: str, width: int = 160) -> str:
    """The table ``check`` prints for one ``NotebookResult``."""
    lines = [f"Grading {notebook} ({result.assignment})", ""]
    if not result.graded:
        lines.append(f"could not grade: {result.reason}")
        lines.append("No points were recorded; this is not a score of zero. Fix the problem and run again.")
        return "\n".join(lines)
    rows = [("exercise", "points", "max", "status", "feedback")]
    for e in result.exercises:
        feedback = e.headline
        if e.status == ExerciseStatus.MANUAL and e.points is None:
            feedback = WRITTEN_PENDING
        rows.append((e.grade_id, _fmt(e.points), _fmt(e.max_points), str(e.status), _clip(feedback, width)))
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


def answers_after(result, source_notebook: str | Path) -> str:
    """The model answers, printed after a graded notebook's table (``check --answers``)."""
    from autograder import answers as _answers
    from autograder import notebooks as _nb

    if not result.graded:
        return "(model answers are shown once the notebook has been graded)"
    source = _nb.read_json(source_notebook)
    questions = sum(1 for c in source["cells"] if _answers.is_written_question(c))
    return "\n" + _answers.answers_text(_answers.model_answers(source), questions=questions)
