"""Figure 8 — speed and accuracy: snntheory against NNMT (Siegert) and against simulation.

a  time per evaluation of the Siegert (diffusion) rate: snntheory in a batch call and in a
   scalar call, NNMT 1.3.0 (``nnmt.lif.delta``) likewise, and a seeded continuous-time simulation
   (``simulate.simulate_ou``) run long enough for a 1 % standard error (extrapolated from a
   shorter run: the standard error falls like 1/sqrt(duration)).
b  relative error of the rate against mpmath at 50 digits on the benchmark's 300 reference
   points, by regime: snntheory (evaluated live at the stored points) and NNMT (from the
   benchmark file).
c  snntheory's diffusion rate against the simulation: relative deviation with its standard
   error, three regimes.
d  the exact discrete-time rate (``discrete.firing_probability``) against a simulation of the
   same step map (``simulate.simulate_chain``) at matched accuracy: time to reach a relative
   standard error e (simulation: measured, scaled as 1/e^2) against the solver's one-call time
   (its own accuracy ~1e-6).
e  the discrete solver against that simulation: relative deviation with its standard error.
f  the Siegert rate (raw and dt-corrected) against the exact discrete-time chain
   (``discrete.siegert_comparison``), the error a diffusion method makes on a discrete SNN.

snntheory and the simulations are timed live (best of a few repeats; the machine may be
shared). NNMT is an optional benchmark dependency: its times are measured live when it is
importable and otherwise read from ``benchmarks/results/bench_diffusion.json`` (the panel says
which); its accuracy always comes from that file (it holds the mpmath reference values).
"""
from __future__ import annotations

import json
import time
import timeit
from pathlib import Path

import numpy as np

from _common import COLORS, SIM_MARKER, cached, new_figure, panel_labels, progress

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIFFUSION = ROOT / "benchmarks" / "results" / "bench_diffusion.json"

# --- parameters -------------------------------------------------------------------------------
# the benchmark's neuron (benchmarks/bench_diffusion.py)
TAU_M = 0.02       # s
V_TH = 20e-3       # V
V_RESET = 10e-3    # V
TAU_REF = 0.002    # s
REGIMES = {        # (mu, sigma) in V for panels a (scalar calls), c (simulation)
    "mean-driven": (25e-3, 2e-3),
    "straddling": (15e-3, 8e-3),
    "fluctuation-driven": (8e-3, 10e-3),
}
BATCH_N = {False: 100_000, True: 10_000}   # points per batch call
SCALAR_CALLS = {False: 2000, True: 200}
REPEATS = {False: 5, True: 3}              # best-of repeats of every timing
OU_DT = 1e-4                               # grid step of the OU simulation (s; exact steps + bridge)
OU_T = {False: 1.0, True: 0.1}             # simulated duration (s)
OU_NEURONS = {False: 2000, True: 500}
OU_BURN = 0.05                             # s
SIM_TARGET = 0.01                          # relative standard error for the simulation times in a

# the discrete cases of benchmarks/bench_discrete.py: (m, s, beta, reset), per-step quantities
DISCRETE_CASES = [
    (0.03, 0.15, 0.95, "zero"),
    (0.03, 0.15, 0.95, "subtract"),
    (0.0, 0.25, 0.9, "zero"),
    (0.1, 0.3, 0.5, "subtract"),
    (0.004, 0.05, 0.995, "zero"),
]
CHAIN_NEURONS = {False: 4000, True: 500}
CHAIN_STEPS = {False: 4000, True: 1000}
SIEGERT_CASES = [(0.03, 0.15, 0.95), (0.0, 0.25, 0.95), (0.05, 0.2, 0.9), (0.008, 0.05, 0.99),
                 (0.1, 0.1, 0.9), (0.004, 0.05, 0.995)]   # (m, s, beta), zero reset

SEED_OU = 81000       # + regime index
SEED_CHAIN = 82000    # + case index


def _best(f, repeats, number=1):
    """Seconds per call of ``f``: best of ``repeats`` runs of ``number`` calls (``timeit.repeat``)."""
    return min(timeit.repeat(f, repeat=repeats, number=number)) / number


