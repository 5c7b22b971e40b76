"""The fast route of ``network.predict_network`` / ``network.phase_diagram`` against the exact
routes, and its cost. Prints the tables and writes ``benchmarks/results/phase.md``.

Run: ``nice python benchmarks/bench_phase.py [--quick]`` (about 4 min on one core).

1. Correlation closure vs the exact two-replica chain (``correlation_map``), one layer of width
   200 at the weights of ``inverse.init_network`` (i.i.d. Gaussian, 100 Hz in and out, no
   calibration): beta 0.8 / 0.9 / 1, both resets, input drive correlation 0.5, 0.9, 0.98, and
   chi_c = (1 - f(0.98)) / 0.02.
2. Full (BPTT) gradient gain per layer: short-memory closure vs ``bptt_gain`` (chain-exact path
   sums), 5 layers of width 128, Kaiming weights, 150 Hz input, both resets.
3. Cost: a 40 x 40 grid of (w_mean, w_std) for a 10-layer net of width 128 (CPU time of this
   process, one BLAS thread: the machine may be shared, CPU time is what one core spends).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from _report import Report  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory import network as N  # noqa: E402
from snntheory.inverse import init_network  # noqa: E402

QUICK = "--quick" in sys.argv
RHOS = (0.5, 0.9, 0.98)


def correlation(rep):
    rep.section("correlation closure vs the exact two-replica chain (one layer, n = 200, 100 Hz)")
    rows, worst, worst_chi = [], 0.0, 0.0
    for beta in ((0.9,) if QUICK else (0.8, 0.9, 1.0)):
        for reset in ("zero", "subtract"):
            nrn = LIF.from_beta(beta, reset=reset)
            plan = init_network([200, 200], neuron=nrn, input_rate=100.0, target_rate=100.0, weight_dist="normal",
                                calibrate=False, map_gain=False)
            wm, ws = float(plan.w_means[0]), float(plan.w_stds[0])
            t0 = time.process_time()
            ex = N.correlation_map(RHOS, neuron=nrn, n_in=200, input_rate=100.0, w_mean=wm, w_std=ws).rho_out
            t_ex = time.process_time() - t0
            p0 = 0.1
            a = lambda x: np.array([x])  # noqa: E731
            t0 = time.process_time()
            cp = nrn.chain_params()
            lay = N._fast_layer(cp, nrn.gain, 200, a(p0), a(p0 * p0), a(p0 * (1 - p0)), a(p0 * p0), a(wm), a(ws),
                                "fast_sigmoid", 0.04, True, 1e-4)
            fa = np.array([N._closure_map(lay, r, cp)[0] for r in RHOS])
            t_fa = time.process_time() - t0
            d = fa - ex
            worst = max(worst, float(np.max(np.abs(d))))
            chi_e, chi_f = (1 - ex[-1]) / 0.02, (1 - fa[-1]) / 0.02
            worst_chi = max(worst_chi, abs(chi_f / chi_e - 1))
            rows.append([beta, reset, f"{wm:.4f}", f"{ws:.4f}", *(f"{e:.3f} / {f:.3f}" for e, f in zip(ex, fa)),
                         f"{chi_e:.1f} / {chi_f:.1f}", f"{t_ex:.1f}", f"{t_fa:.3f}"])
    rep.table(["beta", "reset", "w_mean", "w_std", *(f"rho_out({r}): exact / closure" for r in RHOS),
               "chi_c: exact / closure", "exact CPU s", "closure CPU s"], rows)
    rep.note(f"Largest |closure - exact| in rho_out: {worst:.3f}; largest relative error of chi_c: "
             f"{100 * worst_chi:.0f} %.")
    return worst, worst_chi


def gradient(rep):
    rep.section("full gradient gain per layer: short-memory closure vs bptt_gain (5 layers of 128, Kaiming, 150 Hz)")
    rows, worst = [], 0.0
    for reset in ("zero", "subtract"):
        nrn = LIF.from_beta(0.9, reset=reset)
        w = [128] * 6
        ws = (2 / 128) ** 0.5
        t0 = time.process_time()
        d = N.bptt_gain(w, 0.0, ws, neuron=nrn, input_rate=150.0, n_steps=16).delta_norm
        t_ex = time.process_time() - t0
        t0 = time.process_time()
        pd = N.phase_diagram(w, 0.0, ws, neuron=nrn, input_rate=150.0)
        t_fa = time.process_time() - t0
        ge, gf = d[:-1] / d[1:], pd.grad_gain[:-1]
        worst = max(worst, float(np.max(np.abs(gf / ge - 1))))
        rows.append([reset, " ".join(f"{x:.4f}" for x in ge), " ".join(f"{x:.4f}" for x in gf),
                     f"{t_ex:.1f}", f"{t_fa:.2f}"])
    rep.table(["reset", "gain l=1..4: bptt_gain", "closure", "bptt_gain CPU s", "closure CPU s"], rows)
    rep.note(f"Largest relative difference of the per-layer gain: {100 * worst:.0f} %.")


def cost(rep):
    n = 10 if QUICK else 40
    rep.section(f"cost of a {n} x {n} phase diagram, 10 layers of width 128, beta 0.9 (CPU time, one thread)")
    rows = []
    for reset in ("zero", "subtract"):
        nrn = LIF.from_beta(0.9, reset=reset)
        M, S = np.meshgrid(np.linspace(-0.06, 0.12, n), np.geomspace(0.03, 2.0, n), indexing="ij")
        t0, w0 = time.process_time(), time.perf_counter()
        pd = N.phase_diagram([128] * 11, M, S, neuron=nrn, input_rate=150.0)
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        rows.append([reset, f"{n} x {n}", f"{cpu:.1f}", f"{wall:.1f}", f"{1e3 * cpu / (n * n * 10):.2f}",
                     f"{np.nanmin(pd.chi_c):.1f}", f"{np.nanmax(pd.grad_gain):.3f}"])
    rep.table(["reset", "grid", "CPU s", "wall s", "CPU ms per layer point", "min chi_c", "max gain"], rows)
    t0 = time.process_time()
    predict_exact = N.predict_network([128] * 11, 0.0, 0.125, neuron=LIF.from_beta(0.9), input_rate=150.0,
                                      trainability="off")
    rep.note(f"For comparison, predict_network's exact depth model alone (12 nodes, dense grid) on one "
             f"point of the same net: {time.process_time() - t0:.1f} CPU s (top rate "
             f"{predict_exact.rates[-1]:.1f} Hz).")


def main():
    rep = Report("phase", "Fast route of predict_network / phase_diagram: closures against the exact routes, cost")
    if QUICK:
        rep.note("--quick: a check of the script, not a result to quote.")
    correlation(rep)
    gradient(rep)
    cost(rep)
    rep.write()


if __name__ == "__main__":
    main()
