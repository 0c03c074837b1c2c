"""Two sensors at once through bleak (issue 16): a shin IMU and a foot IMU served by the BlueZ
stand-in on a private dbus-daemon, streamed by ``sensor.ble.pair.ShinFootLink``.

What must hold: the foot's values arrive on the shin's rows and on the shin's time base (checked
against the simulated foot's true motion), the foot dropping out mid-set is announced once and
never stops the session, every shin sample still arrives and every rep is counted as without a
foot, the foot columns are NaN after the drop, and a recording carries the 13 columns.
"""

import asyncio
import contextlib

import numpy as np
import pytest
from helpers import standin_in_thread, wait_for

from sensor.ble.link import FoundSensor, SensorNotFound
from sensor.ble.pair import ShinFootLink, choose_pair
from sensor.core.pipeline import Pipeline, analyze
from sensor.core.samples import ImuChunk, concat_chunks
from sensor.io.trace import TraceWriter, read_trace
from sensor.sim.foot import simulate_foot_for
from sensor.sim.simulator import SimConfig, simulate_session
from sensor.standin.server import FOOT_ADDRESS, BlueZStandin, GlideEmulator, foot_emulator

SHIN = "C0:FF:EE:00:00:01"
FOOT = "C0:FF:EE:00:00:02"
SPEED = 4.0
REPS = 3
#: A 10 s watchdog: on a loaded machine the stand-in's process can stall for seconds, which a 2 s
#: watchdog would take for a silent sensor; the foot's drop is a disconnect, seen at once anyway.
CALM = {"watchdog_s": 10.0, "backoff_s": (0.5, 2.0)}


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _devices():
    foot = GlideEmulator("GlideFoot-sim", FOOT)
    foot.rssi = -50  # weaker than the shin's: "the first sensor found" stays the shin
    return [GlideEmulator(), foot]


def _truth_foot(rate=100.0, loops=3, shin=False):
    """What the stand-in's foot device plays (or with ``shin`` its shin device): the foot hung from
    the stand-in's shin session, on the device's even grid, looped as the stand-in loops it."""
    sim = simulate_session(SimConfig(reps=REPS, rate_hz=rate, posture="supine", seed=1, noise=True, confounders=False))
    foot = sim.chunk if shin else simulate_foot_for(sim, pattern="correct").chunk
    n = int(sim.chunk.t[-1] * rate)
    t = np.arange(n * loops) / rate
    k = np.arange(n * loops) % n
    grid = np.arange(n) / rate
    gyr = np.stack([np.interp(grid, foot.t, foot.gyr[:, i]) for i in range(3)], axis=1)
    acc = np.stack([np.interp(grid, foot.t, foot.acc[:, i]) for i in range(3)], axis=1)
    return ImuChunk(t, acc[k], gyr[k])


def _best_lag(t, got, ref_t, ref, max_lag=0.6, step=0.01):
    """The time shift (s) that best lines up ``got`` (sampled at ``t``) with the reference."""
    lags = np.arange(-max_lag, max_lag + step / 2, step)
    err = [np.nanmean((got - np.interp(t + lag, ref_t, ref)) ** 2) for lag in lags]
    return float(lags[int(np.argmin(err))]), float(np.sqrt(min(err)))


def _pair(foot: str, on_chunk, on_status, **kw) -> ShinFootLink:
    """The shin "GlideIMU-sim" at 100 Hz and ``foot``, on the stand-in's clock, calm links."""
    return ShinFootLink(
        "GlideIMU-sim",
        foot,
        100.0,
        on_chunk=on_chunk,
        on_status=on_status,
        scan_timeout=0.5,
        clock_scale=SPEED,
        link_kw=CALM,
        **kw,
    )


@contextlib.asynccontextmanager
async def _streaming(st, link):
    """``link`` running against the started stand-in ``st``; on the way out, whatever the test body
    did, the link stops (stop commands, unsubscribe, disconnect) and then the stand-in closes."""
    task = asyncio.create_task(link.run())
    try:
        yield task
    finally:
        await link.stop()
        await asyncio.wait_for(task, 15)
        await st.close()


def _foot_fits(out, rows, truth):
    """(axis, lag, rms, std) of the aligned foot gyro against the simulated truth on ``rows``, for
    each axis that moves (>= 20 deg/s peak to peak)."""
    for axis in range(3):
        ref = truth.gyr[:, axis]
        if np.ptp(ref) < 20:
            continue
        lag, rms = _best_lag(out.t[rows], out.foot_gyr[rows, axis], truth.t, ref)
        yield axis, lag, rms, float(np.std(ref))


