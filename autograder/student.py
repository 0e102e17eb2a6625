"""Grade ONE student in isolation: ``grade_student(job)``, the per-student job of every engine.

1. The student gets a course directory of its own (``W/course``), written from the batch's
   ``Template`` (the source and a gradebook that holds the assignment and nothing else) plus the
   submission: the notebook's kernel cannot reach another student's work or the real gradebook.
2. ONE child process (``autograder.childproc``) runs nbgrader's autograde there (and the feedback
   page when asked), under the limits: address space (inherited by the kernel) and wall clock
   for the whole notebook (the process tree is killed).
3. The result is read back (``autograder.results``) with what the outputs say (out of memory,
   cells stopped by the per-cell limit, truncated output) and the files the notebook wrote
   outside its folder.

A ``StudentJob`` carries everything as data and a ``StudentOutcome`` gives everything back as
data (the autograded notebook and feedback page as text), so the same function runs on this
machine (``engines.LocalEngine``) and on a Dask worker (``engines.DaskEngine``).
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import notebooks as _nb
from autograder.assignment import LAYOUT, Template, run_steps
from autograder.results import NotebookResult, failure_reason, find_step, read_result
from autograder.status import Step

VALID_STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")
#: What a throw-away course directory holds besides the student's own folders.
_EXPECTED_TOP = {LAYOUT.source, LAYOUT.release, LAYOUT.submitted, LAYOUT.autograded, LAYOUT.feedback,
                 LAYOUT.gradebook, LAYOUT.gradebook + "-journal", "nbgrader_config.py", LAYOUT.exchange}


@dataclass
class StudentJob:
    assignment: str
    student: str
    submission: bytes
    template: Template                  # generated (else the job generates it first)
    timeout: float | None               # seconds, the whole child process (None: no limit)
    memory_mb: int = 0
    config: dict = field(default_factory=dict)   # extra nbgrader config {"Section.name": value}
    feedback: bool = False              # also render the feedback page
    limit_label: str = ""               # how the time limit is named ("": the whole-notebook limit)
    profile: bool = False               # time the parts of autograde (benchmarks/bench_grading.py)
    cache_template: bool = False        # keep what the job generates (autograder.template_cache)


@dataclass
class StudentOutcome:
    result: NotebookResult
    findings: dict = field(default_factory=dict)   # memory / interrupted / truncated
    stray: list[str] = field(default_factory=list)
    wall: float = 0.0
    grader_error: bool = False          # the pipeline failed, not the notebook
    autograded_text: str | None = None
    feedback_text: str | None = None
    steps: list[dict] = field(default_factory=list)   # the child's step records (timings)

    def to_dict(self) -> dict:
        return {"result": self.result.to_dict(), "findings": self.findings, "stray": self.stray,
                "wall": self.wall, "grader_error": self.grader_error,
                "autograded_text": self.autograded_text, "feedback_text": self.feedback_text,
                "steps": self.steps}

    @classmethod
    def from_dict(cls, d: dict) -> "StudentOutcome":
        d = dict(d)
        d["result"] = NotebookResult.from_dict(d["result"])
        return cls(**d)


def output_findings(nb: dict) -> dict:
    """What the executed notebook's outputs say about the run."""
    memory, interrupted, truncated = [], [], False
    for index, cell in enumerate(nb.get("cells", [])):
        label = _nb.grade_id(cell) or f"cell {index + 1}"
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                if "MemoryError" in str(out.get("ename", "")):
                    memory.append(label)
                elif out.get("ename") == "KeyboardInterrupt":
                    interrupted.append(label)
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            if "output truncated" in text or "Output truncated" in text:
                truncated = True
            for value in (out.get("data") or {}).values():
                if isinstance(value, str) and "output truncated" in value:
                    truncated = True
    return {"memory": sorted(set(memory), key=memory.index), "interrupted": interrupted,
            "truncated": truncated}


