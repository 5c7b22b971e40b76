"""Figure 3 — the fixes of firing-rate collapse, theory against simulation.

a  rate per layer of a deep perfect-integrator network (``beta = 1``) driven through the weight
   mean (fix S1): ``w_mean = theta/N`` with subtractive reset (exact), the same with reset to
   zero (no overshoot correction: the rate decays with depth), and reset to zero with the
   overshoot-corrected mean of ``wiener.weight_mean_for_rate``; zero-mean Kaiming weights for
   reference. Theory ``wiener.layer_rates``, simulation ``simulate.network``.
b  rate per layer for the lower-bound fix (S2: zero-mean weights, ``V <- max(V, v_lower)``,
   ``w_std`` from ``wiener.weight_std_for_rate``; theory ``wiener.layer_rates``) and for the
   leak (``beta < 1``, weights from ``inverse.weights_for_rate`` for one layer; theory the
   per-layer chain ``discrete.layer_rate`` iterated over depth), against ``simulate.network``.
c  rate over time of one neuron with i.i.d. Gaussian increments: no fix (collapse), S1, S2 and
   the leak; theory ``wiener.spike_count`` (rate in each time bin) and the stationary
   ``discrete.firing_probability`` for the leak, simulation ``simulate.simulate_chain``.
d  S1: stationary rate against the drift, both resets: ``wiener.firing_probability`` against
   the continuous-time rate m/theta without overshoot correction (``wiener.firing_rate``).
e  S2: stationary rate against the step SD for two lower bounds: ``wiener.firing_probability``
   against the continuous reflecting-barrier rate without the discrete-monitoring correction
   (``wiener.firing_rate`` with ``v_lower``).
f  the leak: stationary rate against the step SD at zero mean, ``discrete.firing_probability``.
All rates in spikes per step.
"""
from __future__ import annotations

import warnings

import numpy as np
from matplotlib.ticker import NullFormatter

from _common import COLORS, SIM_MARKER, THEORY_LINE, cached, new_figure, panel_labels, progress

# --- parameters -------------------------------------------------------------------------------
V_TH = 1.0                # threshold (V)
V_RESET = 0.0             # reset (V)

# deep networks (panels a, b)
N = 200                   # width of every layer
P_IN = 0.05               # input spike probability per step
DT = 1e-3                 # time step of the LIF objects (s)
W_STD_S1 = 0.5 / N**0.5   # weight SD for the drift fix (V)
W_STD_KAIMING = (2.0 / N) ** 0.5   # zero-mean reference (V)
V_LOWER = 0.0             # lower bound of the S2 fix (V)
BETA_LEAK = 0.95          # leak of the S3 panels
W_STD_LEAK = 0.05         # weight SD for the leaky network (V); the mean is solved
N_LAYERS = {False: 10, True: 4}
NET_STEPS = {False: 2000, True: 500}     # recorded steps per network
NET_REPEATS = {False: 4, True: 2}        # independent networks (SE from their spread)
NET_BATCH = {False: 2, True: 1}          # input realisations per network

# single neurons (panels c-f), per-step increments N(m, s^2)
STEP_STD_T = 0.2          # increment SD for panel c (V/step)
STEP_MEAN_S1 = 0.02       # drift of the S1 neuron in panel c (V/step)
T_MAX = {False: 10_000, True: 1000}      # horizon of panel c (steps)
T_NEURONS = {False: 4000, True: 1000}   # neurons in total, run in T_BATCHES independent batches
T_BATCHES = 8                            # standard errors from the spread across batches
STEP_STD_D = 0.1          # increment SD for panel d (V/step)
DRIFTS = np.array([0.005, 0.01, 0.02, 0.04, 0.08, 0.15])     # panel d (V/step)
STEP_STDS_E = np.array([0.05, 0.1, 0.2, 0.3, 0.5])           # panel e (V/step)
V_LOWERS_E = (0.0, -0.5)  # panel e (V)
BETAS_F = (0.99, 0.95, 0.8)                                  # panel f
STEP_STDS_F = np.array([0.05, 0.1, 0.15, 0.2, 0.3, 0.45])    # panel f (V/step)
STAT_NEURONS = {False: 2000, True: 400}   # neurons per stationary simulation point
STAT_STEPS = {False: 4000, True: 1000}    # recorded steps per stationary simulation point
GRID = {False: 50, True: 12}              # theory points per curve in panels d-f

SEED_NET = 31000          # + 100 * variant + repeat
SEED_TIME = 32000         # + variant
SEED_STAT = 33000         # + point index


