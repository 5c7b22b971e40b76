"""Smoke test of experiments/train_digits.py (the real-data comparison of issue #7).

Runs the script's ``--quick`` mode with still smaller settings (one seed, one epoch, a 300-image
training subset, narrow layers) in a subprocess on one core, and checks what it writes. Needs
torch and scikit-learn (the ``experiments`` extra); skipped without them.
"""

import importlib.util
import json
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


def _load():
    spec = importlib.util.spec_from_file_location("train_digits", SCRIPT)
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
