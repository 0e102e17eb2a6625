"""Where the per-student jobs run: this machine (``LocalEngine``) or a Dask cluster (``DaskEngine``).

Both run the same function, ``autograder.student.grade_student``, on the same ``StudentJob`` and
hand each ``StudentOutcome`` back to the caller's thread as it arrives (``run(jobs, on_done)``),
so the batch records and reports results the same way whatever the engine.

``LocalEngine(jobs)``   ``jobs`` threads, each waiting on one child process (forked from the
                        grading forkserver, see ``autograder.childproc``).
``DaskEngine(address)`` a Dask ``distributed`` scheduler (``tcp://host:8786``, or a ``Client``, or
                        a ``LocalCluster``): one task per student; the ``Template`` is sent to the
                        workers once (``scatter``). The workers need this package installed (same
                        version) and nothing else: jobs and outcomes carry the notebooks as data, no
                        shared file system is needed. On a worker each student still gets its own
                        child process, with the same limits (Dask workers are daemonic processes,
                        so the child is a fresh interpreter, about 1-2 s more per student, unless
                        the workers run with ``distributed.worker.daemon: false``).
                        Interrupting the batch cancels the queued tasks; tasks already running
                        finish on the workers within their time limit.
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor, as_completed

from autograder.childproc import Running
from autograder.student import StudentJob, StudentOutcome, grade_student

#: Seconds to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT = 20


class LocalEngine:
    name = "local"

    def __init__(self, jobs: int = 1, method: str = "fork"):
        self.jobs = max(1, int(jobs))
        self.method = method
        self.running = Running()

    def describe(self) -> str:
        return f"{self.jobs} worker(s)"

    def run(self, jobs: list[StudentJob], on_done, progress: bool = False) -> None:
        """Grade ``jobs``; call ``on_done(job, outcome)`` in this thread as each one finishes.
        On any exception (Ctrl-C, SIGTERM turned into KeyboardInterrupt, an error in
        ``on_done``) every child still running is killed before it propagates."""
        if not jobs:
            return
        from autograder.childproc import warm_up

        warm_up(self.method)
        bar = _bar(len(jobs), progress)
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        try:
            futures = {pool.submit(grade_student, job, running=self.running, method=self.method): job
                       for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                on_done(job, future.result())
                _tick(bar, job.student)
        except BaseException:
            self.running.kill_all()      # finished results were handed to on_done already
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if bar is not None:
                bar.close()


def _dask_task(job: StudentJob, template) -> dict:
    """Runs on a Dask worker: grade one student there, return the outcome as plain data."""
    job.template = template
    return grade_student(job, method="fork").to_dict()


class DaskEngine:
    name = "dask"

    def __init__(self, scheduler):
        """``scheduler``: a ``distributed.Client``, a cluster object, or a scheduler address."""
        from distributed import Client

        from autograder.errors import UsageError

        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
            return
        try:
            self.client, self._own = Client(scheduler, timeout=CONNECT_TIMEOUT), True
        except OSError as exc:          # refused, unreachable, timed out
            raise UsageError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc

    def describe(self) -> str:
        workers = self.client.scheduler_info().get("workers", {})
        return f"a Dask cluster of {len(workers)} worker(s) at {self.client.scheduler.address}"

    def close(self) -> None:
        if self._own:
            self.client.close()

    def run(self, jobs: list[StudentJob], on_done, progress: bool = False) -> None:
        if not jobs:
            return
        from distributed import as_completed as dask_completed

        template = self.client.scatter(jobs[0].template, broadcast=True)
        futures = {}
        for job in jobs:
            light = StudentJob(**{**vars(job), "template": None})
            future = self.client.submit(_dask_task, light, template, pure=False,
                                        key=f"grade-{job.assignment}-{job.student}-{id(job)}")
            futures[future.key] = (future, job)
        bar = _bar(len(jobs), progress)
        try:
            for future in dask_completed([f for f, _ in futures.values()]):
                job = futures[future.key][1]
                on_done(job, StudentOutcome.from_dict(future.result()))
                _tick(bar, job.student)
        except BaseException:
            self.client.cancel([f for f, _ in futures.values()])
            raise
        finally:
            if bar is not None:
                bar.close()


def _bar(total: int, progress: bool):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="notebook", desc="grading", file=sys.stderr, dynamic_ncols=True)


def _tick(bar, student: str) -> None:
    if bar is not None:
        bar.set_postfix_str(student, refresh=False)
        bar.update(1)