def test_shin_and_foot_stream_together_and_the_foot_dropping_out_never_stops_the_session(bus, tmp_path):
    trace = tmp_path / "two.csv"
    pipe = Pipeline("supine", 100.0)
    chunks: list[ImuChunk] = []
    statuses: list[tuple[str, str]] = []
    marks: dict[str, float] = {}

    async def go():
        st = await BlueZStandin(bus.address, _devices(), speed=SPEED, reps=REPS, feet={FOOT}).start()
        writer = TraceWriter(trace, {"sample_rate_hz": 100.0, "posture": "supine"}, foot=True)

        def on_chunk(chunk):
            chunks.append(chunk)
            writer.write(chunk)
            pipe.feed(chunk)

        link = _pair("GlideFoot-sim", on_chunk, lambda k, d: statuses.append((k, d)))
        shin, foot = await link.find()
        assert (shin.address, foot.address) == (SHIN, FOOT)
        kinds = lambda: [k for k, _ in statuses]  # noqa: E731
        try:
            async with _streaming(st, link) as task:
                await wait_for(lambda: "foot_streaming" in kinds() and len(pipe.reps) >= 2, 60)
                reps_before = len(pipe.reps)
                marks["drop"] = float(chunks[-1].t[-1])
                await st.lose(FOOT)
                await wait_for(lambda: "foot_lost" in kinds(), 20)
                await wait_for(lambda: len(pipe.reps) >= reps_before + 2, 60)
                assert not task.done()  # the session goes on
        finally:
            writer.close()
        return link, st

    link, st = run(go())
    kinds = [k for k, _ in statuses]
    # the notice: once, in words a person understands; the shin never reconnected
    lost = [d for k, d in statuses if k == "foot_lost"]
    assert len(lost) == 1 and "counting with the shin only" in lost[0]
    assert kinds.index("foot_streaming") < kinds.index("foot_lost")
    assert link.stats.reconnects == 0 and link.foot_stats.reconnects >= 1
    assert kinds[-1] == "stopped"

    out = concat_chunks(chunks)
    # every sample the shin sent arrived once, in order, carrying foot columns
    assert link.stats.samples == st.sent_samples[SHIN] == len(out)
    assert np.all(np.diff(out.t) > 0) and out.has_foot
    assert link.align_stats.shin_in == link.align_stats.shin_out == len(out)

    # foot columns: values while the foot streamed, NaN after it dropped out
    finite = ~np.isnan(out.foot_gyr).any(axis=1)
    after = out.t > marks["drop"] + 0.5 * SPEED  # half a second of host time: the drop is underway
    assert after.sum() > 200 and not finite[after].any()
    first = out.t[finite][0]
    during = (out.t > first + 1.0) & (out.t < marks["drop"] - 0.2 * SPEED)
    assert during.sum() > 200 and finite[during].mean() > 0.99

    # on one time base: the aligned foot matches the simulated foot's true motion at the shin's times
    truth = _truth_foot()
    for axis, lag, rms, std in _foot_fits(out, during, truth):
        print(f"foot gyro axis {axis}: lag {lag:+.2f} s sensor time, rms {rms:.1f} of std {std:.1f} deg/s")
        assert abs(lag) <= 0.1 * SPEED, (axis, lag)  # within a tenth of a host second of latency jitter
        assert rms < 0.25 * std, (axis, rms, std)

    # the shin's reps are all counted, exactly as the shin alone would count them
    shin_only, _ = analyze(ImuChunk(out.t, out.acc, out.gyr), "supine", 100.0)
    live = [(r.start_s, r.end_s, r.rom_deg) for r in pipe.reps]
    assert [(r.start_s, r.end_s, r.rom_deg) for r in shin_only.reps[: len(live)]] == live
    assert len(live) >= 4

    # the recording: 13 columns, NaN foot values after the drop, the shin's rows all there
    _meta, rec, _stats = read_trace(trace)
    assert rec.has_foot and len(rec) == len(out)
    assert np.array_equal(np.isnan(rec.foot_gyr), np.isnan(out.foot_gyr))


