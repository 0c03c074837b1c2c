"""A seated shin direction taken from the first rest stays through the refinement.

Seated, when the fitted levers cannot fix the shin direction (they disagree), the pipeline's
second try takes gravity in the still time before the first movement as the hanging shin
(:mod:`sensor.core.mounting`, reference ``"first rest"``): a person sits, or stands, before the
first glide, and a standing shank is as vertical as a hanging one. That is a gravity reading: more
data does not make it better. The refinement that follows (the next movements, the axis kept) may
not take that route (it is asked only when no axis is known), so it falls back to the levers and
the densest band of rests near where they put hanging (``reference == "hanging"``), the very
evidence that could not fix the direction the first time, and without the lying-pose refusals
that only the first estimate asks (:func:`sensor.core.lying_rests.middle_rest`).

Supine content analysed seated (lie down, pull the thigh to tabletop, foot back to the mat
between sets: negative 12407, 25 Hz) shows it: the first estimate took standing as hanging
(shin direction 120 deg; tabletop then reads +7 deg, the feet-flat rest -50: no seated rep can
form), the refinement at the next movement end read the long feet-flat rests as the hanging band
(161 deg, 41 deg away) and shifted the open candidate with it: tabletop -34, feet flat -84, one
seated "rep" of 49 deg. Its set-up and set-break fits stay under the pivot checks' signal floor
at 25 Hz (rotational term 0.05 m/s^2, floor 0.15), so no pivot check could speak.

So a refinement keeps the first rest's shin direction when its own comes from the levers or the
rest band (``"hanging"``, ``"lever"``); a stronger reference (quiet standing next to walking,
the board normal, a carried one) still replaces it. The axis and side are the refinement's.
"""

from __future__ import annotations

from dataclasses import replace

from sensor.core.mounting import Mounting

__all__ = ["FIRST_REST", "keep_first_rest"]

FIRST_REST = "first rest"
_WEAKER = ("hanging", "lever")  # references no better than the first rest's gravity reading


def keep_first_rest(learned: Mounting | None, refined: Mounting | None) -> Mounting | None:
    """``refined`` (the refinement's estimate), with ``learned``'s shin direction and reference
    when ``learned`` took it from the first rest and ``refined`` only from the levers or the rest
    band. None stays None; anything else is returned unchanged."""
    if learned is None or refined is None or learned.reference != FIRST_REST or refined.reference not in _WEAKER:
        return refined
    return replace(refined, beta_deg=learned.beta_deg, reference=FIRST_REST)
