"""Grade a whole class: ``recsys-course grade SUBMISSIONS --module M``.

Pipeline (each step restartable; see the README's instructor guide)::

    1. import      SUBMISSIONS (folder or LMS zip, see autograder.lms) -> one notebook per student,
                   copied to OUT/work/submitted/STUDENT/M/M.ipynb (nbgrader's submitted layout)
    2. inspect     no nbgrader needed: empty file, invalid JSON/nbformat, another assignment's
                   notebook -> could_not_grade; tampering (autograder.tamper) -> flagged later
    3. grade       each student in its OWN child process and throw-away nbgrader course directory
                   (autograder.nbgrader_runner.grade_notebooks: generate_assignment + autograde),
                   N at a time; memory limit (RLIMIT_AS, inherited by nbgrader and the kernel),
                   wall-clock limit for the whole notebook (process tree killed)
    4. record      the executed notebooks are recorded in the durable gradebook
                   OUT/work/gradebook.db with nbgrader's own SaveAutoGrades (no re-execution), so
                   manual grades entered in formgrader survive, exactly as with ``nbgrader autograde``;
                   feedback (hidden tests removed) is generated from that gradebook
    5. report      OUT/work/grades/M/grades.csv (sorted, no timestamps) and a terminal summary

OUT is an nbgrader course directory (the repository's layout: ``solutions/``, ``work/...``); by
default the course repository itself, so ``nbgrader formgrade``/``export`` from the repository see
the same gradebook. Per-student results are cached in OUT/work/grades/M/results/STUDENT.json
(written atomically) under a key made of the submission's hash, the source notebook's hash and the
limits: a re-run grades only students whose key changed or who have no result yet, and never
combines an old result with a new submission.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from autograder import config as _config
from autograder import lms as _lms
from autograder import notebooks as _nb

#: Bump when a change to the grading pipeline must invalidate cached results.
PIPELINE_VERSION = "1"

GRADED = "graded"
COULD_NOT_GRADE = "could_not_grade"
MISSING = "missing"
FLAGGED = "flagged"
STATUSES = (GRADED, COULD_NOT_GRADE, MISSING, FLAGGED)
CSV_COLUMNS = ("student", "module", "score", "max_score", "status", "reason")

#: Wall-clock limit of one student's whole grading (nbgrader start-up included), seconds.
DEFAULT_NOTEBOOK_TIMEOUT = 600
TENSORFLOW_NOTEBOOK_TIMEOUT = 1200
#: Address-space limit of every process grading one student (nbgrader and the kernel), MB.
DEFAULT_MEMORY_MB = 4096
TENSORFLOW_MEMORY_MB = 16384
#: Extra seconds the parent waits for a worker beyond the notebook limit before killing it.
WORKER_GRACE = 120


def default_timeout(module: str) -> float:
    return TENSORFLOW_NOTEBOOK_TIMEOUT if module in _config.TENSORFLOW_MODULES else DEFAULT_NOTEBOOK_TIMEOUT


def default_jobs() -> int:
    """The number of cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def default_memory_mb(module: str) -> int:
    return TENSORFLOW_MEMORY_MB if module in _config.TENSORFLOW_MODULES else DEFAULT_MEMORY_MB


class BatchError(RuntimeError):
    """The batch itself cannot run (unknown module, nbgrader cannot set up the assignment)."""


@dataclass
class Row:
    student: str
    module: str
    score: float | None
    max_score: float
    status: str
    reason: str
    seconds: float | None = None     # grading time in this run (None: cached or not graded)

    def csv_row(self) -> list[str]:
        return [self.student, self.module, "" if self.score is None else _fmt(self.score),
                _fmt(self.max_score), self.status, self.reason]


@dataclass
class BatchResult:
    module: str
    rows: list[Row]
    csv_path: Path
    out: Path
    unassigned: list[str] = field(default_factory=list)
    graded_now: int = 0
    seconds: float = 0.0

    def row(self, student: str) -> Row:
        for r in self.rows:
            if r.student == student:
                return r
        raise KeyError(student)

    @property
    def all_graded(self) -> bool:
        return all(r.status == GRADED for r in self.rows)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``path`` through a temporary file and a rename: readers see the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{id(data)}")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- paths
