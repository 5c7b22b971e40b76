"""Test configuration: hypothesis profiles, the Monte Carlo size switch, Agg backend.

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
settings.load_profile(os.environ.get("SNNTHEORY_HYPOTHESIS", "ci" if os.environ.get("CI") else "dev"))


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", help="run Monte Carlo tests at full size")


@pytest.fixture(scope="session")
def mc_scale(request):
    """1.0 at full size (``--full``), a smaller factor by default: multiply simulation sizes by it."""
    return 1.0 if request.config.getoption("--full") else 0.25
