"""A rep candidate read across a refinement of the mounting is judged in every frame it was read in.

After the mounting settles, each of the next movements refines it (``PipelineConfig.refine_movements``);
when only the shin direction moves, the detector's stored angles are moved by the same offset
(:meth:`sensor.core.phases.RepDetector.shift`), so a candidate's angles all read in the newest
frame. That keeps a rep whose start was read before the refinement comparable with its end, but
it lets the refinement decide the verdict: the movement that taught the new frame can be the
candidate's own extension, so the candidate is judged in the frame it taught. When the two frames
are far apart, nothing says which one is right, and the pose bounds (where a rep may start, turn
and end) were set on reps read in one frame throughout.

Negative 16471 analysed seated (lying down, 25 Hz): the set break's last lift (truth -51.4 ->
-1.6 deg in the seated convention, 31.6-34.6 s) was read in the first mounting to within 1-2 deg
of the truth; the lift itself refined the shin direction by 40.6 deg (at 34.36 s, before the
detector's top), and the lowering that ends the set (37.0-40.1 s, truth -1.6 -> -54.5) was read in
the new frame. Moved into it, the candidate started at -92.7, turned at -43.7 and ended at -95.0:
a seated glide from hanging, counted. In the frame it started in it rests at -52, turns at -3 and
ends at -54: far from hanging, refused by the start and end bounds (``seated_rest_max_deg``).

So a candidate is judged on its pose (:func:`pose_refused`, the absolute bounds of
:meth:`~sensor.core.phases.RepDetector._make_rep`) in its newest frame and again in the frame
before each refinement made while it was read (from its start to its end): a rep must be a rep
whichever of them is right. Measured (every counted rep read in more than one frame, the rule
on; it refused none): variants 0-299, 263 of 5,644 true reps, frames up to 35.5 deg apart (median
0.24); mixed 0-399, 180 of 4,283, up to 64.2; short 0-299, 93 of 619, up to 28.2. In the older
frames the closest any came to a bound was 7.3 deg (a supine top, variants 12) and 7.9 (a seated
top, variants 247); seated ends kept 11.1 deg, starts 18.4. A glide's pose lies far enough inside
the bounds that the frame a refinement leaves behind still reads it as one; a candidate that is a
glide only in the frame its own movement taught is not one.
"""

from __future__ import annotations

import math

from sensor.core.rep_config import RepConfig
from sensor.core.types import Posture

__all__ = ["FrameShifts", "pose_refused"]


class FrameShifts:
    """The refinements of the elevation offset since the motion state was last forgotten: (time of
    the last sample read before it, change in elevation) pairs, in time order. At most
    ``refine_movements`` a mounting, so the list stays short; a forgotten motion state (a re-strap,
    a re-settle) re-reads every later sample in one frame, and clears it."""

    def __init__(self) -> None:
        self._moves: list[tuple[float, float]] = []

    def clear(self) -> None:
        self._moves.clear()

    def moved(self, t: float, delta_e: float) -> None:
        """The offset moved by ``delta_e`` after the sample at ``t`` was read."""
        if delta_e != 0.0 and math.isfinite(t):
            self._moves.append((t, delta_e))

    def offsets(self, t0: float, t1: float) -> list[float]:
        """What to add to an angle in the newest frame to read it in each frame used between
        ``t0`` and ``t1``: 0.0 (the newest), then one per refinement in that span, oldest last."""
        out, total = [0.0], 0.0
        for t, d in reversed(self._moves):
            if t < t0:
                break
            if t < t1:
                total -= d
                out.append(total)
        return out


def pose_refused(cfg: RepConfig, posture: str, start_e: float, far_e: float, end_e: float) -> bool:
    """The candidate's absolute pose bounds (``RepConfig``): supine, its top (``end_e``) and bottom
    (``far_e``); seated, its top (``far_e``) between the bounds, its end near hanging (the sine of
    the elevation is the same for a shin tilted forward or back by the same angle) and within the
    knee's range, and its start (``start_e``) from hanging or further back, never forward."""
    if posture == Posture.SUPINE:
        return end_e < cfg.supine_top_min_deg or far_e < cfg.supine_bottom_min_deg
    if not cfg.seated_top_min_deg <= far_e <= cfg.seated_top_max_deg:
        return True
    if end_e < cfg.seated_bottom_min_deg or math.sin(math.radians(end_e)) > math.sin(
        math.radians(cfg.seated_rest_max_deg)
    ):
        return True
    return not cfg.seated_start_min_deg <= start_e <= cfg.seated_rest_max_deg
