"""Surrogate-gradient gain: the depth model of snntheory.network against numerical
backpropagation through the step map (``simulate.backprop_network``). Prints the tables and
writes ``benchmarks/results/gradient.md``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_gradient.py [--quick]``

1. One layer, Bernoulli input, i.i.d. Gaussian weights: measured within-step spike gain over
   ``network.gradient_gain`` (mean of 4 weight seeds, with its standard error).
2. Deep plans (``inverse.init_network`` defaults, 4 weight matrices of width 300): measured
   within-step gain of every layer over the plan's ``grad_gain``.
3. Through time (BPTT, reset detached): the measured temporal factor of every layer, its
   prediction from the layer's own surrogate statistics, and ``1/(1 - beta^2)`` (exact for the
   top layer with subtractive reset).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402

import numpy as np  # noqa: E402

from _report import Report  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory.inverse import init_network  # noqa: E402
from snntheory.network import gradient_gain  # noqa: E402
from snntheory.simulate import backprop_network  # noqa: E402

QUICK = "--quick" in sys.argv
STEPS = 400 if QUICK else 2000


def single_layer(rep):
    rep.section("one layer: measured within-step spike gain / network.gradient_gain (4 weight seeds)")
    rows = []
    for beta, reset, n_out, wm, ws, kind in [(0.9, "subtract", 200, 0.0, 0.25, "fast_sigmoid"),
                                              (0.8, "zero", 400, 0.0, 0.3, "gaussian"),
                                              (0.95, "zero", 300, -0.01, 0.2, "atan"),
                                              (1.0, "subtract", 300, 0.002, 0.15, "triangle")]:
        neuron = LIF.from_beta(beta, reset=reset)
        theory = gradient_gain(neuron=neuron, n_in=300, input_rate=50.0, w_mean=wm, w_std=ws, n_out=n_out,
                               surrogate=kind)
        gains = [backprop_network([300, n_out], wm, ws, neuron=neuron, input_rate=50.0, n_steps=STEPS,
                                  through_time=False, seed=s, batch=4, surrogate=kind).spike_gain[0]
                 for s in range(4)]
        r = np.array(gains) / theory
        rows.append([beta, reset, n_out, kind, f"{theory:.4g}", f"{r.mean():.3f} ± {r.std(ddof=1) / 2:.3f}"])
    rep.table(["beta", "reset", "n_out", "surrogate", "gradient_gain", "measured / theory"], rows)


def deep_plans(rep):
    rep.section("deep plans (init_network defaults, widths 300 x 5): measured / planned within-step gain "
                "per weight matrix, and the temporal factor through time")
    rows_w, rows_t = [], []
    for beta, reset in [(0.8, "subtract"), (0.9, "zero"), (0.95, "subtract"), (1.0, "zero")]:
        neuron = LIF.from_beta(beta, reset=reset)
        plan = init_network([300] * 5, neuron=neuron, input_rate=50.0, map_gain=False)
        kw = dict(neuron=neuron, input_rate=50.0, n_steps=STEPS, seed=1, batch=4, weight_dist="rows")
        within = backprop_network([300] * 5, plan.w_means, plan.w_stds, through_time=False, **kw)
        ratio = within.spike_gain / np.array([l.grad_gain for l in plan.layers])
        rows_w.append([beta, reset, *(f"{r:.2f}" for r in ratio)])
        bptt = backprop_network([300] * 5, plan.w_means, plan.w_stds, through_time=True, **kw)
        rows_t.append([beta, reset, *(f"{m:.2f} ({p:.2f})" for m, p in zip(bptt.temporal_factor,
                                                                            bptt.temporal_prediction)),
                       "inf" if beta == 1.0 else f"{1 / (1 - beta**2):.2f}"])
    rep.table(["beta", "reset", *(f"layer {i}" for i in range(1, 5))], rows_w)
    rep.note("Temporal factor T_l through time, measured (predicted from the layer's surrogate statistics), "
             "and 1/(1 - beta^2):")
    rep.table(["beta", "reset", *(f"layer {i}" for i in range(1, 5)), "1/(1-beta^2)"], rows_t)


def main():
    rep = Report("gradient", "Surrogate-gradient gain: depth model against numerical backpropagation")
    if QUICK:
        rep.note("--quick: 400 steps; a check of the script, not a result to quote.")
    single_layer(rep)
    deep_plans(rep)
    rep.write()


if __name__ == "__main__":
    main()
