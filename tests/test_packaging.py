"""Packaging: one source of truth for dependencies, a light import, README and CI in step."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_this_package_and_nothing_else():
    env = (ROOT / "environment.yml").read_text()
    deps = re.findall(r"^\s*-\s+(.+?)\s*$", env.split("dependencies:", 1)[1], re.M)
    # conda provides only the interpreter and pip; pip installs the package with its dev extra
    assert "python=3.11" in deps and "pip" in deps
    assert '-e ".[dev]"' in deps
    conda_pkgs = [d for d in deps if d not in ("python=3.11", "pip", "pip:", '-e ".[dev]"')]
    assert conda_pkgs == [], f"environment.yml lists packages pyproject.toml does not control: {conda_pkgs}"
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "3.11" in SpecifierSet(meta["requires-python"])
    assert "dev" in meta["optional-dependencies"]


def test_runtime_dependencies_are_floors_and_used():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dep in meta["dependencies"]:
        spec = dep.split(";")[0]
        assert ">=" in spec and "==" not in spec, f"{dep}: use a floor, not a pin"
    names = {re.split(r"[<>=;\s\[]", d)[0] for d in meta["dependencies"]}
    # every runtime dependency is imported somewhere in the packages (no dead pins)
    import_name = {"scikit-learn": "sklearn", "tensorflow-cpu": "tensorflow"}
    code = "\n".join(p.read_text(encoding="utf-8") for pkg in ("recsys_lib", "autograder")
                     for p in (ROOT / pkg).rglob("*.py"))
    for name in names:
        module = import_name.get(name, name)
        assert re.search(rf"^\s*(import|from) {module}\b", code, re.M), f"{name} is a dependency nobody imports"
    assert {"tensorflow", "tensorflow-cpu"} & names


def test_import_is_light():
    code = ("import sys, time; t = time.perf_counter(); import recsys_lib, recsys_lib.data, recsys_lib.simulation, "
            "recsys_lib.metrics, recsys_lib.columns, recsys_lib.tasks, recsys_lib.features, recsys_lib.models, "
            "recsys_lib.gradcheck; "
            "print(json.dumps({'s': time.perf_counter() - t, 'heavy': sorted(m for m in ('tensorflow', 'keras', "
            "'matplotlib.pyplot', 'torch') if m in sys.modules)}))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    assert report["heavy"] == [], f"importing recsys_lib pulled in {report['heavy']}"


def test_readme_quick_start_matches_ci():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    install = 'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[dev]"'
    test = ". .venv/bin/activate && python -m pytest -n auto"
    assert f"{install} && jupyter lab course/" in readme
    assert test in readme
    assert f"\n{install}\n" in ci and f"\n{test}\n" in ci


def test_cli_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "--help"], capture_output=True, text=True, check=True)
    assert "data" in out.stdout


def test_notebook_benchmark_runs(tmp_path):
    """benchmarks/bench_notebooks.py cannot rot: run it on module 00."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_notebooks.py"), "00_shop_data"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    assert "00_shop_data" in out.stdout and "whole course" in out.stdout


def test_generator_and_import_benchmarks_run():
    """The benchmarks print their figures: parse them (the values are not asserted, only their form)."""
    import re as _re

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_generator.py"), "--events", "20000",
                          "--repeat", "1"], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    rate = _re.search(r"generated ([\d,]+) events .* ([\d,]+) events/s", out)
    assert rate and int(rate.group(1).replace(",", "")) > 0, out
    assert _re.search(r"load_shop\(\) in [\d.]+ s", out), out
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_import.py")],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    rows = dict(_re.findall(r"^import (recsys_lib\S*)\s+[\d.]+ s\s+tensorflow imported: (\w+)$", out, _re.M))
    assert "recsys_lib" in rows and "recsys_lib.models" in rows, out
    assert set(rows.values()) == {"False"}, out
