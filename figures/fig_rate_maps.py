"""Figure 4 — rate maps: four theories of one layer's output rate against the step map.

One LIF neuron (``tau_m`` = 20 ms, zero reset, threshold 1, reset 0) receives ``n_in`` = 50
Bernoulli inputs, each spiking with probability ``p_in = input_rate * dt`` per step, through
Gaussian weights of mean ``w_mean`` and SD ``w_std``, annealed (a fresh weight per input spike,
so the increments are i.i.d. from the exact binomial mixture of Gaussians,
``neuron.increment_distribution``). Four theories predict its output rate:

* diffusion — ``diffusion.firing_rate`` (Siegert) with the free-membrane mean and SD of the
  layer (``neuron.layer_input`` -> ``neuron.free_membrane``; Brunel convention
  ``sigma = sqrt(2) * free SD``);
* diffusion (dt) — the same with the discrete-monitoring threshold shift (``dt=``);
* shot noise — ``shotnoise.firing_rate`` of Poisson inputs at ``input_rate`` with the
  truncated-normal jump laws of the Gaussian weights (``shotnoise.gaussian_weight_input``);
* exact — ``discrete.firing_probability`` of the step-map chain with the binomial-mixture
  increments (what the simulated layer runs).

The simulation (black markers) runs that step map (``simulate.simulate_chain`` with the same
increment distribution; seeds below); error bars are standard errors over neurons.
Heterogeneity from quenched weights is figure 7.

a-c  output rate against ``w_mean`` at three values of ``w_std``;
d    output rate against the input rate at fixed weights;
e-g  relative error ``approx/exact - 1`` of each approximation over (``beta``, ``w_std``) at
     fixed continuous-time input (``input_rate`` in Hz, ``tau_m``): ``beta = exp(-dt/tau_m)``
     is changed through the time step dt, so only the discretisation changes;
h    a slice of e-g at ``w_std`` = ``W_STD_FIXED`` with the simulation's relative deviation
     from the exact chain.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from _common import COLORS, SIM_MARKER, THEORY_LINE, cached, new_figure, panel_labels, progress

# --- parameters -------------------------------------------------------------------------------
TAU_M = 0.02             # membrane time constant (s)
DT = 1e-3                # time step of panels a-d (s); beta = exp(-DT/TAU_M) = 0.951
V_TH = 1.0               # threshold (V)
V_RESET = 0.0            # reset (V)
RESET = "zero"
N_IN = 50                # fan-in
INPUT_RATE = 50.0        # rate of each input (Hz); p_in = INPUT_RATE * dt per step

W_STDS = (0.04, 0.08, 0.16)                 # weight SDs of panels a-c (V)
W_MEAN_RANGE = (-0.02, 0.05)                # weight-mean axis of panels a-c (V)
N_W_MEAN = {False: 22, True: 3}             # theory points per curve
N_W_MEAN_SIM = {False: 8, True: 3}          # simulated points per curve

W_MEAN_FIXED = 0.01      # weight mean of panels d and e-h (V): free mean ~0.5 V
W_STD_FIXED = 0.08       # weight SD of panels d and h (V)
INPUT_RATE_RANGE = (10.0, 200.0)             # input-rate axis of panel d (Hz)
N_INPUT_RATE = {False: 16, True: 3}
N_INPUT_RATE_SIM = {False: 7, True: 3}

DT_OVER_TAU = {False: (0.01, 0.5), True: (0.03, 0.5)}  # range of dt/tau_m in e-h (beta 0.99..0.61)
N_BETA = {False: 14, True: 4}
W_STD_MAP = (0.03, 0.24)                    # weight-SD axis of e-g (V), log-spaced
N_W_STD_MAP = {False: 12, True: 3}
N_BETA_SIM = {False: 7, True: 3}            # simulated points in h

SIM_NEURONS = {False: 1000, True: 200}      # independent neurons per simulation
SIM_TIME = {False: 10.0, True: 1.0}         # recorded time per simulation (s)

SEED_W_MEAN = 4100       # panels a-c: SEED_W_MEAN + 100 * (w_std index) + point index
SEED_INPUT_RATE = 4200   # panel d: + point index
SEED_BETA = 4300         # panel h: + point index

RATE_FLOOR = 0.05        # Hz: below the plotted range (0.1 Hz); the shot-noise rate (the slowest to
                         # solve there) is not computed where the exact rate is below this
BETA_TICKS = (0.6, 0.8, 0.9, 0.95, 0.99)    # beta ticks of e-h
MAP_YTICKS = (0.03, 0.06, 0.12, 0.24)               # w_std ticks of e-g (V)
ERR_CLIP = 0.5           # colour range of e-g: |approx/exact - 1| up to 50 %
METHODS = ("diffusion", "diffusion_dt", "shotnoise", "discrete")
LABELS = {"diffusion": "diffusion", "diffusion_dt": "diffusion (dt shift)", "shotnoise": "shot noise",
          "discrete": "exact step map"}


def _neuron(dt):
    from snntheory import LIF
    return LIF(TAU_M, dt, v_th=V_TH, v_reset=V_RESET, reset=RESET)


def _theory(neuron, n_in, input_rate, w_mean, w_std, *, shot=True, exact=True):
    """Output rate (Hz) of each method for one parameter set; NaN where a method is not
    computed (shot noise where the exact rate is below ``RATE_FLOOR``, off the plotted range)
    or cannot resolve the rate (exact chain below 1e-7 spikes per step, shot-noise grid too
    coarse)."""
    from snntheory import diffusion, discrete, shotnoise
    from snntheory.errors import ApproximationWarning, ConvergenceError
    from snntheory.neuron import free_membrane, increment_distribution, layer_input

    p_in = input_rate * neuron.dt
    li = layer_input(n_in, p_in, w_mean, w_std)
    fm = free_membrane(neuron, li.mean, math.sqrt(li.var))
    mu, sigma = float(fm.mean), math.sqrt(2.0 * float(fm.var))  # Brunel convention: free SD = sigma/sqrt(2)
    kw = dict(tau_m=neuron.tau_m, v_th=neuron.v_th, v_reset=neuron.v_reset, tau_ref=neuron.tau_ref)
    out = {"diffusion": float(diffusion.firing_rate(mu, sigma, **kw)),
           "diffusion_dt": float(diffusion.firing_rate(mu, sigma, dt=neuron.dt, **kw)),
           "shotnoise": math.nan, "discrete": math.nan}
    if exact:
        inc = increment_distribution(n_in, p_in, w_mean, w_std, gain=neuron.gain)
        try:
            out["discrete"] = float(discrete.firing_probability(
                0.0, 0.0, beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset, reset=neuron.reset,
                ref_steps=neuron.ref_steps, increments=inc)) / neuron.dt
        except ConvergenceError:
            pass
        if not out["discrete"] >= RATE_FLOOR:  # off the plotted range (or unresolvable): no shot-noise solve
            return out
    if shot:
        inp = shotnoise.gaussian_weight_input(n_in, input_rate, w_mean, w_std)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ApproximationWarning)
            try:
                out["shotnoise"] = float(shotnoise.firing_rate(inp.rate_e, inp.a_e, inp.rate_i, inp.a_i,
                                                               amplitude=inp.amplitude, **kw))
            except (ApproximationWarning, ConvergenceError):  # grid too coarse or too large
                pass
    return out


def _simulate(neuron, n_in, input_rate, w_mean, w_std, *, n_neurons, t_sim, seed):
    """Seeded step-map simulation with the annealed layer increments: (rate, stderr) in Hz."""
    from snntheory.neuron import increment_distribution
    from snntheory.simulate import simulate_chain

    inc = increment_distribution(n_in, input_rate * neuron.dt, w_mean, w_std, gain=neuron.gain)
    run = simulate_chain(0.0, 0.0, beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset,
                         reset=neuron.reset, ref_steps=neuron.ref_steps, increments=inc, n_neurons=n_neurons,
                         n_steps=int(round(t_sim / neuron.dt)), seed=seed)
    return run.rate / neuron.dt, run.rate_stderr / neuron.dt


def compute_w_mean(*, w_means, w_means_sim, w_stds, dt, n_in, input_rate, n_neurons, t_sim, seed):
    """Panels a-c: rates (Hz) of every method and of the simulation against ``w_mean``."""
    neuron = _neuron(dt)
    out = {"w_means": np.asarray(w_means), "w_means_sim": np.asarray(w_means_sim), "w_stds": np.asarray(w_stds)}
    for k in METHODS:
        out[k] = np.full((len(w_stds), len(w_means)), np.nan)
    out["sim"] = np.full((len(w_stds), len(w_means_sim)), np.nan)
    out["sim_se"] = np.full_like(out["sim"], np.nan)
    jobs = [(i, j) for i in range(len(w_stds)) for j in range(len(w_means))]
    for i, j in progress(jobs, "  rate_maps: theory vs w_mean"):
        for k, v in _theory(neuron, n_in, input_rate, w_means[j], w_stds[i]).items():
            out[k][i, j] = v
    jobs = [(i, j) for i in range(len(w_stds)) for j in range(len(w_means_sim))]
    for i, j in progress(jobs, "  rate_maps: simulate vs w_mean"):
        out["sim"][i, j], out["sim_se"][i, j] = _simulate(neuron, n_in, input_rate, w_means_sim[j], w_stds[i],
                                                          n_neurons=n_neurons, t_sim=t_sim,
                                                          seed=seed + 100 * i + j)
    return out


def compute_input_rate(*, input_rates, input_rates_sim, dt, n_in, w_mean, w_std, n_neurons, t_sim, seed):
    """Panel d: rates (Hz) of every method and of the simulation against the input rate."""
    neuron = _neuron(dt)
    out = {"input_rates": np.asarray(input_rates), "input_rates_sim": np.asarray(input_rates_sim)}
    rows = [_theory(neuron, n_in, r, w_mean, w_std) for r in progress(input_rates, "  rate_maps: input rate")]
    for k in METHODS:
        out[k] = np.array([row[k] for row in rows])
    sims = [_simulate(neuron, n_in, r, w_mean, w_std, n_neurons=n_neurons, t_sim=t_sim, seed=seed + j)
            for j, r in enumerate(input_rates_sim)]
    out["sim"], out["sim_se"] = np.array(sims).T
    return out


def compute_error_map(*, dts, w_stds, n_in, input_rate, w_mean):
    """Panels e-g: every method's rate (Hz) over (dt, w_std); ``beta`` per dt from the LIF."""
    out = {"dts": np.asarray(dts), "w_stds": np.asarray(w_stds),
           "betas": np.array([_neuron(dt).beta for dt in dts])}
    for k in METHODS:
        out[k] = np.full((len(w_stds), len(dts)), np.nan)
    # shot noise has no time step: one value per w_std
    for i, ws in enumerate(progress(w_stds, "  rate_maps: shot noise map")):
        out["shotnoise"][i, :] = _theory(_neuron(dts[0]), n_in, input_rate, w_mean, ws, exact=False)["shotnoise"]
    jobs = [(i, j) for i in range(len(w_stds)) for j in range(len(dts))]
    for i, j in progress(jobs, "  rate_maps: exact chain map"):
        row = _theory(_neuron(dts[j]), n_in, input_rate, w_mean, w_stds[i], shot=False)
        for k in ("diffusion", "diffusion_dt", "discrete"):
            out[k][i, j] = row[k]
    return out


