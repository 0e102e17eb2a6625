"""What runs INSIDE a grading child process (started by ``autograder.childproc``): nbgrader itself.

``main(payload)`` runs the payload's steps in order, appending one JSON line per step to
``payload["steps_file"]``::

    {"step": "generate",  "root": R, "layout": {...}, "assignment": M}
        nbgrader generate_assignment in the course directory R (folder names from ``layout``)
    {"step": "autograde", "root": R, "assignment": M, "student": S, "config": {...}}
        nbgrader autograde of S's submission in R (``config``: extra {"Section.name": value})
    {"step": "feedback",  "root": R, "assignment": M, "student": S}
        S's feedback page from R's gradebook (``autograder.feedback``), after a successful autograde

A batch generates the assignment ONCE and copies the result (source, gradebook) into each
student's own course directory; ``check`` runs all three steps in one process. This module
imports nbgrader at import time: the forkserver preloads it once for all the children it forks.
"""
from __future__ import annotations

import json
import time
import traceback
from pathlib import Path

import autograder._fast_imports  # noqa: F401  (first: before nbformat imports jsonschema)
import nbconvert.exporters  # noqa: E402,F401  (preloaded for the feedback pages)
import nbgrader.api  # noqa: E402
from nbgrader.converters import Autograde, GenerateAssignment  # noqa: E402
from nbgrader.coursedir import CourseDirectory  # noqa: E402
from nbgrader.utils import capture_log  # noqa: E402
from traitlets.config import Config  # noqa: E402

import autograder.outputlimits  # noqa: E402,F401  (preloaded: the course config uses them)
import autograder.preprocessors  # noqa: E402,F401
from autograder import config as _config  # noqa: E402
from autograder import feedback as _feedback  # noqa: E402
from autograder.status import Step  # noqa: E402


def fast_alembic_version() -> None:
    """nbgrader stamps a new gradebook with the alembic head by running the ``alembic`` command
    in a subprocess (2-3 s). Read the same head from nbgrader's migration scripts in-process
    (once, at import: the forkserver's children inherit it)."""
    import nbgrader
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic"))
    head = scripts.get_current_head()
    nbgrader.api.get_alembic_version = lambda: head


fast_alembic_version()

#: True while a step works on a throw-away gradebook (see ``_throwaway_sqlite``).
_THROWAWAY = {"on": False}


