"""Benchmark of snntheory.discrete: time per evaluation, and the cost of a simulation that reaches
the same precision.

For each case: the time of one scalar ``firing_probability`` call (median of repeats, one core:
BLAS limited to one thread), and a vectorised simulation of the same chain
(``snntheory.simulate.simulate_chain``) whose relative standard error ``r`` after time ``t`` gives
the time to reach a relative precision ``e`` as ``t (r/e)^2`` (standard error ~ 1/sqrt(samples)).
Printed: the ratio of that time to the theory's time for e = 1e-3 (target >= 100) and for the
theory's own precision e = 1e-6. Also: the binomial-mixture increments against their Gaussian
moment match, and the Siegert rate (raw and dt-corrected) against the exact chain.

    python benchmarks/bench_discrete.py [--json benchmarks/results/bench_discrete.json]

``--json PATH`` also writes the measured numbers to PATH (the committed copy is read by
``figures/fig_speed.py``).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from snntheory.discrete import firing_probability, siegert_comparison  # noqa: E402
from snntheory.neuron import increment_distribution  # noqa: E402
from snntheory.simulate import simulate_chain  # noqa: E402

CASES = [  # m, s, beta, reset
    (0.03, 0.15, 0.95, "zero"),
    (0.03, 0.15, 0.95, "subtract"),
    (0.0, 0.25, 0.9, "zero"),
    (0.1, 0.3, 0.5, "subtract"),
    (0.004, 0.05, 0.995, "zero"),
    (0.004, 0.05, 0.995, "subtract"),
    (0.02, 0.01, 0.995, "zero"),
]


def timed(f, repeats=7):
    f()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return out, float(np.median(ts))


def main(json_path=None):
    res = {"benchmark": "bench_discrete", "date": time.strftime("%Y-%m-%d"), "python": sys.version.split()[0],
           "sim_neurons": 4000, "sim_steps": 4000, "sim_seed": 1, "cases": [], "mixture": [], "siegert": []}
    print("one core (OPENBLAS_NUM_THREADS=1)\n")
    print(f"{'m':>6} {'s':>5} {'beta':>6} {'reset':>8} | {'rate':>10} {'t_theory':>9} | {'sim rel.se':>10} "
          f"{'t_sim':>7} | {'x faster @1e-3':>14} {'x faster @1e-6':>14}")
    for m, s, beta, reset in CASES:
        p, t_th = timed(lambda: firing_probability(m, s, beta=beta, reset=reset))
        t = time.perf_counter()
        run = simulate_chain(m, s, beta=beta, reset=reset, n_neurons=4000, n_steps=4000, seed=1)
        t_sim = time.perf_counter() - t
        rse = run.rate_stderr / run.rate
        need = lambda e: t_sim * (rse / e) ** 2  # noqa: E731
        print(f"{m:6.3f} {s:5.2f} {beta:6.3f} {reset:>8} | {p:10.6f} {t_th * 1e3:7.2f}ms | {rse:10.2e} "
              f"{t_sim:6.2f}s | {need(1e-3) / t_th:14.3g} {need(1e-6) / t_th:14.3g}")
        res["cases"].append(dict(m=m, s=s, beta=beta, reset=reset, rate=float(p), t_theory_s=t_th,
                                 sim_rate=run.rate, sim_rate_stderr=run.rate_stderr, t_sim_s=t_sim,
                                 speedup_1e3=need(1e-3) / t_th, speedup_1e6=need(1e-6) / t_th))

    print("\nbinomial-mixture increments vs their Gaussian moment match (beta = 0.9, zero reset)")
    print(f"{'n_in':>5} {'p_in':>5} {'w_mean':>7} {'w_std':>6} | {'mixture':>10} {'gaussian':>10} {'diff':>8} "
          f"{'t_mix':>8}")
    for n_in, p_in, w_mean, w_std in [(100, 0.05, 0.0, 0.1), (100, 0.05, 0.02, 0.1), (50, 0.02, 0.05, 0.15),
                                      (20, 0.1, 0.12, 0.1), (1000, 0.05, 0.0, 0.03)]:
        inc = increment_distribution(n_in, p_in, w_mean, w_std)
        pm, tm = timed(lambda: firing_probability(0, 0, beta=0.9, increments=inc), repeats=3)
        pg = firing_probability(inc.mean, np.sqrt(inc.var), beta=0.9)
        print(f"{n_in:5d} {p_in:5.2f} {w_mean:7.3f} {w_std:6.3f} | {pm:10.6f} {pg:10.6f} {pg / pm - 1:+8.2%} "
              f"{tm * 1e3:6.1f}ms")
        res["mixture"].append(dict(n_in=n_in, p_in=p_in, w_mean=w_mean, w_std=w_std, mixture=float(pm),
                                   gaussian=float(pg), t_mixture_s=tm))

    print("\nSiegert (diffusion) rate against the exact chain (zero reset, per step)")
    print(f"{'m':>6} {'s':>5} {'beta':>6} | {'exact':>10} {'siegert':>10} {'err':>8} {'siegert_dt':>10} {'err_dt':>8}")
    for m, s, beta in [(0.03, 0.15, 0.95), (0.0, 0.25, 0.95), (0.05, 0.2, 0.9), (0.008, 0.05, 0.99),
                       (0.1, 0.1, 0.9), (0.004, 0.05, 0.995)]:
        c = siegert_comparison(m, s, beta=beta)
        print(f"{m:6.3f} {s:5.2f} {beta:6.3f} | {c.exact:10.6f} {c.siegert:10.6f} {c.rel_error:+8.2%} "
              f"{c.siegert_dt:10.6f} {c.rel_error_dt:+8.2%}")
        res["siegert"].append(dict(m=m, s=s, beta=beta, exact=float(c.exact), siegert=float(c.siegert),
                                   siegert_dt=float(c.siegert_dt)))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Benchmark of snntheory.discrete")
    ap.add_argument("--json", metavar="PATH", help="also write the measured numbers to PATH")
    main(ap.parse_args().json)
