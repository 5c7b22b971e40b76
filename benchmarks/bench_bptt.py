"""Surrogate-gradient norms through depth and time: ``network.bptt_gain`` against PyTorch
autograd on the same networks (``tests/bptt_reference.py``). Prints the table and writes
``benchmarks/results/bptt.md``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_bptt.py [--quick]``

Grid: beta 0.8, 0.9, 1 x both resets (detached, snnTorch's convention) x fast-sigmoid widths
0.02, 0.04, 0.1 V at width 200; widths 100 and 500 at beta 0.9 (width 0.04 V); two non-detached
(subtract) points. Weights: ``inverse.init_network`` plans at 50 Hz for 4 weight matrices (the 4th
repeated for the deeper layers), i.i.d. Gaussian, 6 spiking layers, T = 16 steps after a 150-step
burn-in, count readout; autograd over 6 weight seeds x 8 input draws. Per point: the range over
layers 1..5 of measured / predicted ratio of ||dL/dV_l||^2 (and ||dL/dW_l||^2) to the top layer's.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _report import Report  # noqa: E402
from bptt_reference import measure  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory.inverse import init_network  # noqa: E402
from snntheory.network import bptt_gain, predict_network  # noqa: E402

QUICK = "--quick" in sys.argv
L = 6
T = 16
RATE = 100.0
TARGET = 50.0
SEEDS = range(2 if QUICK else 6)


def weights(beta, reset, n, _memo={}):
    key = (beta, reset, n)
    if key not in _memo:
        plan = init_network([n] * 5, neuron=LIF.from_beta(beta, reset=reset), input_rate=RATE, target_rate=TARGET,
                            weight_dist="normal")
        wm = list(plan.w_means) + [plan.w_means[-1]] * (L - 4)
        ws = list(plan.w_stds) + [plan.w_stds[-1]] * (L - 4)
        _memo[key] = (np.array(wm), np.array(ws))
    return _memo[key]


def point(beta, reset, n, width, detach=True):
    wm, ws = weights(beta, reset, n)
    neuron = LIF.from_beta(beta, reset=reset)
    t0 = time.perf_counter()
    pred = bptt_gain([n] * (L + 1), wm, ws, neuron=neuron, input_rate=RATE, n_steps=T, surrogate="fast_sigmoid",
                     surrogate_width=width, detach_reset=detach)
    t_pred = time.perf_counter() - t0
    m = measure([n] * (L + 1), wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt,
                surrogate="fast_sigmoid", width=width, detach_reset=detach, seeds=SEEDS)
    d = (m["delta"] / m["delta"][-1] / pred.delta_ratio)[:-1]
    w = (m["weight"] / m["weight"][-1] / pred.weight_ratio)[:-1]
    se = (m["delta_se"] / m["delta"])[:-1]
    ok = bool(np.all(np.abs(d - 1.0) <= 0.2))
    e2 = m["surrogate_moment"] / pred.surrogate_moment
    rt = m["rate"] / (pred_rates(wm, ws, neuron, n) * neuron.dt)
    return [f"{beta:g}", reset + ("" if detach else " (attached)"), str(n), f"{width:g}",
            f"{pred.delta_ratio[0]:.3g}", f"{d.min():.2f} .. {d.max():.2f}", f"{np.max(np.abs(d - 1)):.2f}",
            f"{w.min():.2f} .. {w.max():.2f}", f"{se.max():.2f}", "yes" if ok else "no",
            f"{e2.min():.2f} .. {e2.max():.2f}", f"{rt.min():.2f} .. {rt.max():.2f}", f"{t_pred:.1f}"]


def pred_rates(wm, ws, neuron, n):
    """The depth model's rates (Hz) of the network (predict_network)."""
    return predict_network([n] * (L + 1), wm, ws, neuron=neuron, input_rate=RATE).rates


