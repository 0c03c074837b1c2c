"""Device-side models of the sensor families glide supports, for the BlueZ stand-in.

Each class here is what :mod:`sensor.standin.server` calls an *emulator*: a sans-IO model of one real
device. It advertises like the device, exposes the device's GATT layout, answers the family's
own command bytes the way ``firmware_specs/<family>.md`` documents, starts streaming only when
the host has done what the real device needs (a command, or for WitMotion and Thingy:52 just
enabling notifications), stops on the stop commands, and encodes the simulated motion into the
family's notification format at the rate the host negotiated. Nothing is converted on the way:
the bytes are those a real device would send, so the stand-in exercises the same decoders,
transport and pipeline as hardware would.

=================  ===============================  ===========================================
family             starts streaming when            notifications
=================  ===============================  ===========================================
WitMotion          notifications on ``ffe4`` are    ``55 61`` packets, one sample each, at the
                   enabled (at the rate in its      rate register (factory default 10 Hz; the
                   rate register)                   unlocked rate write applies at once)
Movesense (GSP)    ``01 <ref> /Meas/IMU6/<rate>``   IMU6 / Acc / Gyro messages of rate/13
                   (or Acc / Gyro) subscriptions    samples, u32 ms timestamp of the first
                                                    sample, split in two parts above 150 bytes
Polar Verity       ``02 02`` / ``02 05`` START      ACC 0x81 (mG) and GYRO 0x80 (x FACTOR) or
Sense (PMD)        requests (``02 09`` SDK mode     0x81 (float) delta frames, sent when a frame
                   for rates other than 52 Hz)      is full (<= 232 bytes), u64 ns timestamp of
                                                    the last sample
MetaMotion         power + data interrupt +         packed (3 samples, 20 bytes) or single
(MetaWear)         signal subscription, per sensor  samples, acc and gyro separately, no time
Thingy:52          notifications on raw data        18-byte raw samples at the configuration's
                   ``ef680406`` are enabled         ``motion_freq_hz`` (gravity-vector accel)
=================  ===============================  ===========================================

Device clocks: Movesense and Polar put their own clock on every message; the models keep that
clock monotonic across the stand-in's stream restarts. WitMotion, MetaWear and Thingy:52 send no
time at all (``device_clock = False``): the stand-in never fast-forwards them (see
:class:`sensor.standin.server.BlueZStandin`), because the host's arrival clock is their sample clock.

Facts the specs mark unverified (**?**) are modelled as the spec's best guess and say so where
they are used; see :func:`family_emulators` for the advertised identities.
"""

from __future__ import annotations

from sensor.standin.device_model import AttError, DeviceModel
from sensor.standin.metamotion_emulator import MetaMotionEmulator
from sensor.standin.movesense_emulator import MovesenseEmulator
from sensor.standin.polar_emulator import PolarVeritySenseEmulator
from sensor.standin.thingy52_emulator import Thingy52Emulator
from sensor.standin.witmotion_emulator import WitMotionEmulator

__all__ = [
    "AttError",
    "DeviceModel",
    "MetaMotionEmulator",
    "MovesenseEmulator",
    "PolarVeritySenseEmulator",
    "Thingy52Emulator",
    "WitMotionEmulator",
    "family_emulators",
]


def family_emulators() -> list[DeviceModel]:
    """One emulated device per family (besides the glide profile's own GlideEmulator)."""
    return [
        WitMotionEmulator(),
        MovesenseEmulator(),
        PolarVeritySenseEmulator(),
        MetaMotionEmulator(),
        Thingy52Emulator(),
    ]
