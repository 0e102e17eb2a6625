"""`recsys-course grade` on a Dask distributed cluster (a local cluster of 2 worker processes):
the same per-student job as on this machine gives the same grade CSV, feedback pages and
gradebook entries, and the CLI takes the scheduler's address (`--dask`)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from distributed import Client, LocalCluster

from autograder import notebooks as N
from autograder.batch import grade_class
from autograder.engines import DaskEngine, LocalEngine

TOY = "99_toy"
pytestmark = pytest.mark.slow


def _class(folder, toy_source):
    sol = N.read_json(toy_source / f"{TOY}.ipynb")
    wrong = json.loads(json.dumps(sol))
    N.find_cell(wrong, "toy_square_code")["source"] = "def square(x):\n    return 2 * x"
    hidden_only = json.loads(json.dumps(sol))
    N.find_cell(hidden_only, "toy_square_code")["source"] = "def square(x):\n    return 9.0 if x == 3.0 else 0.0"
    for student, nb in (("alice", sol), ("bob", wrong), ("carol", hidden_only)):
        (folder / student).mkdir(parents=True)
        N.write(nb, folder / student / f"{TOY}.ipynb")
    (folder / "dave").mkdir()
    (folder / "dave" / f"{TOY}.ipynb").write_text("{not json", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def test_dask_cluster_grades_like_this_machine(tmp_path, toy_course, toy_source, cluster):
    subs = _class(tmp_path / "subs", toy_source)
    with Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        engine = DaskEngine(client)
        on_dask = grade_class(subs, TOY, course_root=toy_course, out=tmp_path / "dask", engine=engine,
                              progress=False, echo=lambda *a: None)
    local = grade_class(subs, TOY, course_root=toy_course, out=tmp_path / "local", engine=LocalEngine(2),
                        progress=False, echo=lambda *a: None)
    assert on_dask.graded_now == local.graded_now == 3
    assert "Dask cluster of 2 worker(s)" in on_dask.engine
    assert on_dask.csv_path.read_bytes() == local.csv_path.read_bytes()
    rows = {r.student: (str(r.status), r.score) for r in on_dask.rows}
    assert rows == {"alice": ("graded", 3.0), "bob": ("graded", 2.0), "carol": ("graded", 2.0),
                    "dave": ("could_not_grade", None)}
    for student in ("alice", "bob", "carol"):
        page = (tmp_path / "dask" / "work" / "feedback" / student / TOY / f"{TOY}.html").read_text(encoding="utf-8")
        assert "toy-hidden-sentinel" not in page and "Model answer" in page
        graded = tmp_path / "dask" / "work" / "autograded" / student / TOY / f"{TOY}.ipynb"
        assert "toy-hidden-sentinel-1" in graded.read_text(encoding="utf-8")   # the instructor's copy


def test_cli_grades_on_a_dask_scheduler(tmp_path, toy_course, toy_source, cluster):
    subs = _class(tmp_path / "subs", toy_source)
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(subs), "--module", TOY,
                          "--course-root", str(toy_course), "--out", str(tmp_path / "out"),
                          "--dask", cluster.scheduler_address, "--no-progress"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 1, out.stderr              # dave could not be graded
    assert "4 students: 3 graded, 1 could_not_grade" in out.stdout
    assert "on a Dask cluster of 2 worker(s)" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(subs), "--module", TOY,
                          "--course-root", str(toy_course), "--dask", "tcp://127.0.0.1:9"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Dask scheduler" in bad.stderr
