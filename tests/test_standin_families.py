"""The family emulators of sensor/standin/families.py: device-side models of WitMotion, Movesense,
Polar Verity Sense, MetaMotion and Thingy:52.

1. Pure (no D-Bus): each emulator is driven with its family's own setup/start/stop commands,
   exactly as the transport sends them, and its notifications go through the family decoder:
   the decoded samples equal the simulated motion to within the family's quantisation, on an
   even time grid at the negotiated rate.
2. End to end: bleak's real BlueZ backend against the BlueZ stand-in, one SensorLink per family
   (scan -> connect -> configure -> notifications -> reps counted by the Pipeline -> clean stop).
"""

import asyncio
import traceback
from dataclasses import dataclass, field

import numpy as np
import pytest
from helpers import outage_run, wait_for

from sensor.ble.link import SensorLink
from sensor.core.pipeline import Pipeline
from sensor.core.samples import ImuChunk, concat_chunks
from sensor.protocols import match_family
from sensor.protocols import metawear as mw
from sensor.protocols import movesense as ms
from sensor.protocols import polar_pmd as pmd
from sensor.protocols import thingy52 as th
from sensor.protocols import witmotion as wit
from sensor.protocols.registry import family_by_id
from sensor.protocols.uuids import STANDARD_GRAVITY as G
from sensor.protocols.uuids import normalize_uuid
from sensor.sim.simulator import SimConfig, simulate_session
from sensor.standin.families import (
    AttError,
    MetaMotionEmulator,
    MovesenseEmulator,
    PolarVeritySenseEmulator,
    Thingy52Emulator,
    WitMotionEmulator,
    family_emulators,
)
from sensor.standin.server import BlueZStandin, PrivateBus, _interp

# ------------------------------------------------------------------ helpers (pure)


def _motion(rate: float, seconds: float, seed: int = 3) -> ImuChunk:
    """Simulated shin motion on an even grid at ``rate``, as the stand-in produces it."""
    sim = simulate_session(SimConfig(reps=2, rate_hz=rate, posture="seated", seed=seed, noise=True, confounders=False))
    t = np.arange(int(seconds * rate)) / rate
    return ImuChunk(t, _interp(t, sim.chunk.t, sim.chunk.acc), _interp(t, sim.chunk.t, sim.chunk.gyr))


class _Host:
    """The transport's side of the conversation, without Bluetooth: subscribe to every notify
    characteristic, write the setup commands, feed the replies to the decoder (so device_info
    fills), write the start commands, read the battery, then decode notifications."""

    def __init__(self, emu, rate: float) -> None:
        self.emu, self.rate = emu, rate
        self.fam = family_by_id(emu.family_id)
        self.dec = self.fam.make_decoder(rate)
        self.now = 1000.0  # host clock (s) at which notifications "arrive"
        self.chunks: list[ImuChunk] = []

    def deliver(self, notes) -> None:
        for uuid, payload in notes or ():
            if normalize_uuid(uuid) in self.fam.notify_uuids:  # subscribed: the host sees it
                c = self.dec.feed(uuid, payload, self.now)
                if len(c):
                    self.chunks.append(c)

    def write(self, commands) -> None:
        for uuid, payload, _with_response in commands:
            self.deliver(self.emu.on_write(uuid, payload))

    def connect_and_configure(self) -> None:
        for uuid in self.fam.notify_uuids:
            self.deliver(self.emu.on_subscribe(uuid, True))
        self.write(self.fam.setup_commands())
        self.configured_before_start = self.emu.streaming
        self.write(self.fam.start_commands(self.rate, self.dec.device_info))
        if self.fam.battery_uuid:
            self.dec.feed(self.fam.battery_uuid, self.emu.on_read(self.fam.battery_uuid), self.now)

    def stream(self, motion: ImuChunk, tick_s: float = 0.03, latency_s: float = 0.004) -> ImuChunk:
        """Play ``motion`` in stand-in-sized pieces; a piece arrives just after its last sample."""
        step = max(1, int(round(tick_s * self.rate)))
        t_host0 = self.now
        for i in range(0, len(motion), step):
            piece = motion.slice(i, i + step)
            self.now = t_host0 + float(piece.t[-1]) + latency_s
            self.deliver(self.emu.packets(piece))
        return concat_chunks(self.chunks)

    def stop(self) -> None:
        self.write(self.fam.stop_commands(self.dec.device_info))
        for uuid in self.fam.notify_uuids:
            self.deliver(self.emu.on_subscribe(uuid, False))