def test_a_lost_foot_that_comes_back_streams_again_on_the_same_time_base(bus):
    chunks: list[ImuChunk] = []
    statuses: list[str] = []
    marks: dict[str, float] = {}

    async def go():
        st = await BlueZStandin(bus.address, _devices(), speed=SPEED, reps=REPS, feet={FOOT}).start()
        link = _pair("GlideFoot-sim", chunks.append, lambda k, d: statuses.append(k))
        newest = lambda: float(chunks[-1].t[-1]) if chunks else 0.0  # noqa: E731
        async with _streaming(st, link):
            await wait_for(lambda: "foot_streaming" in statuses and newest() > 4.0 * SPEED, 60)
            marks["drop"] = newest()
            await st.lose(FOOT)
            await wait_for(lambda: "foot_lost" in statuses and newest() > marks["drop"] + 2.0 * SPEED, 30)
            marks["back"] = newest()
            st.come_back(FOOT)
            await wait_for(lambda: statuses.count("foot_streaming") >= 2, 30)
            marks["streaming"] = newest()
            await wait_for(lambda: newest() > marks["streaming"] + 3.0 * SPEED, 30)
        return link

    link = run(go())
    assert statuses.count("foot_lost") == 1 and link.stats.reconnects == 0
    out = concat_chunks(chunks)
    finite = np.isfinite(out.foot_gyr).all(axis=1)
    away = (out.t > marks["drop"] + 0.5 * SPEED) & (out.t < marks["back"])
    assert away.sum() > 100 and not finite[away].any()
    again = (out.t > marks["streaming"] + 0.5 * SPEED) & (out.t < out.t[-1] - 0.5 * SPEED)
    assert again.sum() > 300 and finite[again].mean() > 0.99
    truth = _truth_foot()
    # back on the shin's time base: the foot rejoined the movement where it was
    for axis, lag, rms, std in _foot_fits(out, again, truth):
        print(f"foot gyro axis {axis} after its return: lag {lag:+.2f} s, rms {rms:.1f} of std {std:.1f}")
        assert abs(lag) <= 0.1 * SPEED and rms < 0.25 * std, (axis, lag, rms)


def test_the_shin_reconnecting_keeps_the_foot_where_the_shin_is(bus):
    """The shin's link drops and comes back (its samples after the gap are placed by the host's
    clock); the foot streams on and still lands where the shin's motion is."""
    chunks: list[ImuChunk] = []
    statuses: list[str] = []
    marks: dict[str, float] = {}

    async def go():
        st = await BlueZStandin(bus.address, _devices(), speed=SPEED, reps=REPS, feet={FOOT}).start()
        link = _pair("GlideFoot-sim", chunks.append, lambda k, d: statuses.append(k))
        newest = lambda: float(chunks[-1].t[-1]) if chunks else 0.0  # noqa: E731
        async with _streaming(st, link):
            await wait_for(lambda: "foot_streaming" in statuses and newest() > 3.0 * SPEED, 60)
            await st.drop(SHIN)
            await wait_for(lambda: statuses.count("streaming") >= 2, 30)
            marks["back"] = newest()
            await wait_for(lambda: newest() > marks["back"] + 4.0 * SPEED, 30)
        return link

    link = run(go())
    assert link.stats.reconnects >= 1 and link.stats.gaps == 1 and "foot_lost" not in statuses
    out = concat_chunks(chunks)
    assert np.all(np.diff(out.t) > 0)
    again = (out.t > marks["back"] + 0.5 * SPEED) & (out.t < out.t[-1] - 0.5 * SPEED)
    assert again.sum() > 300 and np.isfinite(out.foot_gyr[again]).all(axis=1).mean() > 0.99
    # where the shin is after its gap, and where the foot is: the same place in the movement
    shin_truth, foot_truth = _truth_foot(shin=True), _truth_foot()
    axis = int(np.argmax(np.ptp(shin_truth.gyr, axis=0)))
    shin_lag, shin_rms = _best_lag(out.t[again], out.gyr[again, axis], shin_truth.t, shin_truth.gyr[:, axis], 30.0)
    axis = int(np.argmax(np.ptp(foot_truth.gyr, axis=0)))
    foot_lag, foot_rms = _best_lag(out.t[again], out.foot_gyr[again, axis], foot_truth.t, foot_truth.gyr[:, axis], 30.0)
    print(f"after the shin's gap: shin at {shin_lag:+.2f} s (rms {shin_rms:.1f}), foot at {foot_lag:+.2f} s", end="")
    print(f" (rms {foot_rms:.1f})")
    assert shin_rms < 0.25 * np.std(shin_truth.gyr[:, axis]) or shin_rms < 3.0
    assert abs(foot_lag - shin_lag) <= 0.1 * SPEED and foot_rms < 0.25 * np.std(foot_truth.gyr[:, axis])


