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
    ``foot_acc``, ``foot_gyr`` -- optional (n, 3) of a second IMU on the foot (issue 16), same
               units and time base; None (both) when there is none. The pipeline ignores them.
    """

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    foot_acc: np.ndarray | None = None
    foot_gyr: np.ndarray | None = None

    def __post_init__(self) -> None:
        t = np.ascontiguousarray(self.t, dtype=np.float64).reshape(-1)
        acc = np.ascontiguousarray(self.acc, dtype=np.float64).reshape(-1, 3)
        gyr = np.ascontiguousarray(self.gyr, dtype=np.float64).reshape(-1, 3)
        if not (len(t) == len(acc) == len(gyr)):
            raise ValueError(f"ImuChunk arrays disagree in length: t={len(t)}, acc={len(acc)}, gyr={len(gyr)}")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "acc", acc)
        object.__setattr__(self, "gyr", gyr)
        if (self.foot_acc is None) != (self.foot_gyr is None):
            raise ValueError("ImuChunk needs both foot_acc and foot_gyr, or neither")
        if self.foot_acc is not None:
            fa = np.ascontiguousarray(self.foot_acc, dtype=np.float64).reshape(-1, 3)
            fg = np.ascontiguousarray(self.foot_gyr, dtype=np.float64).reshape(-1, 3)
            if not (len(fa) == len(fg) == len(t)):
                raise ValueError(f"ImuChunk foot arrays disagree in length: t={len(t)}, foot={len(fa)}/{len(fg)}")
            object.__setattr__(self, "foot_acc", fa)
            object.__setattr__(self, "foot_gyr", fg)

    @property
    def has_foot(self) -> bool:
        return self.foot_acc is not None

    def __len__(self) -> int:
        return len(self.t)

    @classmethod
    def empty(cls) -> ImuChunk:
        return cls(np.empty(0), np.empty((0, 3)), np.empty((0, 3)))

    def slice(self, start: int, stop: int | None = None) -> ImuChunk:
        if self.foot_acc is None or self.foot_gyr is None:  # both or neither (__post_init__)
            return ImuChunk(self.t[start:stop], self.acc[start:stop], self.gyr[start:stop])
        return ImuChunk(
            self.t[start:stop],
            self.acc[start:stop],
            self.gyr[start:stop],
            self.foot_acc[start:stop],
            self.foot_gyr[start:stop],
        )

    def split(self, sizes: list[int] | np.ndarray) -> list[ImuChunk]:
        """Cut into consecutive chunks of the given sizes (the remainder becomes a last chunk)."""
        edges = np.cumsum(np.asarray(sizes, dtype=np.int64))
        edges = edges[edges < len(self)]
        bounds = [0, *edges.tolist(), len(self)]
        return [self.slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def concat_chunks(chunks: list[ImuChunk]) -> ImuChunk:
    """One chunk of all; the foot fields are kept only when every chunk has them."""
    if not chunks:
        return ImuChunk.empty()
    foot = all(c.foot_acc is not None for c in chunks)
    return ImuChunk(
        np.concatenate([c.t for c in chunks]),
        np.concatenate([c.acc for c in chunks]),
        np.concatenate([c.gyr for c in chunks]),
        np.concatenate([c.foot_acc for c in chunks]) if foot else None,
        np.concatenate([c.foot_gyr for c in chunks]) if foot else None,
    )
