"""Figure 5 — membrane-potential densities: threshold-aware theory against simulation.

The layer neuron of figure 4 (``tau_m`` = 20 ms, dt = 1 ms, zero reset, threshold 1, reset 0,
``n_in`` = 50 inputs at 50 Hz through Gaussian weights) in two regimes (rows): a
fluctuation-driven one (free mean 0.5 V, about 2 Hz) and a mean-driven one (free mean above
threshold, about 50 Hz). Columns are the three input models, each against its own seeded
simulation of the same input statistics:

a, d  diffusion: ``diffusion.stationary_density`` against ``simulate.simulate_ou`` (exact OU
      steps with Brownian-bridge crossing detection); mean and SD from ``neuron.layer_input`` ->
      ``neuron.free_membrane`` (Brunel convention ``sigma = sqrt(2) * free SD``);
b, e  shot noise: ``shotnoise.stationary_density`` of the layer's Poisson input with the
      truncated-normal jump laws of the weights (``shotnoise.gaussian_weight_input``) against the
      event-driven ``simulate.simulate_shot_noise``; the point mass at reset (``v_reset = e_l``)
      is ``shotnoise.reset_mass``;
c, f  the exact step map: ``discrete.stationary_density`` of the chain with the layer's
      binomial-mixture increments against the post-reset histogram of the step map
      (``simulate.simulate_chain``, i.e. ``run_step_map`` ``v_hist``), including the reset point mass.

g-i   interval statistics under shot noise against the diffusion approximation with the same free
      mean and variance (``shotnoise.matched_diffusion``) and against the event-driven
      first-passage simulation (``simulate.simulate_first_passage``, from reset, no refractory
      period; standard errors over independent batches): g, the ISI CV (``shotnoise.isi_cv``,
      ``diffusion.isi_cv``) against the free mean for excitatory exponential jumps of mean 0.1;
      h, the ISI CV at fixed free mean 0.9 V and ``sigma`` 0.4 V as the jumps shrink (the leak is
      lowered so that mean and variance stay fixed, ``a = sigma^2/(2 (mu - e_l))``): the shot-noise
      CV tends to the diffusion one; i, the ISI (first-passage-time) density
      (``shotnoise.fpt_density``, ``diffusion.fpt_density``) at free mean 1 V, jumps 0.1.

Grey dashed: the free Gaussian that ignores the threshold (``neuron.free_membrane``; for shot
noise its own free mean and variance, ``shotnoise.free_cumulants``). Markers: simulated
densities with standard errors (over neurons for the OU run, over independent seeded batches
otherwise); the point masses are given as numbers (theory vs simulation).
"""
from __future__ import annotations

import math

import numpy as np

from snntheory import plot
from _common import COLORS, SIM_MARKER, THEORY_LINE, cached, new_figure, panel_labels, progress

# --- parameters -------------------------------------------------------------------------------
TAU_M = 0.02             # membrane time constant (s)
DT = 1e-3                # time step of the step map (s); beta = 0.951
V_TH = 1.0               # threshold (V)
V_RESET = 0.0            # reset (V); equal to the leak potential e_l = 0 of the shot-noise model
RESET = "zero"
N_IN = 50                # fan-in
INPUT_RATE = 50.0        # rate of each input (Hz); p_in = INPUT_RATE * DT
REGIMES = (              # (w_mean, w_std) in V, one row each
    (0.01, 0.04),        # fluctuation-driven: free mean 0.51 V, free SD 0.21 V
    (0.03, 0.08),        # mean-driven: free mean 1.54 V
)
REGIME_NAMES = ("fluctuation-driven", "mean-driven")

N_BINS = {False: 40, True: 20}                  # histogram bins between V_LOW and v_th
N_SD_BELOW = 4.0                                # histogram range starts this many free SDs below the
                                                # free mean (or at v_reset if lower)
