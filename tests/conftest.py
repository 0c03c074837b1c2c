from pathlib import Path

import pytest

# The real recordings the tests use ship with the repository (see tests/data/uci/README.md), so
# a plain clone passes its own suite with nothing beside it.
UCI_DIR = Path(__file__).resolve().parent / "data" / "uci"


@pytest.fixture(scope="session")
def uci_dir() -> Path:
    assert (UCI_DIR / "rep_labels.csv").is_file(), f"the UCI recordings are expected at {UCI_DIR}"
    return UCI_DIR


@pytest.fixture
def bus(monkeypatch):
    """A private D-Bus the BlueZ stand-in serves on, set as the system bus for the test (the
    Bluetooth end-to-end tests); imported here, not at collection, by the tests that ask for it."""
    from sensor.standin.server import PrivateBus

    b = PrivateBus()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", b.address)
    yield b
    b.close()