def _theory_s1_zero_mean(n, p_in, w_std, v_th, v_reset):
    from snntheory import wiener
    return float(wiener.weight_mean_for_rate(p_in, n_in=n, p_in=p_in, w_std=w_std, v_th=v_th, v_reset=v_reset,
                                             reset="zero"))


def _variants(n, p_in, v_th, v_reset):
    """The deep-network variants: label -> (beta, reset, w_mean, w_std, v_lower)."""
    from snntheory import LIF, wiener
    from snntheory.inverse import weights_for_rate

    theta = v_th - v_reset
    s2_std = float(wiener.weight_std_for_rate(p_in, n_in=n, p_in=p_in, v_lower=V_LOWER, v_th=v_th,
                                              v_reset=v_reset))
    leak = weights_for_rate(p_in / DT, n_in=n, input_rate=p_in / DT, w_std=W_STD_LEAK,
                            neuron=LIF.from_beta(BETA_LEAK, dt=DT, v_th=v_th, v_reset=v_reset))
    return {
        "s1_subtract": (1.0, "subtract", theta / n, W_STD_S1, None),
        "s1_zero_plain": (1.0, "zero", theta / n, W_STD_S1, None),
        "s1_zero_corrected": (1.0, "zero", _theory_s1_zero_mean(n, p_in, W_STD_S1, v_th, v_reset), W_STD_S1, None),
        "kaiming": (1.0, "zero", 0.0, W_STD_KAIMING, None),
        "s2": (1.0, "zero", 0.0, s2_std, V_LOWER),
        "leak": (BETA_LEAK, "zero", float(leak.mean), W_STD_LEAK, None),
    }


def compute_layers(*, n, p_in, n_layers, n_steps, repeats, batch, v_th, v_reset, seed):
    """Per-layer rates (spikes per step) of every variant: theory and simulation."""
    from snntheory import LIF, discrete, wiener
    from snntheory.simulate import network

    widths = [n] * (n_layers + 1)
    out = {}
    variants = _variants(n, p_in, v_th, v_reset)
    for k, (name, (beta, reset, wm, ws, lower)) in enumerate(progress(list(variants.items()),
                                                                        "  fixes: deep networks")):
        neuron = LIF.from_beta(beta, dt=DT, v_th=v_th, v_reset=v_reset, reset=reset)
        if beta == 1.0:
            theory = wiener.layer_rates(widths, wm, ws, p_in=p_in, n_steps=n_steps, v_th=v_th, v_reset=v_reset,
                                        reset=reset, v_lower=lower).rates
        else:
            theory = [p_in]
            for _ in range(n_layers):
                theory.append(float(discrete.layer_rate(neuron, n, theory[-1], wm, ws)))
        sims = []
        for r in range(repeats):
            run = network(widths, wm, ws, neuron=neuron, input_rate=p_in / DT, n_steps=n_steps,
                          seed=seed + 100 * k + r, batch=batch, v_lower=lower)
            sims.append(run.p)
        sims = np.array(sims)
        out[f"{name}_theory"] = np.asarray(theory)
        out[f"{name}_sim"] = sims.mean(0)
        out[f"{name}_se"] = sims.std(0, ddof=1) / np.sqrt(repeats)
        out[f"{name}_w"] = np.array([wm, ws])
    return out


def _time_bins(t_max):
    edges = np.unique(np.round(np.logspace(0, np.log10(t_max), 26)).astype(int))
    return np.concatenate([[0], edges])


def compute_time(*, step_std, step_mean_s1, v_lower, beta_leak, t_max, n_neurons, n_batches, v_th, v_reset, seed):
    """Rate in log-spaced time bins from a start at ``v_reset``: theory and simulation."""
    from snntheory import discrete, wiener
    from snntheory.simulate import simulate_chain

    edges = _time_bins(t_max)
    cases = {"none": (1.0, 0.0, None), "s1": (1.0, step_mean_s1, None), "s2": (1.0, 0.0, v_lower),
             "leak": (beta_leak, 0.0, None)}
    out = {"edges": edges}
    for k, (name, (beta, m, lower)) in enumerate(progress(list(cases.items()), "  fixes: rate over time")):
        if beta == 1.0:
            count = np.asarray(wiener.spike_count(edges, m, step_std, v_th=v_th, v_reset=v_reset,
                                                  v_lower=lower))
            out[f"{name}_theory"] = np.diff(count) / np.diff(edges)
        else:
            p = float(discrete.firing_probability(m, step_std, beta=beta, v_th=v_th, v_reset=v_reset))
            out[f"{name}_theory"] = np.full(edges.size - 1, p)
        per_batch = n_neurons // n_batches
        rates = []
        for b in range(n_batches):   # spike counts are bursty (Fano factor > 1): SE from independent batches
            run = simulate_chain(m, step_std, beta=beta, v_th=v_th, v_reset=v_reset, v_lower=lower, burn_in=0,
                                 n_neurons=per_batch, n_steps=t_max, seed=seed + 100 * k + b)
            cum = np.concatenate([[0], np.cumsum(run.population_spikes)])
            rates.append(np.diff(cum[edges]) / (per_batch * np.diff(edges)))
        rates = np.array(rates)
        out[f"{name}_sim"] = rates.mean(0)
        out[f"{name}_se"] = rates.std(0, ddof=1) / np.sqrt(n_batches)
    return out


