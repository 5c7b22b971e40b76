r"""Side-by-side comparison of SNN initialisations on real data, with fair learning-rate tuning (issue #16).

Feed-forward LIF networks (:class:`snntheory.torch.SpikingMLP`, hidden width 128, a
non-spiking linear readout of the last hidden layer's spike counts) trained with surrogate
gradients on scikit-learn's digits (rate code as in ``train_digits.py``, or a latency code),
every hidden layer initialised through :func:`snntheory.torch.init_snn_` with one ``method``:

===============  ==========================================================================
method           hidden weights
===============  ==========================================================================
pytorch          ``nn.Linear`` default U(+-1/sqrt(n_in))
kaiming          He et al. 2015, N(0, 2/n_in)
glorot           Glorot & Bengio 2010, N(0, 2/(n_in + n_out))
fluctuation      Rossbroich, Gygax & Zenke 2022 (stork's centred fluctuation-driven rule)
micheli          Micheli et al. 2024, N(0, 1/(n_in P(u > theta)))
discrete         snntheory's current rate plan (depth model, every layer at ``--target-rate``)
trainable        issue #16's first trainability plan: ``init_network(w_std="gradient")`` (max predicted
                 layer-1 gradient, rates capped; see :data:`PLANS`), no rate target
critical         ``init_network(w_std="critical")``: predicted through-time gradient balanced across
                 depth (per-layer full gain near 1), every layer's rate in a band; no rate target
===============  ==========================================================================

A *cell* is (hidden layers, beta, surrogate, reset, input code); the grid of the issue is
4/8/16 hidden layers x beta 0.9/0.95 x snnTorch's ATan (alpha = 2, width 1/pi V) and fast
sigmoid (slope 25, width 0.04 V) x subtractive reset (+ reset to zero at 8 layers) x rate
code (+ a latency-coded variant at 8 layers, beta 0.9). The surrogates are snnTorch's own
parameterisations (:mod:`snntheory.surrogate`; checked against ``snntorch.surrogate`` in
``tests/test_torch.py``).

Protocol per (cell, method): the learning rate is picked from ``--lrs`` (1e-3, 3e-3, 1e-2) by
the final accuracy on a validation split (20 % of the training images, stratified, seed 1;
the network trains on the other 80 %) at seed 0; then ``--seeds`` seeds (``--seeds-deep`` for
8 and 16 hidden layers) at that rate, ``--epochs`` epochs each, trained on the same 80 % and
tested on the fixed 360-image test split. The seed-0 run of the LR search at the chosen rate
*is* seed 0 of the final runs (same data, same seed: identical). Recorded per run: test
accuracy after every epoch (index 0 = before training), validation accuracy, per-layer rates
and silent fractions at initialisation and after training. Recorded per (cell, method): the
depth model's prediction at the method's weights (``predict_network`` through the plan: per-layer
rates, silent fractions, within-step gradient gains; :func:`snntheory.network.bptt_gain`: the
through-time gradient norm of each weight matrix) and the plan's wall time.

Analysis (``analysis`` in the json, a table in the md): Spearman rank correlation across all
runs between each predicted quantity and the final and early (epoch 1, epoch 3) test accuracy.

Usage::

    python experiments/compare_init.py                 # full grid -> experiments/results/compare/
    python experiments/compare_init.py --quick         # < 1 min -> /tmp/snntheory_compare_quick
    python experiments/compare_init.py --cells L8-b0.9-atan-subtract-rate,L16-b0.9-atan-subtract-rate

One process, one torch thread; results are checkpointed after every run and a rerun resumes
(runs already in ``compare.json`` with the same configuration are skipped).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("train_digits", os.path.join(_HERE, "train_digits.py"))
td = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(td)      # data, rate code, rate/silent measurement, accuracy, code version

BASELINE_METHODS = ("pytorch", "kaiming", "glorot", "fluctuation", "micheli")
# snntheory plans: method name -> extra init_snn_ keywords (a "method" entry overrides the name).
PLANS = {"discrete": dict(), "trainable": dict(method="discrete", w_std="gradient"),
         "critical": dict(method="discrete", w_std="critical"),
         "discrete-stationary": dict(method="discrete")}
METHODS = BASELINE_METHODS + ("discrete", "trainable", "critical")
#: variants outside the protocol's grid (``--methods`` only): the rate plan with every trial (training
#: and evaluation) starting from the plan's stationary membrane law instead of V = 0
STATIONARY_START = ("discrete-stationary",)
#: stationary membranes drawn once per run (``init_membrane`` of the plan), then resampled per trial
STATIONARY_BANK = 4096
RATE_FREE_PLANS = ("gradient", "critical")      # w_std values whose plan chooses its own rates (no target)
SURROGATE_NAMES = {"atan": "ATan (alpha 2)", "fast_sigmoid": "fast sigmoid (slope 25)"}

FULL = dict(epochs=20, seeds=3, seeds_deep=5, lrs=(1e-3, 3e-3, 1e-2), width=128, steps=16, batch=32, p_max=0.5,
            target_rate=50.0, val_fraction=0.2, train_subset=0, latency_threshold=0.2, deep_from=8)
QUICK = dict(FULL, epochs=2, seeds=1, seeds_deep=1, lrs=(3e-3, 1e-2), width=32, steps=8, train_subset=300)
QUICK_CELLS = ("L2-b0.9-atan-subtract-rate", "L2-b0.9-fast_sigmoid-subtract-latency")


def cell_name(depth, beta, surrogate, reset, code):
    return f"L{depth}-b{beta:g}-{surrogate}-{reset}-{code}"


def parse_cell(name):
    """A cell name ``L<depth>-b<beta>-<surrogate>-<reset>-<code>``; the surrogate is snnTorch's at its default
    width, or ``<surrogate>@<value>`` at snnTorch's ``slope`` (fast sigmoid) or ``alpha`` (ATan) = value."""
    from snntheory.surrogate import from_snntorch

    d, b, s, r, c = name.split("-")
    kind, _, val = s.partition("@")
    width = from_snntorch(kind, float(val) if val else None)[1]
    return dict(name=name, depth=int(d[1:]), beta=float(b[1:]), surrogate=kind, surrogate_width=width, reset=r, code=c)


def full_grid():
    """The issue's cells, headline cells (8 and 16 layers, beta 0.9) first."""
    cells = []
    for depth in (8, 16, 4):
        for beta in (0.9, 0.95):
            for s in ("atan", "fast_sigmoid"):
                cells.append(cell_name(depth, beta, s, "subtract", "rate"))
                if depth == 8:
                    cells.append(cell_name(depth, beta, s, "zero", "rate"))
                    if beta == 0.9:
                        cells.append(cell_name(depth, beta, s, "subtract", "latency"))
    return cells


# =============================================================================================
# data and codes
# =============================================================================================


