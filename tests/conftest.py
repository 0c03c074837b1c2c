from pathlib import Path

import pytest

# The real recordings live beside the project (../shared/data), in CI as on a developer machine.
UCI_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "uci-physical-therapy-exercises"


@pytest.fixture(scope="session")
def uci_dir() -> Path:
    assert UCI_DIR.is_dir(), f"the UCI recordings are expected at {UCI_DIR}"
    return UCI_DIR
