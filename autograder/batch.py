"""Grade a whole class: ``recsys-course grade SUBMISSIONS --module M``.

Pipeline (each step restartable; see the README's instructor guide)::

    1. import      SUBMISSIONS (folder or LMS zip, autograder.lms) -> one notebook per student,
                   copied to OUT/work/submitted/STUDENT/M/M.ipynb          (autograder.batch_inspect)
    2. inspect     no nbgrader needed: empty file, invalid JSON/nbformat, another assignment's
                   notebook -> could_not_grade; tampering (autograder.tamper) -> flagged later
    3. grade       nbgrader generate_assignment ONCE (autograder.assignment), then each student in
                   its OWN child process and throw-away course directory (autograder.student), on an
                   engine (autograder.engines: N local workers, or a Dask cluster); memory limit
                   (RLIMIT_AS, inherited by the kernel), wall-clock limit for the whole notebook
                   (process tree killed)
    4. record      as each student finishes: the executed notebook into the durable gradebook
                   OUT/work/gradebook.db with nbgrader's own SaveAutoGrades (no re-execution), so
                   manual grades entered in formgrader survive exactly as with ``nbgrader autograde``;
                   the feedback page (hidden tests removed, model answers shown) from that
                   gradebook                                                (autograder.batch_record)
    5. report      OUT/work/grades/M/grades.csv (sorted, no timestamps) and a terminal summary
                                                                            (autograder.batch_report)

OUT is an nbgrader course directory (autograder.batch_layout); by default the course repository
itself, so formgrader and ``nbgrader export`` from the repository see the same gradebook.
Per-student results are cached in OUT/work/grades/M/results/STUDENT.json (written atomically)
under a key made of the submission's hash, the source notebook's hash and the limits: a re-run
grades only students whose key changed or who have no result yet, and never combines an old
result with a new submission.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import time
from pathlib import Path

from autograder import limits as _limits
from autograder.batch_inspect import (Student, collect, import_and_inspect, max_points,  # noqa: F401
                                      module_grade_ids, read_notebook_bytes)
from autograder.batch_layout import (RECORD_LAYOUT, Paths, atomic_write, prepare_out,  # noqa: F401
                                     read_json, sha256)
from autograder.batch_record import Recorder, gradebook_state  # noqa: F401
from autograder.batch_report import (CSV_COLUMNS, BatchResult, Row, append_log, build_rows,  # noqa: F401
                                     notice_html, summary_table, write_csv)
from autograder.errors import BatchError, GradingError, UnknownModuleInBatch
from autograder.limits import (DEFAULT_MEMORY_MB, DEFAULT_NOTEBOOK_TIMEOUT, TENSORFLOW_MEMORY_MB,  # noqa: F401
                               TENSORFLOW_NOTEBOOK_TIMEOUT, default_memory_mb, default_timeout)
from autograder.results import failure_reason
from autograder.status import Status, Step

#: Bump when a change to the grading pipeline must invalidate cached results.
PIPELINE_VERSION = "2"
#: Seconds the one generate_assignment of a batch may take.
GENERATE_TIMEOUT = 600

GRADED, COULD_NOT_GRADE, MISSING, FLAGGED = Status.GRADED, Status.COULD_NOT_GRADE, Status.MISSING, Status.FLAGGED
STATUSES = tuple(Status)


def default_jobs() -> int:
    """The number of cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def clean_reason(reason: str | None) -> str:
    """A reason without the grading folders' temporary paths, on one line."""
    text = " ".join((reason or "").split())
    text = re.sub(re.escape(tempfile.gettempdir()) + r"/[\w.@+-]+/course", "<grading folder>", text)
    return re.sub(r"/tmp/[\w./@+-]+", "<temporary file>", text)[:400]


def _recordable(res: dict | None, key: str | None) -> bool:
    """A result whose grades belong in the durable gradebook (never a failed one)."""
    return bool(res) and res.get("key") == key and bool(res.get("graded")) and \
        not (res.get("findings") or {}).get("memory")


