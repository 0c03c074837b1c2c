"""Polar PMD data frames: the frame header, delta (compressed) decoding exactly as the Polar SDK
does it, and the ACC / GYRO units per frame type. Sans-IO; used by :mod:`sensor.protocols.polar_pmd`
(which re-exports every public name here) and by the stand-in's Polar model.

Frame: ``type(1) | timestamp u64 ns since 2000-01-01 of the LAST sample (8) | frame_type(1) |
content``. Frame type bit 7 = delta-compressed. Sources: ``firmware_specs/polar-verity-sense.md``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from sensor.protocols.decoding import ProtocolError
from sensor.protocols.uuids import STANDARD_GRAVITY

__all__ = [
    "FRAME_HEADER_LEN",
    "MEAS_ACC",
    "MEAS_GYRO",
    "RESOLUTION_BITS",
    "PmdFrame",
    "decode_delta",
    "decode_frame",
    "encode_delta",
    "encode_frame",
    "frame_values",
]

MEAS_ACC = 2
MEAS_GYRO = 5
FRAME_HEADER_LEN = 10
RESOLUTION_BITS = 16


def _u8(v: int, what: str) -> int:
    if not isinstance(v, int) or not (0 <= v <= 0xFF):
        raise ProtocolError(f"{what} must be 0..255, got {v!r}")
    return v


def decode_delta(content: bytes, channels: int, resolution: int, *, float_bits: bool = False) -> np.ndarray | None:
    """Decode a delta-compressed frame body into an (n, channels) int64 array, exactly as the
    Polar SDK's ``BlePMDClient.parseDeltaFramesAll`` / ``parseDeltaFrame`` do.

    The SDK's rules, corner cases included (checked against its own test frames):

    * a block holds ``ceil(delta_bits x channels x sample_count / 8)`` bytes; the unused high
      bits of its last byte are padding;
    * a block with ``delta_bits == 0`` (or ``sample_count == 0``) carries **no** samples: the
      SDK's bit length is 0, so its loop yields nothing (it does not repeat the last sample);
    * deltas are sign-extended with the SDK's mask ``Int.MAX_VALUE shl (delta_bits - 1)``: for
      widths >= 2 that is two's complement, but for 1-bit deltas a set bit becomes
      ``0x7FFFFFFF``, not -1 (so such a frame decodes to values no 16-bit sensor can produce;
      :func:`frame_values` then rejects it);
    * samples accumulate in 32-bit two's complement (Kotlin ``Int``), wrapping on overflow.

    With ``float_bits`` the values are 32-bit patterns (GYRO 0x81): view them with
    ``.astype('<u4').view('<f4')``. Returns None if the body is malformed (the SDK throws).
    """
    rb = (resolution + 7) // 8
    need = channels * rb
    if len(content) < need or channels <= 0 or rb <= 0:
        return None
    ref = []
    for c in range(channels):
        v = int.from_bytes(content[c * rb : (c + 1) * rb], "little")
        if not float_bits and v >= 1 << (resolution - 1):
            v -= 1 << resolution
        ref.append(v)
    off = need
    blocks: list[np.ndarray] = []
    size = len(content)
    while off < size:
        if off + 2 > size:
            return None
        bits, count = content[off], content[off + 1]
        off += 2
        if bits > 32:
            return None
        nbits = bits * count * channels
        nbytes = (nbits + 7) // 8
        if off + nbytes > size:
            return None
        if nbits == 0:
            continue  # the SDK yields no samples for a 0-bit or empty block
        raw = np.frombuffer(content, dtype=np.uint8, count=nbytes, offset=off)
        bitarr = np.unpackbits(raw, bitorder="little")[:nbits].reshape(-1, bits)
        weights = np.left_shift(np.int64(1), np.arange(bits, dtype=np.int64))
        vals = bitarr.astype(np.int64) @ weights
        if bits == 1:
            vals = vals * _INT32_MAX  # the SDK's mask turns a set 1-bit delta into Int.MAX_VALUE
        else:
            vals = np.where(vals >= (1 << (bits - 1)), vals - (1 << bits), vals)
        blocks.append(vals.reshape(count, channels))
        off += nbytes
    ref_arr = np.asarray(ref, dtype=np.int64).reshape(1, channels)
    if blocks:
        deltas = np.concatenate(blocks)
        out = np.concatenate([ref_arr, ref_arr + np.cumsum(deltas, axis=0)])
    else:
        out = ref_arr
    if float_bits:
        return out & 0xFFFFFFFF
    return ((out + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)  # Kotlin Int arithmetic wraps at 32 bits


_INT32_MAX = (1 << 31) - 1


def encode_delta(
    samples: object,
    resolution: int = RESOLUTION_BITS,
    *,
    block_size: int = 255,
    float_bits: bool = False,
) -> bytes:
    """Delta-compress (n, channels) integer samples the way the sensor does (tests/simulators).

    The first sample is the reference; each block of up to ``block_size`` deltas uses the
    smallest bit width that holds them, but never 1 bit for a non-zero delta (the SDK would
    decode a set 1-bit delta as Int.MAX_VALUE, see :func:`decode_delta`) and never 0 bits
    (the SDK would drop the block's samples).
    """
    arr = np.asarray(samples, dtype=np.int64)
    if arr.ndim != 2 or len(arr) == 0:
        raise ProtocolError("samples must be a non-empty (n, channels) array")
    if not (1 <= block_size <= 255):
        raise ProtocolError("block_size must be 1..255")
    rb = (resolution + 7) // 8
    out = bytearray()
    for v in arr[0].tolist():
        if float_bits:
            v &= 0xFFFFFFFF
        elif not (-(1 << (resolution - 1)) <= v < (1 << (resolution - 1))):
            raise ProtocolError(f"reference value {v} does not fit {resolution} bits")
        out += (v & ((1 << (8 * rb)) - 1)).to_bytes(rb, "little")
    deltas = np.diff(arr, axis=0)
    if float_bits:
        deltas = ((deltas + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
    for start in range(0, len(deltas), block_size):
        blk = deltas[start : start + block_size]
        lo, hi = int(blk.min()), int(blk.max())
        bits = 1 if lo == hi == 0 else 2
        while not (-(1 << (bits - 1)) <= lo and hi < (1 << (bits - 1))):
            bits += 1
        if bits > 32:
            raise ProtocolError("delta too large")
        flat = (blk.reshape(-1) & ((1 << bits) - 1)).astype(np.uint64)
        bitarr = ((flat[:, None] >> np.arange(bits, dtype=np.uint64)) & 1).astype(np.uint8)
        packed = np.packbits(bitarr.reshape(-1), bitorder="little")
        out += bytes((bits, len(blk))) + packed.tobytes()
    return bytes(out)


def encode_frame(meas_type: int, timestamp_ns: int, frame_type: int, content: bytes) -> bytes:
    """A PMD data frame: type, u64 timestamp (ns since 2000, last sample), frame type, body."""
    if not (0 <= timestamp_ns < 1 << 64):
        raise ProtocolError("timestamp must fit uint64")
    return (
        bytes((_u8(meas_type, "measurement type"),))
        + struct.pack("<Q", timestamp_ns)
        + bytes((_u8(frame_type, "frame type"),))
        + bytes(content)
    )


def _decode_int16_delta(content: bytes) -> np.ndarray | None:
    """3-channel 16-bit delta frame; None if malformed or if a value left the 16-bit range (which
    no 16-bit sensor produces: the mark of a 1-bit-delta frame, see :func:`decode_delta`)."""
    raw = decode_delta(content, 3, RESOLUTION_BITS)
    if raw is None or (np.abs(raw) > 32768).any():
        return None
    return raw


@dataclass(frozen=True)
class PmdFrame:
    """A decoded ACC or GYRO frame: ``values`` (n, 3) in m/s^2 (ACC) or deg/s (GYRO)."""

    meas_type: int
    timestamp_ns: int
    frame_type: int
    values: np.ndarray


def frame_values(meas_type: int, frame_type: int, content: bytes, factor: float = 1.0) -> np.ndarray | None:
    """SI values of a frame body (ACC m/s^2, GYRO deg/s); None if undecodable or non-finite.

    Units follow the Polar SDK: raw ACC frames (types 0/1/2: int8/int16/int24) are mG and
    ignore the factor; compressed ACC type 0 is ``value x factor`` g, type 1 ``value (x factor)``
    mG; compressed GYRO type 0 is ``value x factor`` deg/s and type 1 holds float32 bit patterns
    (``float x factor`` deg/s). Raw GYRO frames are not parsed by the SDK either.
    """
    compressed = bool(frame_type & 0x80)
    kind = frame_type & 0x7F
    if meas_type == MEAS_ACC:
        if not compressed:
            size = {0: 1, 1: 2, 2: 3}.get(kind)
            if size is None or len(content) % (3 * size) or not content:
                return None
            if size == 1:
                mg = np.frombuffer(content, dtype=np.int8).astype(np.float64)
            elif size == 2:
                mg = np.frombuffer(content, dtype="<i2").astype(np.float64)
            else:
                b = np.frombuffer(content, dtype=np.uint8).reshape(-1, 3).astype(np.int64)
                v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
                mg = np.where(v >= 1 << 23, v - (1 << 24), v).astype(np.float64)
            out = mg.reshape(-1, 3) * (STANDARD_GRAVITY / 1000.0)
        elif kind in (0, 1):
            raw = _decode_int16_delta(content)
            if raw is None:
                return None
            if kind == 0:  # value x factor = g
                out = raw.astype(np.float64) * (factor * STANDARD_GRAVITY)
            else:  # value (x factor) = mG
                out = raw.astype(np.float64) * (factor * STANDARD_GRAVITY / 1000.0)
        else:
            return None
    elif meas_type == MEAS_GYRO:
        if not compressed or kind not in (0, 1):
            return None
        if kind == 0:
            raw = _decode_int16_delta(content)
            if raw is None:
                return None
            out = raw.astype(np.float64) * factor
        else:
            raw = decode_delta(content, 3, 32, float_bits=True)
            if raw is None:
                return None
            with np.errstate(invalid="ignore", over="ignore"):  # signalling NaNs, overflow
                out = raw.astype("<u4").view("<f4").astype(np.float64) * factor
    else:
        return None
    if not np.isfinite(out).all():
        return None
    return out


def decode_frame(data: bytes, factors: dict[int, float] | None = None) -> PmdFrame | str:
    """Decode one data notification. Returns the frame, or a reason string: ``'short'``,
    ``'ignored'`` (a measurement type other than ACC/GYRO) or ``'corrupt'``."""
    if len(data) < FRAME_HEADER_LEN:
        return "short"
    mtype = data[0] & 0x3F
    if mtype not in (MEAS_ACC, MEAS_GYRO):
        return "ignored"
    content = data[FRAME_HEADER_LEN:]
    if not content:
        return "short"
    factor = (factors or {}).get(mtype, 1.0)
    values = frame_values(mtype, data[9], content, factor)
    if values is None:
        return "corrupt"
    return PmdFrame(mtype, struct.unpack_from("<Q", data, 1)[0], data[9], values)
