"""sensor.ble.pair without Bluetooth: the clock offset that puts two links on one time base, and
the rules that keep a session going when the foot's link comes and goes (issue 16)."""

import asyncio

import numpy as np

from sensor.ble.link import DeviceRefused
from sensor.ble.pair import ClockOffset, ShinFootLink
from sensor.core.samples import ImuChunk


def _mapping_errors(drift_ppm, window_s, seconds=600.0, seed=0):
    """A sensor whose crystal runs ``drift_ppm`` fast sends a 50 ms chunk every 50 ms; each
    arrives after 8-60 ms of radio and host latency. Returns |estimated - true| host time of each
    chunk's last sample, minus the latency floor (8 ms), in seconds."""
    rng = np.random.default_rng(seed)
    clock = ClockOffset(1.0, window_s)
    h = np.arange(1.0, seconds, 0.05)  # host time when each chunk's last sample is taken
    t = (h - 1.0) * (1 + drift_ppm * 1e-6)  # the sensor's own time for it
    arrival = h + 0.008 + rng.exponential(0.012, len(h)).clip(0, 0.052)
    err = []
    for ti, hi, ai in zip(t, h, arrival):
        off = clock.add(ti, ai)
        err.append(abs(ti + off - hi - 0.008))
    return np.array(err)


def test_the_offset_finds_the_latency_floor_and_follows_a_drifting_crystal():
    steady = _mapping_errors(0.0, 30.0)
    assert np.median(steady[200:]) < 0.002 and steady[200:].max() < 0.01
    for ppm in (200.0, -200.0):  # 200 ppm: 120 ms in 10 minutes
        assert _mapping_errors(ppm, 30.0)[200:].max() < 0.015, ppm
    # a slow crystal without the sliding window: the old minimum stays, the error grows with the drift
    assert _mapping_errors(-200.0, 1e9)[-100:].min() > 0.08


def test_two_links_map_onto_the_shins_time_base():
    """The foot's times move by the difference of the two offsets (speed 4, like the stand-in's)."""
    shin, foot = ClockOffset(4.0), ClockOffset(4.0)
    # the shin started at host 10 s, the foot at host 12.5 s; both count from 0 at their start
    for host in np.arange(13.0, 20.0, 0.1):
        s_off = shin.add((host - 10.0) * 4.0, host + 0.01)
        f_off = foot.add((host - 12.5) * 4.0, host + 0.01)
    assert abs((f_off - s_off) - 10.0) < 1e-9  # foot time 0 is shin time 10 (2.5 host s x 4)


def _pair(statuses):
    chunks = []
    link = ShinFootLink("shin", "foot", on_chunk=chunks.append, on_status=lambda k, d: statuses.append((k, d)))
    return link, chunks


def _shin_chunk(t0, n=10):
    t = t0 + np.arange(n) / 100
    return ImuChunk(t, np.zeros((n, 3)), np.zeros((n, 3)))


def test_the_foot_coming_and_going_is_said_once_and_never_holds_the_shin():
    statuses = []

    async def go():
        link, chunks = _pair(statuses)
        link._loop = asyncio.get_running_loop()
        link._on_shin(_shin_chunk(0.0))
        assert sum(len(c) for c in chunks) == 10  # no foot yet: nothing is held for it
        link._foot_status("connecting", "foot (AA)")
        link._foot_status("streaming", "foot: glide at 100 Hz")
        assert link.foot_state == "streaming"
        link._foot_status("silent", "no data for 2 s: reconnecting")
        link._foot_status("reconnecting", "attempt 1 failed")
        link._foot_status("reconnecting", "attempt 2 failed")
        assert link.foot_state == "lost" and link.aligner.lost
        link._on_shin(_shin_chunk(0.1))
        assert sum(len(c) for c in chunks) == 20  # lost: the shin goes straight out
        link._foot_status("streaming", "foot: glide at 100 Hz")
        link._foot_status("stopped", "")
        return link, chunks

    _link, chunks = asyncio.run(go())
    kinds = [k for k, _ in statuses]
    assert kinds == [
        "foot_connecting",
        "foot_streaming",
        "foot_lost",
        "foot_reconnecting",
        "foot_reconnecting",
        "foot_streaming",
        "foot_stopped",  # the end of the session is not a loss
    ]
    assert "counting with the shin only" in statuses[2][1]
    assert all(np.isnan(c.foot_gyr).all() for c in chunks)


