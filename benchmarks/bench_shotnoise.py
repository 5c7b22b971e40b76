"""Speed of snntheory.shotnoise.firing_rate per amplitude family, and the ratio to an exact
event-driven simulation that reaches 1 % relative precision on the rate.

Run: ``python benchmarks/bench_shotnoise.py`` (a few minutes: the FPT-density section times the
embedded-chain route on a 1 % grid, ~100 s). The printed table is also
written to ``benchmarks/results/shotnoise.md``.

The grid solver's cost is a dense LU (N of a few hundred); OpenBLAS's thread pool makes such small
solves many times slower on a busy machine, so the script limits BLAS to one thread (set
``OPENBLAS_NUM_THREADS`` yourself to override).

For each family the script prints the time per rate evaluation (best of several repeats,
``timeit.repeat``; the grid solver's memo is cleared before each call so every call solves), the
rate, a seeded simulation's rate +- standard error, and the simulation time scaled to a 1 %
standard error (the cost of a Monte Carlo estimate grows like 1/SE^2).

The FPT-density section (``shotnoise.fpt_density``) gives, per case, the time of one call on 200
times, the largest error against 30-digit mpmath (Talbot inversion of mpmath's Kummer-function
transform; E only) or against the embedded-chain route, and the largest |z| of 15 quantile-bin
probabilities against a seeded first-passage simulation. NNMT has no shot-noise first-passage
functions (its LIF rates are diffusion ones), so there is no NNMT column here.
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
from snntheory.simulate import simulate_first_passage, simulate_shot_noise  # noqa: E402

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
    fpt_density_section(rep)
    rep.write()


def _mp_kummer_density(t, re, ae, v0, tau=0.02, th=1.0):
    import mpmath as mp
    with mp.workdps(30):
        rho, a = mp.mpf(re) * tau, mp.mpf(ae)

        def f(p):
            s = p * tau
            return rho / (s + rho) * mp.hyp1f1(s, s + rho + 1, v0 / a) / mp.hyp1f1(s, s + rho, th / a)
        return float(mp.invertlaplace(f, t, method="talbot"))


def _sim_z(case, n=20000, seed=7):
    """Largest |z| of the simulated probabilities of 15 quantile bins against the density."""
    re, ae, ri, ai, v0, amp = case
    run = simulate_first_passage(re, ae, ri, ai, v_start=v0, amplitude=amp, n_neurons=n, t_max=50.0, seed=seed,
                                 tau_m=0.02, v_th=1.0)
    times = run.times
    edges = np.quantile(times, np.linspace(0.0, 0.98, 16))
    edges[0] = 0.0
    t = np.concatenate([np.linspace(lo, hi, 41) for lo, hi in zip(edges[:-1], edges[1:])])
    g = sn.fpt_density(t, re, ae, ri, ai, v_start=v0, amplitude=amp, tau_m=0.02, v_th=1.0).reshape(-1, 41)
    prob = np.array([np.trapezoid(gi, np.linspace(lo, hi, 41)) for gi, lo, hi in zip(g, edges[:-1], edges[1:])])
    counts = np.histogram(times, edges)[0]
    return float(np.max(np.abs(counts / times.size - prob) / np.sqrt(prob * (1 - prob) / times.size)))


def fpt_density_section(rep):
    rep.section("FPT density (shotnoise.fpt_density): exact transform, chain route, simulation")
    rep.note("tau_m = 20 ms, v_th = 1, e_l = 0; case = (rate_e, a_e, rate_i, a_i, v_start, amplitudes). "
             "route: 'exact' = Kummer-function series of the transform (exponential amplitudes), 'chain' = "
             "embedded-chain transform (fixed amplitudes; the fallback with strong inhibition). t/call: one call "
             "on 200 times in (0, mean + 8 SD], best of 3 (chain: 1 run). error / peak: largest |difference| "
             "relative to the peak density, against 30-digit mpmath Talbot inversion of mpmath's hyp1f1 "
             "transform at 12 times (E only) or against the chain route at 12 times (E+I). sim |z|max: 20000 "
             "simulated passages, seed 7, 15 quantile bins (4 is the test's bound; '-': not run, the chain "
             "inversion is too slow to repeat).")
    cases = [
        ((500.0, 0.1, 0.0, 0.0, 0.0, "exponential"), "mpmath"),
        ((4500.0, 0.01, 0.0, 0.0, 0.0, "exponential"), "mpmath"),
        ((100.0, 0.5, 0.0, 0.0, -0.3, "exponential"), "mpmath"),
        ((800.0, 0.1, 300.0, 0.1, 0.0, "exponential"), "chain"),
        ((5000.0, 0.01, 500.0, 0.01, 0.0, "exponential"), None),
        ((2000.0, 0.1, 1000.0, 0.2, 0.0, "exponential"), "nosim"),
        ((2000.0, 0.45, 0.0, 0.0, 0.3, "fixed"), None),
        ((800.0, 0.1, 300.0, 0.1, 0.0, "fixed"), None),
        ((4500.0, 0.01, 0.0, 0.0, 0.0, "fixed"), None),
    ]
    rows = []
    for case, ref in cases:
        re, ae, ri, ai, v0, amp = case
        kw = dict(v_start=v0, amplitude=amp, tau_m=0.02, v_th=1.0)
        m = sn.isi_moments(re, ae, ri, ai, v_reset=v0, amplitude=amp, tau_m=0.02, v_th=1.0)
        t = np.linspace(1e-4, float(m.mean + 8 * np.sqrt(m.variance)), 200)
        route = "chain"
        if amp == "exponential":
            try:
                sn._fpt_density_exponential(t, re, ae, ri, ai, 0.02, 1.0, v0, 0.0)
                route = "exact"
            except sn._NoExactTransform:
                pass
        if route == "exact":
            t_call = best_time(lambda: sn.fpt_density(t, re, ae, ri, ai, **kw), repeat=3)
            g = sn.fpt_density(t, re, ae, ri, ai, **kw)
        else:
            t0 = time.perf_counter()
            g = sn.fpt_density(t, re, ae, ri, ai, **kw)
            t_call = time.perf_counter() - t0
        peak = float(g.max())
        err = "-"
        if ref == "mpmath":
            tr = t[::17][:12]
            gr = np.array([_mp_kummer_density(tk, re, ae, v0) for tk in tr])
            err = f"{np.max(np.abs(g[::17][:12] - gr)) / peak:.1e} (mpmath)"
        elif ref == "chain":
            tr = t[::17][:12]
            gc = sn._fpt_density_scalar(tr, re, ae, ri, ai, 0.02, 1.0, v0, 0.0, sn._as_amplitudes(amp), exact=False)
            err = f"{np.max(np.abs(g[::17][:12] - gc)) / peak:.1e} (chain)"
        z = "-" if ref == "nosim" else f"{_sim_z(case):.2f}"
        rows.append([str(case[:5]), amp, route, f"{t_call:.3f}", err, z])
        print(rows[-1], flush=True)
    rep.table(["case", "amplitudes", "route", "t/call (s)", "error / peak", "sim |z|max"], rows)


if __name__ == "__main__":
    main()
