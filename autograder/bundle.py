"""``recsys-course bundle DIR``: what an instructor hands to students - the course without the answers.

The bundle holds

* ``course/``        the released notebooks (stubs, public tests; nbgrader removed the hidden tests);
* ``check_source/``  pristine copies of the same notebooks: the source ``recsys-course check`` grades
                     against in a bundle (public tests only; the learner's own copy may be edited);
* ``recsys_lib/``    the toolbox (its reference implementations are what later modules import; a graded
                     cell that uses the answer to its own exercise is flagged, ``autograder.toolbox_policy``);
* ``autograder/``    the check runtime, without ``fixtures/`` (the mistake fixtures), its
                     ``config.py`` pointing the course's source folder at ``check_source/``;
* ``datasets/``      ShopSim and the data index (no real data set: none is shipped);
* ``pyproject.toml``, ``setup.py``, ``MANIFEST.in``, ``environment.yml``, ``nbgrader_config.py``,
  ``LICENSE``, a ``.gitignore``, and a ``README.md`` written for students.

It never holds ``solutions/``, ``tests/``, ``benchmarks/``, ``work/`` (gradebook, submissions), the
mistake fixtures, or any hidden-test or solution text (``tests/test_bundle.py`` greps for every line).
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder import notebooks as _nb
from autograder.config import REPOSITORY_LAYOUT

#: the folder ``recsys-course check`` grades against in a bundle
CHECK_SOURCE = "check_source"
#: files copied from the repository root as they are
ROOT_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "environment.yml", "LICENSE")
#: never copied: caches, build output (and, for autograder/, the mistake fixtures)
IGNORED = ("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints", ".pytest_cache", "shipped")
_LAYOUT_LINE = re.compile(r"^REPOSITORY_LAYOUT = Layout\(\)$", re.M)


class BundleError(RuntimeError):
    pass


@dataclass
class BundleResult:
    root: Path
    modules: list[str] = field(default_factory=list)
    files: int = 0


def _copytree(src: Path, dst: Path, extra_ignore=()) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*IGNORED, *extra_ignore))


def _student_config(text: str) -> str:
    """``autograder/config.py`` for a bundle: the course's source folder is ``check_source/``."""
    patched, n = _LAYOUT_LINE.subn(
        f'REPOSITORY_LAYOUT = Layout(source="{CHECK_SOURCE}")  # a class bundle (autograder.bundle): '
        f"the check grades against pristine release copies", text)
    if n != 1:
        raise BundleError("autograder/config.py has no line `REPOSITORY_LAYOUT = Layout()` to point at "
                          f"{CHECK_SOURCE}/; update autograder/bundle.py")
    return patched


NBGRADER_CONFIG = '''"""nbgrader configuration of a class bundle (written by `recsys-course bundle`).

    course/        the notebooks to solve (copy one to mywork/ with `recsys-course start MODULE`)
    check_source/  pristine copies that `recsys-course check` grades against (public tests only)
    work/          nbgrader's scratch folders (git-ignored)
"""
import os

from autograder.config import REPOSITORY_LAYOUT, configure

configure(get_config(), os.path.dirname(os.path.abspath(__file__)), REPOSITORY_LAYOUT)  # noqa: F821
'''

GITIGNORE = """__pycache__/
*.egg-info/
.ipynb_checkpoints/
.venv/
build/
dist/
work/
mywork/
recsys_lib/data/shipped/
"""


