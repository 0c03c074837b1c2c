"""The unit of data that flows from decoders and trace readers into the pipeline.

Every source (BLE decoder, trace reader, simulator) produces :class:`ImuChunk` objects so that
the processing core never needs to know where samples came from. Arrays rather than per-sample
objects keep the hot path vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ImuChunk", "concat_chunks"]


@dataclass(frozen=True, slots=True)
class ImuChunk:
    """A run of consecutive IMU samples in the sensor's own axes.

    ``t``   -- (n,) sensor time in seconds, strictly increasing within a chunk.
    ``acc`` -- (n, 3) specific force in m/s^2 as the accelerometer reports it (gravity included:
               a sensor at rest reads about +9.81 along its upward-pointing axis).
    ``gyr`` -- (n, 3) angular rate in deg/s.
    """

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray

    def __post_init__(self) -> None:
        t = np.ascontiguousarray(self.t, dtype=np.float64).reshape(-1)
        acc = np.ascontiguousarray(self.acc, dtype=np.float64).reshape(-1, 3)
        gyr = np.ascontiguousarray(self.gyr, dtype=np.float64).reshape(-1, 3)
        if not (len(t) == len(acc) == len(gyr)):
            raise ValueError(f"ImuChunk arrays disagree in length: t={len(t)}, acc={len(acc)}, gyr={len(gyr)}")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "acc", acc)
        object.__setattr__(self, "gyr", gyr)

    def __len__(self) -> int:
        return len(self.t)

    @classmethod
    def empty(cls) -> ImuChunk:
        return cls(np.empty(0), np.empty((0, 3)), np.empty((0, 3)))

    def slice(self, start: int, stop: int | None = None) -> ImuChunk:
        return ImuChunk(self.t[start:stop], self.acc[start:stop], self.gyr[start:stop])

    def split(self, sizes: list[int] | np.ndarray) -> list[ImuChunk]:
        """Cut into consecutive chunks of the given sizes (the remainder becomes a last chunk)."""
        edges = np.cumsum(np.asarray(sizes, dtype=np.int64))
        edges = edges[edges < len(self)]
        bounds = [0, *edges.tolist(), len(self)]
        return [self.slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def concat_chunks(chunks: list[ImuChunk]) -> ImuChunk:
    if not chunks:
        return ImuChunk.empty()
    return ImuChunk(
        np.concatenate([c.t for c in chunks]),
        np.concatenate([c.acc for c in chunks]),
        np.concatenate([c.gyr for c in chunks]),
    )
