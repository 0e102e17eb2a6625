"""Find each student's notebook in a class's submissions: a folder or the zip an LMS exports.

Accepted layouts (``collect_submissions(path, module)``; a zip is read exactly like a folder)::

    folder per student     STUDENT_ID/anything.ipynb        (any depth below the student's folder,
                                                             e.g. nbgrader's STUDENT_ID/MODULE/MODULE.ipynb)
    Moodle, with folders   Full Name_12345_assignsubmission_file_/anything.ipynb     -> student "12345"
    Moodle, flat           Full Name_12345_assignsubmission_file_anything.ipynb      -> student "12345"
    Canvas                 doejane_12345_67890_anything.ipynb                        -> student "12345"
                           doejane_LATE_12345_67890_anything.ipynb (late)            -> student "12345"

The student id of an LMS file is the number the LMS puts in the name (Moodle's participant id,
Canvas's user id: the ids their grade-upload files use); the name part is kept for the import report.
Moodle's ``..._assignsubmission_onlinetext_`` folders are ignored. Hidden files, ``__MACOSX/``,
``.ipynb_checkpoints/``, ``Thumbs.db`` and ``desktop.ini`` are ignored everywhere. A top-level file
that matches no LMS pattern cannot be given to a student and is reported as unassigned.

Which notebook is graded, per student:
* one ``.ipynb`` file: that one, whatever its name;
* several: the one named ``MODULE.ipynb`` (after removing the LMS prefix and Canvas's ``-1``
  re-upload suffix) if exactly one is; otherwise none ("could not grade": several notebooks);
* none: a file that is a notebook saved under another name (JSON with ``cells`` and ``nbformat``)
  if exactly one is; otherwise "could not grade" (no notebook), or "missing" when the student's
  folder holds no file at all.
A folder name that is not a valid nbgrader student id (letters, digits, ``_.@+-``) is turned into
one by replacing the other characters with ``_``; the import report shows the original name.
"""
from __future__ import annotations

import csv
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.errors import UsageError
from autograder.status import Status

#: Largest file read as a notebook (bytes). Bigger files: "could not grade".
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024

VALID_STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")
_MOODLE_DIR = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
_MOODLE_FLAT = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$")
_CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
_REUPLOAD = re.compile(r"-\d+$")
_JUNK_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}

# Statuses an import can decide on its own (the grader decides the others).
MISSING = Status.MISSING
COULD_NOT_GRADE = Status.COULD_NOT_GRADE


class SubmissionsError(UsageError):
    """The SUBMISSIONS argument cannot be read at all (usage error: exit code 2)."""


@dataclass
class SubmittedFile:
    path: str                 # as in the folder or zip (posix)
    name: str                 # file name with the LMS prefix removed
    size: int
    _source: object = field(repr=False, default=None)   # Path, or (ZipFile, ZipInfo)

    def read(self) -> bytes:
        if isinstance(self._source, Path):
            return self._source.read_bytes()
        archive, info = self._source
        return archive.read(info)


@dataclass
class StudentSubmission:
    student: str
    display_name: str = ""            # the LMS's name part or the original folder name
    files: list[SubmittedFile] = field(default_factory=list)
    chosen: SubmittedFile | None = None
    status: str | None = None         # None: to be graded; MISSING / COULD_NOT_GRADE decided here
    reason: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Collected:
    students: dict[str, StudentSubmission]
    unassigned: list[str]             # files no student could be found for
    kind: str                         # "folder" or "zip"


def _is_junk(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p in _JUNK_NAMES for p in parts)


def _listing(path: Path):
    """Yield (posix relative path, size, source) for every file of a folder or zip."""
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and not file.is_symlink():
                yield file.relative_to(path).as_posix(), file.stat().st_size, file
        return
    if not zipfile.is_zipfile(path):
        raise SubmissionsError(f"{path} is neither a folder nor a zip file")
    archive = zipfile.ZipFile(path)
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        if info.is_dir():
            continue
        name = info.filename.replace("\\", "/").lstrip("/")
        yield name, info.file_size, (archive, info)


def sanitize_student_id(name: str) -> str:
    sid = re.sub(r"[^A-Za-z0-9_.@+-]+", "_", name.strip()).strip("_")
    return sid or "unnamed"


def _assign(rel: str) -> tuple[str, str, str, bool] | None:
    """(student id, display name, file name, from an LMS) for a file path; None: unassigned;
    an empty student id: a file to ignore (Moodle online text)."""
    parts = PurePosixPath(rel).parts
    if len(parts) >= 2:
        m = _MOODLE_DIR.match(parts[0])
        if m:
            if m["plugin"] != "file":
                return ("", "", "", True)          # online text etc.: ignored
            return m["id"], m["name"], parts[-1], True
        return sanitize_student_id(parts[0]), parts[0], parts[-1], False
    base = parts[0]
    m = _MOODLE_FLAT.match(base)
    if m:
        if m["plugin"] != "file":
            return ("", "", "", True)
        return m["id"], m["name"], m["file"], True
    m = _CANVAS.match(base)
    if m:
        return m["id"], m["name"], m["file"], True
    return None


