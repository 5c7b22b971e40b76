"""Shared helpers of the bench scripts: best-of timing and the ``benchmarks/results/<name>.md`` files.

Every bench script prints its side-by-side table and writes the same table, with a short header
(date, machine, versions, the command that produced it), to ``benchmarks/results/<name>.md``
through :class:`Report`. The README and the docstrings quote numbers from those files only.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import sys
import timeit
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def best_time(fn, *, repeat=5, number=1, setup=None):
    """Seconds per call of ``fn()``: the best of ``repeat`` runs of ``number`` calls each.

    ``setup`` (optional callable) runs before every repeat and is not timed (for example to
    clear a memo so that every timed call computes).
    """
    timer = timeit.Timer(fn, setup=setup if setup is not None else "pass")
    return min(timer.repeat(repeat=repeat, number=number)) / number


def version(dist):
    """Installed version of distribution ``dist``, or ``"not installed"``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def command():
    """The command line that is running, with the thread-limiting environment variables set."""
    env = " ".join(f"{k}={os.environ[k]}" for k in _THREAD_VARS if k in os.environ)
    argv = " ".join(shlex.quote(a) for a in sys.argv)
    return f"{env + ' ' if env else ''}python {argv}"


def md_table(headers, rows):
    """A Markdown table; cells are used as given (format numbers before)."""
    out = ["| " + " | ".join(str(h).replace("|", "\\|") for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out)


def text_table(headers, rows):
    """The same table, aligned for the terminal."""
    cols = [[str(h)] + [str(r[i]) for r in rows] for i, h in enumerate(headers)]
    widths = [max(len(c) for c in col) for col in cols]
    lines = ["  ".join(h.rjust(w) for h, w in zip(map(str, headers), widths))]
    lines += ["  ".join(str(c).rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


class Report:
    """Collects what a bench script prints and writes it to ``benchmarks/results/<name>.md``.

    ``reference`` names the distributions compared against (their versions go in the header).
    """

    def __init__(self, name, title, *, reference=()):
        self.name, self.title, self.reference = name, title, tuple(reference)
        self.parts = []

    def section(self, heading):
        print(f"\n== {heading} ==")
        self.parts.append(f"## {heading}")

    def note(self, text):
        print(text)
        self.parts.append(text)

    def table(self, headers, rows):
        print(text_table(headers, rows))
        self.parts.append(md_table(headers, rows))

    def header(self):
        import numpy
        import scipy

        versions = [f"python {platform.python_version()}", f"numpy {numpy.__version__}",
                    f"scipy {scipy.__version__}", f"mpmath {version('mpmath')}",
                    f"snntheory {version('snntheory')}"]
        versions += [f"{d} {version(d)}" for d in self.reference]
        threads = ", ".join(f"{k}={os.environ[k]}" for k in _THREAD_VARS if k in os.environ) or "default"
        return "\n".join([
            f"# {self.title}",
            "",
            f"- date: {datetime.datetime.now(datetime.timezone.utc).date().isoformat()}",
            f"- machine: {platform.machine()}, {os.cpu_count()} cores ({platform.system()}); BLAS threads: {threads}",
            f"- versions: {', '.join(versions)}",
            f"- command: `{command()}`",
            "",
            "Written by the bench script; do not edit by hand. Times are best-of-N wall clock "
            "(`timeit.repeat`) unless a column says otherwise; the machine may be shared.",
        ])

    def write(self, path=None):
        path = Path(path) if path is not None else RESULTS / f"{self.name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.header() + "\n\n" + "\n\n".join(self.parts) + "\n")
        print(f"\nwrote {path}")
        return path