def _nnmt():
    try:
        from nnmt.lif import delta
        return delta
    except Exception:  # optional benchmark dependency
        return None


def _batch_points(n, rng):
    """(mu, sigma) spread over the three regimes NNMT handles (mean-driven, straddling, fluctuation)."""
    k = n // 3
    sg = rng.uniform(0.5e-3, 8e-3, k)
    md = (V_TH + sg * rng.uniform(0.01, 10.0, k), sg)
    sg = rng.uniform(1e-3, 10e-3, k)
    st = (rng.uniform(V_RESET, V_TH, k), sg)
    sg = rng.uniform(0.5e-3, 5e-3, n - 2 * k)
    fd = (np.minimum(V_TH - rng.uniform(0.5, 40.0, n - 2 * k) * sg, V_RESET - 1e-6), sg)
    return [md, st, fd]


def compute_timing(*, batch_n, scalar_calls, repeats, nnmt_live, ou_dt, ou_t, ou_neurons, seed):
    """Live times per evaluation (s): snntheory batch/scalar, NNMT (live or from the JSON), OU simulation."""
    from snntheory import diffusion
    from snntheory.simulate import simulate_ou

    kw = dict(tau_m=TAU_M, v_th=V_TH, v_reset=V_RESET, tau_ref=TAU_REF)
    parts = _batch_points(batch_n, np.random.default_rng(seed))
    names = list(REGIMES)
    out = {"regimes": np.array(names)}
    snn_batch, snn_scalar, nn_batch, nn_scalar = [], [], [], []
    delta = _nnmt() if nnmt_live else None
    bench = json.loads(BENCH_DIFFUSION.read_text())
    for name, (mu, sg) in zip(names, parts):
        diffusion.firing_rate(mu[:100], sg[:100], **kw)
        snn_batch.append(_best(lambda: diffusion.firing_rate(mu, sg, **kw), repeats) / mu.size)
        m0, s0 = REGIMES[name]
        snn_scalar.append(_best(lambda: diffusion.firing_rate(m0, s0, **kw), repeats, scalar_calls))
        if delta is not None:
            f = delta._firing_rates_for_given_input
            nn_batch.append(_best(lambda: f(mu, sg, V_RESET, V_TH, TAU_M, TAU_REF), repeats) / mu.size)
            nn_scalar.append(_best(lambda: f(m0, s0, V_RESET, V_TH, TAU_M, TAU_REF), repeats, 50))
        else:
            pr = bench["per_regime"][name]
            nn_batch.append(pr["nnmt_s"] / pr["n"])
            nn_scalar.append(bench["scalar"][name]["nnmt_s"])
    out.update(snn_batch=np.array(snn_batch), snn_scalar=np.array(snn_scalar), nnmt_batch=np.array(nn_batch),
               nnmt_scalar=np.array(nn_scalar), nnmt_live=np.array(delta is not None),
               nnmt_date=np.array(bench["date"]))
    # simulation: rate, its SE, and wall time; time to 1 % = t (se/rate / 1 %)^2
    rates, sims, ses, tsim = [], [], [], []
    for k, name in enumerate(progress(names, "  speed: OU simulations")):
        mu, sg = REGIMES[name]
        rates.append(float(diffusion.firing_rate(mu, sg, **kw)))
        t0 = time.perf_counter()
        run = simulate_ou(mu, sg, dt=ou_dt, t_max=ou_t, n_neurons=ou_neurons, burn_in=OU_BURN, v0="uniform",
                          seed=seed + k, **kw)
        tsim.append(time.perf_counter() - t0)
        sims.append(run.rate)
        ses.append(run.rate_stderr)
    out.update(theory_rate=np.array(rates), sim_rate=np.array(sims), sim_se=np.array(ses), sim_time=np.array(tsim))
    return out


