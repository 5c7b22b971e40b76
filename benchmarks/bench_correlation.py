"""Correlation map of two replicas (``network.correlation_map`` / ``correlation_depth``) against
the two-replica simulator (``simulate.replica_network``: the same weights, two Bernoulli inputs
of per-step correlation c). Prints the tables and writes ``benchmarks/results/correlation.md``.

Run: ``nice python benchmarks/bench_correlation.py [--quick]`` (about 25 min on one core).

1. One layer, weights of ``inverse.init_network`` (i.i.d. Gaussian, 100 Hz in and out, no
   calibration): beta 0.8 / 0.9 / 1, both resets, widths 100 and 500, c = 0, 0.5, 0.9; the
   simulation is the mean over 3 weight draws (its SE from their spread).
2. Ten layers with row-standardised weights (every neuron's fan-in has the planned mean and
   SD, so one rate per layer and no quenched rate spread: the replicas' own correlation through
   depth), beta 0.8 / 0.9 / 1, both resets, widths 100 and 500, c = 0.5.
3. Ten layers with i.i.d. weights (widths 200 and 500), c = 0.5: the theory against the mean
   over 4 weight draws, with the draw-to-draw spread (the finite-width limit).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from _report import Report  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory.errors import NoSolutionError  # noqa: E402
from snntheory.inverse import init_network  # noqa: E402
from snntheory.network import correlation_depth, correlation_map  # noqa: E402
from snntheory.simulate import replica_network  # noqa: E402

QUICK = "--quick" in sys.argv
STEPS = 600 if QUICK else 2000
RATE = 100.0
CS = (0.0, 0.5, 0.9)


def _plan(nrn, widths, dist="normal"):
    """The depth model's plan for 100 Hz in every layer (no calibration). For row-standardised
    weights, where the plan's balanced family cannot reach the target (the perfect integrator
    with subtractive reset, whose rate is its mean drive), the i.i.d. plan's weights."""
    try:
        return init_network(widths, neuron=nrn, input_rate=RATE, target_rate=RATE, weight_dist=dist,
                            calibrate=False, map_gain=False)
    except NoSolutionError:
        if dist == "normal":
            raise
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


def _depth_rows(cd, runs):
    """Per-layer table rows and the worst errors of a depth prediction against the mean of
    ``runs`` (SE from their spread, or the run's own SE for one run)."""
    P = np.array([r.p[1:] for r in runs])
    S = np.array([r.step_corr[1:] for r in runs])
    C = np.array([r.count_corr[1:] for r in runs])
    k = len(runs)
    s_se = S.std(0, ddof=1) / np.sqrt(k) if k > 1 else runs[0].step_corr_se[1:]
    c_se = C.std(0, ddof=1) / np.sqrt(k) if k > 1 else runs[0].count_corr_se[1:]
    rows = []
    for l in range(P.shape[1]):
        rows.append([l + 1, f"{cd.rate[l]:.4f}", f"{P[:, l].mean():.4f}", f"{cd.c_step[l]:.3f}",
                     f"{S[:, l].mean():.3f} ± {s_se[l]:.3f}", f"{cd.c_count[l]:.3f}",
                     f"{C[:, l].mean():.3f} ± {c_se[l]:.3f}", f"{100 * (cd.c_count[l] / C[:, l].mean() - 1):+.1f}",
                     f"{cd.rho_out[l]:.3f}"])
    d_step = np.abs(cd.c_step - S.mean(0))
    d_count = np.abs(cd.c_count - C.mean(0))
    return rows, d_step, d_count, d_count / np.abs(C.mean(0)), P, C


DEPTH_HEAD = ["layer", "p theory", "p sim", "step: theory", "step: sim", "count: theory", "count: sim",
              "count: rel. diff %", "rho out"]