def split_data(cfg):
    """(x_fit, x_val, x_test, y_fit, y_val, y_test): the validation split is carved from the training set."""
    from sklearn.model_selection import train_test_split

    x_tr, x_te, y_tr, y_te = td.load_data(0)
    if cfg["train_subset"]:
        x_tr, y_tr = x_tr[:cfg["train_subset"]], y_tr[:cfg["train_subset"]]
    x_fit, x_val, y_fit, y_val = train_test_split(x_tr, y_tr, test_size=cfg["val_fraction"], random_state=1, stratify=y_tr)
    return x_fit, x_val, x_te, y_fit, y_val, y_te


def encode_latency(x, steps, threshold):
    """Latency code: one spike per pixel above ``threshold``, at step ``round((1 - x) (T - 1))``
    (bright pixels first); darker pixels stay silent. Deterministic, ``[T, batch, 64]``."""
    import torch

    x = torch.as_tensor(x)
    t = torch.round((1.0 - x) * (steps - 1)).long()
    out = torch.zeros(steps, *x.shape)
    out.scatter_(0, t.unsqueeze(0), (x > threshold).float().unsqueeze(0))
    return out


def encoder(cfg, code):
    if code == "rate":
        return lambda x, g: td.encode(x, cfg["steps"], cfg["p_max"], g)
    return lambda x, g: encode_latency(x, cfg["steps"], cfg["latency_threshold"])


def input_rate_hz(cfg, code, x, dt=1e-3):
    """Mean rate of the 64 input trains (Hz): what the plans are given."""
    if code == "rate":
        return float(np.mean(x)) * cfg["p_max"] / dt
    return float(np.mean(x > cfg["latency_threshold"])) / cfg["steps"] / dt


# =============================================================================================
# model, plan, prediction
# =============================================================================================


def make_neuron(cell):
    from snntheory import LIF

    return LIF.from_beta(cell["beta"], dt=1e-3, v_th=1.0, reset=cell["reset"])


def build_model(cfg, cell, n_in=64, n_classes=10):
    """``SpikingMLP`` of ``depth`` hidden LIF layers (the cell's snnTorch-parameterised surrogate at
    its default width) + a non-spiking readout of the last layer's spike counts."""
    from torch import nn
    from snntheory.torch import SpikingMLP

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.snn = SpikingMLP([n_in] + [cfg["width"]] * cell["depth"], make_neuron(cell), surrogate=cell["surrogate"],
                                  surrogate_width=cell["surrogate_width"])
            self.readout = nn.Linear(cfg["width"], n_classes)

        def forward(self, x):
            return self.readout(self.snn(x).sum(0))

    return Net()


def plan_for(cfg, cell, method, input_rate):
    """(plan, error, seconds): ``init_snn_``'s plan of this method for this cell."""
    from snntheory.torch import init_snn_

    t0 = time.perf_counter()
    kw = dict(input_rate=input_rate, method=method, map_gain=False)
    kw.update(PLANS.get(method, {}))
    if method in PLANS and kw.get("w_std") not in RATE_FREE_PLANS:      # those plans choose their own rates
        kw["target_rate"] = cfg["target_rate"]
    import warnings

    try:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            plan = init_snn_(build_model(cfg, cell).snn, **kw)
    except Exception as e:          # an unreachable target or a plan not implemented yet is a result
        return None, f"{type(e).__name__}: {e}", time.perf_counter() - t0
    plan_warnings = [f"{r.category.__name__}: {r.message}" for r in rec if r.category.__name__ == "TrainabilityWarning"]
    for w in plan_warnings:
        print(f"{cell['name']}/{method}: {w}", flush=True)
    if plan_warnings:
        _PLAN_WARNINGS[f"{cell['name']}/{method}"] = plan_warnings
    if getattr(plan, "notes", ()):
        _PLAN_NOTES[f"{cell['name']}/{method}"] = list(plan.notes)
    return plan, None, time.perf_counter() - t0


#: TrainabilityWarnings raised while planning, by "cell/method" (recorded in the json's cell entry)
_PLAN_WARNINGS = {}
#: the plans' notes (``NetworkInit.notes``: the critical plan's imbalance and its advice), by "cell/method"
_PLAN_NOTES = {}


def predicted(cfg, cell, plan):
    """What the theory predicts for these weights: per-layer rates (spikes per step), silent fractions and
    within-step gradient gains from the plan (``predict_network`` at the method's weights), the through-time
    norms of :func:`snntheory.network.bptt_gain` (membrane error ``delta`` and weight gradient per layer;
    finite through silent layers), and the fast route's correlation slope chi_c and full gradient gain
    (``predict_network(trainability="fast")``, the cell's surrogate)."""
    from snntheory.network import bptt_gain, predict_network
    dt = plan.neuron.dt
    out = dict(p=[float(r) * dt for r in plan.rates], silent=[float(l.silent_fraction) for l in plan.layers],
               grad_gain=[float(l.grad_gain) for l in plan.layers], w_mean=[float(v) for v in plan.w_means],
               w_std=[float(v) for v in plan.w_stds])
    law = plan.layers[0].weight_dist if hasattr(plan.layers[0], "weight_dist") else "normal"
    law = law if law in ("normal", "uniform", "rows") else "normal"
    sw = cell["surrogate_width"]
    try:
        b = bptt_gain(list(plan.widths), plan.w_means, plan.w_stds, neuron=plan.neuron, input_rate=plan.input_rate,
                      n_steps=cfg["steps"], surrogate=cell["surrogate"], surrogate_width=sw, weight_dist=law)
        out["bptt_weight_norm"] = [float(v) for v in b.weight_norm]
        out["bptt_weight_ratio"] = [float(v) for v in b.weight_ratio]
        out["bptt_through_time"] = [float(v) for v in b.through_time]
        out["bptt_delta_norm"] = [float(v) for v in b.delta_norm]
        # per-layer RMS input per step in thresholds: the gradient theory holds up to MEAN_FIELD_MAX_INPUT_SD
        out["input_sd"] = [float(v) for v in b.input_sd]
    except Exception as e:
        out["bptt_error"] = f"{type(e).__name__}: {e}"
    try:
        pn = predict_network(list(plan.widths), plan.w_means, plan.w_stds, neuron=plan.neuron,
                             input_rate=plan.input_rate, weight_dist=law, surrogate=cell["surrogate"],
                             surrogate_width=sw, trainability="fast", window=cfg["steps"])
        out["chi_c"] = [float(l.chi_c) for l in pn.layers]
        out["full_grad_gain"] = [float(l.full_grad_gain) for l in pn.layers]
    except Exception as e:
        out["trainability_error"] = f"{type(e).__name__}: {e}"
    return out


# =============================================================================================
# one run
# =============================================================================================