ATOM_HALF_WIDTH = 1e-9                          # (V) the reset state is counted in its own bin of this half width
OU_DT = {False: 2e-4, True: 5e-4}               # grid of the OU simulation (s; exact OU steps)
OU_NEURONS = {False: 4000, True: 300}
OU_TIME = {False: 2.0, True: 0.5}               # recorded time (s)
OU_BURN_IN = 0.2                                # s
SHOT_NEURONS = {False: 500, True: 150}          # per batch
SHOT_TIME = {False: 2.0, True: 0.4}             # recorded time per batch (s)
SHOT_SAMPLE = 2e-3                              # membrane sampled every 2 ms
CHAIN_NEURONS = {False: 500, True: 200}         # per batch
CHAIN_STEPS = {False: 20_000, True: 1000}       # recorded steps per batch
N_BATCHES = {False: 8, True: 3}                 # independent seeded batches (shot noise, step map)
N_CURVE = 600                                   # theory curve points

# --- panels g-i: interval statistics (excitatory exponential jumps, e_l = v_reset = 0 unless lowered)
CV_JUMP = 0.1                                   # mean jump of panels g and i (V)
CV_MUS = {False: np.linspace(0.6, 1.6, 11), True: np.array([0.8, 1.2])}   # free means of panel g (V)
CV_MUS_SIM = {False: np.array([0.6, 0.8, 1.0, 1.2, 1.6]), True: np.array([1.0])}
LIMIT_MU, LIMIT_SIGMA = 0.9, 0.4                # panel h (V, Brunel sigma)
LIMIT_E_L = {False: -np.geomspace(0.05, 20.0, 12), True: -np.array([0.1, 2.0])}
LIMIT_E_L_SIM = {False: -np.array([0.05, 0.5, 5.0]), True: -np.array([0.5])}
DENSITY_MU = 1.0                                # panel i
FPT_NEURONS = {False: 20000, True: 1000}        # first passages per simulated point
FPT_BATCHES = 20

SEED_OU = 5100           # + regime index
SEED_SHOT = 5200         # + 10 * regime index + batch
SEED_CHAIN = 5300        # + 10 * regime index + batch


def _neuron():
    from snntheory import LIF
    return LIF(TAU_M, DT, v_th=V_TH, v_reset=V_RESET, reset=RESET)


def _free(neuron, w_mean, w_std):
    """Free-membrane mean and variance of the layer neuron (V, V^2)."""
    from snntheory.neuron import free_membrane, layer_input
    li = layer_input(N_IN, INPUT_RATE * neuron.dt, w_mean, w_std)
    fm = free_membrane(neuron, li.mean, math.sqrt(li.var))
    return float(fm.mean), float(fm.var)


def _edges(v_low, n_bins):
    """Histogram edges on [v_low, v_th] with a bin of half width ATOM_HALF_WIDTH around v_reset."""
    edges = np.linspace(v_low, V_TH, n_bins + 1)
    edges = edges[np.abs(edges - V_RESET) > ATOM_HALF_WIDTH]
    return np.sort(np.concatenate([edges, [V_RESET - ATOM_HALF_WIDTH, V_RESET + ATOM_HALF_WIDTH]]))


def _split(edges, prob, prob_se):
    """Separate the reset bin: (centres, densities, SEs) of the ordinary bins and (mass, SE) of
    the reset bin (plotting arithmetic: probability per bin / bin width)."""
    width = np.diff(edges)
    atom = np.argmin(np.abs(0.5 * (edges[1:] + edges[:-1]) - V_RESET) + (width > 3 * ATOM_HALF_WIDTH))
    keep = np.arange(width.size) != atom
    centres = 0.5 * (edges[1:] + edges[:-1])[keep]
    return centres, prob[keep] / width[keep], prob_se[keep] / width[keep], prob[atom], prob_se[atom]