def _stationary_sim(m, s, *, beta, reset, v_lower, n_neurons, n_steps, v_th, v_reset, seed):
    """Stationary rate and its standard error from a seeded step-map simulation after a burn-in."""
    from snntheory.simulate import simulate_chain

    theta = v_th - v_reset
    if beta == 1.0 and v_lower is not None:
        burn = int(5 * ((v_th - v_lower) / s) ** 2) + 200          # a few relaxation times of the bounded walk
    elif beta == 1.0:
        burn = int(5 * theta / max(m, 1e-12)) + 200                # a few mean intervals
    else:
        burn = max(200, int(10 / (1.0 - beta)))
    run = simulate_chain(m, s, beta=beta, v_th=v_th, v_reset=v_reset, reset=reset, v_lower=v_lower, burn_in=burn,
                         n_neurons=n_neurons, n_steps=n_steps, seed=seed)
    return run.rate, run.rate_stderr


def compute_stationary(*, step_std_d, drifts, step_stds_e, v_lowers_e, betas_f, step_stds_f, n_grid, n_neurons,
                       n_steps, v_th, v_reset, seed):
    """Stationary rates against drift (S1), step SD (S2) and step SD (leak): theory and simulation."""
    from snntheory import discrete, wiener

    drifts, sd_e, sd_f = (np.asarray(x, float) for x in (drifts, step_stds_e, step_stds_f))
    out = {}
    # dense theory grids
    md = np.geomspace(drifts.min() / 1.5, drifts.max() * 1.5, n_grid)
    se = np.geomspace(sd_e.min() / 1.3, sd_e.max() * 1.3, n_grid)
    sf = np.linspace(sd_f.min() * 0.8, sd_f.max() * 1.1, n_grid)
    out.update(md=md, se=se, sf=sf)
    for reset in ("zero", "subtract"):
        out[f"d_{reset}"] = np.asarray(wiener.firing_probability(md, step_std_d, v_th=v_th,
                                                                 v_reset=v_reset, reset=reset))
    out["d_continuous"] = np.asarray(wiener.firing_rate(md, step_std_d, v_th=v_th, v_reset=v_reset))
    for j, lo in enumerate(v_lowers_e):
        out[f"e_{j}"] = np.asarray(wiener.firing_probability(0.0, se, v_th=v_th, v_reset=v_reset,
                                                             v_lower=lo))
        out[f"e_{j}_continuous"] = np.asarray(wiener.firing_rate(0.0, se, v_th=v_th, v_reset=v_reset, v_lower=lo))
    for j, b in enumerate(betas_f):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # the smallest SDs may warn about tails; values are still finite
            out[f"f_{j}"] = np.asarray(discrete.firing_probability(0.0, sf, beta=b, v_th=v_th, v_reset=v_reset))
    # simulations
    points = ([(f"d_{reset}", reset, m, step_std_d, 1.0, None) for reset in ("zero", "subtract") for m in drifts]
              + [(f"e_{j}", "zero", 0.0, s, 1.0, lo) for j, lo in enumerate(v_lowers_e) for s in sd_e]
              + [(f"f_{j}", "zero", 0.0, s, b, None) for j, b in enumerate(betas_f) for s in sd_f])
    res = {}
    for i, (key, reset, m, s, b, lo) in enumerate(progress(points, "  fixes: stationary simulations")):
        res.setdefault(f"{key}_sim", []).append(
            _stationary_sim(m, s, beta=b, reset=reset, v_lower=lo, n_neurons=n_neurons, n_steps=n_steps, v_th=v_th,
                            v_reset=v_reset, seed=seed + i))
    for k, v in res.items():
        v = np.array(v)
        out[k] = v[:, 0]
        out[k.replace("_sim", "_se")] = v[:, 1]
    return out


