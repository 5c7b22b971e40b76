"""Import time of snntheory and of what it builds on (prints the table, writes
``benchmarks/results/import.md``).

Run: ``python benchmarks/bench_import.py``. Each statement runs in a fresh interpreter and its
own import is timed inside it (``time.perf_counter``, interpreter start-up excluded); the table
gives the best of 9 runs. ``import snntheory`` loads no numerics (the models and ``LIF`` load on
first use); ``tests/test_architecture.py`` checks that it loads no heavy package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _report import Report

ROOT = Path(__file__).resolve().parents[1]
STATEMENTS = [
    ("import numpy", "reference"),
    ("import scipy.special", "reference"),
    ("import snntheory", "snntheory"),
    ("from snntheory import LIF", "snntheory"),
    ("import snntheory.diffusion", "snntheory"),
    ("import snntheory.discrete", "snntheory"),
    ("import snntheory.network", "snntheory"),
    ("import snntheory.inverse", "snntheory"),
]


def import_time(stmt, runs=9):
    """Best-of-``runs`` seconds of ``stmt`` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    return min(float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                                    text=True).stdout) for _ in range(runs))


def main():
    rep = Report("import", "Import time")
    rep.section("import time in a fresh interpreter (best of 9)")
    rows = [[f"`{stmt}`", kind, f"{1e3 * import_time(stmt):.0f}"] for stmt, kind in STATEMENTS]
    rep.table(["statement", "what", "time (ms)"], rows)
    rep.write()


if __name__ == "__main__":
    main()
