"""Two sensors at once: the shin's link and an optional foot link, joined on the shin's time base.

Why: issue 16 puts a second IMU on the foot. Each sensor is an ordinary :class:`SensorLink`
(scan, connect, configure, reconnect with backoff, watchdog); this module runs two of them and
hands out *one* stream: the shin's chunks, each carrying the foot's six values resampled onto the
shin's timestamps (``sensor.core.foot_align``, sans-IO). What only a transport can do is here:

* **one time base.** Each link numbers its own samples from 0 at its first connection. Both are
  mapped onto the host's clock: for every chunk, ``scale * arrival - t_last`` is that link's
  clock offset plus the radio's latency, and its minimum over the last ``window_s`` seconds
  tracks the offset (latency has a floor, the minimum finds it; a sliding window of 60 s follows a
  crystal's drift). The foot's times are moved by the difference of the two offsets. ``scale``
  is sensor seconds per host second: 1 for real sensors (the stand-in's ``speed`` in tests).
  After a reconnect a link places its first samples by the host's clock (``SensorLink``), a new
  relation: that link's minimum starts anew.
* **the foot never stops the session.** When its link reports a disconnect, silence or a failed
  attempt, the aligner is told at once (the shin is no longer held back for it), ``on_status``
  gets ``foot_lost`` ("counting with the shin only"), and the foot's link reconnects on its own
  like the shin's. When the foot link ends for good (the device refused the start command, too
  many failed attempts), ``foot_failed``; the shin streams on either way. Only the shin's link
  ending ends :meth:`ShinFootLink.run`.
* **how long the shin waits** for the foot's data is ``max_hold_s`` (0.5 s), raised when the foot's
  family sends its samples in bigger batches than that (a Polar Verity Sense sends a PMD frame
  of about a second of samples at once): to the longest batch seen plus 0.25 s, never beyond
  ``max_hold_limit_s`` (2.5 s). Without it such a foot would be NaN on most rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from sensor.ble.link import FoundSensor, LinkStats, SensorLink, SensorNotFound, choose, scan
from sensor.core.foot_align import AlignStats, FootAligner
from sensor.core.samples import ImuChunk
from sensor.protocols.family import DeviceFamily

__all__ = ["ClockOffset", "ShinFootLink", "choose_pair"]

log = logging.getLogger(__name__)

#: statuses of a link that mean no data is coming for now
_LOST = ("reconnecting", "silent", "stopped")


class ClockOffset:
    """Lower envelope of ``scale * arrival - t_last`` over a sliding window: a link's clock offset
    against the host (plus the latency floor, common to both links). Monotonic deque: O(1) each."""

    def __init__(self, scale: float = 1.0, window_s: float = 60.0) -> None:
        self.scale, self.window_s = float(scale), float(window_s)
        self._pts: deque[tuple[float, float]] = deque()  # (arrival, value), values increasing

    def add(self, t_last: float, arrival: float) -> float:
        value = self.scale * arrival - t_last
        while self._pts and self._pts[-1][1] >= value:
            self._pts.pop()
        self._pts.append((arrival, value))
        while arrival - self._pts[0][0] > self.window_s:
            self._pts.popleft()
        return self._pts[0][1]

    @property
    def value(self) -> float | None:
        return self._pts[0][1] if self._pts else None

    def reset(self) -> None:
        """A new connection: the link placed its first samples by the host's clock, a new relation."""
        self._pts.clear()


def choose_pair(found: list[FoundSensor], shin: str | None, foot: str) -> tuple[FoundSensor, FoundSensor]:
    """The shin and the foot sensor from one scan; they must be two different devices."""
    foot_dev = choose(found, foot)
    shin_dev = choose([f for f in found if f.address != foot_dev.address] if not shin else found, shin)
    if shin_dev.address == foot_dev.address:
        raise SensorNotFound(
            f"{shin!r} and {foot!r} are the same sensor ({foot_dev.name}, {foot_dev.address}): "
            "the foot needs a second one"
        )
    return shin_dev, foot_dev


