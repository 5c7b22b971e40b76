"""Surrogate-gradient norms through depth and time: ``network.bptt_gain`` against PyTorch
autograd on the same networks (``tests/bptt_reference.py``), with the gap split into its two
causes. Prints the tables and writes ``benchmarks/results/bptt.md``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_bptt.py [--quick]``

Grid: beta 0.8, 0.9, 1 x both resets (detached, snnTorch's convention) x fast-sigmoid widths
0.02, 0.04, 0.1 V at width 200; widths 100 and 500 at beta 0.9 (0.04 V); ATan and sigmoid at
beta 0.9; two non-detached (subtract) points. Weights: ``inverse.init_network`` plans at 50 Hz
(i.i.d. Gaussian) for 4 weight matrices, the 4th repeated for the deeper layers; 8 spiking layers,
T = 16 steps after a 150-step burn-in, count readout; autograd over 6 weight seeds x 8 input
draws. Per point, layers 1..7, ratio to the top layer of ||dL/dV_l||^2:

- ``total``: autograd / ``bptt_gain``;
- ``forward``: ``mean_field`` / ``bptt_gain``, where ``mean_field`` is the same mean-field backward
  map run on the measured forward paths (bptt_reference): the error of the depth model's forward
  law (the chain's surrogate and path statistics per layer) as the backward pass sees it;
- ``independence``: autograd / ``mean_field``: what mean-field independence leaves out (a
  neuron's spike moves its targets' membranes, so the error it receives back depends on its own
  state). ``total = forward x independence`` exactly, per layer.

Two further tables: one spiking layer driven by the Bernoulli input (where the depth model's law
is the input's own), absolute ||dL/dV||^2 predicted vs autograd for every reset, detach and
readout; and autograd with the error sent down through independent copies of the weights.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _report import Report  # noqa: E402
from bptt_reference import measure, step_map  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory.inverse import init_network  # noqa: E402
from snntheory import surrogate as sg  # noqa: E402
from snntheory.network import _bptt_layer, _State, bptt_gain, predict_network  # noqa: E402

QUICK = "--quick" in sys.argv
L = 8
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


def _rng(x):
    return f"{x.min():.2f} .. {x.max():.2f}"


def point(beta, reset, n, kind, width, detach=True):
    wm, ws = weights(beta, reset, n)
    neuron = LIF.from_beta(beta, reset=reset)
    t0 = time.perf_counter()
    pred = bptt_gain([n] * (L + 1), wm, ws, neuron=neuron, input_rate=RATE, n_steps=T, surrogate=kind,
                     surrogate_width=width, detach_reset=detach)
    t_pred = time.perf_counter() - t0
    m = measure([n] * (L + 1), wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt,
                surrogate=kind, width=width, detach_reset=detach, seeds=SEEDS)
    meas = m["delta"] / m["delta"][-1]
    mf = m["mean_field"] / m["mean_field"][-1]
    d = (meas / pred.delta_ratio)[:-1]
    fwd = (mf / pred.delta_ratio)[:-1]
    ind = (meas / mf)[:-1]
    w = (m["weight"] / m["weight"][-1] / pred.weight_ratio)[:-1]
    se = (m["delta_se"] / m["delta"])[:-1]
    ok = bool(np.all(np.abs(d - 1.0) <= 0.2))
    e2 = m["surrogate_moment"] / pred.surrogate_moment
    rt = m["rate"] / (predict_network([n] * (L + 1), wm, ws, neuron=neuron, input_rate=RATE).rates * neuron.dt)
    return [f"{beta:g}", reset + ("" if detach else " (attached)"), str(n), f"{kind} {width:.3g}",
            _rng(d), f"{np.max(np.abs(d - 1)):.2f}", _rng(fwd), f"{np.max(np.abs(fwd - 1)):.2f}", _rng(ind),
            f"{np.max(np.abs(ind - 1)):.2f}", _rng(w), f"{se.max():.2f}", "yes" if ok else "no", _rng(e2), _rng(rt),
            f"{t_pred:.1f}"]


def forward_law(rep, steps=1200, burn=200):
    """Layer 2 driven by layer 1's spike trains, by Bernoulli trains at the same per-neuron rates,
    and the depth model's chain given those measured rates: which part of the input the chain misses."""
    rows = []
    for beta, reset in ((0.8, "subtract"), (0.9, "subtract"), (0.9, "zero"), (1.0, "zero")):
        wm, ws = weights(beta, reset, 200)
        neuron = LIF.from_beta(beta, reset=reset)
        acc = []
        for seed in SEEDS[:3]:
            gen = torch.Generator().manual_seed(seed)
            W1, W2 = (wm[k] + ws[k] * torch.randn(200, 200, generator=gen, dtype=torch.float64) for k in (0, 1))
            x = (torch.rand(steps, 8, 200, generator=gen, dtype=torch.float64) < RATE * neuron.dt).double()
            S1, _ = step_map(x @ W1.T, beta, reset)
            p = S1[burn:].mean((0, 1))
            dev = S1[burn:] - p
            ac = [float((dev[:-d] * dev[d:]).mean() / (dev * dev).mean()) for d in (1, 2, 3)]
            xb = (torch.rand(steps, 8, 200, generator=gen, dtype=torch.float64) < p).double()
            cells = []
            for inp in (S1, xb):
                S2, V2 = step_map(inp @ W2.T, beta, reset)
                d2 = torch.tensor(sg.derivative((V2[burn:] - 1.0).numpy(), "fast_sigmoid", 0.04))
                cells += [float(S2[burn:].mean()), float((d2 ** 2).mean())]
            pn = p.numpy()
            state = _State(float(pn.mean()), float((pn ** 2).mean()), float((pn * (1 - pn)).mean()), False)
            _, _, e2, _, out = _bptt_layer(neuron, 200, state, wm[1], ws[1], "fast_sigmoid", 0.04, True, 2)
            acc.append(cells + [out.ep, e2] + ac)
        a = np.mean(acc, axis=0)
        rows.append([f"{beta:g}", reset, f"{a[6]:.2f}, {a[7]:.2f}, {a[8]:.2f}", f"{a[0] / a[4]:.3f}", f"{a[1] / a[5]:.3f}",
                     f"{a[2] / a[4]:.3f}", f"{a[3] / a[5]:.3f}"])
        print(rows[-1], flush=True)
    rep.section("forward law: layer 2 on spike trains vs on Bernoulli trains at the same rates (width 200, 0.04 V)")
    rep.note("Layer 1 driven by the Bernoulli input, layer 2 by (a) layer 1's spike trains, (b) independent Bernoulli "
             "trains with each layer-1 neuron's measured rate; the depth model's chain (bptt_gain's) evaluated on the "
             "measured rates (their mean, mean square and mean p(1-p)). `autocorr` the layer-1 trains' autocorrelation "
             "at lags 1, 2, 3; then measured / chain for the rate and E[s'^2] of layer 2 with each input. 3 weight "
             "draws x 8 trials x 1000 steps.")
    rep.table(["beta", "reset", "autocorr lag 1, 2, 3", "rate spikes/chain", "E[s'^2] spikes/chain",
               "rate Bernoulli/chain", "E[s'^2] Bernoulli/chain"], rows)