def _align(got: ImuChunk, sent: ImuChunk, rate: float) -> tuple[int, float, float]:
    """Index of ``sent`` matching the first decoded sample, and the max errors there."""
    best = None
    for s in range(0, int(rate)):  # families that pair acc/gyro may drop the first few samples
        n = min(len(got), len(sent) - s)
        ea = float(np.abs(got.acc[:n] - sent.acc[s : s + n]).max())
        eg = float(np.abs(got.gyr[:n] - sent.gyr[s : s + n]).max())
        if best is None or ea / 0.01 + eg / 0.1 < best[1] / 0.01 + best[2] / 0.1:
            best = (s, ea, eg)
    return best


# Half an LSB of each family's encoding (m/s^2, deg/s): the largest honest rounding error.
WIT = (wit.ACC_FULL_SCALE_G / 32768 * G / 2, wit.GYRO_FULL_SCALE_DPS / 32768 / 2)  # 0.00239, 0.0305
MOVESENSE = (2e-6, 2e-5)  # float32 on the wire
POLAR_80 = (G / 1000 / 2, 2000 / 32768 / 2)  # ACC 1 mG, GYRO FACTOR 2000/32768: 0.0049, 0.0305
POLAR_81 = (G / 1000 / 2, 2e-5)  # GYRO as float32
METAWEAR = (G / mw.ACC_RANGES[16][2] / 2, 1 / mw.GYRO_RANGES[2000][1] / 2)  # 0.00239, 0.0305
THINGY = (G / th.ACC_LSB_PER_G / 2, 1 / th.GYRO_LSB_PER_DPS / 2)  # 0.00479, 0.0156

# id: (emulator factory, rate, seconds of motion, (acc, gyr) bound, samples allowed missing)
# Polar sends a frame only when it is full (232 bytes, ~100-250 samples here), so its cases
# run longer and may end with a partly filled frame inside the device.
PURE_CASES = {
    "witmotion-100": (WitMotionEmulator, 100.0, 2.0, WIT, 0),
    "witmotion-50": (WitMotionEmulator, 50.0, 2.0, WIT, 0),
    "movesense-104-imu6": (MovesenseEmulator, 104.0, 2.0, MOVESENSE, 0),
    "movesense-208-acc+gyro": (MovesenseEmulator, 208.0, 2.0, MOVESENSE, 0),
    "movesense-26": (MovesenseEmulator, 26.0, 2.0, MOVESENSE, 0),
    "polar-52": (PolarVeritySenseEmulator, 52.0, 6.0, POLAR_80, 80),
    "polar-104-sdk": (PolarVeritySenseEmulator, 104.0, 6.0, POLAR_80, 160),
    "polar-208-float-gyro": (lambda: PolarVeritySenseEmulator(gyro_frame_type=0x81), 208.0, 2.0, POLAR_81, 120),
    "metamotion-s-bmi270-100": (MetaMotionEmulator, 100.0, 2.0, METAWEAR, 2),
    "metamotion-r-bmi160-200": (lambda: MetaMotionEmulator(chip="bmi160"), 200.0, 2.0, METAWEAR, 2),
    "thingy52-100": (Thingy52Emulator, 100.0, 2.0, THINGY, 0),
    "thingy52-20": (Thingy52Emulator, 20.0, 2.0, THINGY, 0),
}


@pytest.mark.parametrize("case", list(PURE_CASES))
def test_emulator_bytes_decode_to_the_simulated_motion(case):
    factory, rate, seconds, (acc_tol, gyr_tol), missing = PURE_CASES[case]
    emu = factory()
    host = _Host(emu, rate)
    host.connect_and_configure()
    assert emu.streaming and emu.rate_hz == rate
    sent = _motion(rate, seconds)
    got = host.stream(sent)

    assert len(sent) - missing <= len(got) <= len(sent)
    np.testing.assert_allclose(np.diff(got.t), 1.0 / rate, rtol=1e-4)  # even grid at the rate
    shift, acc_err, gyr_err = _align(got, sent, rate)
    assert acc_err <= acc_tol * 1.001, f"acc error {acc_err:.6f} m/s^2 > {acc_tol:.6f}"
    assert gyr_err <= gyr_tol * 1.001, f"gyro error {gyr_err:.6f} deg/s > {gyr_tol:.6f}"
    assert shift + len(got) <= len(sent)
    st = host.dec.stats
    assert (st.corrupt_packets, st.short_packets, st.seq_gaps, st.lost_samples_estimate, st.decoder_errors) == (0,) * 5

    host.stop()
    assert not emu.streaming
    assert emu.packets(_motion(rate, 0.5)) == []


