r"""Does theory-based initialisation help spiking networks learn real data? (issue #7)

Surrogate-gradient training of feed-forward LIF networks on scikit-learn's handwritten digits
(``sklearn.datasets.load_digits``: 1797 8x8 images, 10 classes, shipped inside the
scikit-learn wheel, so nothing is downloaded), rate-coded into Bernoulli spike trains.
Each hidden-layer initialisation below is applied with :func:`snntheory.torch.init_snn_` to the
same :class:`snntheory.torch.SpikingMLP`, for a shallow and a deep network and several seeds:

=============  ==============================================================================
method         weights of every hidden layer
=============  ==============================================================================
pytorch        ``torch.nn.Linear`` default, U(-1/sqrt(n_in), 1/sqrt(n_in))
kaiming        He et al. 2015, N(0, 2/n_in)
fluctuation    Rossbroich, Gygax & Zenke 2022 (stork's centred fluctuation-driven rule)
discrete       snntheory depth model (exact step-map chain), every layer at ``--target-rate``
diffusion      snntheory per-layer diffusion (Siegert) solve, every layer at ``--target-rate``
=============  ==============================================================================

The readout is a non-spiking ``nn.Linear`` on the spike counts (summed over T) of the last hidden layer
(PyTorch default init, identical for every method at a given seed: ``init_snn_`` leaves weight
layers after the last LIF module alone). Loss: cross-entropy; optimiser: Adam, one learning
rate for all methods (not tuned per method). Fixed budget: ``--epochs`` epochs.

Measured per run: the per-layer firing probability per step and the fraction of silent hidden
neurons (no spike in ``T x 512`` sample-steps) at initialisation, next to what the plan
predicts; the gradient norm of every hidden weight matrix on the first batch; test accuracy
after every epoch; the per-layer rates after training.

Usage::

    python3 experiments/train_digits.py              # full run -> experiments/results/
    python3 experiments/train_digits.py --quick      # < 3 min on 2 cores -> /tmp/snntheory_digits_quick

The plan of a (network, method) pair does not depend on the seed; it is computed once (in
parallel worker processes, ``--jobs``) and reused for every seed (``init_snn_(..., plan=plan)``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
import multiprocessing as mp

import numpy as np

METHODS = ("pytorch", "kaiming", "fluctuation", "discrete", "diffusion")
THEORY = ("discrete", "diffusion")
# variants of the snntheory plan (not in the default comparison; select with --methods):
# "discrete-k0": zero-mean family (kappa = 0) instead of the default inhibition-dominated kappa = -1.25;
# "discrete-bwd": w_std="backward", the point of the target-rate family where the surrogate-gradient
# variance gain of each layer is 1 (snntheory.inverse.init_network)
# "discrete-data": the default plan calibrated on 512 encoded training samples (16-step trials from
# V = 0, as trained) instead of stationary Bernoulli input at the mean pixel rate
VARIANTS = {"discrete-k0": ("discrete", dict(kappa=0.0)), "discrete-bwd": ("discrete", dict(w_std="backward")),
            "discrete-data": ("discrete", {}), "discrete-kstd": ("discrete", {}), "discrete-20hz": ("discrete", {})}
# "discrete-kstd": Kaiming's weight SD sqrt(2 / n_in) in every layer, only the mean solved for the
# target rate; "discrete-20hz": the default plan at 20 Hz instead of 50 Hz
CALIBRATION_SAMPLES, CALIBRATION_SEED = 512, 12345
SILENT_SAMPLES = 512          # samples of the init measurement (silent = no spike in T x this many steps)

FULL = dict(seeds=3, epochs=12, steps=16, batch=32, width=128, shallow=1, deep=8, lr=5e-3,
            train_subset=0, p_max=0.5, target_rate=50.0, beta=0.9, reset="subtract")
QUICK = dict(FULL, seeds=1, epochs=2, steps=10, width=48, train_subset=600)


# =============================================================================================
# data
# =============================================================================================


def load_data(seed=0, test_size=0.2):
    """Digits scaled to [0, 1], stratified train/test split fixed by ``seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    return train_test_split(x, d.target.astype(np.int64), test_size=test_size, random_state=seed, stratify=d.target)