def test_choose_pair_needs_two_different_sensors():
    found = [
        FoundSensor("GlideIMU-sim", SHIN, -45, "glide", "glide"),
        FoundSensor("GlideFoot-sim", FOOT, -50, "glide", "glide"),
    ]
    assert choose_pair(found, None, "foot") == (found[0], found[1])
    assert choose_pair(found, None, "GlideIMU") == (found[1], found[0])  # the other one is the shin
    with pytest.raises(SensorNotFound, match="same sensor"):
        choose_pair(found, SHIN, SHIN)
    with pytest.raises(SensorNotFound, match="no sensor matching"):
        choose_pair(found, None, "nowhere")


def test_glide_record_with_a_foot_device_writes_the_13_column_trace(bus, tmp_path, capsys):
    from tui.cli import main

    out = tmp_path / "foot.csv"
    _st, close, _loop = standin_in_thread(bus.address, [GlideEmulator(), foot_emulator()], feet={FOOT_ADDRESS})
    try:
        argv = ["record", "-o", str(out), "--device", "GlideIMU", "--foot-device", "GlideFoot"]
        code = main([*argv, "--duration", "3", "--timeout", "0.5"])
    finally:
        close()
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "[foot_streaming]" in captured.err and "Traceback" not in captured.err
    meta, rec, _stats = read_trace(out)
    assert rec.has_foot and len(rec) >= 200  # 3 s of streaming at 100 Hz, less what the first packets took
    assert meta["foot_device"] == f"GlideFoot-sim ({FOOT_ADDRESS})" and meta["foot_family"] == "glide"
    assert np.isfinite(rec.foot_gyr).all(axis=1).mean() > 0.8  # the foot connects a moment after the shin
    assert f"foot values on {int(np.isfinite(rec.foot_gyr).all(axis=1).sum())} of {len(rec)} rows" in captured.out


def test_record_refuses_an_empty_foot_device(capsys):
    from tui.cli import main

    assert main(["record", "-o", "x.csv", "--foot-device", " "]) == 2
    err = capsys.readouterr().err
    assert "--foot-device" in err and "Traceback" not in err


def test_the_live_source_with_a_foot_records_13_columns_and_carries_on_without_it(bus, tmp_path):
    """The dashboard's path: ModuleScanner.connect(shin, foot) -> LinkSource -> Session (its trace)."""
    from functools import partial
    from types import SimpleNamespace

    from sensor.ble import link as ble_link
    from sensor.io.sources import DeviceInfo
    from tui.live import ModuleScanner
    from tui.session import Session, SessionSetup

    ble = SimpleNamespace(  # the real transport; only the stand-in's speed is made known to the clock
        scan=ble_link.scan,
        SensorLink=ble_link.SensorLink,
        ShinFootLink=partial(ShinFootLink, clock_scale=SPEED, scan_timeout=0.5, link_kw=CALM),
    )
    seen = {}

    async def go():
        st = await BlueZStandin(bus.address, _devices(), speed=SPEED, reps=REPS, feet={FOOT}).start()
        try:
            src = await ModuleScanner(ble).connect(
                DeviceInfo(SHIN, "GlideIMU-sim", "glide"), DeviceInfo(FOOT, "GlideFoot-sim", "glide")
            )
            assert src.foot_state == "connecting" and src.meta["foot_device"] == "GlideFoot-sim"
            session = Session(
                SessionSetup(rest_s=0.0),
                source_name=src.name,
                source_meta=src.meta,
                rate_hz=100.0,
                root=tmp_path,
            )
            it = src.__aiter__()
            loop = asyncio.get_running_loop()
            end = loop.time() + 90
            async for chunk in it:
                assert chunk.has_foot
                session.ingest(chunk)
                if "drop" not in seen and src.foot_state == "streaming" and len(session.reps) >= 2:
                    seen["drop"], seen["reps"] = float(chunk.t[-1]), len(session.reps)
                    await st.lose(FOOT)
                if "drop" in seen and src.foot_state == "lost" and len(session.reps) >= seen["reps"] + 2:
                    break
                assert loop.time() < end, "the session did not go on after the foot was lost"
            await it.aclose()
            seen["notice"], seen["state"] = src.foot_notice, src.status.state
            session.close()
            return session
        finally:
            await st.close()

    session = run(go())
    assert "foot sensor lost: counting with the shin only" in seen["notice"]
    assert seen["state"] == "ended"  # ended by us, not by the foot
    meta, rec, _stats = read_trace(session.files.trace)
    assert rec.has_foot and meta["foot_device"] == "GlideFoot-sim"
    late = rec.t > seen["drop"] + 0.5 * SPEED
    assert late.sum() > 100 and np.isnan(rec.foot_gyr[late]).all()
    early = rec.t < seen["drop"] - 0.2 * SPEED
    assert np.isfinite(rec.foot_gyr[early]).all(axis=1).mean() > 0.8