def feedback(rep):
    """Diagnostic: the same comparison with the error sent down through independent copies of the
    weights (the forward pass unchanged), which removes the one correlation mean-field
    backpropagation leaves out. Width 200, 4 spiking layers, fast sigmoid 0.04 V."""
    rows = []
    for beta, reset in ((0.9, "subtract"), (0.9, "zero"), (1.0, "subtract"), (1.0, "zero")):
        wm, ws = weights(beta, reset, 200)
        wm, ws = wm[:4], ws[:4]
        neuron = LIF.from_beta(beta, reset=reset)
        pred = bptt_gain([200] * 5, wm, ws, neuron=neuron, input_rate=RATE, n_steps=T, surrogate="fast_sigmoid",
                         surrogate_width=0.04)
        cells = [f"{beta:g}", reset]
        for fb in ("same", "independent"):
            m = measure([200] * 5, wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt,
                        surrogate="fast_sigmoid", width=0.04, seeds=SEEDS, feedback=fb)
            d = (m["delta"] / m["delta"][-1] / pred.delta_ratio)[:-1]
            cells.append(", ".join(f"{x:.2f}" for x in d))
        rows.append(cells)
        print(cells, flush=True)
    rep.section("diagnostic: same-step correlation (4 spiking layers, width 200, fast sigmoid 0.04 V)")
    rep.note("Measured / predicted ||dL/dV_l||^2 ratio to the top layer, layers 1-3, with the true backward pass "
             "(`same`) and with the error sent down through an independent copy of each weight matrix "
             "(`independent`: the forward pass is unchanged, and the correlation between a neuron's effect on "
             "its targets and the error it receives back, which mean-field backpropagation leaves out, is gone). "
             "Where `independent` is close to 1 and `same` is not, that correlation is the gap.")
    rep.table(["beta", "reset", "same", "independent"], rows)


def main():
    rep = Report("bptt", "Surrogate-gradient norms through depth and time: bptt_gain against PyTorch autograd",
                 reference=("torch", "snntorch"))
    if QUICK:
        rep.note("--quick: 2 seeds and part of the grid; a check of the script, not a result to quote.")
    rows = []
    grid = [(b, r, 200, w) for b in (0.8, 0.9, 1.0) for r in ("subtract", "zero") for w in (0.02, 0.04, 0.1)]
    grid += [(0.9, r, n, 0.04) for r in ("subtract", "zero") for n in (100, 500)]
    if QUICK:
        grid = grid[:3]
    for args in grid:
        rows.append(point(*args))
        print(rows[-1], flush=True)
    if not QUICK:
        rows.append(point(0.9, "subtract", 200, 0.04, detach=False))
        rows.append(point(0.8, "subtract", 200, 0.1, detach=False))
    rep.section(f"{L} spiking layers, T = {T}, count readout: measured / predicted per-layer ratio to the top layer")
    rep.note("`pred ratio L1` is the predicted ||dL/dV_1||^2 / ||dL/dV_6||^2; `dV meas/pred` the range over layers "
             "1-5 of the measured over the predicted ratio (1 = exact); `max err` its largest |x - 1|; `dW` the same "
             "for the weight gradients; `SE` the largest relative standard error of the measured norms over seeds; "
             "`<= 20 %` whether every layer meets the issue's tolerance; `E[s'^2]` and `rate` the range over the 6 "
             "layers of measured over predicted (the depth model's forward error, which the backward prediction "
             "inherits and compounds); `t pred` the prediction's time (s).")
    rep.table(["beta", "reset", "width", "surrogate w", "pred ratio L1", "dV meas/pred", "max err", "dW meas/pred",
               "SE", "<= 20 %", "E[s'^2] meas/pred", "rate meas/pred", "t pred s"], rows)
    n_ok = sum(r[9] == "yes" for r in rows)
    rep.note(f"{n_ok} of {len(rows)} points meet 20 % on every layer.")
    if not QUICK:
        feedback(rep)
    rep.write()


if __name__ == "__main__":
    main()
