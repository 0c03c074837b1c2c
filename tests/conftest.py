import os
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
# Workers: `-n auto` (pyproject.toml) asks this hook. One worker per core, plus one: about a third of
# the suite's wall time is spent waiting on real time (the Bluetooth stand-in's streams, `glide record`
# and tmux processes, sound playback), during which a worker leaves its core idle; the extra worker
# keeps both cores busy then. The real-time tests hold on a core shared with CPU-bound workers: they
# assert what a stalled process cannot change (every sample the decoder skipped is a delay the test
# measured itself, tests/test_standin_families.py) rather than needing spare CPU.
EXTRA_WORKERS = 1


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist (-p no:xdist) it is not called
def pytest_xdist_auto_num_workers(config):
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + EXTRA_WORKERS


# The suite runs on xdist workers, one test file per worker at a time (`--dist loadfile`, with
# `--no-loadscope-reorder` in pyproject.toml so the order below is the order files are handed out).
# Longest files first, then the rest in their usual order: a long file that starts last would run
# alone at the end while the other workers idle (longest-processing-time-first scheduling).
# The ranking is the files' measured wall time (setup + call + teardown of their tests, summed by file,
# 2026-12-02, two workers on a loaded machine): files that wait on real time rank by their waiting,
# so they start early and overlap the CPU-bound ones. Refresh it when a file grows past the ones
# listed. A file missing here only loses its head start.
LONGEST_FIRST = (
    "test_simulated_accuracy.py",
    "test_ble_two_sensors.py",
    "test_record_signals.py",
    "test_ankle_live.py",
    "test_tui.py",
    "test_standin_families.py",
    "test_standin_paired_outage.py",  # waits ~8.5 s of real time for the outages
    "test_cli_bad_values.py",
    "test_sound.py",
    "test_faults_data.py",
    "test_streaming.py",
    "test_ankle.py",
    "test_tui_foot.py",
    "test_fuzz_pipeline.py",
    "test_sound_live.py",
    "test_tui_session.py",
    "test_not_reps.py",
    "test_cli_history.py",
    "test_ble_e2e.py",
    "test_architecture.py",
    "test_restrap_confirm.py",
    "test_proto_fuzz.py",
    "test_sound_foot.py",
    "test_fuzz_readers.py",
    "test_trace.py",
    "test_trace_blocks.py",
    "test_shin_prior.py",
    "test_tmux_demo.py",
    "test_picker_foot.py",
    "test_tui_smoke.py",
    "test_supine_teaching.py",
    "test_upright.py",
    "test_safety_privacy.py",
    "test_rep_pivot.py",
    "test_dsp_kernel.py",
    "test_buffer_cut.py",
    "test_mount_evidence.py",
)


def pytest_collection_modifyitems(config, items):
    """Files in LONGEST_FIRST order, every other file after them in collection order; the sort is
    stable, so each file's tests keep their order and stay together (module fixtures set up once)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