@pytest.mark.parametrize("family", ["movesense", "polar"])
def test_a_foot_of_another_family_lands_on_the_shins_time_base(bus, family):
    """Same or different families: a glide-profile shin (100 Hz) with a Movesense foot (104 Hz, its
    own device clock and message framing) or a Polar Verity Sense foot (52 Hz, PMD frames of about
    a second of samples at once: the shin waits longer for it), resampled onto the shin's rows."""
    from sensor.standin.families import MovesenseEmulator, PolarVeritySenseEmulator

    foot_emu = {"movesense": MovesenseEmulator, "polar": PolarVeritySenseEmulator}[family]()
    rate, name = {"movesense": (104.0, "Movesense"), "polar": (52.0, "Polar")}[family]
    chunks: list[ImuChunk] = []
    statuses: list[str] = []

    async def go():
        st = await BlueZStandin(
            bus.address, [GlideEmulator(), foot_emu], speed=SPEED, reps=REPS, feet={foot_emu.address}
        ).start()
        link = _pair(name, chunks.append, lambda k, d: statuses.append(k), foot_rate_hz=rate)
        async with _streaming(st, link):
            await wait_for(lambda: "foot_streaming" in statuses, 40)
            t_foot = chunks[-1].t[-1] if chunks else 0.0
            await wait_for(lambda: chunks and chunks[-1].t[-1] > t_foot + 5.0 * SPEED, 40)
        return link

    link = run(go())
    assert link.foot_stats.family.startswith(name) and link.foot_stats.rate_hz == rate
    out = concat_chunks(chunks)
    finite = np.isfinite(out.foot_gyr).all(axis=1)
    start = out.t[finite][0] + 1.0
    # the last rows went out at the stop, before the foot's last batch: NaN there is right
    during = (out.t > start) & (out.t < out.t[-1] - link.aligner.max_hold_s - 0.25 * SPEED)
    assert during.sum() > 300 and finite[during].mean() > 0.99
    truth = _truth_foot(rate=rate)
    lags = []
    for axis, lag, rms, std in _foot_fits(out, during, truth):
        print(f"{name} foot gyro axis {axis}: lag {lag:+.2f} s, rms {rms:.1f} of std {std:.1f} deg/s")
        assert rms < {"movesense": 0.25, "polar": 0.4}[family] * std, (axis, rms, std)
        lags.append(lag)
    # Polar: a chunk ends where acc and gyro frames (sent separately, when full) pair up, so its
    # last sample is older than the newest notification; the host-clock offset sees that as latency
    # and places the foot up to ~0.1 host seconds late (measured: -0.30 to -0.37 s of sensor time here,
    # rms 0.9-3.4 deg/s against 0.0-0.1 for Movesense: the placement also wanders as the minimum improves)
    tolerance = {"movesense": 0.1, "polar": 0.2}[family] * SPEED
    assert lags and max(abs(x) for x in lags) <= tolerance


def test_headless_live_says_when_the_foot_comes_and_goes_and_keeps_going(bus, tmp_path):
    """`glide live --no-tui --foot-device` as a person runs it (its own process); the foot is lost
    mid-stream; SIGTERM then ends it cleanly."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    st, close, loop = standin_in_thread(bus.address, [GlideEmulator(), foot_emulator()], feet={FOOT_ADDRESS})
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bus.address, "HOME": str(tmp_path)}
    argv = ["live", "--no-tui", "--no-sound", "--device", "GlideIMU", "--foot-device", "GlideFoot"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()

    def wait_line(text, timeout=40):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in ln for ln in lines):
                return
            assert proc.poll() is None, f"glide ended: {proc.stderr.read()}"
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} in {lines}")

    try:
        wait_line("[foot] foot sensor streaming")
        asyncio.run_coroutine_threadsafe(st.lose(FOOT_ADDRESS), loop).result(10)
        wait_line("[foot] foot sensor lost: counting with the shin only")
        assert proc.poll() is None  # the session goes on
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
        close()
    reader.join(5)
    err = proc.stderr.read()
    assert code == 0 and "Traceback" not in err, err
