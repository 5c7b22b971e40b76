"""Speed and accuracy of snntheory.wiener and simulate.network (prints ratios).

Run: ``python benchmarks/bench_wiener.py``. Times are the best of a few repeats
(``timeit.repeat``; single runs where a column says so). The printed tables are also written to
``benchmarks/results/wiener.md``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.stats

from _report import Report, best_time
from snntheory import LIF, wiener
from snntheory.simulate import network


def bench_fpt(rep):
    rep.section("log survival of the first-passage time: wiener.log_fpt_sf against scipy.stats.invgauss.logsf")
    rng = np.random.default_rng(0)
    n = 200_000
    t = 10 ** rng.uniform(-3, 6, n)
    v = 10 ** rng.uniform(-2, 1, n)
    s = 10 ** rng.uniform(-1, 0.5, n)
    ours = best_time(lambda: wiener.log_fpt_sf(t, v, s, distance=1.0), repeat=3)
    law = scipy.stats.invgauss(mu=s**2 / v, scale=1 / s**2)
    with np.errstate(all="ignore"):
        theirs = best_time(lambda: law.logsf(t), repeat=3)
        bad = int(np.sum(~np.isfinite(law.logsf(t))))
    ours_bad = int(np.sum(~np.isfinite(wiener.log_fpt_sf(t, v, s, distance=1.0))))
    rep.note(f"{n:,} random points: t in 1e-3..1e6, drift in 1e-2..10, noise in 0.1..3.2, distance 1.")
    rep.table(["tool", "evaluations/s", "non-finite", "time ratio snntheory/scipy"],
              [["snntheory", f"{n / ours:.3g}", f"{ours_bad} of {n:,}", f"{ours / theirs:.2f}"],
               [f"scipy {scipy.__version__}", f"{n / theirs:.3g}", f"{bad} of {n:,}", "1"]])


def bench_spike_count(rep):
    rep.section("spike_count: exact lattice solution against the renewal approximation (step_mean 0)")
    rows = []
    for n_steps, s, lower in ((1000, 0.1, None), (10_000, 0.03, None), (10_000, 0.1, 0.0)):
        ex = best_time(lambda: wiener.spike_count(n_steps, 0.0, s, v_lower=lower), repeat=1)
        row = [n_steps, s, lower, f"{ex:.3f}"]
        if lower is None:
            fast = best_time(lambda: wiener.spike_count(n_steps, 0.0, s, method="renewal"),
                             repeat=3)
            a = float(wiener.spike_count(n_steps, 0.0, s))
            b = float(wiener.spike_count(n_steps, 0.0, s, method="renewal"))
            row += [f"{fast * 1e3:.2f}", f"{ex / fast:.0f}x", f"{b / a - 1:+.2e}"]
        else:
            row += ["—", "—", "—"]
        rows.append(row)
    rep.table(["n_steps", "step_std", "v_lower", "exact (s, one run)", "renewal (ms)", "speed-up",
               "renewal/exact - 1"], rows)
    fp = best_time(lambda: wiener.firing_probability(0.0, 0.03, v_lower=-1.0), repeat=3)
    rep.note(f"firing_probability, step_std 0.03, v_lower -1 (lattice stationary solve): {fp:.3f} s.")


def bench_network(rep):
    rep.section("simulate.network throughput (perfect integrator, 10 layers, 1000 steps, input 50 Hz; one run each)")
    nrn = LIF.from_beta(1.0)
    rows = []
    for width, batch in ((200, 1), (1000, 1), (1000, 8)):
        depth, steps = 10, 1000
        el = best_time(lambda: network([width] * (depth + 1), 0.0, math.sqrt(2 / width), neuron=nrn,
                                       input_rate=50.0, n_steps=steps, batch=batch), repeat=1)
        rows.append([width, batch, f"{el:.2f}", f"{depth * steps * batch * width / el:.3g}"])
    rep.table(["width", "batch", "time (s)", "neuron-steps/s"], rows)
    # gather vs dense matmul for sparse spikes (the choice made inside network)
    w = np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32)
    spikes = np.random.default_rng(1).random((1, 1000)) < 0.05
    dense = best_time(lambda: spikes.astype(np.float32) @ w, repeat=3, number=500)
    gather = best_time(lambda: w[np.flatnonzero(spikes[0])].sum(0, dtype=np.float64), repeat=3, number=500)
    rep.note(f"Drive of a 1000 x 1000 layer at 5 % spikes per step: gather {gather * 1e6:.0f} µs, float32 matmul "
             f"{dense * 1e6:.0f} µs ({dense / gather:.1f}x; the choice made inside `network`).")
    el = best_time(lambda: wiener.layer_rates([200] * 11, 0.0, math.sqrt(2 / 200), p_in=0.05, n_steps=1000),
                   repeat=1)
    pred = wiener.layer_rates([200] * 11, 0.0, math.sqrt(2 / 200), p_in=0.05, n_steps=1000)
    rep.note(f"wiener.layer_rates, 10 layers (renewal nodes): {el:.3f} s; rates "
             f"{', '.join(f'{r:.4f}' for r in np.asarray(pred.rates))}.")


if __name__ == "__main__":
    report = Report("wiener", "Perfect integrator: snntheory.wiener against scipy and simulate.network")
    bench_fpt(report)
    bench_spike_count(report)
    bench_network(report)
    report.write()
