"""Shared helpers for the snntheory figures (style, layout, caching, progress, colours).

This is the ONLY helper module shared by ``figures/fig_*.py``. It holds no theory: every
number in a figure comes from snntheory's public API through a ``compute_*`` function
whose result is cached by :func:`cached`.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE_DIR = HERE / "cache"
MM = 1.0 / 25.4  # inches per millimetre

# The house style (rc parameters, one colour per method, line and marker styles) is
# snntheory.plot's: the figures and the library's plots are drawn the same way.
from snntheory.plot import COLORS, SIM_MARKER, STYLE, THEORY_LINE  # noqa: E402,F401


def use_style():
    """Apply the house style :data:`snntheory.plot.STYLE` (idempotent)."""
    import matplotlib.pyplot as plt
    plt.style.use(STYLE)   # (= snntheory.plot.use_style, through matplotlib's style machinery)


def new_figure(nrows=1, ncols=1, *, width_mm=180.0, height_mm=None, **subplots_kw):
    """Create a styled figure sized in millimetres; returns ``(fig, axes)``.

    ``height_mm`` defaults to 55 mm per row. ``axes`` is squeezed like ``plt.subplots``
    unless ``squeeze=False`` is passed.
    """
    import matplotlib.pyplot as plt
    use_style()
    if height_mm is None:
        height_mm = 55.0 * nrows
    fig, axes = plt.subplots(nrows, ncols, figsize=(width_mm * MM, height_mm * MM),
                             **subplots_kw)
    return fig, axes


def panel_labels(axes, *, start="a", dx=-0.16, dy=1.06, **text_kw):
    """Write bold panel letters a, b, c ... at a fixed offset (axes fraction) from each axes."""
    flat = list(np.ravel(np.asarray(axes, dtype=object)))
    kw = {"fontsize": 8, "fontweight": "bold", "va": "bottom", "ha": "left"}
    kw.update(text_kw)
    for k, ax in enumerate(flat):
        ax.text(dx, dy, chr(ord(start) + k), transform=ax.transAxes, **kw)
    return flat


def _key(name, params):
    import snntheory
    blob = json.dumps({"name": name, "params": params, "version": snntheory.__version__},
                      sort_keys=True, default=repr)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def cache_dir():
    """The cache directory, or ``None`` when ``SNNTHEORY_FIG_CACHE=off``."""
    env = os.environ.get("SNNTHEORY_FIG_CACHE")
    if env is not None:
        if env.strip().lower() == "off":
            return None
        return Path(env)
    return CACHE_DIR


def cached(name, params, compute):
    """Return ``compute(**params)`` (a dict of arrays), cached in an npz file.

    The file is ``<cache>/<name>-<sha1(name, params, snntheory.__version__)[:12]>.npz``;
    ``SNNTHEORY_FIG_CACHE=<dir>`` overrides the directory and ``=off`` disables caching.
    """
    d = cache_dir()
    path = None if d is None else d / f"{name}-{_key(name, params)}.npz"
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    out = {k: np.asarray(v) for k, v in compute(**params).items()}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez(tmp, **out)
        os.replace(tmp, path)
    return out


def progress(iterable, desc="", total=None, *, stream=None, width=24):
    """Yield from ``iterable`` while drawing a one-line progress bar on stderr."""
    stream = sys.stderr if stream is None else stream
    if total is None:
        try:
            total = len(iterable)
        except TypeError:
            total = None
    t0 = time.perf_counter()
    k = 0

    def draw(k):
        el = time.perf_counter() - t0
        if total:
            n = int(width * k / total)
            bar = "#" * n + "-" * (width - n)
            stream.write(f"\r{desc} [{bar}] {k}/{total} {el:5.1f}s")
        else:
            stream.write(f"\r{desc} {k} {el:5.1f}s")
        stream.flush()

    draw(0)
    for item in iterable:
        yield item
        k += 1
        draw(k)
    stream.write("\n")
    stream.flush()


def silent_floor_note(ax, floor, text="silent (rate 0) plotted at floor", **kw):
    """Draw a dotted floor line for zero values on a log axis, with a short note just below it
    (leave room: a lower y limit of about floor / 4 on a log axis)."""
    ax.axhline(floor, color="0.6", linestyle=":", linewidth=0.7)
    ax.text(0.99, floor / 1.6, text + " ", transform=ax.get_yaxis_transform(), ha="right",
            va="top", fontsize=5.5, color="0.4", **kw)