def stray_files(course: Path, student: str, assignment: str, source_hash: str) -> list[str]:
    """Files the notebook wrote or changed outside its own folder in its course directory."""
    stray = [entry.name for entry in sorted(course.iterdir()) if entry.name not in _EXPECTED_TOP]
    src = course / LAYOUT.source / assignment / f"{assignment}.ipynb"
    if src.exists() and hashlib.sha256(src.read_bytes()).hexdigest() != source_hash:
        stray.append(f"{LAYOUT.source}/{assignment}/{assignment}.ipynb (changed)")
    for folder in (LAYOUT.autograded, LAYOUT.submitted, LAYOUT.feedback):
        base = course / folder
        if base.is_dir():
            for entry in sorted(base.iterdir()):
                if entry.name != student:
                    stray.append(f"{folder}/{entry.name}")
                elif entry.is_dir():
                    stray.extend(f"{folder}/{student}/{e.name}" for e in sorted(entry.iterdir())
                                 if e.name != assignment)
    return stray


def _child_problem(outcome, job: StudentJob) -> str:
    if outcome.timed_out:
        label = job.limit_label or f"the limit of {job.timeout:g} s (whole notebook)"
        return f"grading took longer than {label} and was stopped"
    tail = outcome.log_tail(3)
    if any("MemoryError" in line for line in tail):
        return f"the grader ran out of memory (limit {job.memory_mb} MB)"
    return f"the grading process failed (exit code {outcome.exitcode}): " + " | ".join(tail)


def grade_student(job: StudentJob, *, workdir: str | Path | None = None, running=None,
                  method: str = "fork", keep_text: bool = False) -> StudentOutcome:
    """Grade ``job`` in ``workdir`` (kept; default: a temporary folder, removed afterwards, and
    then ``keep_text`` is implied: the outcome carries the autograded notebook and feedback)."""
    if not VALID_STUDENT_ID.match(job.student):
        raise ValueError(f"student id {job.student!r}: use letters, digits and _.@+- only")
    temporary = workdir is None
    work = Path(tempfile.mkdtemp(prefix=f"recsys-grade-{job.student}-") if temporary else workdir)
    try:
        course = (work / "course").resolve()
        if course.exists():
            shutil.rmtree(course)
        job.template.write(course)
        submitted = course / LAYOUT.submitted / job.student / job.assignment / f"{job.assignment}.ipynb"
        submitted.parent.mkdir(parents=True, exist_ok=True)
        submitted.write_bytes(job.submission)
        base = {"root": str(course), "assignment": job.assignment}
        snapshot = work / "generated-gradebook.db"
        steps = [] if job.template.generated else [{"step": Step.GENERATE.value, **base}]
        if steps and job.cache_template:
            steps[0]["snapshot"] = str(snapshot)
        steps.append({"step": Step.AUTOGRADE.value, **base, "student": job.student, "config": job.config,
                      "profile": job.profile})
        if job.feedback:
            steps.append({"step": Step.FEEDBACK.value, **base, "student": job.student})
        records, outcome = run_steps(work, steps, timeout=job.timeout, method=method, running=running,
                                     memory_mb=job.memory_mb)
        gen = find_step(records, Step.GENERATE)
        grader_error = gen is not None and not gen["success"]
        if gen is not None and gen["success"] and job.cache_template and snapshot.exists():
            from autograder import template_cache

            files = {**job.template.files, LAYOUT.gradebook: snapshot.read_bytes()}
            template_cache.store(job.template, Template(job.assignment, files, generated=True))
        record = find_step(records, Step.AUTOGRADE, job.student)
        problem = None if record is not None and not outcome.timed_out else _child_problem(outcome, job)
        if grader_error:
            problem = failure_reason((gen.get("error") or "") + "\n" + (gen.get("log") or ""))
            record = None
        result = read_result(course, LAYOUT, job.assignment, job.student,
                             None if outcome.timed_out else record, problem, job.template.hidden_lines())
        feedback = find_step(records, Step.FEEDBACK, job.student)
        if feedback is not None and not feedback["success"]:
            result.feedback_html = None
        out = StudentOutcome(result=result, wall=outcome.seconds, grader_error=grader_error,
                             stray=stray_files(course, job.student, job.assignment, job.template.source_hash),
                             steps=[{k: v for k, v in r.items() if k not in ("log", "error")} for r in records])
        if result.autograded is not None:
            text = result.autograded.read_text(encoding="utf-8")
            out.findings = output_findings(json.loads(text))
            if temporary or keep_text:
                out.autograded_text = text
        if result.feedback_html is not None and (temporary or keep_text):
            out.feedback_text = result.feedback_html.read_text(encoding="utf-8")
        if temporary:
            result.autograded = result.feedback_html = None
        return out
    finally:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)
