"""Step 4 of a class batch: results into the durable gradebook, and the feedback pages.

``Recorder`` opens ``OUT/work/gradebook.db`` ONCE for the batch and, per student, does what
``nbgrader autograde`` does to a gradebook after executing a notebook -- create the student and
the submission, then nbgrader's own ``SaveAutoGrades`` over the executed notebook's cells (the
notebook is not run again) -- without setting up an nbgrader application per student. So manual
grades entered in formgrader survive exactly as with ``nbgrader autograde``: a changed
submission keeps its manual grade and nbgrader asks for it to be reviewed; recording the very
same submission again (new limits, ``--force``) leaves nothing to review.

Feedback pages are rendered from the durable gradebook (scores, manual grades and comments) with
one ``autograder.feedback.FeedbackRenderer``; ``gradebook_state`` tells when a student's entries
changed (e.g. after manual grading), so only those pages are rendered again.
"""
from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sqlite3
import warnings
from pathlib import Path

from autograder import config as _config
from autograder.batch_layout import Paths, atomic_write, sha256
from autograder.gradebook import read_scores

_COMMENTS = """
SELECT bc.name, c.auto_comment, c.manual_comment FROM comment c
JOIN submitted_notebook sn ON sn.id = c.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id
JOIN assignment a ON a.id = sa.assignment_id
JOIN base_cell bc ON bc.id = c.cell_id
WHERE a.name = ? AND sa.student_id = ?
ORDER BY bc.name
"""

_log = logging.getLogger("autograder.record")
_log.addHandler(logging.NullHandler())
_log.propagate = False


@contextlib.contextmanager
def _quiet():
    """nbgrader's gradebook API warns (SQLAlchemy SAWarning) about its own session handling."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="nbgrader.api")
        warnings.filterwarnings("ignore", message=".*not in session.*")
        yield


def gradebook_state(db: Path, module: str, student: str) -> str:
    """A hash of everything the gradebook holds for a student's submission (scores, comments):
    feedback is regenerated when it changes, e.g. after manual grading."""
    if not Path(db).exists():
        return ""
    scores = read_scores(db, module, [student]).get(student, {})
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        comments = con.execute(_COMMENTS, (module, student)).fetchall()
    finally:
        con.close()
    payload = json.dumps([[[c.grade_id, c.auto_score, c.manual_score, c.extra_credit,
                            c.needs_manual_grade] for c in cells] for _, cells in sorted(scores.items())]
                         + [list(row) for row in comments], default=str)
    return sha256(payload.encode())


class _Deferred:
    """A gradebook whose ``db.commit()`` only flushes (the caller commits once)."""

    class _Session:
        def __init__(self, session):
            self._session = session

        def commit(self) -> None:
            self._session.flush()

        def __getattr__(self, name):
            return getattr(self._session, name)

    def __init__(self, gradebook):
        self._gradebook = gradebook
        self.db = self._Session(gradebook.db)

    def __getattr__(self, name):
        return getattr(self._gradebook, name)


class Recorder:
    """The durable gradebook of one module's batch (its assignment must have been generated)."""

    def __init__(self, paths: Paths, source_dir: Path, source_nb: dict):
        import autograder._fast_imports  # noqa: F401
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import SaveAutoGrades

        from autograder.feedback import FeedbackRenderer

        class _SaveAutoGrades(SaveAutoGrades):
            """nbgrader's SaveAutoGrades on the already open gradebook (its own opens one per
            notebook), with its commit after every cell turned into a flush: the student's grades
            are saved in ONE transaction, committed by ``Recorder.record``."""

            def preprocess(self, nb, resources):
                self.notebook_id = resources["nbgrader"]["notebook"]
                self.assignment_id = resources["nbgrader"]["assignment"]
                self.student_id = resources["nbgrader"]["student"]
                self.gradebook = _Deferred(resources["nbgrader"]["gradebook"])
                for index, cell in enumerate(nb.cells):
                    nb.cells[index], resources = self.preprocess_cell(cell, resources, index)
                return nb, resources

        self.paths, self.module, self.source_dir = paths, paths.module, Path(source_dir)
        self.db_url = f"sqlite:///{paths.gradebook}"
        self.gb = Gradebook(self.db_url, _config.COURSE_ID)
        self.save = _SaveAutoGrades(log=_log)
        self.renderer = FeedbackRenderer(self.module, self.db_url, source_nb, gradebook=self.gb)

    def close(self) -> None:
        self.gb.close()

    def _manual_state(self, student: str) -> dict:
        from nbgrader.api import MissingEntry

        try:
            sub = self.gb.find_submission(self.module, student)
        except MissingEntry:
            return {}
        return {(nb.name, g.name): (g.manual_score, g.needs_manual_grade)
                for nb in sub.notebooks for g in nb.grades}

    def record(self, student: str, same_submission: bool) -> None:
        """Save the grades of ``OUT/work/autograded/STUDENT/M/M.ipynb``; raises on failure
        (the transaction is rolled back)."""
        with _quiet():
            self._record(student, same_submission)

    def _record(self, student: str, same_submission: bool) -> None:
        import nbformat

        graded = self.paths.autograded(student)
        nb = nbformat.read(graded, as_version=4)
        try:
            # nbgrader asks to review every manual grade again after re-autograding; when the
            # very same submission is recorded again nothing changed to review.
            before = self._manual_state(student) if same_submission else {}
            self.gb.update_or_create_student(student)
            self.gb.update_or_create_submission(self.module, student)
            resources = {"nbgrader": {"notebook": self.module, "assignment": self.module,
                                      "student": student, "db_url": self.db_url, "gradebook": self.gb}}
            self.save.preprocess(nb, resources)
            if before:
                for snb in self.gb.find_submission(self.module, student).notebooks:
                    for g in snb.grades:
                        old = before.get((snb.name, g.name))
                        if old and old[0] is not None and not old[1] and g.manual_score == old[0]:
                            g.needs_manual_grade = False
            self.gb.db.commit()
        except BaseException:
            self.gb.db.rollback()
            raise
        # like nbgrader autograde: the source folder's other files next to the graded notebook
        for file in sorted(self.source_dir.rglob("*")):
            if file.is_file() and file.suffix != ".ipynb" and "__pycache__" not in file.parts:
                dest = graded.parent / file.relative_to(self.source_dir)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, dest)

    def feedback(self, student: str) -> str:
        """Render the student's feedback page from the gradebook; returns the gradebook state."""
        with _quiet():
            html = self.renderer.render(self.paths.autograded(student), student)
        atomic_write(self.paths.feedback(student), html)
        return gradebook_state(self.paths.gradebook, self.module, student)
