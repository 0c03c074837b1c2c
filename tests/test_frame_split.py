"""A candidate read across a refinement of the mounting is judged in every frame (sensor.core.frame_split).

Negative 16471 analysed seated (lying down, 25 Hz): the set break's last lift refined the shin
direction by 40.6 deg while it was read; moved into the new frame the lift and the lowering after
it looked like a seated glide from hanging (-92.7 -> -43.7 -> -95.0) and counted. In the frame it
started in, it rests and ends near -52/-54: refused. Then the detector alone, on exact curves:
the same split refused, and a true seated rep across a 13-deg refinement (the largest a counted
seated rep of variants 0-299 straddles) kept.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import min_jerk_curve, run_in_pieces

from sensor.core.frame_split import FrameShifts, pose_refused
from sensor.core.phases import RepDetector
from sensor.core.pipeline import Pipeline
from sensor.core.rep_config import RepConfig
from sensor.sim.corpus import make_session


def _run(on: bool, step: int | None = None) -> Pipeline:
    cs = make_session("negative", 16471, posture="seated")
    assert cs.rate_hz == 25.0 and [s["kind"] for s in cs.labels["segments"]][3:5] == ["set_break", "finish"]
    p = Pipeline(cs.posture, cs.rate_hz, keep_elevation=True)
    p.cfg.reps.judge_every_frame = on
    return run_in_pieces(p, cs.chunk, step)


def test_negative_16471_read_across_a_refinement_counts_nothing() -> None:
    cs = make_session("negative", 16471, posture="seated")
    p = _run(True)
    assert p.reps == []
    # how it passed: the first frame read the lift to within 2.5 deg of the truth; the refinement
    # after the sample at 34.36 s moved every later angle 40.6 deg down
    t, e = (np.concatenate(x) for x in zip(*p.take_elevation()))
    err = np.interp(t, cs.truth_t, cs.truth_e) - e
    lift, after = (t > 31.0) & (t < 34.3), (t > 34.5) & (t < 41.0)
    assert np.abs(err[lift]).max() < 2.5
    assert err[after].min() > 39.5 and err[after].max() < 42.5
    # with the rule off, that split counted: the lift (read from -52.1 in the first frame, moved to
    # -92.7) and the set's lowering, read in the second
    off = _run(False).reps
    assert len(off) == 1
    r = off[0]
    assert r.start_s == pytest.approx(31.64, abs=0.01) and r.end_s == pytest.approx(40.12, abs=0.01)
    assert r.top_deg == pytest.approx(-43.7, abs=0.1) and r.bottom_deg == pytest.approx(-95.0, abs=0.1)
    assert not pose_refused(RepConfig(), "seated", -92.7, r.top_deg, r.bottom_deg)  # newest frame: a glide
    assert pose_refused(RepConfig(), "seated", -92.7 + 40.6, r.top_deg + 40.6, r.bottom_deg + 40.6)


@pytest.mark.parametrize("step", [1, 10, 613])
def test_live_pieces_equal_the_whole_recording(step: int) -> None:
    whole, live = _run(True), _run(True, step)
    assert live.reps == whole.reps == []
    assert live.mounting is not None and whole.mounting is not None
    assert live.mounting.beta_deg == whole.mounting.beta_deg


def _split_feed(points, shift_at_s: float, delta: float, on: bool = True):
    """A seated detector fed an exact curve (50 Hz) whose angles read ``delta`` deg lower from
    ``shift_at_s`` on, the detector told so at that sample, as the pipeline does."""
    cfg = RepConfig()
    cfg.judge_every_frame = on
    det = RepDetector("seated", cfg)
    t, e, v = min_jerk_curve(points, rate=50.0)
    k = int(np.searchsorted(t, shift_at_s))
    det.process(t[:k], e[:k], v[:k], np.zeros(k, bool))
    det.shift(-delta)
    det.process(t[k:], e[k:] - delta, v[k:], np.zeros(len(t) - k, bool))
    return det.reps


def test_a_split_that_turns_a_lift_into_a_glide_is_refused() -> None:
    # 16471's numbers: a rest at -52, a 2.5-s lift to -3, a 2.4-s hold, a 2.7-s lowering to -54.5,
    # the frame moved 40.6 deg down near the lift's top
    pts = [(0, -52.0), (3.0, -52.0), (2.5, -3.0), (2.4, -3.0), (2.7, -54.5), (3.0, -54.5)]
    assert _split_feed(pts, 5.3, 40.6) == []
    off = _split_feed(pts, 5.3, 40.6, on=False)
    assert len(off) == 1 and off[0].bottom_deg == pytest.approx(-95.1, abs=0.5)
    assert off[0].top_deg == pytest.approx(-43.6, abs=0.5)


@pytest.mark.parametrize("delta", [-13.0, 13.0])
def test_a_glide_across_a_refinement_still_counts(delta: float) -> None:
    # a seated glide from hanging to -20 and back, the frame moved 13 deg mid-extension either way:
    # read in either frame it starts, turns and ends inside the bounds
    pts = [(0, -90.0), (2.0, -90.0), (2.0, -20.0), (1.0, -20.0), (2.0, -88.0), (2.0, -88.0)]
    reps = _split_feed(pts, 3.0, delta)
    assert len(reps) == 1 and reps[0].top_deg == pytest.approx(-20.0 - delta, abs=0.5)


def test_offsets_name_each_frame_a_span_was_read_in() -> None:
    f = FrameShifts()
    for t, d in ((5.0, 2.0), (10.0, -40.0), (12.0, 0.0), (20.0, 1.0)):
        f.moved(t, d)
    assert f.offsets(0.0, 4.0) == [0.0]
    assert f.offsets(6.0, 15.0) == [0.0, 40.0]  # read before the 10-s refinement: 40 deg higher
    assert f.offsets(4.0, 21.0) == [0.0, -1.0, 39.0, 37.0]
    assert f.offsets(21.0, 30.0) == [0.0]
    f.clear()
    assert f.offsets(0.0, 30.0) == [0.0]
