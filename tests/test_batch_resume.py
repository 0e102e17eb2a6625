"""`recsys-course grade` killed midway resumes without mixing stale and fresh results; a changed
submission is graded again; Ctrl-C/SIGTERM stops every worker. Uses the toy assignment (fast)."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from autograder import notebooks as N
from autograder.batch import grade_class

TOY = "99_toy"
pytestmark = pytest.mark.slow


def _class(folder: Path, toy_source: Path, release_like: dict) -> Path:
    sol = N.read_json(toy_source / f"{TOY}.ipynb")
    wrong = json.loads(json.dumps(sol))
    N.find_cell(wrong, "toy_square_code")["source"] = "def square(x):\n    return 2 * x"
    for student, nb in (("alice", sol), ("bob", wrong), ("carol", release_like)):
        path = folder / student / f"{TOY}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        N.write(nb, path)
    return folder


def _blank(toy_source: Path) -> dict:
    nb = N.read_json(toy_source / f"{TOY}.ipynb")
    for gid in ("toy_square_code", "toy_gradient_code"):
        N.find_cell(nb, gid)["source"] = "# YOUR CODE HERE\nraise NotImplementedError()"
    return nb


def _start(subs, out, course, *extra):
    # A killed run cannot clean up its per-student temporary folders: keep them under pytest's tmp_path.
    tmp = out.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(subs), "--module", TOY,
                             "--out", str(out), "--course-root", str(course), "--jobs", "1",
                             "--no-progress", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmp)})


def _wait_for_results(out: Path, n: int, proc, limit=240) -> None:
    results = out / "work" / "grades" / TOY / "results"
    deadline = time.time() + limit
    while time.time() < deadline:
        if results.is_dir() and len(list(results.glob("*.json"))) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError("no result appeared")


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def test_killed_run_resumes_and_changed_submission_is_regraded(tmp_path, toy_course, toy_source):
    subs = _class(tmp_path / "subs", toy_source, _blank(toy_source))
    out = tmp_path / "out"
    proc = _start(subs, out, toy_course)
    _wait_for_results(out, 1, proc)
    victims = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)                  # killed midway: no clean-up at all
    proc.wait()
    for p in victims:                                 # the orphaned worker of the killed run
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    assert not (out / "work" / "grades" / TOY / "grades.csv").exists()
    done = sorted(p.stem for p in (out / "work" / "grades" / TOY / "results").glob("*.json"))
    assert done == ["alice"]

    resumed = grade_class(subs, TOY, course_root=toy_course, out=out, jobs=1, progress=False,
                          echo=lambda *a: None)
    assert resumed.graded_now == 2                    # alice's result was kept
    rows = _rows(resumed.csv_path)
    assert {s: (r["status"], r["score"], r["max_score"]) for s, r in rows.items()} == {
        "alice": ("graded", "3", "4"), "bob": ("graded", "2", "4"), "carol": ("graded", "0", "4")}

    # alice hands in a new (worse) notebook: only she is graded again, nothing stale is kept
    N.write(_blank(toy_source), subs / "alice" / f"{TOY}.ipynb")
    again = grade_class(subs, TOY, course_root=toy_course, out=out, jobs=1, progress=False,
                        echo=lambda *a: None)
    assert again.graded_now == 1
    rows2 = _rows(again.csv_path)
    assert rows2["alice"]["score"] == "0" and rows2["bob"] == rows["bob"] and rows2["carol"] == rows["carol"]
    graded = (out / "work" / "autograded" / "alice" / TOY / f"{TOY}.ipynb").read_text(encoding="utf-8")
    assert "NotImplementedError" in graded
    submitted = (out / "work" / "submitted" / "alice" / TOY / f"{TOY}.ipynb").read_bytes()
    assert submitted == (subs / "alice" / f"{TOY}.ipynb").read_bytes()


def test_sigterm_stops_all_workers(tmp_path, toy_course, toy_source):
    subs = _class(tmp_path / "subs", toy_source, _blank(toy_source))
    out = tmp_path / "out"
    proc = _start(subs, out, toy_course)
    _wait_for_results(out, 1, proc)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command to resume" in err
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.cmdline() for p in alive]
    # no result was written for the interrupted student
    for path in (out / "work" / "grades" / TOY / "results").glob("*.json"):
        assert json.loads(path.read_text())["key"]


def test_cli_exit_codes(tmp_path, toy_course, toy_source):
    subs = _class(tmp_path / "subs", toy_source, _blank(toy_source))
    out = tmp_path / "out"
    usage = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(tmp_path / "nope"),
                            "--module", TOY, "--course-root", str(toy_course)], capture_output=True, text=True)
    assert usage.returncode == 2
    unknown = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(subs), "--module",
                              "42_nothing", "--course-root", str(toy_course)], capture_output=True, text=True)
    assert unknown.returncode == 2 and "unknown module" in unknown.stderr
    proc = _start(subs, out, toy_course)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr      # all graded (written answers still to grade by hand)
    assert "3 students: 3 graded" in stdout and "grades:" in stdout
    os.remove(subs / "carol" / f"{TOY}.ipynb")
    proc = _start(subs, out, toy_course, "--roster", str(_roster(tmp_path)))
    stdout, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1
    rows = _rows(out / "work" / "grades" / TOY / "grades.csv")
    assert rows["carol"]["status"] == "missing" and rows["dave"]["status"] == "missing"


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("student\nalice\nbob\ncarol\ndave\n", encoding="utf-8")
    return path
