"""Test configuration: hypothesis profiles, the Monte Carlo size switch, Agg backend.

Hypothesis profiles: ``ci`` (the default: derandomised, 60 examples per property), ``dev``
(the same), ``thorough`` (1000, randomised) and ``deep`` (1e5 per property, randomised;
``--hypothesis-profile=deep``). Select one with ``--hypothesis-profile`` or the environment
variable ``SNNTHEORY_HYPOTHESIS``.

Simulation tests are marked ``slow``. By default (and in CI) they run at a reduced size that
still resolves their stated tolerance; ``pytest --full`` runs them at full size.
"""

import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "dev", derandomize=True, database=None, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", database=None, deadline=None, max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
# The failure hunt of issue 14: >= 1e5 examples per property (hours; run it deliberately with
# ``pytest --hypothesis-profile=deep tests/test_properties_*.py``). Randomised, so each run
# explores new inputs; failures are printed with their reproducing example.
settings.register_profile(
    "deep", database=None, deadline=None, max_examples=100_000,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("SNNTHEORY_HYPOTHESIS", "ci"))


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", help="run Monte Carlo tests at full size")


@pytest.fixture(scope="session")
def mc_scale(request):
    """1.0 at full size (``--full``), a smaller factor by default: multiply simulation sizes by it."""
    return 1.0 if request.config.getoption("--full") else 0.25
