"""What may teach a supine mounting: movements, not windows; the lone sweep's quiet at the end of
a recording too; movements a foot contact separates are not one teaching; a lone sweep taught by
its lever alone needs its quiet seen whole (sensor.core.teach_count; issue 11).

The sessions are the issue-11 corpus (``sensor.sim.corpus``: motion from published kinematics,
randomised people and sensors), where the truth is known.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_live_matches_offline

from sensor.core.pipeline import analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.core.teach_count import (
    distinct_movements,
    enough_to_teach,
    lone_lever_sweep,
    quiet_before,
    since_last_contact,
)
from sensor.sim.corpus import make_session


def _config(**mount: float) -> PipelineConfig:
    cfg = PipelineConfig()
    for k, v in mount.items():
        setattr(cfg.mount, k, v)
    return cfg


def test_overlapping_or_touching_windows_are_one_movement() -> None:
    assert distinct_movements([]) == 0
    assert distinct_movements([(0, 10)]) == 1
    assert distinct_movements([(0, 10), (8, 20)]) == 1  # a dip shorter than the two pads
    assert distinct_movements([(0, 10), (10, 14)]) == 1  # touching
    assert distinct_movements([(0, 10), (11, 14)]) == 2  # a still sample between them
    # any order; a long window swallows the ones inside it
    assert distinct_movements([(30, 40), (0, 25), (5, 9), (24, 31), (50, 60)]) == 2


def test_quiet_is_counted_back_from_the_sweep() -> None:
    contact = np.zeros(100, bool)
    contact[[20, 21]] = True
    imp_cum = np.concatenate([[0], np.cumsum(contact)])
    assert quiet_before(imp_cum, 50, 25)  # contacts at 20-21, quiet since 22
    assert not quiet_before(imp_cum, 50, 30)  # 30 samples back reaches sample 21
    assert quiet_before(imp_cum, 15, 40)  # from the buffer's start: nothing seen before 15


# negatives seed 1812 (supine analysis, 25 Hz): stand 1.3 s, then 16 s of step-ups. On main at
# d060f81 one step-up sweep, its rate dipping for a sample mid-sweep, was counted as two
# movements and taught the mounting at 3.84 s: two false reps. Without that, the last attempt at
# the end of the recording taught from a lone step-up sweep 6-7 s after foot contacts. On r9base
# (anti-aliased simulator) the lone sweep 2.2 s in taught at 3.88 s, its quiet counted from the
# first sample (the averaged landings stay under the contact threshold): one false rep.
STEP_UP = ("negative", 1812)


def test_a_step_up_after_standing_teaches_no_supine_mounting() -> None:
    cs = make_session(*STEP_UP)
    assert cs.posture == "supine" and cs.labels["rep_count"] == 0
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert p.mounting is None and p.reps == []


@pytest.mark.parametrize(
    "switch,reps,first_detected_before_s",
    [
        ("distinct_movements", 1, 5.0),
        ("lone_lever_span_deg", 1, 5.0),
        ("contact_splits", 2, 15.0),
    ],
)
def test_each_rule_is_needed_for_the_step_up(switch: str, reps: int, first_detected_before_s: float) -> None:
    """Switched off, each rule lets the step-ups teach: one sweep as two movements (live, 3.88 s);
    the lone sweep 2.2 s into the recording, its quiet counted from the first sample, taught by its
    lever alone (3.88 s); or a step-up sweep 10 s later with the first one, foot contacts between
    them (13.6 s, two reps). (``quiet_at_end`` alone teaches nothing more here: its own test is
    below.)"""
    cs = make_session(*STEP_UP)
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz, config=_config(**{switch: 0.0}))
    assert len(p.reps) == reps
    if reps:
        assert p.reps[0].detected_s < first_detected_before_s


def test_the_lone_sweeps_quiet_is_asked_at_the_end_of_a_supine_recording_too() -> None:
    """At the end of a recording (``final``) one glide-sized sweep may teach; supine, only if no
    foot contact came in the ``single_quiet_s`` before it (a step-up sweep after walking is not a
    glide), while seated the end of the recording teaches as before."""
    dt = 0.04  # 25 Hz: single_quiet_s (10 s) is 250 samples
    sweep, span = [(400, 440)], [80.0]
    contact = np.zeros(500, bool)
    contact[350] = True  # a footstep 2 s before the sweep
    stepped = np.concatenate([[0], np.cumsum(contact)])
    quiet = np.zeros(501, np.int64)
    on, off = _config().mount, _config(quiet_at_end=0.0).mount
    assert not enough_to_teach(sweep, span, stepped, dt, on, supine=True, final=True)
    assert enough_to_teach(sweep, span, stepped, dt, off, supine=True, final=True)
    assert enough_to_teach(sweep, span, quiet, dt, on, supine=True, final=True)
    assert enough_to_teach(sweep, span, stepped, dt, on, supine=False, final=True)
    assert not enough_to_teach(sweep, span, stepped, dt, on, supine=False, final=False)
    assert not enough_to_teach(sweep, [50.0], quiet, dt, on, supine=True, final=True)  # not glide-sized


def test_movements_a_contact_separates_are_not_one_teaching() -> None:
    contact = np.zeros(100, bool)
    contact[40] = True
    imp_cum = np.concatenate([[0], np.cumsum(contact)])
    windows, spans = [(10, 20), (30, 38), (50, 60), (70, 80)], [61.0, 49.0, 67.0, 40.0]
    assert since_last_contact(windows, spans, imp_cum) == ([(50, 60), (70, 80)], [67.0, 40.0])
    assert since_last_contact(windows[:2], spans[:2], imp_cum) == (windows[:2], spans[:2])
    cfg = PipelineConfig().mount
    dt = 0.04  # 25 Hz: single_quiet_s (10 s) is 250 samples
    # a 61-deg lone sweep 2.2 s in: taught by its lever alone it may not teach; pinned, it may;
    # nor may one of 74 deg; one of 76 (a glide's extend-up) may
    lone, lone_spans = [(55, 84)], [61.0]
    no_contact = np.zeros(400, np.int64)
    assert lone_lever_sweep(lone, lone_spans, no_contact, dt, "lever", True, cfg)
    for ref in ("board", "standing", "carried"):
        assert not lone_lever_sweep(lone, lone_spans, no_contact, dt, ref, True, cfg)
    assert lone_lever_sweep(lone, [74.0], no_contact, dt, "lever", True, cfg)
    assert not lone_lever_sweep(lone, [76.0], no_contact, dt, "lever", True, cfg)
    assert not lone_lever_sweep(lone, lone_spans, no_contact, dt, "lever", False, cfg)  # seated
    assert not lone_lever_sweep([(255, 284)], lone_spans, no_contact, dt, "lever", True, cfg)  # 10.2 s seen
    assert not lone_lever_sweep([(55, 84), (120, 150)], [61.0, 50.0], no_contact, dt, "lever", True, cfg)  # two
    # two movements 12 s apart, a foot contact between them: only the second counts, and its quiet
    # (the contact 4 s before it) is not seen whole
    step = np.zeros(500, bool)
    step[200] = True
    step_cum = np.concatenate([[0], np.cumsum(step)])
    apart = [(55, 84), (300, 330)]
    assert lone_lever_sweep(apart, [61.0, 67.0], step_cum, dt, "lever", True, cfg)
    assert not lone_lever_sweep(apart, [61.0, 67.0], no_contact[:501], dt, "lever", True, cfg)


def test_a_one_rep_session_that_starts_lying_keeps_its_rep_on_time() -> None:
    """Short seed 202 (supine, 52 Hz): the recording starts lying (1.4 s), then setup and one rep.
    Its lone teaching sweep comes 9 s into the recording: the quiet before it is counted from the
    first sample (nothing was seen), so the rep is counted at its top, not at the end."""
    cs = make_session("short", 202)
    assert cs.posture == "supine" and cs.labels["rep_count"] == 1
    p, _ = analyze(cs.chunk, cs.posture, cs.rate_hz)
    assert len(p.reps) == 1
    top = cs.labels["reps"][0]["top_s"]
    assert abs(p.reps[0].top_s - top) < 0.3
    assert p.reps[0].detected_s - top < 0.3


@pytest.mark.parametrize("kind,seed", [STEP_UP, ("short", 202)])
def test_live_equals_offline_for_the_teaching_rules(kind: str, seed: int) -> None:
    """The movement count and the end-of-recording quiet see the same buffer in any chunking."""
    assert_live_matches_offline(make_session(kind, seed), (1, 7, 64))
