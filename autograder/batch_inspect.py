"""Steps 1-2 of a class batch, no nbgrader needed: import the submissions into nbgrader's
``submitted`` layout, and decide what can be graded.

An empty file, invalid JSON or nbformat, or another assignment's notebook is "could not grade"
before any kernel starts; tampering (``autograder.tamper``) is noted as a flag, and the notebook
is graded anyway. Each gradable student gets a cache key: the submission's hash, the source
notebook's hash and the limits.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder import lms as _lms
from autograder import notebooks as _nb
from autograder.batch_layout import Paths, atomic_write, sha256
from autograder.status import Status


@dataclass
class Student:
    student: str
    status: Status | None = None      # decided before grading (missing / could_not_grade)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    key: str | None = None            # cache key when it is to be graded
    data: bytes | None = None         # the submission


def read_notebook_bytes(data: bytes) -> tuple[dict | None, str | None]:
    """(notebook dict, None) or (None, reason it cannot be graded)."""
    if not data.strip():
        return None, "the file is empty" if not data else "the file holds only white space"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text (not a notebook)"
    try:
        nb = json.loads(text)
    except ValueError as exc:
        return None, f"the notebook is not valid JSON (the file is damaged or is not a notebook): {exc}"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "the file is JSON but not a notebook (no list of cells)"
    try:
        import nbformat

        # reads() raises when the structure is broken; a notebook that merely fails strict
        # validation (extra keys some editors add) is left to nbgrader, which reads it the same way
        nbformat.reads(text, as_version=4)
    except Exception as exc:       # nbformat raises several kinds; the message says which
        message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return None, f"the notebook is not a valid Jupyter notebook: {message}"
    return nb, None


def module_grade_ids(course_root: Path) -> dict[str, set[str]]:
    from autograder.release import discover_modules

    out = {}
    for module in discover_modules(course_root):
        nb = _nb.read_json(course_root / "solutions" / module / f"{module}.ipynb")
        out[module] = {g for g in (_nb.grade_id(c) for c in nb["cells"]) if g}
    return out


def max_points(source_nb: dict) -> float:
    return float(sum(float(c["metadata"]["nbgrader"].get("points", 0)) for c in source_nb["cells"]
                     if c.get("metadata", {}).get("nbgrader", {}).get("grade")))


def import_and_inspect(collected, paths: Paths, source_nb: dict, module: str, known: dict,
                       settings: str) -> dict[str, Student]:
    """One ``Student`` per collected student; copies each chosen notebook into
    ``OUT/work/submitted`` (unless it is there already) and writes the import report."""
    from autograder.tamper import inspect_submission

    students: dict[str, Student] = {}
    for sid, sub in collected.students.items():
        st = Student(sid, status=Status(sub.status) if sub.status else None, reason=sub.reason,
                     notes=list(sub.notes))
        students[sid] = st
        submitted = paths.submitted(sid)
        if sub.chosen is None:
            if submitted.exists():        # an earlier import's notebook must not be graded again
                submitted.unlink()
            continue
        data = sub.chosen.read()
        if not submitted.exists() or submitted.read_bytes() != data:
            atomic_write(submitted, data)
        nb, problem = read_notebook_bytes(data)
        if problem:
            st.status, st.reason = Status.COULD_NOT_GRADE, problem
            continue
        inspection = inspect_submission(nb, source_nb, module, known)
        if inspection.wrong_assignment:
            st.status, st.reason = Status.COULD_NOT_GRADE, inspection.wrong_assignment
            continue
        st.flags.extend(inspection.flags)
        st.notes.extend(inspection.notes)
        st.key = sha256((settings + sha256(data)).encode())
        st.data = data
    write_import_report(paths, collected)
    return students


def write_import_report(paths: Paths, collected) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "name", "file", "bytes", "sha256", "files_in_submission"])
    for sid, sub in collected.students.items():
        chosen = sub.chosen
        writer.writerow([sid, sub.display_name, chosen.path if chosen else "",
                         chosen.size if chosen else "", sha256(chosen.read()) if chosen else "",
                         " | ".join(f.path for f in sub.files)])
    for rel in collected.unassigned:
        writer.writerow(["", "", rel, "", "", "unassigned: no student id in the name"])
    atomic_write(paths.grades / "import.csv", buf.getvalue())


def collect(submissions, module: str, roster) -> object:
    roster_ids = _lms.read_roster(roster) if roster else None
    return _lms.collect_submissions(submissions, module, roster_ids)