def encode(x, steps, p_max, generator):
    """Rate code: Bernoulli spikes with probability ``p_max * pixel`` per step, ``[T, batch, 64]``."""
    import torch

    p = (torch.as_tensor(x) * p_max).unsqueeze(0).expand(steps, -1, -1)
    return torch.bernoulli(p, generator=generator)


# =============================================================================================
# model, plans
# =============================================================================================


def make_neuron(cfg):
    from snntheory import LIF

    return LIF.from_beta(cfg["beta"], dt=1e-3, v_th=1.0, reset=cfg["reset"])


def hidden_widths(cfg, arch, n_in=64):
    return [n_in] + [cfg["width"]] * cfg[arch]


def build_model(cfg, arch, n_classes=10):
    """SpikingMLP of the hidden layers + a non-spiking linear readout of the last one's spike counts."""
    from torch import nn
    from snntheory.torch import SpikingMLP

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.snn = SpikingMLP(hidden_widths(cfg, arch), make_neuron(cfg))
            self.readout = nn.Linear(cfg["width"], n_classes)

        def forward(self, x):
            return self.readout(self.snn(x).sum(0))

    return Net()


def calibration_raster(cfg):
    """Encoded training samples ``[T, CALIBRATION_SAMPLES, 64]`` (numpy) for the data-calibrated plan."""
    import torch

    x_train = load_data()[0]
    if cfg["train_subset"]:
        x_train = x_train[: cfg["train_subset"]]
    gen = torch.Generator().manual_seed(CALIBRATION_SEED)
    return encode(x_train[:CALIBRATION_SAMPLES], cfg["steps"], cfg["p_max"], gen).numpy()


def plan_kwargs(cfg, method, input_rate):
    name = method
    method, extra = VARIANTS.get(method, (method, {}))
    kw = dict(input_rate=input_rate, method=method, map_gain=False, **extra)
    if name == "discrete-data":
        kw["calibration_input"] = calibration_raster(cfg)
    if name == "discrete-kstd":
        kw["w_std"] = [math.sqrt(2.0 / n) for n in hidden_widths(cfg, "deep")[: cfg["deep"]]]
    if method in THEORY:
        kw["target_rate"] = 20.0 if name == "discrete-20hz" else cfg["target_rate"]
    return kw


def make_plan(cfg, arch, method, input_rate):
    """The NetworkInit of (arch, method) and its wall time, through init_snn_ itself."""
    import torch
    from snntheory.torch import init_snn_

    torch.set_num_threads(1)
    t0, c0 = time.perf_counter(), time.process_time()
    model = build_model(cfg, arch)
    try:
        plan = init_snn_(model.snn, **plan_kwargs(cfg, method, input_rate))
    except Exception as e:  # an unreachable target is a result, not a crash
        return arch, method, None, f"{type(e).__name__}: {e}", time.perf_counter() - t0, time.process_time() - c0
    return arch, method, plan, None, time.perf_counter() - t0, time.process_time() - c0


# =============================================================================================
# one training run
# =============================================================================================


def lif_layers(model):
    from snntheory.torch import LIFNeurons

    return [m for m in model.snn if isinstance(m, LIFNeurons)]


def measure_rates(model, x):
    """Per-layer firing probability per step and silent fraction for input spikes ``x``."""
    import torch

    with torch.no_grad():
        model(x)
    rates, silent = [], []
    for m in lif_layers(model):
        s = m.last_spikes
        rates.append(float(s.mean()))
        silent.append(float((s.sum(dim=(0, 1)) == 0).float().mean()))
    return rates, silent