def compute_accuracy(*, bench_date, bench_bytes):
    """snntheory's rate (live) and NNMT's (stored) against the stored mpmath reference."""
    from snntheory import diffusion

    acc = json.loads(BENCH_DIFFUSION.read_text())["accuracy"]
    ref = np.exp(np.array(acc["ref_log_rate"]))
    snn = np.asarray(diffusion.firing_rate(np.array(acc["mu"]), np.array(acc["sigma"]), tau_m=TAU_M, v_th=V_TH,
                                           v_reset=V_RESET, tau_ref=TAU_REF))
    nn = np.array([np.nan if v is None else v for v in acc.get("nnmt_rate", [None] * ref.size)], float)
    ok = ref > 1e-300
    return {"regime": np.array(acc["regime"])[ok], "snn_err": np.abs(snn[ok] / ref[ok] - 1),
            "nnmt_err": np.abs(nn[ok] / ref[ok] - 1)}


def compute_discrete(*, cases, n_neurons, n_steps, repeats, seed):
    """Discrete solver vs simulation of the same chain: rates, standard errors and times."""
    from snntheory import discrete
    from snntheory.simulate import simulate_chain

    out = {k: [] for k in ("rate", "t_theory", "sim_rate", "sim_se", "t_sim")}
    for k, (m, s, beta, reset) in enumerate(progress(cases, "  speed: discrete cases")):
        p = float(discrete.firing_probability(m, s, beta=beta, reset=reset))
        out["rate"].append(p)
        out["t_theory"].append(_best(lambda: discrete.firing_probability(m, s, beta=beta, reset=reset), repeats))
        t0 = time.perf_counter()
        run = simulate_chain(m, s, beta=beta, reset=reset, n_neurons=n_neurons, n_steps=n_steps, seed=seed + k)
        out["t_sim"].append(time.perf_counter() - t0)
        out["sim_rate"].append(run.rate)
        out["sim_se"].append(run.rate_stderr)
    return {k: np.array(v) for k, v in out.items()}


def compute_siegert(*, cases):
    """Siegert rate (raw and dt-corrected) against the exact discrete chain."""
    from snntheory import discrete

    rel, rel_dt = [], []
    for m, s, beta in cases:
        c = discrete.siegert_comparison(m, s, beta=beta)
        rel.append(float(c.rel_error))
        rel_dt.append(float(c.rel_error_dt))
    return {"rel": np.array(rel), "rel_dt": np.array(rel_dt)}


