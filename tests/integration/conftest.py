"""Fixtures shared by the integration tests of one area (the servers themselves come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.integration import discovery_bed
from tests.servers.bed import Testbed


@pytest.fixture
def bed(testbed: Testbed) -> Testbed:
    """The test bed with every discovery scenario installed (tests/integration/discovery_bed.py)."""
    discovery_bed.install(testbed)
    return testbed
