"""Figure 9 — trainability at initialisation: the (w_std, w_mean) plane of a deep SNN.

Ten layers of ``WIDTH`` step-map LIF neurons (``BETA``), Bernoulli input at ``P_IN`` spikes per
step (the digits experiment's ~0.15), i.i.d. Gaussian weights ``N(w_mean, w_std^2)`` in every
layer, surrogate gradients (fast sigmoid, width 0.04 V) over a BPTT window of ``T`` steps.
One panel per reset (a: to zero, b: by subtraction), all from ``network.phase_diagram``:

- colour: the top layer's rate (Hz, log scale); grey hatching: the top layer silent;
- solid black: chi_c = 1 (the correlation map's one-sided slope at 1; where it is absent the
  map decorrelates nearby inputs everywhere), dashed: chi_c = 10 and 20;
- white: the full (through-time) gradient gain per layer = 1 (absent where gradients vanish
  everywhere), white dotted: gain 0.1 and 0.03 (geometric mean over the layers);
- markers: the ANN schemes (``inverse.baseline_weights``: kaiming, glorot, pytorch (uniform,
  its SD), fluctuation), Micheli et al. 2024 (Var w = 1 / (n P(u > theta)), P(u > theta) the
  input's spike probability, its first matrix), snntheory's plan (``inverse.init_network``, target
  50 Hz, the range of its per-layer means; at this depth and surrogate it warns that the gradient
  vanishes, TrainabilityWarning, as the plane's gain contours show);
- red dashed: the trainability theory's validity bound (``network.MEAN_FIELD_MAX_INPUT_SD``: some
  layer's RMS input per step reaches one threshold; to its right the predicted gradient norms are
  off by decades against autograd, ``benchmarks/results/bptt_validity.md``);
- the chi_c = 1 and gain = 1 contours are drawn but empty when the plane has no such point
  (the panel's note gives the range);
- open circles: a two-replica simulation (``simulate.replica_network``) of layer 1's per-step
  output correlation for input correlation 0.98, next to the closure's value ("c1 closure/simulation"),
  and the per-layer gradient gain (geometric mean over 4 layers of ``WIDTH``) of the closure next
  to PyTorch autograd's (``tests/bptt_reference.py``; "gain closure/autograd").
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from _common import COLORS, cached, new_figure, panel_labels, progress

# --- parameters -------------------------------------------------------------------------------
BETA = 0.9
WIDTH = 128
LAYERS = 10
P_IN = 0.15                    # input spikes per step (150 Hz at dt = 1 ms)
T = 16                         # BPTT window (steps)
SURROGATE, SURROGATE_WIDTH = "fast_sigmoid", 0.04
RESETS = ("zero", "subtract")
GRID = {False: 40, True: 6}    # grid points per axis
W_MEAN = (-0.04, 0.08)         # V
W_STD = (0.02, 1.0)            # V (log axis)
# check points (w_mean, w_std): simulation of the correlation map and autograd gradient gains
CHECKS = {False: ((0.0, 0.125), (0.01, 0.06), (-0.01, 0.3)), True: ((0.0, 0.125),)}
SIM_STEPS = {False: 600, True: 200}
SEED = 91


def _neuron(reset):
    from snntheory import LIF
    return LIF.from_beta(BETA, reset=reset)


def compute_plane(*, reset, n):
    import warnings
    from snntheory.errors import ApproximationWarning
    from snntheory.network import phase_diagram
    M, S = np.meshgrid(np.linspace(*W_MEAN, n), np.geomspace(*W_STD, n), indexing="ij")
    with warnings.catch_warnings():      # its points are marked on the plane instead (PhaseDiagram.unresolved)
        warnings.simplefilter("ignore", ApproximationWarning)
        pd = phase_diagram([WIDTH] * (LAYERS + 1), M, S, neuron=_neuron(reset), input_rate=P_IN * 1e3, n_steps=T,
                           surrogate=SURROGATE, surrogate_width=SURROGATE_WIDTH)
    gain = pd.delta_ratio[..., 0] ** (1.0 / (LAYERS - 1))       # geometric mean gain per layer
    return {"w_mean": M, "w_std": S, "rate": pd.rate[..., -1], "silent": pd.silent_fraction[..., -1],
            "chi": pd.chi_c[..., -1], "gain": gain, "unresolved": pd.unresolved.any(axis=-1),
            "input_sd": pd.input_sd.max(axis=-1)}


def compute_schemes(*, reset):
    from snntheory.inverse import baseline_weights, init_network
    nrn = _neuron(reset)
    out = {}
    for name in ("kaiming", "glorot", "pytorch", "fluctuation", "micheli"):   # micheli: its first matrix
        wm, ws, _ = baseline_weights(name, n_in=WIDTH, n_out=WIDTH, neuron=nrn, input_rate=P_IN * 1e3)
        out[name] = np.array([wm, ws, wm, wm])
    import warnings
    from snntheory.errors import TrainabilityWarning
    with warnings.catch_warnings():     # the plan warns at this depth and surrogate: the plane shows why
        warnings.simplefilter("ignore", TrainabilityWarning)
        plan = init_network([WIDTH] * (LAYERS + 1), neuron=nrn, input_rate=P_IN * 1e3, target_rate=50.0,
                            calibrate=False, map_gain=False, surrogate=SURROGATE, surrogate_width=SURROGATE_WIDTH)
    out["plan"] = np.array([plan.w_means.mean(), plan.w_stds.mean(), plan.w_means.min(), plan.w_means.max()])
    return out


def compute_checks(*, reset, points, steps, seed):
    """Layer-1 step correlation (input c = 0.98): closure vs two-replica simulation; per-layer
    gradient gain: closure vs autograd (one weight draw, 4 input draws)."""
    from snntheory import network as N
    from snntheory.simulate import replica_network
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from bptt_reference import measure
    nrn = _neuron(reset)
    cp = nrn.chain_params()
    rows = []
    for k, (wm, ws) in enumerate(progress(list(points), desc=f"trainability checks ({reset})")):
        a = lambda x: np.array([x])  # noqa: E731
        lay = N._fast_layer(cp, nrn.gain, WIDTH, a(P_IN), a(P_IN ** 2), a(P_IN * (1 - P_IN)), a(P_IN ** 2), a(wm),
                            a(ws), SURROGATE, SURROGATE_WIDTH, True, 1e-4)
        c_th = float(N._closure_map(lay, 0.98, cp, step_too=True)[1][0])
        run = replica_network([WIDTH, WIDTH], wm, ws, neuron=nrn, input_rate=P_IN * 1e3, c=0.98, n_steps=steps,
                              seed=seed + k, batch=2)
        pd = N.phase_diagram([WIDTH] * 5, wm, ws, neuron=nrn, input_rate=P_IN * 1e3, n_steps=T,
                             surrogate=SURROGATE, surrogate_width=SURROGATE_WIDTH)
        m = measure([WIDTH] * 5, wm, ws, beta=BETA, reset=reset, n_steps=T, input_p=P_IN, surrogate=SURROGATE,
                    width=SURROGATE_WIDTH, seeds=(seed + k,), batch=4, burn_in=100)
        g_th = float(pd.delta_ratio[0] ** (1 / 3))
        g_ag = float((m["delta"][0] / m["delta"][-1]) ** (1 / 3))
        rows.append([wm, ws, c_th, float(run.step_corr[1]), g_th, g_ag])
    return {"rows": np.array(rows)}


MARKERS = {"kaiming": "o", "glorot": "s", "pytorch": "v", "fluctuation": "D", "micheli": "P", "plan": "*"}


def fig_trainability(quick=False):
    import matplotlib.colors as mcolors
    from snntheory.network import MEAN_FIELD_MAX_INPUT_SD
    n = GRID[quick]
    fig, axes = new_figure(1, 2, width_mm=180, height_mm=80, sharey=True)
    levels = np.linspace(-1, 3, 17)
    for ax, reset in zip(axes, RESETS):
        d = cached("trainability_plane", dict(reset=reset, n=n), compute_plane)
        sch = cached("trainability_schemes", dict(reset=reset), compute_schemes)
        chk = cached("trainability_checks", dict(reset=reset, points=[list(p) for p in CHECKS[quick]],
                                                 steps=SIM_STEPS[quick], seed=SEED), compute_checks)["rows"]
        X, Y = d["w_std"], d["w_mean"]
        lr = np.log10(np.clip(d["rate"], 0.1, 1e3))
        cf = ax.contourf(X, Y, lr, levels=levels, cmap="viridis", norm=mcolors.Normalize(-1, 3))
        ax.contourf(X, Y, (d["silent"] > 0.99).astype(float), levels=[0.5, 1.5], colors="none", hatches=["////"])
        ax.contour(X, Y, (d["silent"] > 0.99).astype(float), levels=[0.5], colors="0.5", linewidths=0.6)
        chi = np.where(np.isfinite(d["chi"]), d["chi"], np.nan)
        ax.contour(X, Y, chi, levels=[1.0], colors="k", linewidths=1.2)
        cs = ax.contour(X, Y, chi, levels=[10.0, 20.0], colors="k", linewidths=0.7, linestyles="--")
        ax.clabel(cs, fmt=lambda v: f"$\\chi_c$={v:.0f}", fontsize=5)
        g = np.log10(np.where(np.isfinite(d["gain"]) & (d["gain"] > 0), d["gain"], np.nan))
        ax.contour(X, Y, g, levels=[0.0], colors="w", linewidths=1.2)
        gs = ax.contour(X, Y, g, levels=[np.log10(0.03), -1.0], colors="w", linewidths=0.7, linestyles=":")
        ax.clabel(gs, fmt=lambda v: f"gain {10 ** v:.2g}", fontsize=5)
        u = np.asarray(d.get("unresolved", np.zeros(X.shape)), bool)   # caches from before the flag: none
        ax.plot(X[u], Y[u], marker="x", color="0.85", markersize=3, markeredgewidth=0.5, linestyle="none",
                label="grid unresolved (rates approximate)" if reset == RESETS[0] and u.any() else None)
        if "input_sd" in d:     # caches from before the bound: not drawn
            vs = ax.contour(X, Y, d["input_sd"], levels=[MEAN_FIELD_MAX_INPUT_SD], colors="r", linewidths=0.9,
                            linestyles="--")
            ax.clabel(vs, fmt=lambda v: "mean-field limit", fontsize=5)
        for name, (wm, ws, lo, hi) in sch.items():
            kw = dict(marker=MARKERS[name], color=COLORS.get({"plan": "snntheory"}.get(name, name), "w"), markeredgecolor="k", markersize=6,
                      linestyle="none", label=name if reset == RESETS[0] else None)
            if name == "plan":
                ax.errorbar([ws], [wm], yerr=[[wm - lo], [hi - wm]], ecolor="k", elinewidth=0.6, **kw)
            else:
                ax.plot([ws], [wm], **kw)
        for wm, ws, c_th, c_sim, g_th, g_ag in chk:
            ax.plot([ws], [wm], marker="o", mfc="none", mec="r", markersize=9, linestyle="none")
            ax.annotate(f"c1 {c_th:.2f}/{c_sim:.2f}\ngain {g_th:.3f}/{g_ag:.3f}", (ws, wm), xytext=(4, -10),
                        textcoords="offset points", fontsize=4.5, color="r")
        ax.text(0.99, 0.02, f"$\\chi_c \\geq$ {np.nanmin(chi):.1f} and gain/layer $\\leq$ {np.nanmax(d['gain']):.3f} "
                "everywhere:\nno $\\chi_c$ = 1 line, no gain = 1 line", transform=ax.transAxes, ha="right", va="bottom",
                fontsize=5.5, color="w")
        ax.set_xscale("log")
        ax.set_xlabel(r"$\sigma_w$ (V)")
        ax.set_title(f"reset to {'zero' if reset == 'zero' else 'subtract'}: {LAYERS} layers x {WIDTH}, "
                     f"$\\beta$={BETA}", fontsize=7)
    axes[0].set_ylabel(r"$\mu_w$ (V)")
    axes[0].legend(fontsize=5, loc="upper right", ncol=2)
    cb = fig.colorbar(cf, ax=list(axes), shrink=0.9, pad=0.01)
    cb.set_label("top-layer rate (log10 Hz)")
    panel_labels(axes)
    return fig