def fig_speed(quick=False):
    """Speed and accuracy against NNMT and simulation (see module docstring)."""
    nnmt_live = _nnmt() is not None
    bench_date = json.loads(BENCH_DIFFUSION.read_text())["date"]
    timing = cached("speed_timing", dict(batch_n=BATCH_N[quick], scalar_calls=SCALAR_CALLS[quick],
                                         repeats=REPEATS[quick], nnmt_live=nnmt_live, ou_dt=OU_DT, ou_t=OU_T[quick],
                                         ou_neurons=OU_NEURONS[quick], seed=SEED_OU), compute_timing)
    acc = cached("speed_accuracy", dict(bench_date=bench_date, bench_bytes=BENCH_DIFFUSION.stat().st_size),
                 compute_accuracy)
    disc = cached("speed_discrete", dict(cases=DISCRETE_CASES, n_neurons=CHAIN_NEURONS[quick],
                                         n_steps=CHAIN_STEPS[quick], repeats=REPEATS[quick], seed=SEED_CHAIN),
                  compute_discrete)
    sieg = cached("speed_siegert", dict(cases=SIEGERT_CASES), compute_siegert)

    fig, axes = new_figure(2, 3, height_mm=112)
    ax_t, ax_acc, ax_sim, ax_dt, ax_dsim, ax_sg = axes.ravel()
    names = [str(n) for n in timing["regimes"]]
    short = [n.replace("fluctuation-driven", "fluct.-driven").replace("mean-driven", "mean-driven") for n in names]
    x = np.arange(len(names))

    # a: time per evaluation
    rel_se = timing["sim_se"] / timing["sim_rate"]
    t_sim_1pc = timing["sim_time"] * (rel_se / SIM_TARGET) ** 2
    bars = [("snntheory, batch (per point)", timing["snn_batch"], COLORS["snntheory"], None),
            ("NNMT, batch (per point)", timing["nnmt_batch"], COLORS["diffusion"], None),
            ("snntheory, scalar call", timing["snn_scalar"], COLORS["snntheory"], "////"),
            ("NNMT, scalar call", timing["nnmt_scalar"], COLORS["diffusion"], "////"),
            (f"simulation to {SIM_TARGET:.0%} SE", t_sim_1pc, "0.6", None)]
    w = 0.16
    for j, (lab, val, c, hatch) in enumerate(bars):
        ax_t.bar(x + (j - 2) * w, val, w, color=c if hatch is None else "white", edgecolor=c, hatch=hatch,
                 linewidth=0.6, label=lab)
    ax_t.set_yscale("log")
    ax_t.set_xticks(x)
    ax_t.set_xticklabels(short)
    ax_t.set_ylabel("time per evaluation (s)")
    ax_t.set_xlabel("regime")
    src = "NNMT measured live" if bool(timing["nnmt_live"]) else \
        f"NNMT from bench_diffusion.json ({timing['nnmt_date']}; not importable here)"
    ax_t.set_title("Siegert rate: time / evaluation")
    ax_t.text(0.01, 0.99, src, transform=ax_t.transAxes, fontsize=4.8, va="top", color="0.3")
    ax_t.set_ylim(3e-8, 3e5)
    ax_t.legend(loc="upper left", fontsize=4.8, ncol=2, bbox_to_anchor=(0.0, 0.94), columnspacing=0.8)

    # b: accuracy vs mpmath
    rng = np.random.default_rng(0)   # horizontal jitter only
    floor = 1e-17
    for k in range(len(names)):
        sel = acc["regime"] == k
        for off, key, c, lab in ((-0.15, "snn_err", COLORS["snntheory"], "snntheory"),
                                 (0.15, "nnmt_err", COLORS["diffusion"], "NNMT 1.3.0")):
            v = acc[key][sel]
            v = v[np.isfinite(v)]
            ax_acc.plot(k + off + rng.uniform(-0.08, 0.08, v.size), np.maximum(v, floor), ".", ms=2, color=c,
                        alpha=0.6, label=lab if k == 0 else None)
            if v.size:
                ax_acc.plot([k + off - 0.12, k + off + 0.12], [v.max()] * 2, color=c, linewidth=1.0)
    tiny = acc["regime"] == 3
    if np.any(tiny):
        v = acc["snn_err"][tiny]
        ax_acc.plot(3 - 0.15 + rng.uniform(-0.08, 0.08, v.size), np.maximum(v, floor), ".", ms=2,
                    color=COLORS["snntheory"], alpha=0.6)
        vn = acc["nnmt_err"][tiny]
        vn = vn[np.isfinite(vn)]
        ax_acc.plot(3 + 0.15 + rng.uniform(-0.08, 0.08, vn.size), np.maximum(vn, floor), ".", ms=2,
                    color=COLORS["diffusion"], alpha=0.6)
        ax_acc.plot([3 - 0.27, 3 - 0.03], [v.max()] * 2, color=COLORS["snntheory"], linewidth=1.0)
        if vn.size:
            ax_acc.plot([3 + 0.03, 3 + 0.27], [vn.max()] * 2, color=COLORS["diffusion"], linewidth=1.0)
    ax_acc.set_yscale("log")
    ax_acc.set_ylim(floor / 2, 1e-8)
    ax_acc.set_xticks(range(4))
    ax_acc.set_xticklabels(["mean-dr.", "straddling", "fluct.-dr.", "tiny σ"])
    ax_acc.set_ylabel("relative error vs mpmath (50 digits)")
    ax_acc.set_xlabel("regime")
    ax_acc.set_title("Siegert rate: accuracy (bar: max)")
    ax_acc.legend(loc="upper left", markerscale=3)

    # c: diffusion theory vs simulation
    dev = timing["sim_rate"] / timing["theory_rate"] - 1
    err = timing["sim_se"] / timing["theory_rate"]
    ax_sim.errorbar(x, 100 * dev, yerr=100 * err, **SIM_MARKER, color=COLORS["simulation"],
                    label="simulation / snntheory − 1")
    ax_sim.axhline(0, color=COLORS["diffusion"], linewidth=1.0, label="snntheory (diffusion)")
    for k in range(len(names)):
        ax_sim.annotate(f"{timing['theory_rate'][k]:.3g} Hz", (x[k], 100 * (dev[k] + err[k])), fontsize=5,
                        ha="center", va="bottom", xytext=(0, 2), textcoords="offset points")
    ax_sim.set_xticks(x)
    ax_sim.set_xticklabels(short)
    ax_sim.set_xlim(-0.5, len(names) - 0.5)
    ax_sim.set_ylabel(f"rate deviation (%), sim. dt = {OU_DT * 1e3:g} ms")
    ax_sim.set_xlabel("regime")
    ax_sim.set_title("diffusion rate vs OU simulation")
    ax_sim.legend(loc="lower left")

    # d: discrete solver vs simulation at matched accuracy
    e = np.logspace(-1, -6, 30)
    rse = disc["sim_se"] / disc["sim_rate"]
    shades = ["#D55E00", "#E69F00", "#009E73", "#0072B2", "#CC79A7"]
    for k, (m, s, beta, reset) in enumerate(DISCRETE_CASES):
        c = shades[k % len(shades)]
        ax_dt.plot(e, disc["t_sim"][k] * (rse[k] / e) ** 2, color=c, linewidth=1.0,
                   label=rf"{k + 1}: $m={m:g}, s={s:g}, \beta={beta:g}$, {reset}")
        ax_dt.plot(e, np.full(e.size, disc["t_theory"][k]), color=c, linewidth=1.0, linestyle="--")
        ax_dt.plot([1e-6], [disc["t_theory"][k]], "o", color=c, ms=3)
    ax_dt.plot([], [], color="0.4", linewidth=1.0, label="simulation (measured, ∝ 1/e²)")
    ax_dt.plot([], [], color="0.4", linewidth=1.0, linestyle="--", label="snntheory (one call, ~1e-6)")
    ax_dt.set_xscale("log")
    ax_dt.set_yscale("log")
    ax_dt.invert_xaxis()
    ax_dt.set_xlabel("target relative error e")
    ax_dt.set_ylabel("time (s)")
    ax_dt.set_title("discrete rate: time to accuracy e")
    ax_dt.legend(loc="upper left", fontsize=4.8)

    # e: discrete theory vs simulation
    xd = np.arange(len(DISCRETE_CASES))
    dev = disc["sim_rate"] / disc["rate"] - 1
    err = disc["sim_se"] / disc["rate"]
    ax_dsim.errorbar(xd, 100 * dev, yerr=100 * err, **SIM_MARKER, color=COLORS["simulation"],
                     label="simulation / snntheory − 1")
    ax_dsim.axhline(0, color=COLORS["snntheory"], linewidth=1.0, label="snntheory (exact discrete)")
    ax_dsim.set_xticks(xd)
    ax_dsim.set_xticklabels([str(k + 1) for k in xd])
    ax_dsim.set_xlabel("case (as in d)")
    ax_dsim.set_ylabel("rate deviation (%)")
    ax_dsim.set_title("discrete rate vs simulation")
    ax_dsim.legend(loc="lower left")

    # f: Siegert vs the exact discrete chain
    xs = np.arange(len(SIEGERT_CASES))
    ax_sg.bar(xs - 0.18, 100 * sieg["rel"], 0.36, color=COLORS["diffusion"], label="Siegert (diffusion)")
    ax_sg.bar(xs + 0.18, 100 * sieg["rel_dt"], 0.36, color=COLORS["diffusion_dt"], label="Siegert, dt-corrected")
    ax_sg.axhline(0, color=COLORS["snntheory"], linewidth=1.0, label="exact discrete chain")
    ax_sg.set_xticks(xs)
    ax_sg.set_xticklabels([f"{m:g}/{s:g}/{b:g}" for m, s, b in SIEGERT_CASES], fontsize=5, rotation=35,
                          ha="right")
    ax_sg.set_xlabel(r"case: $m$ / $s$ / $\beta$ (reset to zero)")
    ax_sg.set_ylabel("error of the rate (%)")
    ax_sg.set_title("Siegert on a discrete SNN")
    ax_sg.set_ylim(0, 1.45 * max(100 * sieg["rel"].max(), 1.0))
    ax_sg.legend(loc="upper right")

    panel_labels(axes)
    return fig
