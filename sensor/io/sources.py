"""Where live samples come from: a recorded trace, a real sensor (``sensor.ble.link``), or the simulated
one (``sensor.sim.source``).

A *source* is an async iterator of :class:`~sensor.core.samples.ImuChunk` plus a little description
(:class:`Source`). The dashboard, the headless printer and the tests consume every source the
same way (``async for chunk in source``) and feed the one streaming pipeline, so a replay and a
live session take the same code path.

Pacing is the only thing here that knows about time, and it asks an injected :class:`Clock`:
:class:`MonotonicClock` in real use, :class:`ManualClock` in tests, where time moves only when
the test calls ``await clock.advance(seconds)`` (deterministic, no sleeps). Chunks are cut to
about ``chunk_s`` (50 ms) of samples, what one or two BLE notifications carry, and a chunk is
released when the paced clock reaches its last sample's time.

A live sensor is a source too: ``tui/live.py`` wraps the BLE transport (``sensor.ble.link``: its
``scan()`` and ``SensorLink``, or a ``connect(address) -> Source`` if it offers one) and keeps
``status`` up to date (battery, packet loss, ``state='reconnecting'``).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import os
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from sensor.core.samples import ImuChunk, concat_chunks

__all__ = [
    "Clock",
    "DeviceInfo",
    "ManualClock",
    "MonotonicClock",
    "PacedSource",
    "ReplaySource",
    "Source",
    "SourceStatus",
    "rechunk",
]

CHUNK_S = 0.05  # ~ one BLE notification interval of samples


# --------------------------------------------------------------------------- clocks
class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale (only differences matter)."""

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``now() >= deadline`` (at once, after yielding, if it already is)."""


class MonotonicClock:
    """Wall-clock pacing for real use."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(deadline - time.monotonic(), 0.0))


