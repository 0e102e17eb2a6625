"""nbgrader configuration shared by the course directory and the temporary course directories
that ``recsys-course check`` and the tests build.

``configure(c, root)`` fills a traitlets ``Config``; the repository's ``nbgrader_config.py`` calls
it, so plain ``nbgrader`` commands run from the repository behave exactly like ``recsys-course``.
Importing this module is cheap; ``configure`` imports nbgrader when called.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

COURSE_ID = "recsys-course"

#: Per-cell execution timeout (seconds) for most modules.
DEFAULT_CELL_TIMEOUT = 60
#: Per-cell timeout for modules that train TensorFlow models (TensorFlow's import alone takes 3-7 s).
TENSORFLOW_CELL_TIMEOUT = 300
#: Modules whose notebooks use TensorFlow/Keras.
TENSORFLOW_MODULES = frozenset({
    "06_neural_networks_backprop",
    "08_embedding_lstm_recommender",
    "09_from_model_to_product",
})

#: Output limits applied to every graded notebook.
MAX_OUTPUT_LINES = 1000        # nbgrader's LimitOutput: lines per cell
MAX_TRACEBACK_LINES = 100      # nbgrader's LimitOutput: traceback lines per error
MAX_OUTPUT_CHARS = 100_000     # ours: characters of text per output (nbgrader counts only lines)

# Environment for the grading processes and their kernels: quiet, and never the user's ~/.jupyter.
QUIET_ENV = {
    "PYTHONWARNINGS": "ignore::Warning:nbgrader.api",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # One BLAS/OpenMP thread per kernel: parallel graders do not oversubscribe the cores (boosting
    # ran 3-5x slower with two threads on a busy 2-core machine), and results stay reproducible.
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}

KERNEL_EXTRA_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]


def cell_timeout(assignment_id: str | None) -> int:
    """Per-cell timeout in seconds for an assignment (module folder name)."""
    if assignment_id in TENSORFLOW_MODULES:
        return TENSORFLOW_CELL_TIMEOUT
    return DEFAULT_CELL_TIMEOUT


@dataclass(frozen=True)
class Layout:
    """Folder names of a course directory, relative to its root."""

    source: str = "solutions"
    release: str = "course"
    submitted: str = "work/submitted"
    autograded: str = "work/autograded"
    feedback: str = "work/feedback"
    gradebook: str = "work/gradebook.db"
    exchange: str = "work/exchange"


#: The repository's own layout (work/ is git-ignored).
REPOSITORY_LAYOUT = Layout()
#: The layout of the throw-away course directories used by ``recsys-course check`` and tests.
TEMPORARY_LAYOUT = Layout(source="source", release="release", submitted="submitted",
                          autograded="autograded", feedback="feedback",
                          gradebook="gradebook.db", exchange="exchange")


def configure(c, root: str | os.PathLike, layout: Layout = REPOSITORY_LAYOUT) -> None:
    """Fill the nbgrader config ``c`` for a course directory at ``root``."""
    root = Path(root).resolve()
    db_path = root / layout.gradebook
    db_path.parent.mkdir(parents=True, exist_ok=True)

    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = layout.source
    c.CourseDirectory.release_directory = layout.release
    c.CourseDirectory.submitted_directory = layout.submitted
    c.CourseDirectory.autograded_directory = layout.autograded
    c.CourseDirectory.feedback_directory = layout.feedback
    c.CourseDirectory.db_url = f"sqlite:///{db_path}"
    c.Exchange.root = str(root / layout.exchange)

    # Deleted test cells are put back and graded (otherwise they get a NULL score).
    c.OverwriteCells.add_missing_cells = True

    # Execution: per-cell timeout chosen per module, quiet kernel, later cells still run.
    c.Execute.timeout = DEFAULT_CELL_TIMEOUT
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = list(KERNEL_EXTRA_ARGUMENTS)
    c.LimitOutput.max_lines = MAX_OUTPUT_LINES
    c.LimitOutput.max_traceback = MAX_TRACEBACK_LINES
    c.LimitOutputSize.max_chars = MAX_OUTPUT_CHARS

    # Imported here: this module stays light, and only nbgrader processes call configure().
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades,
                                        IgnorePattern, LimitOutput, SaveAutoGrades)

    from autograder.outputlimits import LimitCellBytes
    from autograder.preprocessors import CourseExecute, HideHiddenTests, LimitOutputSize, ModelAnswers

    # Outputs are capped three ways: lines (nbgrader), characters per output, bytes per cell.
    c.Autograde.autograde_preprocessors = [
        CourseExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, LimitOutputSize,
        LimitCellBytes, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    # Feedback without hidden tests (nbgrader's own generate_feedback leaks them, upstream #917),
    # with the written questions' model answers from the source notebooks (autograder.answers).
    c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, ModelAnswers, CSSHTMLHeaderPreprocessor]
    c.ModelAnswers.source_dir = str(root / layout.source)


def grading_env(tmp: str | os.PathLike, base: dict | None = None) -> dict:
    """Environment for a grading subprocess: quiet, with Jupyter/IPython state under ``tmp``."""
    tmp = Path(tmp)
    env = dict(os.environ if base is None else base)
    env.update(QUIET_ENV)
    # nbgrader runs the ``alembic`` executable that sits next to the Python running it; put the
    # interpreter's bin folder first so this works when the venv is not activated.
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    for var, sub in (("JUPYTER_RUNTIME_DIR", "jupyter_runtime"), ("IPYTHONDIR", "ipython"),
                     ("JUPYTER_CONFIG_DIR", "jupyter_config"), ("JUPYTER_DATA_DIR", "jupyter_data"),
                     ("MPLCONFIGDIR", "mplconfig")):
        path = tmp / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    return env
