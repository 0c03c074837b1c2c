"""Seated: a slow rep's whole-window pivot verdict is set aside (sensor.core.slow_turn).

The rule's logic on fits with real numbers (a slow rep of the variants corpus: the whole window
turned at 0.27 1/s^2 and read a pivot 1.15 m below the sensor; its extension 0.37 m above with
the lever hanging), then the pipeline on variants 225 (slow: 4-6 s a phase), which counts one
rep more with the rule than without it, and none that is not a true rep.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sensor.core.knee_range import KneeRangeConfig
from sensor.core.pipeline import Pipeline
from sensor.core.pivot import PivotConfig, PivotFit
from sensor.core.slow_turn import SlowTurnConfig, whole_verdict_weak
from sensor.sim.corpus import make_session

PIVOT, KNEE, RULE = PivotConfig(), KneeRangeConfig(), SlowTurnConfig()
WHOLE = PivotFit(np.array([0.0, 0.0, 1.15]), 1.149, 0.097, 0.55, 0.427, 90.0, 128.0, turn_signal=0.27)
EXT = PivotFit(np.array([0.0, 0.0, -0.37]), -0.367, 0.023, 0.07, 0.176, 85.0, 0.2, turn_signal=0.39)


def test_a_weak_whole_turn_with_a_confirmed_extension_is_set_aside() -> None:
    assert whole_verdict_weak(WHOLE, EXT, PIVOT, KNEE, RULE)
    assert not whole_verdict_weak(WHOLE, EXT, PIVOT, KNEE, dataclasses.replace(RULE, enabled=False))


def test_a_strong_whole_turn_or_an_unconfirmed_extension_keeps_the_verdict() -> None:
    assert not whole_verdict_weak(dataclasses.replace(WHOLE, turn_signal=2.5), EXT, PIVOT, KNEE, RULE)  # a kick
    assert not whole_verdict_weak(WHOLE, dataclasses.replace(EXT, rot_rms_mps2=0.1), PIVOT, KNEE, RULE)  # floor
    below = dataclasses.replace(EXT, height_m=0.2, r=np.array([0.0, 0.0, 0.2]), hang_deg=150.0)  # a planted foot
    assert not whole_verdict_weak(WHOLE, below, PIVOT, KNEE, RULE)
    assert not whole_verdict_weak(WHOLE, None, PIVOT, KNEE, RULE)


def _reps(on: bool) -> tuple[list, list]:
    cs = make_session("variants", 225)
    assert cs.posture == "seated" and cs.labels["variant"] == "slow"
    p = Pipeline(cs.posture, cs.rate_hz)
    p.detector.check.slow.enabled = on
    p.detector.check.slow_set.enabled = False  # rule 16 alone: the set would vouch for it too (slow_seated)
    p.feed(cs.chunk)
    p.finish()
    return p.reps, cs.labels["reps"]


def test_a_slow_rep_refused_by_its_whole_window_counts() -> None:
    on, truth = _reps(True)
    off, _ = _reps(False)
    assert len(truth) == 12 and len(on) == len(off) + 1 and len(on) <= 12
    for r in on:  # every counted rep is a true one: its top within a fifth of a slow (4-6 s) phase
        assert min(abs(r.top_s - x["top_s"]) for x in truth) < 1.0
