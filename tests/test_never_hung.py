"""Seated extensions must swing a shin that hung from the knee (sensor.core.never_hung).

First principles (test_pivot's rigid-body generator: specific force and rate exact from the
kinematics, then noise and an offset): a supine set-up turns the whole leg about the hip on the
mat (the sensor 0.45-0.6 m from it, beside and above: the lever 65-155 deg off straight down) and
is refused when its fit clears the signal floor; a seated glide about a still knee 10-35 cm above
the sensor never is, at 25-200 Hz. A lever longer than a leg decides nothing. Then the pipeline:
negative 8100 analysed seated (25 Hz) counts its first set-up as a rep with the rule off, nothing
with it on, whole and in live pieces.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import run_in_pieces
from test_pivot import _movement

from sensor.core.never_hung import NeverHungConfig, never_hung
from sensor.core.pipeline import Pipeline
from sensor.core.pivot import PivotConfig, fit_pivot
from sensor.core.rep_pivot import PivotCheckedDetector
from sensor.sim.corpus import make_session

PIVOT = PivotConfig()
RULE = NeverHungConfig()


def _hip_body(rng: np.random.Generator) -> np.ndarray:
    """The sensor relative to the hip, feet flat on the mat (x toward the feet, z up): the thigh
    0.38-0.48 m at 35-50 deg elevation, the sensor 0.1-0.35 m down the shin (leaning 40-55 deg)."""
    th, sh = np.radians(rng.uniform(35, 50)), np.radians(rng.uniform(40, 55))
    knee = rng.uniform(0.38, 0.48) * np.array([np.cos(th), 0.0, np.sin(th)])
    return knee + rng.uniform(0.10, 0.35) * np.array([np.sin(sh), 0.0, -np.cos(sh)])


@pytest.mark.parametrize("rate", [25.0, 50.0, 100.0])
def test_whole_leg_set_ups_about_the_hip_are_refused(rate: float) -> None:
    rng = np.random.default_rng([int(rate), 8100])
    judged = 0
    for _ in range(12):
        t, acc, gyr, _ = _movement("hip", rng.uniform(40, 55), rng.uniform(1.2, 2.5), rate, rng, body=_hip_body(rng))
        fit = fit_pivot(t, acc, gyr, split=False)
        if fit is not None and fit.rot_rms_mps2 >= PIVOT.min_rot_mps2:
            judged += 1
            assert never_hung(fit, PIVOT, RULE), (fit.hang_deg, float(np.linalg.norm(fit.r)))
            assert not never_hung(fit, PIVOT, dataclasses.replace(RULE, enabled=False))
            assert not never_hung(fit, PIVOT, dataclasses.replace(RULE, max_lever_m=0.3))  # a leg-sized lever only
    assert judged >= 8  # most are above the floor: the rule is exercised


@pytest.mark.parametrize("rate", [25.0, 50.0, 100.0, 200.0])
def test_glides_about_a_still_knee_are_kept(rate: float) -> None:
    rng = np.random.default_rng([int(rate), 12407])
    for _ in range(12):
        t, acc, gyr, _ = _movement("knee", rng.uniform(50, 100), rng.uniform(0.9, 3.5), rate, rng)
        assert not never_hung(fit_pivot(t, acc, gyr, split=False), PIVOT, RULE)


def _reps(step: int | None, on: bool) -> list:
    cs = make_session("negative", 8100, posture="seated")
    assert cs.rate_hz == 25.0 and "setup" in {s["kind"] for s in cs.labels["segments"]}
    p = Pipeline(cs.posture, cs.rate_hz)
    assert isinstance(p.detector, PivotCheckedDetector)
    p.detector.check.hang.enabled = on
    run_in_pieces(p, cs.chunk, step)
    return p.reps


@pytest.mark.parametrize("step", [None, 613])
def test_supine_set_up_analysed_seated_counts_nothing(step: int | None) -> None:
    assert _reps(step, on=True) == []
    if step is None:  # the set-up at 62-66 s (feet flat -> tabletop) counted with the rule off
        off = _reps(None, on=False)
        assert len(off) == 1 and 61.0 < off[0].start_s < 66.0
