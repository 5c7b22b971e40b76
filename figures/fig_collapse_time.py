"""Figure 2 — firing-rate collapse over time: the perfect integrator with zero-mean input.

A non-leaky neuron (``beta = 1``) driven by zero-mean Gaussian increments is a driftless
random walk: its first-passage time has a Lévy tail, the spike count grows like sqrt(n) and the
rate decays like n^(-1/2).

a  expected spike count against the horizon n (both resets): ``wiener.spike_count`` against
   seeded simulations of the step map (``simulate.simulate_chain``);
b  the same as a rate (count / n), slope -1/2;
c  a deep network of perfect integrators under Kaiming initialisation: the cumulative rate of
   layers 1-3 against the horizon, ``wiener.layer_rates`` against ``simulate.network``;
d  first-passage-time density at zero drift (log-log) against the Lévy law
   (``wiener.fpt_pdf`` with ``drift=0``), with the plain barrier distance theta and with the
   discrete-monitoring shift theta + beta* s (``wiener.BETA_STAR``);
e  the same with a positive drift (S1): the inverse-Gaussian law;
f  survival function P(T > t) of both (``wiener.fpt_sf``): the t^(-1/2) tail at zero drift.

Simulated first-passage times: every neuron starts at ``v_reset`` and is made refractory for
the rest of the run after its first spike (``ref_steps`` > horizon), so the population spike
count per step is the histogram of first-passage times.
"""
from __future__ import annotations

import numpy as np

from _common import COLORS, SIM_MARKER, THEORY_LINE, cached, new_figure, panel_labels, progress

# --- parameters (per-step quantities; the step map of DESIGN.md with beta = 1) -------------
V_TH = 1.0               # threshold (V)
V_RESET = 0.0            # reset (V)
STEP_STD = 0.2           # increment SD s per step (V/step); theta^2/s^2 = 25 steps
STEP_MEAN_S1 = 0.04      # increment mean for the drifted (inverse-Gaussian) panels (V/step)
RESETS = ("zero", "subtract")

N_NEURONS = {False: 1000, True: 250}    # neurons per simulation batch (full, quick)
N_BATCHES = {False: 8, True: 4}         # independent batches (standard errors from their spread)
HORIZON_MAX = {False: 10_000, True: 2000}  # longest horizon (steps)
N_HORIZONS = {False: 13, True: 8}          # log-spaced horizons from 10 steps

FPT_NEURONS = {False: 10_000, True: 2000}  # neurons for the first-passage-time histograms
FPT_STEPS = {False: 10_000, True: 2000}    # longest first-passage time recorded (steps)

DEEP_WIDTHS = (200, 200, 200, 200)   # input layer + 3 perfect-integrator layers
DEEP_P_IN = 0.05                     # input spike probability per step
DEEP_W_MEAN = 0.0                    # Kaiming normal: mean 0 (V)
DEEP_W_STD = (2.0 / 200) ** 0.5      # Kaiming normal: SD sqrt(2 / fan_in) (V)
DEEP_DT = 1e-3                       # time step of the LIF object (s); rates are per step here
DEEP_NETWORKS = {False: 4, True: 2}  # independent networks (weights and inputs)
DEEP_BATCH = {False: 4, True: 2}     # input realisations per network

SEED_COUNT = 20261128    # spike-count simulations (batch b of reset r: SEED_COUNT + 100 r + b)
SEED_FPT = 20261129      # first-passage-time simulations (+1 for the drifted walk)
SEED_DEEP = 20261130     # deep networks (+ network index)


def _horizons(quick):
    return np.unique(np.round(np.logspace(1, np.log10(HORIZON_MAX[quick]), N_HORIZONS[quick])).astype(int))