@dataclass(frozen=True)
class Paths:
    root: Path              # the nbgrader course directory (OUT)
    module: str

    @property
    def work(self) -> Path:
        return self.root / "work"

    def submitted(self, student: str) -> Path:
        return self.work / "submitted" / student / self.module / f"{self.module}.ipynb"

    def autograded(self, student: str) -> Path:
        return self.work / "autograded" / student / self.module / f"{self.module}.ipynb"

    def feedback(self, student: str) -> Path:
        return self.work / "feedback" / student / self.module / f"{self.module}.html"

    @property
    def gradebook(self) -> Path:
        return self.work / "gradebook.db"

    @property
    def grades(self) -> Path:
        return self.work / "grades" / self.module

    def result(self, student: str) -> Path:
        return self.grades / "results" / f"{student}.json"

    def executed(self, student: str) -> Path:
        return self.grades / "executed" / student / self.module / f"{self.module}.ipynb"

    @property
    def csv(self) -> Path:
        return self.grades / "grades.csv"


RECORD_LAYOUT_TEMPLATE = dict(source="solutions", release="work/release", autograded="work/autograded",
                              feedback="work/feedback", gradebook="work/gradebook.db",
                              exchange="work/exchange")


def record_layout(module: str) -> _config.Layout:
    """The layout the record step uses: executed notebooks are its "submitted" folder, and the
    release goes to work/release (never over the committed course/)."""
    return _config.Layout(submitted=f"work/grades/{module}/executed", **RECORD_LAYOUT_TEMPLATE)


def prepare_out(course_root: Path, out: Path, module: str) -> Path:
    """Make ``out`` an nbgrader course directory holding the module's source; return the source
    folder to grade against."""
    course_root, out = Path(course_root).resolve(), Path(out).resolve()
    source = course_root / "solutions" / module
    if out == course_root:
        return source
    out.mkdir(parents=True, exist_ok=True)
    config = course_root / "nbgrader_config.py"
    if not (out / "nbgrader_config.py").exists() or \
            (out / "nbgrader_config.py").read_bytes() != config.read_bytes():
        atomic_write(out / "nbgrader_config.py", config.read_bytes())
    dest = out / "solutions" / module
    for file in sorted(source.rglob("*")):
        if file.is_file() and ".ipynb_checkpoints" not in file.parts and "__pycache__" not in file.parts:
            target = dest / file.relative_to(source)
            if not target.exists() or target.read_bytes() != file.read_bytes():
                atomic_write(target, file.read_bytes())
    return dest


# --------------------------------------------------------------------------- pre-checks
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


# --------------------------------------------------------------------------- worker (child)
def _worker_config(cell_timeout: float | None, module: str) -> dict:
    """nbgrader config for the isolated run: the course's own (autograder.config, which caps
    outputs by lines, characters and bytes) plus an optional per-cell timeout."""
    return {"CourseExecute.timeouts": {module: int(cell_timeout)}} if cell_timeout else {}


def _output_findings(nb: dict) -> dict:
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


_EXPECTED_TOP = {"source", "release", "submitted", "autograded", "feedback", "gradebook.db",
                 "gradebook.db-journal", "nbgrader_config.py", "job.json", "steps.jsonl", "runner.log",
                 ".tmp", "exchange"}


def _stray_files(workdir: Path, student: str, module: str, source_hash: str) -> list[str]:
    """Files the notebook wrote or changed outside its own folder in the throw-away course dir."""
    stray = []
    for entry in sorted(workdir.iterdir()):
        if entry.name not in _EXPECTED_TOP:
            stray.append(entry.name)
    src = workdir / "source" / module / f"{module}.ipynb"
    if src.exists() and _sha(src.read_bytes()) != source_hash:
        stray.append(f"source/{module}/{module}.ipynb (changed)")
    for folder in ("autograded", "submitted", "feedback"):
        base = workdir / folder
        if base.is_dir():
            for entry in sorted(base.iterdir()):
                if entry.name != student:
                    stray.append(f"{folder}/{entry.name}")
                elif entry.is_dir():
                    stray.extend(f"{folder}/{student}/{e.name}" for e in sorted(entry.iterdir())
                                 if e.name != module)
    return stray


