"""The shin line a box flat on the shin teaches must also keep the ankle below the knee at rest.

When the box lies on the front of the shin, its board normal gives the shin line and the lever
only its sign (:func:`sensor.core.shin_prior.board_normal_beta`); the lever itself is tilted by
the sensor's offset off the bone. The ankle-below-the-knee checks of
:mod:`sensor.core.upright` (foot contacts, the still time before the first knee movement) were
asked of the raw lever alone. Mixed seed 811 (supine, 25 Hz, no glides: stand, lie down, set
breaks, get up) learnt its mounting from the lie-down, whose shank turns over the planted
forefoot: its lever read the standing start only 25 deg above horizontal (sin 0.43 < 0.5), but
the board line on that lever's side reads it as the ankle straight above the knee (standing as
a foot held to the ceiling), 180 deg off. Asked of the board line too, that movement never
teaches, and the session's later glide-like setups learn the right way up: 1 false rep -> 0.
"""

from __future__ import annotations

import numpy as np

from sensor.core.pipeline import analyze
from sensor.sim.corpus import make_session


def test_a_lie_down_over_the_planted_foot_does_not_teach_an_upside_down_shin() -> None:
    cs = make_session("mixed", 811)
    assert cs.posture == "supine" and cs.labels["rep_count"] == 0
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert p.reps == []
    # the mounting it learns reads the standing start (0-2 s) the right way up: the ankle under
    # the knee (sin(elevation) ~ -1; the upside-down mounting read it ~ +1)
    assert p.mounting is not None
    still = cs.chunk.t < 1.5
    f = cs.chunk.acc[still]
    sin_e = (f @ p.mounting.shin()) / np.linalg.norm(f, axis=1)
    assert float(np.median(sin_e)) < -0.8
    p2, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=11)
    assert p2.reps == p.reps
