"""The foot sensor during a live session: its link state and each counted rep's ankle figures.

Why a module of its own: the shin pipeline must not depend on the foot (the count is the shin's),
and the dashboard must not decide anything. So the session hands every chunk here as well and
asks two things back, both as typed events in sensor time:

- :class:`FootLinkChanged`: the foot's data went missing (NaN foot columns, or chunks without
  them, from a source that had a foot) for more than ``lost_after_s`` (2 s: a BLE link that
  misses a couple of connection intervals is not "lost"), or came back. Losing the foot never
  stops anything: the shin keeps counting and the reps of that stretch get no ankle figures.
- :class:`AnkleFigures`: a counted rep's ``ankle_swing_deg``/``ankle_ok`` (see
  :mod:`sensor.core.ankle_reps`), once the ankle angle covers the rep. The streaming
  :class:`~sensor.core.ankle.AnkleTracker` first learns the ankle axis from ``learn_s`` seconds
  of movement, so the first reps are resolved together when that is done; reps that can never
  be resolved (the session ended first, the foot was away) get figures of ``None``.

The plantarflexion sign is fixed as offline (the knee's extensions), from every rep resolved so
far, so one early rep cannot flip it for good. Only the last ``keep_s`` seconds of ankle angle
(and anything still needed by a pending rep) are kept: memory is flat in session length.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from sensor.core.ankle import AnkleTracker
from sensor.core.ankle_reps import AnkleConfig, AnkleRep, ankle_metrics, extension_turn
from sensor.core.samples import ImuChunk

__all__ = ["FOOT_BACK", "FOOT_LOST", "AnkleFigures", "AnkleLive", "FootLink", "FootLinkChanged"]

FOOT_LOST = "Foot sensor lost: counting with the shin only."
FOOT_BACK = "Foot sensor back: ankle figures resume."


class FootLink(StrEnum):
    """The foot sensor as the session knows it."""

    NONE = "none"  # this stream has no foot sensor (no foot columns seen yet)
    STREAMING = "streaming"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class FootLinkChanged:
    t_s: float
    state: FootLink
    text: str


@dataclass(frozen=True, slots=True)
class AnkleFigures:
    """The ankle figures of counted rep ``rep_index`` (all ``None`` when they cannot be had)."""

    t_s: float
    rep_index: int
    ankle: AnkleRep


class AnkleLive:
    """Feed every chunk (:meth:`feed`) and every counted rep (:meth:`add_rep`); both return the
    events they cause. :meth:`finish` resolves what is left at the end of the stream."""

    def __init__(
        self,
        rate_hz: float | None = None,
        config: AnkleConfig | None = None,
        *,
        lost_after_s: float = 2.0,
        learn_s: float = 60.0,
        keep_s: float = 60.0,
        expect_foot: bool = False,
    ) -> None:
        self.rate_hz = rate_hz
        self.cfg = config or AnkleConfig()
        self.lost_after_s = lost_after_s
        self.learn_s = learn_s
        self.keep_s = keep_s
        self.link = FootLink.NONE
        self.expect_foot = expect_foot  # the source named a foot sensor: chunks without it mean it is missing
        self.t_now = -np.inf
        self._last_foot_t: float | None = None  # the latest sample with finite foot data
        self._tracker: AnkleTracker | None = None
        self._series: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (t, angle, shin) pieces
        self._pending: list[Any] = []  # counted reps waiting for the angle to cover them
        self._turn = 0.0  # summed shin turn over resolved reps' extensions

    @property
    def learned(self) -> bool:
        return self._tracker is not None and self._tracker.axes is not None

    # ------------------------------------------------------------------ input
    def feed(self, chunk: ImuChunk) -> list[FootLinkChanged | AnkleFigures]:
        if not len(chunk):
            return []
        out: list[FootLinkChanged | AnkleFigures] = []
        t = chunk.t
        self.t_now = float(t[-1])
        if chunk.foot_acc is None or chunk.foot_gyr is None:
            good = np.zeros(len(t), bool)
            if self.link == FootLink.NONE and self.expect_foot:
                self.link, self._last_foot_t = FootLink.STREAMING, float(t[0])  # so that it can be "lost"
        else:
            good = np.isfinite(chunk.foot_acc).all(axis=1) & np.isfinite(chunk.foot_gyr).all(axis=1)
            good &= np.isfinite(chunk.acc).all(axis=1) & np.isfinite(chunk.gyr).all(axis=1)
            if self.link == FootLink.NONE:
                self._last_foot_t = float(t[0])  # a foot is expected from now on
                if not good.any():
                    self.link = FootLink.STREAMING  # so that a foot absent from the start is "lost"
        if good.any():
            self._last_foot_t = float(t[np.flatnonzero(good)[-1]])
            if self.link != FootLink.STREAMING:
                text = FOOT_BACK if self.link == FootLink.LOST else "Foot sensor streaming."
                self.link = FootLink.STREAMING
                out.append(FootLinkChanged(float(t[good][0]), self.link, text))
            assert chunk.foot_acc is not None and chunk.foot_gyr is not None
            self._track(chunk.t[good], chunk.acc[good], chunk.gyr[good], chunk.foot_acc[good], chunk.foot_gyr[good])
        if (
            self.link == FootLink.STREAMING
            and self._last_foot_t is not None
            and self.t_now - self._last_foot_t > self.lost_after_s
        ):
            self.link = FootLink.LOST
            out.append(FootLinkChanged(self.t_now, self.link, FOOT_LOST))
        out.extend(self._resolve(final=False))
        return out

    def add_rep(self, rep: Any) -> list[AnkleFigures]:
        """A rep the workout counted (its ``index`` is the session's numbering)."""
        if self.link == FootLink.NONE and self._tracker is None:
            return []  # no foot sensor: nothing to attach (the rep log says null)
        self._pending.append(rep)
        return self._resolve(final=False)

    def finish(self) -> list[AnkleFigures]:
        """The stream is over: resolve what can be, ``None`` figures for the rest."""
        if self._tracker is not None and not self.learned:
            self._keep(self._tracker.finish())
        return self._resolve(final=True)

    def relearn(self) -> list[AnkleFigures]:
        """The shin sensor moved (re-strapped, or recalibration asked): the ankle axis in its frame
        is no longer known, so it is learned afresh; reps still waiting get no figures."""
        out = [AnkleFigures(self.t_now, r.index, AnkleRep(None, None)) for r in self._pending]
        self._pending, self._series, self._tracker, self._turn = [], [], None, 0.0
        return out

    # ------------------------------------------------------------------ internals
    def _track(self, t: np.ndarray, a1: np.ndarray, g1: np.ndarray, a2: np.ndarray, g2: np.ndarray) -> None:
        if self._tracker is None:
            if self.rate_hz:
                dt = 1.0 / self.rate_hz
            elif len(t) > 1:
                dt = max(float(np.median(np.diff(t))), 1e-3)
            else:
                return  # one lone sample: wait for a chunk that tells the rate
            self._tracker = AnkleTracker(dt, learn_s=self.learn_s)
        self._keep(self._tracker.feed(t, a1, g1, a2, g2))

    def _keep(self, piece: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        if len(piece[0]):
            self._series.append(piece)
        oldest = min((r.start_s for r in self._pending), default=self.t_now) - 1.0
        cut = min(oldest, self.t_now - self.keep_s)
        while len(self._series) > 1 and self._series[0][0][-1] < cut:
            self._series.pop(0)

    def _resolve(self, final: bool) -> list[AnkleFigures]:
        if not self._pending:
            return []
        t_end = self._series[-1][0][-1] if self._series else -np.inf
        # a rep is ready once the angle covers it, or when it never will (the foot is away)
        gone = self.learned and self.link == FootLink.LOST
        ready = [r for r in self._pending if final or gone or max(r.top_s, r.bottom_s, r.end_s) <= t_end]
        if not ready:
            return []
        self._pending = [r for r in self._pending if all(r is not q for q in ready)]
        if self._series:
            t, ang, shin = (np.concatenate(x) for x in zip(*self._series))
            self._turn += extension_turn(ready, t, shin)
            sign = -1.0 if self._turn > 0 else 1.0
            figures = ankle_metrics(ready, t, ang, shin, self.cfg, sign=sign).reps
        else:
            figures = [AnkleRep(None, None) for _ in ready]
        return [AnkleFigures(self.t_now, r.index, a) for r, a in zip(ready, figures)]
