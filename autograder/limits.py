"""The limits one notebook is graded under, the same for ``recsys-course check`` and ``grade``.

* per cell: nbgrader's ``Execute.timeout`` (the cell is interrupted, later cells still run);
* whole notebook: wall clock of the whole grading (nbgrader start-up included), after which the
  process tree is killed and the notebook is "could not grade";
* memory: ``RLIMIT_AS`` of the grading process, inherited by nbgrader's kernel.

TensorFlow modules (``autograder.config.TENSORFLOW_MODULES``) get longer and larger defaults:
TensorFlow's import alone takes 3-7 s and it reserves a lot of address space.
"""
from __future__ import annotations

from dataclasses import dataclass

from autograder import config as _config

#: Wall-clock limit of one student's whole grading (nbgrader start-up included), seconds.
DEFAULT_NOTEBOOK_TIMEOUT = 600
TENSORFLOW_NOTEBOOK_TIMEOUT = 1200
#: Address-space limit of every process grading one student (nbgrader and the kernel), MB.
DEFAULT_MEMORY_MB = 4096
TENSORFLOW_MEMORY_MB = 16384


def is_tensorflow(module: str) -> bool:
    return module in _config.TENSORFLOW_MODULES


def default_timeout(module: str) -> float:
    return TENSORFLOW_NOTEBOOK_TIMEOUT if is_tensorflow(module) else DEFAULT_NOTEBOOK_TIMEOUT


def default_memory_mb(module: str) -> int:
    return TENSORFLOW_MEMORY_MB if is_tensorflow(module) else DEFAULT_MEMORY_MB


@dataclass(frozen=True)
class Limits:
    """Limits for grading one module's notebooks."""

    module: str
    notebook_timeout: float                  # seconds, whole notebook
    cell_timeout: float                      # seconds, per cell
    memory_mb: int                           # 0: no limit
    cell_timeout_given: bool = False         # set explicitly (part of the batch cache key)

    def nbgrader_config(self) -> dict:
        """Extra nbgrader config for the grading process ({"Section.name": value})."""
        if not self.cell_timeout_given:
            return {}          # CourseExecute chooses the module's own per-cell limit
        return {"CourseExecute.timeouts": {self.module: int(self.cell_timeout)}}

    def describe(self) -> str:
        memory = f"{self.memory_mb} MB per process" if self.memory_mb else "no memory limit"
        return (f"{self.notebook_timeout:g} s per notebook, {self.cell_timeout:g} s per cell, "
                f"{memory}")


def limits_for(module: str, *, timeout: float | None = None, cell_timeout: float | None = None,
               memory_mb: int | None = None) -> Limits:
    """The module's limits, with any of them overridden (``None``: the module's default)."""
    return Limits(module=module,
                  notebook_timeout=float(timeout or default_timeout(module)),
                  cell_timeout=float(cell_timeout or _config.cell_timeout(module)),
                  memory_mb=int(memory_mb if memory_mb is not None else default_memory_mb(module)),
                  cell_timeout_given=bool(cell_timeout))
