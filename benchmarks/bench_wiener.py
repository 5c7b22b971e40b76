"""Speed and accuracy of snntheory.wiener and simulate.network (prints ratios).

Run: ``python3 benchmarks/bench_wiener.py``. Timings are wall-clock medians of a few repeats.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.stats

from snntheory import LIF, wiener
from snntheory.simulate import network


def _time(fn, repeat=3):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return float(np.median(out))


def bench_fpt():
    rng = np.random.default_rng(0)
    n = 200_000
    t = 10 ** rng.uniform(-3, 6, n)
    v = 10 ** rng.uniform(-2, 1, n)
    s = 10 ** rng.uniform(-1, 0.5, n)
    ours = _time(lambda: wiener.log_fpt_sf(t, v, s, distance=1.0))
    law = scipy.stats.invgauss(mu=s**2 / v, scale=1 / s**2)
    with np.errstate(all="ignore"):
        theirs = _time(lambda: law.logsf(t))
        bad = int(np.sum(~np.isfinite(law.logsf(t))))
    print(f"log_fpt_sf: {n / ours:.3g} evals/s; scipy invgauss.logsf {n / theirs:.3g} evals/s "
          f"(ratio ours/scipy time {ours / theirs:.2f}); scipy non-finite on {bad} of {n}, ours on "
          f"{int(np.sum(~np.isfinite(wiener.log_fpt_sf(t, v, s, distance=1.0))))}")


def bench_spike_count():
    for n_steps, s, lower in ((1000, 0.1, None), (10_000, 0.03, None), (10_000, 0.1, 0.0)):
        ex = _time(lambda: wiener.spike_count(n_steps, step_mean=0.0, step_std=s, v_lower=lower), repeat=1)
        line = f"spike_count n={n_steps} s={s} v_lower={lower}: exact {ex:.3f} s"
        if lower is None:
            fast = _time(lambda: wiener.spike_count(n_steps, step_mean=0.0, step_std=s, method="renewal"))
            a = float(wiener.spike_count(n_steps, step_mean=0.0, step_std=s))
            b = float(wiener.spike_count(n_steps, step_mean=0.0, step_std=s, method="renewal"))
            line += f", renewal {fast * 1e3:.2f} ms (speed-up {ex / fast:.0f}x, rel. diff {b / a - 1:+.2e})"
        print(line)
    fp = _time(lambda: wiener.firing_probability(step_mean=0.0, step_std=0.03, v_lower=-1.0))
    print(f"firing_probability s=0.03 v_lower=-1 (lattice stationary solve): {fp:.3f} s")


def bench_network():
    nrn = LIF.from_beta(1.0)
    for width, batch in ((200, 1), (1000, 1), (1000, 8)):
        depth, steps = 10, 1000
        el = _time(lambda: network([width] * (depth + 1), 0.0, math.sqrt(2 / width), neuron=nrn, input_rate=50.0,
                                   n_steps=steps, batch=batch), repeat=1)
        rate = depth * steps * batch * width / el
        print(f"network width={width} depth={depth} steps={steps} batch={batch}: {el:.2f} s, "
              f"{rate:.3g} neuron-steps/s")
    # gather vs dense matmul for sparse spikes (the choice made inside network)
    w = np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32)
    spikes = np.random.default_rng(1).random((1, 1000)) < 0.05
    dense = _time(lambda: [spikes.astype(np.float32) @ w for _ in range(500)])
    gather = _time(lambda: [w[np.flatnonzero(spikes[0])].sum(0, dtype=np.float64) for _ in range(500)])
    print(f"drive of a 1000x1000 layer at p=0.05: gather is {dense / gather:.1f}x faster than float32 matmul")
    t0 = time.perf_counter()
    pred = wiener.layer_rates([200] * 11, 0.0, math.sqrt(2 / 200), p_in=0.05, n_steps=1000)
    el = time.perf_counter() - t0
    print(f"layer_rates 10 layers (renewal nodes): {el:.3f} s; rates {np.round(pred.rates, 4)}")


if __name__ == "__main__":
    bench_fpt()
    bench_spike_count()
    bench_network()
