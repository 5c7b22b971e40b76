r"""How much of the image reaches each hidden layer at initialisation? (companion of train_digits.py)

For the deep network of ``train_digits.py`` (same data, code, neuron and plans, built with
:func:`snntheory.torch.init_snn_`), before any training, per hidden layer:

- ``reliability``: test-retest correlation of a neuron's spike count (summed over T) across the
  360 test images, between two independent Bernoulli encodings of the same images, averaged over
  the neurons that spike (1 = the count is fixed by the image, 0 = it is input noise);
- ``probe``: test accuracy of a logistic regression (scikit-learn, standardised counts) trained
  on the layer's spike counts of the 1437 training images: how linearly decodable the digit is
  from that layer at initialisation;
- ``rate``: firing probability per step.

Usage: ``python3 experiments/diagnose_init.py [--seeds 2] [--methods kaiming,discrete]``;
writes ``experiments/results/init_diagnostics.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_digits as td  # noqa: E402


def layer_counts(model, x):
    """Spike counts [layer][images, neurons] of every hidden layer for input spikes x [T, B, 64]."""
    import torch

    with torch.no_grad():
        model(x)
    return [m.last_spikes.sum(0).numpy() for m in td.lif_layers(model)]


def reliability(a, b):
    out = []
    for j in range(a.shape[1]):
        if a[:, j].std() > 0 and b[:, j].std() > 0:
            out.append(np.corrcoef(a[:, j], b[:, j])[0, 1])
    return float(np.mean(out)) if out else 0.0, len(out) / a.shape[1]


def probe(tr, y_tr, te, y_te):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if tr.std() == 0:
        return float(np.mean(y_te == np.bincount(y_tr).argmax()))
    sc = StandardScaler().fit(tr)
    clf = LogisticRegression(max_iter=2000).fit(sc.transform(tr), y_tr)
    return float(clf.score(sc.transform(te), y_te))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--methods", default="kaiming,discrete,fluctuation")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = ap.parse_args(argv)
    import torch
    from snntheory.torch import init_snn_

    torch.set_num_threads(1)
    cfg = dict(td.FULL)
    x_tr, x_te, y_tr, y_te = td.load_data(0)
    input_rate = float(x_tr.mean()) * cfg["p_max"] / 1e-3
    t0 = time.perf_counter()
    rows = []
    for method in args.methods.split(","):
        _, _, plan, err, secs, _ = td.make_plan(cfg, "deep", method, input_rate)
        if plan is None:
            raise SystemExit(err)
        for seed in range(args.seeds):
            td._use_plans({(tuple(plan.widths), td.VARIANTS.get(method, (method,))[0]): plan})
            torch.manual_seed(seed)
            model = td.build_model(cfg, "deep")
            init_snn_(model.snn, generator=torch.Generator().manual_seed(seed), **td.plan_kwargs(cfg, method, input_rate))
            g = torch.Generator().manual_seed(100 + seed)
            c_tr = layer_counts(model, td.encode(x_tr, cfg["steps"], cfg["p_max"], g))
            c_a = layer_counts(model, td.encode(x_te, cfg["steps"], cfg["p_max"], g))
            c_b = layer_counts(model, td.encode(x_te, cfg["steps"], cfg["p_max"], g))
            for l in range(len(c_a)):
                rel, active = reliability(c_a[l], c_b[l])
                rows.append(dict(method=method, seed=seed, layer=l + 1, rate=float(c_a[l].mean() / cfg["steps"]),
                                 reliability=rel, active_fraction=active,
                                 probe=probe(c_tr[l], y_tr, c_a[l], y_te)))
            print(method, seed, [round(r["probe"], 2) for r in rows[-len(c_a):]],
                  [round(r["reliability"], 2) for r in rows[-len(c_a):]], flush=True)
    # input layer for reference
    g = torch.Generator().manual_seed(7)
    s_tr = td.encode(x_tr, cfg["steps"], cfg["p_max"], g).sum(0).numpy()
    s_a = td.encode(x_te, cfg["steps"], cfg["p_max"], g).sum(0).numpy()
    s_b = td.encode(x_te, cfg["steps"], cfg["p_max"], g).sum(0).numpy()
    inp = dict(reliability=reliability(s_a, s_b)[0], probe=probe(s_tr, y_tr, s_a, y_te))
    res = dict(config=cfg, code=td.code_version(), seeds=args.seeds, input=inp, rows=rows, wall_seconds=time.perf_counter() - t0)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "init_diagnostics.json"), "w") as f:
        json.dump(res, f, indent=1)
    methods = list(dict.fromkeys(r["method"] for r in rows))
    L = max(r["layer"] for r in rows)
    lines = ["# Deep net at initialisation: how much of the image reaches each layer (experiments/diagnose_init.py)", "",
             f"Mean over {args.seeds} seeds. Input spike counts: reliability {inp['reliability']:.2f}, "
             f"linear-probe test accuracy {inp['probe']:.3f}.", ""]
    for key, title in (("probe", "linear-probe test accuracy"), ("reliability", "test-retest reliability of spike counts"),
                       ("rate", "firing probability per step")):
        lines += [f"{title}:", "", "| method | " + " | ".join(f"L{i}" for i in range(1, L + 1)) + " |",
                  "|---|" + "---|" * L]
        for m in methods:
            v = [np.mean([r[key] for r in rows if r["method"] == m and r["layer"] == l]) for l in range(1, L + 1)]
            lines.append(f"| {m} | " + " | ".join(f"{x:.3f}" if key != "reliability" else f"{x:.2f}" for x in v) + " |")
        lines.append("")
    md = "\n".join(lines)
    with open(os.path.join(args.out, "init_diagnostics.md"), "w") as f:
        f.write(md)
    print(md)
    print(f"{res['wall_seconds']:.0f} s")


if __name__ == "__main__":
    main()
