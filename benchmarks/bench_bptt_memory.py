"""The coloured-input forward law of ``network.bptt_gain`` (``input_memory=True``) against the white
one, on the 8-layer networks of ``bench_bptt.py`` (autograd and ``mean_field`` of
``tests/bptt_reference.py``). Prints the tables and writes ``benchmarks/results/bptt_memory.md``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_bptt_memory.py [--quick]``

Grid (a subset of bench_bptt's): beta 0.9 and 1 x both resets (detached), width 200, fast sigmoid
0.04 V; the same weights (``init_network``'s 50 Hz plans), 8 spiking layers, T = 16, count readout.
Per point, layers 1..7, ratio to the top layer of ||dL/dV_l||^2: ``forward`` = mean_field / bptt_gain
(the forward law's error as the backward pass sees it), ``total`` = autograd / bptt_gain, each for
the white law (default) and the coloured one; and per layer 1..8 measured / predicted rate and
E[sigma'^2]. A second table: layer 2 on layer 1's spike trains, measured / chain (white and coloured).
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import Report  # noqa: E402
from bench_bptt import L, RATE, T, _rng, weights  # noqa: E402
from bptt_reference import measure, step_map  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory import surrogate as sg  # noqa: E402
from snntheory.network import _bptt_layer, _bptt_layer_coloured, _State, bptt_gain  # noqa: E402

QUICK = "--quick" in sys.argv
SEEDS = range(2 if QUICK else 4)
KIND, WIDTH, N = "fast_sigmoid", 0.04, 200


def _mx(x):
    return f"{np.max(np.abs(x - 1)):.2f}"


def point(beta, reset):
    wm, ws = weights(beta, reset, N)
    neuron = LIF.from_beta(beta, reset=reset)
    preds, times = [], []
    for mem in (False, True):
        t0 = time.perf_counter()
        preds.append(bptt_gain([N] * (L + 1), wm, ws, neuron=neuron, input_rate=RATE, n_steps=T, surrogate=KIND,
                               surrogate_width=WIDTH, input_memory=mem))
        times.append(time.perf_counter() - t0)
    m = measure([N] * (L + 1), wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt,
                surrogate=KIND, width=WIDTH, seeds=SEEDS)
    meas = m["delta"] / m["delta"][-1]
    mf = m["mean_field"] / m["mean_field"][-1]
    row, per_layer = [f"{beta:g}", reset], []
    for p in preds:
        fwd = (mf / p.delta_ratio)[:-1]
        tot = (meas / p.delta_ratio)[:-1]
        row += [_rng(fwd), _mx(fwd), _rng(tot), _mx(tot)]
        per_layer.append((fwd, tot, m["rate"] / p.rate, m["surrogate_moment"] / p.surrogate_moment))
    row += [f"{times[0]:.1f}", f"{times[1]:.1f}"]
    return row, per_layer


def layer2(beta, reset, steps=1000, burn=200):
    """Layer 2 on layer 1's spike trains: measured / chain given the measured layer-1 rates, white
    (the trains' rates only) and coloured (their measured autocovariance)."""
    wm, ws = weights(beta, reset, N)
    neuron = LIF.from_beta(beta, reset=reset)
    acc = []
    for seed in SEEDS[:3]:
        gen = torch.Generator().manual_seed(seed)
        W1, W2 = (wm[k] + ws[k] * torch.randn(N, N, generator=gen, dtype=torch.float64) for k in (0, 1))
        x = (torch.rand(steps, 8, N, generator=gen, dtype=torch.float64) < RATE * neuron.dt).double()
        S1, _ = step_map(x @ W1.T, beta, reset)
        S2, V2 = step_map(S1 @ W2.T, beta, reset)
        d2 = sg.derivative((V2[burn:] - 1.0).numpy(), KIND, WIDTH)
        p = S1[burn:].mean((0, 1))
        dev = S1[burn:] - p
        c = [float((dev[:-d] * dev[d:]).mean()) for d in range(1, 49)]
        acc.append([float(S2[burn:].mean()), float((d2 ** 2).mean()), float(p.mean()), float((p ** 2).mean()),
                    float((dev * dev).mean())] + c)
    a = np.mean(acc, axis=0)
    state = _State(a[2], a[3], a[4], False)
    _, _, e2w, _, outw = _bptt_layer(neuron, N, state, wm[1], ws[1], KIND, WIDTH, True, T)
    _, _, e2c, _, outc, _ = _bptt_layer_coloured(neuron, N, state, (a[4], a[5:]), wm[1], ws[1], KIND, WIDTH, True, T)
    return [f"{beta:g}", reset, ", ".join(f"{x / a[4]:.2f}" for x in a[5:8]), f"{a[0] / outw.ep:.3f}",
            f"{a[1] / e2w:.3f}", f"{a[0] / outc.ep:.3f}", f"{a[1] / e2c:.3f}"]


def main():
    rep = Report("bptt_memory", "Coloured-input forward law of bptt_gain (input_memory) against the white one",
                 reference=("torch", "snntorch"))
    if QUICK:
        rep.note("--quick: 2 seeds; a check of the script, not a result to quote.")
    grid = [(b, r) for b in (0.9, 1.0) for r in ("subtract", "zero")]
    rows, detail = [], []
    for b, r in grid:
        row, per = point(b, r)
        rows.append(row)
        print(row, flush=True)
        for name, (pw, pc) in zip(("forward", "total", "rate", "E[s'^2]"), zip(*per)):
            detail.append([f"{b:g}", r, name, ", ".join(f"{x:.2f}" for x in pw), ", ".join(f"{x:.2f}" for x in pc)])
    rep.section(f"{L} spiking layers, T = {T}, width {N}, fast sigmoid {WIDTH} V: white vs coloured forward law")
    rep.note(f"Ranges over layers 1-{L - 1} of the ratio to the top layer's ||dL/dV||^2: `forward` mean_field / "
             "bptt_gain, `total` autograd / bptt_gain, `max` the largest |x - 1|; `white` the default law, `coloured` "
             f"input_memory=True; `t` the prediction's time (s). Autograd over {len(SEEDS)} weight seeds x 8 inputs.")
    rep.table(["beta", "reset", "forward white", "max", "total white", "max", "forward coloured", "max",
               "total coloured", "max", "t white", "t coloured"], rows)
    rep.section("per layer: measured / predicted")
    rep.note("`forward`, `total` per layer 1-7 (ratio to the top layer); `rate`, `E[s'^2]` per layer 1-8 "
             "(absolute, measured over the forward law's prediction).")
    rep.table(["beta", "reset", "quantity", "white", "coloured"], detail)
    rows2 = [layer2(b, r) for b, r in ((0.8, "subtract"), (0.9, "subtract"), (0.9, "zero"), (1.0, "zero"))]
    rep.section("layer 2 on layer 1's spike trains: measured / chain")
    rep.note("Both chains given the measured layer-1 rates (mean, mean square, p(1-p)); `coloured` also their "
             "measured autocovariance (lags 1-48) as the drive's memory. 3 weight draws x 8 trials x 800 steps.")
    rep.table(["beta", "reset", "autocorr lag 1, 2, 3", "rate white", "E[s'^2] white", "rate coloured",
               "E[s'^2] coloured"], rows2)
    for r in rows2:
        print(r, flush=True)
    rep.write()


if __name__ == "__main__":
    main()
