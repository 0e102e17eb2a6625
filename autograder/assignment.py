"""The assignment a batch grades against, generated ONCE: ``generate_template``.

nbgrader's ``generate_assignment`` reads the source notebook and fills a gradebook with the
assignment's graded cells and their checksums (what autograde compares a submission with). A
batch runs it once, in a throw-away course directory, and keeps the result as a ``Template``: the
source folder and that gradebook, as bytes. Each student's own course directory is written from
it (``Template.write``), so the student is graded against a gradebook that holds the assignment and
nothing else, without paying for ``generate_assignment`` again.

A ``Template`` is plain data (bytes), so it travels to the workers of a distributed engine too.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder import config as _config
from autograder import notebooks as _nb
from autograder.errors import GradingError
from autograder.results import failure_reason, find_step, step_records
from autograder.status import Step

LAYOUT = _config.TEMPORARY_LAYOUT
#: The nbgrader_config.py of a throw-away course directory (so plain nbgrader commands work there).
COURSE_CONFIG = ("from autograder.config import configure, TEMPORARY_LAYOUT\n"
                 "configure(get_config(), __import__('os').path.dirname(__file__), TEMPORARY_LAYOUT)\n")
WORKER = "autograder.worker:main"
_IGNORED = (".ipynb_checkpoints", "__pycache__")


def source_files(source_dir: str | os.PathLike, assignment: str) -> dict[str, bytes]:
    """{path in a course directory: bytes} for the assignment's source folder."""
    source_dir = Path(source_dir)
    files = {}
    for path in sorted(source_dir.rglob("*")):
        if path.is_file() and not any(part in _IGNORED for part in path.relative_to(source_dir).parts):
            files[f"{LAYOUT.source}/{assignment}/{path.relative_to(source_dir).as_posix()}"] = path.read_bytes()
    if f"{LAYOUT.source}/{assignment}/{assignment}.ipynb" not in files:
        raise GradingError(f"no source notebook {source_dir / (assignment + '.ipynb')}")
    return files


@dataclass
class Template:
    """The files a student's course directory starts from."""

    assignment: str
    files: dict[str, bytes] = field(default_factory=dict)
    generated: bool = False          # holds the gradebook generate_assignment filled

    @classmethod
    def from_source(cls, assignment: str, source_dir: str | os.PathLike) -> "Template":
        files = source_files(source_dir, assignment)
        files["nbgrader_config.py"] = COURSE_CONFIG.encode()
        return cls(assignment, files, generated=False)

    @classmethod
    def load(cls, root: str | os.PathLike, assignment: str) -> "Template":
        """The generated template in the course directory ``root``."""
        root = Path(root)
        files = source_files(root / LAYOUT.source / assignment, assignment)
        files["nbgrader_config.py"] = COURSE_CONFIG.encode()
        files[LAYOUT.gradebook] = (root / LAYOUT.gradebook).read_bytes()
        return cls(assignment, files, generated=True)

    @property
    def source_bytes(self) -> bytes:
        return self.files[f"{LAYOUT.source}/{self.assignment}/{self.assignment}.ipynb"]

    @property
    def source_hash(self) -> str:
        return hashlib.sha256(self.source_bytes).hexdigest()

    def source_nb(self) -> dict:
        import json

        return json.loads(self.source_bytes)

    def hidden_lines(self) -> set[str]:
        return _nb.hidden_test_lines(self.source_nb(), min_length=6)

    def write(self, root: str | os.PathLike) -> Path:
        root = Path(root)
        for rel, data in self.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return root


def generate_step(root: str | os.PathLike, assignment: str, layout: _config.Layout | None = None,
                  durable: bool = False) -> dict:
    """A worker step that runs generate_assignment in ``root`` (``durable``: a gradebook to keep,
    written with SQLite's full durability)."""
    step = {"step": Step.GENERATE.value, "root": str(Path(root).resolve()), "assignment": assignment,
            "durable": durable}
    if layout is not None:
        step["layout"] = dataclasses.asdict(layout)
    return step


def run_steps(workdir: Path, steps: list[dict], *, timeout: float | None, method: str = "exec",
              running=None, memory_mb: int = 0):
    """Run worker steps in one child process; returns (step records, ChildOutcome)."""
    from autograder.childproc import ChildSpec, run_child

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    steps_file = workdir / "steps.jsonl"
    if steps_file.exists():
        steps_file.unlink()
    spec = ChildSpec(target=WORKER, payload={"steps": steps, "steps_file": str(steps_file)},
                     workdir=str(workdir), env=_config.grading_env(workdir / ".tmp"),
                     log=str(workdir / "worker.log"), memory_mb=memory_mb)
    outcome = run_child(spec, timeout=timeout, running=running, method=method)
    return step_records(steps_file), outcome


def generate_failure(records: list[dict], outcome, assignment: str, timeout: float | None) -> str | None:
    """Why generate_assignment failed, or None when it succeeded."""
    gen = find_step(records, Step.GENERATE)
    if gen is not None and gen["success"]:
        return None
    if outcome.timed_out:
        return f"grading took longer than the limit of {timeout:g} s (whole run) and was stopped"
    if gen is None:
        return f"the grading process failed (exit code {outcome.exitcode}): " + " | ".join(outcome.log_tail(5))
    return failure_reason((gen.get("error") or "") + "\n" + (gen.get("log") or ""))


def generate_template(assignment: str, source_dir: str | os.PathLike, workdir: str | os.PathLike, *,
                      timeout: float | None = 600, method: str = "exec", extra_steps: list[dict] = (),
                      running=None) -> tuple[Template, list[dict]]:
    """Run generate_assignment once in ``workdir/template`` (plus ``extra_steps``, e.g. the
    durable gradebook's generate, in the same process); return the Template and all records."""
    root = Path(workdir) / "template"
    if root.exists():
        shutil.rmtree(root)
    Template.from_source(assignment, source_dir).write(root)
    records, outcome = run_steps(Path(workdir), [generate_step(root, assignment), *extra_steps],
                                 timeout=timeout, method=method, running=running)
    problem = generate_failure(records, outcome, assignment, timeout)
    if problem:
        raise GradingError(f"nbgrader generate_assignment failed for {assignment}: {problem}")
    return Template.load(root, assignment), records
