"""Shared fixtures for the test suite."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
GRADING_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "grading"
TOY = "99_toy"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def toy_source() -> Path:
    """Folder holding the toy assignment's source notebook (solutions + hidden tests)."""
    return GRADING_FIXTURES / TOY


@pytest.fixture()
def toy_course(tmp_path, toy_source) -> Path:
    """A throw-away course directory (nbgrader_config.py + solutions/99_toy/) for CLI tests."""
    root = tmp_path / "course_root"
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(toy_source, root / "solutions" / TOY)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


@pytest.fixture(scope="session")
def load_benchmark():
    """``load_benchmark("bench_svm")``: a script of benchmarks/ imported as a module, so its tests can
    call ``main([...])`` at toy size and keep the benchmark from rotting."""
    import importlib.util

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="module")
def tf_threads_as_they_are():
    """Run code that calls ``recsys_lib.keras_utils.set_seeds(seed)`` (a notebook's setup cell, a
    benchmark's ``main``) inside a test process where TensorFlow may already have run an operation
    with other thread counts (another test on the same xdist worker did): ``set_seeds`` then
    re-seeds and keeps the threads it finds, instead of raising its "came too late" RuntimeError.
    Seeds and op determinism still apply, so results stay reproducible within the process."""
    from recsys_lib import keras_utils

    original = keras_utils.set_seeds

    def set_seeds(seed: int = 0, *, threads: int | None = 1) -> None:
        try:
            original(seed, threads=threads)
        except RuntimeError:
            original(seed, threads=None)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keras_utils, "set_seeds", set_seeds)
        yield


# ------------------------------------------------ the in-process tests of exercise checks (tests/exercise_harness.py)
# A test file sets MODULE (its module's folder name) and PUBLIC (test cell -> public check); with
# USES_TENSORFLOW = True its notebook's setup cell may call set_seeds after TensorFlow started.
@pytest.fixture(scope="module")
def notebook(request) -> dict:
    """The module's solution notebook (JSON)."""
    import exercise_harness as H
    from autograder import notebooks as N

    if getattr(request.module, "USES_TENSORFLOW", False):
        request.getfixturevalue("tf_threads_as_they_are")
    return N.read_json(H.notebook_path(request.module.MODULE))


@pytest.fixture(scope="module")
def solution(notebook) -> dict:
    """The solution's setup cell and graded cells, run in one namespace."""
    import exercise_harness as H

    return H.run_graded_cells(notebook)


@pytest.fixture(scope="module")
def hidden(request, notebook) -> dict:
    """test cell grade_id -> the source of its hidden tests (self-contained: no notebook data)."""
    import exercise_harness as H

    return H.hidden_tests(notebook, request.module.PUBLIC)
