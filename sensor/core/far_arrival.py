"""Seated: a rep's extension is timed to the shin's first arrival at its top, not to the last wobble there.

The rep detector times a rep's first phase from its start to the far turn's *newest* extreme
(:class:`sensor.core.phases.RepDetector`), and refuses a rep whose longer phase lasts more than
``RepConfig.max_phase_ratio`` (5) times the shorter: a step-up's trailing leg kicks up in 0.7-0.9 s
and creeps back over 4-10 s. Handouts also teach slow ankle pumps with the leg held out at the
top (Peak Physio's variation 2: "keep your leg in this extended position, point your foot ...
then pull your foot back"; ``ankle_pumps`` in :mod:`sensor.sim.variants`): the foot moves, and
the shin yields 1-4 deg toward flexion with each dorsiflexion as the nerve bed tightens and comes
back as the foot points (Bragard's sign; Pesonen et al. 2021). Each return to the held angle can
read a hair past the old extreme, which moves the turn on, so the extension "lasted" through
every pump: 7.7-13 s against a 1-2 s flexion (variants 125 and 269), and 21 of 306 such seated
reps were refused (variants 0-299 on r12base).

A pause at the top with small shin motion is a hold, whatever the foot does: it is the far-end
rest that :mod:`sensor.core.rep_far_rest` already times for the supine bottom from the first
stop within ``turn_deg`` (the detector's own size of a movement that is not a turn) of the pose.
So, seated, the first phase that the ratio and ``min_phase_s`` judge ends at the first stop
within ``turn_deg`` of the newest extreme (``arrive_t``): a movement that moves the turn on by
``turn_deg`` or more from that stop arrives afresh. Supine is unchanged (its far turn is the
bottom, where a rep never holds pumps). The reported extension and hold times are unchanged.
"""

from __future__ import annotations

from typing import Any

__all__ = ["moved_on", "ratio_first_s"]


def moved_on(far: dict[str, Any], y1: float, t1: float, tm: float, peak: float, turn_deg: float) -> None:
    """The far turn moved on to ``y1`` (stopped at ``t1``; the movement started moving at ``tm``,
    peak rate ``peak``): the newest extreme, the landing window (kept for a move under
    ``turn_deg`` past the old extreme) and the first arrival (kept while within ``turn_deg`` of
    the angle it arrived at)."""
    small = y1 - far["y"] < turn_deg
    near_arrival = y1 - far.get("arrive_y", far["y"]) < turn_deg
    arrive_t, arrive_y = (far.get("arrive_t", far["t"]), far.get("arrive_y", far["y"])) if near_arrival else (t1, y1)
    far.update(y=y1, t=t1, stop_t=t1, peak=max(far["peak"], peak), move_t=tm, land_t=far["land_t"] if small else tm)
    far.update(arrive_t=arrive_t, arrive_y=arrive_y)


def ratio_first_s(far: dict[str, Any], first_s: float, seated: bool) -> float:
    """The first phase as the phase checks judge it: seated, to the first arrival at the top."""
    if not seated:
        return first_s
    return float(far.get("arrive_t", far["t"])) - float(far["start_t"])
