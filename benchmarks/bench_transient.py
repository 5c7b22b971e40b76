"""Benchmark of the start-up transient (issue 15): per-step rates of 16-step trials started at
rest, theory against simulation.

Run on one core:  ``OMP_NUM_THREADS=1 python benchmarks/bench_transient.py [--quick]``

1. One neuron, Gaussian increments: :func:`snntheory.discrete.transient` against
   :func:`snntheory.simulate.run_step_map` (200 000 neurons from V = 0), beta 0.8-1, both
   resets: worst |model - sim| over the 16 steps in standard errors and relative.
2. Networks of 3 layers (widths 200, Bernoulli input at 10 % per step):
   :func:`snntheory.network.predict_transient` against :func:`snntheory.simulate.network`
   (4 weight draws x 100 trials, from V = 0), per layer: the mean over the 16 steps of
   |model/sim - 1| for the transient and for the stationary prediction
   (:func:`snntheory.network.predict_network`, what a plan assumes at every step), and the
   step-1 rates. Written to ``benchmarks/results/transient.md``.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from _report import Report  # noqa: E402
from snntheory import LIF, discrete  # noqa: E402
from snntheory.network import predict_network, predict_transient  # noqa: E402
from snntheory.simulate import network, run_step_map  # noqa: E402

QUICK = "--quick" in sys.argv
T = 16
BETAS = (0.8, 0.9, 0.95, 1.0)
RESETS = ("zero", "subtract")
WEIGHTS = ((0.01, 0.1), (0.0, 0.08))   # a mean-driven and a fluctuation-driven (lower-rate) setting


def single(rep):
    n = 20_000 if QUICK else 200_000
    rows = []
    for beta in BETAS:
        for reset in RESETS:
            for m, s in ((0.05, 0.3), (0.15, 0.2)):
                t0 = time.perf_counter()
                tr = discrete.transient(m, s, beta=beta, reset=reset, n_steps=T)
                dt = time.perf_counter() - t0
                run = run_step_map(lambda rng, sh: m + s * rng.standard_normal(sh), n_neurons=n, n_steps=T,
                                   beta=beta, reset=reset, v0=0.0, seed=7)
                p = run.population_spikes / n
                se = np.sqrt(np.maximum(p * (1 - p), 1.0 / n) / n)
                z = np.abs(tr.rate - p) / se
                rel = np.abs(tr.rate / np.maximum(p, 1e-12) - 1)[p * n >= 100]
                rows.append([beta, reset, m, s, f"{tr.rate[0]:.4g}", f"{tr.rate[-1]:.4g}", f"{z.max():.2f}",
                             f"{100 * rel.max():.2f}" if rel.size else "-", f"{1e3 * dt:.1f}"])
    rep.section("One neuron: discrete.transient against the step map from V = 0")
    rep.note(f"{n} simulated neurons, Gaussian increments N(m, s^2), v_th = 1, v_reset = 0, 16 steps. "
             "z: worst |model - sim| / SE over the steps; rel: worst relative error over steps with >= 100 "
             "simulated spikes.")
    rep.table(["beta", "reset", "m", "s", "p step 1", "p step 16", "max z", "max rel %", "ms (one call)"], rows)


def nets(rep):
    widths, rate, batch = [200, 200, 200, 200], 100.0, 100
    seeds = range(2 if QUICK else 4)
    rows = []
    for (wm, ws), beta, reset in [(w, b, r) for w in WEIGHTS for b in BETAS for r in RESETS]:
        if True:
            nr = LIF.from_beta(beta, reset=reset)
            wm, ws = (0.8 * wm, 0.8 * ws) if beta == 1.0 else (wm, ws)
            t0 = time.perf_counter()
            tr = predict_transient(widths, wm, ws, neuron=nr, input_rate=rate, n_steps=T)
            dt = time.perf_counter() - t0
            st = predict_network(widths, wm, ws, neuron=nr, input_rate=rate).rates
            pops = []
            for seed in seeds:
                run = network(widths, wm, ws, neuron=nr, input_rate=rate, n_steps=T, batch=batch, seed=seed)
                pops.append(run.population_spikes[1:] / (batch * np.array(widths[1:])[:, None]))
            sim = np.mean(pops, axis=0) / nr.dt
            for l in range(len(widths) - 1):
                tot = sim[l].sum()
                e_tr = np.abs(tr.rates[l] - sim[l]).sum() / tot
                c_tr, c_st = tr.rates[l].sum() / tot - 1, T * st[l] / tot - 1
                rows.append([f"N({wm:g}, {ws:g}^2)", beta, reset, l + 1, f"{tr.rates[l, 0]:.3g}", f"{sim[l, 0]:.3g}",
                             f"{tr.rates[l, -1]:.4g}",
                             f"{sim[l, -4:].mean():.4g}", f"{st[l]:.4g}", f"{100 * e_tr:.1f}", f"{100 * c_tr:+.1f}",
                             f"{100 * c_st:+.1f}", f"{dt:.2f}" if l == 0 else ""])
    rep.section("Networks: predict_transient against simulate.network from V = 0")
    rep.note(f"widths {widths}, input {rate:g} Hz (10 % per step), Gaussian weights (beta = 1: mean and SD x 0.8), "
             f"{len(seeds)} weight draws x {batch} trials, 16 steps. Rates in Hz. "
             "step err: sum over the steps of |model - sim| / sum of sim (predict_transient). count err: "
             "error of the spikes per trial (sum over the 16 steps) of predict_transient and of the stationary "
             "rate of predict_network assumed at every step. s: one call of predict_transient (wall clock).")
    rep.table(["weights", "beta", "reset", "layer", "step 1 model", "step 1 sim", "step 16 model", "steps 13-16 sim",
               "stationary", "step err %", "count err transient %", "count err stationary %", "s"], rows)


def main():
    rep = Report("transient", "Start-up transient of 16-step trials: theory against simulation")
    if QUICK:
        rep.note("--quick: reduced sizes; a check of the script, not a result to quote.")
    single(rep)
    nets(rep)
    rep.write()


if __name__ == "__main__":
    main()
