"""Correlation map of two replicas (``network.correlation_map`` / ``correlation_depth``) against
the two-replica simulator (``simulate.replica_network``: the same weights, two Bernoulli inputs
of per-step correlation c). Prints the tables and writes ``benchmarks/results/correlation.md``.

Run: ``nice python benchmarks/bench_correlation.py [--quick]`` (about 5 min on one core).

1. One layer, weights of ``inverse.init_network`` (i.i.d. Gaussian, 100 Hz in and out, no
   calibration): beta 0.8 / 0.9 / 1, both resets, widths 100 and 500, c = 0, 0.5, 0.9; the
   simulation is the mean over 3 weight draws (its SE from their spread).
2. Ten layers of width 200 (the same kind of plan), c = 0.5: per layer, predicted and measured
   step and count correlations (one weight draw, SE over 4 input pairs).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from _report import Report  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory.inverse import init_network  # noqa: E402
from snntheory.network import correlation_depth, correlation_map  # noqa: E402
from snntheory.simulate import replica_network  # noqa: E402

QUICK = "--quick" in sys.argv
STEPS = 600 if QUICK else 2000
RATE = 100.0
CS = (0.0, 0.5, 0.9)


def _plan(nrn, widths):
    return init_network(widths, neuron=nrn, input_rate=RATE, target_rate=RATE, weight_dist="normal",
                        calibrate=False, map_gain=False)


def one_layer(rep):
    rep.section("one layer: predicted vs simulated correlation (simulation: mean of 3 weight draws +- SE)")
    rows, worst = [], 0.0
    betas = (0.9, 1.0) if QUICK else (0.8, 0.9, 1.0)
    widths = (100,) if QUICK else (100, 500)
    for beta in betas:
        for reset in ("zero", "subtract"):
            nrn = LIF.from_beta(beta, reset=reset)
            for n in widths:
                plan = _plan(nrn, [n, n])
                wm, ws = float(plan.w_means[0]), float(plan.w_stds[0])
                t0 = time.perf_counter()
                cm = correlation_map(CS, neuron=nrn, n_in=n, input_rate=RATE, w_mean=wm, w_std=ws)
                t_th = time.perf_counter() - t0
                for k, c in enumerate(CS):
                    runs = [replica_network([n, n], wm, ws, neuron=nrn, input_rate=RATE, c=c, n_steps=STEPS,
                                            seed=s, batch=4) for s in (1, 2, 3)]
                    st = np.array([r.step_corr[1] for r in runs])
                    ct = np.array([r.count_corr[1] for r in runs])
                    dst, dct = cm.c_step[k] - st.mean(), cm.c_count[k] - ct.mean()
                    worst = max(worst, abs(dst), abs(dct))
                    rows.append([beta, reset, n, c, f"{cm.c_step[k]:.3f}", f"{st.mean():.3f} ± {st.std(ddof=1) / 3**0.5:.3f}",
                                 f"{dst:+.3f}", f"{cm.c_count[k]:.3f}",
                                 f"{ct.mean():.3f} ± {ct.std(ddof=1) / 3**0.5:.3f}", f"{dct:+.3f}",
                                 f"{cm.rho_out[k]:.3f}", f"{t_th / len(CS):.1f}"])
    rep.table(["beta", "reset", "n", "c in", "step: theory", "step: sim", "diff", "count(T=16): theory",
               "count: sim", "diff", "rho out", "theory s/point"], rows)
    rep.note(f"Largest |theory - simulation| over this grid: {worst:.3f} in c.")


def ten_layers(rep):
    L = 4 if QUICK else 10
    rep.section(f"{L} layers of width 200, c = 0.5: predicted vs simulated per layer (one weight draw)")
    for beta, reset in ((0.9, "zero"), (1.0, "subtract")) if not QUICK else ((0.9, "zero"),):
        nrn = LIF.from_beta(beta, reset=reset)
        widths = [200] * (L + 1)
        plan = _plan(nrn, widths)
        t0 = time.perf_counter()
        cd = correlation_depth(0.5, plan)
        t_th = time.perf_counter() - t0
        run = replica_network(widths, plan.w_means, plan.w_stds, neuron=nrn, input_rate=RATE, c=0.5,
                              n_steps=STEPS + 1000, seed=2, batch=4)
        rows = []
        for l in range(L):
            rows.append([l + 1, f"{cd.rate[l]:.4f}", f"{run.p[l + 1]:.4f}", f"{cd.c_step[l]:.3f}",
                         f"{run.step_corr[l + 1]:.3f} ± {run.step_corr_se[l + 1]:.3f}",
                         f"{cd.c_count[l]:.3f}", f"{run.count_corr[l + 1]:.3f} ± {run.count_corr_se[l + 1]:.3f}",
                         f"{cd.rho_out[l]:.3f}"])
        rep.note(f"beta = {beta}, {reset} reset (theory {t_th:.0f} s for all layers):")
        rep.table(["layer", "p theory", "p sim", "step: theory", "step: sim", "count: theory", "count: sim",
                   "rho out"], rows)
        d_step = np.abs(cd.c_step - run.step_corr[1:])
        d_count = np.abs(cd.c_count - run.count_corr[1:])
        rel = d_count / np.abs(run.count_corr[1:])
        rep.note(f"Largest |theory - simulation| over the layers: step {d_step.max():.3f} (layer "
                 f"{int(np.argmax(d_step)) + 1}), count {d_count.max():.3f} (layer {int(np.argmax(d_count)) + 1}, "
                 f"{100 * rel.max():.0f} % of the measured count correlation; the issue asks 5 %).")


def main():
    rep = Report("correlation", "Correlation map of two replicas: two-replica chain against simulation")
    if QUICK:
        rep.note("--quick: a check of the script, not a result to quote.")
    one_layer(rep)
    ten_layers(rep)
    rep.write()


if __name__ == "__main__":
    main()