def compute_beta_slice(*, dts, dts_sim, n_in, input_rate, w_mean, w_std, n_neurons, t_sim, seed):
    """Panel h: every method along dt at one ``w_std``, and the simulation at ``dts_sim``."""
    out = {"dts": np.asarray(dts), "dts_sim": np.asarray(dts_sim),
           "betas": np.array([_neuron(dt).beta for dt in dts]),
           "betas_sim": np.array([_neuron(dt).beta for dt in dts_sim])}
    shot = _theory(_neuron(dts[0]), n_in, input_rate, w_mean, w_std, exact=False)["shotnoise"]
    rows = [_theory(_neuron(dt), n_in, input_rate, w_mean, w_std, shot=False)
            for dt in progress(dts, "  rate_maps: beta slice")]
    for k in ("diffusion", "diffusion_dt", "discrete"):
        out[k] = np.array([row[k] for row in rows])
    out["shotnoise"] = np.full(len(dts), shot)
    exact_sim, sims = [], []
    for j, dt in enumerate(progress(dts_sim, "  rate_maps: simulate beta slice")):
        exact_sim.append(_theory(_neuron(dt), n_in, input_rate, w_mean, w_std, shot=False)["discrete"])
        sims.append(_simulate(_neuron(dt), n_in, input_rate, w_mean, w_std, n_neurons=n_neurons, t_sim=t_sim,
                              seed=seed + j))
    out["exact_sim"] = np.array(exact_sim)
    out["sim"], out["sim_se"] = np.array(sims).T
    return out