def test_devices_start_as_documented_and_replies_fill_device_info():
    # Command-started devices are silent until the start commands arrive ...
    for emu, rate in ((MovesenseEmulator(), 104.0), (PolarVeritySenseEmulator(), 52.0), (MetaMotionEmulator(), 100.0)):
        host = _Host(emu, rate)
        host.connect_and_configure()
        assert host.configured_before_start is False, emu.family_id
    # ... WitMotion and Thingy:52 stream as soon as notifications are on, at their stored rate
    # (factory 10 Hz) until the host's rate write lands.
    for emu in (WitMotionEmulator(), Thingy52Emulator()):
        host = _Host(emu, 100.0)
        host.connect_and_configure()
        assert host.configured_before_start is True and emu.rate_hz == 100.0
    # Replies the host relies on:
    wm = _Host(WitMotionEmulator(battery_centivolts=388), 100.0)
    wm.connect_and_configure()
    assert wm.dec.battery_percent == 75 and wm.dec.device_info["battery_voltage_v"] == 3.88
    for chip, impl in (("bmi270", 4), ("bmi160", 1)):
        mm = _Host(MetaMotionEmulator(chip=chip, battery=61), 100.0)
        mm.connect_and_configure()
        assert mm.dec.device_info["chip"] == chip and mm.dec.device_info["acc_impl"] == impl
        assert mm.dec.battery_percent == 61
    pol = _Host(PolarVeritySenseEmulator(), 104.0)
    pol.connect_and_configure()
    assert pol.dec.device_info["cp_status"] == {(2, 9): 0, (2, 2): 0, (2, 5): 0}
    assert pol.dec.factors[pmd.MEAS_GYRO] == pytest.approx(2000 / 32768) and pol.dec.battery_percent == 78
    assert pol.emu.on_read(pmd.CP_UUID) == bytes.fromhex("0f6e02")


def test_witmotion_registers_unlock_save_and_restart():
    emu = WitMotionEmulator()
    emu.on_subscribe(wit.NOTIFY_UUID, True)
    assert emu.rate_hz == 10.0  # factory return rate
    emu.on_write(wit.WRITE_UUID, wit.set_rate(100.0))
    assert emu.rate_hz == 10.0  # locked: ignored
    emu.on_write(wit.WRITE_UUID, wit.unlock())
    emu.on_write(wit.WRITE_UUID, wit.set_rate(100.0))
    assert emu.rate_hz == 100.0
    ((uuid, reply),) = emu.on_write(wit.WRITE_UUID, wit.read_register(wit.REG_RATE))
    assert uuid == wit.NOTIFY_UUID and reply[:6] == bytes.fromhex("5571030009 00".replace(" ", ""))
    emu.on_write(wit.WRITE_UUID, wit.write_register(wit.REG_SAVE, 0xFF))  # restart: flash still 10 Hz
    assert emu.rate_hz == 10.0 and not emu.unlocked
    for cmd in wit.FAMILY.start_commands(50.0):  # unlock, rate, save, read battery
        emu.on_write(cmd[0], cmd[1])
    emu.on_disconnect()
    emu.on_write(wit.WRITE_UUID, wit.write_register(wit.REG_SAVE, 0xFF))
    assert emu.rate_hz == 50.0  # saved to flash


def test_movesense_commands():
    emu = MovesenseEmulator()
    assert emu.on_write(ms.COMMAND_UUID, ms.hello(5)) == [(ms.DATA_UUID, bytes.fromhex("010548656c6c6f"))]
    assert emu.on_write(ms.COMMAND_UUID, ms.subscribe(9, "/Meas/IMU6/208")) == []  # does not fit: refused
    assert emu.on_write(ms.COMMAND_UUID, ms.subscribe(9, "/Meas/IMU6/100")) == [] and not emu.streaming  # no such rate
    for ref in (1, 2, 3, 4):
        assert emu.on_write(ms.COMMAND_UUID, ms.subscribe(ref, "/Meas/Acc/52")) == []
    assert emu.on_write(ms.COMMAND_UUID, ms.subscribe(5, "/Meas/Acc/52")) == [(ms.DATA_UUID, bytes.fromhex("010501fb"))]
    for ref in (1, 2, 3, 4, 99):
        emu.on_write(ms.COMMAND_UUID, ms.unsubscribe(ref))
    assert not emu.streaming