def accuracy(model, x, y, chunk=512):
    import torch

    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[1], chunk):
            correct += int((model(x[:, i:i + chunk]).argmax(1) == y[i:i + chunk]).sum())
    return correct / x.shape[1]


def train_run(cfg, arch, method, seed, plan, input_rate, data):
    """Initialise with init_snn_ (stored plan), train for cfg['epochs'], return the record."""
    import torch
    from torch import nn
    from snntheory.torch import init_snn_

    torch.set_num_threads(1)
    t0, c0 = time.perf_counter(), time.process_time()
    x_tr, x_te, y_tr, y_te = data
    y_tr_t, y_te_t = torch.as_tensor(y_tr), torch.as_tensor(y_te)
    steps, p_max = cfg["steps"], cfg["p_max"]
    g_fixed = torch.Generator().manual_seed(10_000)     # same encoded test set for every run
    x_te_s = encode(x_te, steps, p_max, g_fixed)
    x_probe = encode(x_tr[:SILENT_SAMPLES], steps, p_max, g_fixed)

    torch.manual_seed(seed)                              # readout init: same for every method
    model = build_model(cfg, arch)
    # the plan depends on the architecture and method, not on the seed: draw from the stored one
    init_snn_(model.snn, generator=torch.Generator().manual_seed(seed), input_rate=input_rate, plan=plan)

    rec = dict(arch=arch, method=method, seed=seed)
    rec["init_rates"], rec["init_silent"] = measure_rates(model, x_probe)
    # gradient norm of every hidden weight matrix on one batch at initialisation
    loss_fn = nn.CrossEntropyLoss()
    model.zero_grad()
    loss_fn(model(x_probe[:, :256]), y_tr_t[:256]).backward()
    rec["init_grad_norms"] = [float(m.weight.grad.norm()) for m in model.snn if isinstance(m, nn.Linear)]
    model.zero_grad()

    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    g = torch.Generator().manual_seed(seed + 1)
    n = len(y_tr)
    test_acc, train_loss, train_acc = [accuracy(model, x_te_s, y_te_t)], [], []
    for _ in range(cfg["epochs"]):
        perm = torch.randperm(n, generator=g)
        tot, correct = 0.0, 0
        for i in range(0, n, cfg["batch"]):
            idx = perm[i:i + cfg["batch"]]
            xb = encode(x_tr[idx.numpy()], steps, p_max, g)
            out = model(xb)
            loss = loss_fn(out, y_tr_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
            correct += int((out.argmax(1) == y_tr_t[idx]).sum())
        train_loss.append(tot / n)
        train_acc.append(correct / n)
        test_acc.append(accuracy(model, x_te_s, y_te_t))
    rec["test_acc"] = test_acc              # index 0: before training
    rec["train_loss"], rec["train_acc"] = train_loss, train_acc
    rec["final_test_acc"] = test_acc[-1]
    rec["final_rates"], rec["final_silent"] = measure_rates(model, x_probe)
    rec["seconds"] = time.perf_counter() - t0
    rec["cpu_seconds"] = time.process_time() - c0
    return rec


# =============================================================================================
# driver
# =============================================================================================


def run(cfg, methods, archs, jobs, log=print, checkpoint=None):
    data = load_data(0)
    x_tr = data[0]
    if cfg["train_subset"]:
        x_tr, y_tr = data[0][:cfg["train_subset"]], data[2][:cfg["train_subset"]]
        data = (x_tr, data[1], y_tr, data[3])
    dt = 1e-3
    input_rate = float(x_tr.mean()) * cfg["p_max"] / dt     # mean rate of the 64 input trains (Hz)
    t0 = time.perf_counter()
    plans, plan_info, runs = {}, {}, []
    ctx = mp.get_context("spawn")
    # longest plans first (deep, theory) so the pool is not left waiting on one at the end
    order = sorted(((a, m) for a in archs for m in methods), key=lambda am: (am[0] != "deep", am[1] not in THEORY and am[1] not in VARIANTS))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        pending = {pool.submit(make_plan, cfg, a, m, input_rate): ("plan", a, m) for a, m in order}
        while pending:
            fut = next(as_completed(pending))
            kind, a, m = pending.pop(fut)
            if kind == "plan":
                _, _, plan, err, secs, cpu = fut.result()
                plan_info[f"{a}/{m}"] = dict(seconds=secs, cpu_seconds=cpu, error=err, **(_plan_record(plan) if plan else {}))
                log(f"[{time.perf_counter() - t0:6.0f}s] plan {a:7s} {m:11s} {secs:6.1f}s wall {cpu:6.1f}s cpu "
                    + (err if err else "rates " + " ".join(f"{r:.0f}" for r in plan.rates) + " Hz"))
                if plan is not None:
                    plans[(a, m)] = plan
                    for s in range(cfg["seeds"]):
                        pending[pool.submit(train_run, cfg, a, m, s, plan, input_rate, data)] = ("train", a, m)
            else:
                rec = fut.result()
                runs.append(rec)
                if checkpoint is not None:       # partial results survive an interrupted run
                    checkpoint(dict(meta=dict(config=cfg, complete=False), plans=plan_info, runs=runs))
                log(f"[{time.perf_counter() - t0:6.0f}s] train {a:7s} {m:11s} seed {rec['seed']} "
                    f"acc {rec['final_test_acc']:.3f} init rates {rec['init_rates'][0]:.3f}..{rec['init_rates'][-1]:.3f} "
                    f"({rec['seconds']:.0f}s wall, {rec['cpu_seconds']:.0f}s cpu)")
    runs.sort(key=lambda r: (archs.index(r["arch"]), methods.index(r["method"]), r["seed"]))
    import torch
    import sklearn

    meta = dict(config=cfg, complete=True, methods=list(methods), code=code_version(), archs={a: hidden_widths(cfg, a) + [10] for a in archs},
                input_rate_hz=input_rate, dt=dt, n_train=len(data[2]), n_test=len(data[3]),
                wall_seconds=time.perf_counter() - t0, jobs=jobs, torch_threads_per_run=1,
                versions=dict(python=platform.python_version(), torch=torch.__version__,
                              sklearn=sklearn.__version__, numpy=np.__version__),
                silent_definition=f"no spike in {cfg['steps']} steps x {SILENT_SAMPLES} training samples")
    return dict(meta=meta, plans=plan_info, runs=runs, summary=summarise(runs, plan_info, methods, archs))


def code_version():
    """Commit of the snntheory checkout that ran (the planner changes between commits), and
    whether snntheory/ had uncommitted changes."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "snntheory"], cwd=root, capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return dict(commit=None, snntheory_modified=None)
    return dict(commit=head or None, snntheory_modified=bool(dirty))


def _plan_record(plan):
    return dict(rates_hz=[float(r) for r in plan.rates], w_mean=[float(v) for v in plan.w_means],
                w_std=[float(v) for v in plan.w_stds], silent=[float(l.silent_fraction) for l in plan.layers],
                p_per_step=[float(r) * plan.neuron.dt for r in plan.rates])


def summarise(runs, plan_info, methods, archs):
    out = []
    for a in archs:
        for m in methods:
            rs = [r for r in runs if r["arch"] == a and r["method"] == m]
            pi = plan_info.get(f"{a}/{m}", {})
            row = dict(arch=a, method=m, n_seeds=len(rs), plan_error=pi.get("error"))
            if rs:
                acc = np.array([r["final_test_acc"] for r in rs])
                curves = np.array([r["test_acc"] for r in rs])
                rates = np.array([r["init_rates"] for r in rs])
                silent = np.array([r["init_silent"] for r in rs])
                row.update(acc_mean=float(acc.mean()), acc_sd=float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
                           acc_min=float(acc.min()), acc_max=float(acc.max()),
                           acc_epoch1=float(curves[:, 1].mean()) if curves.shape[1] > 1 else None,
                           curve_mean=[float(v) for v in curves.mean(0)],
                           init_rate_first=float(rates[:, 0].mean()), init_rate_last=float(rates[:, -1].mean()),
                           init_rates_mean=[float(v) for v in rates.mean(0)],
                           init_silent_mean=float(silent.mean()), init_silent_last=float(silent[:, -1].mean()),
                           plan_p_first=pi["p_per_step"][0], plan_p_last=pi["p_per_step"][-1],
                           final_rate_last=float(np.mean([r["final_rates"][-1] for r in rs])),
                           grad_norm_first=float(np.mean([r["init_grad_norms"][0] for r in rs])),
                           seconds_mean=float(np.mean([r["seconds"] for r in rs])))
            out.append(row)
    return out


def markdown(res):
    meta = res["meta"]
    cfg = meta["config"]
    lines = ["# Digits: initialisation vs surrogate-gradient training (generated by experiments/train_digits.py)", "",
             f"sklearn `load_digits`, {meta['n_train']} train / {meta['n_test']} test images (stratified split, seed 0), "
             f"rate-coded Bernoulli input (p = {cfg['p_max']:g} x pixel per step, mean input rate {meta['input_rate_hz']:.1f} Hz at dt = 1 ms), "
             f"T = {cfg['steps']} steps, LIF beta = {cfg['beta']:g}, v_th = 1, reset = {cfg['reset']}, "
             f"fast-sigmoid surrogate (width 0.04 V), hidden width {cfg['width']}, "
             f"Adam lr {cfg['lr']:g}, batch {cfg['batch']}, {cfg['epochs']} epochs, {cfg['seeds']} seeds. "
             f"Theory methods target {cfg['target_rate']:g} Hz (p = {cfg['target_rate'] * 1e-3:g}) in every hidden layer.",
             "",
             "| net | method | test acc (mean ± SD) | min–max | acc after 1 epoch | init p layer 1 (plan) | init p last hidden (plan) | silent at init (all / last) | p last hidden after training |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in res["summary"]:
        name = f"{r['arch']} ({len(meta['archs'][r['arch']]) - 2} hidden)"
        if not r["n_seeds"]:
            lines.append(f"| {name} | {r['method']} | not run: {r['plan_error']} | | | | | | |")
            continue
        e1 = f"{r['acc_epoch1']:.3f}" if r["acc_epoch1"] is not None else "–"
        lines.append(f"| {name} | {r['method']} | {r['acc_mean']:.3f} ± {r['acc_sd']:.3f} | {r['acc_min']:.3f}–{r['acc_max']:.3f} | "
                     f"{e1} | {r['init_rate_first']:.3f} ({r['plan_p_first']:.3f}) | {r['init_rate_last']:.3g} ({r['plan_p_last']:.3g}) | "
                     f"{r['init_silent_mean']:.2f} / {r['init_silent_last']:.2f} | {r['final_rate_last']:.3f} |")
    lines += ["", "p = spikes per neuron per step (Hz x 1 ms); plan = what `init_snn_`'s plan predicts for that layer "
              "(for the baselines: what the depth model predicts their weights do). Silent = "
              + meta["silent_definition"] + ".", ""]
    deep = [r for r in res["summary"] if r["arch"] == "deep" and r["n_seeds"]]
    if deep:
        L = len(deep[0]["init_rates_mean"])
        lines += ["Measured firing probability per step of each hidden layer at initialisation (deep net, mean over seeds):", "",
                  "| method | " + " | ".join(f"L{i + 1}" for i in range(L)) + " |", "|---|" + "---|" * L]
        for r in deep:
            lines.append(f"| {r['method']} | " + " | ".join(f"{v:.3f}" for v in r["init_rates_mean"]) + " |")
        lines.append("")
    code = meta.get("code") or {}
    lines.append(f"Wall time {meta['wall_seconds'] / 60:.1f} min with {meta['jobs']} worker processes (1 torch thread each); "
                 f"snntheory commit {code.get('commit')}" + (" with uncommitted changes in snntheory/" if code.get("snntheory_modified") else "") + ".")
    return "\n".join(lines) + "\n"


def plot(res, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    archs = list(res["meta"]["archs"])
    fig, axes = plt.subplots(1, len(archs), figsize=(5.2 * len(archs), 3.8), squeeze=False)
    colours = dict(pytorch="tab:gray", kaiming="tab:blue", fluctuation="tab:green", discrete="tab:red",
                   diffusion="tab:orange", **{"discrete-k0": "tab:purple", "discrete-bwd": "tab:brown", "discrete-data": "tab:olive",
                      "discrete-kstd": "tab:cyan", "discrete-20hz": "tab:pink"})
    for ax, a in zip(axes[0], archs):
        for m in res["meta"]["methods"]:
            rs = [r for r in res["runs"] if r["arch"] == a and r["method"] == m]
            if not rs:
                continue
            c = np.array([r["test_acc"] for r in rs])
            ep = np.arange(c.shape[1])
            ax.plot(ep, c.mean(0), color=colours.get(m), label=m)
            if len(rs) > 1:
                ax.fill_between(ep, c.min(0), c.max(0), color=colours.get(m), alpha=0.15, lw=0)
        n_hidden = len(res["meta"]["archs"][a]) - 2
        ax.set_title(f"{a}: {n_hidden} hidden layer{'s' if n_hidden > 1 else ''} x {res['meta']['config']['width']}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy")
        ax.set_ylim(0, 1)
        ax.axhline(0.1, color="k", lw=0.5, ls=":")
        ax.grid(alpha=0.3)
    axes[0][0].legend(loc="lower right", fontsize=8)
    fig.suptitle("sklearn digits, rate-coded LIF network: mean over seeds, band = min..max", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small settings (< 3 min on 2 cores)")
    ap.add_argument("--out", default=None, help="output folder (default experiments/results, or /tmp/snntheory_digits_quick with --quick)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (each runs 1 torch thread)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--archs", default="shallow,deep")
    for k in ("seeds", "epochs", "steps", "batch", "width", "shallow", "deep", "train_subset"):
        ap.add_argument("--" + k.replace("_", "-"), type=int, default=None)
    for k in ("lr", "p_max", "target_rate", "beta"):
        ap.add_argument("--" + k.replace("_", "-"), type=float, default=None)
    ap.add_argument("--reset", choices=("zero", "subtract"), default=None)
    ap.add_argument("--report-only", action="store_true", help="rewrite digits.md and the figure from OUT/digits.json")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    for k in list(cfg):
        v = getattr(args, k, None)
        if v is not None:
            cfg[k] = v
    methods = tuple(m for m in args.methods.split(",") if m)
    archs = [a for a in args.archs.split(",") if a]
    bad = [m for m in methods if m not in METHODS and m not in VARIANTS] + [a for a in archs if a not in ("shallow", "deep")]
    if bad:
        raise SystemExit(f"unknown method/arch: {bad}")
    out = args.out or ("/tmp/snntheory_digits_quick" if args.quick else os.path.join(os.path.dirname(__file__), "results"))
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "digits.json")

    def save(res):
        with open(path + ".tmp", "w") as f:
            json.dump(res, f, indent=1)
        os.replace(path + ".tmp", path)

    if args.report_only:
        with open(path) as f:
            res = json.load(f)
    else:
        res = run(cfg, list(methods), archs, max(1, args.jobs), log=lambda s: print(s, flush=True),
                  checkpoint=save)
        save(res)
    md = markdown(res)
    with open(os.path.join(out, "digits.md"), "w") as f:
        f.write(md)
    plot(res, os.path.join(out, "learning_curves.png"))
    print(md)
    print(f"wrote {out}/digits.json, digits.md, learning_curves.png in {res['meta']['wall_seconds']:.0f} s")
    return res


if __name__ == "__main__":
    main()