class _Batch:
    """The state of one ``grade_class`` run between its steps."""

    def __init__(self, paths: Paths, source_dir: Path, source_nb: dict, students: dict, echo):
        self.paths, self.source_dir, self.source_nb = paths, source_dir, source_nb
        self.students, self.echo = students, echo
        self.results = {sid: read_json(paths.result(sid)) for sid, st in students.items() if st.key}
        self.recorder: Recorder | None = None
        self.seconds: dict[str, float] = {}
        self.recorded_now: set[str] = set()

    def save(self, sid: str) -> None:
        atomic_write(self.paths.result(sid), json.dumps(self.results[sid], indent=1, sort_keys=True))

    def record(self, sid: str) -> None:
        """Record ``sid``'s graded notebook in the durable gradebook, then render its feedback."""
        import traceback

        res = self.results[sid]
        graded = self.paths.autograded(sid)
        problem = None
        if not graded.exists() or sha256(graded.read_bytes()) != res.get("autograded_sha"):
            problem = "could not record the grade: the graded notebook is missing or was changed"
        else:
            try:
                self._recorder().record(sid, same_submission=res.get("recorded_sha") == res.get("submission_sha"))
            except Exception:            # any failure of nbgrader's API: reported in the row
                problem = "could not record the grade in the gradebook: " + failure_reason(traceback.format_exc())
        if problem:
            res["record_error"] = problem
            res.pop("recorded", None)
            self.save(sid)
            return
        res["recorded"], res["recorded_sha"] = res["key"], res.get("submission_sha")
        res.pop("record_error", None)
        self.recorded_now.add(sid)
        self.save(sid)
        self.feedback(sid)

    def _recorder(self) -> Recorder:
        if self.recorder is None:
            self.recorder = Recorder(self.paths, self.source_dir, self.source_nb)
        return self.recorder

    def feedback(self, sid: str) -> None:
        res = self.results[sid]
        try:
            res["feedback_state"] = self._recorder().feedback(sid)
        except Exception as exc:           # the grade is recorded; the page is retried next run
            res.pop("feedback_state", None)
            self.echo(f"warning: could not write the feedback page of {sid}: {type(exc).__name__}: {exc}")
        self.save(sid)

    def on_done(self, job, outcome) -> None:
        """A student finished grading: save the result atomically, then record it."""
        sid, st = job.student, self.students[job.student]
        result = outcome.result
        res = {"student": sid, "graded": result.graded, "reason": clean_reason(result.reason) or None,
               "grader_error": outcome.grader_error, "findings": outcome.findings,
               "stray": outcome.stray, "key": st.key, "submission_sha": sha256(st.data),
               "exercises": [{"grade_id": e.grade_id, "points": e.points, "max_points": e.max_points,
                              "status": str(e.status), "manual": e.manual, "first_line": e.first_line}
                             for e in result.exercises]}
        if outcome.autograded_text is not None and _recordable(res, st.key):
            # only a notebook whose grades go into the gradebook replaces the graded copy there
            data = outcome.autograded_text.encode("utf-8")
            atomic_write(self.paths.autograded(sid), data)
            res["autograded_sha"] = sha256(data)
        previous = self.results.get(sid) or {}
        for keep in ("recorded", "recorded_sha", "feedback_state"):
            if keep in previous:
                res[keep] = previous[keep]
        self.results[sid] = res
        self.seconds[sid] = outcome.wall
        self.save(sid)
        if _recordable(res, st.key):
            self.record(sid)

    def finish_records(self, regenerated: bool) -> None:
        """Record what an earlier, interrupted run graded but did not record; refresh feedback
        pages whose gradebook entries changed (e.g. manual grading)."""
        for sid in sorted(self.results):
            res, key = self.results[sid], self.students[sid].key
            if not _recordable(res, key) or sid in self.recorded_now:
                continue
            if regenerated or res.get("recorded") != key:
                self.record(sid)
            elif not self.paths.feedback(sid).exists() or \
                    gradebook_state(self.paths.gradebook, self.paths.module, sid) != res.get("feedback_state"):
                self.feedback(sid)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()


