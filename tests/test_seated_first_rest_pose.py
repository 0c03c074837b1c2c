"""The seated first rest teaches the shin line only when it is one hanging pose.

When a seated session's levers disagree, the pipeline's second try takes the shin line from
gravity over the still time before the first movement (the seated glide starts hanging). Negative
seed 773 (a supine session analysed as seated) stood for 2 s, then lay down with the feet flat
before its first movement: two poses ~45 deg apart, whose mean (43 deg off the hanging shin)
was taken for hanging, and two supine set breaks (foot down, rest, back to tabletop) read as
seated reps. The rest must spread by at most ``max_first_rest_spread_deg`` (15; every true seated
session that settled from its first rest spread <= 7 deg): 2 false reps -> 0.
"""

from __future__ import annotations

import numpy as np

from sensor.core.pipeline import analyze
from sensor.core.shin_prior import PriorConfig, first_rest_beta
from sensor.sim.corpus import make_session


def _rest(deg: np.ndarray) -> np.ndarray:
    return 9.81 * np.stack([np.cos(np.radians(deg)), np.sin(np.radians(deg))], axis=1)


def test_one_pose_gives_the_shin_line_two_poses_do_not() -> None:
    cfg = PriorConfig()
    rng = np.random.default_rng(3)
    hanging = _rest(-80.0 + rng.normal(0.0, 4.0, 300))  # one hanging pose, sway of a few degrees
    b = first_rest_beta(hanging, cfg)
    assert b is not None and abs((b - (-80.0 + 180.0) + 180.0) % 360.0 - 180.0) < 1.0
    # standing then sitting: both near vertical, ~15 deg apart: still one shin line
    assert first_rest_beta(_rest(np.r_[np.full(100, -88.0), np.full(200, -73.0)]), cfg) is not None
    # standing, then lying with the feet flat (45 deg apart, half and half): no shin line
    assert first_rest_beta(_rest(np.r_[np.full(150, -90.0), np.full(150, -45.0)]), cfg) is None


def test_standing_then_lying_is_not_a_hanging_first_rest() -> None:
    cs = make_session("negative", 773)
    assert cs.posture == "seated" and cs.labels["rep_count"] == 0
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert p.reps == []
    p2, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, chunk_size=13)
    assert p2.reps == p.reps