def single_layer(rep):
    """One spiking layer on the Bernoulli input: the depth model's law is exact up to the finite
    width, so this checks the through-time part (path expectations, reset path) in absolute terms."""
    rows = []
    for beta, reset, wm, ws in ((0.9, "subtract", -0.015, 0.18), (0.9, "zero", 0.0, 0.142),
                                (1.0, "subtract", 0.005, 0.0163), (1.0, "zero", 0.005, 0.0166)):
        neuron = LIF.from_beta(beta, reset=reset)
        for detach in (True, False):
            for readout in ("count", "step"):
                p = bptt_gain([200, 200], wm, ws, neuron=neuron, input_rate=RATE, n_steps=T, surrogate="fast_sigmoid",
                              surrogate_width=0.04, detach_reset=detach, readout=readout)
                m = measure([200, 200], wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt,
                            surrogate="fast_sigmoid", width=0.04, detach_reset=detach, readout=readout, seeds=SEEDS,
                            batch=16)
                rows.append([f"{beta:g}", reset, "detached" if detach else "attached", readout,
                             f"{p.delta_norm[0]:.4g}", f"{m['delta'][0]:.4g}", f"{m['delta'][0] / p.delta_norm[0]:.3f}",
                             f"{m['delta_se'][0] / m['delta'][0]:.3f}", f"{m['mean_field'][0] / p.delta_norm[0]:.3f}",
                             f"{m['surrogate_moment'][0] / p.surrogate_moment[0]:.3f}"])
                print(rows[-1], flush=True)
    rep.section("one spiking layer on the Bernoulli input (width 200, fast sigmoid 0.04 V, T = 16)")
    rep.note("Absolute ||dL/dV||^2 summed over steps and neurons: `pred` bptt_gain, `autograd` measured, `SE` its "
             "relative standard error; `mean_field / pred` the expectation on the measured paths over the prediction "
             "(no readout sampling noise); `E[s'^2]` measured / predicted. Here the layer's input is the Bernoulli "
             "input the depth model assumes, so this isolates the through-time part of the theory (leak path, reset "
             "path detached or attached, count or step readout).")
    rep.table(["beta", "reset", "reset path", "readout", "pred", "autograd", "autograd / pred", "SE",
               "mean_field / pred", "E[s'^2] meas/pred"], rows)