def test_a_foot_that_refuses_to_start_leaves_the_shin_streaming():
    statuses = []

    async def go():
        link, chunks = _pair(statuses)
        shin_done = asyncio.Event()

        async def shin_run():
            link._on_shin(_shin_chunk(0.0))
            await shin_done.wait()
            link._on_shin(_shin_chunk(0.1))

        async def foot_run():
            raise DeviceRefused("foot: the sensor refused the gyroscope start")

        link.shin.run, link.foot.run = shin_run, foot_run
        link.shin.sensor = link.foot.sensor = object()  # found already: run() does not scan
        task = asyncio.create_task(link.run())
        for _ in range(50):
            if any(k == "foot_failed" for k, _ in statuses):
                break
            await asyncio.sleep(0.01)
        assert not task.done()  # the foot's end is not the session's
        shin_done.set()
        await asyncio.wait_for(task, 5)
        return link, chunks

    link, chunks = asyncio.run(go())
    failed = [d for k, d in statuses if k == "foot_failed"]
    assert len(failed) == 1 and "refused the gyroscope start" in failed[0] and "shin only" in failed[0]
    assert link.foot_state == "failed" and sum(len(c) for c in chunks) == 20


def test_bytes_of_two_families_come_out_as_shin_rows_with_the_true_foot_motion():
    """Sans-IO end to end: the notification bytes a glide-profile shin (100 Hz) and a Movesense
    foot (104 Hz, its own uptime clock) send, interleaved by arrival on the host's clock, through
    the links' own notification handlers, the clock offsets and the aligner."""
    from test_standin_families import _Host

    from sensor.protocols.uuids import normalize_uuid
    from sensor.sim.foot import simulate_foot_for
    from sensor.sim.simulator import SimConfig, simulate_session
    from sensor.standin.families import MovesenseEmulator
    from sensor.standin.server import GlideEmulator, _interp

    sim = simulate_session(SimConfig(reps=3, rate_hz=100.0, posture="supine", seed=5, noise=True, confounders=False))
    foot = simulate_foot_for(sim, pattern="correct").chunk
    t100 = np.arange(int(sim.chunk.t[-1] * 100)) / 100  # what the devices sample: an even grid
    shin100 = ImuChunk(t100, _interp(t100, sim.chunk.t, sim.chunk.acc), _interp(t100, sim.chunk.t, sim.chunk.gyr))
    t104 = np.arange(int(sim.chunk.t[-1] * 104)) / 104
    foot104 = ImuChunk(t104, _interp(t104, foot.t, foot.acc), _interp(t104, foot.t, foot.gyr))
    foot104 = foot104.slice(int(2.0 * 104))  # the foot connects 2 s after the shin: its clock starts then

    out = []
    link = ShinFootLink("shin", "foot", on_chunk=out.append)
    clock = {"now": 0.0}
    link._now = lambda: clock["now"]
    events = []
    for side, emu, rate, motion, start in (
        ("shin", GlideEmulator(), 100.0, shin100, 50.0),
        ("foot", MovesenseEmulator(), 104.0, foot104, 50.0),
    ):
        if not hasattr(emu, "on_subscribe"):  # optional for an emulator; _Host calls it
            emu.on_subscribe = lambda uuid, enabled: None
        host = _Host(emu, rate)
        host.connect_and_configure()
        sl = link.shin if side == "shin" else link.foot
        sl._decoder, sl.stats.rate_hz = host.dec, rate
        step = max(1, int(round(0.03 * rate)))
        for i in range(0, len(motion), step):
            piece = motion.slice(i, i + step)
            arrival = start + float(piece.t[-1]) + 0.004 + 0.02 * (i % 7) / 7  # some jitter
            for uuid, payload in emu.packets(piece):
                if normalize_uuid(uuid) in host.fam.notify_uuids:
                    events.append((arrival, side, normalize_uuid(uuid), payload))
    link._emit(link.aligner.foot_lost())  # as run() starts: nothing to wait for yet
    for arrival, side, uuid, payload in sorted(events, key=lambda e: e[0]):
        clock["now"] = arrival
        sl = link.shin if side == "shin" else link.foot
        if side == "foot" and link.foot_state != "streaming":
            link._foot_status("streaming", "foot")
        sl._on_notify(uuid, payload, arrival)
    link._emit(link.aligner.flush())

    rows = ImuChunk(
        np.concatenate([c.t for c in out]),
        np.concatenate([c.acc for c in out]),
        np.concatenate([c.gyr for c in out]),
        np.concatenate([c.foot_acc for c in out]),
        np.concatenate([c.foot_gyr for c in out]),
    )
    assert len(rows) == len(shin100) and np.allclose(rows.t, t100)  # every shin row, once
    ok = np.isfinite(rows.foot_gyr).all(axis=1)
    assert not ok[rows.t < 1.99].any()  # before the foot connected: NaN
    # rows before the first foot packet arrived went out at once (the foot was not streaming yet)
    assert ok[(rows.t > 2.2) & (rows.t < rows.t[-1] - 0.6)].all()  # then values, up to the stop's flush
    truth = np.stack([np.interp(rows.t[ok], foot.t, foot.gyr[:, i]) for i in range(3)], axis=1)
    err = np.abs(rows.foot_gyr[ok] - truth)
    # 4 ms of common latency, up to 20 ms of jitter: the foot lands within ~a sample of the truth
    assert np.percentile(err, 99) < 0.05 * np.abs(foot.gyr).max(), (np.percentile(err, 99), np.abs(foot.gyr).max())
