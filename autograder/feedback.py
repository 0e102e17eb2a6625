"""Feedback pages, rendered the way ``nbgrader generate_feedback`` renders them, without an app.

``FeedbackRenderer`` holds ONE nbconvert ``HTMLExporter`` (nbgrader's ``feedback`` template) with
the course's feedback preprocessors -- nbgrader's ``GetGrades`` (scores and comments from the
gradebook), ``HideHiddenTests`` (no hidden-test code or tracebacks, upstream nbgrader #917),
``ModelAnswers`` (the written questions' model answers, labelled) and nbconvert's CSS header --
and renders one autograded notebook per call: a batch does not set up an nbgrader application per
student. Plain ``nbgrader generate_feedback`` with the course configuration gives the same page.
"""
from __future__ import annotations

import os
from pathlib import Path

from autograder import answers as _answers
from autograder import notebooks as _nb


def _nbgrader_template_config(c) -> None:
    """The HTMLExporter settings nbgrader's GenerateFeedback makes (nbgrader 0.9)."""
    import nbgrader

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    c.HTMLExporter.extra_template_paths = [str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    c.Exporter.default_preprocessors = []


class FeedbackRenderer:
    """Render feedback pages for one assignment, reading grades from the gradebook at ``db_url``."""

    def __init__(self, assignment: str, db_url: str, source_nb: dict | None = None, gradebook=None):
        """``gradebook``: an open ``nbgrader.api.Gradebook`` for ``db_url`` to read the grades
        from (default: GetGrades opens one per page)."""
        from nbconvert.exporters import HTMLExporter
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from nbgrader.preprocessors import GetGrades
        from traitlets.config import Config

        from autograder.preprocessors import HideHiddenTests, ModelAnswers

        class _GetGrades(GetGrades):
            """nbgrader's GetGrades, reading from the renderer's open gradebook when it has one."""

            def preprocess(self, nb, resources):
                if gradebook is None:
                    return super().preprocess(nb, resources)
                info = resources["nbgrader"]
                self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
                self.student_id, self.db_url, self.gradebook = info["student"], info["db_url"], gradebook
                for index, cell in enumerate(nb.cells):
                    nb.cells[index], resources = self.preprocess_cell(cell, resources, index)
                notebook = gradebook.find_submission_notebook(self.notebook_id, self.assignment_id,
                                                              self.student_id)
                penalty = notebook.late_submission_penalty or 0
                info.update(score=notebook.score - penalty, max_score=notebook.max_score, late_penalty=penalty)
                return nb, resources

        c = Config()
        _nbgrader_template_config(c)
        self.assignment = assignment
        self.db_url = db_url
        self.answers = _answers.model_answers(source_nb) if source_nb is not None else {}
        self.exporter = HTMLExporter(config=c)
        for pp in (_GetGrades, HideHiddenTests, ModelAnswers, CSSHTMLHeaderPreprocessor):
            self.exporter.register_preprocessor(pp(config=c), enabled=True)

    def render(self, autograded: str | os.PathLike, student: str) -> str:
        """The HTML feedback page of ``student``'s autograded notebook."""
        import nbformat

        path = Path(autograded)
        nb = nbformat.read(path, as_version=4)
        resources = {"unique_key": self.assignment, "output_files_dir": f"{self.assignment}_files",
                     "metadata": {"path": str(path.parent), "name": self.assignment},
                     "nbgrader": {"student": student, "assignment": self.assignment,
                                  "notebook": self.assignment, "db_url": self.db_url,
                                  "model_answers": self.answers}}
        html, _ = self.exporter.from_notebook_node(nb, resources=resources)
        return html

    def write(self, autograded: str | os.PathLike, student: str, dest: str | os.PathLike) -> Path:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
        tmp.write_text(self.render(autograded, student), encoding="utf-8")
        os.replace(tmp, dest)
        return dest


def source_notebook(source_dir: str | os.PathLike, assignment: str) -> dict:
    return _nb.read_json(Path(source_dir) / f"{assignment}.ipynb")