def ten_layers_rows(rep):
    L = 4 if QUICK else 10
    rep.section(f"{L} layers, row-standardised weights, c = 0.5: the replicas' own correlation through depth")
    rep.note("Every neuron's fan-in has exactly the planned mean and SD (`weight_dist=\"rows\"`), so the "
             "neurons of a layer share one rate and the correlation across neurons is the two replicas' own "
             "(no quenched rate spread to hide it): the test of the correlation map's propagation. Weights: "
             "`init_network(weight_dist=\"rows\")` for 100 Hz (for beta = 1 with subtractive reset, which "
             "that plan cannot reach, the i.i.d. plan's mean and SD). Simulation: one weight draw per seed, 2 "
             "seeds x 4 input pairs; +- is the SE over the seeds.")
    summary = []
    cases = [(b, r) for b in ((0.9, 1.0) if QUICK else (0.8, 0.9, 1.0)) for r in ("zero", "subtract")]
    for beta, reset in cases:
        nrn = LIF.from_beta(beta, reset=reset)
        for n in ((100,) if QUICK else (100, 500)):
            widths = [n] * (L + 1)
            plan = _plan(nrn, widths, "rows")
            t0 = time.perf_counter()
            cd = correlation_depth(0.5, widths, plan.w_means, plan.w_stds, neuron=nrn, input_rate=RATE,
                                   weight_dist="rows")
            t_th = time.perf_counter() - t0
            runs = [replica_network(widths, plan.w_means, plan.w_stds, neuron=nrn, input_rate=RATE, c=0.5,
                                    n_steps=STEPS, seed=s, batch=4, weight_dist="rows") for s in (1, 2)]
            rows, d_step, d_count, rel, P, C = _depth_rows(cd, runs)
            rep.note(f"beta = {beta}, {reset} reset, width {n} (theory {t_th:.0f} s for all layers):")
            rep.table(DEPTH_HEAD, rows)
            summary.append([beta, reset, n, f"{d_step.max():.3f}", f"{d_count.max():.3f}",
                            f"{100 * rel[:5].max():.1f}", f"{100 * rel.max():.1f}",
                            f"{100 * np.abs(cd.rate / P.mean(0) - 1).max():.0f}"])
    rep.note("Summary (largest over the layers):")
    rep.table(["beta", "reset", "width", "max |d step|", "max |d count|", "max rel. d count %, layers 1-5",
               "max rel. d count %, all layers", "max rate error %"], summary)


def ten_layers_iid(rep):
    L = 4 if QUICK else 10
    draws = (1, 2) if QUICK else (1, 2, 3, 4)
    rep.section(f"{L} layers, i.i.d. Gaussian weights, c = 0.5: theory against the mean over {len(draws)} weight "
                "draws")
    rep.note("With i.i.d. weights the neurons' rates are quenched and shared by the replicas; deep in the "
             "network the count correlation across neurons is mostly this shared rate spread, and the "
             "population rate of one finite draw wanders from layer to layer (a random walk driven by the "
             "O(1/sqrt(n)) sampling of each layer's rates and weight sums, through a rate map of slope near 1). "
             "`draw SD` is the spread of the count correlation over the draws: the finite-width limit of "
             "any prediction for one draw.")
    cases = [((0.9, "zero"), 200), ((0.9, "zero"), 500), ((1.0, "subtract"), 200)]
    for (beta, reset), n in cases[:1] if QUICK else cases:
        nrn = LIF.from_beta(beta, reset=reset)
        widths = [n] * (L + 1)
        plan = _plan(nrn, widths)
        t0 = time.perf_counter()
        cd = correlation_depth(0.5, plan)
        t_th = time.perf_counter() - t0
        runs = [replica_network(widths, plan.w_means, plan.w_stds, neuron=nrn, input_rate=RATE, c=0.5,
                                n_steps=STEPS, seed=s, batch=4) for s in draws]
        rows, d_step, d_count, rel, P, C = _depth_rows(cd, runs)
        sd = C.std(0, ddof=1)
        for r, s_ in zip(rows, sd):
            r.append(f"{s_:.3f}")
        rep.note(f"beta = {beta}, {reset} reset, width {n} (theory {t_th:.0f} s for all layers):")
        rep.table(DEPTH_HEAD + ["count: draw SD"], rows)
        rep.note(f"Largest |theory - mean of draws|: step {d_step.max():.3f}, count {d_count.max():.3f} "
                 f"({100 * rel.max():.0f} %); largest draw-to-draw SD of the count correlation {sd.max():.3f}, "
                 f"of the layer rate {100 * (P.std(0, ddof=1) / P.mean(0)).max():.0f} %.")


def main():
    rep = Report("correlation", "Correlation map of two replicas: two-replica chain against simulation")
    if QUICK:
        rep.note("--quick: a check of the script, not a result to quote.")
    one_layer(rep)
    ten_layers_rows(rep)
    ten_layers_iid(rep)
    rep.write()


if __name__ == "__main__":
    main()