def grade_class(submissions: str | Path, module: str, *, course_root: str | Path | None = None,
                out: str | Path | None = None, jobs: int | None = None, timeout: float | None = None,
                memory_mb: int | None = None, cell_timeout: float | None = None,
                roster: str | Path | None = None, force: bool = False, progress: bool = True,
                echo=print, engine=None) -> BatchResult:
    """Grade every submission of ``module`` in ``submissions``; see the module docstring.
    ``engine``: where the students are graded (default ``LocalEngine(jobs)``; see
    ``autograder.engines``)."""
    from autograder.assignment import generate_step, generate_template, run_steps
    from autograder.engines import LocalEngine
    from autograder.release import discover_modules, find_course_root
    from autograder.student import StudentJob

    started = time.perf_counter()
    course_root = find_course_root(course_root)
    known_modules = discover_modules(course_root)
    if module not in known_modules:
        raise UnknownModuleInBatch(module, known_modules)
    out_root = Path(out).resolve() if out else course_root.resolve()
    source_dir = prepare_out(course_root, out_root, module)
    paths = Paths(out_root, module)
    limits = _limits.limits_for(module, timeout=timeout, cell_timeout=cell_timeout, memory_mb=memory_mb)
    engine = engine or LocalEngine(jobs or default_jobs())
    source_bytes = (source_dir / f"{module}.ipynb").read_bytes()
    source_nb, source_hash = json.loads(source_bytes), sha256(source_bytes)
    collected = collect(submissions, module, roster)
    settings = json.dumps([PIPELINE_VERSION, source_hash, limits.notebook_timeout, limits.memory_mb,
                           cell_timeout])
    # 1-2. import and inspect
    students = import_and_inspect(collected, paths, source_nb, module, module_grade_ids(course_root),
                                  settings)
    batch = _Batch(paths, source_dir, source_nb, students, echo)
    todo = sorted((st for st in students.values() if st.key and
                   (force or (batch.results[st.student] or {}).get("key") != st.key)),
                  key=lambda s: s.student)
    recordable = [sid for sid, res in batch.results.items() if _recordable(res, students[sid].key)]
    regenerate = not paths.gradebook.exists() or not paths.generated_marker.exists() or \
        paths.generated_marker.read_text().strip() != source_hash
    durable = ([generate_step(out_root, module, RECORD_LAYOUT, durable=True)]
               if regenerate and (todo or recordable) else [])
    method = "fork" if isinstance(engine, LocalEngine) else "exec"
    try:
        with tempfile.TemporaryDirectory(prefix=f"recsys-batch-{module}-") as tmp:
            # 3. generate once (and the durable gradebook's assignment, when needed), in one process
            records = []
            try:
                if todo:
                    template, records = generate_template(module, source_dir, tmp, timeout=GENERATE_TIMEOUT,
                                                          method=method, extra_steps=durable)
                elif durable:
                    records, _ = run_steps(Path(tmp), durable, timeout=GENERATE_TIMEOUT, method=method)
            except GradingError as exc:
                raise BatchError(str(exc)) from exc
            if durable:
                gen = [r for r in records if r.get("step") == Step.GENERATE][-1:] or [None]
                if gen[0] is None or not gen[0]["success"]:
                    detail = failure_reason((gen[0] or {}).get("error") or "") if gen[0] else "no result"
                    raise BatchError(f"nbgrader generate_assignment failed in the gradebook at "
                                     f"{paths.gradebook}: {detail}")
                atomic_write(paths.generated_marker, source_hash + "\n")
            if todo:
                echo(f"Grading {len(todo)} notebook(s) of {module} on {engine.describe()} "
                     f"(limits: {limits.describe()}); {sum(1 for s in students.values() if s.key) - len(todo)} "
                     "up to date.")
                jobs_list = [StudentJob(module, st.student, st.data, template, timeout=limits.notebook_timeout,
                                        memory_mb=limits.memory_mb, config=limits.nbgrader_config())
                             for st in todo]
                engine.run(jobs_list, batch.on_done, progress=progress)
        # 4. what an interrupted run left unrecorded, and feedback pages to refresh
        batch.finish_records(regenerated=bool(durable))
    finally:
        batch.close()
    # 5. rows
    rows = build_rows(students, batch.results, paths, module, max_points(source_nb), limits)
    for row in rows:
        if row.status.has_notice_page:
            atomic_write(paths.feedback(row.student), notice_html(row.student, module, row.status, row.reason))
        row.seconds = batch.seconds.get(row.student)
    write_csv(paths, rows)
    append_log(paths, rows, engine.describe(), time.perf_counter() - started)
    return BatchResult(module=module, rows=rows, csv_path=paths.csv, out=out_root,
                       unassigned=collected.unassigned, graded_now=len(todo),
                       seconds=time.perf_counter() - started, engine=engine.describe())