def _worker_main(job_path: str) -> int:
    """Grade one student in isolation; write ``result.json`` next to the job file."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    if job.get("memory_mb"):
        import resource

        limit = int(job["memory_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from autograder.nbgrader_runner import GradingError, grade_notebooks

    workdir = Path(job["workdir"])
    student, module = job["student"], job["module"]
    out: dict = {"student": student}
    start = time.perf_counter()
    try:
        results = grade_notebooks(module, job["source_dir"], {student: job["notebook"]},
                                  workdir=workdir / "course", timeout=job["timeout"], feedback=False,
                                  config=job["config"])
    except GradingError as exc:
        out.update(graded=False, reason=str(exc), grader_error=True)
    except MemoryError:
        out.update(graded=False, reason=f"the grader ran out of memory (limit {job['memory_mb']} MB)")
    else:
        r = results[student]
        out.update(graded=r.graded, reason=r.reason, seconds=r.seconds,
                   exercises=[{"grade_id": e.grade_id, "points": e.points, "max_points": e.max_points,
                               "status": e.status, "manual": e.manual, "first_line": e.first_line}
                              for e in r.exercises])
        course = workdir / "course"
        if r.autograded is not None and r.autograded.exists():
            executed = workdir / "executed.ipynb"
            shutil.copyfile(r.autograded, executed)
            out["executed"] = str(executed)
            out["findings"] = _output_findings(_nb.read_json(executed))
        out["stray"] = _stray_files(course, student, module, job["source_hash"])
    out["wall"] = time.perf_counter() - start
    atomic_write(workdir / "result.json", json.dumps(out))
    return 0


def _clean_reason(reason: str | None, workdir: Path) -> str:
    text = " ".join((reason or "").split())
    for path in (str(workdir / "course"), str(workdir)):
        text = text.replace(path, "<grading folder>")
    return re.sub(r"/tmp/[\w./-]+", "<temporary file>", text)[:400]


class _Running:
    """Worker processes in flight, so that an interrupted batch can stop them all."""

    def __init__(self):
        import threading

        self.lock = threading.Lock()
        self.procs: set = set()
        self.cancelled = False

    def kill_all(self) -> None:
        from autograder.nbgrader_runner import _kill_tree

        with self.lock:
            self.cancelled = True
            procs = list(self.procs)
        for proc in procs:
            _kill_tree(proc.pid)


class Cancelled(Exception):
    """The batch was interrupted; the student's result must not be saved."""


def _run_worker(job: dict, timeout: float, running: _Running | None = None) -> dict:
    """Start the worker for one student, wait at most ``timeout`` s, return its result."""
    from autograder.nbgrader_runner import _kill_tree

    workdir = Path(job["workdir"])
    job_path = workdir / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    env = _config.grading_env(workdir / ".tmp")
    env.setdefault("MALLOC_ARENA_MAX", "2")      # fewer malloc arenas: less address space per thread
    start = time.perf_counter()
    with open(workdir / "worker.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.batch", "_worker", str(job_path)],
                                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        if running is not None:
            with running.lock:
                running.procs.add(proc)
                if running.cancelled:
                    _kill_tree(proc.pid)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            proc.wait()
            if running is not None and running.cancelled:
                raise Cancelled()
            return {"graded": False, "wall": time.perf_counter() - start,
                    "reason": f"grading took longer than the limit of {job['timeout']:g} s (whole "
                              "notebook) and was stopped"}
        finally:
            if proc.poll() is None:          # interrupted (Ctrl-C): leave nothing running
                _kill_tree(proc.pid)
            if running is not None:
                with running.lock:
                    running.procs.discard(proc)
    if running is not None and running.cancelled:
        raise Cancelled()
    result = _read_json(workdir / "result.json")
    if result is None:
        tail = (workdir / "worker.log").read_text(errors="replace").strip().splitlines()[-3:]
        memory = any("MemoryError" in line for line in tail)
        reason = (f"the grader ran out of memory (limit {job['memory_mb']} MB)" if memory else
                  f"the grading process failed (exit code {code}): " + " | ".join(tail))
        return {"graded": False, "reason": reason, "wall": time.perf_counter() - start}
    return result


