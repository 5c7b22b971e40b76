"""Speed of snntheory.shotnoise.firing_rate per amplitude family, and the ratio to an exact
event-driven simulation that reaches 1 % relative precision on the rate.

Run: python3 benchmarks/bench_shotnoise.py  (about 15 s)

The grid solver's cost is a dense LU (N of a few hundred); on a busy machine OpenBLAS's thread
pool makes such small solves ~25x slower, so run with OPENBLAS_NUM_THREADS=1 (measured on the
shared 2-core box: fixed 12 ms, gamma 30 ms, Gaussian weights 91 ms per rate; 330/390/550 ms
with the default thread pool).

For each family the script prints the time per rate evaluation (best of several repeats; the
grid solver's memo is cleared before each call so every call solves), the rate, a seeded
simulation's rate +- standard error, and the simulation time scaled to a 1 % standard error
(the cost of a Monte Carlo estimate grows like 1/SE^2).
"""

from __future__ import annotations

import time

from scipy import stats

from snntheory import shotnoise as sn
from snntheory.simulate import simulate_shot_noise

KW = dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002)
ARGS = (800.0, 0.1, 400.0, 0.1)


def time_call(fn, repeats=5):
    best = float("inf")
    out = None
    for _ in range(repeats):
        sn._grid_pair_cached.cache_clear()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    inp = sn.gaussian_weight_input(200, 10.0, 0.01, 0.06)
    families = [
        ("exponential (F8)", ARGS, KW, "exponential"),
        ("fixed (grid)", ARGS, KW, "fixed"),
        ("gamma(2)/fixed (grid)", ARGS, KW, sn.Amplitudes(stats.gamma(2.0, scale=0.5), "fixed")),
        ("Gaussian weights N(0.01, 0.06^2), 200 x 10 Hz (grid)",
         (inp.rate_e, inp.a_e, inp.rate_i, inp.a_i), dict(tau_m=0.02, v_th=1.0, v_reset=0.0), inp.amplitude),
    ]
    print("ratio = simulation time for a 1 % standard error / time per evaluation; ratio(1e-4) = the same for")
    print("the theory's own accuracy (grid: < 2e-4 after extrapolation; F8: 1e-10)")
    print(f"{'family':52s} {'t/eval':>10s} {'rate':>10s} {'sim rate':>17s} {'sim t(1%)':>10s} {'ratio':>9s} "
          f"{'ratio(1e-4)':>12s}")
    for name, args, kw, amp in families:
        t_eval, rate = time_call(lambda: sn.firing_rate(*args, **kw, amplitude=amp))
        n_neurons, t_max = 400, 4.0
        t0 = time.perf_counter()
        run = simulate_shot_noise(*args, **kw, amplitude=amp, n_neurons=n_neurons, t_max=t_max, seed=1)
        t_sim = time.perf_counter() - t0
        rel_se = run.rate_stderr / run.rate
        t_sim_1pct = t_sim * (rel_se / 0.01) ** 2
        print(f"{name:52s} {t_eval * 1e3:8.2f}ms {float(rate):10.4f} {run.rate:9.4f}+-{run.rate_stderr:6.4f} "
              f"{t_sim_1pct:9.3f}s {t_sim_1pct / t_eval:9.0f} {t_sim_1pct * 1e4 / t_eval:12.2e}")
    # batch evaluation of F8 (vectorised call over 1000 parameter sets)
    import numpy as np

    rates = np.linspace(100.0, 3000.0, 1000)
    t0 = time.perf_counter()
    sn.firing_rate(rates, 0.05, 0.5 * rates, 0.05, **KW)
    print(f"exponential (F8), 1000-element array: {(time.perf_counter() - t0) * 1e3 / 1000:.3f} ms per element")


if __name__ == "__main__":
    main()
