"""Speed of snntheory.shotnoise.firing_rate per amplitude family, and the ratio to an exact
event-driven simulation that reaches 1 % relative precision on the rate.

Run: ``python benchmarks/bench_shotnoise.py`` (well under a minute). The printed table is also
written to ``benchmarks/results/shotnoise.md``.

The grid solver's cost is a dense LU (N of a few hundred); OpenBLAS's thread pool makes such small
solves many times slower on a busy machine, so the script limits BLAS to one thread (set
``OPENBLAS_NUM_THREADS`` yourself to override).

For each family the script prints the time per rate evaluation (best of several repeats,
``timeit.repeat``; the grid solver's memo is cleared before each call so every call solves), the
rate, a seeded simulation's rate +- standard error, and the simulation time scaled to a 1 %
standard error (the cost of a Monte Carlo estimate grows like 1/SE^2).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from _report import Report, best_time  # noqa: E402
from snntheory import shotnoise as sn  # noqa: E402
from snntheory.simulate import simulate_shot_noise  # noqa: E402

KW = dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002)
ARGS = (800.0, 0.1, 400.0, 0.1)


def main():
    rep = Report("shotnoise", "Shot-noise rate: snntheory.shotnoise.firing_rate against event-driven simulation")
    inp = sn.gaussian_weight_input(200, 10.0, 0.01, 0.06)
    families = [
        ("exponential (closed form)", ARGS, KW, "exponential"),
        ("fixed (grid)", ARGS, KW, "fixed"),
        ("gamma(2)/fixed (grid)", ARGS, KW, sn.Amplitudes(stats.gamma(2.0, scale=0.5), "fixed")),
        ("Gaussian weights N(0.01, 0.06^2), 200 x 10 Hz (grid)",
         (inp.rate_e, inp.a_e, inp.rate_i, inp.a_i), dict(tau_m=0.02, v_th=1.0, v_reset=0.0), inp.amplitude),
    ]
    rep.note(f"Neuron (first three families): {KW}; input (rate_e, a_e, rate_i, a_i) = {ARGS}. "
             "Simulation: `simulate.simulate_shot_noise`, 400 neurons x 4 s, seed 1. "
             "ratio = simulation time for a 1 % standard error / time per evaluation; ratio(1e-4) = the same "
             "for the theory's own accuracy (grid: < 2e-4 after extrapolation; closed form: 1e-10).")
    rows = []
    for name, args, kw, amp in families:
        t_eval = best_time(lambda: sn.firing_rate(*args, **kw, amplitude=amp), repeat=5,
                           setup=sn._grid_pair_cached.cache_clear)
        rate = sn.firing_rate(*args, **kw, amplitude=amp)
        t0 = time.perf_counter()
        run = simulate_shot_noise(*args, **kw, amplitude=amp, n_neurons=400, t_max=4.0, seed=1)
        t_sim = time.perf_counter() - t0
        rel_se = run.rate_stderr / run.rate
        t_sim_1pct = t_sim * (rel_se / 0.01) ** 2
        rows.append([name, f"{t_eval * 1e3:.2f}", f"{float(rate):.4f}", f"{run.rate:.4f} ± {run.rate_stderr:.4f}",
                     f"{float(rate) / run.rate - 1:+.2%}", f"{t_sim_1pct:.3f}", f"{t_sim_1pct / t_eval:.0f}x",
                     f"{t_sim_1pct * 1e4 / t_eval:.2e}x"])
    rep.table(["family", "t/eval (ms)", "rate (Hz)", "sim rate (Hz)", "theory/sim - 1", "sim t to 1 % (s)",
               "ratio", "ratio(1e-4)"], rows)
    # batch evaluation of F8 (vectorised call over 1000 parameter sets)
    rates = np.linspace(100.0, 3000.0, 1000)
    t_b = best_time(lambda: sn.firing_rate(rates, 0.05, 0.5 * rates, 0.05, **KW), repeat=3)
    rep.note(f"\nexponential (closed form), one call on a 1000-element array: {t_b * 1e3 / 1000:.3f} ms per element.")
    # error of the diffusion approximation (matched mean and variance) against the exact shot-noise rate
    rep.section("diffusion approximation against the exact rate (shotnoise.diffusion_error)")
    rep.note("Excitatory exponential jumps of mean a, v_th = 1, v_reset = 0, tau_m = 20 ms, no refractory time; "
             "the input rate sets the free mean mu = tau_m R a. Entries: diffusion rate / exact rate - 1.")
    mus = (0.6, 0.8, 1.0, 1.2, 1.5)
    rows = []
    for a in (0.1, 0.2):
        cmp = sn.diffusion_error(np.array(mus) / (0.02 * a), a, tau_m=0.02, v_th=1.0, v_reset=0.0)
        rows.append([f"{a:g}", *(f"{e:+.1%}" for e in np.asarray(cmp.relative_error))])
    rep.table(["mean jump a", *(f"mu = {m:g}" for m in mus)], rows)
    rep.write()


if __name__ == "__main__":
    main()