def _throwaway_sqlite() -> None:
    """A throw-away gradebook needs no durability: nbgrader commits after every cell it saves,
    and each commit would wait for the disk. While ``_THROWAWAY["on"]``, new SQLite connections
    skip the sync and keep the rollback journal in memory; the durable gradebook (a step with
    ``"durable": true``) keeps SQLite's defaults."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection, _record):
        if _THROWAWAY["on"] and type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA journal_mode=MEMORY")
            cursor.close()


_throwaway_sqlite()


def _config_for(step: dict) -> Config:
    c = Config()
    layout = _config.Layout(**step["layout"]) if "layout" in step else _config.TEMPORARY_LAYOUT
    _config.configure(c, step["root"], layout)
    for key, value in (step.get("config") or {}).items():   # e.g. {"CourseExecute.timeouts": {...}}
        section, name = key.split(".")
        setattr(c[section], name, value)
    return c


def _coursedir(c: Config, step: dict) -> CourseDirectory:
    coursedir = CourseDirectory(config=c)
    coursedir.assignment_id = step["assignment"]
    if step.get("student"):
        coursedir.student_id = step["student"]
    return coursedir


def _generate(step: dict) -> dict:
    c = _config_for(step)
    app = GenerateAssignment(coursedir=_coursedir(c, step), config=c)
    app.force = True
    result = capture_log(app)
    if result["success"] and step.get("snapshot"):
        # the freshly generated gradebook, before any student is added (autograder.template_cache)
        import shutil

        layout = _config.Layout(**step["layout"]) if "layout" in step else _config.TEMPORARY_LAYOUT
        shutil.copyfile(Path(step["root"]) / layout.gradebook, step["snapshot"])
    return result


def _autograde(step: dict) -> dict:
    c = _config_for(step)
    with _profiled(step.get("profile")) as times:
        app = Autograde(coursedir=_coursedir(c, step), config=c)
        app.force = True
        app.create_student = True
        result = capture_log(app)
    if times is not None:
        result["profile"] = times
    return result


class _profiled:
    """With ``on``: time the parts of one autograde (``benchmarks/bench_grading.py --profile``)
    by wrapping nbgrader's and nbclient's methods in this process only."""

    PARTS = (("nbgrader.converters.autograde", "Autograde", "init_assignment", "set-up (student, submission, files)"),
             ("nbgrader.preprocessors", "OverwriteCells", "preprocess", "sanitize: restore locked cells"),
             ("nbclient.client", "NotebookClient", "start_new_kernel", "kernel start"),
             ("nbclient.client", "NotebookClient", "start_new_kernel_client", "kernel start"),
             ("nbgrader.preprocessors", "Execute", "preprocess", "execute (kernel start included)"),
             ("nbgrader.preprocessors", "SaveAutoGrades", "preprocess", "SaveAutoGrades"),
             ("nbconvert.writers", "FilesWriter", "write", "write notebooks"))

    def __init__(self, on):
        self.on, self.saved, self.times = bool(on), [], {}

    def __enter__(self):
        if not self.on:
            return None
        import functools
        import importlib
        import inspect

        for module, cls_name, name, label in self.PARTS:
            cls = getattr(importlib.import_module(module), cls_name)
            original = cls.__dict__.get(name) or getattr(cls, name)
            self.saved.append((cls, name, cls.__dict__.get(name)))
            times = self.times

            if inspect.iscoroutinefunction(original):
                async def wrapper(*a, __f=original, __label=label, **k):
                    start = time.perf_counter()
                    try:
                        return await __f(*a, **k)
                    finally:
                        times[__label] = times.get(__label, 0.0) + time.perf_counter() - start
            else:
                def wrapper(*a, __f=original, __label=label, **k):
                    start = time.perf_counter()
                    try:
                        return __f(*a, **k)
                    finally:
                        times[__label] = times.get(__label, 0.0) + time.perf_counter() - start
            setattr(cls, name, functools.wraps(original)(wrapper))
        return self.times

    def __exit__(self, *exc):
        for cls, name, original in reversed(self.saved):
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)
        return False


def _feedback_page(step: dict) -> dict:
    root, assignment, student = Path(step["root"]), step["assignment"], step["student"]
    layout = _config.TEMPORARY_LAYOUT
    graded = root / layout.autograded / student / assignment / f"{assignment}.ipynb"
    source = _feedback.source_notebook(root / layout.source / assignment, assignment)
    renderer = _feedback.FeedbackRenderer(assignment, f"sqlite:///{root / layout.gradebook}", source)
    renderer.write(graded, student, root / layout.feedback / student / assignment / f"{assignment}.html")
    return {"success": True}


_STEPS = {Step.GENERATE: _generate, Step.AUTOGRADE: _autograde, Step.FEEDBACK: _feedback_page}


def main(payload: dict) -> int:
    """Run ``payload["steps"]``; stop at the first failed generate (nothing can be graded)."""
    steps_file = Path(payload["steps_file"])
    for step in payload["steps"]:
        kind = Step(step["step"])
        _THROWAWAY["on"] = not step.get("durable")
        start = time.perf_counter()
        try:
            result = _STEPS[kind](step)
        except Exception:            # recorded as a failed step (generate/autograde catch their own)
            result = {"success": False, "error": traceback.format_exc()}
        entry = {"step": kind.value, "student": step.get("student"), "success": bool(result["success"]),
                 "error": result.get("error"), "log": (result.get("log") or "")[-20000:],
                 "seconds": time.perf_counter() - start, "started": time.time() - (time.perf_counter() - start)}
        if "profile" in result:
            entry["profile"] = result["profile"]
        with open(steps_file, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        if not result["success"] and kind == Step.GENERATE:
            return 3
        if not result["success"] and kind == Step.AUTOGRADE:
            break                       # no feedback for a notebook that could not be graded
    return 0