# --------------------------------------------------------------------------- record (child)
_COMMENTS = """
SELECT bc.name, c.auto_comment, c.manual_comment FROM comment c
JOIN submitted_notebook sn ON sn.id = c.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id
JOIN assignment a ON a.id = sa.assignment_id
JOIN base_cell bc ON bc.id = c.cell_id
WHERE a.name = ? AND sa.student_id = ?
ORDER BY bc.name
"""


def gradebook_state(db: Path, module: str, student: str) -> str:
    """A hash of everything the gradebook holds for a student's submission (scores, comments):
    feedback is regenerated when it changes, e.g. after manual grading."""
    import sqlite3

    from autograder.gradebook import read_scores

    if not db.exists():
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
    return _sha(payload.encode())


def _record_main(job_path: str) -> int:
    """Record executed notebooks in the durable gradebook and regenerate feedback. One JSON line
    per step in ``record.jsonl``; a failure for one student does not stop the others."""
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader.api")
    from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    from nbgrader.utils import capture_log
    from traitlets.config import Config

    from autograder.nbgrader_runner import _fast_alembic_version

    _fast_alembic_version()
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    root, module = Path(job["root"]), job["module"]
    steps = Path(job["steps"])

    def record(**entry):
        with open(steps, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    c = Config()
    _config.configure(c, root, record_layout(module))
    # The notebooks were executed in isolation: only save their grades, exactly as autograde does.
    c.Autograde.sanitize_preprocessors = []
    c.Autograde.autograde_preprocessors = [SaveAutoGrades, AssignLatePenalties]
    coursedir = CourseDirectory(config=c)
    coursedir.assignment_id = module
    if job["generate"]:
        app = GenerateAssignment(coursedir=coursedir, config=c)
        app.force = True
        result = capture_log(app)
        record(step="generate", student=None, success=result["success"],
               error=(result.get("error") or "") + (result.get("log") or "")[-2000:])
        if not result["success"]:
            return 3
    from nbgrader.api import Gradebook, MissingEntry

    def manual_state(student: str) -> dict:
        with Gradebook(c.CourseDirectory.db_url) as gb:
            try:
                sub = gb.find_submission(module, student)
            except MissingEntry:
                return {}
            return {(nb.name, g.name): (g.manual_score, g.needs_manual_grade)
                    for nb in sub.notebooks for g in nb.grades}

    for student in job["record"]:
        # nbgrader asks to review every manual grade again after re-autograding; when the very
        # same submission is recorded again (new limits, --force) nothing changed to review.
        same = student in job.get("same_submission", [])
        before = manual_state(student) if same else {}
        coursedir.student_id = student
        app = Autograde(coursedir=coursedir, config=c)
        app.force = True
        app.create_student = True
        result = capture_log(app)
        if result["success"] and before:
            with Gradebook(c.CourseDirectory.db_url) as gb:
                for nb in gb.find_submission(module, student).notebooks:
                    for g in nb.grades:
                        old = before.get((nb.name, g.name))
                        if old and old[0] is not None and not old[1] and g.manual_score == old[0]:
                            g.needs_manual_grade = False
                gb.db.commit()
        record(step="record", student=student, success=result["success"],
               error=((result.get("error") or "") + (result.get("log") or ""))[-2000:])
    db = root / "work" / "gradebook.db"
    for student, previous in sorted(job["feedback"].items()):
        state = gradebook_state(db, module, student)
        if state == previous:
            record(step="feedback", student=student, success=True, state=state, skipped=True)
            continue
        coursedir.student_id = student
        app = GenerateFeedback(coursedir=coursedir, config=c)
        app.force = True
        result = capture_log(app)
        record(step="feedback", student=student, success=result["success"], state=state,
               error=((result.get("error") or "") + (result.get("log") or ""))[-2000:])
    return 0


def _run_record(paths: Paths, generate: bool, to_record: list[str], feedback: dict[str, str],
                same_submission: list[str], timeout: float = 1800) -> tuple[list[dict], str | None]:
    from autograder.nbgrader_runner import _kill_tree

    grades = paths.grades
    grades.mkdir(parents=True, exist_ok=True)
    steps = grades / "record.jsonl"
    if steps.exists():
        steps.unlink()
    job = {"root": str(paths.root), "module": paths.module, "generate": generate,
           "record": to_record, "feedback": feedback, "steps": str(steps),
           "same_submission": same_submission}
    job_path = grades / "record-job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    problem = None
    with tempfile.TemporaryDirectory(prefix="recsys-record-") as tmp, \
            open(grades / "record.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "autograder.batch", "_record", str(job_path)],
                                cwd=paths.root, env=_config.grading_env(tmp), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
            if code != 0:
                problem = f"the gradebook step failed (exit code {code}); see {grades / 'record.log'}"
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            proc.wait()
            problem = "the gradebook step took too long and was stopped"
        finally:
            if proc.poll() is None:
                _kill_tree(proc.pid)
    records = [json.loads(line) for line in steps.read_text(encoding="utf-8").splitlines()
               if line.strip()] if steps.exists() else []
    return records, problem


# --------------------------------------------------------------------------- feedback pages
def notice_html(student: str, module: str, status: str, reason: str) -> str:
    title = "not graded yet" if status == MISSING else "could not be graded"
    body = ("We found no notebook from you for this module." if status == MISSING else
            "Your notebook could not be graded automatically. This is <b>not</b> a score of zero: "
            "your instructor has been told and will look at it.")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(module)}: {title}</title></head><body>\n"
            f"<h1>{html.escape(module)}: {title}</h1>\n<p>Student: {html.escape(student)}</p>\n"
            f"<p>{body}</p>\n<p>Reason: {html.escape(reason)}</p>\n</body></html>\n")


