"""Targets that tests/test_grading_childproc.py runs in grading child processes (not tests)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def sleep_with_grandchild(payload: dict) -> int:
    """Start a grandchild that sleeps, write both pids, then sleep past any limit."""
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    Path(payload["pids"]).write_text(f"{os.getpid()} {grandchild.pid}")
    time.sleep(600)
    return 0


def keep_starting_children(payload: dict) -> int:
    """Start a sleeping child every few milliseconds, appending each pid to a file, for ever."""
    with open(payload["pids"], "a", buffering=1) as out:
        while True:
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            out.write(f"{child.pid}\n")
            time.sleep(0.005)


def allocate(payload: dict) -> int:
    """Allocate ``payload["mb"]`` MB of memory (fails under a smaller address-space limit)."""
    block = bytearray(payload["mb"] * 1024 * 1024)
    Path(payload["done"]).write_text(str(len(block)))
    return 0


def report(payload: dict) -> int:
    """Write what the child sees: its working folder, an environment variable, its session."""
    Path(payload["out"]).write_text("|".join([os.getcwd(), os.environ.get("GRADING_TEST_VAR", ""),
                                              str(os.getsid(0) == os.getpid())]))
    print("to the log")
    return 7
