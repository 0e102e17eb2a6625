"""`recsys-course bundle DIR`: the course for students without the answers. Every hidden-test line and
every solution block of every module is searched for in every file of the bundle; a solution
block may remain only in the toolbox's reference implementation of that very exercise, when the
toolbox-use policy flags a graded cell that uses it (or in the grader, which no graded cell may use)."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import notebooks as N
from autograder import toolbox_policy as P
from autograder.bundle import CHECK_SOURCE, BundleError, bundle


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, repo_root):
    dest = tmp_path_factory.mktemp("bundle") / "class"
    result = bundle(dest, repo_root)
    texts = {}
    for path in dest.rglob("*"):
        if path.is_file():
            try:
                texts[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue                      # events.csv.gz, the xlsx-free binaries
    return {"root": dest, "result": result, "texts": texts}


def _sources(repo_root):
    return {p.parent.name: N.read_json(p) for p in sorted((repo_root / "solutions").glob("*/*.ipynb"))}


def test_layout_and_what_is_left_out(bundled, repo_root):
    root = bundled["root"]
    released = sorted(p.name for p in (repo_root / "course").iterdir() if (p / f"{p.name}.ipynb").is_file())
    assert bundled["result"].modules == released
    for module in released:
        assert (root / "course" / module / f"{module}.ipynb").read_bytes() == \
            (repo_root / "course" / module / f"{module}.ipynb").read_bytes()
        assert (root / CHECK_SOURCE / module / f"{module}.ipynb").is_file()
    for present in ("recsys_lib/data/loading.py", "autograder/checks.py", "autograder/exercises",
                    "datasets/shopsim/events.csv.gz", "datasets/README.md", "pyproject.toml", "setup.py",
                    "nbgrader_config.py", "README.md", ".gitignore"):
        assert (root / present).exists(), present
    for absent in ("solutions", "tests", "benchmarks", "work", ".ci", "autograder/fixtures", ".git"):
        assert not (root / absent).exists(), absent
    names = {p.name for p in root.rglob("*")}
    assert not any(n.endswith((".db", ".pyc")) or n == "__pycache__" for n in names)
    assert "mywork/" in (root / ".gitignore").read_text().split()


def test_no_hidden_test_line_anywhere(bundled, repo_root):
    for module, source in _sources(repo_root).items():
        for line in sorted(N.hidden_test_lines(source, min_length=12)):
            hits = [str(p.relative_to(bundled["root"])) for p, text in bundled["texts"].items() if line in text]
            assert not hits, f"{module}: hidden-test line {line!r} is in {hits}"


def _enclosing_names(path: Path, line: int) -> list[str]:
    """Names of the defs and classes of a Python file around ``line``."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and node.lineno <= line <= node.end_lineno:
            names.append(node.name)
    return names


def test_no_solution_block_except_flagged_references(bundled, repo_root):
    root = bundled["root"]
    normalised = {p: "\n".join(line.strip() for line in t.split("\n")) for p, t in bundled["texts"].items()}
    for module, source in _sources(repo_root).items():
        for cell in source["cells"]:
            if cell["cell_type"] != "code":
                continue
            gid = N.grade_id(cell)
            _, blocks = N.regions(N.source_text(cell), N.BEGIN_SOLUTION, N.END_SOLUTION)
            for block in blocks:
                wanted = "\n".join(line.strip() for line in block.split("\n") if line.strip())
                if not wanted:
                    continue
                for path, text in normalised.items():
                    at = text.find(wanted)
                    if at < 0:
                        continue
                    rel = path.relative_to(root)
                    where = f"{module} {gid}: the solution block {wanted[:60]!r} is in {rel}"
                    assert rel.parts[0] in ("recsys_lib", "autograder") and path.suffix == ".py", where
                    if rel.parts[0] == "recsys_lib":      # the toolbox keeps it: grading must flag its use
                        names = _enclosing_names(path, text.count("\n", 0, at) + 1)
                        forbidden = P.forbidden_names(module, gid)
                        assert any(P.matches(f"recsys_lib.{n}", f) for n in names for f in forbidden), (
                            f"{where} (in {names}), but autograder/toolbox_policy.py forbids none of these "
                            f"in {gid}: add a rule, or keep the reference out of the toolbox")


def test_check_runtime_points_at_the_pristine_copies(bundled):
    root = bundled["root"]
    code = ("import autograder, recsys_lib; from autograder.config import REPOSITORY_LAYOUT as L; "
            "from autograder.release import find_course_root, discover_modules; "
            "print(autograder.__file__); print(recsys_lib.__file__); print(L.source, L.release); "
            "print(discover_modules(find_course_root()))")
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0].startswith(str(root)) and out[1].startswith(str(root))
    assert out[2] == f"{CHECK_SOURCE} course"
    assert out[3] == str(bundled["result"].modules)


def test_student_readme(bundled):
    readme = (bundled["root"] / "README.md").read_text()
    assert "recsys-course start 00" in readme and "mywork/" in readme and "public tests" in readme
    assert "solutions/" not in readme
    for module in P.POLICY:
        if module in bundled["result"].modules:
            assert P.markdown_summary(module) in readme


def test_refuses_to_overwrite_or_to_write_into_the_repository(tmp_path, repo_root):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    with pytest.raises(BundleError, match="not empty"):
        bundle(tmp_path / "full", repo_root)
    assert (tmp_path / "full" / "keep.txt").read_text() == "x"
    for bad in (repo_root, repo_root / "course" / "b", repo_root.parent):
        with pytest.raises(BundleError, match="choose another folder"):
            bundle(bad, repo_root)
    with pytest.raises(BundleError, match="not released"):
        bundle(tmp_path / "x", repo_root, ["99_nothing"])
    one = bundle(tmp_path / "one", repo_root, ["00_shop_data"], force=True)
    assert one.modules == ["00_shop_data"] and [p.name for p in (tmp_path / "one" / "course").iterdir()] == ["00_shop_data"]


@pytest.mark.slow
def test_a_student_solves_and_checks_in_the_bundle(bundled, repo_root):
    """start -> check (0 points, not implemented) -> solve -> check (full marks on the public tests)."""
    root = bundled["root"]
    module = "00_shop_data"
    env = dict(os.environ, PYTHONPATH=str(root))

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=root, env=env,
                              capture_output=True, text=True, timeout=900)

    started = cli("start", "00")
    assert started.returncode == 0, started.stderr
    work = root / "mywork" / module / f"{module}.ipynb"
    blank = cli("check", str(work.relative_to(root)))
    assert blank.returncode == 1, blank.stdout + blank.stderr
    assert "not implemented" in blank.stdout and "Total: 0 /" in blank.stdout
    solved = N.read_json(work)
    source = N.read_json(repo_root / "solutions" / module / f"{module}.ipynb")
    for cell in solved["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            cell["source"] = N.source_text(N.find_cell(source, N.grade_id(cell)))
    N.write(solved, work)
    full = cli("check", str(work.relative_to(root)))
    assert full.returncode == 0, full.stdout + full.stderr
    assert "warning:" not in full.stdout
