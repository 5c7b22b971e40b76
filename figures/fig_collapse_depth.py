"""Figure 1 — firing-rate collapse over depth under standard initialisations.

Population rate of every layer of a 10-layer feed-forward network (width ``N``, Bernoulli input
at ``INPUT_RATE``) of step-map LIF neurons (reset to zero), one panel per ``beta``: Kaiming,
Glorot, PyTorch default and the fluctuation-driven initialisation (Rossbroich et al. 2022; not
defined for the perfect integrator), with snntheory's own plan (``method="discrete"``, target =
input rate) for contrast. Theory lines: the rates ``snntheory.inverse.init_network`` predicts
(its depth model); markers: seeded ``NetworkInit.simulate`` runs (mean over ``N_SEEDS`` weight
draws, error bars = SE across them). Log y axis; a layer whose rate is zero is drawn at
``FLOOR_HZ``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from snntheory import plot
from _common import COLORS, SIM_MARKER, THEORY_LINE, cached, new_figure, panel_labels, progress, silent_floor_note

# --- parameters -------------------------------------------------------------------------------
N = 200                    # width of every layer (input layer included)
N_LAYERS = {False: 10, True: 2}      # weight matrices (spiking layers)
INPUT_RATE = 50.0          # Bernoulli input rate (Hz); 5 % per step at DT
DT = 1e-3                  # time step (s)
V_TH = 1.0                 # threshold (V)
V_RESET = 0.0              # reset potential (V)
BETAS = (1.0, 0.95, 0.8)   # membrane decay per step, one panel each
RESET = "zero"
METHODS = ("kaiming", "glorot", "pytorch", "fluctuation", "discrete")
QUICK_METHODS = ("kaiming", "fluctuation", "discrete")
N_STEPS = {False: 2000, True: 300}   # recorded steps per simulation
BURN_IN = 200              # steps before recording
SEEDS = {False: (11, 12, 13), True: (11,)}   # weight/input seeds of the simulations
FLOOR_HZ = 0.01            # zero rates are drawn here on the log axis (Hz)
LABELS = {"kaiming": "Kaiming", "glorot": "Glorot", "pytorch": "PyTorch default",
          "fluctuation": "fluctuation-driven", "discrete": "snntheory (discrete)"}

_SNNTHEORY = Path(__file__).resolve().parents[1] / "snntheory"


def _source_hash():
    h = hashlib.sha1()
    for p in [_SNNTHEORY / "inverse.py", _SNNTHEORY / "discrete.py", *sorted((_SNNTHEORY / "_sim").glob("*.py"))]:
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


import snntheory.inverse  # noqa: E402,F401  (loaded together with the hash below)

_API_HASH = _source_hash()


def api_hash():
    """sha1 of the planner's source (inverse.py, discrete.py, _sim/*.py) as imported by this
    process: cache entries follow the code of the API, not only its version number."""
    return _API_HASH


def compute_plan(*, beta, reset, method, width, n_layers, input_rate, dt, n_steps, burn_in, seeds, api):
    """Plan (theory) and seeded simulations of one network; ``ok = 0`` when the method does not
    apply (message in ``error``)."""
    from snntheory import LIF
    from snntheory.errors import NoSolutionError, ParameterError
    from snntheory.inverse import init_network

    neuron = LIF.from_beta(beta, dt=dt, v_th=V_TH, v_reset=V_RESET, reset=reset)
    widths = [width] * (n_layers + 1)
    try:
        plan = init_network(widths, neuron=neuron, input_rate=input_rate, method=method, map_gain=False)
    except (NoSolutionError, ParameterError) as e:
        return {"ok": 0, "error": str(e)}
    sims = [plan.simulate(n_steps=n_steps, seed=s, burn_in=burn_in) for s in seeds]
    sim_rates = np.array([r.rates[1:] for r in sims])           # (seeds, L)
    return {"ok": 1, "error": "",
            "rate": plan.rates, "v_std": np.array([l.v_std for l in plan.layers]),
            "v_mean": np.array([l.v_mean for l in plan.layers]),
            "grad_gain": np.array([l.grad_gain for l in plan.layers]),
            "silent": np.array([l.silent_fraction for l in plan.layers]),
            "w_mean": plan.w_means, "w_std": plan.w_stds, "weight_dist": plan.layers[0].weight_dist,
            "sim_rates": sim_rates,
            "sim_silent": np.array([r.silent_fraction[1:] for r in sims]),
            "sim_v_std": np.array([r.v_std[1:] for r in sims]),         # post-reset membrane SD
            "sim_input_rate": np.array([r.rates[0] for r in sims])}


def plan_data(beta, reset, method, quick):
    """Cached :func:`compute_plan` for one (beta, reset, method)."""
    params = dict(beta=beta, reset=reset, method=method, width=N, n_layers=N_LAYERS[quick],
                  input_rate=INPUT_RATE, dt=DT, n_steps=N_STEPS[quick], burn_in=BURN_IN,
                  seeds=list(SEEDS[quick]), api=api_hash())
    return cached("plan", params, lambda **kw: compute_plan(**kw))


def sim_summary(d):
    """Mean and SE across seeds of the simulated layer rates."""
    r = d["sim_rates"]
    se = r.std(axis=0, ddof=1) / np.sqrt(r.shape[0]) if r.shape[0] > 1 else np.zeros(r.shape[1])
    return r.mean(axis=0), se


def fig_collapse_depth(quick=False):
    methods = QUICK_METHODS if quick else METHODS
    jobs = [(b, m) for b in BETAS for m in methods]
    data = {(b, m): plan_data(b, RESET, m, quick) for b, m in progress(jobs, desc="collapse_depth plans")}
    fig, axes = new_figure(1, len(BETAS), width_mm=180, height_mm=62, sharey=True)
    L = N_LAYERS[quick]
    layers = np.arange(1, L + 1)
    for ax, beta in zip(axes, BETAS):
        missing = []
        for m in methods:
            d = data[(beta, m)]
            if not int(d["ok"]):
                missing.append(LABELS[m])
                continue
            c = COLORS["snntheory" if m == "discrete" else m]
            plot.network({"rate": d["rate"]}, quantities=("rate",), labels=[LABELS[m]], colors=[c],
                         simulated={"rate": sim_summary(d)}, floor=FLOOR_HZ, axes=[ax])
        ax.axhline(INPUT_RATE, color="0.75", linewidth=0.6, linestyle="--", zorder=0)
        ax.set_yscale("log")
        ax.set_ylim(FLOOR_HZ * 0.25, 400)
        ax.set_xticks(layers)
        ax.set_xlabel("layer")
        title = r"perfect integrator, $\beta$ = 1" if beta == 1.0 else rf"$\beta$ = {beta:g}"
        ax.set_title(title)
        silent_floor_note(ax, FLOOR_HZ)
        if missing:
            ax.text(0.03, 0.97, "not defined for this neuron:\n" + ", ".join(missing), transform=ax.transAxes,
                    fontsize=5.5, color="0.4", va="top")
    for ax in axes[1:]:
        ax.set_ylabel("")
    axes[0].set_ylabel("population rate (Hz)")
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=COLORS["snntheory" if m == "discrete" else m], label=LABELS[m], **THEORY_LINE)
               for m in methods]
    handles += [Line2D([], [], color="0.3", label="theory (init_network)", **THEORY_LINE),
                Line2D([], [], color="0.3", label=f"simulation (mean of {len(SEEDS[quick])} seeds)", **SIM_MARKER),
                Line2D([], [], color="0.75", linestyle="--", linewidth=0.6, label="input rate")]
    axes[-1].legend(handles=handles, loc="lower left", bbox_to_anchor=(1.02, 0.0), borderaxespad=0)
    panel_labels(axes)
    return fig
