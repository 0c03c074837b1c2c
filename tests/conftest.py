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


# ------------------------------------------------------------------ scheduling (speed only)
# The suite runs on xdist workers, one test file per worker at a time (`--dist loadfile`, with
# `--no-loadscope-reorder` in pyproject.toml so the order below is the order files are handed out).
# Longest files first, then the rest in their usual order: a long file that starts last would run
# alone at the end while the other workers idle (longest-processing-time-first scheduling).
# The ranking is the files' measured time (`python -m pytest -p no:randomly --durations=0`, summed by
# file, 2026-12-02); refresh it when a file grows past the ones listed. A file missing here only
# loses its head start.
LONGEST_FIRST = (
    "test_simulated_accuracy.py",
    "test_tui.py",
    "test_ankle_live.py",
    "test_tui_foot.py",
    "test_ble_two_sensors.py",
    "test_streaming.py",
    "test_record_signals.py",
    "test_fuzz_pipeline.py",
    "test_standin_families.py",
    "test_restrap_confirm.py",
    "test_sound_foot.py",
    "test_ankle.py",
    "test_faults_data.py",
    "test_not_reps.py",
    "test_sound_live.py",
    "test_cli_history.py",
    "test_sound.py",
    "test_tui_session.py",
    "test_cli_bad_values.py",
    "test_architecture.py",
    "test_trace_blocks.py",
    "test_supine_teaching.py",
    "test_fuzz_readers.py",
    "test_proto_fuzz.py",
    "test_picker_foot.py",
    "test_ble_e2e.py",
    "test_ankle_cli.py",
    "test_buffer_cut.py",
    "test_sign_revote.py",
    "test_tmux_demo.py",
    "test_dsp_kernel.py",
    "test_phases_first.py",
)


def pytest_collection_modifyitems(config, items):
    """Files in LONGEST_FIRST order, every other file after them in collection order; the sort is
    stable, so each file's tests keep their order and stay together (module fixtures set up once)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
