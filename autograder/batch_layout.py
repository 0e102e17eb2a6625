"""Where a class batch keeps its files: the nbgrader course directory OUT (``Paths``).

::

    OUT/nbgrader_config.py, OUT/solutions/M/      the course directory (a copy when OUT is not the repo)
    OUT/work/submitted/STUDENT/M/M.ipynb          each student's notebook as imported
    OUT/work/autograded/STUDENT/M/M.ipynb         executed and graded (instructor only: hidden tests)
    OUT/work/feedback/STUDENT/M/M.html            the student's page (no hidden tests)
    OUT/work/gradebook.db                         the durable gradebook (formgrader, nbgrader export)
    OUT/work/grades/M/grades.csv, import.csv, grading.log, results/STUDENT.json (the cache)

Every file the batch writes goes through ``atomic_write`` (a temporary file and a rename), so a
run killed at any moment leaves the old file or the new one, never half of one.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder import config as _config


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``path`` through a temporary file and a rename: readers see the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Paths:
    root: Path              # the nbgrader course directory (OUT)
    module: str

    @property
    def work(self) -> Path:
        return self.root / "work"

    def submitted(self, student: str) -> Path:
        return self.work / "submitted" / student / self.module / f"{self.module}.ipynb"

    def autograded(self, student: str) -> Path:
        return self.work / "autograded" / student / self.module / f"{self.module}.ipynb"

    def feedback(self, student: str) -> Path:
        return self.work / "feedback" / student / self.module / f"{self.module}.html"

    @property
    def gradebook(self) -> Path:
        return self.work / "gradebook.db"

    @property
    def grades(self) -> Path:
        return self.work / "grades" / self.module

    def result(self, student: str) -> Path:
        return self.grades / "results" / f"{student}.json"

    @property
    def csv(self) -> Path:
        return self.grades / "grades.csv"

    @property
    def generated_marker(self) -> Path:
        """Holds the hash of the source the durable gradebook's assignment was generated from."""
        return self.grades / "generated.txt"


#: The durable course directory's layout for nbgrader: the repository's, with the release going
#: to work/release (never over the committed course/).
RECORD_LAYOUT = _config.Layout(source="solutions", release="work/release", submitted="work/submitted",
                               autograded="work/autograded", feedback="work/feedback",
                               gradebook="work/gradebook.db", exchange="work/exchange")


def prepare_out(course_root: Path, out: Path, module: str) -> Path:
    """Make ``out`` an nbgrader course directory holding the module's source; return the source
    folder to grade against."""
    course_root, out = Path(course_root).resolve(), Path(out).resolve()
    source = course_root / "solutions" / module
    if out == course_root:
        return source
    out.mkdir(parents=True, exist_ok=True)
    config = course_root / "nbgrader_config.py"
    if not (out / "nbgrader_config.py").exists() or \
            (out / "nbgrader_config.py").read_bytes() != config.read_bytes():
        atomic_write(out / "nbgrader_config.py", config.read_bytes())
    dest = out / "solutions" / module
    for file in sorted(source.rglob("*")):
        if file.is_file() and ".ipynb_checkpoints" not in file.parts and "__pycache__" not in file.parts:
            target = dest / file.relative_to(source)
            if not target.exists() or target.read_bytes() != file.read_bytes():
                atomic_write(target, file.read_bytes())
    return dest
