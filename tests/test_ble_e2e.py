"""Bluetooth end to end with no hardware: bleak's real BlueZ backend talks to a BlueZ stand-in
(sensor/standin/server.py) on a private dbus-daemon. scan -> connect -> configure -> notifications ->
reps -> forced disconnect -> reconnect -> the session's reps and recording are intact."""

import asyncio

import numpy as np
import pytest
from helpers import standin_in_thread, wait_for

from sensor.ble.link import BluetoothUnavailable, SensorLink, scan
from sensor.core.pipeline import Pipeline, analyze
from sensor.io.trace import TraceWriter, read_trace
from sensor.standin.server import BlueZStandin, GlideEmulator


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


_wait_for = wait_for


def test_scan_finds_the_sensor_with_family_and_rssi(bus):
    async def go():
        st = await BlueZStandin(bus.address, [GlideEmulator()]).start()
        try:
            return await scan(0.5)
        finally:
            await st.close()

    found = run(go())
    assert [(f.name, f.family_id) for f in found] == [("GlideIMU-sim", "glide")]
    assert -100 < found[0].rssi < 0


def test_stream_disconnect_reconnect_keeps_reps_and_recording(bus, tmp_path):
    trace = tmp_path / "live.csv"
    pipe = Pipeline("supine", 100.0)
    statuses = []

    async def go():
        st = await BlueZStandin(bus.address, [GlideEmulator()], speed=12.0, reps=3, posture="supine").start()
        writer = None

        def on_chunk(chunk):
            nonlocal writer
            if writer is None:
                writer = TraceWriter(trace, {"sample_rate_hz": 100.0, "posture": "supine", "device": "GlideIMU-sim"})
            writer.write(chunk)
            pipe.feed(chunk)

        link = SensorLink(None, 100.0, on_chunk=on_chunk, on_status=lambda k, d: statuses.append(k), scan_timeout=0.5)
        await link.find()
        task = asyncio.create_task(link.run())
        try:
            await _wait_for(lambda: len(pipe.reps) >= 2, 30)
            reps_before = len(pipe.reps)
            await st.drop("C0:FF:EE:00:00:01")
            await _wait_for(lambda: statuses.count("streaming") >= 2, 15)
            await _wait_for(lambda: len(pipe.reps) >= reps_before + 2, 30)
        finally:
            await link.stop()
            await asyncio.wait_for(task, 10)
            writer.close()
            await st.close()
        return link, st

    link, st = run(go(), 90)
    assert "reconnecting" in statuses and statuses[-1] == "stopped"
    assert link.stats.reconnects >= 1 and link.stats.gaps == 1
    # every sample the device sent arrived and was recorded, in one increasing time base
    assert link.stats.samples == st.sent_samples["C0:FF:EE:00:00:01"]
    _meta, chunk, _stats = read_trace(trace)
    assert len(chunk) == link.stats.samples
    assert np.all(np.diff(chunk.t) > 0)
    # replaying the recording gives exactly the reps counted live
    replay, _ = analyze(chunk, "supine", 100.0)
    live = [(r.start_s, r.end_s, r.rom_deg) for r in pipe.reps]
    assert [(r.start_s, r.end_s, r.rom_deg) for r in replay.reps[: len(live)]] == live
    assert len(live) >= 4


def test_silent_device_is_detected_and_reconnected(bus):
    statuses = []

    async def go():
        st = await BlueZStandin(bus.address, [GlideEmulator()], speed=4.0).start()
        link = SensorLink(
            None,
            100.0,
            on_chunk=lambda c: None,
            on_status=lambda k, d: statuses.append(k),
            scan_timeout=0.5,
            watchdog_s=0.5,
        )
        await link.find()
        task = asyncio.create_task(link.run())
        try:
            await _wait_for(lambda: "streaming" in statuses, 15)
            st.silence("C0:FF:EE:00:00:01", 1.5)
            await _wait_for(lambda: "silent" in statuses, 10)
            await _wait_for(lambda: statuses.count("streaming") >= 2, 15)
        finally:
            await link.stop()
            await asyncio.wait_for(task, 10)
            await st.close()

    run(go())
    assert statuses.index("silent") < len(statuses) - 1


def test_no_bluetooth_is_one_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-socket")
    with pytest.raises(BluetoothUnavailable, match="Bluetooth is not available"):
        run(scan(0.2))
    from tui.cli import main

    assert main(["scan", "--timeout", "0.2"]) == 3
    err = capsys.readouterr().err
    assert "Bluetooth is not available" in err and "Traceback" not in err