# --------------------------------------------------------------------------- the batch
@dataclass
class _Student:
    student: str
    status: str | None = None         # decided before grading (missing / could_not_grade)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    key: str | None = None            # cache key when it is to be graded
    data: bytes | None = None


def grade_class(submissions: str | Path, module: str, *, course_root: str | Path | None = None,
                out: str | Path | None = None, jobs: int | None = None, timeout: float | None = None,
                memory_mb: int | None = None, cell_timeout: float | None = None,
                roster: str | Path | None = None, force: bool = False, progress: bool = True,
                echo=print) -> BatchResult:
    """Grade every submission of ``module`` in ``submissions``; see the module docstring."""
    from autograder.release import discover_modules, find_course_root
    from autograder.tamper import inspect_submission

    started = time.perf_counter()
    course_root = find_course_root(course_root)
    if module not in discover_modules(course_root):
        raise BatchError(f"unknown module {module!r}; known: {', '.join(discover_modules(course_root))}")
    out_root = Path(out).resolve() if out else course_root.resolve()
    source_dir = prepare_out(course_root, out_root, module)
    paths = Paths(out_root, module)
    jobs = max(1, int(jobs or default_jobs()))
    timeout = float(timeout or default_timeout(module))
    memory_mb = int(memory_mb if memory_mb is not None else default_memory_mb(module))
    source_bytes = (source_dir / f"{module}.ipynb").read_bytes()
    source_nb = json.loads(source_bytes)
    source_hash = _sha(source_bytes)
    total_points = max_points(source_nb)
    roster_ids = _lms.read_roster(roster) if roster else None
    collected = _lms.collect_submissions(submissions, module, roster_ids)
    known = module_grade_ids(course_root)
    settings = json.dumps([PIPELINE_VERSION, source_hash, timeout, memory_mb, cell_timeout])

    # 1-2. import and inspect
    students: dict[str, _Student] = {}
    for sid, sub in collected.students.items():
        st = _Student(sid, status=sub.status, reason=sub.reason, notes=list(sub.notes))
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
            st.status, st.reason = COULD_NOT_GRADE, problem
            continue
        inspection = inspect_submission(nb, source_nb, module, known)
        if inspection.wrong_assignment:
            st.status, st.reason = COULD_NOT_GRADE, inspection.wrong_assignment
            continue
        st.flags.extend(inspection.flags)
        st.notes.extend(inspection.notes)
        st.key = _sha((settings + _sha(data)).encode())
        st.data = data
    _write_import_report(paths, collected)

    # 3. grade in isolation (only what has no up-to-date result)
    todo = [st for st in students.values() if st.key and
            (force or (_read_json(paths.result(st.student)) or {}).get("key") != st.key)]
    config = _worker_config(cell_timeout, module) if todo else {}
    seconds: dict[str, float] = {}
    if todo:
        echo(f"Grading {len(todo)} notebook(s) of {module} with {jobs} worker(s) "
             f"(limits: {timeout:g} s per notebook, {memory_mb} MB per process); "
             f"{sum(1 for s in students.values() if s.key) - len(todo)} up to date.")
        _grade_all(todo, paths, source_dir, source_hash, module, timeout, memory_mb, config, jobs,
                   progress, seconds)

    # 4. record in the durable gradebook; feedback
    results = {sid: _read_json(paths.result(sid)) for sid, st in students.items() if st.key}
    # The durable gradebook holds the notebooks that were graded (never a failed one).
    recordable = sorted(sid for sid, r in results.items() if r and r.get("key") == students[sid].key
                        and r.get("graded") and not (r.get("findings") or {}).get("memory"))
    to_record = [sid for sid in recordable if results[sid].get("recorded") != results[sid]["key"]]
    marker = paths.grades / "generated.txt"
    generate = not paths.gradebook.exists() or not marker.exists() or \
        marker.read_text().strip() != source_hash
    record_problem = None
    # Feedback is regenerated when the gradebook changed for a student (e.g. manual grading).
    stale_feedback = {sid: "changed" if sid in to_record else results[sid].get("feedback_state", "")
                      for sid in recordable}
    stale_feedback = {sid: state for sid, state in stale_feedback.items()
                      if state == "changed" or not paths.feedback(sid).exists()
                      or gradebook_state(paths.gradebook, module, sid) != state}
    if to_record or stale_feedback or (recordable and generate):
        same = [sid for sid in to_record
                if results[sid].get("recorded_sha") == results[sid].get("submission_sha")]
        records, record_problem = _run_record(paths, generate, to_record, stale_feedback, same)
        if generate:
            gen = next((r for r in records if r["step"] == "generate"), None)
            if gen is None or not gen["success"]:
                raise BatchError("nbgrader generate_assignment failed in the gradebook at "
                                 f"{paths.gradebook}: " + (record_problem or (gen or {}).get("error", "")[-500:]))
            atomic_write(marker, source_hash + "\n")
        for r in records:
            sid = r.get("student")
            if sid is None or results.get(sid) is None:
                continue
            res = results[sid]
            if r["step"] == "record":
                if r["success"]:
                    res["recorded"] = res["key"]
                    res["recorded_sha"] = res.get("submission_sha")
                    res.pop("record_error", None)
                else:
                    from autograder.nbgrader_runner import failure_reason

                    res["record_error"] = "could not record the grade in the gradebook: " + \
                        failure_reason(r.get("error") or "")
            elif r["step"] == "feedback" and r["success"]:
                res["feedback_state"] = r["state"]
            atomic_write(paths.result(sid), json.dumps(res, indent=1, sort_keys=True))

    # 5. rows
    rows = _build_rows(students, results, paths, module, total_points, memory_mb, cell_timeout,
                       record_problem)
    for row in rows:
        if row.status in (MISSING, COULD_NOT_GRADE):
            atomic_write(paths.feedback(row.student), notice_html(row.student, module, row.status, row.reason))
        row.seconds = seconds.get(row.student)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(row.csv_row())
    atomic_write(paths.csv, buf.getvalue())
    _append_log(paths, rows, jobs, time.perf_counter() - started)
    return BatchResult(module=module, rows=rows, csv_path=paths.csv, out=out_root,
                       unassigned=collected.unassigned, graded_now=len(todo),
                       seconds=time.perf_counter() - started)


