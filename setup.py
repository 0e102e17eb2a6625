"""setuptools hook: the shipped ShopSim tables go into the wheel (all metadata is in pyproject.toml).

In a checkout the tables live in ``datasets/shopsim`` (the spec's layout, next to the data card);
a non-editable install (``pip install .``, a built wheel) also needs them, so ``build_py`` copies
them to ``recsys_lib/data/shipped/shopsim`` in the build. ``recsys_lib.data.files.shipped_shop_path``
looks there first and falls back to ``datasets/shopsim`` (editable installs, the repository).
"""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHOP = Path("datasets") / "shopsim"
SHOP_FILES = ("items.csv", "users.csv", "events.csv.gz", "DATACARD.md")
PACKAGED = ("recsys_lib", "data", "shipped", "shopsim")


class BuildPyWithShop(build_py):
    """``build_py`` that also copies the shipped shop into the built package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):      # editable: read from datasets/ in place
            return
        target = Path(self.build_lib, *PACKAGED)
        target.mkdir(parents=True, exist_ok=True)
        for name in SHOP_FILES:
            self.copy_file(str(SHOP / name), str(target / name))

    def get_outputs(self, include_bytecode=True):
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            outputs += [str(Path(self.build_lib, *PACKAGED, name)) for name in SHOP_FILES]
        return outputs


setup(cmdclass={"build_py": BuildPyWithShop})