def test_reconnect_that_fails_three_times_then_succeeds(bus):
    statuses = []
    chunks = []

    async def go():
        st = await BlueZStandin(bus.address, [GlideEmulator()], speed=4.0).start()
        st.refuse("C0:FF:EE:00:00:01", 3)
        link = SensorLink(
            None,
            100.0,
            on_chunk=chunks.append,
            on_status=lambda k, d: statuses.append((k, d)),
            scan_timeout=0.5,
            backoff_s=(0.2, 1.0),
        )
        await link.find()
        task = asyncio.create_task(link.run())
        try:
            await _wait_for(lambda: any(k == "streaming" for k, _ in statuses), 30)
            await _wait_for(lambda: len(chunks) >= 5, 10)
        finally:
            await link.stop()
            await asyncio.wait_for(task, 10)
            await st.close()
        return link

    link = run(go(), 90)
    kinds = [k for k, _ in statuses]
    assert kinds.count("reconnecting") == 3 and link.stats.reconnects == 3
    # the backoff grows: 0.2 s, 0.4 s, 0.8 s
    delays = [d for k, d in statuses if k == "reconnecting"]
    assert [x.split("retrying in ")[1] for x in delays] == ["0.2 s", "0.4 s", "0.8 s"]
    assert kinds.index("streaming") > max(i for i, k in enumerate(kinds) if k == "reconnecting")


def test_damaged_notifications_are_counted_and_counting_goes_on(bus):
    """Duplicated, reordered, truncated and garbage notifications through bleak and the
    transport: the decoder counts and skips them, times stay increasing, reps still count."""
    pipe = Pipeline("supine", 100.0)
    times = []

    async def go():
        st = await BlueZStandin(bus.address, [GlideEmulator()], speed=12.0, reps=3, posture="supine").start()
        st.damage("C0:FF:EE:00:00:01", duplicate=0.05, reorder=0.05, truncate=0.03, garbage=0.03)

        def on_chunk(chunk):
            times.append(chunk.t)
            pipe.feed(chunk)

        link = SensorLink(None, 100.0, on_chunk=on_chunk, scan_timeout=0.5)
        await link.find()
        task = asyncio.create_task(link.run())
        try:
            await _wait_for(lambda: len(pipe.reps) >= 3, 40)
        finally:
            await link.stop()
            await asyncio.wait_for(task, 10)
            await st.close()
        return link

    link = run(go(), 90)
    t = np.concatenate(times)
    assert np.all(np.diff(t) > 0)
    stats = link._decoder.stats
    assert stats.duplicates > 0 and (stats.short_packets + stats.corrupt_packets) > 0
    assert stats.decoder_errors == 0
    assert len(pipe.reps) >= 3


# --------------------------------------------------------------------------- a refused start
def test_polar_refusing_the_gyro_rate_is_reported_at_once(bus):
    # A Verity Sense whose firmware offers GYRO only at 26 Hz outside SDK mode answers glide's
    # 52 Hz start with the 4-byte reply F0 02 05 08; the link stops at once with the SDK's name.
    from sensor.ble.link import DeviceRefused
    from sensor.standin.families import PolarVeritySenseEmulator

    emu = PolarVeritySenseEmulator(gyro_rates=(26,))

    async def go():
        st = await BlueZStandin(bus.address, [emu]).start()
        loop = asyncio.get_running_loop()
        link = SensorLink(emu.name, 52.0, on_chunk=lambda c: None, scan_timeout=0.5, max_attempts=1)
        try:
            await link.find()
            t0 = loop.time()
            with pytest.raises(DeviceRefused) as err:
                await link.run()
            return str(err.value), loop.time() - t0, st.device(emu.address).connected
        finally:
            await st.close()

    text, took, still_connected = run(go())
    assert "ERROR_INVALID_SAMPLE_RATE" in text and "gyroscope" in text and emu.name in text
    assert took < 5.0  # the reply, not the 2 s watchdog or a reconnect loop, ends it
    assert not still_connected and emu.streaming_at_disconnect is False  # ACC was stopped, link closed
    assert (emu.writes[-3][1], emu.writes[-2][1], emu.writes[-1][1]) == (b"\x03\x02", b"\x03\x05", b"\x03\x09")


def test_cli_reports_the_refusal_in_one_line(bus, tmp_path, capsys):
    from sensor.standin.families import PolarVeritySenseEmulator
    from tui.cli import main

    emu = PolarVeritySenseEmulator(gyro_rates=(26,))
    _st, close, _loop = standin_in_thread(bus.address, [emu])
    out = tmp_path / "polar.csv"
    try:
        code = main(["record", "-o", str(out), "--device", "Polar Sense", "--timeout", "0.5"])
    finally:
        close()
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("glide:")]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("glide: error: Polar Sense B5E5C221: the sensor refused the gyroscope start: ")
    assert "ERROR_INVALID_SAMPLE_RATE" in lines[0] and "--rate 52" in lines[0]
    assert not out.exists()  # no samples arrived: no file was written
