"""Fast tests of the nbgrader configuration and helpers (no notebook runs)."""
from __future__ import annotations

import runpy

from traitlets.config import Config

from autograder import config, notebooks as N
from autograder.gradebook import CellScore


def test_repository_config_uses_solutions_course_and_work(repo_root, tmp_path):
    import shutil

    # a copy, so that loading it creates work/ under tmp_path, not in the repository
    shutil.copy(repo_root / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    c = Config()
    runpy.run_path(str(tmp_path / "nbgrader_config.py"), init_globals={"get_config": lambda: c})
    assert c.CourseDirectory.source_directory == "solutions"
    assert c.CourseDirectory.release_directory == "course"
    assert c.CourseDirectory.submitted_directory.startswith("work/")
    assert c.CourseDirectory.db_url.endswith("work/gradebook.db")
    assert c.OverwriteCells.add_missing_cells is True
    assert c.Execute.timeout == config.DEFAULT_CELL_TIMEOUT
    names = [p.__name__ for p in c.GenerateFeedback.preprocessors]
    assert "HideHiddenTests" in names


def test_tensorflow_modules_get_a_longer_cell_timeout():
    from autograder.preprocessors import CourseExecute

    assert config.cell_timeout("08_embedding_lstm_recommender") == config.TENSORFLOW_CELL_TIMEOUT
    assert config.cell_timeout("00_shop_data") == config.DEFAULT_CELL_TIMEOUT
    ex = CourseExecute()
    ex._check_assign_resources({"nbgrader": {"assignment": "08_embedding_lstm_recommender"}})
    assert ex.timeout == config.TENSORFLOW_CELL_TIMEOUT


def test_hide_hidden_tests_and_regions():
    src = "a = 1\n### BEGIN HIDDEN TESTS\nsecret_check_line()\n### END HIDDEN TESTS\nb = 2"
    assert N.hide_hidden_tests(src) == "a = 1\n" + N.HIDDEN_PLACEHOLDER + "\nb = 2"
    outside, inside = N.regions(src, N.BEGIN_HIDDEN_TESTS, N.END_HIDDEN_TESTS)
    assert outside == "a = 1\nb = 2" and inside == ["secret_check_line()"]


def test_null_auto_score_is_a_grader_failure_not_zero():
    failed = CellScore("t", 2.0, None, None, None, True, False, "code", 0)
    zero = CellScore("t", 2.0, 0.0, None, None, False, False, "code", 0)
    written = CellScore("w", 2.0, None, None, None, True, True, "markdown", 1)
    assert failed.grader_failed and failed.score is None
    assert not zero.grader_failed and zero.score == 0.0
    assert not written.grader_failed