def compute_counts(*, horizons, step_std, v_th, v_reset, n_neurons, n_batches, seed):
    """Expected spike count at each horizon: theory and seeded simulation, both resets."""
    from snntheory import wiener
    from snntheory.simulate import simulate_chain

    horizons = np.asarray(horizons, int)
    out = {"horizons": horizons}
    for r, reset in enumerate(RESETS):
        out[f"theory_{reset}"] = np.asarray(wiener.spike_count(horizons, 0.0, step_std,
                                                               v_th=v_th, v_reset=v_reset, reset=reset))
        sims = []
        for b in progress(range(n_batches), f"  collapse_time: simulate ({reset})"):
            run = simulate_chain(0.0, step_std, beta=1.0, v_th=v_th, v_reset=v_reset, reset=reset, burn_in=0,
                                 n_neurons=n_neurons, n_steps=int(horizons.max()), seed=seed + 100 * r + b)
            cum = np.cumsum(run.population_spikes) / n_neurons
            sims.append(cum[horizons - 1])
        sims = np.array(sims)
        out[f"sim_{reset}"] = sims.mean(0)
        out[f"sim_{reset}_se"] = sims.std(0, ddof=1) / np.sqrt(n_batches)
    return out


def compute_deep(*, horizons, widths, p_in, w_mean, w_std, dt, n_networks, batch, seed):
    """Cumulative rate per layer against the horizon in a deep perfect-integrator network."""
    from snntheory import LIF, wiener
    from snntheory.simulate import network

    horizons = np.asarray(horizons, int)
    theory = np.array([wiener.layer_rates(list(widths), w_mean, w_std, p_in=p_in, n_steps=int(h)).rates
                       for h in horizons])          # (n_horizons, L + 1)
    neuron = LIF.from_beta(1.0, dt=dt)
    t = np.arange(1, horizons.max() + 1)
    sims = []
    for k in progress(range(n_networks), "  collapse_time: deep networks"):
        run = network(list(widths), w_mean, w_std, neuron=neuron, input_rate=p_in / dt,
                      n_steps=int(horizons.max()), seed=seed + k, batch=batch)
        per_neuron = np.array(widths)[:, None] * batch
        cum = np.cumsum(run.population_spikes, axis=1) / per_neuron / t   # spikes per neuron per step
        sims.append(cum[:, horizons - 1].T)
    sims = np.array(sims)                      # (n_networks, n_horizons, L + 1)
    return {"horizons": horizons, "theory": theory, "sim": sims.mean(0),
            "sim_se": sims.std(0, ddof=1) / np.sqrt(n_networks)}


def compute_fpt(*, step_mean, step_std, v_th, v_reset, n_neurons, n_steps, seed):
    """First passages from ``v_reset`` per step (simulated) and the continuous laws on a grid."""
    from snntheory import wiener
    from snntheory.simulate import simulate_chain

    run = simulate_chain(step_mean, step_std, beta=1.0, v_th=v_th, v_reset=v_reset, reset="zero", burn_in=0,
                         ref_steps=n_steps + 1, n_neurons=n_neurons, n_steps=n_steps, seed=seed)
    t = np.logspace(-0.3, np.log10(n_steps), 400)
    theta = v_th - v_reset
    out = {"passages": run.population_spikes, "n_neurons": np.array(n_neurons), "t": t}
    for tag, dist in (("plain", theta), ("shifted", theta + wiener.BETA_STAR * step_std)):
        out[f"pdf_{tag}"] = np.asarray(wiener.fpt_pdf(t, step_mean, step_std, distance=dist))
        out[f"sf_{tag}"] = np.asarray(wiener.fpt_sf(t, step_mean, step_std, distance=dist))
    return out


def _fpt_histogram(d, edges):
    """Density per step of the simulated first-passage times in ``edges`` (steps)."""
    k = np.arange(1, d["passages"].size + 1)
    counts, _ = np.histogram(k, bins=edges, weights=d["passages"])
    n = float(d["n_neurons"])
    dens = counts / (n * np.diff(edges))
    err = np.sqrt(counts) / (n * np.diff(edges))
    return np.sqrt(edges[:-1] * edges[1:]), dens, err


