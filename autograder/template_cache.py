"""A cache of generated assignments (``autograder.assignment.Template``) for ``recsys-course check``.

A learner checks the same module many times; ``generate_assignment`` gives the same gradebook
every time for the same source notebook, nbgrader version and course configuration. The first
``check`` of a module stores what it generated; the next ones grade against it directly.

Where: ``$RECSYS_COURSE_CACHE`` (``off`` or an empty value: no cache), else
``$XDG_CACHE_HOME/recsys-course`` or ``~/.cache/recsys-course``, folder ``templates/``. An entry is
written to a temporary folder and renamed into place, so a reader sees a whole entry or none; one
that cannot be read is ignored (and generated again). A folder that cannot be written just means
no cache. The key covers every source file, nbgrader's version and the files of the course
configuration that generation uses; the ``KEEP`` newest entries of each module are kept.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from autograder.assignment import Template

CACHE_VERSION = "1"
#: Entries kept per assignment.
KEEP = 3
_CONFIG_FILES = ("config.py", "preprocessors.py", "outputlimits.py", "assignment.py")


def cache_dir() -> Path | None:
    env = os.environ.get("RECSYS_COURSE_CACHE")
    if env is not None:
        return None if env.strip() in ("", "off", "0", "no") else Path(env) / "templates"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "recsys-course" / "templates"


def key(template: Template) -> str:
    from importlib.metadata import version

    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for part in [CACHE_VERSION, version("nbgrader"), template.assignment]:
        digest.update(part.encode() + b"\0")
    for name in _CONFIG_FILES:
        digest.update(hashlib.sha256((here / name).read_bytes()).digest())
    for rel, data in sorted(template.files.items()):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:32]


def load(source: Template) -> Template | None:
    """The generated template for ``source`` (an ungenerated Template), or None."""
    folder = cache_dir()
    if folder is None:
        return None
    entry = folder / f"{source.assignment}-{key(source)}"
    try:
        names = json.loads((entry / "files.json").read_text(encoding="utf-8"))
        files = {rel: (entry / "files" / rel).read_bytes() for rel in names}
    except (OSError, ValueError):
        return None
    return Template(source.assignment, files, generated=True)


def store(source: Template, generated: Template) -> None:
    """Keep ``generated`` (made from ``source``); nothing happens when the cache is off or not writable."""
    folder = cache_dir()
    if folder is None or not generated.generated:
        return
    entry = folder / f"{source.assignment}-{key(source)}"
    if entry.exists():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=folder))
        for rel, data in generated.files.items():
            path = tmp / "files" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (tmp / "files.json").write_text(json.dumps(sorted(generated.files)), encoding="utf-8")
        try:
            os.rename(tmp, entry)
        except OSError:               # another process stored it first
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(folder, source.assignment)
    except OSError:
        return


def _prune(folder: Path, assignment: str) -> None:
    """Keep the ``KEEP`` newest entries of an assignment (an author editing a notebook makes a
    new one at every change)."""
    entries = sorted((p for p in folder.glob(f"{assignment}-*") if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