def _looks_like_notebook(data: bytes) -> bool:
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(nb, dict) and isinstance(nb.get("cells"), list) and "nbformat" in nb


def _choose(sub: StudentSubmission, module: str) -> None:
    files = sub.files
    if not files:
        sub.status, sub.reason = MISSING, "no files submitted"
        return
    notebooks = [f for f in files if f.name.lower().endswith(".ipynb")]
    if not notebooks:
        disguised = [f for f in files if f.size <= MAX_NOTEBOOK_BYTES and _looks_like_notebook(f.read())]
        if len(disguised) == 1:
            sub.chosen = disguised[0]
            sub.notes.append(f"graded {disguised[0].name}: a notebook saved under a name without .ipynb")
            return
        names = ", ".join(f.name for f in files[:5]) + (" ..." if len(files) > 5 else "")
        sub.status = COULD_NOT_GRADE
        sub.reason = f"no notebook (.ipynb file) in the submission; found: {names}"
        return
    if len(notebooks) > 1:
        wanted = f"{module}.ipynb".lower()
        named = [f for f in notebooks
                 if _REUPLOAD.sub("", f.name[:-len(".ipynb")]).lower() + ".ipynb" == wanted]
        if len(named) != 1:
            names = ", ".join(f.name for f in notebooks)
            sub.status = COULD_NOT_GRADE
            sub.reason = (f"{len(notebooks)} notebooks submitted ({names}); cannot tell which one to "
                          f"grade: keep one (or name it {module}.ipynb) and grade again")
            return
        sub.chosen = named[0]
        others = ", ".join(f.name for f in notebooks if f is not named[0])
        sub.notes.append(f"several notebooks submitted: graded {named[0].name}, ignored {others}")
    else:
        sub.chosen = notebooks[0]
    if sub.chosen.size > MAX_NOTEBOOK_BYTES:
        sub.status = COULD_NOT_GRADE
        sub.reason = (f"the notebook is too large ({sub.chosen.size / 1e6:.0f} MB; "
                      f"limit {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB)")
        sub.chosen = None


def collect_submissions(path: str | Path, module: str, roster: list[str] | None = None) -> Collected:
    """Group the files of a folder or zip by student and choose the notebook to grade."""
    path = Path(path)
    if not path.exists():
        raise SubmissionsError(f"no such folder or file: {path}")
    students: dict[str, StudentSubmission] = {}
    unassigned: list[str] = []
    folder_names: dict[str, set[str]] = {}
    for rel, size, source in _listing(path):
        parts = PurePosixPath(rel).parts
        if _is_junk(parts):
            continue
        assigned = _assign(rel)
        if assigned is None:
            unassigned.append(rel)
            continue
        student, name, filename, from_lms = assigned
        if not student:
            continue
        sub = students.setdefault(student, StudentSubmission(student=student, display_name=name))
        if not from_lms:
            folder_names.setdefault(student, set()).add(name)
        sub.files.append(SubmittedFile(path=rel, name=filename, size=size, _source=source))
    # Empty student folders (only in a folder: a zip has no empty folders worth trusting)
    if path.is_dir():
        for entry in sorted(path.iterdir()):
            if entry.is_dir() and not _is_junk((entry.name,)) and not _MOODLE_DIR.match(entry.name):
                sid = sanitize_student_id(entry.name)
                students.setdefault(sid, StudentSubmission(student=sid, display_name=entry.name))
                folder_names.setdefault(sid, set()).add(entry.name)
    for student, sub in students.items():
        if len(folder_names.get(student, ())) > 1:
            sub.status = COULD_NOT_GRADE
            sub.reason = ("several folders map to this student id: "
                          + ", ".join(sorted(folder_names[student])) + "; rename them")
            continue
        renamed = folder_names.get(student, set()) - {student}
        if renamed:
            sub.notes.append(f"folder {sorted(renamed)[0]!r} graded as student id {student}")
        _choose(sub, module)
    for student in roster or []:
        if student not in students:
            students[student] = StudentSubmission(student=student, status=MISSING,
                                                  reason="no submission (listed in the roster)")
    return Collected(students=dict(sorted(students.items())), unassigned=sorted(unassigned),
                     kind="folder" if path.is_dir() else "zip")


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a CSV file: the column named student, student_id, id or username (any
    case), else the first column. Blank lines are skipped; ids are checked like folder names."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionsError(f"cannot read the roster {path}: {exc}") from exc
    rows = [r for r in csv.reader(text.splitlines()) if r and any(c.strip() for c in r)]
    if not rows:
        return []
    header = [c.strip().lower() for c in rows[0]]
    column, start = 0, 0
    for name in ("student", "student_id", "id", "username"):
        if name in header:
            column, start = header.index(name), 1
            break
    ids = []
    for row in rows[start:]:
        if column < len(row) and row[column].strip():
            sid = row[column].strip()
            if not VALID_STUDENT_ID.match(sid):
                raise SubmissionsError(f"roster {path}: {sid!r} is not a valid student id "
                                       "(letters, digits and _.@+- only)")
            ids.append(sid)
    return sorted(set(ids))