def _grade_all(todo, paths, source_dir, source_hash, module, timeout, memory_mb, config, jobs,
               progress, seconds) -> None:
    running = _Running()

    def one(st: _Student) -> str:
        with tempfile.TemporaryDirectory(prefix=f"recsys-batch-{st.student}-") as tmp:
            workdir = Path(tmp)
            notebook = workdir / f"{module}.ipynb"
            notebook.write_bytes(st.data)
            job = {"student": st.student, "module": module, "source_dir": str(source_dir),
                   "notebook": str(notebook), "workdir": str(workdir), "timeout": timeout,
                   "memory_mb": memory_mb, "config": config, "source_hash": source_hash}
            res = _run_worker(job, timeout + WORKER_GRACE, running)
            res["reason"] = _clean_reason(res.get("reason"), workdir) or None
            res["stray"] = res.get("stray", [])
            executed = res.pop("executed", None)
            if executed and Path(executed).exists():
                atomic_write(paths.executed(st.student), Path(executed).read_bytes())
            elif paths.executed(st.student).exists():
                paths.executed(st.student).unlink()
            seconds[st.student] = res.pop("wall", None)
            res.pop("seconds", None)
            res["key"] = st.key
            res["submission_sha"] = _sha(st.data)
            previous = _read_json(paths.result(st.student)) or {}
            for keep in ("recorded", "recorded_sha", "feedback_state"):
                if keep in previous:
                    res[keep] = previous[keep]
            atomic_write(paths.result(st.student), json.dumps(res, indent=1, sort_keys=True))
        return st.student

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="notebook", desc="grading", file=sys.stderr, dynamic_ncols=True)
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(one, st) for st in sorted(todo, key=lambda s: s.student)]
        for future in as_completed(futures):
            student = future.result()
            if bar is not None:
                bar.set_postfix_str(student, refresh=False)
                bar.update(1)
    except BaseException:
        running.kill_all()          # Ctrl-C / SIGTERM: stop every worker; finished results are kept
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()


