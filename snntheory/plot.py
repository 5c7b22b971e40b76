"""Plots of snntheory's own result objects, styled like the figures of the study.

Each function takes what the library returns (a plan or prediction, a stationary density, an
FPT density) and draws it on a matplotlib ``Axes``, which it returns; pass ``axes=`` to draw
into an existing figure. matplotlib is imported inside the functions only (install the
``figures`` extra), so ``import snntheory.plot`` costs nothing without it.

The house style lives here and nowhere else: :data:`STYLE` (matplotlib rc parameters),
:data:`COLORS` (one colour per method), :data:`THEORY_LINE` and :data:`SIM_MARKER`; the figure
script ``figures/make_figures.py`` uses the same objects. A new figure made here is drawn
under :data:`STYLE` (the rc parameters of an existing figure are left alone).
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping

import numpy as np

__all__ = ["network", "density", "fpt", "STYLE", "COLORS", "THEORY_LINE", "SIM_MARKER", "style", "use_style"]

#: matplotlib rc parameters of the house style (figure size is set by the caller)
STYLE = {
    "figure.dpi": 100, "savefig.dpi": 300, "savefig.bbox": "tight", "savefig.pad_inches": 0.02,
    "figure.constrained_layout.use": True,
    "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 7, "axes.titlesize": 7, "axes.labelsize": 7, "xtick.labelsize": 6, "ytick.labelsize": 6,
    "legend.fontsize": 6, "legend.frameon": False, "legend.handlelength": 1.6,
    "axes.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False,
    "xtick.major.width": 0.6, "ytick.major.width": 0.6, "xtick.major.size": 2.5, "ytick.major.size": 2.5,
    "xtick.minor.size": 1.5, "ytick.minor.size": 1.5,
    "lines.linewidth": 1.2, "lines.markersize": 3.5, "errorbar.capsize": 1.5,
    "image.cmap": "viridis", "pdf.fonttype": 42,
}

#: one colour per method or baseline, shared by every plot (Okabe-Ito based, print-safe)
COLORS = {
    "snntheory": "#D55E00",   # snntheory's discrete (exact step-map) theory / plan
    "discrete": "#D55E00",
    "diffusion": "#0072B2",
    "diffusion_dt": "#56B4E9",
    "shotnoise": "#009E73",
    "kaiming": "#CC79A7",
    "glorot": "#E69F00",
    "pytorch": "#8C564B",
    "fluctuation": "#7F3C8D",
    "simulation": "black",
    "simulation_alt": "0.55",
}
#: keyword arguments of a theory line
THEORY_LINE = {"linestyle": "-", "linewidth": 1.2}
#: keyword arguments of simulated points (open circles; draw them with ``errorbar``)
SIM_MARKER = {"linestyle": "none", "marker": "o", "markersize": 3.5,
              "markerfacecolor": "none", "markeredgewidth": 0.8}

#: per-layer quantities :func:`network` can draw: (attribute of LayerInit, axis label, log axis)
QUANTITIES = {
    "rate": ("rate", "rate (Hz)", True),
    "v_std": ("v_std", "membrane SD (V)", False),
    "v_mean": ("v_mean", "membrane mean (V)", False),
    "silent_fraction": ("silent_fraction", "silent fraction", False),
    "grad_gain": ("grad_gain", "gradient gain", True),
    "map_gain": ("map_gain", "map slope", False),
    "w_mean": ("w_mean", "weight mean (V)", False),
    "w_std": ("w_std", "weight SD (V)", False),
}
#: what a simulation (``snntheory.simulate.network``'s ``NetworkRun``) records of each quantity
_SIMULATED = {"rate": ("rates", "rate_stderr"), "v_std": ("v_std", None), "v_mean": ("v_mean", None),
              "silent_fraction": ("silent_fraction", None)}
_FALLBACK = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#7F3C8D")


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("snntheory.plot needs matplotlib: pip install 'snntheory[figures]'") from e
    return plt


def use_style():
    """Apply :data:`STYLE` to every later figure (for a notebook: call once at the top)."""
    import matplotlib as mpl
    mpl.rcParams.update(STYLE)


@contextlib.contextmanager
def style():
    """A context manager that applies :data:`STYLE` (``with snntheory.plot.style(): ...``) and
    restores those parameters, and only those, on exit (``matplotlib.style.context`` would also
    restore the interactive mode, which a notebook's inline backend sets on first use)."""
    import matplotlib as mpl
    old = {k: mpl.rcParams[k] for k in STYLE}
    mpl.rcParams.update(STYLE)
    try:
        yield
    finally:
        mpl.rcParams.update(old)


def _new_axes(n=1, *, width_in=None, height_in=None):
    """A new styled figure with ``n`` axes side by side; returns the list of axes."""
    plt = _plt()
    with style():
        fig, axes = plt.subplots(1, n, figsize=(width_in or 2.4 * n + 0.4, height_in or 2.2), squeeze=False)
    return list(axes[0])


# ---------------------------------------------------------------------------------------------
# per-layer plans and predictions
# ---------------------------------------------------------------------------------------------


def _as_columns(obj):
    """Per-layer arrays of a ``NetworkInit`` (or anything with ``.layers``) or a mapping of arrays."""
    if isinstance(obj, Mapping):
        out = {k: np.atleast_1d(np.asarray(v, float)) for k, v in obj.items()
               if k in QUANTITIES or k == "silent"}
        if "silent" in out:
            out.setdefault("silent_fraction", out.pop("silent"))
        return out
    layers = getattr(obj, "layers", None)
    if layers is None:
        raise TypeError(f"cannot plot {type(obj).__name__}: pass a NetworkInit (a plan or prediction) "
                        "or a mapping of per-layer arrays")
    return {q: np.array([float(getattr(l, attr)) for l in layers]) for q, (attr, _, _) in QUANTITIES.items()}


def _simulated_columns(sim):
    """``{quantity: (mean, stderr or None)}`` per spiking layer from a ``NetworkRun``, a list of
    runs (mean and standard error across them) or a mapping ``quantity -> mean or (mean, stderr)``."""
    if sim is None:
        return {}
    if isinstance(sim, Mapping):
        out = {}
        for k, v in sim.items():
            k = "silent_fraction" if k == "silent" else k
            if isinstance(v, tuple) and len(v) == 2:
                out[k] = (np.asarray(v[0], float), None if v[1] is None else np.asarray(v[1], float))
            else:
                out[k] = (np.asarray(v, float), None)
        return out
    runs = list(sim) if isinstance(sim, (list, tuple)) else [sim]
    out = {}
    for q, (attr, se_attr) in _SIMULATED.items():
        vals = np.array([np.asarray(getattr(r, attr), float)[1:] for r in runs])   # layer 0 is the input
        if len(runs) > 1:
            out[q] = (vals.mean(0), vals.std(0, ddof=1) / math.sqrt(len(runs)))
        else:
            out[q] = (vals[0], None if se_attr is None else np.asarray(getattr(runs[0], se_attr), float)[1:])
    return out


def _labels_and_colors(items, labels, colors):
    """Legend entry and colour of each plan: the method's colour where it has one, else the first
    fallback colour not used by another plan."""
    methods = [getattr(obj, "method", None) for obj in items]
    out_labels = list(labels) if labels is not None else [m if m else f"#{k + 1}" for k, m in enumerate(methods)]
    if colors is not None:
        return out_labels, list(colors)
    out = [COLORS.get(m) for m in methods]
    free = [c for c in _FALLBACK if c not in out]
    for k, c in enumerate(out):
        if c is None:
            out[k] = free.pop(0) if free else _FALLBACK[k % len(_FALLBACK)]
    return out_labels, out


def network(plans_or_predictions, *, quantities=("rate", "v_std", "silent_fraction", "grad_gain"), labels=None,
            simulated=None, colors=None, floor=None, axes=None):
    """Per-layer plot of one or several plans or predictions, optionally with simulated points.

    One panel per quantity, layer index on the x axis; every plan is a line (coloured by its
    ``method`` when it names a baseline, see :data:`COLORS`), its simulation, if given, open
    circles with standard-error bars in the same colour.

    Parameters
    ----------
    plans_or_predictions : NetworkInit, mapping or sequence of them
        Results of :func:`snntheory.inverse.init_network`, :func:`snntheory.inverse.baseline_network`
        or :func:`snntheory.network.predict_network`; a mapping of per-layer arrays keyed by
        quantity name also works.
    quantities : sequence of str
        Any of ``"rate"`` (Hz), ``"v_std"``, ``"v_mean"`` (V), ``"silent_fraction"``,
        ``"grad_gain"``, ``"map_gain"``, ``"w_mean"``, ``"w_std"``; rate and gradient gain get a
        log axis when their values span more than a factor of 20.
    labels : sequence of str, optional
        Legend entries (default: each plan's ``method``).
    simulated : NetworkRun, list of NetworkRun, mapping or None; or a sequence of these, one per plan
        What :meth:`NetworkInit.simulate` / :func:`snntheory.simulate.network` measured (a list of
        runs: mean and standard error across them); a mapping ``quantity -> mean or (mean,
        stderr)`` for precomputed numbers.
    colors : sequence of colours, optional
    floor : float, optional
        Draw values below ``floor`` at ``floor`` (for silent layers on a log axis; their error
        bars are dropped).
    axes : sequence of matplotlib Axes, optional
        One per quantity (default: a new figure in the house style).

    Returns
    -------
    list of matplotlib Axes
        One per quantity.
    """
    items = plans_or_predictions
    if isinstance(items, Mapping) or hasattr(items, "layers"):
        items = [items]
    items = list(items)
    quantities = tuple(quantities)
    for q in quantities:
        if q not in QUANTITIES:
            raise ValueError(f"quantities must be among {sorted(QUANTITIES)}; got {q!r}")
    if len(items) == 1:
        sims = [simulated]
    elif simulated is None:
        sims = [None] * len(items)
    else:
        sims = list(simulated)
        if len(sims) != len(items):
            raise ValueError(f"simulated has {len(sims)} entries for {len(items)} plans")
    axes = _new_axes(len(quantities)) if axes is None else list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != len(quantities):
        raise ValueError(f"axes has {len(axes)} entries for {len(quantities)} quantities")
    n_layers = 0
    all_labels, all_colors = _labels_and_colors(items, labels, colors)
    for obj, sim, label, color in zip(items, sims, all_labels, all_colors):
        cols, scols = _as_columns(obj), _simulated_columns(sim)
        for ax, q in zip(axes, quantities):
            if q not in cols:
                continue
            y = cols[q]
            layers = np.arange(1, y.size + 1)
            n_layers = max(n_layers, y.size)
            ax.plot(layers, y if floor is None else np.maximum(y, floor), color=color, label=label, **THEORY_LINE)
            if q in scols:
                mean, se = scols[q]
                if floor is not None:
                    se = None if se is None else np.where(mean > floor, se, 0.0)
                    mean = np.maximum(mean, floor)
                ax.errorbar(np.arange(1, mean.size + 1), mean, yerr=se, color=color, **SIM_MARKER)
    for ax, q in zip(axes, quantities):
        _, ylabel, log = QUANTITIES[q]
        y = np.concatenate([np.asarray(ln.get_ydata(), float) for ln in ax.lines] or [np.zeros(0)])
        y = y[np.isfinite(y)]
        if log and y.size and y.min() > 0 and y.max() / y.min() > 20:   # log axis for a wide range
            ax.set_yscale("log")
        ax.set_xticks(np.arange(1, n_layers + 1))
        ax.set_xlabel("layer")
        ax.set_ylabel(ylabel)
    if len(items) > 1:
        axes[0].legend()
    return axes


# ---------------------------------------------------------------------------------------------
# stationary membrane density
# ---------------------------------------------------------------------------------------------


def _threshold_line(ax, v_th):
    ax.axvline(v_th, color="0.3", linestyle=":", linewidth=0.7)


def density(result, values=None, *, v_th, reset_mass=None, v_reset=None, simulated=None, label=None, color=None,
            show_mass=True, axes=None):
    """Stationary membrane density with its threshold line and the reset point mass.

    Parameters
    ----------
    result : StationaryDensity or array_like
        A :func:`snntheory.discrete.stationary_density` result (continuous part on its grid,
        point masses from ``atoms_v``/``atoms_mass``), or the potentials ``v`` (V) at which
        ``values`` were evaluated (e.g. by :func:`snntheory.diffusion.stationary_density` or
        :func:`snntheory.shotnoise.stationary_density`).
    values : array_like, optional
        The density (1/V) at ``result`` when ``result`` is a grid.
    v_th : float
        Threshold (V), drawn as a dotted vertical line.
    reset_mass : float, optional
        Probability mass sitting at ``v_reset`` (e.g. :func:`snntheory.shotnoise.reset_mass`);
        drawn as an upward arrow (not to scale). The diffusion density has none.
    v_reset : float, optional
        Where ``reset_mass`` sits (required with it).
    simulated : tuple, optional
        ``(v, density)`` or ``(v, density, stderr)`` of a simulated histogram (open circles).
    label, color : optional
        Legend entry and colour of the theory line.
    show_mass : bool
        Write each point mass next to its arrow.
    axes : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _new_axes(1)[0] if axes is None else axes
    if hasattr(result, "atoms_mass"):
        n = result.v.size if getattr(result, "n_grid", -1) < 0 else result.n_grid
        v, dens = np.asarray(result.v[:n], float), np.asarray(result.density[:n], float)
        atoms = [(float(a), float(m)) for a, m in zip(np.atleast_1d(result.atoms_v), np.atleast_1d(result.atoms_mass))
                 if m > 1e-3]
    else:
        if values is None:
            raise ValueError("density: pass values (1/V) with the grid v")
        v, dens = np.asarray(result, float), np.asarray(values, float)
        atoms = []
    if reset_mass is not None:
        if v_reset is None:
            raise ValueError("density: reset_mass needs v_reset")
        atoms.append((float(v_reset), float(reset_mass)))
    color = COLORS["discrete"] if color is None else color
    ax.plot(v, dens, color=color, label=label, **THEORY_LINE)
    top = float(np.max(dens)) if dens.size else 1.0
    if simulated is not None:
        x, y = np.asarray(simulated[0], float), np.asarray(simulated[1], float)
        se = np.asarray(simulated[2], float) if len(simulated) > 2 else None
        ax.errorbar(x, y, yerr=se, color=COLORS["simulation"], label="simulation", **SIM_MARKER)
        top = max(top, float(np.max(y)))
    _threshold_line(ax, v_th)
    for a, m in atoms:
        ax.annotate("", xy=(a, 0.0), xytext=(a, 0.3 * top),
                    arrowprops=dict(arrowstyle="<-", color=color, linewidth=1.0))
        if show_mass:
            ax.text(a, 0.32 * top, f" mass {m:.3g}", color=color, fontsize="small", va="bottom", ha="left")
    if axes is None:
        ax.set_xlabel("membrane potential $V$ (V)")
        ax.set_ylabel("density (1/V)")
        ax.set_ylim(0.0, 1.15 * top)
    return ax


# ---------------------------------------------------------------------------------------------
# first-passage-time law
# ---------------------------------------------------------------------------------------------


def fpt(t, pdf, survival=None, *, samples=None, n_samples=None, label=None, color=None, time_unit="ms", axes=None):
    """First-passage-time density with its survival function on a twin axis.

    Parameters
    ----------
    t : array_like
        Times (s), increasing.
    pdf : array_like
        FPT density (1/s) at ``t``, e.g. :func:`snntheory.diffusion.fpt_density`,
        :func:`snntheory.shotnoise.fpt_density` or :func:`snntheory.wiener.fpt_pdf`.
    survival : array_like, optional
        :math:`P(T > t)` at ``t`` (e.g. :func:`snntheory.wiener.fpt_sf`); by default
        ``1 - integral of pdf from t[0]`` by the trapezoidal rule (so it assumes no mass before
        ``t[0]``; pass the exact survival function when you have it).
    samples : array_like, optional
        Simulated first-passage times (s), drawn as a histogram density (open circles).
    n_samples : int, optional
        Number of simulated neurons, when some did not pass within the simulated time and are
        missing from ``samples`` (default ``len(samples)``).
    label, color : optional
    time_unit : {"ms", "s"}
    axes : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The density's axes; the survival function's twin is its attribute ``survival_axes``.
    """
    scale = {"ms": 1e3, "s": 1.0}[time_unit]
    t, pdf = np.asarray(t, float), np.asarray(pdf, float)
    if survival is None:
        from scipy.integrate import cumulative_trapezoid
        survival = np.clip(1.0 - cumulative_trapezoid(pdf, t, initial=0.0), 0.0, 1.0)
    survival = np.asarray(survival, float)
    ax = _new_axes(1)[0] if axes is None else axes
    color = COLORS["diffusion"] if color is None else color
    ax.plot(t * scale, pdf / scale, color=color, label=label, **THEORY_LINE)
    if samples is not None:
        samples = np.asarray(samples, float)
        hist, edges = np.histogram(samples, bins=min(40, max(5, samples.size // 50)), range=(t[0], t[-1]))
        width = np.diff(edges)
        total = samples.size if n_samples is None else int(n_samples)
        dens = hist / (total * width)
        se = np.sqrt(hist) / (total * width)
        ax.errorbar(0.5 * (edges[1:] + edges[:-1]) * scale, dens / scale, yerr=se / scale,
                    color=COLORS["simulation"], label="simulation", **SIM_MARKER)
    ax.set_xlabel(f"first-passage time ({time_unit})")
    ax.set_ylabel(f"density (1/{time_unit})")
    twin = ax.twinx()
    twin.spines["right"].set_visible(True)
    twin.plot(t * scale, survival, color="0.4", linestyle="--", linewidth=1.0, label="survival $P(T>t)$")
    twin.set_ylim(0.0, 1.02)
    twin.set_ylabel("survival $P(T > t)$", color="0.4")
    ax.survival_axes = twin
    return ax