def start_stationary(model, plan, seed):
    """Make every forward pass of ``model.snn`` start each trial from the plan's stationary membrane
    law: a bank of ``STATIONARY_BANK`` draws per LIF layer (:func:`snntheory.torch.init_membrane`,
    each layer's law mixed over its neurons) from which every trial takes a row at random."""
    import torch
    from snntheory.torch import init_membrane

    bank = init_membrane(plan, batch=STATIONARY_BANK, generator=torch.Generator().manual_seed(seed + 2))
    layers = td.lif_layers(model)
    g = torch.Generator().manual_seed(seed + 3)

    def draw(module, args):
        idx = torch.randint(0, STATIONARY_BANK, (args[0].shape[1],), generator=g)
        for layer, v in zip(layers, bank):
            layer.mem0 = v[idx]

    model.snn.register_forward_pre_hook(draw)


def train_run(cfg, cell, method, seed, lr, plan, input_rate, data, with_val):
    """Initialise from ``plan`` (new draw for ``seed``), train ``cfg['epochs']`` epochs at ``lr``; the record."""
    import torch
    from torch import nn
    from snntheory.torch import init_snn_

    torch.set_num_threads(1)
    t0, c0 = time.perf_counter(), time.process_time()
    x_fit, x_val, x_te, y_fit, y_val, y_te = data
    enc = encoder(cfg, cell["code"])
    g_fixed = torch.Generator().manual_seed(10_000)      # the same encoded test / validation / probe sets for every run
    x_te_s, x_val_s = enc(x_te, g_fixed), enc(x_val, g_fixed)
    x_probe = enc(x_fit[:td.SILENT_SAMPLES], g_fixed)
    y_fit_t, y_te_t, y_val_t = (torch.as_tensor(y) for y in (y_fit, y_te, y_val))

    torch.manual_seed(seed)                               # readout init: the same for every method
    model = build_model(cfg, cell)
    init_snn_(model.snn, generator=torch.Generator().manual_seed(seed), input_rate=input_rate, plan=plan)
    if method in STATIONARY_START:
        start_stationary(model, plan, seed)
    rec = dict(cell=cell["name"], method=method, seed=seed, lr=lr)
    rec["init_rates"], rec["init_silent"] = td.measure_rates(model, x_probe)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed + 1)
    n = len(y_fit)
    test_acc, val_acc, train_loss = [td.accuracy(model, x_te_s, y_te_t)], [], []
    if with_val:
        val_acc.append(td.accuracy(model, x_val_s, y_val_t))
    for _ in range(cfg["epochs"]):
        perm = torch.randperm(n, generator=g)
        tot = 0.0
        for i in range(0, n, cfg["batch"]):
            idx = perm[i:i + cfg["batch"]]
            loss = loss_fn(model(enc(x_fit[idx.numpy()], g)), y_fit_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        train_loss.append(tot / n if math.isfinite(tot) else None)
        test_acc.append(td.accuracy(model, x_te_s, y_te_t))
        if with_val:
            val_acc.append(td.accuracy(model, x_val_s, y_val_t))
    rec.update(test_acc=test_acc, val_acc=val_acc, train_loss=train_loss, final_test_acc=test_acc[-1])
    rec["final_rates"], rec["final_silent"] = td.measure_rates(model, x_probe)
    rec["seconds"], rec["cpu_seconds"] = time.perf_counter() - t0, time.process_time() - c0
    return rec


# =============================================================================================
# driver
# =============================================================================================


def n_seeds(cfg, cell):
    return cfg["seeds_deep"] if cell["depth"] >= cfg["deep_from"] else cfg["seeds"]


def run(cfg, cells, methods, state, save, log=print):
    """Run every (cell, method, seed) not yet in ``state`` (resumable), checkpointing after every run.

    Breadth first, so that an interrupted run is balanced: pass 1 plans every (cell, method) and
    runs its learning-rate search (whose seed-0 run at the chosen rate is seed 0 of the result);
    pass 2 adds seed 1 to every (cell, method), then seed 2, and so on."""
    import torch

    torch.set_num_threads(1)
    data = split_data(cfg)
    t_start = time.perf_counter()
    plans = {}

    def log_t(msg):
        log(f"[{time.perf_counter() - t_start:6.0f}s] {msg}")

    def get_plan(cell, m, rate):
        key = f"{cell['name']}/{m}"
        if key not in plans:
            plan, err, secs = plan_for(cfg, cell, m, rate)
            plans[key] = plan
            if key not in state["cells"]:
                info = dict(cell=cell["name"], method=m, input_rate_hz=rate, plan_seconds=secs, error=err, lr_search={},
                            lr=None)
                if plan is not None:
                    t0 = time.perf_counter()
                    info["plan_warnings"] = _PLAN_WARNINGS.get(key, [])
                    info["plan_notes"] = _PLAN_NOTES.get(key, [])
                    info["predicted"] = predicted(cfg, cell, plan)
                    info["predict_seconds"] = time.perf_counter() - t0
                state["cells"][key] = info
                save(state)
                log_t(f"{key}: plan {secs:.1f}s " + (err or ""))
        return plans[key]

    def do(cell, m, rate, seed, lr, with_val):
        key = f"{cell['name']}/{m}"
        if any(r["seed"] == seed and r["lr"] == lr and f"{r['cell']}/{r['method']}" == key for r in state["runs"]):
            return
        rec = train_run(cfg, cell, m, seed, lr, get_plan(cell, m, rate), rate, data, with_val)
        rec["lr_search"] = with_val
        state["runs"].append(rec)
        save(state)
        log_t(f"{key} seed {seed} lr {lr:g}: test {rec['final_test_acc']:.3f}"
              + (f" val {rec['val_acc'][-1]:.3f}" if with_val else "") + f" ({rec['seconds']:.0f}s)")

    todo = []
    for name in cells:                       # pass 1: plans and LR searches
        cell = parse_cell(name)
        rate = input_rate_hz(cfg, cell["code"], data[0])
        for m in methods:
            key = f"{name}/{m}"
            if key not in state["cells"]:
                get_plan(cell, m, rate)
            info = state["cells"][key]
            if info["error"]:
                continue
            for lr in cfg["lrs"]:
                do(cell, m, rate, 0, lr, True)
            search = {r["lr"]: r["val_acc"][-1] for r in state["runs"]
                      if f"{r['cell']}/{r['method']}" == key and r.get("lr_search")}
            best = max(cfg["lrs"], key=lambda lr: (search[lr], -lr))   # ties: the smaller rate
            info["lr_search"], info["lr"] = {f"{lr:g}": search[lr] for lr in cfg["lrs"]}, best
            save(state)
            todo.append((cell, m, rate, best))
    for s in range(1, max([n_seeds(cfg, c) for c, *_ in todo] + [1])):     # pass 2: seeds, breadth first
        for cell, m, rate, best in todo:
            if s < n_seeds(cfg, cell):
                do(cell, m, rate, s, best, False)
    state["meta"]["wall_seconds_this_session"] = time.perf_counter() - t_start
    return state


def repredict(state, cfg, log=print, cells=None, methods=None):
    """Recompute the plan and ``predicted`` of every (cell, method) in ``state`` (only those of ``cells``
    and ``methods`` if given) without training (the plans are deterministic: the same weights'
    statistics as the runs drew from)."""
    import torch

    torch.set_num_threads(1)
    data = split_data(cfg)
    for key, info in state["cells"].items():
        if info.get("error") or (cells is not None and info["cell"] not in cells) or (
                methods is not None and info["method"] not in methods):
            continue
        cell = parse_cell(info["cell"])
        rate = input_rate_hz(cfg, cell["code"], data[0])
        t0 = time.perf_counter()
        plan, err, secs = plan_for(cfg, cell, info["method"], rate)
        if err:
            log(f"{key}: plan failed now ({err}); prediction kept")
            continue
        old = info.get("predicted", {})
        if old and not all(np.allclose(old[k], [float(v) for v in getattr(plan, k + "s")], rtol=1e-6)
                           for k in ("w_mean", "w_std")):
            log(f"{key}: WARNING the re-planned weights differ from the recorded ones")
        info["predicted"] = predicted(cfg, cell, plan)
        info["plan_warnings"] = _PLAN_WARNINGS.get(key, [])
        info["plan_notes"] = _PLAN_NOTES.get(key, [])
        info["predict_seconds"] = time.perf_counter() - t0 - secs
        log(f"{key}: re-predicted in {time.perf_counter() - t0:.1f} s")
    state["meta"]["repredicted_with"] = td.code_version()
    return state


# =============================================================================================
# summary, analysis, report
# =============================================================================================


def final_runs(state, key):
    info = state["cells"][key]
    if info.get("lr") is None:
        return []
    return sorted((r for r in state["runs"] if f"{r['cell']}/{r['method']}" == key and r["lr"] == info["lr"]),
                  key=lambda r: r["seed"])


def _mean_sd(v):
    v = np.asarray(v, float)
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def summarise(state):
    rows = []
    for key, info in state["cells"].items():
        rs = final_runs(state, key)
        row = dict(cell=info["cell"], method=info["method"], lr=info.get("lr"), n_seeds=len(rs), error=info.get("error"),
                   lr_search=info.get("lr_search"))
        if rs:
            curves = np.array([r["test_acc"] for r in rs])
            row["acc_mean"], row["acc_sd"] = _mean_sd(curves[:, -1])
            for e in (1, 3):
                if curves.shape[1] > e:
                    row[f"acc_epoch{e}"] = _mean_sd(curves[:, e])[0]
            row["curve_mean"] = [float(v) for v in curves.mean(0)]
            for k in ("init_rates", "init_silent", "final_rates", "final_silent"):
                row[k] = [float(v) for v in np.mean([r[k] for r in rs], axis=0)]
            row["seconds_mean"] = float(np.mean([r["seconds"] for r in rs]))
        rows.append(row)
    return rows


def _log10(x):
    return math.log10(x) if x is not None and x > 0 and math.isfinite(x) else (-math.inf if x == 0 else math.nan)


def predictors(pred):
    """Scalar predicted quantities of one (cell, method), the candidates for ranking trainability."""
    p, silent, gain = np.array(pred["p"]), np.array(pred["silent"]), np.array(pred["grad_gain"])
    out = {"pred rate last layer": p[-1], "pred min rate": p.min(), "pred mean silent": silent.mean(),
           "pred silent last layer": silent[-1],
           "pred log10 within-step gain product": float(np.sum(np.log10(np.maximum(gain, 1e-300)))),
           "pred |log10 within-step gain product|": abs(float(np.sum(np.log10(np.maximum(gain, 1e-300)))))}
    if "bptt_weight_norm" in pred:
        out["pred log10 BPTT grad first layer"] = _log10(pred["bptt_weight_norm"][0])
        out["pred log10 BPTT grad ratio first/last"] = _log10(pred["bptt_weight_ratio"][0])
        out["pred |log10 BPTT grad ratio|"] = abs(out["pred log10 BPTT grad ratio first/last"])
    if "bptt_delta_norm" in pred:      # membrane errors: finite through silent layers
        d = np.log10(np.array(pred["bptt_delta_norm"]))
        g = d[:-1] - d[1:]              # log10 full (through-time) gain of each layer, l+1 -> l
        out["pred log10 BPTT error ratio first/last"] = float(d[0] - d[-1])
        out["pred |log10 BPTT error ratio|"] = abs(float(d[0] - d[-1]))
        out["pred mean |log10 full gain|"] = float(np.mean(np.abs(g)))
        out["pred max |log10 full gain|"] = float(np.max(np.abs(g)))
        out["pred log10 BPTT error first layer"] = float(d[0])
    # combinations: alive and gradient-carrying
    out["pred (1 - mean silent) - |log10 gain product| / L"] = (1 - silent.mean()) - out["pred |log10 within-step gain product|"] / len(p)
    if "bptt_delta_norm" in pred:
        out["pred (1 - mean silent) - mean |log10 full gain|"] = (1 - silent.mean()) - out["pred mean |log10 full gain|"]
    if pred.get("input_sd"):
        out["pred max RMS input per step (thresholds)"] = float(np.max(pred["input_sd"]))
    if pred.get("chi_c"):
        chi = np.array([np.nan if v is None else v for v in pred["chi_c"]], float)
        fin = chi[np.isfinite(chi)]
        out["pred mean |log10 chi_c| (live layers)"] = float(np.mean(np.abs(np.log10(fin)))) if fin.size else math.nan
    return out


def _inside_validity(pred):
    """Whether a (cell, method)'s weights keep every layer within the gradient theory's validity
    (``network.MEAN_FIELD_MAX_INPUT_SD``); None where the prediction does not record it."""
    from snntheory.network import MEAN_FIELD_MAX_INPUT_SD
    return None if not pred.get("input_sd") else max(pred["input_sd"]) <= MEAN_FIELD_MAX_INPUT_SD


def _run_quantities(pred, init_rates, init_silent):
    """The predicted quantities of a (cell, method) and the measured-at-init ones (last layer's rate,
    mean silent fraction: of one run, or means over the seeds)."""
    q = predictors(pred)
    q["measured init rate last layer"] = init_rates[-1]
    q["measured init mean silent"] = float(np.mean(init_silent))
    return q


def _spearman(x, y):
    """(rho, p, n) over the entries where both are defined, or None where fewer than 3 are or either
    is constant there (spearmanr would return NaN with a ConstantInputWarning)."""
    from scipy.stats import spearmanr

    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    if ok.sum() < 3 or np.unique(x[ok]).size < 2 or np.unique(y[ok]).size < 2:
        return None
    rho, pval = spearmanr(x[ok], y[ok])
    return float(rho), float(pval), int(ok.sum())


def analyse(state, valid_only=False):
    """Spearman rank correlation across all final runs between each predicted (and measured-at-init)
    quantity and the final / epoch-1 / epoch-3 test accuracy (``valid_only``: only the (cell, method)s
    whose weights keep every layer within the gradient theory's validity bound)."""
    xs, ys = {}, {"final": [], "epoch 1": [], "epoch 3": []}
    for key, info in state["cells"].items():
        if "predicted" not in info or (valid_only and not _inside_validity(info["predicted"])):
            continue
        for r in final_runs(state, key):
            q = _run_quantities(info["predicted"], r["init_rates"], r["init_silent"])
            for k, v in q.items():
                xs.setdefault(k, []).append(v)
            acc = r["test_acc"]
            ys["final"].append(acc[-1])
            ys["epoch 1"].append(acc[1] if len(acc) > 1 else math.nan)
            ys["epoch 3"].append(acc[3] if len(acc) > 3 else math.nan)
    out = []
    n = len(ys["final"])
    for k, v in xs.items():
        if len(v) != n:
            continue
        row = dict(quantity=k, n_runs=n)
        for yk, y in ys.items():
            res = _spearman(v, y)
            row[yk] = None if res is None else dict(zip(("rho", "p", "n"), res))
        out.append(row)
    out.sort(key=lambda r: -abs(r["final"]["rho"]) if r["final"] else 0.0)
    return out


#: the accuracies ranked within a cell: summary key of the (cell, method)'s mean over seeds, by analysis column
WITHIN_TARGETS = {"final": "acc_mean", "epoch 1": "acc_epoch1", "epoch 3": "acc_epoch3"}
#: the snntheory plans a within-cell predictor chooses among (the protocol's plans; ``discrete-stationary`` has
#: ``discrete``'s weights and prediction, so no predictor tells the two apart), and the default it is measured against
PICK_PLANS = tuple(m for m in METHODS if m in PLANS)
DEFAULT_PLAN = "discrete"


def _within_quantities(state, summ):
    """{cell: {method: (quantities, summary row)}}: every (cell, method) with final runs and a prediction; the
    quantities of :func:`analyse` (the measured-at-init ones as means over the seeds)."""
    out = {}
    for r in summ:
        info = state["cells"][f"{r['cell']}/{r['method']}"]
        if not r["n_seeds"] or "predicted" not in info:
            continue
        q = _run_quantities(info["predicted"], r["init_rates"], r["init_silent"])
        out.setdefault(r["cell"], {})[r["method"]] = (q, r)
    return out


def analyse_within(state, summ, quantities):
    """Per cell, Spearman rank correlation over the cell's methods between each of ``quantities`` and the
    (cell, method)'s mean final / epoch-1 / epoch-3 test accuracy over seeds; defined where >= 3 methods have
    both values and neither is constant over them. Summarised over the cells where defined (median, mean,
    number of cells with rho < 0 and > 0); sorted by |median| of the final accuracy's (ties: more cells, then larger
    |mean|), undefined last."""
    by_cell = _within_quantities(state, summ)
    out = []
    for k in quantities:
        row = dict(quantity=k)
        for t, key in WITHIN_TARGETS.items():
            per_cell = {}
            for c, ms in by_cell.items():
                res = _spearman([q.get(k, math.nan) for q, _ in ms.values()],
                                [r.get(key, math.nan) for _, r in ms.values()])
                if res is not None:
                    per_cell[c] = res[0]
            v = np.array(list(per_cell.values()))
            row[t] = None if not v.size else dict(
                n_cells=int(v.size), median=float(np.median(v)), mean=float(v.mean()), neg=int((v < 0).sum()),
                pos=int((v > 0).sum()), per_cell=per_cell)
        out.append(row)
    out.sort(key=lambda r: (0, -abs(r["final"]["median"]), -r["final"]["n_cells"], -abs(r["final"]["mean"]))
             if r["final"] else (1, 0.0, 0, 0.0))
    return out


def within_picks(state, summ, within):
    """Per cell with results for :data:`DEFAULT_PLAN`: the best method by mean final accuracy, and the plan of
    :data:`PICK_PLANS` the top quantity of ``within`` picks (its largest value where the median within-cell rho
    is positive, its smallest where negative; ties go to the default), against the default."""
    if not within or not within[0]["final"]:
        return None, []
    top = within[0]
    k, sign = top["quantity"], (1.0 if top["final"]["median"] >= 0 else -1.0)
    rows = []
    for c, ms in _within_quantities(state, summ).items():
        if DEFAULT_PLAN not in ms:
            continue
        best = max(ms, key=lambda m: ms[m][1]["acc_mean"])
        cand = [m for m in PICK_PLANS if m in ms and not math.isnan(ms[m][0].get(k, math.nan))]
        if not cand:
            continue
        pick = min(cand, key=lambda m: (-sign * ms[m][0][k], m != DEFAULT_PLAN))
        (ap, sp), (ad, sd) = [(ms[m][1]["acc_mean"], ms[m][1]["acc_sd"]) for m in (pick, DEFAULT_PLAN)]
        verdict = ("same" if pick == DEFAULT_PLAN else "tie" if abs(ap - ad) <= max(sp, sd)
                   else "beats" if ap > ad else "loses")
        rows.append(dict(cell=c, best=best, best_acc=ms[best][1]["acc_mean"], best_sd=ms[best][1]["acc_sd"],
                         candidates=cand, pick=pick, pick_acc=ap, pick_sd=sp, default_acc=ad, default_sd=sd,
                         verdict=verdict))
    return dict(quantity=k, sign=sign), rows


def _fmt_within(d):
    return ("–", "0") if not d else (f"{d['median']:+.2f} / {d['mean']:+.2f}", f"{d['n_cells']} ({d['neg']} / {d['pos']})")


def within_lines(state, summ, within):
    """Report lines: the within-cell ranking table and the per-cell picks of the top quantity."""
    lines = ["### Within a cell: does the quantity rank the methods of one network?", "",
             "Per cell (depth, beta, surrogate, reset, code), Spearman rank correlation over the cell's methods between "
             "each quantity above (the measured-at-init ones as means over the seeds) and the (cell, method)'s mean test "
             "accuracy over seeds; defined in a cell where >= 3 methods have both values and neither is constant over "
             "them. Summarised over the cells where it is defined: median / mean rho, and cells (rho < 0 / rho > 0). "
             "Unlike the pooled ranking, no difference between cells (depth, surrogate, code) enters. Sorted by "
             "|median| at the final accuracy (ties: more cells, then larger |mean|).", "",
             "| quantity | final: median / mean | final: cells (- / +) | epoch 1: median / mean | epoch 1: cells (- / +) | "
             "epoch 3: median / mean | epoch 3: cells (- / +) |", "|---|---|---|---|---|---|---|"]
    for a in within:
        q = a["quantity"].replace("|", "\\|")
        lines.append(f"| {q} | " + " | ".join(x for t in WITHIN_TARGETS for x in _fmt_within(a[t])) + " |")
    lines.append("")
    top, rows = within_picks(state, summ, within)
    if not rows:
        return lines
    q = top["quantity"].replace("|", "\\|")
    plans = ", ".join(f"`{m}`" for m in PICK_PLANS)
    lines += ["### Picking a snntheory plan by the top quantity", "",
              f"Per cell with results for `{DEFAULT_PLAN}` (`init_snn_`'s default, the rate plan): the method with "
              f"the best mean final test accuracy over all methods; the plan among {plans} (those with results in the "
              f"cell) that the table's top quantity, {q}, picks ({'largest' if top['sign'] > 0 else 'smallest'} value: "
              f"its median within-cell rho is {'positive' if top['sign'] > 0 else 'negative'}; a tie goes to "
              f"`{DEFAULT_PLAN}`), and the mean final accuracy ± seed SD of the pick and of `{DEFAULT_PLAN}`. "
              "*pick vs default*: *beats* / *loses* where the difference exceeds the larger of the two seed SDs, "
              f"*tie* where it does not, *same* where the pick is `{DEFAULT_PLAN}`.", "",
              f"| cell | best method (acc ± SD) | plans | pick | pick's acc ± SD | {DEFAULT_PLAN} acc ± SD | "
              "pick vs default |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['cell']} | {r['best']} ({r['best_acc']:.3f} ± {r['best_sd']:.3f}) | "
                     f"{', '.join(r['candidates'])} | {r['pick']} | {r['pick_acc']:.3f} ± {r['pick_sd']:.3f} | "
                     f"{r['default_acc']:.3f} ± {r['default_sd']:.3f} | {r['verdict']} |")
    n = {v: sum(r["verdict"] == v for r in rows) for v in ("beats", "tie", "same", "loses")}
    lines += ["", f"Over {len(rows)} cells: the pick beats `{DEFAULT_PLAN}` in {n['beats']}, ties in {n['tie']}, is "
              f"`{DEFAULT_PLAN}` in {n['same']}, loses in {n['loses']}.", ""]
    return lines


def _fmt_rho(d):
    return "–" if not d else f"{d['rho']:+.2f} (p={d['p']:.2g}, n={d['n']})"


def warning_check(state, summ, chance=0.2):
    """Report lines: per cell, whether the rate plan (``init_snn_``'s default) and the critical plan warned
    (TrainabilityWarning) or only noted an imbalance, against whether any method trained (best mean
    accuracy above ``chance``)."""
    lines = ["## Does the warning fire exactly where nothing trains?", "",
             f"Per cell: the best method's mean test accuracy (a cell *fails* where it is <= {chance:g}) and each "
             "plan's verdict before training (as through `init_snn_`): TrainabilityWarning where the predicted "
             "through-time error vanishes beyond `UNTRAINABLE_DECADES` (the rate plan: at its weights; the "
             "critical plan, `w_std='critical'`: at every weight it allows); otherwise a note on the plan where it "
             "is unbalanced beyond `CRITICAL_SPAN`. *agrees*: a warning exactly where the cell fails.", "",
             "| cell | best method (acc) | fails | rate plan's verdict | agrees | critical plan's verdict | agrees |",
             "|---|---|---|---|---|---|---|"]

    def verdict(info, fails):
        if info is None or "predicted" not in info:
            return "not planned", "–"
        warned, noted = bool(info.get("plan_warnings")), bool(info.get("plan_notes"))
        return ("warning" if warned else "note (unbalanced)" if noted else "balanced",
                "yes" if warned == fails else "**no**")

    for c in dict.fromkeys(r["cell"] for r in summ if r["n_seeds"]):
        rows = [r for r in summ if r["cell"] == c and r["n_seeds"]]
        best = max(rows, key=lambda r: r["acc_mean"])
        fails = best["acc_mean"] <= chance
        cols = [x for m in ("discrete", "critical") for x in verdict(state["cells"].get(f"{c}/{m}"), fails)]
        lines.append(f"| {c} | {best['method']} ({best['acc_mean']:.3f}) | {'yes' if fails else 'no'} | "
                     + " | ".join(cols) + " |")
    warned = [(k, w) for k, i in state["cells"].items() for w in i.get("plan_warnings") or []]
    noted = [(k, n) for k, i in state["cells"].items() if not i.get("plan_warnings") for n in i.get("plan_notes") or []]
    if warned:
        lines += ["", "Warnings before training (`init_snn_`'s TrainabilityWarning):", ""]
        lines += [f"- {k}: {w}" for k, w in warned]
    if noted:
        lines += ["", "Notes on the plans (`NetworkInit.notes`, no warning):", ""]
        lines += [f"- {k}: {n}" for k, n in noted]
    return lines + [""]


def markdown(state):
    meta, cfg = state["meta"], state["meta"]["config"]
    summ, ana = state["summary"], state["analysis"]
    done = sum(1 for r in summ if r["n_seeds"])
    lines = ["# Initialisations compared on digits (generated by experiments/compare_init.py)", "",
             f"Digits (sklearn), {meta['n_fit']} fit / {meta['n_val']} validation (carved from the training split) / "
             f"{meta['n_test']} test images; hidden width {cfg['width']}, T = {cfg['steps']} steps, v_th = 1, dt = 1 ms, "
             f"Adam, batch {cfg['batch']}, {cfg['epochs']} epochs; LR picked from {list(cfg['lrs'])} by final validation "
             f"accuracy at seed 0; then {cfg['seeds']} seeds ({cfg['seeds_deep']} at >= {cfg['deep_from']} hidden layers) "
             f"at that LR. Rate code: Bernoulli p = {cfg['p_max']:g} x pixel per step; latency code: one spike per pixel "
             f"> {cfg['latency_threshold']:g} at step round((1 - x)(T - 1)). Theory plan `discrete` targets "
             f"{cfg['target_rate']:g} Hz per layer. Surrogates in snnTorch's parameterisation at its default widths, "
             "or at the slope / alpha a cell names (`<surrogate>@<value>`).",
             "", f"Cells x methods with results: {done} of {len(summ)}" + ("" if meta.get("complete") else " (partial run)") + ".", "",
             "| cell | method | LR | seeds | test acc (mean ± SD) | acc epoch 1 | acc epoch 3 | init p (L1 / last) | "
             "init silent (mean / last) | final p last | pred p last | pred silent mean | pred log10 BPTT error ratio first/last | "
             "pred mean abs log10 full gain |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in summ:
        info = state["cells"][f"{r['cell']}/{r['method']}"]
        if r["error"]:
            lines.append(f"| {r['cell']} | {r['method']} | | | not run: {r['error'][:90]} | | | | | | | | | |")
            continue
        if not r["n_seeds"]:
            continue
        pr = predictors(info["predicted"])
        lines.append(
            f"| {r['cell']} | {r['method']} | {r['lr']:g} | {r['n_seeds']} | {r['acc_mean']:.3f} ± {r['acc_sd']:.3f} | "
            f"{r.get('acc_epoch1', math.nan):.3f} | {r.get('acc_epoch3', math.nan):.3f} | "
            f"{r['init_rates'][0]:.3f} / {r['init_rates'][-1]:.3g} | {np.mean(r['init_silent']):.2f} / {r['init_silent'][-1]:.2f} | "
            f"{r['final_rates'][-1]:.3g} | {pr['pred rate last layer']:.3g} | {pr['pred mean silent']:.2f} | "
            f"{pr.get('pred log10 BPTT error ratio first/last', math.nan):.2f} | {pr.get('pred mean |log10 full gain|', math.nan):.2f} |")
    lines += ["", "p = spikes per neuron per step; silent = no spike in T steps x 512 training images; pred = the depth "
              "model at the method's weights (stationary Bernoulli input at the code's mean rate); BPTT error ratio = "
              "predicted squared norm of dL/dV of the first hidden layer over the last one's (`bptt_gain`, count "
              "readout, T steps; finite through silent layers, where the surrogate's tail at rest carries the error); "
              "full gain = that norm's ratio between adjacent layers (l+1 -> l), |log10| averaged over the layers.", "",
              ""]
    lines += warning_check(state, summ)
    lines += ["", "## Per-layer rates (spikes per step) and silent fractions", "",
              "Measured at initialisation / predicted by the depth model / measured after training (mean over seeds), "
              "hidden layer 1 first; silent at init / after training.", ""]
    for c in dict.fromkeys(r["cell"] for r in summ if r["n_seeds"]):
        lines += [f"**{c}**", "", "| method | init p | pred p | final p | init silent | final silent |", "|---|---|---|---|---|---|"]
        for r in summ:
            if r["cell"] != c or not r["n_seeds"]:
                continue
            pred = state["cells"][f"{c}/{r['method']}"]["predicted"]
            f = lambda v, k=".2g": " ".join(format(x, k) for x in v)
            lines.append(f"| {r['method']} | {f(r['init_rates'])} | {f(pred['p'])} | {f(r['final_rates'])} | "
                         f"{f(r['init_silent'], '.2f')} | {f(r['final_silent'], '.2f')} |")
        lines.append("")
    lines += ["## Which predicted quantity ranks trainability?", "",
              "Spearman rank correlation across all final runs (every seed of every cell and method) with test accuracy "
              "(n = runs where the quantity is defined: the *weight*-gradient ratio is inf when the top matrix's input "
              "layer is predicted silent (it gets no weight gradient), which log10 leaves undefined; the membrane-error "
              "quantities (BPTT error, full gain) are defined for every run):", "",
              "| quantity | runs | final | epoch 1 | epoch 3 |", "|---|---|---|---|---|"]
    for a in ana:
        q = a["quantity"].replace("|", "\\|")      # a literal | would split the table's cells
        lines.append(f"| {q} | {a['n_runs']} | {_fmt_rho(a['final'])} | {_fmt_rho(a['epoch 1'])} | {_fmt_rho(a['epoch 3'])} |")
    lines += ["", "Predicted quantities are constant across the seeds of a (cell, method): the runs are not "
              "independent samples, and p-values overstate the evidence.", ""]
    inside = [k for k, i in state["cells"].items() if "predicted" in i and _inside_validity(i["predicted"])]
    outside = [k for k, i in state["cells"].items() if "predicted" in i and _inside_validity(i["predicted"]) is False]
    if outside:
        lines += ["### Where the gradient theory holds", "",
                  f"{len(inside)} (cell, method)s keep every layer's predicted RMS input per step within "
                  "`network.MEAN_FIELD_MAX_INPUT_SD` (1 threshold), where the through-time predictions are within "
                  f"about a decade of autograd (`benchmarks/results/bptt_validity.md`); {len(outside)} do not "
                  f"({', '.join(sorted(outside))}). The same ranking over the runs inside only:", "",
                  "| quantity | runs | final | epoch 1 | epoch 3 |", "|---|---|---|---|---|"]
        for a in state.get("analysis_valid") or []:
            q = a["quantity"].replace("|", "\\|")
            lines.append(f"| {q} | {a['n_runs']} | {_fmt_rho(a['final'])} | {_fmt_rho(a['epoch 1'])} | "
                         f"{_fmt_rho(a['epoch 3'])} |")
        lines.append("")
    if state.get("analysis_within"):
        lines += within_lines(state, summ, state["analysis_within"])
    t = meta.get("timing", {})
    if t:
        lines.append(f"Wall time: {t['run_seconds_mean']:.0f} s per training run on average ({t['n_runs']} runs, "
                     f"{t['total_train_seconds'] / 60:.1f} min of training, {t['plan_seconds'] / 60:.1f} min planning + "
                     f"prediction), one process, 1 torch thread, on a shared 2-core machine. Estimated full run "
                     f"({t['full_runs']} runs over {t['full_cells']} cells x {t['full_methods']} methods): "
                     f"{t['full_estimate_hours']:.1f} h.")
    if meta.get("note"):
        lines.append(f"Note: {meta['note']}")
    code = meta.get("code") or {}
    lines.append(f"snntheory commit of the first run {code.get('commit')}"
                 + (" (with uncommitted changes)" if code.get("snntheory_modified") else "")
                 + "; the commits of later runs and re-predictions are in the note above.")
    return "\n".join(lines) + "\n"


def timing(state, cfg, methods):
    """Measured time per run (by depth) and the estimate for the full grid."""
    runs = state["runs"]
    if not runs:
        return {}
    by_depth = {}
    for r in runs:
        by_depth.setdefault(parse_cell(r["cell"])["depth"], []).append(r["seconds"])
    per_layer = np.mean([s / d for d, ss in by_depth.items() for s in ss])     # a run costs ~ proportional to depth
    plan_s = sum(i.get("plan_seconds", 0) + i.get("predict_seconds", 0) for i in state["cells"].values())
    cells = [parse_cell(c) for c in full_grid()]
    full_methods = list(METHODS)
    n_full = sum(len(full_methods) * (len(cfg["lrs"]) + n_seeds(cfg, c) - 1) for c in cells)
    est = sum(len(full_methods) * (len(cfg["lrs"]) + n_seeds(cfg, c) - 1) * per_layer * c["depth"] for c in cells)
    plans_per = plan_s / max(1, len(state["cells"]))
    est += plans_per * len(cells) * len(full_methods)
    return dict(n_runs=len(runs), run_seconds_mean=float(np.mean([r["seconds"] for r in runs])),
                run_seconds_by_depth={str(d): float(np.mean(s)) for d, s in sorted(by_depth.items())},
                seconds_per_run_per_hidden_layer=float(per_layer), total_train_seconds=float(sum(r["seconds"] for r in runs)),
                plan_seconds=float(plan_s), full_runs=n_full, full_cells=len(cells), full_methods=len(full_methods),
                full_estimate_hours=float(est / 3600))


def plot(state, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = list(dict.fromkeys(r["cell"] for r in state["summary"] if r["n_seeds"]))
    if not cells:
        return
    ncol = min(3, len(cells))
    nrow = math.ceil(len(cells) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(5 * ncol, 3.6 * nrow), squeeze=False)
    colours = dict(pytorch="tab:gray", kaiming="tab:blue", glorot="tab:cyan", fluctuation="tab:green",
                   micheli="tab:purple", discrete="tab:red", trainable="black", critical="tab:orange")
    for ax, c in zip(axes.flat, cells):
        for r in state["summary"]:
            if r["cell"] != c or not r["n_seeds"]:
                continue
            rs = final_runs(state, f"{c}/{r['method']}")
            curves = np.array([x["test_acc"] for x in rs])
            ep = np.arange(curves.shape[1])
            ax.plot(ep, curves.mean(0), color=colours.get(r["method"]), label=f"{r['method']} (lr {r['lr']:g})")
            if len(rs) > 1:
                ax.fill_between(ep, curves.min(0), curves.max(0), color=colours.get(r["method"]), alpha=0.12, lw=0)
        ax.set_title(c, fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy")
        ax.set_ylim(0, 1)
        ax.axhline(0.1, color="k", lw=0.5, ls=":")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="lower right")
    for ax in list(axes.flat)[len(cells):]:
        ax.axis("off")
    fig.suptitle("digits, LIF nets: mean test accuracy over seeds at each method's tuned LR (band: min..max)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(state, out, cfg, methods):
    state["summary"] = summarise(state)
    state["analysis"] = analyse(state)
    state["analysis_valid"] = analyse(state, valid_only=True)
    state["analysis_within"] = analyse_within(state, state["summary"], [a["quantity"] for a in state["analysis"]])
    state["meta"]["timing"] = timing(state, cfg, methods)
    md = markdown(state)
    with open(os.path.join(out, "compare.md"), "w") as f:
        f.write(md)
    plot(state, os.path.join(out, "learning_curves.png"))
    return md


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny settings (< 1 min)")
    ap.add_argument("--out", default=None, help="output folder (default experiments/results/compare, or "
                    "/tmp/snntheory_compare_quick with --quick)")
    ap.add_argument("--cells", default=None, help="comma-separated cells L<depth>-b<beta>-<surrogate>-<reset>-<code> "
                    "(default: the issue's grid, headline cells first)")
    ap.add_argument("--methods", default=",".join(METHODS))
    for k in ("epochs", "seeds", "seeds_deep", "width", "steps", "train_subset"):
        ap.add_argument("--" + k.replace("_", "-"), type=int, default=None)
    ap.add_argument("--lrs", default=None, help="comma-separated learning rates")
    ap.add_argument("--report-only", action="store_true", help="rewrite compare.md / figure from OUT/compare.json")
    ap.add_argument("--repredict", action="store_true", help="recompute every (cell, method)'s plan and prediction "
                    "(those of --cells and --methods if given) in OUT/compare.json (no training), then rewrite the analysis, "
                    "compare.md and the figure")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    for k in ("epochs", "seeds", "seeds_deep", "width", "steps", "train_subset"):
        if getattr(args, k) is not None:
            cfg[k] = getattr(args, k)
    if args.lrs:
        cfg["lrs"] = tuple(float(v) for v in args.lrs.split(","))
    cfg["lrs"] = list(cfg["lrs"])
    methods = [m for m in args.methods.split(",") if m]
    bad = [m for m in methods if m not in METHODS + STATIONARY_START]
    if bad:
        raise SystemExit(f"unknown methods {bad}; choose from {METHODS + STATIONARY_START}")
    cells = args.cells.split(",") if args.cells else (list(QUICK_CELLS) if args.quick else full_grid())
    for c in cells:
        parse_cell(c)
    out = args.out or ("/tmp/snntheory_compare_quick" if args.quick else os.path.join(_HERE, "results", "compare"))
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "compare.json")

    def save(state):
        with open(path + ".tmp", "w") as f:
            json.dump(state, f, indent=1, default=float)
        os.replace(path + ".tmp", path)

    state = None
    if os.path.exists(path):
        with open(path) as f:
            state = json.load(f)
        if state["meta"]["config"] != cfg and not (args.report_only or args.repredict):
            raise SystemExit(f"{path} was made with another configuration; use another --out")
    if args.repredict:
        if state is None:
            raise SystemExit(f"--repredict needs {path}")
        repredict(state, state["meta"]["config"], log=lambda m: print(m, flush=True),
                  cells=args.cells.split(",") if args.cells else None,
                  methods=None if args.methods == ",".join(METHODS) else methods)
        md = report(state, out, state["meta"]["config"], methods)
        save(state)
        print(md)
        return state
    if args.report_only:
        md = report(state, out, state["meta"]["config"], methods)
        print(md)
        return state
    if state is None:
        import torch
        import sklearn

        data = split_data(cfg)
        state = dict(meta=dict(config=cfg, code=td.code_version(), n_fit=len(data[3]), n_val=len(data[4]), n_test=len(data[5]),
                               versions=dict(python=platform.python_version(), torch=torch.__version__,
                                             sklearn=sklearn.__version__, numpy=np.__version__),
                               torch_threads=1, complete=False), cells={}, runs=[])
    state["meta"]["cells_requested"] = cells
    t0 = time.perf_counter()
    run(cfg, cells, methods, state, save, log=lambda s: print(s, flush=True))
    state["meta"]["complete"] = set(cells) >= set(full_grid()) and all(
        k in state["cells"] for k in (f"{c}/{m}" for c in full_grid() for m in methods))
    state["meta"]["wall_seconds_total"] = state["meta"].get("wall_seconds_total", 0.0) + time.perf_counter() - t0
    md = report(state, out, cfg, methods)
    save(state)
    print(md)
    print(f"wrote {out}/compare.json, compare.md, learning_curves.png in {time.perf_counter() - t0:.0f} s")
    return state


if __name__ == "__main__":
    main()
