"""End to end: a Polar Verity Sense and a Movesense at 208 Hz (separate accelerometer and gyroscope
streams, both stamped by the device clock) go quiet for a while; the link reports the samples the
device dropped once, not once per stream.

bleak's real BlueZ backend against the BlueZ stand-in (sensor/standin). The stand-in's ``silence``
models a hung firmware: samples are made and never sent, on both streams. The device's timestamps
say exactly how many: each stream's clock sees ``dropped``. The output loses the pairs either stream
skipped; the stand-in keeps filling the packet that was open when the silence began, so each
stream places the hole at its own packet boundary and the two holes can be offset by up to one
packet: ``dropped <= lost < dropped + one packet``. The per-stream count reported ``2 x dropped``.
"""

from __future__ import annotations

import asyncio

import pytest
from helpers import outage_run

from sensor.protocols import movesense as ms
from sensor.protocols import polar_pmd as pmd
from sensor.standin.families import MovesenseEmulator, PolarVeritySenseEmulator


def _polar_samples(emu: PolarVeritySenseEmulator, uuid: str, payload: bytes) -> int:
    frame = pmd.decode_frame(payload) if uuid == pmd.DATA_UUID else None
    return len(frame.values) if isinstance(frame, pmd.PmdFrame) else 0


def _movesense_samples(emu: MovesenseEmulator, uuid: str, payload: bytes) -> int:
    """Samples in the message a first part (``02 ref``) opens: the subscription's message size."""
    if uuid != ms.DATA_UUID or payload[0] != ms.RESP_DATA:
        return 0
    return max((s.per_message for s in emu.subs.values()), default=0)


#: family -> (emulator, rate Hz, stand-in speed, samples in one packet). Polar is fast-forwarded so
#: that the silence drops far more samples than a frame holds (the bound below could not tell one
#: count from two otherwise); Movesense at 208 Hz sends ~50 notifications/s in real time already.
CASES = {
    "polar_pmd": (PolarVeritySenseEmulator, 52.0, 10.0, _polar_samples),
    "movesense": (MovesenseEmulator, 208.0, 1.0, _movesense_samples),
}
SILENCE_S = 1.0


@pytest.mark.parametrize("family", list(CASES))
def test_outage_of_both_streams_is_counted_once_end_to_end(bus, family):
    make, rate, speed, samples_in = CASES[family]
    emu = make()
    biggest_packet = 0

    def on_packets(out: list[tuple[str, bytes]]) -> None:
        nonlocal biggest_packet
        biggest_packet = max([biggest_packet, *(samples_in(emu, u, p) for u, p in out)])

    run = outage_run(
        bus.address,
        emu,
        rate,
        lambda chunk, now: None,
        on_packets=on_packets,
        speed=speed,
        silence_s=SILENCE_S,
        warm=2 * rate,
        after=rate,
        wait_s=15,
    )
    link, dropped = asyncio.run(asyncio.wait_for(run, 90))
    assert dropped >= 0.8 * SILENCE_S * speed * rate  # the silence's samples, give or take a tick
    assert biggest_packet > 0 and 2 * dropped > dropped + biggest_packet  # once and twice differ
    assert dropped <= link.stats.lost_samples < dropped + biggest_packet
    assert link.stats.reconnects == 0 and link.stats.gaps == 0