def _grids(quick):
    w_means = np.linspace(*W_MEAN_RANGE, N_W_MEAN[quick])
    w_means_sim = np.linspace(*W_MEAN_RANGE, N_W_MEAN_SIM[quick] + 2)[1:-1]
    rates = np.geomspace(*INPUT_RATE_RANGE, N_INPUT_RATE[quick])
    rates_sim = np.geomspace(*INPUT_RATE_RANGE, N_INPUT_RATE_SIM[quick] + 2)[1:-1]
    dts = TAU_M * np.geomspace(*DT_OVER_TAU[quick], N_BETA[quick])
    dts_sim = TAU_M * np.geomspace(*DT_OVER_TAU[quick], N_BETA_SIM[quick])
    w_std_map = np.geomspace(*W_STD_MAP, N_W_STD_MAP[quick])
    return w_means, w_means_sim, rates, rates_sim, dts, dts_sim, w_std_map


def _plot_rates(ax, x, d, x_sim, sim, sim_se, *, row=None):
    pick = (lambda a: a[row]) if row is not None else (lambda a: a)
    for k in METHODS:
        y = pick(d[k])
        ok = np.isfinite(y) & (y > 0)
        ax.plot(x[ok], y[ok], color=COLORS[k], label=LABELS[k], zorder=3 if k == "discrete" else 2,
                **({**THEORY_LINE, "linestyle": "--"} if k == "diffusion" else THEORY_LINE))
    s, se = pick(sim), pick(sim_se)
    ok = s > 0
    ax.errorbar(x_sim[ok], s[ok], yerr=se[ok], color=COLORS["simulation"], label="simulation", zorder=4,
                **SIM_MARKER)
    ax.set_yscale("log")


