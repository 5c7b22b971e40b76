"""Benchmark of snntheory.inverse.init_network: planning time and rate error against simulation.

Run on one core:  ``OMP_NUM_THREADS=1 python benchmarks/bench_init.py [--quick] [--shot] [--grid]``

1. CPU time of ``init_network`` for a 10-layer network (widths 200) for every method and
   baseline (target: < 1 s per method on one core).
2. Per-layer rate error against ``snntheory.simulate.network`` (10 layers, beta 0.95, zero
   reset, input 5 % per step): simulated / target for the planned methods, and simulated
   (predicted) rates for the baselines (whose rates collapse), printed as a table.
   1 and 2 are written to ``benchmarks/results/init.md``.
3. ``--grid`` (instead of 1 and 2): the depth accuracy of the default plan (row-standardised
   weights, calibrated) over widths 100-1000, beta 0.8-1.0, both resets, input rates 1-30 % per
   step, 5 new weight and input draws each (none equal to the calibration's), with the plan's
   sampler and with i.i.d. Gaussian draws: worst |simulated/target - 1| over the 10 layers and
   the draws, a stationarity check of every simulated layer, and the calibration's status per
   layer; then the robust option (``w_std="attracting"``, i.i.d. Gaussian draws) with the
   measured draw-to-draw spread of each layer against the predicted ``rate_spread``; written to ``benchmarks/results/init_grid.md``. It is the slow part (12 plans and
   120 simulations of 10 layers). ``--grid --quick`` runs 2 configurations with 4 layers and 2
   draws, to check the script (its file says so and is not a result to quote); ``--grid
   --only=1,2,10`` runs those configurations only (0-based) into ``init_grid_subset_1-2-10.md``.
4. ``--spread``: the robust option's predicted draw-to-draw spread (``LayerInit.rate_spread``)
   against 24 i.i.d. Gaussian draws of each grid configuration with beta < 1 (each run's own
   sampling variance subtracted), and the floor of that spread over every i.i.d. Gaussian SD
   reaching the target, with the chance that 5 draws keep every layer within 10 %; written to
   ``benchmarks/results/init_spread.md`` (``--spread --quick``: one configuration, 4 layers, 4
   draws, a check of the script).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from _report import Report  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory.errors import NoSolutionError, ParameterError  # noqa: E402
from snntheory import network as _nw  # noqa: E402
from snntheory.inverse import BASELINES, _solve_depth_layer, init_network  # noqa: E402
from snntheory.simulate import network  # noqa: E402

QUICK = "--quick" in sys.argv
INPUT_RATE = 50.0  # Hz at dt = 1 ms: 5 % per step


def timing(rep):
    rep.section("init_network CPU time, 10 layers x 200, beta 0.95, input 50 Hz (dt 1 ms), one core")
    neuron = LIF.from_beta(0.95)
    plans, rows = {}, []
    for method in ("discrete", "diffusion", *(("shotnoise",) if "--shot" in sys.argv else ()), *BASELINES):
        t = time.process_time()
        try:
            plans[method] = init_network([200] * 11, neuron=neuron, input_rate=INPUT_RATE, method=method, w_std=None
                                         if method in ("discrete", "kaiming", "glorot", "pytorch", "fluctuation")
                                         else 0.07, map_gain=False)
            rows.append([method, f"{time.process_time() - t:.2f}"])
        except Exception as e:  # report, keep going
            rows.append([method, f"failed: {type(e).__name__}: {e}"])
    rep.table(["method", "CPU time (s)"], rows)
    return plans


def errors(rep, plans, n_steps=3000, seeds=(0, 1, 2)):
    rep.section(f"per-layer rate against simulate.network ({n_steps} steps, seeds {', '.join(map(str, seeds))})")
    rep.note("Planned methods: mean simulated rate / target (50 Hz); baselines: mean simulated rate in Hz "
             "(the plan's predicted rate in parentheses).")
    depth = max(len(p.rates) for p in plans.values()) if plans else 0
    rows = []
    for method, plan in plans.items():
        sims = np.array([plan.simulate(n_steps=n_steps, seed=s).rates[1:] for s in seeds]).mean(0)
        if method in BASELINES:
            rows.append([method, *(f"{m:.2f} ({p:.2f})" for m, p in zip(sims, plan.rates))])
        else:
            rows.append([method, *(f"{x:.3f}" for x in sims / INPUT_RATE)])
    rep.table(["method", *(f"layer {k + 1}" for k in range(depth))], rows)


#: widths 100-1000, beta 0.8-1.0, both resets, input 1-30 % per step
CONFIGS = [(100, 0.95, "zero", 0.05), (100, 0.8, "subtract", 0.3), (200, 0.9, "zero", 0.01),
           (200, 1.0, "subtract", 0.05), (300, 1.0, "zero", 0.05), (300, 0.95, "subtract", 0.1),
           (1000, 0.95, "zero", 0.05), (1000, 0.8, "zero", 0.01), (500, 0.9, "subtract", 0.3),
           (100, 1.0, "zero", 0.3), (100, 0.8, "zero", 0.01), (1000, 1.0, "subtract", 0.01)]


def _stationarity(run):
    """Largest |z| over layers of the difference between the second and first half of the
    recorded window (population rate, standard error from 10 time blocks per half)."""
    pop = run.population_spikes[1:]
    half = pop.shape[1] // 2
    ba, bb = _block_means(pop[:, :half], 10), _block_means(pop[:, half: 2 * half], 10)
    se = np.sqrt(ba.var(axis=1, ddof=1) / 10 + bb.var(axis=1, ddof=1) / 10)
    return float(np.max(np.abs(bb.mean(axis=1) - ba.mean(axis=1)) / np.maximum(se, 1e-12)))


def _block_means(x, blocks):
    """Means of ``blocks`` consecutive blocks of each row of ``x`` (the tail that does not fill a
    block dropped), shape (rows, blocks)."""
    return x[:, : x.shape[1] // blocks * blocks].reshape(x.shape[0], blocks, -1).mean(axis=2)


#: ``--only=i,j``: a subset of CONFIGS (0-based), written to init_grid_subset_<i-j>.md
ONLY = next((tuple(int(i) for i in a.split("=", 1)[1].split(",")) for a in sys.argv if a.startswith("--only=")), None)


def grid(seeds=(0, 1, 2, 3, 4)):
    configs, depth = (CONFIGS[:2], 4) if QUICK else (CONFIGS, 10)
    if ONLY is not None:
        configs = [CONFIGS[i] for i in ONLY]
    seeds = seeds[:2] if QUICK else seeds
    rep = Report("init_grid" if ONLY is None else "init_grid_subset_" + "-".join(map(str, ONLY)),
                 "Depth accuracy of the default init_network plan against simulate.network")
    rep.note(f"Default plan (`method='discrete'`, `w_std=None`), {depth} layers of equal width, target = input "
             f"rate; {len(seeds)} new weight and input draws per configuration (seeds {', '.join(map(str, seeds))}, "
             "none equal to the calibration's), with the plan's own sampler (row-standardised weights) and with "
             "i.i.d. Gaussian draws of the planned mean and SD. Recorded steps max(2000, 100 / p_in), so the "
             "simulation's own sampling error stays near 1-2 % per layer, after 300 steps of burn-in (10000 "
             f"for beta = 1). Worst |simulated/target - 1| over the {depth} layers and draws; the largest "
             "half-window drift |z| of any layer (stationarity: below 4 expected); the calibration's status "
             "per layer (c calibrated, u unresolved, n not stationary, r reverted, v unverified). Robust "
             "option: `w_std='attracting'` planned for i.i.d. Gaussian weights (`weight_dist='normal'`), drawn "
             "i.i.d.; its largest layer-map slope, its worst error and drift over the same draws, and per layer "
             "the measured SD of simulated/target across the draws divided by the predicted `rate_spread` "
             "(range over layers; with 5 draws the measured SD itself is uncertain by about 35 %)."
             + (" QUICK CHECK RUN (2 configurations, 4 layers, 2 draws): not a result." if QUICK else "")
             + (f" SUBSET of the grid (configurations {ONLY} of {len(CONFIGS)})." if ONLY is not None else ""))
    rows = []
    for n, beta, reset, p in configs:
        neuron = LIF.from_beta(beta, reset=reset)
        target = p / neuron.dt
        n_steps, burn_in = max(2000, int(100 / p)), (300 if beta < 1.0 else 10000)

        def simulate(plan, law):
            runs = [network([n] * (depth + 1), plan.w_means, plan.w_stds, neuron=neuron, input_rate=target,
                            n_steps=n_steps, burn_in=burn_in, seed=s, weight_dist=law) for s in seeds]
            ratio = np.array([r.rates[1:] for r in runs]) / target
            return ratio, [f"{np.abs(ratio - 1).max():.3f}", f"{max(_stationarity(r) for r in runs):.1f}"]

        t = time.process_time()
        plan = init_network([n] * (depth + 1), neuron=neuron, input_rate=target, map_gain=False)
        tp = time.process_time() - t
        cells = simulate(plan, "rows")[1] + simulate(plan, "normal")[1]
        t = time.process_time()
        try:   # the robust option, drawn i.i.d.: attracting maps, spread predicted for i.i.d. weights
            robust = init_network([n] * (depth + 1), neuron=neuron, input_rate=target, w_std="attracting",
                                  weight_dist="normal", map_gain=True)
        except (ParameterError, NoSolutionError) as e:
            cells += [f"refused ({type(e).__name__})", "", "", "", ""]
        else:
            tr = time.process_time() - t
            ratio, c = simulate(robust, "normal")
            spread = np.array([l.rate_spread for l in robust.layers]) / target
            factor = ratio.std(axis=0, ddof=1) / spread
            cells += [f"{tr:.1f}", f"{max(l.map_gain for l in robust.layers):.2f}", *c,
                      f"{factor.min():.2f}-{factor.max():.2f}"]
        status = "".join((l.calibration or "-")[0] for l in plan.layers)
        rows.append([n, f"{beta:.2f}", reset, f"{p:.2f}", f"{tp:.2f}", status, *cells])
        print(f"  done: width {n}, beta {beta}, {reset}, p_in {p}: {cells}", flush=True)
    rep.table(["width", "beta", "reset", "p_in", "plan CPU (s)", "calibration", "worst error (rows)",
               "max drift z (rows)", "worst error (i.i.d.)", "max drift z (i.i.d.)",
               "robust plan CPU (s)", "robust max slope", "robust worst error (i.i.d.)", "robust drift z",
               "robust spread measured/predicted"], rows)
    rep.write()


def _block_stderr(run, blocks=20):
    """Relative standard error of each layer's time-averaged population rate in one run
    (batch means over ``blocks`` consecutive blocks of the recorded window)."""
    b = _block_means(run.population_spikes[1:], blocks)
    return b.std(axis=1, ddof=1) / np.sqrt(blocks) / np.maximum(b.mean(axis=1), 1e-300)


def _family_floor(plan, neuron, p, depth, grid=np.geomspace(0.05, 5.0, 25)):
    """Smallest predicted draw-to-draw spread, relative to the rate, of the top layer of ``depth``
    identical layers over every i.i.d. Gaussian weight SD that reaches the target (its mean
    solved): the covariance of the population's (mean rate, mean squared rate) propagated as in
    ``predict_network``, Cov_l = J Cov_{l-1} J^T + C / n_out, with J and C of one layer whose
    input state is the deepest layer's as the model propagates it at the plan's model means;
    and the SD where it is reached."""
    widths = [plan.layers[0].n_in] + [l.n_out for l in plan.layers]
    model = [(l.model_w_mean if np.isfinite(l.model_w_mean) else l.w_mean, l.w_std, "normal") for l in plan.layers]
    rows = _nw._propagate(widths, neuron, _nw._State.bernoulli(p), lambda l, *_: model[l],
                          _nw._stats_kw("fast_sigmoid", None, 1e-4))
    n, n_out, state = rows[-1][0], rows[-1][1], rows[-1][5]
    kw, g = neuron.chain_params(), neuron.gain
    scale = neuron.theta / np.sqrt(n * state.ep)
    best = (np.inf, np.nan)
    for f in grid:
        try:
            wm = _solve_depth_layer(kw, g, n, state, p, f * scale, -1.25, neuron, n_out, {})[0]
        except (NoSolutionError, ParameterError):
            continue
        out, nodes, w = _nw._layer_model(kw, g, n, state, wm, f * scale)[:3]
        own = _nw._rate_moment_cov(kw, g, n, state, wm, f * scale, out, w @ nodes ** 3, w @ nodes ** 4) / n_out
        jac = _nw._moment_jacobian(kw, g, n, state, wm, f * scale)
        cov = np.zeros((2, 2))
        for _ in range(depth):
            cov = jac @ cov @ jac.T + own
        best = min(best, (np.sqrt(cov[0, 0]) / out.ep, f * scale))
    return best


def spread(draws=24, seeds0=100):
    """Predicted against measured draw-to-draw spread of the robust plan's i.i.d. Gaussian draws,
    with enough draws to test a factor 1.5, and the floor of that spread over all i.i.d. SDs."""
    configs, depth = (CONFIGS[:1], 4) if QUICK else ([c for c in CONFIGS if c[1] < 1.0], 10)
    draws = 4 if QUICK else draws
    rep = Report("init_spread", "Draw-to-draw spread of i.i.d. Gaussian plans: predicted against measured, "
                 "and its floor")
    lo, hi = (np.sqrt(stats.chi2.ppf(q, draws - 1) / (draws - 1)) for q in (0.05, 0.95))
    rep.note(f"Robust option (`w_std='attracting'`, `weight_dist='normal'`), {depth} layers of equal width, target "
             f"= input rate, {draws} new i.i.d. Gaussian draws (seeds {seeds0}-{seeds0 + draws - 1}) of the planned "
             "mean and SD, each simulated as in `--grid` (recorded steps max(2000, 100 / p_in) after 300 steps "
             "of burn-in). Measured spread per layer: SD across draws of simulated/target, with each run's own "
             "sampling variance (batch means, 20 blocks) subtracted; predicted: `LayerInit.rate_spread` / rate. "
             f"With {draws} draws a measured/predicted ratio has a 90 % sampling interval of "
             f"[{lo:.2f}, {hi:.2f}] times the true ratio. Floor: the smallest predicted spread of the top "
             f"layer of {depth} identical layers over every i.i.d. Gaussian SD that reaches the target (25 SDs from "
             "0.05 to 5 theta / sqrt(n p), mean solved; each layer's input state the plan's deepest, the errors "
             "of the mean and mean square rate propagated as in `predict_network`), and the SD where it is "
             "reached. 'P(all within 10 %)': the chance that every layer of 5 new draws is within "
             "10 % of the target if each layer's error were Gaussian with the predicted spread and the plan's "
             "mean error (independent layers; the `--grid` criterion). 'worst error': over all draws and layers."
             + (" QUICK CHECK RUN: not a result." if QUICK else ""))
    rows = []
    for n, beta, reset, p in configs:
        neuron = LIF.from_beta(beta, reset=reset)
        target = p / neuron.dt
        n_steps, burn_in = max(2000, int(100 / p)), 300
        plan = init_network([n] * (depth + 1), neuron=neuron, input_rate=target, w_std="attracting",
                            weight_dist="normal", map_gain=True)
        runs = [network([n] * (depth + 1), plan.w_means, plan.w_stds, neuron=neuron, input_rate=target,
                        n_steps=n_steps, burn_in=burn_in, seed=seeds0 + s, weight_dist="normal")
                for s in range(draws)]
        ratio = np.array([r.rates[1:] for r in runs]) / target
        noise = np.mean([(_block_stderr(r) * q) ** 2 for r, q in zip(runs, ratio)], axis=0)
        measured = np.sqrt(np.maximum(ratio.var(axis=0, ddof=1) - noise, 0.0))
        predicted = np.array([l.rate_spread for l in plan.layers]) / target
        factor = measured / predicted
        bias = ratio.mean(axis=0) - 1.0
        p_all = np.prod([(stats.norm.cdf((0.1 - b) / s) - stats.norm.cdf((-0.1 - b) / s)) ** 5
                         for b, s in zip(bias, np.hypot(predicted, np.sqrt(noise)))])
        floor, at = _family_floor(plan, neuron, p, depth)
        rows.append([n, f"{beta:.2f}", reset, f"{p:.2f}", f"{predicted.min():.3f}-{predicted.max():.3f}",
                     f"{measured.min():.3f}-{measured.max():.3f}", f"{factor.min():.2f}-{factor.max():.2f}",
                     f"{np.sum((factor > 1.5) | (factor < 1 / 1.5))}/{depth}", f"{np.abs(bias).max():.3f}",
                     f"{np.abs(ratio - 1).max():.3f}", f"{floor:.3f} at {at / plan.w_stds[-1]:.2f}x",
                     f"{p_all:.2g}"])
        print("  done:", rows[-1], flush=True)
    rep.table(["width", "beta", "reset", "p_in", "predicted spread", "measured spread", "measured/predicted",
               "layers outside 1.5x", "max |mean error|", "worst error", "floor (x planned SD)",
               "P(all within 10 %)"], rows)
    rep.write()


if __name__ == "__main__":
    if "--grid" in sys.argv:
        grid()
    elif "--spread" in sys.argv:
        spread()
    else:
        report = Report("init", "init_network: planning time and per-layer rates against simulate.network")
        found = timing(report)
        errors(report, found, n_steps=1000 if QUICK else 3000)
        report.write()