def test_polar_control_point_rules():
    emu = PolarVeritySenseEmulator()
    cp = lambda b: pmd.parse_cp_response(emu.on_write(pmd.CP_UUID, b)[0][1])  # noqa: E731
    acc104 = pmd.start_measurement(pmd.MEAS_ACC, 104, 16, 8, 3)
    assert cp(acc104).status == 8  # 104 Hz needs SDK mode
    settings = cp(pmd.get_settings(pmd.MEAS_ACC))
    assert pmd.parse_settings(settings.params) == {0: [52], 1: [16], 2: [8], 4: [3]}
    assert cp(pmd.enter_sdk_mode()).status == 0
    assert pmd.parse_settings(cp(pmd.get_settings(pmd.MEAS_GYRO)).params)[0] == [26, 52, 104, 208, 416]
    assert cp(pmd.start_measurement(pmd.MEAS_ACC, 104, 16, 3, 3)).status == 9  # no +-3 g range
    assert cp(acc104).status == 0 and emu.streaming
    assert cp(acc104).status == 6  # already running
    assert cp(pmd.exit_sdk_mode()).status == 12  # not while streaming
    assert cp(pmd.stop_measurement(pmd.MEAS_ACC)).status == 0 and not emu.streaming
    assert cp(pmd.exit_sdk_mode()).status == 0 and not emu.sdk_mode


def test_metamotion_s_ignores_bmi160_registers():
    # A host that skipped the module-info step and assumed a BMI160 gets nothing from a BMI270.
    emu = MetaMotionEmulator(chip="bmi270")
    for uuid, payload, _ in mw.FAMILY.start_commands(100.0, {"chip": "bmi160"}):
        emu.on_write(uuid, payload)
    assert emu.gyr.power and emu.acc.power and not emu.streaming
    assert emu.acc.range_ == 2  # BMI160's +-16 g byte 0x0C reads as +-2 g on a BMI270


def test_thingy_configuration_is_validated_and_read_back():
    emu = Thingy52Emulator()
    assert th.decode_config(emu.on_read(th.CONFIG_UUID))["motion_freq_hz"] == 10
    with pytest.raises(AttError, match="Write not permitted"):
        emu.on_write(th.CONFIG_UUID, bytes.fromhex("e803f401f401000001"))  # 0 Hz
    with pytest.raises(AttError):
        emu.on_write(th.CONFIG_UUID, b"\x01\x02")
    emu.on_write(th.CONFIG_UUID, th.encode_config(motion_freq_hz=50))
    assert th.decode_config(emu.on_read(th.CONFIG_UUID))["motion_freq_hz"] == 50 and emu.rate_hz == 50.0


def test_each_emulator_advertises_as_its_family():
    emus = family_emulators()
    assert len({e.name for e in emus}) == len({e.address for e in emus}) == len(emus) == 5
    for e in emus:
        fam = match_family(e.name, e.adv_uuids, e.manufacturer_data)
        assert fam is not None and fam.family_id == e.family_id
        chars = {c for _, cs in e.gatt for c, _ in cs}
        assert set(fam.notify_uuids) | set(fam.control_uuids) <= chars


# ------------------------------------------------------------------ end to end

# Time: Movesense and Polar stamp every message with their own clock; WitMotion, MetaWear and
# Thingy:52 send no time at all and are timed by their sample count (t0 + k/rate). The stand-in
# fast-forwards both kinds (--speed is honoured for every family, see
# test_speed_is_honoured_for_a_device_without_timestamps). Here the devices without timestamps,
# which send one notification per sample (or per three), run at SLOW_SPEED = 1: five links plus
# the stand-in share one process, and at SPEED they would need ~1000 D-Bus messages a second, more
# than a shared two-core machine carries. The last assertion checks each clock: decoded time /
# host time equals the speed the device was played at. The time limits are generous: on a shared,
# overloaded machine the real-time devices need longer than their ~15 s of motion.
E2E_RATES = {"witmotion": 100.0, "movesense": 104.0, "polar_pmd": 52.0, "metawear": 100.0, "thingy52": 50.0}
SPEED = 10.0
SLOW_SPEED = 1.0
SPEEDS = {fam: SLOW_SPEED for fam in ("witmotion", "metawear", "thingy52")}
SEED = 6  # seated, 2 reps: the pipeline has counted both after ~15 s of motion


