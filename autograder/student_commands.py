"""Sub-commands for learners and for handing the course out: ``start`` and ``bundle``.

::

    recsys-course start MODULE [--force]      copy course/MODULE/ to the git-ignored mywork/MODULE/
    recsys-course bundle DIR [--modules M ...] [--force]
                                              write the class bundle (autograder.bundle) to DIR

Exit codes: 0 done; 1 refused (the working copy or DIR exists: pass --force); 2 usage error
(unknown module, no course directory).
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

#: the learners' working copies, relative to the course directory (git-ignored)
WORK_FOLDER = "mywork"


def _err(message: str) -> None:
    print(f"recsys-course: {message}", file=sys.stderr)


def _course_root(args):
    from autograder.release import CourseRootNotFound, find_course_root

    try:
        return find_course_root(args.course_root)
    except CourseRootNotFound as exc:
        _err(str(exc))
        return None


def released_modules(root: Path) -> list[str]:
    from autograder.config import REPOSITORY_LAYOUT
    from autograder.release import MODULE_PATTERN

    course = root / REPOSITORY_LAYOUT.release
    return sorted(p.name for p in course.iterdir() if p.is_dir() and MODULE_PATTERN.match(p.name)
                  and (p / f"{p.name}.ipynb").is_file()) if course.is_dir() else []


def resolve_module(wanted: str, known: list[str]) -> str | None:
    """``wanted`` as a module folder name: the exact name, or its number (``4``, ``04``)."""
    if wanted in known:
        return wanted
    if wanted.isdigit():
        matches = [m for m in known if m[:2] == f"{int(wanted):02d}"]
        return matches[0] if len(matches) == 1 else None
    return None


def start(root: Path, module: str, force: bool = False) -> Path:
    """Copy ``course/<module>/`` to ``mywork/<module>/`` and return the notebook's path there.
    Raises FileExistsError when the working copy exists (unless ``force``)."""
    from autograder.config import REPOSITORY_LAYOUT

    src = root / REPOSITORY_LAYOUT.release / module
    dest = root / WORK_FOLDER / module
    if dest.exists():
        if not force:
            raise FileExistsError(dest)
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest / f"{module}.ipynb"


def cmd_start(args: argparse.Namespace) -> int:
    root = _course_root(args)
    if root is None:
        return 2
    known = released_modules(root)
    module = resolve_module(args.module, known)
    if module is None:
        _err(f"unknown module {args.module!r}; released: {', '.join(known)}")
        return 2
    try:
        notebook = start(root, module, force=args.force)
    except FileExistsError as exc:
        _err(f"{exc} already exists: your work is there. Open it, or pass --force to start again "
             "from a fresh copy (this deletes your work in it).")
        return 1
    try:
        shown = notebook.relative_to(Path.cwd())
    except ValueError:
        shown = notebook
    print(f"copied course/{module}/ to {shown.parent}/ (git-ignored: your work stays yours)")
    print(f"  open it:         jupyter lab {shown}")
    print(f"  grade yourself:  recsys-course check {shown}")
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from autograder.bundle import BundleError, bundle

    root = _course_root(args)
    if root is None:
        return 2
    try:
        result = bundle(args.dest, root, args.modules or None, force=args.force)
    except BundleError as exc:
        _err(str(exc))
        return 1 if "exists" in str(exc) else 2
    print(f"wrote the class bundle of {len(result.modules)} module(s) to {result.root} ({result.files} files): "
          f"{', '.join(result.modules)}")
    print("It has no solutions/, no hidden tests, no mistake fixtures; students start with its README.md.")
    return 0


def add_commands(sub) -> None:
    """Register ``start`` and ``bundle`` on the ``recsys-course`` parser."""
    st = sub.add_parser(
        "start", help="copy a module's notebook to the git-ignored mywork/ folder and work there",
        description="Copy course/MODULE/ to mywork/MODULE/ (git-ignored), so that your work never "
                    "changes the released notebooks. MODULE is a folder name or its number (04). "
                    "Exit codes: 0 copied, 1 the copy exists (--force replaces it), 2 usage error.")
    st.add_argument("module", metavar="MODULE", help="e.g. 04 or 04_knn_collaborative_filtering")
    st.add_argument("--force", action="store_true", help="replace an existing working copy (deletes it)")
    st.add_argument("--course-root", default=None, help="the course directory (default: found from here)")
    st.set_defaults(handler=cmd_start)

    bd = sub.add_parser(
        "bundle", help="write what an instructor hands to students (no solutions, no hidden tests)",
        description="Write DIR with course/, the toolbox, the check runtime, datasets/ and a README "
                    "for students; without solutions/, hidden tests, mistake fixtures or tests. "
                    "Exit codes: 0 written, 1 DIR exists (--force replaces it), 2 usage error.")
    bd.add_argument("dest", metavar="DIR", help="folder to write (outside the repository's own folders)")
    bd.add_argument("--modules", nargs="*", default=None, metavar="MODULE",
                    help="modules to include (default: every released module)")
    bd.add_argument("--force", action="store_true", help="replace DIR if it exists")
    bd.add_argument("--course-root", default=None, help="the course directory (default: found from here)")
    bd.set_defaults(handler=cmd_bundle)
