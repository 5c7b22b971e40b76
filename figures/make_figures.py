#!/usr/bin/env python3
"""Make the snntheory paper figures.

Usage: ``python figures/make_figures.py [names...] [--quick] [--out DIR]``

Names accept ``collapse_depth``, ``1`` or ``fig1``; no names means all figures. Each
figure is written as ``<out>/<name>.png`` and ``<out>/<name>.pdf`` (git hash in the PDF
metadata). One line per figure with its wall time goes to stdout, a progress bar to stderr.
"""
from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

# name -> module (figures/fig_<name>.py defining fig_<name>(quick=False) -> Figure)
FIGURES = OrderedDict([
    ("collapse_depth", "fig_collapse_depth"),
    ("collapse_time", "fig_collapse_time"),
    ("fixes", "fig_fixes"),
    ("rate_maps", "fig_rate_maps"),
    ("densities", "fig_densities"),
    ("strategy", "fig_strategy"),
    ("heterogeneity", "fig_heterogeneity"),
    ("speed", "fig_speed"),
    ("trainability", "fig_trainability"),
])


def resolve(name):
    """Map ``collapse_depth`` / ``1`` / ``fig1`` to the registry name."""
    names = list(FIGURES)
    key = name.strip().lower()
    if key.startswith("fig_"):
        key = key[4:]
    if key in FIGURES:
        return key
    if key.startswith("fig"):
        key = key[3:]
    if key.isdigit() and 1 <= int(key) <= len(names):
        return names[int(key) - 1]
    raise SystemExit(f"unknown figure {name!r}; choose from "
                     + ", ".join(f"{i + 1}:{n}" for i, n in enumerate(names)))


def figure_function(name):
    """Import ``fig_<name>`` lazily and return its figure function."""
    module = importlib.import_module(FIGURES[name])
    return getattr(module, f"fig_{name}")


def git_hash():
    try:
        out = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def make(name, *, quick=False, out=HERE / "img", commit=None):
    """Build one figure and write ``<out>/<name>.png`` and ``.pdf``; returns wall time (s)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _common import use_style
    use_style()
    commit = git_hash() if commit is None else commit
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    fig = figure_function(name)(quick=quick)
    fig.savefig(out / f"{name}.png")
    fig.savefig(out / f"{name}.pdf", metadata={
        "Title": f"snntheory figure {name}", "Creator": "snntheory figures/make_figures.py",
        "Subject": f"git {commit}{' (quick)' if quick else ''}", "Keywords": f"git:{commit}"})
    plt.close(fig)
    return time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="figures (name, number or figN); default all")
    p.add_argument("--quick", action="store_true", help="small, fast version (for tests)")
    p.add_argument("--out", type=Path, default=HERE / "img", help="output directory")
    args = p.parse_args(argv)
    names = [resolve(n) for n in args.names] or list(FIGURES)
    from _common import progress
    commit = git_hash()
    total = 0.0
    for name in progress(names, desc="figures"):
        dt = make(name, quick=args.quick, out=args.out, commit=commit)
        total += dt
        print(f"{name:16s} {dt:7.1f} s  -> {args.out / (name + '.png')}", flush=True)
    print(f"{'total':16s} {total:7.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