class ManualClock:
    """A clock that moves only when told: ``await clock.advance(dt)`` releases, in deadline
    order, every sleeper due within ``dt`` and lets each run until it sleeps again."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    @property
    def sleepers(self) -> int:
        return sum(1 for *_, f in self._sleepers if not f.done())

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._seq), fut))
        await fut

    async def advance(self, seconds: float) -> None:
        target = self._now + max(float(seconds), 0.0)
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, fut = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if fut.done():  # cancelled sleeper
                continue
            fut.set_result(None)
            await self.settle()
        self._now = target
        await self.settle()

    async def settle(self, rounds: int = 20) -> None:
        """Let woken tasks run until they block again (on this clock or anything else)."""
        for _ in range(rounds):
            await asyncio.sleep(0)


# --------------------------------------------------------------------------- descriptions
@dataclass
class SourceStatus:
    """What the status bar shows about the sensor; sources update it in place."""

    device: str
    state: str = "connecting"  # connecting | streaming | paused | reconnecting | ended | failed
    battery_pct: int | None = None
    rssi_dbm: int | None = None
    packet_loss_pct: float | None = None  # None: the app estimates it from sample times
    detail: str = ""


@dataclass(frozen=True)
class DeviceInfo:
    """One scan result, as the device picker lists it."""

    address: str
    name: str
    family: str
    rssi_dbm: int | None = None
    battery_pct: int | None = None


@runtime_checkable
class Source(Protocol):
    """Anything the dashboard can run: an async iterator of ImuChunks with a description.

    ``meta`` is written at the top of the session's trace (``sample_rate_hz``, ``device``,
    ``leg``, ``posture``...). ``pausable`` sources also have ``pause()`` and ``resume()``
    (playback stops; a live sensor is never paused, the app stops counting instead).
    """

    name: str
    meta: dict[str, object]
    rate_hz: float | None
    status: SourceStatus
    pausable: bool

    def __aiter__(self) -> AsyncIterator[ImuChunk]: ...

    async def aclose(self) -> None: ...


def rechunk(chunks: Iterable[ImuChunk], chunk_s: float = CHUNK_S) -> Iterator[ImuChunk]:
    """Cut a stream of chunks of any size into pieces of about ``chunk_s`` of sensor time.

    Boundaries lie on a fixed time grid from the first sample, so the result does not depend
    on how the input was chunked. A gap simply yields the samples after it in the next piece.
    """
    t0: float | None = None
    carry: ImuChunk | None = None
    for c in chunks:
        if len(c) == 0:
            continue
        if carry is not None and len(carry):
            c = concat_chunks([carry, c])
        if t0 is None:
            t0 = float(c.t[0])
        cell = np.floor((c.t - t0) / chunk_s).astype(np.int64)
        cuts = np.flatnonzero(np.diff(cell)) + 1
        bounds = [0, *cuts.tolist(), len(c)]
        for a, b in zip(bounds[:-2], bounds[1:-1]):
            yield c.slice(a, b)
        carry = c.slice(bounds[-2], bounds[-1])  # the last cell may still grow
    if carry is not None and len(carry):
        yield carry


# --------------------------------------------------------------------------- paced sources
class PacedSource:
    """Releases precomputed chunks at ``speed`` times real time on the given clock.

    ``speed <= 0`` means as fast as possible (still yielding to the event loop between chunks).
    ``pause()`` holds the stream; ``resume()`` continues it where it stopped.
    """

    pausable = True

    def __init__(
        self,
        chunks: Iterable[ImuChunk],
        *,
        name: str,
        meta: Mapping[str, object],
        rate_hz: float | None,
        speed: float = 1.0,
        clock: Clock | None = None,
        device: str | None = None,
    ) -> None:
        self.name = name
        self.meta = dict(meta)
        self.rate_hz = rate_hz
        self.speed = float(speed)
        self.clock: Clock = clock or MonotonicClock()
        self.status = SourceStatus(device or str(meta.get("device", name)))
        self._chunks = chunks
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._resumed: asyncio.Event | None = None
        self._closed = False
        self.samples_out = 0

    # ------------------------------------------------------------------ control
    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def pause(self) -> None:
        if self._paused_at is None and self.status.state != "ended":
            self._paused_at = self.clock.now()
            self.status.state = "paused"

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_total += self.clock.now() - self._paused_at
            self._paused_at = None
            if self.status.state == "paused":
                self.status.state = "streaming"
            if self._resumed is not None:
                self._resumed.set()

    async def aclose(self) -> None:
        self._closed = True
        self.resume()
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    # ------------------------------------------------------------------ iteration
    def __aiter__(self) -> AsyncIterator[ImuChunk]:
        return self._run()

    async def _run(self) -> AsyncIterator[ImuChunk]:
        self._resumed = asyncio.Event()
        wall0: float | None = None
        sens0 = 0.0
        self.status.state = "streaming"
        try:
            for chunk in self._chunks:
                if self._closed:
                    break
                while self._paused_at is not None and not self._closed:
                    self._resumed.clear()
                    await self._resumed.wait()
                if wall0 is None:
                    wall0, sens0 = self.clock.now(), float(chunk.t[0])
                if self.speed > 0:
                    due = wall0 + self._paused_total + (float(chunk.t[-1]) - sens0) / self.speed
                    await self.clock.sleep_until(due)
                    while self._paused_at is not None and not self._closed:  # paused while waiting
                        self._resumed.clear()
                        await self._resumed.wait()
                        due = wall0 + self._paused_total + (float(chunk.t[-1]) - sens0) / self.speed
                        await self.clock.sleep_until(due)
                else:
                    await asyncio.sleep(0)
                if self._closed:
                    break
                self.samples_out += len(chunk)
                yield chunk
        finally:
            self.status.state = "ended"


class ReplaySource(PacedSource):
    """A recorded glide trace played back at ``speed`` (reads the file lazily, memory flat).

    Opening the file reads its header, so a missing or malformed file raises
    ``TraceFormatError`` here, before any screen is shown.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        speed: float = 1.0,
        clock: Clock | None = None,
        *,
        chunk_s: float = CHUNK_S,
        format: str | None = None,
        columns: str | dict[str, str] | None = None,
        units: str | dict[str, str] | None = None,
        rate: float | None = None,
        foot_device: str | None = None,
    ) -> None:
        from sensor.io.importers import open_trace

        self.path = str(path)
        # any supported recording: a glide trace or a vendor export (see sensor.io.importers)
        self.reader = open_trace(path, format=format, columns=columns, units=units, rate=rate, foot_device=foot_device)
        rate_hz = self.reader.sample_rate_hz
        self.trace_stats = self.reader.stats
        meta: dict[str, object] = dict(self.reader.meta)
        meta.pop("format", None)
        meta["replay_of"] = self.path
        super().__init__(
            self._read(chunk_s),
            name=f"replay of {self.path}",
            meta=meta,
            rate_hz=rate_hz,
            speed=speed,
            clock=clock,
            device=self.reader.device or "recorded trace",
        )

    def _read(self, chunk_s: float) -> Iterator[ImuChunk]:
        try:
            yield from rechunk(self.reader.chunks(), chunk_s)
            self.trace_stats = self.reader.stats
        finally:
            self.reader.close()


def estimate_loss_pct(
    n_samples: int, t_first: float | None, t_last: float | None, rate_hz: float | None
) -> float | None:
    """Share of samples missing over a stream, from its nominal rate (None if unknown)."""
    if not rate_hz or t_first is None or t_last is None or n_samples < 2:
        return None
    expected = (t_last - t_first) * rate_hz + 1
    if not math.isfinite(expected) or expected <= 0:
        return None
    return max(0.0, 100.0 * (1.0 - n_samples / expected))


@dataclass
class RateMeter:
    """Effective sample rate over the last ``window_s`` of sensor time."""

    window_s: float = 2.0
    _t: list[tuple[float, float, int]] = field(default_factory=list)  # (first t, last t, samples)

    def add(self, t: np.ndarray) -> None:
        if len(t):
            self._t.append((float(t[0]), float(t[-1]), len(t)))
            cut = self._t[-1][1] - self.window_s
            while len(self._t) > 1 and self._t[0][1] < cut:
                self._t.pop(0)

    @property
    def hz(self) -> float | None:
        if not self._t:
            return None
        n = sum(k for *_, k in self._t)
        span = self._t[-1][1] - self._t[0][0]
        return (n - 1) / span if span > 0 and n > 1 else None
