"""Installable, not only editable: build the wheel from a clean copy of the sources, install it into a
fresh virtual environment and use it from there - `load_shop()` finds the shipped shop inside the
installed package, and `recsys-course check` grades a module.

Offline: the wheel is built without build isolation (the current environment's setuptools) and
installed with `--no-deps --no-index`; the fresh environment sees the current environment's
packages (numpy, nbgrader, ...) through a `.pth` file, but not its editable install of this
repository (`.pth` files in an added folder are not executed), so what runs is the wheel."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "recsys_lib", "autograder",
           "datasets")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "shipped", ".ipynb_checkpoints")


def _run(args, **kwargs):
    out = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert out.returncode == 0, f"{args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory, repo_root):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = repo_root / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=IGNORE)
        else:
            shutil.copy(path, src / name)
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "--no-index",
          "-w", str(tmp / "dist")])
    wheel = next((tmp / "dist").glob("recsys_course-*.whl"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    parents = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (site / "_parent_environment.pth").write_text("\n".join(parents) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
          "--ignore-installed", str(wheel)])
    return {"python": python, "bin": venv / "bin", "venv": venv, "wheel": wheel, "tmp": tmp}


def test_wheel_holds_the_shop_and_load_shop_works_from_it(wheel_env, repo_root):
    import zipfile

    names = zipfile.ZipFile(wheel_env["wheel"]).namelist()
    for table in ("items.csv", "users.csv", "events.csv.gz"):
        assert f"recsys_lib/data/shipped/shopsim/{table}" in names
    code = ("import json, recsys_lib; from recsys_lib.data import load_shop, shipped_shop_path; "
            "items, users, events = load_shop(); "
            "print(json.dumps({'lib': recsys_lib.__file__, 'shop': str(shipped_shop_path()), "
            "'sizes': [len(items), len(users), len(events)]}))")
    out = _run([str(wheel_env["python"]), "-c", code], cwd=wheel_env["tmp"])
    info = json.loads(out.stdout)
    venv = str(wheel_env["venv"].resolve())
    assert info["lib"].startswith(venv) and info["shop"].startswith(venv), info
    from recsys_lib.data import load_shop

    items, users, events = load_shop()
    assert info["sizes"] == [len(items), len(users), len(events)]


def test_installed_command_checks_a_module(wheel_env, repo_root):
    script = wheel_env["bin"] / "recsys-course"
    helped = _run([str(script), "--help"], cwd=wheel_env["tmp"])
    for command in ("check", "grade", "evaluate", "bundle", "start"):
        assert command in helped.stdout
    module = "00_shop_data"
    out = subprocess.run([str(script), "check", f"solutions/{module}/{module}.ipynb"], cwd=repo_root,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "All tests passed, hidden tests included." in out.stdout
