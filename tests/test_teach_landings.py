"""A supine mounting taught by its lever alone counts the supine landings as foot contacts
(sensor.core.teach_count.landing_cum; issue 11, negatives seed 8998).

The sessions are the issue-11 corpus (``sensor.sim.corpus``: motion from published kinematics,
randomised people and sensors), where the truth is known.
"""

from __future__ import annotations

import numpy as np
from helpers import assert_live_matches_offline

from sensor.core.context import ContextConfig
from sensor.core.pipeline import analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.core.teach_count import landing_cum, lone_lever_sweep
from sensor.sim.corpus import make_session

# negatives seed 8998 (supine analysis, 25 Hz, right leg): stand 1.2 s, step-ups to 22.7 s, step-downs
# 25.6-58.3 s, stand to 64 s, then lying down and a set break. On r10base two step-up sweeps (40
# and 57 deg, 2.3-3.4 s and 7.8-8.6 s) taught a mounting by their lever alone at 8.7 s, 88 deg off
# the shin (it read standing as a shin near horizontal, so the context never saw the shin hanging):
# the end of the step-downs, 6 s standing and lying down were counted as one rep (56.4-65.9 s). The
# averaged 25-Hz landings stay under the jump threshold, but three leave the smooth curve (3.2, 3.6
# and 5.3 s): one inside the first sweep's window and one between the two.
STEP_DOWN = ("negative", 8998)


def _no_landings() -> PipelineConfig:
    cfg = PipelineConfig()
    cfg.mount.landing_splits = False
    return cfg


def test_step_ups_landing_between_sweeps_teach_no_mounting_and_no_rep() -> None:
    cs = make_session(*STEP_DOWN)
    assert cs.posture == "supine" and cs.rate_hz == 25.0 and cs.labels["rep_count"] == 0
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert p.reps == []
    # the first mounting comes from the set break lying on the mat (80-94 s), not the step-ups
    assert p.settled_at is not None and p.settled_at > 80.0
    off, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, config=_no_landings())
    assert off.settled_at is not None and off.settled_at < 9.0
    assert len(off.reps) == 1 and 56.0 < off.reps[0].start_s < 57.0 and 65.0 < off.reps[0].top_s < 66.5


def test_live_equals_offline_for_the_landing_split() -> None:
    assert_live_matches_offline(make_session(*STEP_DOWN), (7, 64))


def test_landings_are_marked_where_the_curve_bends_or_the_jump_is_soft() -> None:
    cfg = ContextConfig()
    dt = 0.04  # 25 Hz: the curve bound is max(1.0, 150 * 0.75 * 0.08 / 4) = 2.25 m/s^2
    t = np.arange(100) * dt
    # a smooth swing (gravity turning through 90 deg in 4 s): no contact
    ang = np.linspace(0.0, np.pi / 2, 100)
    acc = 9.81 * np.stack([np.cos(ang), np.sin(ang), np.zeros(100)], axis=1)
    none = landing_cum(t, acc, np.zeros(101, np.int64), dt, cfg)
    assert none[-1] == 0
    # a 2.5 m/s^2 jolt on one sample (a foot set on the step, averaged into one 40-ms sample): it is
    # off the line through its neighbours by 2.5 (> 2.25) and jumps by 2.5 (< the 6 m/s^2 jump bound)
    jolt = acc.copy()
    jolt[50, 2] += 2.5
    cum = landing_cum(t, jolt, np.zeros(101, np.int64), dt, cfg)
    assert cum[50] == 0 and cum[-1] > 0  # marked from sample 50 on
    # 2.0 m/s^2 is under the curve bound at 25 Hz: not a contact
    soft = acc.copy()
    soft[50, 2] += 2.0
    assert landing_cum(t, soft, np.zeros(101, np.int64), dt, cfg)[-1] == 0
    # the jump impacts passed in are kept
    imp = np.zeros(101, np.int64)
    imp[30:] = 1
    assert landing_cum(t, acc, imp, dt, cfg)[-1] == 1


def test_a_landing_between_or_inside_the_sweeps_leaves_no_lever_teaching() -> None:
    cfg = PipelineConfig().mount
    dt = 0.04  # 25 Hz
    t = np.arange(400) * dt
    ang = np.linspace(0.0, np.pi / 2, 400)
    acc = 9.81 * np.stack([np.cos(ang), np.sin(ang), np.zeros(400)], axis=1)
    no_jump = np.zeros(401, np.int64)
    two, spans = [(55, 84), (120, 150)], [61.0, 50.0]
    assert not lone_lever_sweep(two, spans, no_jump, dt, "lever", True, cfg, t, acc)  # two movements teach
    for at, why in ((100, "between: the second is a lone 50-deg sweep 0.8 s after a contact"), (140, "inside")):
        jolt = acc.copy()
        jolt[at, 2] += 3.0
        assert lone_lever_sweep(two, spans, no_jump, dt, "lever", True, cfg, t, jolt), why
        # the rule off, or pinned by another reference, or seated: taught as before
        assert not lone_lever_sweep(two, spans, no_jump, dt, "lever", True, cfg), why
        assert not lone_lever_sweep(two, spans, no_jump, dt, "board", True, cfg, t, jolt), why
        assert not lone_lever_sweep(two, spans, no_jump, dt, "lever", False, cfg, t, jolt), why
    # after a landing the lone sweep does not teach whatever its span (negatives 7742, 25 Hz: a 76-deg
    # step-up sweep 2.7 s after a landing taught a lever mounting and a step-up was counted); with no
    # contact seen, only the recording's start unseen, a glide's extend-up (>= 75 deg) still teaches
    jolt = acc.copy()
    jolt[100, 2] += 3.0
    assert lone_lever_sweep(two, [61.0, 80.0], no_jump, dt, "lever", True, cfg, t, jolt)
    assert not lone_lever_sweep([(120, 150)], [80.0], no_jump, dt, "lever", True, cfg, t, acc)
    assert lone_lever_sweep([(120, 150)], [70.0], no_jump, dt, "lever", True, cfg, t, acc)


def test_step_ups_analysed_supine_teach_no_mounting() -> None:
    """Negatives seed 5995 (walking lunges, then step-ups; 25 Hz) analysed supine: on r10base two
    step-up sweeps with landings between them (37.4-39.2 s and 48.6-49.3 s) taught a lever mounting
    at 50.2 s and two lunges were counted. No movement since a landing teaches now."""
    cs = make_session("negative", 5995, posture="supine")
    assert cs.rate_hz == 25.0 and cs.labels["rep_count"] == 0
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert p.mounting is None and p.reps == []
    off, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, config=_no_landings())
    assert off.settled_at is not None and 50.0 < off.settled_at < 50.5 and len(off.reps) == 2
