"""Benchmark of snntheory.discrete: time per evaluation, and the cost of a simulation that reaches
the same precision.

For each case: the time of one scalar ``firing_probability`` call (best of repeats,
``timeit.repeat``; one core: BLAS limited to one thread), and a vectorised simulation of the same chain
(``snntheory.simulate.simulate_chain``) whose relative standard error ``r`` after time ``t`` gives
the time to reach a relative precision ``e`` as ``t (r/e)^2`` (standard error ~ 1/sqrt(samples)).
Printed: the ratio of that time to the theory's time for e = 1e-3 (target >= 100) and for the
theory's own precision e = 1e-6. Also: the binomial-mixture increments against their Gaussian
moment match, and the Siegert rate (raw and dt-corrected) against the exact chain.

    python benchmarks/bench_discrete.py [--json benchmarks/results/bench_discrete.json]

The printed tables are also written to ``benchmarks/results/discrete.md``. ``--json PATH`` also
writes the measured numbers to PATH (the committed copy is read by ``figures/fig_speed.py``).
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

from _report import Report, best_time  # noqa: E402
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
    """(result, best time of ``repeats`` calls) after one warm-up call."""
    out = f()
    return out, best_time(f, repeat=repeats)


def main(json_path=None):
    res = {"benchmark": "bench_discrete", "date": time.strftime("%Y-%m-%d"), "python": sys.version.split()[0],
           "sim_neurons": 4000, "sim_steps": 4000, "sim_seed": 1, "cases": [], "mixture": [], "siegert": []}
    rep = Report("discrete", "Exact discrete-time rate: snntheory.discrete.firing_probability against simulation")
    rep.section("exact chain against a simulation of the same step map")
    rep.note("Simulation: `simulate.simulate_chain`, 4000 neurons x 4000 steps, seed 1; the time to reach a "
             "relative standard error e is t_sim (rel. SE / e)^2. 'x faster @e' = that time / t_theory.")
    rows = []
    for m, s, beta, reset in CASES:
        p, t_th = timed(lambda: firing_probability(m, s, beta=beta, reset=reset))
        t = time.perf_counter()
        run = simulate_chain(m, s, beta=beta, reset=reset, n_neurons=4000, n_steps=4000, seed=1)
        t_sim = time.perf_counter() - t
        rse = run.rate_stderr / run.rate
        need = lambda e: t_sim * (rse / e) ** 2  # noqa: E731
        rows.append([f"{m:.3f}", f"{s:.2f}", f"{beta:.3f}", reset, f"{p:.6f}", f"{t_th * 1e3:.2f}",
                     f"{run.rate:.6f} ± {run.rate_stderr:.6f}", f"{p / run.rate - 1:+.2%}", f"{t_sim:.2f}",
                     f"{need(1e-3):.3g}", f"{need(1e-3) / t_th:.3g}", f"{need(1e-6) / t_th:.3g}"])
        res["cases"].append(dict(m=m, s=s, beta=beta, reset=reset, rate=float(p), t_theory_s=t_th,
                                 sim_rate=run.rate, sim_rate_stderr=run.rate_stderr, t_sim_s=t_sim,
                                 speedup_1e3=need(1e-3) / t_th, speedup_1e6=need(1e-6) / t_th))
    rep.table(["m", "s", "beta", "reset", "rate (per step)", "t_theory (ms)", "sim rate ± SE", "theory/sim - 1",
               "t_sim (s)", "sim t to 1e-3 (s)", "x faster @1e-3", "x faster @1e-6"], rows)

    rep.section("binomial-mixture increments against their Gaussian moment match (beta = 0.9, zero reset)")
    rows = []
    for n_in, p_in, w_mean, w_std in [(100, 0.05, 0.0, 0.1), (100, 0.05, 0.02, 0.1), (50, 0.02, 0.05, 0.15),
                                      (20, 0.1, 0.12, 0.1), (1000, 0.05, 0.0, 0.03)]:
        inc = increment_distribution(n_in, p_in, w_mean, w_std)
        pm, tm = timed(lambda: firing_probability(0, 0, beta=0.9, increments=inc), repeats=3)
        pg = firing_probability(inc.mean, np.sqrt(inc.var), beta=0.9)
        rows.append([n_in, f"{p_in:.2f}", f"{w_mean:.3f}", f"{w_std:.3f}", f"{pm:.6f}", f"{pg:.6f}",
                     f"{pg / pm - 1:+.2%}", f"{tm * 1e3:.1f}"])
        res["mixture"].append(dict(n_in=n_in, p_in=p_in, w_mean=w_mean, w_std=w_std, mixture=float(pm),
                                   gaussian=float(pg), t_mixture_s=tm))
    rep.table(["n_in", "p_in", "w_mean", "w_std", "mixture", "gaussian", "gaussian/mixture - 1", "t_mixture (ms)"],
              rows)

    rep.section("Siegert (diffusion) rate against the exact chain (zero reset, per step)")
    rows = []
    for m, s, beta in [(0.03, 0.15, 0.95), (0.0, 0.25, 0.95), (0.05, 0.2, 0.9), (0.008, 0.05, 0.99),
                       (0.1, 0.1, 0.9), (0.004, 0.05, 0.995)]:
        c = siegert_comparison(m, s, beta=beta)
        rows.append([f"{m:.3f}", f"{s:.2f}", f"{beta:.3f}", f"{c.exact:.6f}", f"{c.siegert:.6f}",
                     f"{c.rel_error:+.2%}", f"{c.siegert_dt:.6f}", f"{c.rel_error_dt:+.2%}"])
        res["siegert"].append(dict(m=m, s=s, beta=beta, exact=float(c.exact), siegert=float(c.siegert),
                                   siegert_dt=float(c.siegert_dt)))
    rep.table(["m", "s", "beta", "exact", "siegert", "error", "siegert_dt", "error_dt"], rows)
    rep.write()
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Benchmark of snntheory.discrete")
    ap.add_argument("--json", metavar="PATH", help="also write the measured numbers to PATH")
    main(ap.parse_args().json)