def _readme(modules: list[str]) -> str:
    from autograder.toolbox_policy import POLICY, markdown_summary

    rows = "\n".join(f"| `{m}` | `recsys-course start {m[:2]}` |" for m in modules)
    rules = "\n\n".join(f"**{m}**\n\n{markdown_summary(m)}" for m in modules if m in POLICY)
    return f"""# Machine Learning for E-commerce Search & Recommendation — course notebooks

From gradient descent to an Embedding-LSTM recommender, on **ShopSim**, a synthetic shop
(`datasets/shopsim`, see its data card). Everything runs on a laptop CPU.

## Install

With Python 3.11, in this folder:

```bash
python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[dev]"
```

(`pip install ".[dev]"` works too: the shipped shop is installed with the package.)

## Work on a module

```bash
recsys-course start 00            # copies course/00_shop_data/ to mywork/00_shop_data/
jupyter lab mywork/
```

Solve the exercises in your copy under `mywork/` (git-ignored, never overwritten: `start` refuses
to replace an existing copy unless you pass `--force`). `course/` stays as it was handed out.

| module | start it |
|---|---|
{rows}

## Grade yourself

```bash
recsys-course check mywork/00_shop_data/00_shop_data.ipynb
```

runs nbgrader's autograde on your saved notebook and prints the points per exercise with the first
line of each check's feedback. In this bundle the check runs the **public tests** (the ones you
see in the notebook); your instructor's grading adds hidden tests on inputs you have not seen, so
write code that works for any input. Written answers are graded by a person.

## Which toolbox functions a graded cell may use

Graded cells may call `numpy`, `pandas`, `scipy`, the column names `recsys_lib.columns` and the
toolbox functions the notebook points you to — but not the toolbox's reference implementation of
the exercise you are solving. These are flagged for your instructor (and `recsys-course check`
prints a warning line):

{rules}

## Real data

`recsys-course evaluate --data movielens100k --download` runs the course's recommenders on a real
log (see `datasets/README.md` for the data sets, their licences and how to get them).
"""


def bundle(dest: str | Path, course_root: str | Path, modules: list[str] | None = None,
           force: bool = False) -> BundleResult:
    """Write the class bundle of ``modules`` (default: every released module) to ``dest``."""
    from autograder.release import discover_modules

    root = Path(course_root)
    dest = Path(dest)
    known = discover_modules(root)
    released = [m for m in known if (root / REPOSITORY_LAYOUT.release / m / f"{m}.ipynb").is_file()]
    modules = list(modules) if modules else released
    unknown = [m for m in modules if m not in released]
    if unknown:
        raise BundleError(f"not released module(s) {unknown}; released: {', '.join(released)}")
    here, there = root.resolve(), dest.resolve()
    copied = [here / d for d in ("recsys_lib", "autograder", "datasets", REPOSITORY_LAYOUT.release,
                                 REPOSITORY_LAYOUT.source)]
    if there in (here, *here.parents) or any(there == d or d in there.parents for d in copied):
        raise BundleError(f"{dest} is the course repository, a folder above it or one of the folders "
                          "the bundle copies: choose another folder")
    if dest.exists():
        if not force and any(dest.iterdir()):
            raise BundleError(f"{dest} exists and is not empty; pass --force to replace it")
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for module in modules:
        src = root / REPOSITORY_LAYOUT.release / module
        _copytree(src, dest / REPOSITORY_LAYOUT.release / module)
        _copytree(src, dest / CHECK_SOURCE / module)
    _copytree(root / "recsys_lib", dest / "recsys_lib")
    _copytree(root / "autograder", dest / "autograder", extra_ignore=("fixtures",))
    config = dest / "autograder" / "config.py"
    config.write_text(_student_config(config.read_text(encoding="utf-8")), encoding="utf-8")
    (dest / "datasets").mkdir()
    _copytree(root / "datasets" / "shopsim", dest / "datasets" / "shopsim")
    shutil.copy(root / "datasets" / "README.md", dest / "datasets" / "README.md")
    for name in ROOT_FILES:
        if (root / name).is_file():
            shutil.copy(root / name, dest / name)
    (dest / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    (dest / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    (dest / "README.md").write_text(_readme(modules), encoding="utf-8")
    for nb_path in (dest / REPOSITORY_LAYOUT.release).rglob("*.ipynb"):
        _assert_released(nb_path)
    return BundleResult(dest, modules, sum(1 for p in dest.rglob("*") if p.is_file()))


def _assert_released(path: Path) -> None:
    """A bundled notebook must be a release: no solution or hidden-test region left."""
    for cell in _nb.read_json(path)["cells"]:
        text = _nb.source_text(cell)
        if any(marker in text for marker in _nb.MARKERS):
            raise BundleError(f"{path} still holds an nbgrader solution or hidden-test region: "
                              "run `recsys-course release` first")