@dataclass
class _Run:
    emu: object
    link: SensorLink | None = None
    pipe: Pipeline | None = None
    statuses: list = field(default_factory=list)
    #: (host time on arrival, time of the first sample, time of the last, samples) of each chunk
    arrivals: list = field(default_factory=list)
    error: BaseException | None = None
    connected_after: bool | None = None


_wait_for = wait_for


async def _one(run: _Run, setup_lock: asyncio.Lock) -> None:
    loop = asyncio.get_running_loop()
    rate = E2E_RATES[run.emu.family_id]
    run.pipe = Pipeline("seated", rate)
    pending: list[ImuChunk] = []

    def on_chunk(chunk: ImuChunk) -> None:
        pending.append(chunk)
        run.arrivals.append((loop.time(), float(chunk.t[0]), float(chunk.t[-1]), len(chunk)))

    def counted(n: int) -> bool:
        """Feed the pipeline what arrived since the last look (one call per poll, not one per
        notification: the count is the same for any chunking, tests/test_streaming.py, and five
        links feeding a pipeline sample by sample need more CPU than a busy machine spares)."""
        if pending:
            run.pipe.feed(concat_chunks(pending))
            pending.clear()
        return len(run.pipe.reps) >= n

    run.link = SensorLink(
        run.emu.name, rate, on_chunk=on_chunk, on_status=lambda k, d: run.statuses.append(k), scan_timeout=0.5
    )
    # One link at a time scans and connects: bleak starts and stops discovery per scanner on
    # one D-Bus connection, and BlueZ (like the stand-in) keeps one discovery session per
    # client, so a scanner that stops ends another one's scan. Streams then run side by side.
    async with setup_lock:
        await run.link.find()
        task = asyncio.create_task(run.link.run())
        await _wait_for(lambda: "streaming" in run.statuses or task.done(), 30)
    try:
        await _wait_for(lambda: counted(2) or task.done(), 70)
    finally:
        await run.link.stop()
        await asyncio.wait_for(task, 10)
        counted(2)  # the last pieces, so the asserted count is of every chunk delivered


async def _all_families(bus_address: str) -> dict[str, _Run]:
    # devices played at real time first: their streams take longest
    runs = {e.family_id: _Run(e) for e in sorted(family_emulators(), key=lambda e: e.device_clock)}
    lock = asyncio.Lock()
    st = await BlueZStandin(
        bus_address, [r.emu for r in runs.values()], speed=SPEED, speeds=SPEEDS, reps=2, posture="seated", seed=SEED
    ).start()
    try:
        results = await asyncio.gather(*(_one(r, lock) for r in runs.values()), return_exceptions=True)
        for r, res in zip(runs.values(), results):
            r.error = res if isinstance(res, BaseException) else None
            r.connected_after = st.device(r.emu.address).connected
    finally:
        await st.close()
    return runs


@pytest.fixture(scope="module")
def e2e_runs():
    """All five families at once, one SensorLink each, on one stand-in (their real-time parts
    overlap, so the module takes ~20 s instead of ~60 s one after the other)."""
    bus = PrivateBus()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address)
            yield asyncio.run(asyncio.wait_for(_all_families(bus.address), 120))
    finally:
        bus.close()


