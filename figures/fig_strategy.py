"""Figure 6 — the general strategy: snntheory's plan against the baselines, layer by layer.

A 10-layer network (width ``N``, ``BETA``, Bernoulli input at ``INPUT_RATE``), one row per reset
(zero, subtract). Columns: population rate, membrane-potential SD and surrogate-gradient
variance gain per layer, for ``inverse.init_network(method="discrete")`` (target = input rate)
and the Kaiming, Glorot, PyTorch-default and fluctuation-driven baselines.
Lines: the plan's prediction (``LayerInit.rate``, ``.v_std``, ``.grad_gain``).
Markers: rate and post-reset membrane SD of every layer from seeded ``NetworkInit.simulate``
(mean and SE over seeds; the membrane SD pools neurons and steps, as the plan's); gradient gain
``E[g_{l-1}^2]/E[g_l^2]`` from ``simulate.backprop_network`` (within-step backpropagation,
``through_time=False``: the quantity ``grad_gain`` predicts; fast-sigmoid surrogate as the plan).
"""
from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from _common import COLORS, SIM_MARKER, THEORY_LINE, cached, new_figure, panel_labels, progress
from fig_collapse_depth import LABELS, api_hash, plan_data, sim_summary

# --- parameters -------------------------------------------------------------------------------
BETA = 0.95                # membrane decay per step (the fluctuation-driven baseline needs beta < 1)
RESETS = ("zero", "subtract")
DT = 1e-3                  # time step (s) — as fig_collapse_depth (shared cached plans)
METHODS = ("discrete", "kaiming", "glorot", "pytorch", "fluctuation")
QUICK_METHODS = ("discrete", "kaiming")
BP_STEPS = {False: 2000, True: 300}  # recorded steps of the backprop simulation
BP_BATCH = {False: 2, True: 1}       # input realisations of the backprop simulation
BP_SEED = 31               # seed of the backprop simulation (weights, inputs, error)
SURROGATE = "fast_sigmoid"  # init_network's default surrogate (default width)
FLOOR_HZ = 0.01            # zero rates drawn here (Hz)


def compute_backprop(*, beta, reset, method, widths, w_means, w_stds, weight_dist, input_rate, dt, n_steps,
                     batch, seed, surrogate, api):
    """Simulated spike-gradient gain per layer (within-step backpropagation)."""
    from snntheory import LIF
    from snntheory.simulate import backprop_network
    neuron = LIF.from_beta(beta, dt=dt, reset=reset)
    run = backprop_network(widths, np.asarray(w_means), np.asarray(w_stds), neuron=neuron, input_rate=input_rate,
                           n_steps=n_steps, surrogate=surrogate, through_time=False, seed=seed, batch=batch,
                           weight_dist=weight_dist)
    return {"spike_gain": run.spike_gain, "spike_gain_stderr": run.spike_gain_stderr,
            "plugin_gain": run.plugin_gain, "rates": run.rates}


def fig_strategy(quick=False):
    import fig_collapse_depth as f1
    methods = QUICK_METHODS if quick else METHODS
    jobs = [(r, m) for r in RESETS[::-1] for m in methods]   # subtract first: fig 1 shares the zero-reset plans
    data = {}
    for reset, m in progress(jobs, desc="strategy"):
        d = plan_data(BETA, reset, m, quick)
        if not int(d["ok"]):
            data[(reset, m)] = (d, None, None)
            continue
        L = f1.N_LAYERS[quick]
        bp = cached("strategy_backprop", dict(
            beta=BETA, reset=reset, method=m, widths=[f1.N] * (L + 1), w_means=d["w_mean"].tolist(),
            w_stds=d["w_std"].tolist(), weight_dist=str(d["weight_dist"]),
            input_rate=f1.INPUT_RATE, dt=DT, n_steps=BP_STEPS[quick], batch=BP_BATCH[quick], seed=BP_SEED,
            surrogate=SURROGATE, api=api_hash()), compute_backprop)
        data[(reset, m)] = (d, bp, None)

    fig, axes = new_figure(2, 3, width_mm=180, height_mm=105, sharex=True)
    L = f1.N_LAYERS[quick]
    layers = np.arange(1, L + 1)
    for row, reset in enumerate(RESETS):
        ax_r, ax_v, ax_g = axes[row]
        for m in methods:
            d, bp, _ = data[(reset, m)]
            if bp is None:
                continue
            c = COLORS["snntheory" if m == "discrete" else m]
            ax_r.plot(layers, np.maximum(d["rate"], FLOOR_HZ), color=c, **THEORY_LINE)
            mean, se = sim_summary(d)
            ax_r.errorbar(layers, np.maximum(mean, FLOOR_HZ), yerr=np.where(mean > FLOOR_HZ, se, 0.0), color=c,
                          **SIM_MARKER)
            ax_v.plot(layers, d["v_std"], color=c, **THEORY_LINE)
            ax_v.plot(layers, d["sim_v_std"].mean(axis=0), color=c, **SIM_MARKER)
            ax_g.plot(layers, d["grad_gain"], color=c, **THEORY_LINE)
            ax_g.errorbar(layers, bp["spike_gain"], yerr=bp["spike_gain_stderr"], color=c, **SIM_MARKER)
        ax_r.axhline(f1.INPUT_RATE, color="0.75", linewidth=0.6, linestyle="--", zorder=0)
        ax_g.axhline(1.0, color="0.75", linewidth=0.6, linestyle="--", zorder=0)
        ax_r.set_yscale("log")
        ax_g.set_yscale("log")
        ax_r.set_ylabel(f"{reset} reset\npopulation rate (Hz)")
        ax_v.set_ylabel("membrane SD (V)")
        ax_g.set_ylabel("gradient variance gain")
        for ax in (ax_r, ax_v, ax_g):
            ax.set_xticks(layers)
            if row == 1:
                ax.set_xlabel("layer")
    axes[0, 0].set_title("rate per layer")
    axes[0, 1].set_title("membrane SD (post-reset)")
    axes[0, 2].set_title("surrogate-gradient gain (within-step)")
    handles = [Line2D([], [], color=COLORS["snntheory" if m == "discrete" else m], label=LABELS[m], **THEORY_LINE)
               for m in methods]
    handles += [Line2D([], [], color="0.3", label="theory (init_network plan)", **THEORY_LINE),
                Line2D([], [], color="0.3", label="simulation", **SIM_MARKER)]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
    panel_labels(axes)
    return fig
