"""Supine phases moving 5-7.5 s count when the set's counted reps vouch for them (sensor.core.slow_set);
lying down from standing, read as a slow "rep" before any glide, still does not.

Exact minimum-jerk elevation curves straight into the detector that holds the rule (whole and in
live-sized pieces), then whole recordings through the pipeline: a handout-style slow set
(``variants``) and the two negatives whose lying down a plain 7.5-s bound counts.
"""

import numpy as np
import pytest
from helpers import min_jerk_curve, run_in_pieces

from sensor.core.events import Posture, Rep
from sensor.core.held_bottom import SetPoses
from sensor.core.pipeline import Pipeline, analyze
from sensor.core.pipeline_config import PipelineConfig
from sensor.core.rep_config import RepConfig
from sensor.core.rep_far_rest import FarRestCheckedDetector
from sensor.core.slow_set import slow_vouched
from sensor.sim.corpus import make_session


def _glide(bottom, top, phase_s=2.0):
    return [(phase_s, bottom), (1.0, bottom), (phase_s, top), (1.0, top)]


def _run(points, chunk=None, cfg=None, on_feet_at=None):
    """The detector's reps and, per candidate that reached the phase bound, its moving time."""
    t, e, v = min_jerk_curve(points)
    det = FarRestCheckedDetector("supine", cfg or RepConfig())
    nonex = np.full(len(t), -np.inf)
    if on_feet_at is not None:
        nonex[t >= on_feet_at] = on_feet_at  # stood up there (the context's last time on feet)
    step = chunk or len(t)
    for a in range(0, len(t), step):
        b = min(a + step, len(t))
        det.process(t[a:b], e[a:b], v[a:b], np.zeros(b - a, bool), last_nonex=nonex[a:b])
    return det.reps


START = [(0, 0.0), (2.0, 0.0)]  # tabletop
# 7-s phases: over 105 deg a minimum-jerk phase moves (above move_dps to below stop_dps) ~5.4 s
SLOW = _glide(-42.0, 64.0, phase_s=7.0)
SET = START + _glide(-40.0, 65.0) + _glide(-41.0, 63.0) + SLOW


def _off():
    cfg = RepConfig()
    cfg.slow_set.enabled = False
    return cfg


@pytest.mark.parametrize("chunk", [None, 7, 64])
def test_a_slow_rep_like_its_set_counts(chunk):
    reps = _run(SET, chunk)
    assert len(reps) == 3 and reps[2].extend_up_s > 5.0
    assert len(_run(SET, chunk, _off())) == 2  # the 5-s phase bound alone refuses it


def test_a_slow_rep_with_no_set_before_it_is_refused():
    # the same 106-deg slow rep first in the session: nothing counted vouches (lying down looks so)
    assert _run(START + SLOW + _glide(-40.0, 65.0)) and len(_run(START + SLOW)) == 0
    assert len(_run(START + SLOW, cfg=RepConfig(supine_max_phase_s=7.5, slow_set=_off().slow_set))) == 1


def test_a_slow_return_to_tabletop_is_not_like_the_set():
    # a set break read as a slow "rep": the foot to the floor and slowly back to tabletop (+10),
    # 53 deg under the set's tops (held_bottom's top_drop_deg: 17.5)
    brk = START + _glide(-40.0, 65.0) + _glide(-41.0, 63.0) + [(7.0, -45.0), (1.0, -45.0), (7.0, 10.0), (1.0, 10.0)]
    assert len(_run(brk)) == 2


def test_the_set_no_longer_vouches_after_standing_up():
    # on one's feet between the set and the slow candidate: the second rep ends at ~13 s, the
    # shin rests at the top until 18 s, the context's last time on feet is 15.5 s
    head = START + _glide(-40.0, 65.0) + _glide(-41.0, 63.0) + [(5.0, 63.0)]
    assert len(_run(head + SLOW)) == 3
    assert len(_run(head + SLOW, on_feet_at=15.5)) == 2
    assert len(_run(head + _glide(-42.0, 64.0), on_feet_at=15.5)) == 3  # a glide's pace needs no set


def test_slow_vouched_needs_a_counted_set():
    cfg = RepConfig()
    rep = Rep(
        index=1, posture=Posture.SUPINE, start_s=30.0, bottom_s=36.0, top_s=43.0, end_s=43.0, detected_s=43.0,
        flex_down_s=6.0, extend_up_s=6.5, hold_bottom_s=0.5, hold_top_s=1.0, duration_s=13.0, rom_deg=104.0,
        bottom_deg=-40.0, top_deg=64.0, peak_velocity_dps=30.0,
    )  # fmt: skip
    poses = SetPoses(cfg.held_bottom)
    assert not slow_vouched(poses, rep, 0.0, cfg, -np.inf)  # nothing counted: no alone branch
    poses.add(65.0, -41.0, 20.0)
    assert slow_vouched(poses, rep, 0.0, cfg, -np.inf)
    assert not slow_vouched(poses, rep, 0.0, cfg, 25.0)  # on one's feet after the set's last rep
    assert not slow_vouched(poses, rep, cfg.rest_restart_s, cfg, -np.inf)  # a return of two movements


def test_a_slow_handout_set_is_counted():
    # variants 98 (50 Hz): supine, 4-6 s a phase ("complete all movements
    # slowly"), 15 reps; five returns move 5.02-5.14 s, over the 5-s bound, like the set's reps
    s = make_session("variants", 98)
    assert s.posture == "supine" and s.labels["rep_count"] == 15
    pipe, _ = analyze(s.chunk, s.posture, s.rate_hz)
    assert len(pipe.reps) == 15
    for rep, want in zip(pipe.reps, s.labels["reps"], strict=True):
        assert abs(rep.top_s - want["top_s"]) < 1.0
    cfg = PipelineConfig()
    cfg.reps.slow_set.enabled = False
    assert len(analyze(s.chunk, s.posture, s.rate_hz, config=cfg)[0].reps) == 10


@pytest.mark.parametrize("step", [41, 10])
def test_live_equals_offline_with_slow_reps(step):
    s = make_session("variants", 98)
    offline, _ = analyze(s.chunk, s.posture, s.rate_hz)
    live = run_in_pieces(Pipeline(s.posture, s.rate_hz), s.chunk, step)
    got = [(r.start_s, r.top_s, r.end_s, r.detected_s) for r in live.reps]
    assert got == [(r.start_s, r.top_s, r.end_s, r.detected_s) for r in offline.reps]


@pytest.mark.parametrize("seed", [5822, 9580, 9768])
def test_lying_down_is_not_a_slow_rep(seed):
    # negatives analysed supine, 25 Hz: standing, then lying down (a 1.8-1.9 s "flex-down" and a
    # 5.6-5.9 s "extension" as the leg comes up to tabletop; the context never saw the feet); 9768:
    # sit-to-stands, lying down, then a set break whose return moves 7.0 s. Nothing counted before.
    s = make_session("negative", seed, posture="supine")
    assert analyze(s.chunk, s.posture, s.rate_hz)[0].reps == []
    cfg = PipelineConfig()
    cfg.reps.supine_max_phase_s = 7.5
    cfg.reps.slow_set.enabled = False
    if seed == 9768:  # its return also stood still on the way up: rep_far_rest's resumed timing refuses it too
        assert analyze(s.chunk, s.posture, s.rate_hz, config=cfg)[0].reps == []
        cfg.reps.far_rest_from_first_stop = False
    assert len(analyze(s.chunk, s.posture, s.rate_hz, config=cfg)[0].reps) == 1  # a plain 7.5-s bound
