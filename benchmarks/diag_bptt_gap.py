"""Diagnostic of the 8-layer gap between ``network.bptt_gain`` and autograd (issue 15).

One forward pass per weight seed, then several backward maps on it, all as ratios to the top
layer of ||dL/dV_l||^2 (count readout):

- ``autograd``: the true backward pass;
- ``indep_fb``: autograd with the error sent down through an independent copy of each weight
  matrix (same law), the forward pass unchanged;
- ``mf_trial``: the mean-field map run on the measured path matrices separately per trial
  (batch element; D_b = mean_i A_bi G_b A_bi^T), then averaged over trials: it keeps the
  trial-to-trial fluctuation of the population's gain and its correlation across layers;
- ``mf``: the mean-field map on the measured paths pooled over trials (bptt_reference's
  ``mean_field``);
- ``mf_shuf``: per trial, each layer's trial drawn by an independent permutation (control);
- ``mf_scalar``: per trial, each trial's error covariance replaced by the pooled one at its own
  trace (the trial's scale kept, its time profile dropped);
- ``pred`` and ``pred_col``: ``bptt_gain`` with the white and the coloured (input_memory) law.

Writes ``benchmarks/results/bptt_gap.md`` (7 points, 6 weight seeds x 8 trials; env SEEDS, POINTS
to shorten) or, with ``--large``, ``bptt_gap_large.md`` (4 points, 3-4 seeds x 16-32 trials), or
with ``--sync``, ``bptt_gap_sync.md`` (forward only: the population count's excess variance per layer).

Run: ``OMP_NUM_THREADS=1 python benchmarks/diag_bptt_gap.py``
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bptt_reference import (_TORCH_SURROGATE, _path_matrices, _surrogate_grad, _time_path, run_graph,  # noqa: E402
                            step_map)
from bench_bptt import weights  # noqa: E402
from snntheory import LIF  # noqa: E402
from snntheory.network import bptt_gain  # noqa: E402

L, T, RATE = 8, 16, 100.0


def mf_map(paths, n, wm, ws, per_trial, perm=None, pooled=None):
    """Mean-field map on measured path matrices (the recursion of bptt_reference.mean_field_map).
    per_trial: one map per batch element, averaged; perm (L, batch): layer l of map b uses trial
    perm[l, b] (shuffle control); pooled: the pooled map's (G, Gb) per layer, whose shape replaces
    each trial's error covariance at the trial's own scale (the scalar control). Returns the
    per-layer norms and, for the pooled map, its (G, Gb) per layer."""
    batch = paths[0].shape[0]
    groups = range(batch) if per_trial else [None]
    out = np.zeros(len(paths))
    Gs = [None] * len(paths)
    for b in groups:
        G, Gb = np.ones((T, T)), np.zeros((T, T))
        for l in range(len(paths) - 1, -1, -1):
            if pooled is not None and l < len(paths) - 1:
                Gp, Gbp = pooled[l]
                G, Gb = Gp * np.trace(G) / np.trace(Gp), Gbp * (np.trace(Gb) / np.trace(Gbp) if np.trace(Gbp) else 0.0)
            Gs[l] = (G, Gb)
            if b is None:
                A = paths[l]
            else:
                k = b if perm is None else perm[l, b]
                A = paths[l][k:k + 1]
            D = np.einsum("bitu,uv,bisv->ts", A, G, A) / (A.shape[0] * A.shape[1])
            out[l] += n * np.trace(D) / len(groups)
            M = A.mean(axis=(0, 1))
            common = wm[l] ** 2 * (n * n - n) * (M @ Gb @ M.T)
            Gb = wm[l] ** 2 * n * D + common
            G = n * (ws[l] ** 2 + wm[l] ** 2) * D + common
    return out, Gs


def measure(beta, reset, n, kind, width, seeds, batch=8, burn=150, detach=True):
    wm, ws = weights(beta, reset, n)
    spike = _TORCH_SURROGATE[kind](width)
    acc, stats = [], []
    for seed in seeds:
        gen = torch.Generator().manual_seed(seed)
        W = [(wm[l] + ws[l] * torch.randn(n, n, generator=gen, dtype=torch.float64)).requires_grad_(True)
             for l in range(L)]
        B = [wm[l] + ws[l] * torch.randn(n, n, generator=gen, dtype=torch.float64) for l in range(L)]
        x = (torch.rand(burn + T, batch, n, generator=gen, dtype=torch.float64) < RATE * 1e-3).double()
        e = torch.randn(batch, n, generator=gen, dtype=torch.float64)
        row = []
        for fb in (None, B):
            vs, ss = run_graph(W, fb, x, beta=beta, reset=reset, spike=spike, detach_reset=detach, burn_in=burn)
            (torch.stack(ss[-1]).sum(0) * e).sum().backward()
            row.append(np.array([sum(float((a.grad ** 2).sum()) for a in vs[l]) for l in range(L)]) / batch)
        paths = []
        for l in range(L):
            vv = torch.stack(vs[l]).detach()
            sg = _surrogate_grad(spike, vv - 1.0)
            paths.append(_path_matrices(sg.numpy(), _time_path(vv, torch.stack(ss[l]).detach(), sg, beta, reset, 0.0,
                                                                1.0, detach).numpy()))
        row.append(mf_map(paths, n, wm, ws, True)[0])
        pooled, Gs = mf_map(paths, n, wm, ws, False)
        row.append(pooled)
        rng = np.random.default_rng(seed)
        perm = np.array([rng.permutation(batch) for _ in range(L)])
        row.append(mf_map(paths, n, wm, ws, True, perm)[0])
        row.append(mf_map(paths, n, wm, ws, True, pooled=Gs)[0])
        # per trial and layer: the gain a constant (count) error sees, q = mean_i ||A_bi 1||^2
        q = np.array([np.mean(np.sum(A.sum(axis=-1) ** 2, axis=-1), axis=1) for A in paths])   # (L, batch)
        stats.append(q)
        acc.append(row)
    q = np.concatenate(stats, axis=1)
    lq = np.log(q)
    cv = q.std(axis=1) / q.mean(axis=1)
    cc = [np.corrcoef(lq[l], lq[l + 1])[0, 1] for l in range(L - 1)]
    acc = np.array(acc)                       # (seeds, kinds, L): ratios to the top layer per seed
    ratio = acc / acc[:, :, -1:]
    return acc.mean(axis=0), ratio, wm, ws, cv, cc


def synchrony(rep, steps=1000, burn=200, batch=8, seeds=range(3)):
    """Forward only: the per-step population spike count N_l(t) of each layer, its CV against the
    CV of independent neurons at the measured rates, and the same-step correlations of N_l with the
    summed sigma'^2 of layers l and l + 1 (S_l), which couple one layer's paths to the error of the
    layer above within a trial."""
    from snntheory import surrogate as sg
    rows = []
    for beta, reset, n in ((0.8, "zero", 200), (0.8, "zero", 500), (0.9, "subtract", 200), (0.9, "subtract", 500),
                           (1.0, "subtract", 200), (1.0, "zero", 200)):
        wm, ws = weights(beta, reset, n)
        N, S, roll = [], [], []
        for seed in seeds:
            gen = torch.Generator().manual_seed(seed)
            W = [wm[l] + ws[l] * torch.randn(n, n, generator=gen, dtype=torch.float64) for l in range(L)]
            x = (torch.rand(burn + steps, batch, n, generator=gen, dtype=torch.float64) < RATE * 1e-3).double()
            v = [torch.zeros(batch, n, dtype=torch.float64) for _ in range(L)]
            keep = []                 # layer 5's spikes: the input of layer 6 (index 5)
            for t in range(burn + steps):
                s_in, nn, ss = x[t], [], []
                for l in range(L):
                    vp = beta * v[l] + s_in @ W[l].T
                    s = (vp > 1.0).double()
                    v[l] = vp - s if reset == "subtract" else vp * (1.0 - s)
                    if t >= burn and l == 4:
                        keep.append(s)
                    if t >= burn:
                        nn.append(s.sum(1).numpy())
                        ss.append((sg.derivative(vp.numpy() - 1.0, "fast_sigmoid", 0.04) ** 2).sum(1))
                    s_in = s
                if t >= burn:
                    N.append(np.array(nn).T)
                    S.append(np.array(ss).T)
            # layer 6 re-driven by layer 5's trains, each (trial, neuron) train rolled by its own random
            # offset: rates and autocorrelations kept, the synchrony between the trains removed
            S5 = torch.stack(keep)
            off = torch.randint(0, steps, (batch, n), generator=gen)
            idx = (torch.arange(steps)[:, None, None] + off[None]) % steps
            for src in (S5, torch.gather(S5, 0, idx)):
                _, V6 = step_map(src @ W[5].T, beta, reset)
                V6 = V6[100:]
                roll.append([float((V6 > 1.0).double().mean()),
                             float((sg.derivative(V6.numpy() - 1.0, "fast_sigmoid", 0.04) ** 2).mean())])
        N, S = np.concatenate(N), np.concatenate(S)          # (steps x batch x seeds, L)
        p = N.mean(0) / n
        excess = (N.std(0) / N.mean(0)) / np.sqrt((1.0 - p) / (n * p))
        pair = ((N.var(0) / (n * p * (1.0 - p))) - 1.0) / (n - 1)
        cc = lambda a, b: np.corrcoef(a, b)[0, 1]   # noqa: E731
        ro = np.array(roll).reshape(len(seeds), 2, 2).mean(0)     # (actual, rolled) x (rate, E[s'^2])
        rows.append([f"{beta:g}", reset, str(n), ", ".join(f"{a:.2f}" for a in excess),
                     ", ".join(f"{n * a:.1f}" for a in pair),
                     ", ".join(f"{cc(N[:, l], S[:, l + 1]):.2f}" for l in range(L - 1)),
                     ", ".join(f"{cc(S[:, l], S[:, l + 1]):.2f}" for l in range(L - 1)),
                     f"{ro[1, 0] / ro[0, 0]:.3f}", f"{ro[1, 1] / ro[0, 1]:.3f}"])
        print(rows[-1], flush=True)
    rep.note(f"Forward only, {len(seeds)} weight seeds x {batch} trials x {steps} steps after {burn}; fast sigmoid 0.04 V. "
             "`CV excess` the CV of the per-step population count N_l over sqrt((1-p)/(n p)), that of independent "
             "neurons at the measured rate (layers 1-8); `n c` n times the mean pairwise spike correlation this "
             "implies (Var N = n p (1-p) (1 + (n-1) c)); `corr N_l, S_l+1` the same-step correlation of layer l's "
             "count with the summed sigma'^2 of layer l + 1, `corr S_l, S_l+1` of the summed sigma'^2 of adjacent "
             "layers (layers 1-7); `rolled / actual`: layer 6 re-driven by layer 5's trains with each trial's and "
             "neuron's train circularly shifted by its own random offset (rates and autocorrelations kept, "
             "synchrony removed), its rate and E[sigma'^2] over those with the actual trains (after 100 steps).")
    rep.table(["beta", "reset", "n", "CV excess", "n c", "corr N_l, S_l+1", "corr S_l, S_l+1",
               "rate rolled / actual", "E[s'^2] rolled / actual"], rows)


KINDS = ("autograd", "indep_fb", "mf_trial", "mf", "mf_shuf", "mf_scalar")


def _f(y):
    return ", ".join(f"{a:.2f}" for a in y[:-1])


def main():
    from _report import Report
    large = "--large" in sys.argv
    if "--sync" in sys.argv:
        rep = Report("bptt_gap_sync", "Population synchrony through depth (the forward side of bptt_gain's "
                     "cross-layer factor)", reference=("torch",))
        synchrony(rep)
        rep.write()
        return
    if large:    # fewer points, 4x the trials: the factors' standard errors where they are widest
        rep = Report("bptt_gap_large", "bptt_gain's 8-layer gap, backward maps on one forward pass: 32 trials per "
                     "weight seed", reference=("torch", "snntorch"))
        pts = [(1.0, "subtract", 200, 4, 32), (1.0, "zero", 200, 4, 32), (0.9, "subtract", 200, 4, 32),
               (1.0, "subtract", 500, 3, 16)]
    else:
        rep = Report("bptt_gap", "Where the 8-layer gap of bptt_gain comes from: backward maps on one forward pass",
                     reference=("torch", "snntorch"))
        ns = int(os.environ.get("SEEDS", "6"))
        pts = [(b, r, n, ns, 8) for b, r, n in ((0.9, "subtract", 200), (0.9, "zero", 200), (1.0, "subtract", 200),
                                                 (1.0, "zero", 200), (0.8, "subtract", 200), (0.8, "zero", 200),
                                                 (0.9, "subtract", 500))]
    if os.environ.get("POINTS"):
        pts = pts[:int(os.environ["POINTS"])]
    rows = []
    for beta, reset, n, n_seeds, batch in pts:
        seeds = range(n_seeds)
        m, ratio, wm, ws, cv, cc = measure(beta, reset, n, "fast_sigmoid", 0.04, seeds, batch=batch)
        neuron = LIF.from_beta(beta, reset=reset)
        kw = dict(neuron=neuron, input_rate=RATE, n_steps=T, surrogate="fast_sigmoid", surrogate_width=0.04)
        p = bptt_gain([n] * (L + 1), wm, ws, **kw).delta_ratio
        pc = bptt_gain([n] * (L + 1), wm, ws, input_memory=True, **kw).delta_ratio
        r = m / m[:, -1:]
        # SE of a ratio of two kinds: over seeds, of the per-seed ratio of ratios
        def fac(a, b):
            x = ratio[:, a] / ratio[:, b]
            return r[a] / r[b], x.std(axis=0, ddof=1) / np.sqrt(x.shape[0])
        name = f"{beta:g} {reset} n={n} ({n_seeds}x{batch})"
        facs = [("total: autograd / pred", r[0] / p, None), ("total coloured: autograd / pred_col", r[0] / pc, None),
                ("forward: mf / pred", r[3] / p, None), ("forward coloured: mf / pred_col", r[3] / pc, None),
                ("cross-layer: mf_trial / mf", *fac(2, 3)), ("  control mf_shuf / mf", *fac(4, 3)),
                ("  scalar part mf_scalar / mf", *fac(5, 3)), ("quenched feedback: indep_fb / mf_trial", *fac(1, 2)),
                ("weight symmetry: autograd / indep_fb", *fac(0, 1))]
        for lab, y, se in facs:
            rows.append([name, lab, _f(y), "" if se is None else f"{np.max(se[:-1]):.2f}", f"{np.max(np.abs(y[:-1] - 1)):.2f}"])
            print(rows[-1], flush=True)
        rows.append([name, "CV over trials of q = mean_i ||A_i 1||^2 (layers 1-8)", ", ".join(f"{a:.2f}" for a in cv),
                     "", ""])
        rows.append([name, "corr of log q, layers l and l+1", ", ".join(f"{a:.2f}" for a in cc) + ", -", "", ""])
    rep.note(f"8 spiking layers, T = {T}, count readout, fast sigmoid 0.04 V, the weights of bench_bptt (init_network "
             "50 Hz plans); `point` beta, reset, width (weight seeds x trials); one forward pass per seed, then these backward maps "
             "(ratios to the top layer's ||dL/dV||^2, layers 1..7): `autograd` the true backward pass; `indep_fb` "
             "autograd with the error sent down through an independent copy of each weight matrix; `mf_trial` the "
             "mean-field map on the measured path matrices A_i(t,u) = sigma'_i[u] prod c_i, run per trial (keeps "
             "the correlation, within a trial, between one layer's paths and the error the layers above send "
             "down); `mf` the same pooled over trials (bench_bptt's `mean_field`); `mf_shuf` per trial with each "
             "layer's trial drawn by an independent permutation (control: must equal `mf` up to noise); "
             "`mf_scalar` per trial but each trial's error covariance replaced by the pooled one at the trial's "
             "own trace (keeps the trial's scale, drops its time profile); `pred`, `pred_col` bptt_gain white and "
             "coloured (input_memory). The factors multiply: total = forward x cross-layer x quenched feedback x "
             "weight symmetry, per layer. `SE` the largest standard error over seeds of a factor (per-seed "
             "ratios); `max` the largest |x - 1|.")
    rep.table(["point", "factor", "layers 1..7", "SE", "max"], rows)
    rep.write()


if __name__ == "__main__":
    main()