def fig_collapse_time(quick=False):
    """Collapse over time of the perfect integrator with zero-mean input (see module docstring)."""
    horizons = _horizons(quick)
    counts = cached("collapse_time_counts", dict(
        horizons=horizons.tolist(), step_std=STEP_STD, v_th=V_TH, v_reset=V_RESET, n_neurons=N_NEURONS[quick],
        n_batches=N_BATCHES[quick], seed=SEED_COUNT), compute_counts)
    deep = cached("collapse_time_deep", dict(
        horizons=horizons.tolist(), widths=list(DEEP_WIDTHS), p_in=DEEP_P_IN, w_mean=DEEP_W_MEAN, w_std=DEEP_W_STD,
        dt=DEEP_DT, n_networks=DEEP_NETWORKS[quick], batch=DEEP_BATCH[quick], seed=SEED_DEEP), compute_deep)
    fpts = {}
    for k, m in enumerate((0.0, STEP_MEAN_S1)):
        fpts[m] = cached("collapse_time_fpt", dict(
            step_mean=m, step_std=STEP_STD, v_th=V_TH, v_reset=V_RESET, n_neurons=FPT_NEURONS[quick],
            n_steps=FPT_STEPS[quick], seed=SEED_FPT + k), compute_fpt)

    fig, axes = new_figure(2, 3, height_mm=110)
    ax_c, ax_r, ax_d, ax_l, ax_ig, ax_sf = axes.ravel()
    h = counts["horizons"]
    reset_style = {"zero": dict(color=COLORS["snntheory"]), "subtract": dict(color=COLORS["diffusion"])}
    sim_style = {"zero": dict(marker="o"), "subtract": dict(marker="s")}

    # a, b: count and rate against horizon
    for reset in RESETS:
        th, sm, se = counts[f"theory_{reset}"], counts[f"sim_{reset}"], counts[f"sim_{reset}_se"]
        lab = "reset to zero" if reset == "zero" else "subtractive reset"
        ax_c.plot(h, th, **THEORY_LINE, **reset_style[reset], label=f"theory, {lab}")
        ax_r.plot(h, th / h, **THEORY_LINE, **reset_style[reset], label=f"theory, {lab}")
        for ax, y, e in ((ax_c, sm, se), (ax_r, sm / h, se / h)):
            ax.errorbar(h, y, yerr=e, **{**SIM_MARKER, **sim_style[reset]}, color=COLORS["simulation"],
                        label=f"simulation, {lab}")
    ref = counts["theory_zero"][-1]
    ax_c.plot(h, ref * np.sqrt(h / h[-1]) * 1.4, color="0.5", linestyle="--", linewidth=0.8, label=r"slope $1/2$")
    guide, = ax_r.plot(h, ref / h[-1] * np.sqrt(h[-1] / h) * 1.4, color="0.5", linestyle="--", linewidth=0.8)
    for ax, ylab in ((ax_c, "expected spike count"), (ax_r, "rate (spikes / step)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("horizon n (steps)")
        ax.set_ylabel(ylab)
    ax_c.set_title(rf"$\beta=1$, $m=0$, $s={STEP_STD:g}$, $\theta={V_TH - V_RESET:g}$")
    ax_c.legend(loc="lower right", fontsize=5.5)
    ax_r.legend([guide], [r"slope $-1/2$"], loc="upper right")

    # c: deep network, rate per layer against horizon
    hd = deep["horizons"]
    shades = [COLORS["kaiming"], "#9E4A82", "#5E2B4E"]
    for layer in range(1, deep["theory"].shape[1]):
        c = shades[(layer - 1) % len(shades)]
        ax_d.plot(hd, deep["theory"][:, layer], **THEORY_LINE, color=c, label=f"layer {layer}")
        ax_d.errorbar(hd, deep["sim"][:, layer], yerr=deep["sim_se"][:, layer], **SIM_MARKER,
                      color=COLORS["simulation"])
    ax_d.axhline(DEEP_P_IN, color="0.6", linestyle=":", linewidth=0.8, label="input")
    ax_d.set_xscale("log")
    ax_d.set_yscale("log")
    ax_d.set_xlabel("horizon n (steps)")
    ax_d.set_ylabel("rate (spikes / step)")
    ax_d.set_title(f"IF network, Kaiming, N = {DEEP_WIDTHS[1]}")
    ax_d.plot([], [], **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    ax_d.legend(loc="lower left", ncol=2)

    # d, e, f: first-passage times
    d0, d1 = fpts[0.0], fpts[STEP_MEAN_S1]
    t = d0["t"]
    law = {"plain": dict(color=COLORS["diffusion"], linestyle="-"),
           "shifted": dict(color=COLORS["snntheory"], linestyle="--")}
    edges0 = np.unique(np.round(np.logspace(0, np.log10(FPT_STEPS[quick]), 36))) + 0.5
    edges0 = np.concatenate([[0.5], edges0])
    x, dens, err = _fpt_histogram(d0, edges0)
    ok = dens > 0
    ax_l.errorbar(x[ok], dens[ok], yerr=err[ok], **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    ax_l.plot(t, d0["pdf_plain"], linewidth=1.0, **law["plain"], label=r"Lévy, distance $\theta$")
    ax_l.plot(t, d0["pdf_shifted"], linewidth=1.0, **law["shifted"], label=r"Lévy, $\theta+\beta^* s$")
    ax_l.set_xscale("log")
    ax_l.set_yscale("log")
    ax_l.set_xlim(1, FPT_STEPS[quick])
    ax_l.set_ylim(max(dens[ok].min() * 0.3, 1e-9), dens.max() * 3)
    ax_l.set_xlabel("first-passage time T (steps)")
    ax_l.set_ylabel("density (1 / step)")
    ax_l.set_title(r"zero drift: Lévy law, tail $T^{-3/2}$")
    ax_l.legend(loc="lower left")

    mean_t = (V_TH - V_RESET) / STEP_MEAN_S1
    edges1 = np.arange(0.5, 4 * mean_t, 2.0)
    x, dens, err = _fpt_histogram(d1, edges1)
    ax_ig.errorbar(x, dens, yerr=err, **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    sel = t <= edges1[-1]
    ax_ig.plot(t[sel], d1["pdf_plain"][sel], linewidth=1.0, **law["plain"], label=r"inverse Gaussian, $\theta$")
    ax_ig.plot(t[sel], d1["pdf_shifted"][sel], linewidth=1.0, **law["shifted"],
               label=r"inverse Gaussian, $\theta+\beta^* s$")
    ax_ig.set_xlim(0, edges1[-1])
    ax_ig.set_xlabel("first-passage time T (steps)")
    ax_ig.set_ylabel("density (1 / step)")
    ax_ig.set_title(rf"drift $m={STEP_MEAN_S1:g}$ (S1): inverse Gaussian")
    ax_ig.legend(loc="upper right")

    for d, m, c in ((d0, 0.0, "0.0"), (d1, STEP_MEAN_S1, "0.55")):
        n = float(d["n_neurons"])
        k = np.arange(1, d["passages"].size + 1)
        surv = 1.0 - np.cumsum(d["passages"]) / n
        pick = np.unique(np.round(np.logspace(0, np.log10(k[-1]), 30)).astype(int)) - 1
        pick = pick[surv[pick] > 0]
        se = np.sqrt(surv[pick] * (1 - surv[pick]) / n)
        ax_sf.errorbar(k[pick], surv[pick], yerr=se, **SIM_MARKER, color=c,
                       label=f"simulation, m = {m:g}")
        ax_sf.plot(d["t"], d["sf_plain"], linewidth=1.0, **law["plain"])
        ax_sf.plot(d["t"], d["sf_shifted"], linewidth=1.0, **law["shifted"])
    ax_sf.plot([], [], linewidth=1.0, **law["plain"], label=r"theory, distance $\theta$")
    ax_sf.plot([], [], linewidth=1.0, **law["shifted"], label=r"theory, $\theta+\beta^* s$")
    ax_sf.set_xscale("log")
    ax_sf.set_yscale("log")
    ax_sf.set_xlim(1, FPT_STEPS[quick])
    ax_sf.set_ylim(1e-4 if not quick else 1e-3, 1.5)
    ax_sf.set_xlabel("t (steps)")
    ax_sf.set_ylabel("survival P(T > t)")
    ax_sf.set_title(r"survival: $T^{-1/2}$ tail at $m=0$")
    ax_sf.legend(loc="lower left")

    panel_labels(axes)
    return fig
