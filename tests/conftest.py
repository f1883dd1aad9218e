"""Shared test settings: a derandomized hypothesis profile (no database, no deadline)."""
import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

settings.register_profile(
    "project",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "project"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """One full build (student release, executed solutions, both zips) for the whole run."""
    from autograder.cli import main

    out = tmp_path_factory.mktemp("dist")
    assert main(["build", "--out", str(out)]) == 0
    return out
