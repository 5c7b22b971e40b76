"""Reliability of every public function near its valid base call -> benchmarks/results/reliability.md.

For each public function (the table ``BASE`` of ``tests/test_parameter_errors.py``), calls it
repeatedly for ``--seconds`` of CPU time with each positive-valued numeric argument of the base
call multiplied by a random factor in [0.5, 1.5] (log-uniform; integers rounded, probabilities
kept in (0, 1]). Counts the examples run, the library's refusals (ParameterError, NoSolutionError,
ConvergenceError), the failures (any other exception, or a NaN in a float result; inf is a valid
answer of several functions, e.g. a mean passage time without drive) and the
slowest call in CPU seconds. This is a smoke test around typical values, not the deep hypothesis
profile of issue 14 (which draws the whole documented domain).

Usage: ``nice -n 10 python benchmarks/bench_reliability.py [--seconds 1.5] [--only NAME]``
"""

import argparse
import dataclasses
import datetime
import math
import pathlib
import sys
import time
import warnings

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import test_parameter_errors as tpe  # noqa: E402
from snntheory.errors import ConvergenceError, NoSolutionError, ParameterError  # noqa: E402

LIBRARY_ERRORS = (ParameterError, NoSolutionError, ConvergenceError)
PROBABILITIES = {"p_in", "p_out", "beta", "q", "silent_below"}
#: arguments left as given (seeds, counts that set the cost, positions)
FIXED = {"seed", "n_steps", "n_neurons", "burn_in", "batch", "n_blocks", "n_in", "n_out", "widths", "t_max",
         "dt", "n", "v", "t", "x", "v_th", "v_reset", "v_start", "mu", "m", "drift", "w_mean", "w_means"}


def _perturb(kw, rng):
    out = {}
    for k, v in kw.items():
        if k in FIXED or isinstance(v, (bool, str)) or not isinstance(v, (int, float)) or v <= 0:
            out[k] = v
            continue
        f = math.exp(rng.uniform(math.log(0.5), math.log(1.5)))
        x = v * f
        if isinstance(v, int):
            x = max(1, int(round(x)))
        if k in PROBABILITIES:
            x = min(x, 1.0)
        out[k] = x
    return out


def _isi_undefined(r):
    """The ISI statistics a run documents as NaN: no interval recorded (mean), fewer than two (CV)."""
    return {"isi_mean": r.n_isi < 1, "isi_cv": r.n_isi < 2, "isi_cv_stderr": r.n_isi < 2}


#: NaNs the simulators document as "a statistic of data the run does not contain" (their result
#: docstrings), with the condition under which each field may be NaN; anywhere else a NaN fails
DOCUMENTED_NAN = {
    "simulate.simulate_ou": lambda r: {**_isi_undefined(r), "isi_cv_stderr": True},   # < 2 groups of 2 ISIs
    "simulate.simulate_shot_noise": lambda r: {**_isi_undefined(r), "overshoot_mean": int(r.spike_counts.sum()) == 0},
    "simulate.network": lambda r: {"v_mean": "entry 0", "v_std": "entry 0"},   # the input layer has no membrane
    # the top layer has no layer above it to pass the error through within the step
    "network.bptt_gain": lambda r: {"within_step": np.arange(len(r.within_step)) == len(r.within_step) - 1},
    # correlations over no input pair with both replicas' trains varying, and errors from fewer than two
    "simulate.replica_network": lambda r: {"step_corr": r.n_pairs == 0, "count_corr": r.n_pairs == 0,
                                           "step_corr_se": r.n_pairs < 2, "count_corr_se": r.n_pairs < 2},
}


def _fields(res):
    if dataclasses.is_dataclass(res):
        return [(f.name, getattr(res, f.name)) for f in dataclasses.fields(res)]
    if isinstance(res, tuple) and hasattr(res, "_fields"):
        return list(zip(res._fields, res))
    return list(enumerate(res)) if isinstance(res, tuple) else [(None, res)]


def _undocumented_nan(name, res):
    """Fields of ``res`` holding a NaN that the function does not document for this result."""
    allowed = DOCUMENTED_NAN.get(name, lambda r: {})(res)
    bad = []
    for field, r in _fields(res):
        if r is None:   # an optional field not computed
            continue
        try:
            a = np.asarray(r, dtype=float)
        except (TypeError, ValueError):
            continue
        ok = allowed.get(field, False)
        if isinstance(ok, np.ndarray):   # NaN documented for these entries
            a = a[~ok]
        elif ok == "entry 0":
            a = a[1:]
        elif ok:
            continue
        if a.size and np.any(np.isnan(a)):
            bad.append(field)
    return bad


def run(seconds, only=None):
    rows = []
    rng = np.random.default_rng(14)
    for mod, name, _ in tpe.FUNCS:
        if only and only not in f"{mod}.{name}":
            continue
        base = tpe.BASE[mod][name]
        n = refused = 0
        failures = []
        slowest = 0.0
        start = time.process_time()
        while time.process_time() - start < seconds:
            kw = base if n == 0 else _perturb(base, rng)
            t0 = time.process_time()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = tpe._call(mod, name, kw, seconds=30)
                bad = _undocumented_nan(f"{mod}.{name}", res)
                if bad:
                    failures.append(f"NaN in {', '.join(map(str, bad))} for {kw}")
            except LIBRARY_ERRORS:
                refused += 1
            except tpe._Hung:
                failures.append(f"over 30 s for {kw}")
            except Exception as err:  # noqa: BLE001 - counted and reported
                failures.append(f"{type(err).__name__}: {err}"[:120])
            slowest = max(slowest, time.process_time() - t0)
            n += 1
        rows.append((f"{mod}.{name}", n, refused, len(failures), slowest, failures[:1]))
        print(f"{mod}.{name}: {n} examples, {refused} refused, {len(failures)} failures, slowest {slowest:.3f} s",
              flush=True)
    return rows


NOTE = ("NaNs the simulators document as undefined for the run (ISI statistics with fewer than two intervals, "
        "the overshoot without spikes, the input layer's membrane, correlations over no input pair with varying trains) are not failures (`DOCUMENTED_NAN`); any "
        "other NaN is.")


def write(rows, seconds):
    out = ROOT / "benchmarks" / "results" / "reliability.md"
    slow = [r for r in rows if r[4] > 2.0]
    lines = [
        "# Reliability around the base calls (bench_reliability.py)",
        "",
        f"{datetime.date.today().isoformat()}, `--seconds {seconds}` of CPU per function on a shared 2-core machine "
        "(CPU times include other agents' contention). Each example multiplies the positive-valued arguments of "
        "the function's base call in `tests/test_parameter_errors.py` by a log-uniform factor in [0.5, 1.5]. "
        "*refused*: the library's own errors; *failures*: any other exception or a NaN result. "
        "This is a smoke test near typical values, not the deep profile of issue 14 over the whole domain.",
        "",
        f"Functions: {len(rows)}; examples: {sum(r[1] for r in rows)}; failures: {sum(r[3] for r in rows)}; "
        f"slowest call over 2 s: {len(slow)} ({', '.join(r[0] for r in slow) or 'none'}).",
        "",
        NOTE,
        "",
        "| function | examples | refused | failures | slowest call (CPU s) | first failure |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, n, refused, nf, slowest, first in rows:
        msg = first[0].replace("|", "/") if first else ""
        lines.append(f"| `{name}` | {n} | {refused} | {nf} | {slowest:.3f} | {msg} |")
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    rows = run(args.seconds, args.only)
    if not args.only:
        write(rows, args.seconds)
