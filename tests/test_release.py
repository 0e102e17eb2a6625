"""`recsys-course release`: course/ is generated from solutions/, normalised, and leaks nothing."""
from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from autograder import notebooks as N
from autograder.release import discover_modules


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True,
                          text=True, timeout=600)


def _modules(repo_root):
    return discover_modules(repo_root)


def test_every_module_is_released(repo_root):
    for module in _modules(repo_root):
        assert (repo_root / "course" / module / f"{module}.ipynb").is_file(), module


@pytest.mark.parametrize("folder", ["solutions", "course"])
def test_notebooks_are_valid_cleared_and_normalised(repo_root, folder):
    for module in _modules(repo_root):
        path = repo_root / folder / module / f"{module}.ipynb"
        nbformat.validate(nbformat.read(path, as_version=4))
        nb = N.read_json(path)
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, (path, cell["id"])
        assert N.dumps(N.normalise(nb)) == path.read_text(encoding="utf-8"), f"{path} is not normalised"


def test_course_has_no_solutions_markers_or_hidden_tests(repo_root):
    for module in _modules(repo_root):
        source = N.read_json(repo_root / "solutions" / module / f"{module}.ipynb")
        released = (repo_root / "course" / module / f"{module}.ipynb").read_text(encoding="utf-8")
        for marker in N.MARKERS:
            assert marker not in released, (module, marker)
        hidden, solution = N.hidden_test_lines(source), N.solution_lines(source)
        assert hidden and solution, "the check must have something to look for"
        # a line the source shows on purpose in its text (a hint) is not a leak
        shown = "\n".join(_source_text(c) for c in source["cells"] if c["cell_type"] == "markdown")
        for line in sorted(hidden | (solution - {s for s in solution if s in shown})):
            assert line not in released, (module, line)
        assert sorted(p.name for p in (repo_root / "course" / module).iterdir()) == [f"{module}.ipynb"]


def test_hints_point_at_the_idea_without_spelling_out_a_solution_line(repo_root):
    """No line of a solution block (of 20 characters or more: not `return x`) appears verbatim in the
    code of a hint (`<details>` blocks): a hint names the idea or the function, the learner writes it."""
    for module in _modules(repo_root):
        source = N.read_json(repo_root / "solutions" / module / f"{module}.ipynb")
        solution = {line.strip() for line in N.solution_lines(source) if len(line.strip()) >= 20}
        hints = "\n".join(block for c in source["cells"] if c["cell_type"] == "markdown"
                          for block in re.findall(r"<details>(.*?)</details>", _source_text(c), re.S))
        code = re.findall(r"`([^`]+)`", hints)
        assert code or module.startswith("99"), f"{module}: no hint with code found (the pattern is stale)"
        leaks = sorted(line for line in solution if any(line in span for span in code))
        assert not leaks, f"{module}: a hint spells out solution lines {leaks}"


@pytest.mark.slow
def test_release_check_passes_on_the_repository(repo_root):
    out = _cli("release", "--check", "--course-root", str(repo_root))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "up to date" in out.stdout


@pytest.mark.slow
def test_release_then_check_detects_drift(toy_course):
    module = "99_toy"
    first = _cli("release", "--check", "--course-root", str(toy_course))
    assert first.returncode == 1 and f"course/{module}/{module}.ipynb" in first.stdout
    done = _cli("release", "--course-root", str(toy_course))
    assert done.returncode == 0, done.stdout + done.stderr
    released = toy_course / "course" / module / f"{module}.ipynb"
    text = released.read_text(encoding="utf-8")
    assert "raise NotImplementedError()" in text and "toy-hidden-sentinel" not in text
    released.write_text(text.replace("Toy assignment", "Edited by hand"), encoding="utf-8")
    drift = _cli("release", "--check", "--course-root", str(toy_course))
    assert drift.returncode == 1
    assert f"course/{module}/{module}.ipynb" in drift.stdout
    unknown = _cli("release", "no_such_module", "--course-root", str(toy_course))
    assert unknown.returncode == 2


def _source_text(cell) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