LAYER_STYLE = {
    "s1_subtract": dict(color=COLORS["diffusion"], label=r"S1 subtract, $\mu_w=\theta/N$"),
    "s1_zero_plain": dict(color=COLORS["glorot"], label=r"S1 zero, $\mu_w=\theta/N$ (no overshoot corr.)"),
    "s1_zero_corrected": dict(color=COLORS["snntheory"], label=r"S1 zero, corrected $\mu_w$"),
    "kaiming": dict(color=COLORS["kaiming"], label=r"no fix: Kaiming, $\mu_w=0$"),
    "s2": dict(color=COLORS["shotnoise"], label=r"S2: $\mu_w=0$, $V\geq v_\mathrm{lower}=0$"),
    "leak": dict(color=COLORS["fluctuation"], label=rf"leak $\beta={BETA_LEAK:g}$, solved $\mu_w$"),
}
TIME_STYLE = {
    "none": dict(color=COLORS["kaiming"], label="no fix ($m=0$)"),
    "s1": dict(color=COLORS["snntheory"], label=f"S1 ($m={STEP_MEAN_S1:g}$)"),
    "s2": dict(color=COLORS["shotnoise"], label=r"S2 ($m=0$, $v_\mathrm{lower}=0$)"),
    "leak": dict(color=COLORS["fluctuation"], label=rf"leak ($m=0$, $\beta={BETA_LEAK:g}$)"),
}


