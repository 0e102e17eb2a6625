"""Fast tests of the parts of `recsys-course grade` that need no nbgrader: reading a class from a
folder or an LMS zip (Canvas, Moodle), choosing each student's notebook, the roster, the
pre-checks and the tamper rules."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from autograder import notebooks as N
from autograder.batch import read_notebook_bytes
from autograder.lms import COULD_NOT_GRADE, MISSING, SubmissionsError, collect_submissions, read_roster
from autograder.tamper import inspect_submission

MODULE = "00_shop_data"
NB = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


def test_folder_layout(tmp_path):
    (tmp_path / "alice" / MODULE).mkdir(parents=True)
    (tmp_path / "alice" / MODULE / f"{MODULE}.ipynb").write_bytes(NB)
    (tmp_path / "alice" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "alice" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_bytes(NB)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "renamed.ipynb.txt").write_bytes(NB)           # a notebook under another name
    (tmp_path / "carol").mkdir()
    (tmp_path / "carol" / f"{MODULE}.ipynb").write_bytes(NB)
    (tmp_path / "carol" / "scratch.ipynb").write_bytes(NB)             # the module's name wins
    (tmp_path / "Jane Doe").mkdir()
    (tmp_path / "Jane Doe" / "work.ipynb").write_bytes(NB)
    (tmp_path / "empty").mkdir()
    (tmp_path / "stray.ipynb").write_bytes(NB)
    got = collect_submissions(tmp_path, MODULE, roster=["alice", "zoe"])
    s = got.students
    assert sorted(s) == ["Jane_Doe", "alice", "bob", "carol", "empty", "zoe"]
    assert s["alice"].chosen.path == f"alice/{MODULE}/{MODULE}.ipynb" and s["alice"].status is None
    assert s["bob"].chosen.name == "renamed.ipynb.txt" and "without .ipynb" in s["bob"].notes[0]
    assert s["carol"].chosen.name == f"{MODULE}.ipynb" and "ignored scratch.ipynb" in s["carol"].notes[0]
    assert s["Jane_Doe"].chosen is not None and "Jane Doe" in s["Jane_Doe"].notes[0]
    assert (s["empty"].status, s["empty"].reason) == (MISSING, "no files submitted")
    assert s["zoe"].status == MISSING and "roster" in s["zoe"].reason
    assert got.unassigned == ["stray.ipynb"]


def test_canvas_zip(tmp_path):
    z = _zip(tmp_path / "canvas.zip", {
        f"doejane_12345_67890_{MODULE}.ipynb": NB,
        f"smithjohn_LATE_23456_78901_{MODULE}-1.ipynb": NB,
        "leeanna_34567_89012_notes.txt": b"hello",
        "leeanna_34567_89013_draft.ipynb": NB,
        "leeanna_34567_89014_final.ipynb": NB,
    })
    s = collect_submissions(z, MODULE).students
    assert sorted(s) == ["12345", "23456", "34567"]
    assert s["12345"].display_name == "doejane" and s["12345"].chosen.name == f"{MODULE}.ipynb"
    assert s["23456"].chosen.name == f"{MODULE}-1.ipynb"
    assert s["34567"].status == COULD_NOT_GRADE and "2 notebooks" in s["34567"].reason


def test_moodle_zip(tmp_path):
    z = _zip(tmp_path / "moodle.zip", {
        f"Jane Doe_12345_assignsubmission_file_/{MODULE}.ipynb": NB,
        "Jane Doe_12345_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "John Smith_23456_assignsubmission_file_/answers.pdf": b"%PDF-1.4",
        f"Ann Lee_34567_assignsubmission_file_{MODULE}.ipynb": NB,       # "download without folders"
        "__MACOSX/._junk": b"",
    })
    s = collect_submissions(z, MODULE).students
    assert sorted(s) == ["12345", "23456", "34567"]
    assert s["12345"].display_name == "Jane Doe" and s["12345"].chosen.read() == NB
    assert s["23456"].status == COULD_NOT_GRADE and "answers.pdf" in s["23456"].reason
    assert s["34567"].chosen is not None


def test_not_a_folder_or_zip(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(SubmissionsError):
        collect_submissions(tmp_path / "x.txt", MODULE)
    with pytest.raises(SubmissionsError):
        collect_submissions(tmp_path / "nothing", MODULE)


def test_roster(tmp_path):
    (tmp_path / "r.csv").write_text("Name,Student\nA,bob\nB,alice\n\n", encoding="utf-8")
    assert read_roster(tmp_path / "r.csv") == ["alice", "bob"]
    (tmp_path / "plain.csv").write_text("s1\ns2\n", encoding="utf-8")
    assert read_roster(tmp_path / "plain.csv") == ["s1", "s2"]
    (tmp_path / "bad.csv").write_text("student\nJane Doe\n", encoding="utf-8")
    with pytest.raises(SubmissionsError):
        read_roster(tmp_path / "bad.csv")


@pytest.mark.parametrize("data, words", [
    (b"", "empty"), (b"  \n", "white space"), (b"\xff\xfe\x00", "UTF-8"),
    (b'{"cells": [', "not valid JSON"), (b"[1, 2]", "not a notebook"),
    (b'{"cells": [{"cell_type": "weird"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
     "not a valid Jupyter notebook"),
])
def test_precheck_rejects(data, words):
    nb, reason = read_notebook_bytes(data)
    assert nb is None and words in reason


# --------------------------------------------------------------------------- tamper rules
@pytest.fixture(scope="module")
def sources(repo_root):
    sol = N.read_json(repo_root / "solutions" / MODULE / f"{MODULE}.ipynb")
    rel = N.read_json(repo_root / "course" / MODULE / f"{MODULE}.ipynb")
    return sol, rel


def _with(nb, gid, source):
    nb = json.loads(json.dumps(nb))
    N.find_cell(nb, gid)["source"] = source
    return nb


def test_clean_notebooks_are_not_flagged(sources):
    sol, rel = sources
    for nb in (sol, rel):
        found = inspect_submission(nb, sol, MODULE)
        assert not found.flags and not found.notes and found.wrong_assignment is None


@pytest.mark.parametrize("code, words", [
    ("np.testing.assert_allclose = lambda *a, **k: None", "rebinds np.testing.assert_allclose"),
    ("import numpy\nnumpy.isclose = None", "rebinds numpy.isclose"),
    ("import autograder.checks\nautograder.checks.check_series = lambda *a, **k: None",
     "rebinds autograder.checks.check_series"),
    ("from autograder import checks\nchecks.check_close = None", "rebinds checks.check_close"),
    ("setattr(np, 'allclose', lambda *a: True)", "setattr on np"),
    ("import sys\nsys.modules['autograder.checks'] = None", "sys.modules"),
    ("import builtins\nbuiltins.print = None", "builtins.print"),
    ("__builtins__.len = None", "__builtins__"),
    ("globals()['check_funnel_counts'] = print", "globals()"),
    ("def check_funnel_counts(*a):\n    pass", "redefines check_funnel_counts"),
    ("from mymodule import fake as np", "rebinds np"),
    ("exec('x = 1')", "exec"),
    ("import os\nos.system('ls')", "shell"),
    ("!rm -rf ../../..", "shell"),
    ("%%bash\nrm x", "%bash"),
    ("import subprocess", "subprocess"),
    ("import sqlite3", "sqlite"),
    ("open('../../gradebook.db', 'wb').write(b'')", "outside its folder"),
    ("from pathlib import Path\nPath('/work/main/autograder/checks.py').write_text('')", "outside its folder"),
    ("import shutil\nshutil.rmtree('../../../feedback')", "outside its folder"),
    ("import os\nos.chdir('..')", "working folder"),
])
def test_tamper_rules(sources, code, words):
    sol, _ = sources
    answer = N.source_text(N.find_cell(sol, "m00_funnel_counts_code"))
    nb = _with(sol, "m00_funnel_counts_code", code if code.startswith("%%") else answer + "\n" + code)
    found = inspect_submission(nb, sol, MODULE)
    assert any(words in f for f in found.flags), found.flags
    assert all("m00_funnel_counts_code" in f for f in found.flags)


@pytest.mark.parametrize("code", [
    "import numpy as np\nimport pandas as pd\nfrom recsys_lib import columns as C",
    "%time x = 1\n%matplotlib inline",
    "counts = {}\ncounts['a'] = 1\nitems = events.head()",
    "events.head().to_csv('my_copy.csv')\nwith open('notes.txt', 'w') as f:\n    f.write('ok')",
    "model.eval()\ndf.eval('a + b')",
])
def test_ordinary_code_is_not_flagged(sources, code):
    sol, _ = sources
    nb = _with(sol, "m00_funnel_counts_code", N.source_text(N.find_cell(sol, "m00_funnel_counts_code")) + "\n" + code)
    assert inspect_submission(nb, sol, MODULE).flags == []


def test_locked_cells_edited_deleted_or_retyped(sources):
    sol, rel = sources
    edited = _with(rel, "m00_funnel_counts", "pass")
    assert any("edited the locked cell m00_funnel_counts" in f for f in inspect_submission(edited, sol, MODULE).flags)
    setup = _with(rel, "m00_setup", "import numpy as np")
    assert any("m00_setup" in f for f in inspect_submission(setup, sol, MODULE).flags)
    points = json.loads(json.dumps(rel))
    N.find_cell(points, "m00_funnel_counts")["metadata"]["nbgrader"]["points"] = 20
    assert any("points" in f for f in inspect_submission(points, sol, MODULE).flags)
    deleted = json.loads(json.dumps(rel))
    deleted["cells"] = [c for c in deleted["cells"] if N.grade_id(c) != "m00_funnel_counts"]
    found = inspect_submission(deleted, sol, MODULE)
    assert not found.flags and "deleted test cell(s) m00_funnel_counts" in found.notes[0]


def test_another_assignment_is_named(sources, repo_root):
    sol, _ = sources
    toy = N.read_json(repo_root / "tests" / "fixtures" / "grading" / "99_toy" / "99_toy.ipynb")
    known = {"99_toy": {N.grade_id(c) for c in toy["cells"] if N.grade_id(c)}}
    found = inspect_submission(toy, sol, MODULE, known)
    assert "not a notebook of 00_shop_data" in found.wrong_assignment and "99_toy" in found.wrong_assignment
    plain = {"cells": [{"cell_type": "code", "source": "print(1)", "metadata": {}, "outputs": []}]}
    assert "no graded cells" in inspect_submission(plain, sol, MODULE).wrong_assignment