@dataclass
class _HostStalls:
    """What this process measured of its own timeliness while a link streamed (see _host_stalls)."""

    invented_s: float  # decoded time the decoder skipped between chunks (assumed lost samples)
    jumps: int  # how many times it skipped
    unexplained: list  # (chunk, jump s, host delay s) where a jump exceeds the measured delay
    arrivals: np.ndarray  # per chunk: host arrival time, sample time less the skipped time, samples so far

    def lost_range(self, rate: float) -> tuple[float, float]:
        """The lost-sample count the skipped time accounts for: one per skipped sample interval,
        give or take one a jump. Once for every family: MetaWear's accelerometer and gyroscope are
        two streams that both see a stall, but its decoder counts the lost (acc, gyro) pairs
        (sensor/protocols/metawear.py), which are exactly the skipped intervals of its output."""
        skipped = self.invented_s * rate
        return skipped - self.jumps, skipped + self.jumps

    def clock_ratio(self, speed: float) -> tuple[float, float]:
        """Device seconds and samples per host second between the most punctual chunk of the first
        half of the stream and that of the second half: a process stalled behind its notifications
        receives them late (reading a slower clock), never early, so the punctual ones measure the
        device."""
        host, dev, n = self.arrivals.T
        late = host - dev / speed
        half = len(late) // 2
        a, b = int(np.argmin(late[:half])), half + int(np.argmin(late[half:]))
        return float((dev[b] - dev[a]) / (host[b] - host[a])), float((n[b] - n[a]) / (host[b] - host[a]))


def _host_stalls(arrivals: list, rate: float) -> _HostStalls:
    """Each jump in decoded time between consecutive chunks, against how late the chunk arrived by
    this process's own clock: lateness = arrival - (samples so far / rate), counted from its
    smallest value so far (the decoder's rule, with real sample counts instead of its estimate)."""
    a = np.asarray(arrivals, float)
    host, t_first, t_last, n = a.T
    jump = np.r_[0.0, t_first[1:] - t_last[:-1] - 1.0 / rate]
    jump[jump < 0.5 / rate] = 0.0
    late = host - np.cumsum(n) / rate
    delay = late - np.minimum.accumulate(late)
    # the decoder's arrival time and ours are two clock reads apart: allow 50 ms of slack
    bad = (jump > 0) & ((delay < 0.3 - 0.05) | (jump > delay + 1.0 / rate + 0.05))
    unexplained = [(int(i), round(float(jump[i]), 3), round(float(delay[i]), 3)) for i in np.flatnonzero(bad)]
    return _HostStalls(
        float(jump.sum()), int(np.count_nonzero(jump)), unexplained, np.c_[host, t_last - np.cumsum(jump), np.cumsum(n)]
    )


BATTERY = {"witmotion": 90, "movesense": None, "polar_pmd": 78, "metawear": 93, "thingy52": 76}


@pytest.mark.parametrize("family", list(E2E_RATES))
def test_e2e_scan_connect_configure_stream_count_reps_stop(e2e_runs, family):
    run = e2e_runs[family]
    if run.error is not None:
        # A new failure per test: raising the one stored exception in several tests grows its
        # traceback each time, and pytest's report of it once crashed a worker (INTERNALERROR).
        pytest.fail(f"{family}: " + "".join(traceback.format_exception(run.error)), pytrace=False)
    link, emu = run.link, run.emu
    assert link.sensor.family_id == family and link.stats.rate_hz == E2E_RATES[family]
    assert len(run.pipe.reps) >= 2
    assert run.statuses[0] == "scanning" and "streaming" in run.statuses and run.statuses[-1] == "stopped"
    assert link.stats.reconnects == 0 and link.stats.gaps == 0
    host_stalls = _host_stalls(run.arrivals, link.stats.rate_hz)
    if emu.device_clock:
        assert link.stats.lost_samples == 0
    else:
        # Without timestamps the decoder takes an arrival more than 0.3 s late for lost samples (it
        # cannot tell an outage from a stall) and moves its clock on. The stand-in drops nothing, so
        # every such jump must be a delay this process measured itself, at least as long (a busy
        # machine stalls it for seconds), and there is none at all when the host kept up.
        assert host_stalls.unexplained == [], host_stalls
        lo, hi = host_stalls.lost_range(link.stats.rate_hz)  # ... and counted
        assert lo <= link.stats.lost_samples <= hi
    assert link.stats.battery_percent == BATTERY[family]
    # Clean stop: the device had stopped streaming (stop commands / notifications off) before
    # the link went down, and it was disconnected once.
    assert emu.streaming_at_disconnect is False and emu.disconnects == 1 and not run.connected_after
    stops = [p for _, p, _ in link.family.stop_commands(link._decoder.device_info)]
    assert [p for _, p in emu.writes[len(emu.writes) - len(stops) :]] == stops
    # Sample clock against the host clock: every device was fast-forwarded (the stand-in honours
    # the speed for all families); devices without timestamps are timed by their sample count at
    # the nominal rate, so their decoded clock ran as many times faster than the host's.
    speed = SPEEDS.get(family, SPEED)
    assert host_stalls.clock_ratio(speed)[0] == pytest.approx(speed, rel=0.25)