def compute_regime(*, w_mean, w_std, n_bins, ou_dt, ou_neurons, ou_time, shot_neurons, shot_time, chain_neurons,
                   chain_steps, n_batches, seed_ou, seed_shot, seed_chain):
    """Theory densities and simulated histograms of one regime for the three input models."""
    from snntheory import diffusion, discrete, shotnoise
    from snntheory.neuron import increment_distribution
    from snntheory.simulate import simulate_chain, simulate_ou, simulate_shot_noise

    neuron = _neuron()
    mean, var = _free(neuron, w_mean, w_std)
    v_low = min(V_RESET, mean - N_SD_BELOW * math.sqrt(var))
    edges = _edges(v_low, n_bins)
    v = np.linspace(v_low, V_TH + 0.25 * (V_TH - v_low), N_CURVE)
    out = {"edges": edges, "v": v, "free_mean": mean, "free_var": var}
    kw = dict(tau_m=neuron.tau_m, v_th=neuron.v_th, v_reset=neuron.v_reset)

    # diffusion
    mu, sigma = mean, math.sqrt(2.0 * var)  # Brunel convention: free SD = sigma / sqrt(2)
    out["diffusion_density"] = np.asarray(diffusion.stationary_density(v, mu, sigma, **kw))
    out["diffusion_rate"] = float(diffusion.firing_rate(mu, sigma, **kw))
    run = simulate_ou(mu, sigma, dt=ou_dt, t_max=ou_time, n_neurons=ou_neurons, burn_in=OU_BURN_IN,
                      v_edges=edges, hist_every=max(1, int(round(neuron.dt / ou_dt))), v0="uniform",
                      seed=seed_ou, **kw)
    out["diffusion_sim_prob"], out["diffusion_sim_prob_se"] = run.v_hist, run.v_hist_stderr
    out["diffusion_sim_rate"], out["diffusion_sim_rate_se"] = run.rate, run.rate_stderr

    # shot noise
    inp = shotnoise.gaussian_weight_input(N_IN, INPUT_RATE, w_mean, w_std)
    args = (inp.rate_e, inp.a_e, inp.rate_i, inp.a_i)
    out["shotnoise_density"] = np.asarray(shotnoise.stationary_density(v, *args, amplitude=inp.amplitude, **kw))
    out["shotnoise_mass"] = float(shotnoise.reset_mass(*args, amplitude=inp.amplitude, **kw))
    out["shotnoise_rate"] = float(shotnoise.firing_rate(*args, amplitude=inp.amplitude, **kw))
    fc = shotnoise.free_cumulants(*args, tau_m=neuron.tau_m, order=2, amplitude=inp.amplitude)
    out["shotnoise_free_mean"], out["shotnoise_free_var"] = float(fc.mean), float(fc.variance)
    probs, rates = [], []
    for b in progress(range(n_batches), f"  densities: shot noise (w_mean={w_mean:g})"):
        run = simulate_shot_noise(*args, amplitude=inp.amplitude, n_neurons=shot_neurons, t_max=shot_time,
                                  burn_in=OU_BURN_IN, sample_interval=SHOT_SAMPLE, seed=seed_shot + b, **kw)
        counts = np.histogram(run.v_samples, bins=edges)[0]
        probs.append(counts / run.n_samples_total)
        rates.append(run.rate)
    probs, rates = np.array(probs), np.array(rates)
    out["shotnoise_sim_prob"] = probs.mean(0)
    out["shotnoise_sim_prob_se"] = probs.std(0, ddof=1) / math.sqrt(n_batches)
    out["shotnoise_sim_rate"], out["shotnoise_sim_rate_se"] = rates.mean(), rates.std(ddof=1) / math.sqrt(n_batches)

    # the exact step map
    inc = increment_distribution(N_IN, INPUT_RATE * neuron.dt, w_mean, w_std, gain=neuron.gain)
    d = discrete.stationary_density(0.0, 0.0, beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset,
                                    reset=neuron.reset, increments=inc)
    out["discrete_density"] = d.pdf(v)  # 0 outside the solver's panels (at and above v_th)
    out["discrete_mass"] = float(d.atoms_mass[np.abs(d.atoms_v - V_RESET) <= ATOM_HALF_WIDTH].sum())
    out["discrete_mass_elsewhere"] = float(d.atoms_mass[np.abs(d.atoms_v - V_RESET) > ATOM_HALF_WIDTH].sum())
    out["discrete_rate"] = d.rate / neuron.dt
    probs, rates = [], []
    for b in progress(range(n_batches), f"  densities: step map (w_mean={w_mean:g})"):
        run = simulate_chain(0.0, 0.0, beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset, reset=neuron.reset,
                             increments=inc, n_neurons=chain_neurons, n_steps=chain_steps, v_edges=edges,
                             seed=seed_chain + b)
        probs.append(run.v_hist / (chain_neurons * chain_steps))
        rates.append(run.rate / neuron.dt)
    probs, rates = np.array(probs), np.array(rates)
    out["discrete_sim_prob"] = probs.mean(0)
    out["discrete_sim_prob_se"] = probs.std(0, ddof=1) / math.sqrt(n_batches)
    out["discrete_sim_rate"], out["discrete_sim_rate_se"] = rates.mean(), rates.std(ddof=1) / math.sqrt(n_batches)
    return out