def _layer_panel(ax, d, names, n_layers):
    x = np.arange(n_layers + 1)
    for name in names:
        st = LAYER_STYLE[name]
        ax.plot(x, d[f"{name}_theory"], **THEORY_LINE, color=st["color"], label=st["label"])
        ax.errorbar(x, d[f"{name}_sim"], yerr=d[f"{name}_se"], **SIM_MARKER, color=COLORS["simulation"])
    ax.plot([], [], **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    ax.set_xlabel("layer (0 = input)")
    ax.set_ylabel("rate (spikes / step)")
    ax.set_xticks(x[::2])


def fig_fixes(quick=False):
    """The fixes of firing-rate collapse (see module docstring)."""
    layers = cached("fixes_layers", dict(n=N, p_in=P_IN, n_layers=N_LAYERS[quick], n_steps=NET_STEPS[quick],
                                         repeats=NET_REPEATS[quick], batch=NET_BATCH[quick], v_th=V_TH,
                                         v_reset=V_RESET, seed=SEED_NET), compute_layers)
    over_time = cached("fixes_time", dict(step_std=STEP_STD_T, step_mean_s1=STEP_MEAN_S1, v_lower=V_LOWER,
                                          beta_leak=BETA_LEAK, t_max=T_MAX[quick], n_neurons=T_NEURONS[quick],
                                          n_batches=T_BATCHES,
                                          v_th=V_TH, v_reset=V_RESET, seed=SEED_TIME), compute_time)
    stat = cached("fixes_stationary", dict(step_std_d=STEP_STD_D, drifts=DRIFTS.tolist(),
                                           step_stds_e=STEP_STDS_E.tolist(), v_lowers_e=list(V_LOWERS_E),
                                           betas_f=list(BETAS_F), step_stds_f=STEP_STDS_F.tolist(), n_grid=GRID[quick],
                                           n_neurons=STAT_NEURONS[quick], n_steps=STAT_STEPS[quick], v_th=V_TH,
                                           v_reset=V_RESET, seed=SEED_STAT), compute_stationary)

    fig, axes = new_figure(2, 3, height_mm=115)
    ax_a, ax_b, ax_c, ax_d, ax_e, ax_f = axes.ravel()
    nl = N_LAYERS[quick]

    # a, b: per layer
    _layer_panel(ax_a, layers, ("s1_subtract", "s1_zero_plain", "s1_zero_corrected", "kaiming"), nl)
    ax_a.set_title(rf"drift fix S1, $\beta=1$, N = {N}, $p_\mathrm{{in}}={P_IN:g}$")
    ax_a.set_ylim(0, 0.1)
    ax_a.legend(loc="upper right", fontsize=5)
    _layer_panel(ax_b, layers, ("s2", "leak"), nl)
    ax_b.axhline(P_IN, color="0.6", linestyle=":", linewidth=0.8)
    ax_b.set_title("lower bound (S2) and leak")
    ax_b.set_ylim(0, None)
    ax_b.legend(loc="lower left", fontsize=5)

    # c: rate over time
    e = over_time["edges"]
    mid = np.sqrt(np.maximum(e[:-1], 0.5) * e[1:])
    for name, st in TIME_STYLE.items():
        ax_c.plot(mid, over_time[f"{name}_theory"], **THEORY_LINE, color=st["color"], label=st["label"])
        y, err = over_time[f"{name}_sim"], over_time[f"{name}_se"]
        ok = y > 0
        ax_c.errorbar(mid[ok], y[ok], yerr=err[ok], **SIM_MARKER, color=COLORS["simulation"])
    ax_c.plot([], [], **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    ax_c.set_xscale("log")
    ax_c.set_yscale("log")
    ax_c.set_ylim(1e-4, 1.0)
    ax_c.set_xlabel("time since start at $v_\\mathrm{reset}$ (steps)")
    ax_c.set_ylabel("rate in time bin (spikes / step)")
    ax_c.set_title(rf"rate over time, one neuron, $s={STEP_STD_T:g}$")
    ax_c.legend(loc="upper right", fontsize=5, ncol=2)

    # d: S1 rate vs drift
    md = stat["md"]   # plotted as rate / drift, so that the overshoot loss is visible
    ax_d.plot(md, stat["d_continuous"] / md, color="0.3", linestyle="--", linewidth=1.0, zorder=4,
              label=r"continuous $m/\theta$ (no correction)")
    for reset, c, mk in (("zero", COLORS["snntheory"], "o"), ("subtract", COLORS["diffusion"], "s")):
        ax_d.plot(md, stat[f"d_{reset}"] / md, **THEORY_LINE, color=c, label=f"discrete theory, reset {reset}")
        ax_d.errorbar(DRIFTS, stat[f"d_{reset}_sim"] / DRIFTS, yerr=stat[f"d_{reset}_se"] / DRIFTS,
                      **{**SIM_MARKER, "marker": mk}, color=COLORS["simulation"])
    ax_d.plot([], [], **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    ax_d.set_xscale("log")
    ax_d.set_ylim(0.85, 1.04)
    ax_d.set_xlabel("drift m (V / step)")
    ax_d.set_ylabel("rate / drift (spikes / V)")
    ax_d.set_title(rf"S1: rate vs drift, $s={STEP_STD_D:g}$")
    ax_d.legend(loc="lower left", fontsize=5)

    # e: S2 rate vs step SD
    se = stat["se"]
    for j, lo in enumerate(V_LOWERS_E):
        c = COLORS["shotnoise"] if j == 0 else COLORS["diffusion_dt"]
        ax_e.plot(se, stat[f"e_{j}"], **THEORY_LINE, color=c, label=rf"discrete, $v_\mathrm{{lower}}={lo:g}$")
        ax_e.plot(se, stat[f"e_{j}_continuous"], color=c, linestyle="--", linewidth=0.9,
                  label=rf"continuous (no corr.), ${lo:g}$")
        ax_e.errorbar(STEP_STDS_E, stat[f"e_{j}_sim"], yerr=stat[f"e_{j}_se"], **SIM_MARKER,
                      color=COLORS["simulation"])
    ax_e.plot([], [], **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    ax_e.set_xscale("log")
    ax_e.set_yscale("log")
    ax_e.set_xticks([0.05, 0.1, 0.2, 0.5])
    ax_e.set_xticklabels(["0.05", "0.1", "0.2", "0.5"])
    ax_e.xaxis.set_minor_formatter(NullFormatter())
    ax_e.set_xlabel("step SD s (V / step)")
    ax_e.set_ylabel("rate (spikes / step)")
    ax_e.set_title(r"S2: rate vs step SD, $m=0$")
    ax_e.legend(loc="upper left", fontsize=5)

    # f: leak rate vs step SD
    sf = stat["sf"]
    shades = [COLORS["fluctuation"], "#B07CC6", "#D9B8E6"]
    for j, b in enumerate(BETAS_F):
        ax_f.plot(sf, stat[f"f_{j}"], **THEORY_LINE, color=shades[j], label=rf"$\beta={b:g}$")
        ax_f.errorbar(STEP_STDS_F, stat[f"f_{j}_sim"], yerr=stat[f"f_{j}_se"], **SIM_MARKER,
                      color=COLORS["simulation"])
    ax_f.plot([], [], **SIM_MARKER, color=COLORS["simulation"], label="simulation")
    ax_f.set_yscale("log")
    ax_f.set_ylim(1e-5, 0.1)
    ax_f.set_xlabel("step SD s (V / step)")
    ax_f.set_ylabel("rate (spikes / step)")
    ax_f.set_title(r"leak: stationary rate, $m=0$, reset to zero")
    ax_f.legend(loc="lower right", fontsize=5)

    panel_labels(axes)
    return fig
