"""``recsys-course release``: regenerate ``course/`` from ``solutions/`` with nbgrader's
generate_assignment, then normalise the notebooks (outputs cleared, stable metadata)."""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import notebooks as _nb
from autograder.config import REPOSITORY_LAYOUT
from autograder.errors import UnknownModule, UsageError

MODULE_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+$")


class CourseRootNotFound(UsageError, LookupError):
    """No course directory here (a usage error: exit code 2)."""


def find_course_root(start: str | Path | None = None) -> Path:
    """The course directory: the first folder, from ``start`` (default: the current folder) up,
    that holds ``nbgrader_config.py`` and ``solutions/``; else the checkout this package lives in."""
    candidates = []
    if start is not None:
        p = Path(start).resolve()
        candidates.extend([p, *p.parents])
    cwd = Path.cwd().resolve()
    candidates.extend([cwd, *cwd.parents])
    candidates.append(Path(__file__).resolve().parent.parent)
    for folder in candidates:
        if (folder / "nbgrader_config.py").is_file() and (folder / REPOSITORY_LAYOUT.source).is_dir():
            return folder
    raise CourseRootNotFound("no course directory found (a folder with nbgrader_config.py and "
                             "solutions/); run from the repository or pass --course-root")


def discover_modules(root: Path) -> list[str]:
    """Module folder names in ``solutions/`` that hold ``<name>/<name>.ipynb``, sorted."""
    src = Path(root) / REPOSITORY_LAYOUT.source
    return sorted(p.name for p in src.iterdir()
                  if p.is_dir() and MODULE_PATTERN.match(p.name) and (p / f"{p.name}.ipynb").is_file())


@dataclass
class ReleaseResult:
    written: list[Path] = field(default_factory=list)   # files (re)written
    drifted: list[str] = field(default_factory=list)    # paths that differ (with --check)


def _expected_files(module: str, generated: Path) -> dict[str, bytes]:
    """Relative path -> bytes of the normalised release of one module."""
    files: dict[str, bytes] = {}
    for path in sorted(generated.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(generated).as_posix()
        if path.suffix == ".ipynb":
            files[rel] = _nb.dumps(_nb.normalise(_nb.read_json(path))).encode("utf-8")
        else:
            files[rel] = path.read_bytes()
    return files


def _actual_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def release(root: Path, modules: list[str] | None = None, check: bool = False,
            timeout: float | None = 600) -> ReleaseResult:
    """Regenerate ``course/<module>/`` for ``modules`` (default: all). With ``check``, write
    nothing and list every file that differs from what generation produces."""
    from autograder.nbgrader_runner import generate_release

    root = Path(root)
    known = discover_modules(root)
    modules = list(modules) if modules else known
    unknown = [m for m in modules if m not in known]
    if unknown:
        raise UnknownModule(unknown, known)
    result = ReleaseResult()
    course = root / REPOSITORY_LAYOUT.release
    with tempfile.TemporaryDirectory(prefix="recsys-release-") as tmp:
        for module in modules:
            generated = generate_release(module, root / REPOSITORY_LAYOUT.source / module,
                                         Path(tmp) / module, timeout=timeout)
            expected = _expected_files(module, generated)
            dest = course / module
            actual = _actual_files(dest)
            for rel in sorted(set(expected) | set(actual)):
                if expected.get(rel) != actual.get(rel):
                    result.drifted.append(f"{REPOSITORY_LAYOUT.release}/{module}/{rel}")
            if not check:
                if dest.exists():
                    shutil.rmtree(dest)
                for rel, data in expected.items():
                    path = dest / rel
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                    result.written.append(path)
    if modules == known and course.is_dir():
        for stale in sorted(p for p in course.iterdir() if p.is_dir() and MODULE_PATTERN.match(p.name)
                            and p.name not in known):
            result.drifted.append(f"{REPOSITORY_LAYOUT.release}/{stale.name}/ (no source in solutions/)")
    return result
