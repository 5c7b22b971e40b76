"""Figure 7 — quenched heterogeneity: rates across the neurons of one layer, and silent neurons.

One layer of ``N_OUT`` step-map LIF neurons (``BETA``, reset to zero) with ``N_IN`` Bernoulli
inputs (``P_IN`` spikes per step) through a fixed Gaussian weight matrix ``N(w_mean, w_std^2)``.
a-c  distribution of the neurons' rates for a balanced, a mean-driven and a strongly inhibitory
     weight setting: histogram of a seeded ``simulate.simulate_layer`` run against the
     probability of each bin from the theory's distribution function
     (``discrete.quenched_rate_quantiles``), silent neurons in a separate bar (theory
     ``discrete.quenched_layer(...).silent_fraction``).
d    silent fraction against ``w_mean`` (fixed ``w_std``): ``discrete.quenched_layer`` against
     the simulated fraction of neurons that never spiked in ``N_STEPS`` steps
     (``SILENT_BELOW * N_STEPS = 1``, so "never spiked" is the theory's criterion).
e    10 %, 50 % and 90 % quantiles of the rate across neurons against ``w_mean``.
"""
from __future__ import annotations

import numpy as np

from _common import COLORS, SIM_MARKER, THEORY_LINE, cached, new_figure, panel_labels, progress

# --- parameters -------------------------------------------------------------------------------
BETA = 0.9                 # membrane decay per step
DT = 1e-3                  # time step (s)
V_TH = 1.0                 # threshold (V)
V_RESET = 0.0              # reset potential (V)
RESET = "zero"
N_IN = 200                 # fan-in
P_IN = 0.05                # input spike probability per step (50 Hz at DT)
N_OUT = {False: 2000, True: 300}       # simulated neurons of the layer
N_STEPS = {False: 10_000, True: 2000}  # recorded steps
SILENT_BELOW = {False: 1e-4, True: 5e-4}   # spikes/step; = 1 / N_STEPS (never spiked = silent)
SETTINGS = (               # (label, w_mean V, w_std V)
    ("balanced", 0.0, 0.15),
    ("mean-driven", 0.012, 0.03),
    ("strongly inhibitory", -0.05, 0.3),
)
SWEEP_W_STD = 0.15         # w_std of the sweep in panels d, e (V)
SWEEP_W_MEANS = {False: np.linspace(-0.05, 0.02, 8), True: np.array([-0.04, -0.01, 0.02])}   # (V)
QUANTILES = (0.1, 0.5, 0.9)
Q_GRID = {False: np.concatenate([[0.001, 0.003], np.linspace(0.01, 0.99, 50), [0.997, 0.999]]),
          True: np.linspace(0.05, 0.95, 10)}  # theory CDF grid
INCREMENTS = {False: "mixture", True: "gaussian"}   # quick mode: the 10x cheaper Gaussian law
SEED_SETTINGS = 71         # seeds of the simulations (weights first, then inputs)
SEED_SWEEP = 72
N_BINS = 24                # log-spaced rate bins per decade range below
RATE_LO, RATE_HI = 0.1, 1000.0   # histogram range (Hz)


def _neuron():
    from snntheory import LIF
    return LIF.from_beta(BETA, dt=DT, v_th=V_TH, v_reset=V_RESET, reset=RESET)


def compute_setting(*, w_mean, w_std, n_out, n_steps, silent_below, q_grid, increments, seed):
    """Theory (silent fraction, mean, quantile grid) and a simulated layer for one weight setting."""
    from snntheory import discrete, simulate
    nrn = _neuron()
    q = discrete.quenched_layer(nrn, N_IN, P_IN, w_mean, w_std, silent_below=silent_below, increments=increments)
    quant = discrete.quenched_rate_quantiles(nrn, N_IN, P_IN, w_mean, w_std, np.asarray(q_grid),
                                             increments=increments)
    run = simulate.simulate_layer(nrn, N_IN, P_IN, w_mean, w_std, n_neurons=n_out, n_steps=n_steps, seed=seed)
    return {"silent": q.silent_fraction, "mean_rate": q.mean_rate, "rate_sd": q.rate_sd,
            "q_grid": np.asarray(q_grid), "quantiles": np.atleast_1d(quant),
            "sim_rates": run.rates, "sim_counts": run.run.spike_counts}


def compute_sweep(*, w_means, w_std, n_out, n_steps, silent_below, quantiles, increments, seed):
    """Silent fraction and rate quantiles against w_mean: theory and simulation."""
    from snntheory import discrete, simulate
    nrn = _neuron()
    out = {k: [] for k in ("silent", "quant", "sim_silent", "sim_quant", "mean", "sim_mean")}
    for i, wm in enumerate(progress(list(w_means), desc="heterogeneity sweep")):
        q = discrete.quenched_layer(nrn, N_IN, P_IN, wm, w_std, silent_below=silent_below, increments=increments)
        out["silent"].append(q.silent_fraction)
        out["mean"].append(q.mean_rate)
        out["quant"].append(discrete.quenched_rate_quantiles(nrn, N_IN, P_IN, wm, w_std, np.asarray(quantiles),
                                                             increments=increments))
        run = simulate.simulate_layer(nrn, N_IN, P_IN, wm, w_std, n_neurons=n_out, n_steps=n_steps, seed=seed + i)
        out["sim_silent"].append(np.mean(run.run.spike_counts == 0))
        out["sim_quant"].append(np.quantile(run.rates, quantiles))
        out["sim_mean"].append(run.mean_rate)
    res = {k: np.array(v) for k, v in out.items()}
    res["w_means"] = np.asarray(w_means)
    res["n_out"] = np.array(n_out)
    return res


def _binom_se(f, n):
    return np.sqrt(np.maximum(f * (1 - f), 0.0) / n)