def _build_rows(students, results, paths, module, total_points, memory_mb, cell_timeout,
                record_problem) -> list[Row]:
    from autograder.gradebook import read_scores

    graded_ids = [sid for sid, r in results.items() if r and r.get("graded")]
    scores = read_scores(paths.gradebook, module, graded_ids) if graded_ids and paths.gradebook.exists() else {}
    rows = []
    for sid in sorted(students):
        st = students[sid]
        if st.status in (MISSING, COULD_NOT_GRADE):
            rows.append(Row(sid, module, None, total_points, st.status, _join([st.reason] + st.notes)))
            continue
        res = results.get(sid)
        if res is None or res.get("key") != st.key:
            reason = record_problem or "the grader did not reach this notebook (the run was interrupted)"
            rows.append(Row(sid, module, None, total_points, COULD_NOT_GRADE, reason))
            continue
        findings = res.get("findings") or {}
        notes = list(st.notes)
        if findings.get("interrupted"):
            limit = f" of {cell_timeout:g} s" if cell_timeout else ""
            notes.append("stopped after the per-cell time limit" + limit + ": "
                         + ", ".join(findings["interrupted"]))
        if findings.get("truncated"):
            notes.append("long output was truncated")
        flags = list(st.flags)
        if res.get("stray"):
            flags.append("wrote files outside its folder: " + ", ".join(res["stray"][:5]))
        flag_part = [_flag_text(flags)] if flags else []
        if not res.get("graded"):
            # tampering that also broke grading: flagged (to review), without a score
            rows.append(Row(sid, module, None, total_points, FLAGGED if flags else COULD_NOT_GRADE,
                            _join(flag_part + ["could not grade: " + (res.get("reason") or "unknown error")]
                                  + notes)))
            continue
        if findings.get("memory"):
            earned = sum(e["points"] or 0 for e in res.get("exercises", []) if not e["manual"])
            rows.append(Row(sid, module, None, total_points, FLAGGED if flags else COULD_NOT_GRADE, _join(
                flag_part + [f"ran out of memory (limit {memory_mb} MB per process) in "
                             + ", ".join(findings["memory"]) + f"; the tests that ran earned {earned:g} points"]
                + notes)))
            continue
        if res.get("record_error") or res.get("recorded") != res.get("key") or sid not in scores:
            rows.append(Row(sid, module, None, total_points, COULD_NOT_GRADE,
                            res.get("record_error") or record_problem
                            or "the grade was not recorded in the gradebook"))
            continue
        cells = scores[sid].get(module, [])
        score = sum(c.score or 0.0 for c in cells)
        maximum = sum(c.max_score for c in cells) or total_points
        pending = [c for c in cells if c.manual and c.needs_manual_grade and c.manual_score is None]
        review = [c for c in cells if c.needs_manual_grade and c.manual_score is not None]
        if pending:
            notes.append("to grade by hand: " + ", ".join(f"{c.grade_id} ({c.max_score:g} points)"
                                                         for c in pending))
        if review:
            notes.append("manual grade kept, to review after re-grading: "
                         + ", ".join(c.grade_id for c in review))
        status = FLAGGED if flags else GRADED
        rows.append(Row(sid, module, score, maximum, status,
                        _join(([_flag_text(flags)] if flags else []) + notes)))
    return rows


