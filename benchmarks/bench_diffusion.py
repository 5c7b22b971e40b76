"""Speed and accuracy of snntheory's Siegert rate against NNMT's, in one run.

Times are the best of several repeats (``timeit.repeat``; the machine may be shared); ratios
compare the two tools on identical inputs within the same run. The printed tables are also
written to ``benchmarks/results/diffusion.md``.

Run: ``python benchmarks/bench_diffusion.py`` (NNMT 1.3.0 installed; without it the script says
so and still times snntheory). ``--json PATH`` also writes the measured numbers to PATH
(``benchmarks/results/bench_diffusion.json`` is the committed copy that ``figures/fig_speed.py`` reads).

(a) 100,000 (mu, sigma) points mixing all regimes (mean-driven, straddling, fluctuation-driven
    up to y_th ~ 40, tiny sigma) in ONE batch call; NNMT is also timed per regime when the mixed
    batch fails.
(b) single scalar calls in three regimes.
Accuracy: maximum relative error of both tools against mpmath at 50 digits on a subsample
(mpmath quadrature of the Siegert integral, the same route as tests/reference).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import mpmath as mp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reference"))
from generate_diffusion import scaled_T  # noqa: E402  (mpmath reference, independent of snntheory)

from snntheory import diffusion  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import Report, best_time  # noqa: E402

try:
    from nnmt.lif import delta as nnmt_delta

    NNMT = True
except Exception as exc:  # pragma: no cover - depends on the environment
    NNMT = False
    NNMT_WHY = repr(exc)

TAU_M, V_TH, V_RESET, TAU_REF = 0.02, 20e-3, 10e-3, 0.002
N = 100_000
N_REF = 300


def mixed_batch(n, rng):
    """Equal parts: mean-driven, straddling, fluctuation-driven (y_th up to 40), tiny sigma."""
    k = n // 4
    parts = []
    # mean-driven: mu above threshold, y_th in (-10, 0)
    sg = rng.uniform(0.5e-3, 8e-3, k)
    parts.append((V_TH + sg * rng.uniform(0.01, 10.0, k), sg))
    # straddling: y_r <= 0 < y_th
    sg = rng.uniform(1e-3, 10e-3, k)
    parts.append((rng.uniform(V_RESET, V_TH, k), sg))
    # fluctuation-driven: mu below reset, y_th in (0, 40]
    sg = rng.uniform(0.5e-3, 5e-3, k)
    yth = rng.uniform(0.5, 40.0, k)
    mu = V_TH - yth * sg
    mu = np.minimum(mu, V_RESET - 1e-6)
    parts.append((mu, sg))
    # tiny sigma on both sides of threshold (|y| up to ~1e3)
    m = n - 3 * k
    sg = rng.uniform(1e-6, 2e-5, m)
    parts.append((V_TH + rng.uniform(-20e-3, 20e-3, m), sg))
    mu = np.concatenate([p[0] for p in parts])
    sigma = np.concatenate([p[1] for p in parts])
    label = np.concatenate([np.full(len(p[0]), i) for i, p in enumerate(parts)])
    perm = rng.permutation(n)
    return mu[perm], sigma[perm], label[perm]


PART_NAMES = ["mean-driven", "straddling", "fluctuation-driven", "tiny sigma (|y| to 1e3)"]


def reference(mu, sigma):
    """ln(rate) at 50 digits (mpmath) for each point."""
    mp.mp.dps = 50
    out = []
    for m, s in zip(mu, sigma):
        yth = (mp.mpf(V_TH) - mp.mpf(m)) / mp.mpf(s)
        yr = (mp.mpf(V_RESET) - mp.mpf(m)) / mp.mpf(s)
        sc, I = scaled_T(yth, yr)
        out.append(-(sc + mp.log(TAU_M * I + TAU_REF * mp.exp(-sc))))
    return out


def max_rel_err(values, ref_log):
    """Max relative error of rates against exp(ref_log) where the rate is representable."""
    worst = 0.0
    fails = 0
    for v, lr in zip(values, ref_log):
        r = mp.exp(lr)
        if r < mp.mpf("1e-300"):
            continue
        if not np.isfinite(v):
            fails += 1
            continue
        worst = max(worst, float(abs(mp.mpf(float(v)) - r) / r))
    return worst, fails


def nnmt_rate(mu, sigma):
    return nnmt_delta._firing_rates_for_given_input(mu, sigma, V_RESET, V_TH, TAU_M, TAU_REF)


def main(json_path=None):
    res = {"benchmark": "bench_diffusion", "date": time.strftime("%Y-%m-%d"), "python": sys.version.split()[0],
           "machine": platform.machine(), "neuron": dict(tau_m=TAU_M, v_th=V_TH, v_reset=V_RESET, tau_ref=TAU_REF),
           "nnmt": NNMT, "n_batch": N, "n_ref": N_REF, "regimes": PART_NAMES}
    rep = Report("diffusion", "Siegert rate: snntheory.diffusion.firing_rate against NNMT", reference=("nnmt",))
    rng = np.random.default_rng(2026)
    mu, sigma, label = mixed_batch(N, rng)
    kw = dict(tau_m=TAU_M, v_th=V_TH, v_reset=V_RESET, tau_ref=TAU_REF)
    rep.note(f"Neuron: tau_m = {TAU_M} s, v_th = {V_TH} V, v_reset = {V_RESET} V, tau_ref = {TAU_REF} s; "
             f"NNMT routine `nnmt.lif.delta._firing_rates_for_given_input`.")
    if not NNMT:
        rep.note(f"NNMT is not installed ({NNMT_WHY}); snntheory timed alone.")

    # (a) mixed batch
    rep.section(f"(a) {N:,} mixed-regime points in one call")
    diffusion.firing_rate(mu[:1000], sigma[:1000], **kw)  # warm-up
    t_snn = best_time(lambda: diffusion.firing_rate(mu, sigma, **kw), repeat=7)
    r_snn = diffusion.firing_rate(mu, sigma, **kw)
    n_nan = int(np.isnan(r_snn).sum())
    res["batch_snntheory_s"] = t_snn
    res["batch_snntheory_nan"] = n_nan
    res["batch_nnmt_s"] = None
    res["batch_nnmt_error"] = None
    res["per_regime"] = {}
    rows = [["all regimes", f"{N:,}", f"{t_snn * 1e3:.1f} ms ({t_snn / N * 1e6:.3f} µs/pt), NaN: {n_nan}"]]
    if NNMT:
        try:
            t0 = time.perf_counter()
            nnmt_rate(mu, sigma)
            t_nnmt = time.perf_counter() - t0
            res["batch_nnmt_s"] = t_nnmt
            rows[0] += [f"{t_nnmt * 1e3:.1f} ms ({t_nnmt / N * 1e6:.3f} µs/pt, one run)", f"{t_nnmt / t_snn:.1f}x"]
        except Exception as exc:
            res["batch_nnmt_error"] = f"{type(exc).__name__}: {exc}"
            rows[0] += [f"raises {type(exc).__name__} (see below)", "—"]
            why = f"NNMT on the mixed batch raises `{type(exc).__name__}: {exc}`"
            # NNMT picks one quadrature order for the whole batch; time it per regime instead,
            # and snntheory on the same subsets, for a like-for-like throughput ratio
            t_n_ok = t_s_ok = 0.0
            for i, name in enumerate(PART_NAMES):
                sel = label == i
                n_sel = int(sel.sum())
                m_sel, s_sel = mu[sel], sigma[sel]
                t_s = best_time(lambda: diffusion.firing_rate(m_sel, s_sel, **kw), repeat=7)
                try:
                    dt = best_time(lambda: nnmt_rate(m_sel, s_sel), repeat=3)
                    t_n_ok += dt
                    t_s_ok += t_s
                    rows.append([name, f"{n_sel:,}", f"{t_s / n_sel * 1e6:.3f} µs/pt", f"{dt / n_sel * 1e6:.3f} µs/pt",
                                 f"{dt / t_s:.1f}x"])
                    res["per_regime"][name] = {"n": n_sel, "snntheory_s": t_s, "nnmt_s": dt}
                except Exception as exc2:
                    rows.append([name, f"{n_sel:,}", f"{t_s / n_sel * 1e6:.3f} µs/pt",
                                 f"raises {type(exc2).__name__}", "—"])
                    res["per_regime"][name] = {"n": n_sel, "snntheory_s": t_s, "nnmt_s": None,
                                               "nnmt_error": f"{type(exc2).__name__}: {exc2}"}
            if t_s_ok:
                rows.append(["subsets NNMT can do, together", "", f"{t_s_ok * 1e3:.2f} ms", f"{t_n_ok * 1e3:.2f} ms",
                             f"{t_n_ok / t_s_ok:.1f}x"])
    else:
        rows[0] += ["—", "—"]
    rep.table(["points", "n", "snntheory", "NNMT", "ratio NNMT/snntheory"], rows)
    if res["batch_nnmt_error"]:
        rep.note(why + " (it picks one quadrature order for the whole batch); it is also timed per regime.")

    # accuracy on a subsample
    idx = rng.choice(N, N_REF, replace=False)
    ref = reference(mu[idx], sigma[idx])
    r_sub = diffusion.firing_rate(mu[idx], sigma[idx], **kw)
    e_snn, f_snn = max_rel_err(r_sub, ref)
    lr_snn = diffusion.log_firing_rate(mu[idx], sigma[idx], **kw)
    e_log = max(float(abs(mp.mpf(float(a)) - b) / max(1, abs(b))) for a, b in zip(lr_snn, ref))
    res["accuracy"] = {"regime": [int(x) for x in label[idx]], "mu": [float(x) for x in mu[idx]],
                       "sigma": [float(x) for x in sigma[idx]], "ref_log_rate": [float(x) for x in ref],
                       "snntheory_rate": [float(x) for x in r_sub], "snntheory_max_rel_err": e_snn,
                       "snntheory_nonfinite": f_snn, "snntheory_log_max_err": e_log}
    rows = [["snntheory", f"{e_snn:.1e}", f"{e_log:.1e}", "0", str(f_snn)]]
    if NNMT:
        vals = []
        fails = 0
        for m, s in zip(mu[idx], sigma[idx]):  # one by one, so that a failure costs one point
            try:
                with np.errstate(all="ignore"):
                    vals.append(float(np.ravel(nnmt_rate(np.array([m]), np.array([s])))[0]))
            except Exception:
                vals.append(math.nan)
                fails += 1
        e_n, nonfinite = max_rel_err(vals, ref)
        rows.append(["NNMT", f"{e_n:.1e}", "—", str(fails), str(nonfinite)])
        res["accuracy"].update(nnmt_rate=[None if not np.isfinite(v) else float(v) for v in vals],
                               nnmt_max_rel_err=e_n, nnmt_raised=fails, nnmt_nonfinite=nonfinite)
    rep.section(f"accuracy against mpmath at 50 digits, {N_REF} random points of the batch")
    rep.table(["tool", "max rel. error of rate", "max error of ln(rate)", "raised", "non-finite"], rows)

    # (b) scalar calls
    rep.section("(b) single scalar calls (snntheory best of 5 x 2000 calls, NNMT best of 3 x 50)")
    res["scalar"] = {}
    rows = []
    for name, (m, s) in {"mean-driven": (30e-3, 2e-3), "straddling": (15e-3, 5e-3),
                         "fluctuation-driven": (0.0, 2e-3)}.items():
        t_s = best_time(lambda: diffusion.firing_rate(m, s, **kw), repeat=5, number=2000)
        row = [name, f"{m * 1e3:g}", f"{s * 1e3:g}", f"{t_s * 1e6:.2f}"]
        res["scalar"][name] = {"mu": m, "sigma": s, "snntheory_s": t_s, "nnmt_s": None}
        if NNMT:
            try:
                t_n = best_time(lambda: nnmt_rate(m, s), repeat=3, number=50)
                row += [f"{t_n * 1e6:.1f}", f"{t_n / t_s:.1f}x"]
                res["scalar"][name]["nnmt_s"] = t_n
            except Exception as exc:
                row += [f"raises {type(exc).__name__}", "—"]
        else:
            row += ["—", "—"]
        rows.append(row)
    rep.table(["regime", "mu (mV)", "sigma (mV)", "snntheory (µs)", "NNMT (µs)", "ratio NNMT/snntheory"], rows)
    rep.write()
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="PATH", help="also write the measured numbers to PATH")
    main(ap.parse_args().json)