def fig_heterogeneity(quick=False):
    nrn_dt = DT
    sets = []
    for k, (label, wm, ws) in enumerate(SETTINGS):
        sets.append(cached("heterogeneity_setting", dict(
            w_mean=wm, w_std=ws, n_out=N_OUT[quick], n_steps=N_STEPS[quick], silent_below=SILENT_BELOW[quick],
            q_grid=Q_GRID[quick].tolist(), increments=INCREMENTS[quick], seed=SEED_SETTINGS + k), compute_setting))
    sweep = cached("heterogeneity_sweep", dict(
        w_means=SWEEP_W_MEANS[quick].tolist(), w_std=SWEEP_W_STD, n_out=N_OUT[quick], n_steps=N_STEPS[quick],
        silent_below=SILENT_BELOW[quick], quantiles=list(QUANTILES), increments=INCREMENTS[quick],
        seed=SEED_SWEEP), compute_sweep)

    fig = new_figure(2, 6, width_mm=180, height_mm=110)[0]
    fig.clear()
    gs = fig.add_gridspec(2, 6)
    top = [fig.add_subplot(gs[0, 2 * i: 2 * i + 2]) for i in range(3)]
    bot = [fig.add_subplot(gs[1, 0:3]), fig.add_subplot(gs[1, 3:6])]
    silent_hz = SILENT_BELOW[quick] / nrn_dt
    edges = np.geomspace(max(RATE_LO, silent_hz), RATE_HI, N_BINS + 1)
    c_th, c_sim = COLORS["snntheory"], COLORS["simulation"]
    for ax, (label, wm, ws), d in zip(top, SETTINGS, sets):
        rates_hz = d["sim_rates"] / nrn_dt
        n = rates_hz.size
        sim_silent = np.mean(d["sim_counts"] == 0)
        hist = np.histogram(rates_hz[d["sim_counts"] > 0], bins=edges)[0] / n
        # theory: bin probabilities from the distribution function (quantile grid, interpolated)
        qg, qv = d["q_grid"], d["quantiles"] / nrn_dt
        cdf = np.interp(edges, qv, qg, left=np.nan, right=np.nan)
        th = np.diff(cdf)
        # bar at the left: silent neurons
        x_sil = edges[0] / 2.2
        ax.bar([x_sil], [sim_silent], width=x_sil * 0.5, color="0.8", edgecolor=c_sim, linewidth=0.6)
        ax.plot([x_sil * 0.75, x_sil * 1.3], [d["silent"]] * 2, color=c_th, linewidth=1.6)
        ax.stairs(hist, edges, color="0.8", fill=True, label="simulation")
        ax.stairs(hist, edges, color=c_sim, linewidth=0.6)
        ok = np.isfinite(th)
        ax.stairs(np.where(ok, th, 0.0), edges, color=c_th, linewidth=1.2,
                  label=f"theory (quantiles {qg[0]:g}–{qg[-1]:g})")
        ax.set_xscale("log")
        ax.set_xlim(x_sil * 0.6, RATE_HI)
        ax.set_xlabel("rate of a neuron (Hz)")
        ax.set_title(f"{label}\n$\\mu_w$ = {wm:g} V, $\\sigma_w$ = {ws:g} V")
        top_y = max(float(np.max(hist)), float(np.nanmax(np.r_[th, 0.0])), sim_silent, d["silent"])
        ax.set_ylim(0, 1.35 * top_y)
        ax.text(x_sil, max(sim_silent, d["silent"]) + 0.03 * top_y, "silent", ha="center", va="bottom",
                fontsize=5, color="0.35")
        ax.text(0.98, 0.97, f"silent: theory {d['silent']:.3f}\n      sim. {sim_silent:.3f}\n"
                f"mean: theory {d['mean_rate'] / nrn_dt:.1f} Hz\n       sim. {rates_hz.mean():.1f} Hz",
                transform=ax.transAxes, ha="right", va="top", fontsize=5.5)
    top[0].set_ylabel("fraction of neurons")
    top[1].legend(loc="center left", fontsize=5.5)

    wmv = sweep["w_means"]
    n = int(sweep["n_out"])
    ax = bot[0]
    ax.plot(wmv, sweep["silent"], color=c_th, label="theory (discrete.quenched_layer)", **THEORY_LINE)
    ax.errorbar(wmv, sweep["sim_silent"], yerr=_binom_se(sweep["sim_silent"], n), color=c_sim,
                label=f"simulation ({n} neurons)", **SIM_MARKER)
    ax.set_xlabel(r"weight mean $\mu_w$ (V)")
    ax.set_ylabel(f"silent fraction (< {silent_hz:g} Hz)")
    ax.set_title(f"$\\sigma_w$ = {SWEEP_W_STD:g} V")
    ax.legend(loc="upper right")
    ax = bot[1]
    for j, (qq, ls) in enumerate(zip(QUANTILES, ("--", "-", ":"))):
        ax.plot(wmv, np.maximum(sweep["quant"][:, j] / nrn_dt, 1e-2), color=c_th, linestyle=ls, linewidth=1.2,
                label=f"{int(qq * 100)} % quantile, theory")
        ax.plot(wmv, np.maximum(sweep["sim_quant"][:, j] / nrn_dt, 1e-2), color=c_sim,
                **{**SIM_MARKER, "marker": "osv"[j]}, label=f"{int(qq * 100)} %, simulation")
    ax.set_yscale("log")
    ax.set_xlabel(r"weight mean $\mu_w$ (V)")
    ax.set_ylabel("rate across neurons (Hz)")
    ax.set_title("quantiles of the rate (0 drawn at 0.01 Hz)")
    ax.legend(loc="upper left", ncol=2, fontsize=5)
    panel_labels(top + bot)
    return fig