def _fpt_sim(rate, a, e_l, n, seed):
    """Simulated first passages from reset 0: mean-normalised SD (CV) with its batch standard error."""
    from snntheory.simulate import simulate_first_passage
    run = simulate_first_passage(rate, a, tau_m=TAU_M, v_th=V_TH, v_start=V_RESET, e_l=e_l, n_neurons=n,
                                 t_max=100.0, seed=seed)
    t = run.times[: (run.times.size // FPT_BATCHES) * FPT_BATCHES]
    b = t.reshape(FPT_BATCHES, -1)
    cvs = b.std(axis=1, ddof=1) / b.mean(axis=1)
    return t.std(ddof=1) / t.mean(), cvs.std(ddof=1) / math.sqrt(FPT_BATCHES), run.times


def compute_intervals(*, mus, mus_sim, e_ls, e_ls_sim, n_fpt, seed):
    from snntheory import diffusion, shotnoise as sn
    out = {}
    # g: CV against the free mean, jumps CV_JUMP
    rates = np.asarray(mus) / (TAU_M * CV_JUMP)
    out["g_shot"] = np.asarray(sn.isi_cv(rates, CV_JUMP, tau_m=TAU_M, v_th=V_TH, v_reset=V_RESET))
    mu, sigma = sn.matched_diffusion(rates, CV_JUMP, tau_m=TAU_M)
    out["g_diff"] = np.asarray(diffusion.isi_cv(mu, sigma, tau_m=TAU_M, v_th=V_TH, v_reset=V_RESET))
    sim = [_fpt_sim(m / (TAU_M * CV_JUMP), CV_JUMP, 0.0, n_fpt, seed + k)[:2] for k, m in enumerate(mus_sim)]
    out["g_sim"], out["g_sim_se"] = np.array(sim).T
    # h: CV as the jumps shrink at fixed mean and variance
    def jump(el):
        return LIMIT_SIGMA**2 / (2.0 * (LIMIT_MU - el))
    a = np.array([jump(el) for el in e_ls])
    out["h_a"] = a
    out["h_shot"] = np.array([sn.isi_cv((LIMIT_MU - el) / (TAU_M * aa), aa, tau_m=TAU_M, v_th=V_TH,
                                        v_reset=V_RESET, e_l=el) for el, aa in zip(e_ls, a)])
    out["h_diff"] = np.asarray(diffusion.isi_cv(LIMIT_MU, LIMIT_SIGMA, tau_m=TAU_M, v_th=V_TH, v_reset=V_RESET))
    out["h_a_sim"] = np.array([jump(el) for el in e_ls_sim])
    sim = [_fpt_sim((LIMIT_MU - el) / (TAU_M * jump(el)), jump(el), el, n_fpt, seed + 100 + k)[:2]
           for k, el in enumerate(e_ls_sim)]
    out["h_sim"], out["h_sim_se"] = np.array(sim).T
    # i: FPT density from reset
    rate = DENSITY_MU / (TAU_M * CV_JUMP)
    _, _, times = _fpt_sim(rate, CV_JUMP, 0.0, n_fpt, seed + 200)
    edges = np.linspace(0.0, np.quantile(times, 0.99), 31)
    counts = np.histogram(times, edges)[0]
    width = np.diff(edges)
    out["i_edges"] = edges
    out["i_sim"] = counts / (times.size * width)
    out["i_sim_se"] = np.sqrt(counts) / (times.size * width)
    t = np.linspace(0.0, edges[-1], 300)
    out["i_t"] = t
    out["i_shot"] = np.asarray(sn.fpt_density(t, rate, CV_JUMP, tau_m=TAU_M, v_th=V_TH, v_start=V_RESET))
    mu, sigma = sn.matched_diffusion(rate, CV_JUMP, tau_m=TAU_M)
    out["i_diff"] = np.asarray(diffusion.fpt_density(t, mu, sigma, tau_m=TAU_M, v_th=V_TH, v_start=V_RESET))
    return out


def _gauss(v, mean, var):
    from scipy import stats
    return stats.norm.pdf(v, mean, math.sqrt(var))


def _plot_intervals(axes, iv, quick):
    """Row 3: ISI CV and FPT density, shot noise against diffusion and simulation."""
    sim_kw = dict(color=COLORS["simulation"], **SIM_MARKER)
    ax = axes[0]
    ax.plot(CV_MUS[quick], iv["g_shot"], color=COLORS["shotnoise"], label="shot noise", **THEORY_LINE)
    ax.plot(CV_MUS[quick], iv["g_diff"], color=COLORS["diffusion"], label="diffusion (matched)", **THEORY_LINE)
    ax.errorbar(CV_MUS_SIM[quick], iv["g_sim"], yerr=iv["g_sim_se"], label="simulation", **sim_kw)
    ax.set_xlabel("free mean (V)")
    ax.set_ylabel(f"ISI CV\n(jumps {CV_JUMP:g} V)")
    ax.legend(fontsize=5.5, loc="upper right")
    ax = axes[1]
    ax.plot(iv["h_a"], iv["h_shot"], color=COLORS["shotnoise"], **THEORY_LINE)
    ax.axhline(float(iv["h_diff"]), color=COLORS["diffusion"], **THEORY_LINE)
    ax.errorbar(iv["h_a_sim"], iv["h_sim"], yerr=iv["h_sim_se"], **sim_kw)
    ax.set_xscale("log")
    from matplotlib.ticker import NullFormatter
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("mean jump $a$ (V), free mean and variance fixed")
    ax.set_ylabel("ISI CV")
    ax = axes[2]
    ax.plot(1e3 * iv["i_t"], iv["i_shot"] / 1e3, color=COLORS["shotnoise"], **THEORY_LINE)
    ax.plot(1e3 * iv["i_t"], iv["i_diff"] / 1e3, color=COLORS["diffusion"], **THEORY_LINE)
    mid = 0.5 * (iv["i_edges"][1:] + iv["i_edges"][:-1])
    ax.errorbar(1e3 * mid, iv["i_sim"] / 1e3, yerr=iv["i_sim_se"] / 1e3, **sim_kw)
    ax.set_xlabel("interspike interval (ms)")
    ax.set_ylabel("ISI density (1/ms)")


def fig_densities(quick=False):
    """Figure 5: stationary membrane densities (diffusion, shot noise, step map) against simulation."""
    data = []
    for r, (wm, ws) in enumerate(REGIMES):
        params = dict(w_mean=wm, w_std=ws, n_bins=N_BINS[quick], ou_dt=OU_DT[quick], ou_neurons=OU_NEURONS[quick],
                      ou_time=OU_TIME[quick], shot_neurons=SHOT_NEURONS[quick], shot_time=SHOT_TIME[quick],
                      chain_neurons=CHAIN_NEURONS[quick], chain_steps=CHAIN_STEPS[quick],
                      n_batches=N_BATCHES[quick], seed_ou=SEED_OU + r, seed_shot=SEED_SHOT + 10 * r,
                      seed_chain=SEED_CHAIN + 10 * r)
        data.append(cached(f"densities_regime{r}", params, compute_regime))

    iv = cached("densities_intervals", dict(mus=CV_MUS[quick].tolist(), mus_sim=CV_MUS_SIM[quick].tolist(),
                                            e_ls=LIMIT_E_L[quick].tolist(), e_ls_sim=LIMIT_E_L_SIM[quick].tolist(),
                                            n_fpt=FPT_NEURONS[quick], seed=5400), compute_intervals)

    fig, axes = new_figure(3, 3, width_mm=180, height_mm=160)
    for r in range(2):           # rows a-c and d-f share their voltage axis; row g-i does not
        for c in (1, 2):
            axes[r, c].sharex(axes[r, 0])
    titles = {"diffusion": "diffusion (OU)", "shotnoise": "shot noise", "discrete": "exact step map"}
    for r, d in enumerate(data):
        v = d["v"]
        for c, k in enumerate(("diffusion", "shotnoise", "discrete")):
            ax = axes[r, c]
            if k == "shotnoise":
                free = _gauss(v, float(d["shotnoise_free_mean"]), float(d["shotnoise_free_var"]))
            else:
                free = _gauss(v, float(d["free_mean"]), float(d["free_var"]))
            ax.plot(v, free, color="0.5", linestyle="--", linewidth=1.0, label="free Gaussian (no threshold)")
            x, y, yse, mass, mass_se = _split(d["edges"], d[f"{k}_sim_prob"], d[f"{k}_sim_prob_se"])
            atom = dict(reset_mass=float(d[f"{k}_mass"]), v_reset=V_RESET) if k in ("shotnoise", "discrete") else {}
            plot.density(v, d[f"{k}_density"], v_th=V_TH, simulated=(x, y, yse), color=COLORS[k],
                         label="threshold-aware stationary density", show_mass=False, axes=ax, **atom)
            top = max(float(np.max(d[f"{k}_density"])), float(np.max(y)))
            lines = [f"rate: theory {float(d[f'{k}_rate']):.3g} Hz",
                     f"sim {float(d[f'{k}_sim_rate']):.3g} $\\pm$ {float(d[f'{k}_sim_rate_se']):.2g} Hz"]
            if k in ("shotnoise", "discrete"):
                lines.append(f"mass at $v_\\mathrm{{reset}}$: {float(d[f'{k}_mass']):.3g}")
                lines.append(f"sim {float(mass):.3g} $\\pm$ {float(mass_se):.1g}")
            ax.text(0.03, 0.97, "\n".join(lines), transform=ax.transAxes, va="top", ha="left", fontsize=5.5)
            ax.set_ylim(0.0, 1.55 * top)  # head room for the numbers
            ax.set_xlabel("membrane potential $V$ (V)")
            if r == 0:
                ax.set_title(titles[k])
        axes[r, 0].set_ylabel(f"{REGIME_NAMES[r]}\ndensity (1/V)")
    _plot_intervals(axes[2], iv, quick)
    from matplotlib.lines import Line2D
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.3", marker="$\\uparrow$", linestyle="none", markersize=6))
    labels.append("point mass at $v_\\mathrm{reset}$ (arrow not to scale; value in the panel)")
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=6)
    panel_labels(axes)
    return fig
