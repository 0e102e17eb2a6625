"""`recsys-course start MODULE`: the learner's working copy in the git-ignored mywork/ folder, and
`recsys-course check` on that copy."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from autograder.cli import main
from autograder.commands import identify_module
from autograder.release import discover_modules
from autograder.student_commands import WORK_FOLDER, resolve_module

MODULE = "00_shop_data"


@pytest.fixture()
def course(tmp_path, repo_root):
    """A copy of the course directory's released module 00 (start writes into the course root)."""
    root = tmp_path / "course_root"
    (root / "solutions" / MODULE).mkdir(parents=True)
    shutil.copy(repo_root / "solutions" / MODULE / f"{MODULE}.ipynb", root / "solutions" / MODULE)
    shutil.copytree(repo_root / "course" / MODULE, root / "course" / MODULE)
    shutil.copy(repo_root / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


def test_start_copies_the_release_and_never_overwrites(course, capsys):
    release = course / "course" / MODULE / f"{MODULE}.ipynb"
    assert main(["start", "0", "--course-root", str(course)]) == 0
    copy = course / WORK_FOLDER / MODULE / f"{MODULE}.ipynb"
    assert copy.read_bytes() == release.read_bytes()
    assert "recsys-course check" in capsys.readouterr().out
    copy.write_text(copy.read_text() + " ")                     # the learner's work
    assert main(["start", MODULE, "--course-root", str(course)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert copy.read_bytes() != release.read_bytes()            # untouched
    assert main(["start", MODULE, "--force", "--course-root", str(course)]) == 0
    assert copy.read_bytes() == release.read_bytes()
    assert main(["start", "42", "--course-root", str(course)]) == 2


def test_module_names_and_check_finds_the_module_of_a_working_copy(repo_root):
    known = discover_modules(repo_root)
    assert resolve_module("4", known) == resolve_module("04", known) == "04_knn_collaborative_filtering"
    assert resolve_module("04_knn_collaborative_filtering", known) == "04_knn_collaborative_filtering"
    assert resolve_module("knn", known) is None
    path = repo_root / WORK_FOLDER / MODULE / f"{MODULE}.ipynb"
    assert identify_module(path, known, None) == MODULE


def test_mywork_is_git_ignored(repo_root):
    out = subprocess.run(["git", "check-ignore", "-q", f"{WORK_FOLDER}/{MODULE}/{MODULE}.ipynb"], cwd=repo_root)
    assert out.returncode == 0, "mywork/ must be in .gitignore"


@pytest.mark.slow
def test_check_grades_the_working_copy(course):
    assert main(["start", MODULE, "--course-root", str(course)]) == 0
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "check", f"{WORK_FOLDER}/{MODULE}/{MODULE}.ipynb"],
                         cwd=course, capture_output=True, text=True, timeout=900)
    assert out.returncode == 1, out.stdout + out.stderr            # a fresh copy: points lost, not a failure
    assert f"({MODULE})" in out.stdout and "not implemented" in out.stdout