def _beta_axis(ax):
    """beta on a -ln(1 - beta) scale (log-spaced time steps spread evenly), ticks at BETA_TICKS."""
    ax.set_xscale("function", functions=(lambda b: -np.log(np.clip(1.0 - b, 1e-12, None)),
                                         lambda y: 1.0 - np.exp(-y)))
    ax.set_xticks(BETA_TICKS, [f"{b:g}" for b in BETA_TICKS])
    ax.minorticks_off()
    ax.set_xlabel(r"$\beta = e^{-dt/\tau_m}$")


def fig_rate_maps(quick=False):
    """Figure 4: output rate of a layer neuron by four theories against the step-map simulation."""
    from matplotlib import colors as mcolors

    w_means, w_means_sim, rates, rates_sim, dts, dts_sim, w_std_map = _grids(quick)
    sim = dict(n_neurons=SIM_NEURONS[quick], t_sim=SIM_TIME[quick])
    a = cached("rate_maps_w_mean", dict(w_means=w_means.tolist(), w_means_sim=w_means_sim.tolist(),
                                        w_stds=list(W_STDS), dt=DT, n_in=N_IN, input_rate=INPUT_RATE,
                                        seed=SEED_W_MEAN, **sim), compute_w_mean)
    d = cached("rate_maps_input_rate", dict(input_rates=rates.tolist(), input_rates_sim=rates_sim.tolist(), dt=DT,
                                            n_in=N_IN, w_mean=W_MEAN_FIXED, w_std=W_STD_FIXED,
                                            seed=SEED_INPUT_RATE, **sim), compute_input_rate)
    e = cached("rate_maps_error_map", dict(dts=dts.tolist(), w_stds=w_std_map.tolist(), n_in=N_IN,
                                           input_rate=INPUT_RATE, w_mean=W_MEAN_FIXED), compute_error_map)
    h = cached("rate_maps_beta_slice", dict(dts=dts.tolist(), dts_sim=dts_sim.tolist(), n_in=N_IN,
                                            input_rate=INPUT_RATE, w_mean=W_MEAN_FIXED, w_std=W_STD_FIXED,
                                            seed=SEED_BETA, **sim), compute_beta_slice)

    fig, axes = new_figure(2, 4, width_mm=180, height_mm=105)
    top, bottom = axes
    for i, ws in enumerate(W_STDS):
        ax = top[i]
        _plot_rates(ax, a["w_means"], a, a["w_means_sim"], a["sim"], a["sim_se"], row=i)
        ax.set_xlabel(r"weight mean $w_\mathrm{mean}$ (V)")
        ax.set_title(rf"$w_\mathrm{{std}}$ = {ws:g} V")
        ax.set_ylim(1e-1, 2e2)
    top[0].set_ylabel("output rate (Hz)")
    top[0].legend(loc="lower right", fontsize=5.5)
    ax = top[3]
    _plot_rates(ax, d["input_rates"], d, d["input_rates_sim"], d["sim"], d["sim_se"])
    ax.set_xscale("log")
    ax.set_xlabel("input rate (Hz)")
    ax.set_ylabel("output rate (Hz)")
    ax.text(0.04, 0.97, f"$w_\\mathrm{{mean}}$ = {W_MEAN_FIXED:g} V\n$w_\\mathrm{{std}}$ = {W_STD_FIXED:g} V",
            transform=ax.transAxes, va="top", ha="left", fontsize=6)

    norm = mcolors.Normalize(-ERR_CLIP, ERR_CLIP)
    mesh = None
    with np.errstate(invalid="ignore", divide="ignore"):
        for ax, k in zip(bottom[:3], ("diffusion", "diffusion_dt", "shotnoise")):
            err = e[k] / e["discrete"] - 1.0
            mesh = ax.pcolormesh(e["betas"], e["w_stds"], np.ma.masked_invalid(err), cmap="RdBu_r",
                                 norm=norm, shading="nearest")
            if np.isfinite(err).sum() >= 4 and len(e["betas"]) > 1 and len(e["w_stds"]) > 1:
                cs = ax.contour(e["betas"], e["w_stds"], np.ma.masked_invalid(err), levels=[-0.2, -0.05, 0.05, 0.2],
                                colors="k", linewidths=0.5)
                ax.clabel(cs, fmt=lambda v: f"{v:+.0%}", fontsize=5)
            ax.set_yscale("log")
            ax.set_yticks(MAP_YTICKS, [f"{t:g}" for t in MAP_YTICKS])
            ax.minorticks_off()
            _beta_axis(ax)
            ax.set_title(LABELS[k])
            ax.set_facecolor("0.85")  # grey: the exact chain cannot resolve the rate (< 1e-7 per step)
        bottom[0].set_ylabel(r"weight SD $w_\mathrm{std}$ (V)")
        cb = fig.colorbar(mesh, ax=bottom[:3].tolist(), extend="both", shrink=0.9, pad=0.01)
        cb.set_label("approximation / exact $-$ 1", fontsize=6)

        ax = bottom[3]
        for k in ("diffusion", "diffusion_dt", "shotnoise"):
            ax.plot(h["betas"], h[k] / h["discrete"] - 1.0, color=COLORS[k], label=LABELS[k],
                    **({**THEORY_LINE, "linestyle": "--"} if k == "diffusion" else THEORY_LINE))
        ax.axhline(0.0, color=COLORS["discrete"], label=LABELS["discrete"], **THEORY_LINE)
        ax.errorbar(h["betas_sim"], h["sim"] / h["exact_sim"] - 1.0, yerr=h["sim_se"] / h["exact_sim"],
                    color=COLORS["simulation"], label="simulation", **SIM_MARKER)
    _beta_axis(ax)
    ax.set_ylabel("rate / exact $-$ 1")
    ax.set_title(rf"$w_\mathrm{{std}}$ = {W_STD_FIXED:g} V")
    panel_labels(list(top) + list(bottom))
    return fig
