"""Benchmark of snntheory.inverse.init_network: planning time and rate error against simulation.

Run on one core:  OMP_NUM_THREADS=1 python3 benchmarks/bench_init.py [--quick] [--grid]

1. Wall time of ``init_network`` for a 10-layer network (widths 200) for every method and
   baseline (target: < 1 s per method on one core).
2. Per-layer rate error against ``snntheory.simulate.network`` (10 layers, beta 0.95, zero
   reset, input 5 % per step): simulated / target for the planned methods, and simulated /
   predicted for the baselines (whose predicted rates collapse), printed as a table.
3. ``--grid``: the depth accuracy of the default plan (row-standardised weights, calibrated)
   over widths 100-1000, beta 0.8-1.0, both resets, input rates 1-30 % per step, 3 weight and
   input seeds each: worst |sim/target - 1| over layers, per seed, and the seed-averaged bias.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from snntheory import LIF  # noqa: E402
from snntheory.inverse import BASELINES, init_network  # noqa: E402

QUICK = "--quick" in sys.argv


def timing():
    print("== init_network wall time, 10 layers x 200, beta 0.95, input 50 Hz (dt 1 ms), one core ==")
    neuron = LIF.from_beta(0.95)
    plans = {}
    for method in ("discrete", "diffusion", *(("shotnoise",) if "--shot" in sys.argv else ()), *BASELINES):
        t = time.process_time()
        try:
            plans[method] = init_network([200] * 11, neuron=neuron, input_rate=50.0, method=method, w_std=None
                                         if method in ("discrete", "kaiming", "glorot", "pytorch", "fluctuation")
                                         else 0.07, map_gain=False)
            dt = time.process_time() - t
            print(f"{method:12s} {dt:7.2f} s CPU")
        except Exception as e:  # report, keep going
            print(f"{method:12s} failed: {e}")
    return plans


def errors(plans, n_steps=3000, seeds=(0, 1, 2)):
    print(f"\n== per-layer rate vs simulate.network ({n_steps} steps, seeds {seeds}); "
          "planned methods: sim/target, baselines: sim Hz (predicted Hz) ==")
    for method, plan in plans.items():
        sims = np.array([plan.simulate(n_steps=n_steps, seed=s).rates[1:] for s in seeds])
        if method in BASELINES:
            row = "  ".join(f"{m:6.2f}({p:6.2f})" for m, p in zip(sims.mean(0), plan.rates))
        else:
            row = "  ".join(f"{x:5.3f}" for x in sims.mean(0) / plan.rates)
        print(f"{method:12s} {row}")


#: the issue's grid: widths 100-1000, beta 0.8-1.0, both resets, input 1-30 % per step
CONFIGS = [(100, 0.95, "zero", 0.05), (100, 0.8, "subtract", 0.3), (200, 0.9, "zero", 0.01),
           (200, 1.0, "subtract", 0.05), (300, 1.0, "zero", 0.05), (300, 0.95, "subtract", 0.1),
           (1000, 0.95, "zero", 0.05), (1000, 0.8, "zero", 0.01), (500, 0.9, "subtract", 0.3),
           (100, 1.0, "zero", 0.3), (100, 0.8, "zero", 0.01), (1000, 1.0, "subtract", 0.01)]


def grid(seeds=(0, 1, 2)):
    print("\n== default plan (method='discrete', w_std=None) over the stated configurations ==")
    print("   recorded steps max(2000, 100 / p_in) (simulation sampling error ~1-2 % per layer), burn-in 300")
    print("   (10000 for beta = 1, whose start-up transient lasts thousands of steps at low rates)")
    print("width beta reset    p_in  plan CPU s  worst|err| per seed      seed-mean per layer")
    for n, beta, reset, p in (CONFIGS[:3] if QUICK else CONFIGS):
        neuron = LIF.from_beta(beta, reset=reset)
        t = time.process_time()
        plan = init_network([n] * 11, neuron=neuron, input_rate=p / neuron.dt, map_gain=False)
        tp = time.process_time() - t
        n_steps, burn_in = max(2000, int(100 / p)), (300 if beta < 1.0 else 10000)
        sims = np.array([plan.simulate(n_steps=n_steps, seed=s, burn_in=burn_in).rates[1:] for s in seeds]) / plan.rates
        worst = np.abs(sims - 1).max(axis=1)
        print(f"{n:5d} {beta:4.2f} {reset:8s} {p:5.2f} {tp:10.2f}  {' '.join(f'{w:5.3f}' for w in worst)}   "
              f"{' '.join(f'{x:4.2f}' for x in sims.mean(0))}", flush=True)


if __name__ == "__main__":
    if "--grid" in sys.argv:
        grid()
    plans = timing()
    errors(plans, n_steps=1000 if QUICK else 3000)
