"""The one way the grader runs work in a child process: ``run_child(spec, timeout=...)``.

Every process that runs nbgrader (one per student of a class, ``check``, a batch's single
``generate_assignment``, ``release``) is started here, and gets

* its own session, with stdout and stderr in ``spec.log`` (nothing reaches the caller's terminal);
* the grading environment (``autograder.config.grading_env``: quiet, Jupyter state in its folder);
* an optional address-space limit (``RLIMIT_AS``, inherited by nbgrader's kernel);
* a wall-clock limit: the parent kills the whole process tree when it runs out (``kill_tree``);
  the child also ends itself ``ORPHAN_GRACE`` s later, so one whose parent was SIGKILLed still
  finishes within its limit;
* a place in a ``Running`` set, so an interrupted batch stops them all.

The child calls ``spec.target`` ("module:function") with ``spec.payload`` (a JSON-able dict); the
function writes its results to files in ``spec.workdir`` and returns an exit code.

Start methods (``method=``):

``"fork"``  a multiprocessing *forkserver* that imported nbgrader once (``PRELOAD``) forks each
            child: no interpreter start-up and no nbgrader import (1-3 s) per student. Each student
            still has a process of its own, forked from a server that never graded anything.
``"exec"``  a fresh interpreter, ``python -m autograder.childproc SPEC.json``: for single runs
            (check, release), and where forking is not allowed (inside a daemonic process such as a
            Dask worker). ``"fork"`` falls back to it there.
"""
from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

#: Seconds a child outlives its wall-clock limit before it ends itself (its parent is gone).
ORPHAN_GRACE = 60
#: Modules the forkserver imports once, before it forks any child.
PRELOAD = ("autograder._fast_imports", "autograder.worker")
#: Exit code of a child that ended itself at its own deadline.
EXIT_EXPIRED = 124


@dataclass
class ChildSpec:
    target: str                          # "module:function", called with ``payload``
    payload: dict
    workdir: str                         # the child's working directory (its files go here)
    env: dict                            # the child's whole environment
    log: str                             # stdout and stderr
    memory_mb: int = 0                   # RLIMIT_AS; 0: none
    deadline_s: float | None = None      # the child ends itself after this many seconds


@dataclass
class ChildOutcome:
    exitcode: int | None
    timed_out: bool
    seconds: float
    log: Path
    method: str = "exec"

    def log_tail(self, lines: int = 3) -> list[str]:
        try:
            return self.log.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return []


class Cancelled(Exception):
    """The batch was interrupted: the child was stopped and its result must not be saved."""