def feedback(rep):
    """The gap with the error sent down through independent copies of the weights."""
    rows = []
    for beta, reset in ((0.9, "subtract"), (0.9, "zero"), (1.0, "subtract"), (1.0, "zero")):
        wm, ws = weights(beta, reset, 200)
        neuron = LIF.from_beta(beta, reset=reset)
        cells = [f"{beta:g}", reset]
        for fb in ("same", "independent"):
            m = measure([200] * (L + 1), wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt,
                        surrogate="fast_sigmoid", width=0.04, seeds=SEEDS, feedback=fb)
            r = (m["delta"] / m["delta"][-1] / (m["mean_field"] / m["mean_field"][-1]))[:-1]
            cells.append(", ".join(f"{x:.2f}" for x in r))
        rows.append(cells)
        print(cells, flush=True)
    rep.section(f"independence: autograd / mean_field per layer (1..{L - 1}), width 200, fast sigmoid 0.04 V")
    rep.note("`same`: the true backward pass; `independent`: the error sent down through an independent copy of each "
             "weight matrix (the forward pass unchanged). `independent` near 1 means the mean-field layer map is "
             "right once the forward paths are; what is left there is a neuron's own spike moving its targets "
             "(B_ki^2 E[delta_k^2 | kick W_ki]: the target's path depends on the kick even when the feedback weight "
             "does not), and in `same` in addition the correlation of W_ki with that kick.")
    rep.table(["beta", "reset", "same", "independent"], rows)


def main():
    rep = Report("bptt", "Surrogate-gradient norms through depth and time: bptt_gain against PyTorch autograd",
                 reference=("torch", "snntorch"))
    if QUICK:
        rep.note("--quick: 2 seeds and part of the grid; a check of the script, not a result to quote.")
    rows = []
    grid = [(b, r, 200, "fast_sigmoid", w) for b in (0.8, 0.9, 1.0) for r in ("subtract", "zero")
            for w in (0.02, 0.04, 0.1)]
    grid += [(0.9, r, n, "fast_sigmoid", 0.04) for r in ("subtract", "zero") for n in (100, 500)]
    grid += [(0.9, "subtract", 200, "atan", 1.0 / math.pi), (0.9, "zero", 200, "sigmoid", 0.1)]
    if QUICK:
        grid = grid[:2]
    for args in grid:
        rows.append(point(*args))
        print(rows[-1], flush=True)
    if not QUICK:
        rows.append(point(0.9, "subtract", 200, "fast_sigmoid", 0.04, detach=False))
        rows.append(point(0.8, "subtract", 200, "fast_sigmoid", 0.1, detach=False))
    rep.section(f"{L} spiking layers, T = {T}, count readout: measured / predicted per-layer ratio to the top layer")
    rep.note(f"Ranges over layers 1-{L - 1} of the ratio to the top layer's ||dL/dV||^2: `total` autograd / bptt_gain "
             "(1 = exact), `forward` mean_field / bptt_gain (the depth model's forward law), `independence` autograd / "
             "mean_field (mean-field independence); total = forward x independence per layer; `max` the largest "
             "|x - 1|. `dW` total for the weight gradients; `SE` the largest relative standard error of the measured "
             "norms over seeds; `<= 20 %` whether every layer meets the issue's tolerance; `E[s'^2]` and `rate` the "
             f"range over the {L} layers of measured over predicted; `t pred` the prediction's time (s).")
    rep.table(["beta", "reset", "width", "surrogate", "total", "max", "forward", "max", "independence", "max",
               "dW total", "SE", "<= 20 %", "E[s'^2] meas/pred", "rate meas/pred", "t pred s"], rows)
    n_ok = sum(r[12] == "yes" for r in rows)
    n_fwd = sum(float(r[7]) <= 0.2 for r in rows)
    n_ind = sum(float(r[9]) <= 0.2 for r in rows)
    rep.note(f"{n_ok} of {len(rows)} points meet 20 % on every layer; the forward factor alone is within 20 % at "
             f"{n_fwd}, the independence factor alone at {n_ind}.")
    forward_law(rep)
    if not QUICK:
        single_layer(rep)
        feedback(rep)
    rep.write()


if __name__ == "__main__":
    main()
