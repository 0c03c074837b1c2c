"""A sans-IO device model of the glide open IMU profile: what DIY firmware does, in Python.

The reference for firmware authors, the tests and the BlueZ stand-in's glide device.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sensor.core.samples import ImuChunk
from sensor.protocols.decoding import ProtocolError
from sensor.protocols.glide_wire import (
    ACC_FS_G,
    DEFAULT_ACC_FS,
    DEFAULT_GYRO_FS,
    FLAG_OVERFLOW,
    FLAG_SATURATED,
    FLAG_STREAM_START,
    GYRO_FS_DPS,
    MAX_SAMPLES_PER_PACKET,
    OP_SET_RANGE,
    OP_SET_RATE,
    OP_START,
    OP_STOP,
    PROTOCOL_VERSION,
    RESULT_ADJUSTED,
    RESULT_INVALID_PARAMETER,
    RESULT_INVALID_STATE,
    RESULT_OK,
    RESULT_UNSUPPORTED_OPCODE,
    STATE_IDLE,
    STATE_STREAMING,
    SUPPORTED_RATES,
    Status,
    _int_in,
    _quantize_rows,
    encode_data_packet,
    encode_status,
    parse_control,
)
from sensor.protocols.uuids import STANDARD_GRAVITY

__all__ = ["GlidePeripheral"]


class GlidePeripheral:
    """Sans-IO model of a device implementing the profile.

    ``handle_control(bytes)`` applies a control write and returns the status value to notify;
    ``packetize(t, acc_mps2, gyr_dps)`` turns samples (times in seconds on the device clock)
    into data packets while streaming. Firmware authors can mirror this logic.
    """

    def __init__(
        self,
        supported_rates: Sequence[float] = SUPPORTED_RATES,
        *,
        rate_hz: float = 100.0,
        max_samples: int = 19,
        acc_fs: int = DEFAULT_ACC_FS,
        gyr_fs: int = DEFAULT_GYRO_FS,
    ) -> None:
        if not supported_rates:
            raise ProtocolError("need at least one supported rate")
        self.supported_rates = tuple(float(r) for r in supported_rates)
        self.rate_hz = min(self.supported_rates, key=lambda r: abs(r - rate_hz))
        self.max_samples = _int_in(max_samples, 1, MAX_SAMPLES_PER_PACKET, "max_samples")
        self.acc_fs = _int_in(acc_fs, 0, len(ACC_FS_G) - 1, "acc_fs")
        self.gyr_fs = _int_in(gyr_fs, 0, len(GYRO_FS_DPS) - 1, "gyr_fs")
        self.streaming = False
        self.seq = 0
        self.last_opcode = 0
        self.last_result = RESULT_OK
        self._start_pending = False
        self._overflow_pending = False

    def status(self) -> Status:
        return Status(
            PROTOCOL_VERSION,
            STATE_STREAMING if self.streaming else STATE_IDLE,
            int(round(self.rate_hz * 1000)),
            self.acc_fs,
            self.gyr_fs,
            self.last_opcode,
            self.last_result,
            self.max_samples,
        )

    def handle_control(self, data: bytes) -> bytes:
        parsed = parse_control(data)
        if parsed is None:
            self.last_opcode = data[0] if data else 0
            self.last_result = RESULT_INVALID_PARAMETER
            return encode_status(self.status())
        op, params = parsed
        self.last_opcode = op
        result = RESULT_OK
        if op == OP_START:
            if not self.streaming:
                self.streaming = True
                self.seq = 0
                self._start_pending = True
        elif op == OP_STOP:
            self.streaming = False
        elif op == OP_SET_RATE:
            if self.streaming:
                result = RESULT_INVALID_STATE
            elif params[0] == 0:
                result = RESULT_INVALID_PARAMETER
            else:
                req = float(params[0])
                self.rate_hz = min(self.supported_rates, key=lambda r: (abs(r - req), -r))
                result = RESULT_OK if self.rate_hz == req else RESULT_ADJUSTED
        elif op == OP_SET_RANGE:
            a, g = params
            if self.streaming:
                result = RESULT_INVALID_STATE
            elif a >= len(ACC_FS_G) or g >= len(GYRO_FS_DPS):
                result = RESULT_INVALID_PARAMETER
            else:
                self.acc_fs, self.gyr_fs = a, g
        else:
            result = RESULT_UNSUPPORTED_OPCODE
        self.last_result = result
        return encode_status(self.status())

    def mark_overflow(self) -> None:
        """Record that samples were dropped; the next packet carries FLAG_OVERFLOW."""
        self._overflow_pending = True

    def packetize(self, t_s: object, acc_mps2: object, gyr_dps: object) -> list[bytes]:
        """Data packets for consecutive samples (nothing while not streaming). ``t_s`` are
        device times in seconds (microsecond counter = round(t * 1e6) mod 2^32)."""
        if not self.streaming:
            return []
        t = np.asarray(t_s, dtype=np.float64).reshape(-1)
        acc = np.asarray(acc_mps2, dtype=np.float64).reshape(-1, 3)
        gyr = np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
        if not (len(t) == len(acc) == len(gyr)):
            raise ProtocolError("t, acc and gyr must have the same length")
        a_counts, a_sat = _quantize_rows(acc / STANDARD_GRAVITY, ACC_FS_G[self.acc_fs])
        g_counts, g_sat = _quantize_rows(gyr, GYRO_FS_DPS[self.gyr_fs])
        sat_rows = a_sat | g_sat
        out = []
        for start in range(0, len(t), self.max_samples):
            sl = slice(start, start + self.max_samples)
            flags = 0
            if self._start_pending:
                flags |= FLAG_STREAM_START
                self._start_pending = False
            if self._overflow_pending:
                flags |= FLAG_OVERFLOW
                self._overflow_pending = False
            if sat_rows[sl].any():
                flags |= FLAG_SATURATED
            t0_us = int(round(t[start] * 1e6)) % (1 << 32)
            out.append(
                encode_data_packet(
                    self.seq, t0_us, a_counts[sl], g_counts[sl], acc_fs=self.acc_fs, gyr_fs=self.gyr_fs, flags=flags
                )
            )
            self.seq = (self.seq + 1) & 0xFFFF
        return out

    def packetize_chunk(self, chunk: ImuChunk) -> list[bytes]:
        return self.packetize(chunk.t, chunk.acc, chunk.gyr)
