"""Where mean-field backpropagation holds: the trainability plans' objective against autograd as the
weight SD grows (issue 15).

The gradient and critical plans (``inverse.init_network(w_std="gradient" | "critical")``) pick a
shared weight (mean, SD) from a grid by the fast route's predicted through-time error ratio of layer
1 to the top layer (``phase_diagram``'s ``delta_ratio``). This scan measures that ratio with PyTorch
autograd (``tests/bptt_reference.measure``: i.i.d. Gaussian weights, Bernoulli input, count readout,
snnTorch's surrogates, detached reset) along the grid's SD axis at mean 0, and at four points off it
(large SDs at low rates, small SDs at high rates), and reports, per point, the
error in decades of the fast route and of ``bptt_gain`` (the exact route) at layer 1, and the largest
over layers 1..L-1. The SD is given as the per-step input SD in thresholds, ``s = w_std sqrt(n p) /
theta`` (the grid's unit: it spans s = 0.1 .. 10).

Writes ``benchmarks/results/bptt_validity.md``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_bptt_validity.py [--quick]``
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _report import Report  # noqa: E402
from bptt_reference import measure  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory import surrogate as sg  # noqa: E402
from snntheory.network import MEAN_FIELD_MAX_INPUT_SD, bptt_gain, phase_diagram  # noqa: E402

QUICK = "--quick" in sys.argv
L, N, T, P_IN = 8, 128, 16, 0.1
#: per-step input SD in thresholds: the plans' grid points (geomspace(0.1, 10, 17)) from 0.42 up
S_GRID = np.geomspace(0.1, 10.0, 17)[5::2 if QUICK else 1]
SEEDS = range(2 if QUICK else 4)
CASES = [(0.9, "fast_sigmoid"), (0.9, "atan"), (0.95, "fast_sigmoid"), (0.95, "atan")]
#: off the mean-0 line (beta 0.9), (w_mean, w_std): large SDs at low rates and small SDs at high
#: rates, to tell the weight SD from the layers' RMS input as the variable that bounds the theory
OFF_AXIS = [(-0.05, 0.28), (-0.03, 0.21), (0.01, 0.118), (0.02, 0.118)]


def scan(beta, kind, wms, wss):
    """One row per (w_mean, w_std) point: autograd against both routes (see the module docstring)."""
    neuron = LIF.from_beta(beta, reset="subtract")
    width = sg.from_snntorch(kind)[1]
    widths = [N] * (L + 1)
    wms, ws = np.asarray(wms, float), np.asarray(wss, float)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = phase_diagram(widths, wms, ws, neuron=neuron, input_rate=P_IN / neuron.dt, n_steps=T,
                           surrogate=kind, surrogate_width=width)
    rows = []
    for k, (mu, w) in enumerate(zip(wms, ws)):
        s = w * math.sqrt(N * P_IN)
        m = measure(widths, mu, w, beta=beta, reset="subtract", n_steps=T, input_p=P_IN, surrogate=kind, width=width,
                    seeds=SEEDS)
        meas = m["delta"] / m["delta"][-1]
        se = float(np.max((m["delta_se"] / m["delta"])[:-1]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exact = bptt_gain(widths, mu, w, neuron=neuron, input_rate=P_IN / neuron.dt, n_steps=T, surrogate=kind,
                              surrogate_width=width).delta_ratio
        with np.errstate(divide="ignore", invalid="ignore"):
            fast = np.log10(meas / pd.delta_ratio[k])[:-1]
            ex = np.log10(meas / exact)[:-1]
        rows.append(dict(s=s, s_max=float(np.max(pd.input_sd[k])), mu=mu, w=w, rate=float(np.mean(m["rate"])), rate_pred=float(np.mean(pd.rate[k]) * neuron.dt),
                         meas1=float(np.log10(meas[0])), fast1=float(fast[0]), fast_max=float(np.max(np.abs(fast))),
                         exact1=float(ex[0]), exact_max=float(np.max(np.abs(ex))), se=se))
        r = rows[-1]
        print(f"beta {beta} {kind}: s {s:.2f} max {r['s_max']:.2f} (w_mean {mu:g}, w_std {w:.3f}) rate {r['rate']:.3f}/{r['rate_pred']:.3f} "
              f"log10 ratio {r['meas1']:+.2f} fast err {r['fast1']:+.2f} (max {r['fast_max']:.2f}) exact err "
              f"{r['exact1']:+.2f} (max {r['exact_max']:.2f}) SE {se:.2f}", flush=True)
    return rows


def main():
    rep = Report("bptt_validity", "Where mean-field backpropagation holds: the trainability plans' objective "
                 "against autograd along the weight SD", reference=("torch", "snntorch"))
    rep.note(f"{L} spiking layers of width {N}, subtractive reset (detached), weight mean 0, Bernoulli input at "
             f"p = {P_IN} per step, T = {T} steps after a 150-step burn-in, count readout; autograd over "
             f"{len(SEEDS)} weight seeds x 8 input draws (`tests/bptt_reference.measure`). `s` is the per-step "
             "input SD in thresholds, w_std sqrt(n p) / theta (the trainability plans' grid unit). `log10 "
             "ratio` is autograd's layer-1 / top-layer ||dL/dV||^2 (the plans' objective); `fast err` and "
             "`exact err` are log10(autograd / predicted) at layer 1 for the fast route (`phase_diagram`, "
             "what the plans read) and `bptt_gain`, `max` the largest |error| over layers 1..L-1; `SE` the "
             "largest relative standard error of the measured norms over seeds; `rate` measured / predicted "
             "mean spikes per step.")
    heads = ["s", "max s_l", "w_mean", "w_std", "rate meas / pred", "log10 ratio", "fast err", "fast max",
             "exact err", "exact max", "SE"]

    def line(r):
        return [f"{r['s']:.2f}", f"{r['s_max']:.2f}", f"{r['mu']:g}", f"{r['w']:.3f}",
                f"{r['rate']:.3f} / {r['rate_pred']:.3f}", f"{r['meas1']:+.2f}", f"{r['fast1']:+.2f}",
                f"{r['fast_max']:.2f}", f"{r['exact1']:+.2f}", f"{r['exact_max']:.2f}", f"{r['se']:.2f}"]

    rep.note("`max s_l` is the largest over the layers of the predicted RMS input per step in thresholds, "
             "g w_std sqrt(n E[p_in]) / theta (`PhaseDiagram.input_sd`; the bound "
             f"`network.MEAN_FIELD_MAX_INPUT_SD` = {MEAN_FIELD_MAX_INPUT_SD:g} is set from these tables).")
    for beta, kind in CASES:
        ws = S_GRID / math.sqrt(N * P_IN)
        rows = scan(beta, kind, np.zeros_like(ws), ws)
        rep.section(f"beta {beta}, {kind} (snnTorch default width), weight mean 0")
        rep.table(heads, [line(r) for r in rows])
    for kind in ("fast_sigmoid", "atan"):
        rows = scan(0.9, kind, *zip(*OFF_AXIS))
        rep.section(f"beta 0.9, {kind}, off the mean-0 line")
        rep.table(heads, [line(r) for r in rows])
    rep.write(None if not QUICK else Path("/tmp/bptt_validity_quick.md"))


if __name__ == "__main__":
    main()