class Running:
    """Child processes in flight, so that an interrupted batch can stop them all."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pids: set[int] = set()
        self.cancelled = False

    def add(self, pid: int) -> None:
        with self.lock:
            self.pids.add(pid)
            cancelled = self.cancelled
        if cancelled:
            kill_tree(pid)

    def discard(self, pid: int) -> None:
        with self.lock:
            self.pids.discard(pid)

    def kill_all(self) -> None:
        with self.lock:
            self.cancelled = True
            pids = list(self.pids)
        for pid in pids:
            kill_tree(pid)


def _stat_fields(proc_dir: Path) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (which may hold spaces and
    parentheses): state, ppid, ..."""
    return (proc_dir / "stat").read_text().rsplit(")", 1)[1].split()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int(_stat_fields(entry)[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    todo, found = list(children.get(pid, [])), []
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie has stopped: only its exit status is left)."""
    try:
        state = _stat_fields(Path(f"/proc/{pid}"))[0]
    except FileNotFoundError:
        return False
    except OSError:              # no /proc here: ask the kernel instead
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    return state not in ("Z", "X")


def kill_tree(pid: int, include_root: bool = True, wait_s: float = 10.0) -> None:
    """SIGKILL ``pid`` and all its descendants (found through /proc: kernels start sessions of
    their own, so killing the process group alone would leave them running), and wait up to
    ``wait_s`` seconds until none of them runs any more.

    The tree is frozen first (SIGSTOP) and searched again until no new process turns up, so a
    process that starts a child while it is being killed cannot leave that child behind."""
    frozen: list[int] = []
    for _ in range(20):
        new = [p for p in ([pid] if include_root else []) + _descendants(pid)
               if p not in frozen and p != os.getpid()]
        if not new:
            break
        for p in new:
            try:
                os.kill(p, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError):
                pass
        frozen.extend(new)
    for p in frozen:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + wait_s
    while any(_alive(p) for p in frozen) and time.monotonic() < deadline:
        time.sleep(0.02)


# --------------------------------------------------------------------------- in the child
def _expire() -> None:
    kill_tree(os.getpid(), include_root=False)
    os._exit(EXIT_EXPIRED)


def _enter(spec: ChildSpec, forked: bool) -> None:
    """Set the child up: session, output, environment, folder, limits, its own deadline."""
    if forked:
        os.setsid()
        fd = os.open(spec.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        os.environ.clear()
        os.environ.update(spec.env)
    os.chdir(spec.workdir)
    if spec.memory_mb:
        import resource

        limit = int(spec.memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if spec.deadline_s:
        timer = threading.Timer(spec.deadline_s, _expire)
        timer.daemon = True
        timer.start()
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader.api")


def _call(spec: ChildSpec) -> int:
    module, _, name = spec.target.partition(":")
    return int(getattr(importlib.import_module(module), name)(spec.payload) or 0)


def _finish(code: int) -> None:
    # os._exit: no interpreter shutdown, which would wait for any non-daemon thread a library
    # left behind; the target has written and closed its result files.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run(spec: ChildSpec, forked: bool) -> None:
    _enter(spec, forked)
    try:
        code = _call(spec)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:          # noqa: B036 - printed to the log, which the parent reads
        import traceback

        traceback.print_exc()
        code = 1
    _finish(code)


def _fork_main(spec: ChildSpec) -> None:
    _run(spec, forked=True)


def _exec_main(spec_path: str) -> None:
    import autograder._fast_imports  # noqa: F401  (before anything imports jsonschema)

    _run(ChildSpec(**json.loads(Path(spec_path).read_text(encoding="utf-8"))), forked=False)


# --------------------------------------------------------------------------- in the parent
def can_fork() -> bool:
    """Whether this process may use the forkserver (not on a platform without it, and not in a
    daemonic multiprocessing process, which may not have children)."""
    import multiprocessing

    return _GraderProcess is not None and not multiprocessing.current_process().daemon


try:
    import io as _io
    from multiprocessing import context as _mp_context
    from multiprocessing import forkserver as _mp_forkserver
    from multiprocessing import popen_forkserver as _mp_popen_forkserver
    from multiprocessing import reduction as _mp_reduction
    from multiprocessing import spawn as _mp_spawn
    from multiprocessing import util as _mp_util
except ImportError:              # no forkserver on this platform: children are fresh interpreters
    _GraderProcess = None
else:
    class _GraderPopen(_mp_popen_forkserver.Popen):
        """multiprocessing's forkserver Popen, except that the child does not import the caller's
        ``__main__``: spawn's preparation would run a script without a main guard again in every
        child. The child needs only this package."""

        def _launch(self, process_obj):       # CPython 3.11-3.13's Popen._launch, main left out
            prep_data = _mp_spawn.get_preparation_data(process_obj._name)
            prep_data.pop("init_main_from_path", None)
            prep_data.pop("init_main_from_name", None)
            buf = _io.BytesIO()
            _mp_context.set_spawning_popen(self)
            try:
                _mp_reduction.dump(prep_data, buf)
                _mp_reduction.dump(process_obj, buf)
            finally:
                _mp_context.set_spawning_popen(None)
            self.sentinel, w = _mp_forkserver.connect_to_new_process(self._fds)
            parent_w = os.dup(w)
            self.finalizer = _mp_util.Finalize(self, _mp_util.close_fds, (parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = _mp_forkserver.read_signed(self.sentinel)

    class _GraderProcess(_mp_context.ForkServerProcess):
        @staticmethod
        def _Popen(process_obj):
            _mp_forkserver.set_forkserver_preload(list(PRELOAD))   # before the server first starts
            return _GraderPopen(process_obj)


def warm_up(method: str = "fork") -> None:
    """Start the forkserver now (it imports nbgrader once), e.g. while the parent does other work."""
    if method == "fork" and can_fork():
        _mp_forkserver.set_forkserver_preload(list(PRELOAD))
        threading.Thread(target=_mp_forkserver.ensure_running, daemon=True).start()


class _Forked:
    def __init__(self, spec: ChildSpec):
        self.proc = _GraderProcess(target=_fork_main, args=(spec,), daemon=False)
        self.proc.start()
        self.pid = self.proc.pid

    def wait(self, timeout: float | None) -> int | None:
        self.proc.join(timeout)
        return self.proc.exitcode

    def running(self) -> bool:
        return self.proc.exitcode is None


class _Exec:
    def __init__(self, spec: ChildSpec):
        path = Path(spec.workdir) / "child-spec.json"
        path.write_text(json.dumps(asdict(spec)), encoding="utf-8")
        self._log = open(spec.log, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.childproc", str(path)],
                                     cwd=spec.workdir, env=spec.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def wait(self, timeout: float | None) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            if self.proc.poll() is not None:
                self._log.close()

    def running(self) -> bool:
        return self.proc.poll() is None


def run_child(spec: ChildSpec, *, timeout: float | None = None, running: Running | None = None,
              method: str = "exec") -> ChildOutcome:
    """Run ``spec`` in a child process and wait at most ``timeout`` seconds for it; then kill
    its whole process tree. Raises ``Cancelled`` when ``running`` was cancelled meanwhile."""
    Path(spec.workdir).mkdir(parents=True, exist_ok=True)
    if timeout and not spec.deadline_s:
        spec.deadline_s = timeout + ORPHAN_GRACE
    if method == "fork" and not can_fork():
        method = "exec"
    start = time.perf_counter()
    child = None
    if method == "fork":
        try:
            child = _Forked(spec)
        except (AttributeError, TypeError) as exc:   # multiprocessing internals of another Python
            print(f"autograder: the forkserver is unusable here ({exc}); starting fresh interpreters",
                  file=sys.stderr)
            method = "exec"
    if child is None:
        child = _Exec(spec)
    if running is not None:
        running.add(child.pid)
    timed_out = False
    try:
        code = child.wait(timeout)
        if code is None:
            timed_out = True
            kill_tree(child.pid)
            code = child.wait(None)
    finally:
        if child.running():          # interrupted (Ctrl-C) while waiting: leave nothing running
            kill_tree(child.pid)
            child.wait(None)
        if running is not None:
            running.discard(child.pid)
    if running is not None and running.cancelled:
        raise Cancelled()
    return ChildOutcome(exitcode=code, timed_out=timed_out, seconds=time.perf_counter() - start,
                        log=Path(spec.log), method=method)


if __name__ == "__main__":
    _exec_main(sys.argv[1])
