"""Per-rep ankle figures: did the foot flex on the way down and point on the way up?

Why per rep and after the fact: the shin pipeline decides what a rep is (its ``bottom_s`` and
``top_s``); the ankle only adds how far the foot turned between those instants. So this module
needs nothing from the pipeline but the reps, and the pipeline needs nothing from the foot: the
shin count cannot change because a foot sensor is present.

- ``ankle_swing_deg``: plantarflexion gained from the bottom to the top (positive when the foot
  goes from flexed to pointed), i.e. the angle at ``top_s`` minus the angle at ``bottom_s``.
- ``ankle_flex_deg``: dorsiflexion gained while lowering (the other half of the pattern), used
  only to choose the cue.
- ``ankle_ok``: ``ankle_swing_deg >= min_swing_deg`` (20 deg by default: well under the 50-70 deg
  a full flex-to-point covers, well over what a still foot shows).

Everything is ``None`` when there is no foot data or it does not cover the rep's turning points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np

from sensor.core.ankle import ankle_angle, plantarflexion_sign

__all__ = [
    "CUE_FLEX",
    "CUE_POINT",
    "AnkleConfig",
    "AnkleRep",
    "AnkleSet",
    "ankle_cues",
    "ankle_metrics",
    "ankle_set_from_imu",
    "extension_turn",
    "no_foot",
    "ok_count",
]

CUE_FLEX = "flex your foot as you lower"
CUE_POINT = "point your toes as you straighten"


class RepLike(Protocol):
    @property
    def start_s(self) -> float: ...
    @property
    def bottom_s(self) -> float: ...
    @property
    def top_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...


@dataclass(frozen=True)
class AnkleConfig:
    min_swing_deg: float = 20.0
    max_gap_s: float = 0.3  # a turning point further than this from any foot sample: no figure


@dataclass(frozen=True)
class AnkleRep:
    ankle_swing_deg: float | None
    ankle_ok: bool | None
    ankle_flex_deg: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("ankle_swing_deg", "ankle_flex_deg"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 1)
        return d


@dataclass(frozen=True)
class AnkleSet:
    reps: list[AnkleRep]
    ankle_ok_count: int | None  # None when no rep had foot data
    sign: float  # the factor that made plantarflexion positive (see ankle.plantarflexion_sign)


def _lowering(r: RepLike) -> tuple[float, float]:
    # supine: start (top) -> bottom; seated: top -> end (bottom)
    return (r.start_s, r.bottom_s) if r.bottom_s <= r.top_s else (r.top_s, r.end_s)


def _raising(r: RepLike) -> tuple[float, float]:
    return (r.bottom_s, r.top_s) if r.bottom_s <= r.top_s else (r.start_s, r.top_s)


def no_foot(reps: list[Any]) -> AnkleSet:
    return AnkleSet([AnkleRep(None, None) for _ in reps], None, 1.0)


def ankle_metrics(
    reps: list[Any],
    t: np.ndarray,
    angle_deg: np.ndarray,
    shin_deg: np.ndarray,
    config: AnkleConfig | None = None,
    sign: float | None = None,
) -> AnkleSet:
    """Per-rep ankle figures from the ankle angle series (``sensor.core.ankle``).

    ``angle_deg``/``shin_deg`` may carry either sign convention; the knee's extensions in these
    very reps fix it (straightening the knee and pointing the toes turn in opposite senses),
    unless ``sign`` is given (a live session fixes it from all the reps so far).
    """
    cfg = config or AnkleConfig()
    t = np.asarray(t, float)
    if len(t) < 2 or not reps:
        return no_foot(reps)
    if sign is None:
        sign = plantarflexion_sign(np.asarray(shin_deg, float), t, [_raising(r) for r in reps])
    ang = sign * np.asarray(angle_deg, float)

    # swing: the rep's own bottom_s -> top_s, as defined (seated, bottom_s is the rep's end)
    times = np.array([[*_lowering(r), r.bottom_s, r.top_s] for r in reps], float)  # (n, 4)
    vals = np.interp(times, t, ang)
    pos = np.clip(np.searchsorted(t, times), 1, len(t) - 1)
    near = np.minimum(np.abs(t[pos] - times), np.abs(t[pos - 1] - times))
    covered = (near <= cfg.max_gap_s) & (times >= t[0]) & (times <= t[-1])
    out = []
    for k in range(len(reps)):
        if not covered[k, 2:].all():
            out.append(AnkleRep(None, None))
            continue
        swing = float(vals[k, 3] - vals[k, 2])
        flex = float(vals[k, 0] - vals[k, 1]) if covered[k, :2].all() else None
        out.append(AnkleRep(swing, swing >= cfg.min_swing_deg, flex))
    return AnkleSet(out, ok_count(out), sign)


def ok_count(ankles: Iterable[AnkleRep | None]) -> int | None:
    """How many reps had ``ankle_ok``; None when none had foot data (so "0" always means 0 of some)."""
    with_data = [a for a in ankles if a is not None and a.ankle_ok is not None]
    return sum(1 for a in with_data if a.ankle_ok) if with_data else None


def extension_turn(reps: list[Any], t: np.ndarray, shin_deg: np.ndarray) -> float:
    """The shin's summed rotation over the reps' knee extensions (what fixes the sign, see
    :func:`sensor.core.ankle.plantarflexion_sign`); 0 for reps outside ``t``."""
    if not reps or len(t) < 2:
        return 0.0
    iv = np.array([_raising(r) for r in reps], float)
    inside = (iv[:, 0] >= t[0]) & (iv[:, 1] <= t[-1])
    turn = np.interp(iv[:, 1], t, shin_deg) - np.interp(iv[:, 0], t, shin_deg)
    return float(np.sum(turn[inside]))


def ankle_cues(rep: AnkleRep, config: AnkleConfig | None = None) -> list[str]:
    """The cue texts for one rep: none when the pattern was there (or there is no foot data).

    Flexing is judged on the lowering, pointing on the straightening, each against half and all
    of the swing threshold respectively (a full flex is 10-20 deg, a full point 40-50 deg).
    A reversed or missing pattern gets both cues.
    """
    cfg = config or AnkleConfig()
    if rep.ankle_ok is None or rep.ankle_swing_deg is None:
        return []
    cues = []
    if rep.ankle_flex_deg is not None and rep.ankle_flex_deg < cfg.min_swing_deg / 2:
        cues.append(CUE_FLEX)
    if not rep.ankle_ok:
        cues.append(CUE_POINT)
    return cues


def ankle_set_from_imu(
    reps: list[Any],
    t: np.ndarray,
    shin_acc: np.ndarray,
    shin_gyr: np.ndarray,
    foot_acc: np.ndarray | None,
    foot_gyr: np.ndarray | None,
    config: AnkleConfig | None = None,
) -> AnkleSet:
    """One call for offline use (``glide analyze``): the ankle figures of ``reps`` from a whole
    recording's shin and foot samples on the same rows. No foot data (``None``) or too little
    movement to learn the ankle axis: every figure is ``None``."""
    if foot_acc is None or foot_gyr is None or not reps:
        return no_foot(reps)
    try:
        ang = ankle_angle(t, shin_acc, shin_gyr, foot_acc, foot_gyr)
    except ValueError:
        return no_foot(reps)
    return ankle_metrics(reps, ang.t, ang.angle_deg, ang.shin_deg, config)
