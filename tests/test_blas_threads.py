"""The glide application runs OpenBLAS on one thread unless the user says otherwise (tui/__init__.py).

A second OpenBLAS thread splits no work on the pipeline's few-column matrices and spins after each
call (20-40 % of the process CPU on rep content, round 6). Each check starts a fresh interpreter,
since OpenBLAS reads its thread count once, when numpy loads it, and asks the loaded library
itself (not only the environment) how many threads it will use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the thread count OpenBLAS will use, from the library numpy loaded (its symbols carry a prefix and
# suffix in the scipy-openblas builds numpy ships; a plain build has the bare name)
_ASK = """
import os, ctypes, tui, numpy
libs = sorted({line.split()[-1] for line in open('/proc/self/maps') if 'openblas' in line})
assert libs, 'numpy loaded no OpenBLAS'
lib = ctypes.CDLL(libs[0])
names = ('scipy_openblas_get_num_threads64_', 'openblas_get_num_threads64_', 'openblas_get_num_threads')
get = next(getattr(lib, n) for n in names if hasattr(lib, n))
print(os.environ['OPENBLAS_NUM_THREADS'], get())
"""


def _threads(env_value: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run([sys.executable, "-c", _ASK], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_openblas_runs_one_thread_by_default() -> None:
    assert _threads(None) == ["1", "1"]


def test_the_users_choice_of_threads_is_kept() -> None:
    assert _threads("2") == ["2", "2"]
