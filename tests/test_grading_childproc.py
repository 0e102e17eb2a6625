"""The one child-process runner (autograder.childproc), with both start methods: the limits kill
the whole process tree, memory is capped, a child whose parent is gone ends itself, and the child
gets its own folder, environment, session and log."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil
import pytest

from autograder.childproc import EXIT_EXPIRED, Cancelled, ChildSpec, Running, run_child

pytestmark = pytest.mark.slow          # the "fork" method's server imports nbgrader once (seconds)
METHODS = ["exec", "fork"]
TESTS = str(Path(__file__).resolve().parent)


def _spec(tmp_path, target, payload, **kw):
    env = {**os.environ, "PYTHONPATH": TESTS + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "GRADING_TEST_VAR": "seen"}
    return ChildSpec(target=f"grading_child_targets:{target}", payload=payload, workdir=str(tmp_path),
                     env=env, log=str(tmp_path / "child.log"), **kw)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("method", METHODS)
def test_time_limit_kills_the_whole_tree(tmp_path, method):
    pids = tmp_path / "pids"
    outcome = run_child(_spec(tmp_path, "sleep_with_grandchild", {"pids": str(pids)}), timeout=8, method=method)
    assert outcome.timed_out and 8 <= outcome.seconds < 30
    child, grandchild = map(int, pids.read_text().split())
    deadline = time.time() + 10
    while not (_gone(child) and _gone(grandchild)) and time.time() < deadline:
        time.sleep(0.1)
    assert _gone(child) and _gone(grandchild)


@pytest.mark.parametrize("method", METHODS)
def test_memory_limit(tmp_path, method):
    small = run_child(_spec(tmp_path, "allocate", {"mb": 50, "done": str(tmp_path / "a")}, memory_mb=4096),
                      timeout=60, method=method)
    assert small.exitcode == 0 and (tmp_path / "a").exists()
    big = run_child(_spec(tmp_path, "allocate", {"mb": 6000, "done": str(tmp_path / "b")}, memory_mb=2048),
                    timeout=60, method=method)
    assert big.exitcode != 0 and not (tmp_path / "b").exists()
    assert any("MemoryError" in line for line in big.log_tail(5))


@pytest.mark.parametrize("method", METHODS)
def test_child_folder_environment_session_and_log(tmp_path, method):
    outcome = run_child(_spec(tmp_path, "report", {"out": str(tmp_path / "seen")}), timeout=60, method=method)
    assert outcome.exitcode == 7 and not outcome.timed_out
    cwd, var, own_session = (tmp_path / "seen").read_text().split("|")
    assert Path(cwd).resolve() == tmp_path.resolve() and var == "seen" and own_session == "True"
    assert "to the log" in (tmp_path / "child.log").read_text()


@pytest.mark.parametrize("method", METHODS)
def test_an_orphan_ends_itself_at_its_deadline(tmp_path, method):
    """No parent limit (as after the parent was SIGKILLed): the child's own deadline ends it."""
    pids = tmp_path / "pids"
    spec = _spec(tmp_path, "sleep_with_grandchild", {"pids": str(pids)}, deadline_s=6)
    outcome = run_child(spec, timeout=None, method=method)
    assert outcome.exitcode == EXIT_EXPIRED and not outcome.timed_out
    grandchild = int(pids.read_text().split()[1])
    deadline = time.time() + 10
    while not _gone(grandchild) and time.time() < deadline:
        time.sleep(0.1)
    assert _gone(grandchild)


def test_cancelled_batch_stops_children(tmp_path):
    running = Running()
    pids = tmp_path / "pids"

    def interrupt_once_started():
        while not (pids.exists() and len(pids.read_text().split()) == 2):
            time.sleep(0.05)
        running.kill_all()

    threading.Thread(target=interrupt_once_started, daemon=True).start()
    with pytest.raises(Cancelled):
        run_child(_spec(tmp_path, "sleep_with_grandchild", {"pids": str(pids)}), timeout=120,
                  running=running, method="fork")
    assert all(_gone(int(p)) for p in pids.read_text().split())


def test_killing_a_tree_leaves_no_child_started_during_the_kill(tmp_path):
    """A process that keeps starting children while it is killed: none of them survives
    (the tree is frozen before it is killed), and kill_tree returns only once all have stopped."""
    pids = tmp_path / "pids"
    running = Running()
    done = threading.Event()

    def kill_once_busy():
        while not (pids.exists() and len(pids.read_text().split()) >= 20):
            time.sleep(0.02)
        running.kill_all()
        done.set()

    threading.Thread(target=kill_once_busy, daemon=True).start()
    with pytest.raises(Cancelled):
        run_child(_spec(tmp_path, "keep_starting_children", {"pids": str(pids)}), timeout=120,
                  running=running, method="exec")
    assert done.wait(30)
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) >= 20
    assert [p for p in started if not _gone(p)] == []


def test_a_script_without_main_guard_is_not_run_again_in_the_child(tmp_path):
    """multiprocessing would import the caller's __main__ in each forked child; ours must not."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "grade_it.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {TESTS!r})
        from autograder.childproc import ChildSpec, run_child
        spec = ChildSpec("grading_child_targets:report", {{"out": {str(tmp_path / "seen")!r}}},
                         {str(tmp_path)!r}, dict(os.environ), {str(tmp_path / "child.log")!r})
        print("exit", run_child(spec, timeout=120, method="fork").exitcode)
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["exit", "7"], proc.stdout + proc.stderr
