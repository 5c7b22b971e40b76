"""Smoke test of experiments/train_digits.py (the real-data comparison of issue #7).

Runs the script's ``--quick`` mode with still smaller settings (one seed, one epoch, a 300-image
training subset, narrow layers) in a subprocess on one core, and checks what it writes. Needs
torch and scikit-learn (the ``experiments`` extra); skipped without them.
"""

import importlib.util
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "experiments", "train_digits.py")

# chance is 0.1 on the 360 test images (binomial SD 0.016); one epoch on 300 rate-coded
# images with Adam lr 5e-3 reaches 0.5-0.8 in the shallow net, so 0.25 is far from both
ABOVE_CHANCE = 0.25
# the Bernoulli code's sample mean over 64 x 20 x 500 draws has SD < 1e-3
ENCODE_TOL = 5e-3


def _load(path=SCRIPT, name="train_digits"):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_encode_rate_and_split():
    td = _load()
    x_tr, x_te, y_tr, y_te = td.load_data(0)
    assert (len(y_tr), len(y_te)) == (1437, 360)
    assert np.array_equal(td.load_data(0)[3], y_te)          # split fixed by its seed
    s = td.encode(x_tr[:500], 20, 0.5, torch.Generator().manual_seed(0))
    assert s.shape == (20, 500, 64)
    assert set(torch.unique(s).tolist()) <= {0.0, 1.0}
    assert abs(float(s.mean()) - 0.5 * float(x_tr[:500].mean())) < ENCODE_TOL


def test_measure_rates_silent():
    td = _load()
    cfg = dict(td.QUICK, width=16, deep=8)
    model = td.build_model(cfg, "deep")
    with torch.no_grad():
        for m in model.snn:
            if isinstance(m, torch.nn.Linear):
                m.weight.zero_()
    x = torch.ones(10, 4, 64)
    rates, silent = td.measure_rates(model, x)
    assert rates == [0.0] * 8 and silent == [1.0] * 8
    with torch.no_grad():
        model.snn[0].weight.fill_(1.0)                      # every first-layer neuron fires every step
    rates, silent = td.measure_rates(model, x)
    assert rates[0] == 1.0 and silent[0] == 0.0 and silent[1:] == [1.0] * 7


@pytest.mark.slow
def test_quick_run_writes_results(tmp_path):
    out = tmp_path / "res"
    cmd = [sys.executable, SCRIPT, "--quick", "--out", str(out), "--jobs", "1", "--archs", "shallow",
           "--methods", "pytorch,kaiming,discrete", "--epochs", "1", "--train-subset", "300", "--width", "24",
           "--steps", "10"]
    # the checkout under test, not an installed copy, is what the script imports
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    subprocess.run(cmd, check=True, cwd=ROOT, env=env, capture_output=True, timeout=600)
    res = json.loads((out / "digits.json").read_text())
    assert (out / "digits.md").read_text().count("| shallow (1 hidden) |") == 3
    assert (out / "learning_curves.png").stat().st_size > 1000
    runs = {r["method"]: r for r in res["runs"]}
    assert sorted(runs) == ["discrete", "kaiming", "pytorch"]
    for r in runs.values():
        assert len(r["test_acc"]) == 2 and all(0.0 <= a <= 1.0 for a in r["test_acc"])
        assert len(r["init_rates"]) == 1 and 0.0 <= r["init_rates"][0] <= 1.0
        assert 0.0 <= r["init_silent"][0] <= 1.0
        assert r["init_grad_norms"][0] > 0.0
    assert runs["pytorch"]["final_test_acc"] > ABOVE_CHANCE
    # the plan the run used is the one recorded: the depth model holds the discrete target exactly
    plan = res["plans"]["shallow/discrete"]
    assert plan["rates_hz"] == pytest.approx([res["meta"]["config"]["target_rate"]], rel=1e-6)