def _flag_text(flags: list[str]) -> str:
    shown = flags[:4]
    more = f"; and {len(flags) - 4} more" if len(flags) > 4 else ""
    return "possible tampering: " + "; ".join(shown) + more


def _join(parts: list[str]) -> str:
    return "; ".join(" ".join(p.split()) for p in parts if p and p.strip())


def _write_import_report(paths: Paths, collected) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "name", "file", "bytes", "sha256", "files_in_submission"])
    for sid, sub in collected.students.items():
        chosen = sub.chosen
        writer.writerow([sid, sub.display_name, chosen.path if chosen else "",
                         chosen.size if chosen else "", _sha(chosen.read()) if chosen else "",
                         " | ".join(f.path for f in sub.files)])
    for rel in collected.unassigned:
        writer.writerow(["", "", rel, "", "", "unassigned: no student id in the name"])
    atomic_write(paths.grades / "import.csv", buf.getvalue())


def _append_log(paths: Paths, rows: list[Row], jobs: int, seconds: float) -> None:
    paths.grades.mkdir(parents=True, exist_ok=True)
    with open(paths.grades / "grading.log", "a", encoding="utf-8") as f:
        f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} jobs={jobs} total={seconds:.1f}s\n")
        for r in rows:
            if r.seconds is not None:
                f.write(f"  {r.student} {r.status} {r.seconds:.1f}s\n")


# --------------------------------------------------------------------------- terminal
def summary_table(result: BatchResult, width: int = 70) -> str:
    rows = [("student", "status", "score", "time", "reason")]
    for r in result.rows:
        score = "-" if r.score is None else f"{_fmt(r.score)}/{_fmt(r.max_score)}"
        t = "-" if r.seconds is None else f"{r.seconds:.1f}s"
        reason = r.reason if len(r.reason) <= width else r.reason[: width - 1] + "…"
        rows.append((r.student, r.status, score, t, reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(row[j].ljust(widths[j]) if j < 2 else row[j].rjust(widths[j])
                               for j in range(4)) + "  " + row[4])
        if i == 0:
            lines.append("-" * (sum(widths) + 8 + min(width, 40)))
    counts = {s: sum(1 for r in result.rows if r.status == s) for s in STATUSES}
    lines.append("")
    lines.append(f"{len(result.rows)} students: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if result.graded_now:
        per_min = result.graded_now / result.seconds * 60 if result.seconds else 0.0
        lines.append(f"graded {result.graded_now} notebook(s) in {result.seconds:.1f} s "
                     f"({per_min:.1f} per minute); the others were up to date")
    for rel in result.unassigned:
        lines.append(f"warning: no student id in the file name, not graded: {rel}")
    lines.append(f"grades: {result.csv_path}")
    lines.append(f"feedback: {result.out / 'work' / 'feedback'}/STUDENT/{result.module}/{result.module}.html")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_worker":
        sys.exit(_worker_main(sys.argv[2]))
    if len(sys.argv) == 3 and sys.argv[1] == "_record":
        sys.exit(_record_main(sys.argv[2]))
    sys.exit("usage: python -m autograder.batch _worker|_record JOB.json (internal)")
