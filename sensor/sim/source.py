"""The built-in simulated sensor as a live source: the simulator's session, paced by a clock.

It lives in ``sensor.sim`` (not ``sensor.io``) so the I/O layer never depends on the simulator;
the pacing it builds on is :class:`sensor.io.sources.PacedSource`.
"""

from __future__ import annotations

import numpy as np

from sensor.core.samples import ImuChunk, concat_chunks
from sensor.io.sources import CHUNK_S, Clock, PacedSource
from sensor.sim.simulator import SimConfig, simulate_session

__all__ = ["SimulatedSource", "insert_rests"]


class SimulatedSource(PacedSource):
    """The built-in simulated sensor (``sensor.sim.simulator``), paced like a live one.

    ``sets > 1`` makes the simulated person rest ``rest_s`` seconds (still, leg held) after
    every ``config.reps // sets`` reps, so the dashboard's set and rest flow can be seen.
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        speed: float = 1.0,
        clock: Clock | None = None,
        *,
        sets: int = 1,
        rest_s: float = 0.0,
        chunk_s: float = CHUNK_S,
    ) -> None:
        cfg = config or SimConfig()
        sim = simulate_session(cfg)
        chunk = sim.chunk
        self.labels = sim.labels
        self.performed = sim.labels["rep_count"]
        if sets > 1 and rest_s > 0 and sim.labels["reps"]:
            per_set = max(cfg.reps // sets, 1)
            ends = [r["end_s"] for r in sim.labels["reps"]][per_set - 1 : -1 : per_set]
            chunk = insert_rests(chunk, ends, rest_s, cfg.rate_hz, seed=cfg.seed)
        self.session_chunk = chunk
        n = max(int(round(cfg.rate_hz * chunk_s)), 1)
        parts = chunk.split([n] * (len(chunk) // n + 1))
        super().__init__(
            parts,
            name="simulated sensor",
            meta=sim.meta,
            rate_hz=cfg.rate_hz,
            speed=speed,
            clock=clock,
            device="glide simulator",
        )


def insert_rests(chunk: ImuChunk, at_s: list[float], rest_s: float, rate_hz: float, seed: int = 0) -> ImuChunk:
    """Splice ``rest_s`` seconds of stillness into a recording at each time in ``at_s``.

    The still samples repeat the sensor's reading at that moment (the shin held where it
    stopped) with fresh noise; later samples are shifted by the rest's length.
    """
    rng = np.random.default_rng(seed + 7919)
    pieces, shift, start = [], 0.0, 0
    dt = 1.0 / rate_hz
    n_rest = int(round(rest_s * rate_hz))
    for t_cut in at_s:
        i = int(np.searchsorted(chunk.t, t_cut))
        i = min(max(i, 1), len(chunk))
        part = chunk.slice(start, i)
        pieces.append(ImuChunk(part.t + shift, part.acc, part.gyr))
        j0 = max(i - max(int(0.1 * rate_hz), 1), 0)
        acc0 = np.median(chunk.acc[j0:i], axis=0)
        gyr0 = np.median(chunk.gyr[j0:i], axis=0)
        t_last = float(chunk.t[i - 1]) + shift
        t_rest = t_last + dt * np.arange(1, n_rest + 1)
        pieces.append(
            ImuChunk(t_rest, acc0 + rng.normal(0, 0.02, (n_rest, 3)), gyr0 + rng.normal(0, 0.15, (n_rest, 3)))
        )
        shift += n_rest * dt
        start = i
    part = chunk.slice(start)
    pieces.append(ImuChunk(part.t + shift, part.acc, part.gyr))
    return concat_chunks(pieces)
