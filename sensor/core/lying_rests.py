"""A rest with held poses well to both sides of it is not a hanging shin (issue 11, round 8).

Seated, the shin direction comes from the rest read as hanging (:func:`sensor.core.shin_prior.
hanging_beta`: the densest band of rests near where the fitted lever puts hanging) when neither
the board normal nor quiet standing pins it. A recording whose content is supine (stand, lie
down, foot to tabletop and back to the mat between sets, get up), analysed seated, holds three
still poses: standing (the shank vertical), the feet flat on the mat (the shank 35-50 deg off
vertical, ankle ahead of the knee: the simulator's -40..-55 deg elevation, set breaks of 3-20 s)
and tabletop (the shank horizontal, 80-100 deg off vertical). In gravity's in-plane angle they lie
in that order, and the feet-flat rest, the longest, wins the band. Read as hanging, it makes
tabletop -30..-45 deg and every set-up a seated extension. :mod:`sensor.core.beside_pivot`
refuses that reading from where the fitted pivot was (the hip beside the sensor), but at 25 Hz a
slow set-up's centripetal signal stays under the fit's floor and nothing qualifies (5091, and
3816 analysed seated).

Gravity alone separates them. A hanging shank is the end of the seated shin's range: from it the
glide extends the knee toward horizontal (top holds 75-105 deg to one side), and on the other side
the knee can only flex further, feet drawn under the seat, which a person doing the exercise does
not hold (the seated rests of the corpus lie -85..-100 deg, within 15 deg of one another). The
feet-flat rest is a middle pose: standing is held 35-50 deg to one side of it, tabletop 30-65 deg
to the other. So a band with held rests at least ``side_deg`` beyond it on BOTH sides is not
hanging, and the seated reading is refused. The pipeline's second try (the still time before the
first movement read as hanging) is refused too: a recording that lies down stood before it, a
vertical shank that is not a seated one, and the movements that would teach from it are the
lie-down and set-ups, not glides (5091 then read its 25-Hz walking strides as extensions).

The same test refuses standing read as hanging once the lie-down has held a kneel (the shank
horizontal with the ankle behind the knee, 90-110 deg to the flexed side) and the feet-flat rest
(35-50 deg to the other): no seated shin holds either side of that pair (5091 is refused so at
18 s, on the standing band; 3816 at 17 s on the feet-flat band). It is asked only of the first
estimate, whether to learn a seated mounting at all: a seated session that lunged before sitting
(mixed 948) holds lunge poses on the flexed side too, and from its first top hold on, the glide's
extension on the other; its first estimate came before any top hold. A session that lunged and
then held a top hold before its mounting was learned would be refused until the lunges leave the
buffer: none of the 950 seated corpus sessions did.

Bound, measured on r8base's rests around the chosen hanging band (the time held beyond ``side_deg``
on the thinner side, over every mounting estimate of a session): true seated sessions never hold
one past 25 deg (classic 500's 132 and short 300's 52 seated sessions that reach the band: at most
0.35 s past 25 deg, none past 30; the six UCI seated recordings that reach it, real people: none
past 15). ``side_deg`` 30 keeps 5 deg above that and 5 below standing (35 deg off the feet-flat
rest at the least); tabletop low (80) with feet flat high (50) leaves 30 and may escape.
``min_side_s`` 0.4 asks a held pose (the glide's shortest top hold is 0.5 s), not a sample passing
through.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np


class MountRefusal(StrEnum):
    """Why the mounting refused the seated reading (``MountEvidence.refusal``), for the dashboard
    (both: :data:`REFUSAL_DETAIL`). The rests look like lying on the back, not a shin hanging from
    a seat, by the pivot (:mod:`sensor.core.beside_pivot`: the hip beside the sensor) or by gravity
    alone (:func:`middle_rest`, which also refuses the first rest as hanging: it was standing)."""

    LYING_BESIDE_PIVOT = "lying_beside_pivot"
    LYING_MIDDLE_REST = "lying_middle_rest"


_LYING = "the rests look like lying on the back, not a shin hanging from a seat"
REFUSAL_DETAIL = {MountRefusal.LYING_BESIDE_PIVOT: _LYING, MountRefusal.LYING_MIDDLE_REST: _LYING}


@dataclass(frozen=True)
class LyingConfig:
    """Seated: a band read as hanging with held rests this far beyond it on both sides is a middle pose."""

    enabled: bool = True
    side_deg: float = 30.0
    min_side_s: float = 0.4


def middle_rest(theta: np.ndarray, b_hang: float, t: np.ndarray, cfg: LyingConfig) -> bool:
    """Whether the rests ``theta`` (in-plane angles of the still specific force, deg) hold at least
    ``cfg.min_side_s`` on each side of the hanging rest that ``b_hang`` (the shin direction, deg)
    implies, ``cfg.side_deg`` or more away. ``t``: the buffer's times, for the sample interval."""
    if not cfg.enabled or len(theta) == 0 or len(t) < 2:
        return False
    d = (np.asarray(theta, float) - b_hang) % 360.0 - 180.0  # offset from hanging (theta = b_hang + 180)
    dt = float(t[-1] - t[0]) / (len(t) - 1)
    thinner = min(int(np.count_nonzero(d >= cfg.side_deg)), int(np.count_nonzero(d <= -cfg.side_deg)))
    return thinner * dt >= cfg.min_side_s


class Refusals(Protocol):
    """What records a refusal (``sensor.core.mount_evidence.MountEvidence``)."""

    refusal: MountRefusal | None


def refused(evidence: Refusals | None, why: MountRefusal) -> None:
    """Record ``why`` on the buffer's evidence (the dashboard shows it while the mounting is unknown)."""
    if evidence is not None:
        evidence.refusal = why


def refused_middle(evidence: Refusals | None) -> bool:
    """Whether the buffer's seated reading was refused by :func:`middle_rest`: then the first rest
    is not hanging either (a recording that lies down stood still before it: a vertical shank that
    is not a seated one), and the pipeline's second try must not take it as the shin direction."""
    return evidence is not None and evidence.refusal is MountRefusal.LYING_MIDDLE_REST


class _HasEvidence(Protocol):
    """A pipeline (``sensor.core.pipeline.Pipeline``: its calibration buffer's evidence)."""

    @property
    def _evidence(self) -> Refusals: ...


def pipeline_refusal(pipe: _HasEvidence) -> MountRefusal | None:
    """Why the pipeline's mounting is still unknown, when an estimate refused the seated reading
    (None otherwise, and once the mounting is learned: the buffer's evidence is reset then). The
    dashboard shows :data:`REFUSAL_DETAIL` for it ("this looks like the lying-down version")."""
    return pipe._evidence.refusal
