"""CI-size slice of the deep reliability profile (``benchmarks/bench_reliability.py --deep``).

A fixed-seed run of the profile's draws (typical, extreme-but-valid at the edges of the domain
table, invalid) on functions that the full profile found clean: every result must satisfy the
profile's invariants (no NaN, probabilities in [0, 1], rates in [0, 1/tau_ref], densities >= 0),
every refusal must be the library's error naming the parameter, and no call may exceed 2 s of CPU.
The draws include the cases fixed in issue 14's profile (Kramers rate at sigma ~ 1e-300, the
overshoot at vanishing noise, the discrete chain with beta near 1 and the mean far below threshold).
"""

import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_reliability", ROOT / "benchmarks" / "bench_reliability.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

#: function -> examples (sized so that the whole test stays under ~10 s)
CASES = {
    "diffusion.firing_rate": 400, "diffusion.mean_fpt": 300, "diffusion.kramers_rate": 400,
    "diffusion.deterministic_rate": 400, "diffusion.threshold_shift": 300,
    "wiener.fpt_pdf": 300, "wiener.fpt_sf": 300, "wiener.hitting_probability": 300,
    "wiener.mean_overshoot": 12, "discrete.membrane_moments": 24, "shotnoise.matched_diffusion": 300,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_deep_profile_slice(name):
    rows = bench.run_deep(60.0, seed=1414, max_examples=CASES[name], names={name}, verbose=False)
    (row,) = rows
    assert row["n"] == CASES[name]
    assert row["counts"]["extreme"] > 0 and row["counts"]["invalid"] > 0
    assert not row["failures"], row["failures"][:3]
    assert not row["over"], row["over"][:3]
