"""The nbgrader pipeline on the toy assignment (tests/fixtures/grading/99_toy): one batch graded once,
many assertions; plus the whole-run time limit and the `recsys-course check` command."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autograder import notebooks as N
from autograder.nbgrader_runner import generate_release, grade_notebooks

TOY = "99_toy"  # the toy assignment in tests/fixtures/grading/

pytestmark = pytest.mark.slow

HIDDEN_SENTINELS = ("toy-hidden-sentinel-1", "hidden_value_toy", "toy-hidden-sentinel-2", "rng_hidden_toy")


def _variant(nb, tmp, name, replace=None, drop=()):
    nb = json.loads(json.dumps(nb))
    for gid, src in (replace or {}).items():
        N.find_cell(nb, gid)["source"] = src
    nb["cells"] = [c for c in nb["cells"] if N.grade_id(c) not in drop]
    path = tmp / f"{name}.ipynb"
    N.write(nb, path)
    return path


@pytest.fixture(scope="module")
def toy_batch(tmp_path_factory, toy_source):
    tmp = tmp_path_factory.mktemp("toy_batch")
    release = generate_release(TOY, toy_source, tmp / "release_dir") / f"{TOY}.ipynb"
    sol = N.read_json(toy_source / f"{TOY}.ipynb")
    square = "# GRADED FUNCTION: square\ndef square(x):\n"
    subs = {
        "solution": toy_source / f"{TOY}.ipynb",
        "release": release,
        # passes the public test, fails the hidden one
        "hidden_only": _variant(sol, tmp, "hidden_only", {"toy_square_code": square + "    return 9.0 if x == 3.0 else 0.0"}),
        # wrong answer + rebinding every name the tests could rely on
        "rebind": _variant(sol, tmp, "rebind", {"toy_square_code": square + "    return 2 * x\n"
                           "np.testing.assert_allclose = lambda *a, **k: None\n"
                           "np.allclose = lambda *a, **k: True\n"
                           "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)\n"
                           "check_close = lambda *a, **k: None\n"
                           "passed = lambda *a, **k: print('All public tests passed')\n"}),
        # test cell deleted and the answer wrong: the cell is put back and graded (0, not NULL)
        "deleted_test": _variant(sol, tmp, "deleted_test",
                                 {"toy_gradient_code": "def mse_gradient(w, X, y):\n    return -2.0 / len(y) * X.T @ (X @ w - y)"},
                                 drop=("toy_gradient",)),
        "dead_kernel": _variant(sol, tmp, "dead_kernel", {"toy_square_code": "import os\nos._exit(1)"}),
        "endless_cell": _variant(sol, tmp, "endless_cell", {"toy_square_code": "while True:\n    pass"}),
        "huge_output": _variant(sol, tmp, "huge_output", {"toy_square_code": square + "    return x * x\nprint('x' * 3_000_000)"}),
    }
    bad = tmp / "bad.ipynb"
    bad.write_text('{"cells": [ this is not json', encoding="utf-8")
    subs["bad_json"] = bad
    # two at a time: the batch of grade_notebooks(jobs=...) used by the mistake fixtures
    results = grade_notebooks(TOY, toy_source, subs, workdir=tmp / "course", feedback=True,
                              config={"CourseExecute.timeouts": {TOY: 5}}, jobs=2)
    return results


def test_solution_full_marks(toy_batch):
    r = toy_batch["solution"]
    assert r.graded and r.full_marks and r.score == r.max_score == 3.0
    assert [e.status for e in r.exercises] == ["passed", "passed", "manual"]
    assert r.exercise("toy_square").first_line == "All public tests passed"


def test_release_scores_zero_without_grader_failure(toy_batch):
    r = toy_batch["release"]
    assert r.graded and r.reason is None
    assert r.score == 0.0 and all(e.points == 0.0 for e in r.exercises)


def test_hidden_test_failure_costs_the_points(toy_batch):
    r = toy_batch["hidden_only"]
    e = r.exercise("toy_square")
    assert e.points == 0.0
    assert "All public tests passed" in e.feedback and "square on a hidden input" in e.feedback
    # the table's reason is the hidden check's message, not "All public tests passed"
    assert e.headline == "hidden test failed: square on a hidden input is wrong: expected 52.5625, got 0."
    assert not any(s in e.headline for s in HIDDEN_SENTINELS)


def test_feedback_html_has_no_hidden_tests(toy_batch):
    r = toy_batch["hidden_only"]
    import html as _html
    import re

    page = r.feedback_html.read_text(encoding="utf-8")
    html = _html.unescape(re.sub(r"<[^>]+>", "", page))   # visible text (code is split in spans)
    graded = r.autograded.read_text(encoding="utf-8")
    # the instructor's autograded copy holds the hidden tests (so this test can fail) ...
    assert "toy-hidden-sentinel-1" in graded
    # ... the student's feedback does not, and keeps the failure message
    for text in HIDDEN_SENTINELS + ("BEGIN HIDDEN TESTS",):
        assert text not in html
    assert "square on a hidden input" in html
    for e in r.exercises:
        assert not any(s in e.feedback for s in HIDDEN_SENTINELS)
    # the written question's model answer is revealed after grading, labelled
    assert "Model answer" in html and "Because a wrong analytic gradient still trains, just badly." in html


def test_rebinding_names_does_not_give_marks(toy_batch):
    r = toy_batch["rebind"]
    assert r.graded
    assert r.points("toy_square") == 0.0
    assert "doubled x instead of squaring it" in r.exercise("toy_square").feedback


def test_deleted_test_cell_is_restored_and_graded(toy_batch):
    r = toy_batch["deleted_test"]
    assert r.graded
    assert r.points("toy_gradient") == 0.0
    assert "wrong sign" in r.exercise("toy_gradient").feedback
    assert r.points("toy_square") == 1.0


def test_invalid_json_could_not_grade(toy_batch):
    r = toy_batch["bad_json"]
    assert not r.graded and "not valid JSON" in r.reason
    assert all(e.points is None for e in r.exercises)


def test_dead_kernel_could_not_grade(toy_batch):
    r = toy_batch["dead_kernel"]
    assert not r.graded and "kernel died" in r.reason


def test_cell_timeout_is_per_cell_and_later_cells_still_run(toy_batch):
    r = toy_batch["endless_cell"]
    assert r.graded
    assert r.points("toy_square") == 0.0
    assert r.points("toy_gradient") == 2.0


def test_output_is_limited(toy_batch):
    r = toy_batch["huge_output"]
    assert r.graded and r.points("toy_square") == 1.0
    assert r.autograded.stat().st_size < 500_000


def test_whole_run_time_limit_is_could_not_grade(tmp_path, toy_source):
    sol = N.read_json(toy_source / f"{TOY}.ipynb")
    path = _variant(sol, tmp_path, "forever", {"toy_square_code": "import time\nwhile True:\n    time.sleep(0.1)"})
    r = grade_notebooks(TOY, toy_source, {"forever": path}, timeout=12)["forever"]
    assert not r.graded
    assert "longer than the limit of 12 s" in r.reason


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_cli_check_exit_codes_and_no_hidden_source(toy_course, tmp_path):
    ok = _cli("check", str(toy_course / "solutions" / TOY / f"{TOY}.ipynb"), "--course-root", str(toy_course))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Total: 3 / 3" in ok.stdout and "toy_square" in ok.stdout

    hidden_only = tmp_path / f"{TOY}.ipynb"
    sol = N.read_json(toy_course / "solutions" / TOY / f"{TOY}.ipynb")
    N.find_cell(sol, "toy_square_code")["source"] = "def square(x):\n    return 9.0 if x == 3.0 else 0.0"
    N.write(sol, hidden_only)
    lost = _cli("check", str(hidden_only), "--course-root", str(toy_course), "--answers",
                "--feedback", str(tmp_path / "feedback.html"))
    assert lost.returncode == 1, lost.stdout + lost.stderr
    assert "Total: 2 / 3" in lost.stdout
    for text in HIDDEN_SENTINELS + ("hidden_value_toy = square",):
        assert text not in lost.stdout + lost.stderr
    row = next(line for line in lost.stdout.splitlines() if line.startswith("toy_square "))
    assert row.split()[1:4] == ["0", "1", "failed"]
    assert "hidden test failed: square on a hidden input is wrong: expected 52.5625, got 0." in row
    assert "All public tests passed" not in row
    # --answers: the model answer of the written question, after the table
    answers = lost.stdout.split("Total: 2 / 3", 1)[1]
    assert "--- toy_written ---\nBecause a wrong analytic gradient still trains, just badly." in answers
    page = (tmp_path / "feedback.html").read_text(encoding="utf-8")
    assert "Model answer" in page and "toy-hidden-sentinel" not in page

    bad = tmp_path / "broken" / f"{TOY}.ipynb"
    bad.parent.mkdir()
    bad.write_text("{oops", encoding="utf-8")
    failed = _cli("check", str(bad), "--course-root", str(toy_course))
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "could not grade" in failed.stdout and "not valid JSON" in failed.stdout
    assert "Total" not in failed.stdout

    usage = _cli("check", str(tmp_path / "missing.ipynb"), "--course-root", str(toy_course))
    assert usage.returncode == 2


def test_help_does_not_import_nbgrader():
    code = ("import sys; from autograder.cli import build_parser; build_parser(); "
            "print('nbgrader' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_toolbox_cli_does_not_import_the_grader():
    """recsys_lib never imports autograder: the console script (autograder.cli) composes both."""
    code = "import sys, recsys_lib.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'autograder'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