@pytest.mark.parametrize(
    "make",
    [lambda: WitMotionEmulator(saved_rate_hz=50.0), MetaMotionEmulator, Thingy52Emulator],
    ids=["witmotion", "metawear", "thingy52"],
)
def test_speed_is_honoured_for_a_device_without_timestamps(monkeypatch, make):
    """These devices send no time: at speed 3 the stand-in delivers three times the samples per
    second of host time, and the decoder (which numbers samples at the nominal rate) reports a
    clock that runs three times as fast, with no outage invented that this process did not see
    (a stall of the process itself; see _host_stalls)."""
    bus = PrivateBus()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address)
    emu = make()
    arrivals: list[tuple[float, float, float, int]] = []  # as _Run.arrivals
    total = 0

    async def go() -> SensorLink:
        st = await BlueZStandin(bus.address, [emu], speed=3.0, reps=2, posture="seated", seed=SEED).start()
        loop = asyncio.get_running_loop()

        def on_chunk(chunk: ImuChunk) -> None:
            nonlocal total
            total += len(chunk)
            arrivals.append((loop.time(), float(chunk.t[0]), float(chunk.t[-1]), len(chunk)))

        link = SensorLink(emu.name, 50.0, on_chunk=on_chunk, scan_timeout=0.5)
        try:
            await link.find()
            task = asyncio.create_task(link.run())
            await _wait_for(lambda: total >= 600, 30)
            await link.stop()
            await asyncio.wait_for(task, 10)
        finally:
            await st.close()
        return link

    try:
        link = asyncio.run(asyncio.wait_for(go(), 60))
    finally:
        bus.close()
    sizes = np.array([a[3] for a in arrivals])
    after = [a for a, k in zip(arrivals, np.cumsum(sizes) - sizes) if k >= 100]  # after the rate write took effect
    chunks = np.asarray(after)
    # times are the sample count: 1/50 s apart within each notification's samples ...
    np.testing.assert_allclose(chunks[:, 2] - chunks[:, 1], (chunks[:, 3] - 1) / 50.0, atol=1e-9)
    # ... and between them, but where this process was itself late (then counted as lost)
    stalls = _host_stalls(after, 50.0)
    assert stalls.unexplained == [], stalls
    lo, hi = stalls.lost_range(50.0)
    assert lo <= link.stats.lost_samples <= hi
    clock, samples = stalls.clock_ratio(3.0)
    assert clock == pytest.approx(3.0, rel=0.25)
    assert samples == pytest.approx(150.0, rel=0.25)  # 50 Hz x 3
    assert link.stats.gaps == 0


def test_metawear_outage_is_counted_once_end_to_end(bus):
    """A MetaMotion whose radio goes quiet for 1 s (the stand-in's ``silence``: samples made and
    lost on both the accelerometer and the gyroscope stream): the link reports the samples the
    device dropped once, not once per stream (the per-stream count reported 100 for 50 dropped)."""
    emu = MetaMotionEmulator()
    arrivals: list[tuple[float, float, float, int]] = []  # as _Run.arrivals

    def on_chunk(chunk: ImuChunk, now: float) -> None:
        arrivals.append((now, float(chunk.t[0]), float(chunk.t[-1]), len(chunk)))

    link, dropped = asyncio.run(asyncio.wait_for(outage_run(bus.address, emu, 50.0, on_chunk), 60))
    assert dropped >= 40  # ~50: 1 s at 50 Hz, give or take the stand-in's 30 ms ticks
    stalls = _host_stalls(arrivals, 50.0)
    assert stalls.unexplained == [], stalls
    lo, hi = stalls.lost_range(50.0)  # the holes in the output, counted once ...
    assert lo <= link.stats.lost_samples <= hi
    # ... and the silence's own hole holds the samples the device dropped (a packed notification
    # that straddles it can shift it by up to two; a stall of this process can only add, and the
    # unexplained check above bounds it by the delay this process measured)
    biggest = max(t1 - t0 for (_, _, t0, _), (_, t1, _, _) in zip(arrivals, arrivals[1:])) * 50.0 - 1
    assert biggest >= dropped - 2.5
    assert link.stats.reconnects == 0 and link.stats.gaps == 0