def test_diagnose_reliability():
    spec = importlib.util.spec_from_file_location("diagnose_init", os.path.join(ROOT, "experiments", "diagnose_init.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(0)
    a = rng.poisson(3.0, size=(2000, 5)).astype(float)
    assert mod.reliability(a, a) == (pytest.approx(1.0), 1.0)
    # independent draws: correlation ~ N(0, 1/sqrt(2000)) per neuron, mean of 5 has SD 0.01
    rel, active = mod.reliability(a, rng.poisson(3.0, size=(2000, 5)).astype(float))
    assert abs(rel) < 0.05 and active == 1.0
    a[:, 0] = 0.0                                            # a silent neuron is not counted
    assert mod.reliability(a, a)[1] == 0.8


# ---------------------------------------------------------------------------------------------
# experiments/compare_init.py (issue #16)
# ---------------------------------------------------------------------------------------------

COMPARE = os.path.join(ROOT, "experiments", "compare_init.py")


def test_compare_latency_code_and_splits():
    ci = _load(COMPARE, "compare_init")
    x = np.array([[1.0, 0.5, 0.1, 0.21], [0.0, 0.75, 1.0, 0.2]], dtype=np.float32)
    s = ci.encode_latency(x, 5, 0.2).numpy()
    assert s.shape == (5, 2, 4)
    # one spike per pixel above 0.2, at step round((1 - x) * 4); the rest silent
    want = np.zeros((5, 2, 4))
    for b, i, t in [(0, 0, 0), (0, 1, 2), (0, 3, 3), (1, 1, 1), (1, 2, 0)]:
        want[t, b, i] = 1.0
    assert np.array_equal(s, want)
    cfg = dict(ci.FULL)
    x_fit, x_val, x_te, y_fit, y_val, y_te = ci.split_data(cfg)
    assert (len(y_fit), len(y_val), len(y_te)) == (1149, 288, 360)
    # validation carved from the training images: disjoint from the fit set, test split untouched
    rows = {r.tobytes() for r in x_fit}
    assert not any(r.tobytes() in rows for r in x_val)
    assert np.array_equal(y_te, _load().load_data(0)[3])
    assert ci.parse_cell("L8-b0.95-fast_sigmoid-zero-latency") == dict(
        name="L8-b0.95-fast_sigmoid-zero-latency", depth=8, beta=0.95, surrogate="fast_sigmoid",
        surrogate_width=pytest.approx(1.0 / 25.0), reset="zero", code="latency")     # snnTorch's default slope 25
    # a named snnTorch parameter: ATan alpha 4 is the width 2 / (pi alpha) V
    assert ci.parse_cell("L8-b0.9-atan@4-subtract-rate")["surrogate_width"] == pytest.approx(2.0 / (math.pi * 4.0))
    grid = ci.full_grid()
    assert len(grid) == len(set(grid)) == 18 and grid[0] == "L8-b0.9-atan-subtract-rate"


@pytest.mark.slow
def test_compare_quick_run_writes_results(tmp_path):
    out = tmp_path / "cmp"
    cmd = [sys.executable, COMPARE, "--quick", "--out", str(out), "--cells", "L2-b0.9-atan-subtract-latency",
           "--methods", "kaiming,micheli,trainable", "--epochs", "1", "--lrs", "0.003,0.01", "--train-subset", "200",
           "--width", "16", "--steps", "6"]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    subprocess.run(cmd, check=True, cwd=ROOT, env=env, capture_output=True, timeout=600)
    res = json.loads((out / "compare.json").read_text())
    assert (out / "learning_curves.png").stat().st_size > 1000
    md = (out / "compare.md").read_text()
    # one row per method in the results table, one in the warning check (no critical plan run here)
    assert "Spearman" in md and md.count("| L2-b0.9-atan-subtract-latency |") == 4
    assert "| L2-b0.9-atan-subtract-latency | " in md and "| not planned | – |" in md
    cells = res["cells"]
    for m in ("kaiming", "micheli"):
        info = cells[f"L2-b0.9-atan-subtract-latency/{m}"]
        assert info["error"] is None and info["lr"] in (0.003, 0.01)
        # the LR is the one with the best validation accuracy of the search
        assert info["lr_search"][f"{info['lr']:g}"] == max(info["lr_search"].values())
        runs = [r for r in res["runs"] if r["method"] == m]
        assert sorted(r["lr"] for r in runs) == [0.003, 0.01]          # one seed: the search run is seed 0
        for r in runs:
            assert len(r["test_acc"]) == 2 and len(r["val_acc"]) == 2 and len(r["init_rates"]) == 2
            assert all(0.0 <= v <= 1.0 for v in r["init_rates"] + r["init_silent"] + r["final_silent"])
        pred = info["predicted"]
        assert len(pred["p"]) == 2 and len(pred["bptt_weight_norm"]) == 2
    # Micheli's rule: Var[w] = 1 / (n P) with P the code's input spike probability, then the N(0, 1) tail
    from scipy.stats import norm

    info = cells["L2-b0.9-atan-subtract-latency/micheli"]
    p0 = info["input_rate_hz"] * 1e-3
    assert info["predicted"]["w_std"][0] == pytest.approx((64 * p0) ** -0.5, rel=1e-9)
    assert info["predicted"]["w_std"][1] == pytest.approx((16 * norm.sf(1.0)) ** -0.5, rel=1e-9)
    # the trainable plan is a hook: recorded as not run until init_network knows it
    tr = cells["L2-b0.9-atan-subtract-latency/trainable"]
    assert tr["error"] is not None or tr["lr"] is not None
    assert {a["quantity"] for a in res["analysis"]} >= {"pred rate last layer", "pred mean silent"}