class ShinFootLink:
    """Stream a shin sensor and a foot sensor until ``stop()``; the interface of :class:`SensorLink`
    (``find``, ``run``, ``stop``, ``stats``, ``sensor``, ``family``), plus ``foot_stats``,
    ``foot_sensor``, ``align_stats`` and ``foot_state`` ("connecting", "streaming", "lost", "failed").

    ``on_chunk`` receives shin chunks with ``foot_acc``/``foot_gyr`` (NaN where the foot has no
    data). ``on_status(kind, detail)`` receives the shin link's news unchanged and the foot's as
    ``foot_connecting``, ``foot_streaming``, ``foot_lost``, ``foot_failed`` and ``foot_<kind>``.
    """

    def __init__(
        self,
        target: str | None,
        foot_target: str,
        rate_hz: float | None = None,
        *,
        foot_rate_hz: float | None = None,
        on_chunk: Callable[[ImuChunk], None],
        on_status: Callable[[str, str], None] | None = None,
        scan_timeout: float = 4.0,
        clock_scale: float = 1.0,
        max_hold_s: float = 0.5,
        max_hold_limit_s: float = 2.5,
        link_kw: dict[str, Any] | None = None,
    ) -> None:
        self.target, self.foot_target = target, foot_target
        self.on_chunk = on_chunk
        self.on_status = on_status or (lambda kind, detail: None)
        self.scan_timeout = scan_timeout
        self.aligner = FootAligner(max_hold_s=max_hold_s, keep_s=max(5.0, 2 * max_hold_limit_s))
        self.max_hold_limit_s = max_hold_limit_s
        self.aligner.foot_lost()  # nothing to wait for until the foot streams
        self.foot_state = "connecting"
        kw: dict[str, Any] = {**(link_kw or {}), "connect_lock": asyncio.Lock()}
        self.shin = SensorLink(target, rate_hz, on_chunk=self._on_shin, on_status=self._shin_status, **kw)
        self.foot = SensorLink(
            foot_target, foot_rate_hz or rate_hz, on_chunk=self._on_foot, on_status=self._foot_status, **kw
        )
        self._shin_clock = ClockOffset(clock_scale)
        self._foot_clock = ClockOffset(clock_scale)
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------ SensorLink's face
    @property
    def stats(self) -> LinkStats:
        return self.shin.stats

    @property
    def foot_stats(self) -> LinkStats:
        return self.foot.stats

    @property
    def align_stats(self) -> AlignStats:
        return self.aligner.stats

    @property
    def sensor(self) -> FoundSensor | None:
        return self.shin.sensor

    @property
    def family(self) -> DeviceFamily | None:
        return self.shin.family

    @property
    def foot_sensor(self) -> FoundSensor | None:
        return self.foot.sensor

    async def find(self) -> tuple[FoundSensor, FoundSensor]:
        """One scan for both sensors."""
        self._shin_status("scanning", f"looking for {self.target or 'a supported sensor'} and {self.foot_target}")
        found = await scan(self.scan_timeout)
        shin, foot = choose_pair(found, self.target, self.foot_target)
        self.shin.use(shin)
        self.foot.use(foot)
        return shin, foot

    async def run(self) -> None:
        """Stream both until stop() or until the shin's link ends (its errors propagate); the
        foot's link ending never ends this."""
        if self.shin.sensor is None or self.foot.sensor is None:
            await self.find()
        self._loop = asyncio.get_running_loop()
        foot_task = asyncio.create_task(self._run_foot())
        try:
            await self.shin.run()
        finally:
            await self.foot.stop()
            try:
                await asyncio.wait_for(asyncio.shield(foot_task), 10.0)
            except BaseException:
                foot_task.cancel()
            self._emit(self.aligner.flush())
            self._report("stopped", "")  # the shin's, held back until both links and the aligner are done

    async def stop(self) -> None:
        await self.shin.stop()
        await self.foot.stop()

    # ------------------------------------------------------------------ the foot's link
    async def _run_foot(self) -> None:
        try:
            await self.foot.run()
        except asyncio.CancelledError:
            raise
        except Exception as e:  # refused, gave up, Bluetooth gone: the shin goes on alone
            log.debug("foot link ended", exc_info=True)
            self.foot_state = "failed"
            self._emit(self.aligner.foot_lost())
            self._report("foot_failed", f"foot sensor stopped ({e}): counting with the shin only")

    def _foot_status(self, kind: str, detail: str) -> None:
        if kind == "gap":  # reconnected: its clock's relation to the host starts anew
            self._foot_clock.reset()
        if kind == "streaming":
            self.foot_state = "streaming"
            self._report("foot_streaming", f"foot sensor streaming: {detail}")
        elif kind in _LOST:
            self._emit(self.aligner.foot_lost())  # the shin is not held back for it any more
            was = self.foot_state
            if was == "streaming":
                self.foot_state = "lost"
            if was == "streaming" and kind != "stopped":
                self._report("foot_lost", f"foot sensor lost: counting with the shin only ({detail})")
            else:
                self._report(f"foot_{kind}", detail)
        else:
            self._report(f"foot_{kind}", detail)

    # ------------------------------------------------------------------ data
    def _shin_status(self, kind: str, detail: str) -> None:
        if kind == "gap":  # reconnected: its clock's relation to the host starts anew, and the
            self._shin_clock.reset()  # foot samples placed against the old one are of no use
            self._emit(self.aligner.forget_foot())
        if kind != "stopped":  # said by run() once the foot's link has stopped too
            self._report(kind, detail)

    def _report(self, kind: str, detail: str) -> None:
        try:
            self.on_status(kind, detail)
        except Exception:  # a faulty subscriber must not kill the link
            log.exception("status callback failed")

    def _now(self) -> float:
        return (self._loop or asyncio.get_running_loop()).time()

    def _on_shin(self, chunk: ImuChunk) -> None:
        self._shin_clock.add(float(chunk.t[-1]), self._now())
        self._emit(self.aligner.shin(chunk))

    def _on_foot(self, chunk: ImuChunk) -> None:
        foot_off = self._foot_clock.add(float(chunk.t[-1]), self._now())
        shin_off = self._shin_clock.value
        if shin_off is None:  # the shin has not streamed yet: nothing to place the foot against
            return
        shift = foot_off - shin_off  # foot time + foot offset = host = shin time + shin offset
        rate = self.foot.stats.rate_hz or 100.0
        batch = float(chunk.t[-1] - chunk.t[0]) + 1.0 / rate + 0.25
        if batch > self.aligner.max_hold_s and self.aligner.max_hold_s < self.max_hold_limit_s:
            self.aligner.max_hold_s = min(batch, self.max_hold_limit_s)
            log.info("the foot sends %.2f s batches: the shin waits up to %.2f s", batch, self.aligner.max_hold_s)
        self._emit(self.aligner.foot(ImuChunk(chunk.t + shift, chunk.acc, chunk.gyr)))

    def _emit(self, chunk: ImuChunk) -> None:
        if len(chunk) == 0:
            return
        try:
            self.on_chunk(chunk)
        except Exception:
            log.exception("chunk consumer failed")
