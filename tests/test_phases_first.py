"""The first rep of a supine set, from tabletop: its flex-down is short and may be slow.

From tabletop (shin about horizontal, -10..+10 deg) the first flex-down only travels to the
set's bottom (-25..-50 deg): 15-40 deg, where every later rep starts from the top and sweeps
~100 deg. Done at the guide's slowest tempo (4 s a phase), a 16-deg minimum-jerk flex-down peaks
at 1.875 * 16 / 4 = 7.5 deg/s: below ``move_dps``, so the rate detector never sees it move.

Exact minimum-jerk elevation curves straight into the rep detector (no mounting, no filter),
whole and in live-sized pieces; each rule is checked to fail with the rule switched off.
"""

import math

import numpy as np
import pytest
from helpers import detector_reps
from helpers import min_jerk_curve as _curve

from sensor.core.phases import RepConfig


def _reps(points, chunk=None, cfg=None):
    return detector_reps("supine", *_curve(points), chunk, cfg)


# tabletop at -8 deg, held; the first flex-down of 16 deg in 4 s (never faster than 7.5 deg/s);
# a 1-s hold at the bottom; a full extension to +62; a second, ordinary rep
SLOW_FIRST = [(0, -8.0), (2.0, -8.0), (4.0, -24.0), (1.0, -24.0), (3.0, 62.0), (1.5, 62.0)]
SLOW_FIRST += [(2.5, -30.0), (1.0, -30.0), (3.0, 65.0), (1.0, 65.0)]


def test_the_slow_first_flex_down_never_passes_the_movement_threshold():
    t, _e, v = _curve(SLOW_FIRST)
    first = (t > 2.0) & (t < 6.0)
    assert np.abs(v[first]).max() < RepConfig().move_dps  # the premise of the rule


@pytest.mark.parametrize("chunk", [None, 7, 64, 333])
def test_a_slow_first_flex_down_is_a_movement_by_its_elevation_change(chunk):
    reps = _reps(SLOW_FIRST, chunk)
    assert len(reps) == 2
    first = reps[0]
    assert abs(first.bottom_deg + 24.0) < 1.0 and abs(first.top_deg - 62.0) < 1.0
    assert 2.0 <= first.start_s <= 3.5, first.start_s  # the creep began at t = 2 s
    assert abs(first.top_s - 10.0) < 0.5 and first.detected_s < 10.5  # counted when the extension stops


def test_without_the_creep_rule_the_first_rep_is_lost():
    assert len(_reps(SLOW_FIRST, cfg=RepConfig(creep_deg=math.inf))) == 1


def test_a_slow_lowering_to_the_floor_is_still_a_set_break():
    # tabletop, the foot lowered to the floor over 15 s (a creep), resting there 8 s, then the
    # leg swung straight up: the rest on the floor is longer than any hold at a glide's bottom
    pts = [(0, 0.0), (3.0, 0.0), (15.0, -45.0), (8.0, -45.0), (2.5, 70.0), (1.0, 70.0)]
    assert _reps(pts) == []
    # and back up to tabletop as slowly: the setup reaches tabletop, never a glide's top
    pts = [(0, 0.0), (3.0, 0.0), (15.0, -45.0), (8.0, -45.0), (15.0, 0.0), (3.0, 0.0)]
    assert _reps(pts) == []


# tabletop low (-15 deg), the first flex-down only 13 deg (fast enough to register), then:
SHORT_FIRST = [(0, -15.0), (2.0, -15.0), (1.5, -28.0), (0.5, -28.0)]


@pytest.mark.parametrize("chunk", [None, 9, 100])
def test_a_short_first_flex_down_counts_when_the_extension_is_a_full_glide(chunk):
    reps = _reps(SHORT_FIRST + [(2.5, 57.0), (1.0, 57.0)], chunk)
    assert len(reps) == 1 and abs(reps[0].top_deg - 57.0) < 1.0


def test_without_the_full_extension_waiver_the_short_first_rep_is_lost():
    never = RepConfig(supine_full_top_deg=math.inf)
    assert _reps(SHORT_FIRST + [(2.5, 57.0), (1.0, 57.0)], cfg=never) == []


def test_a_short_first_movement_with_a_partial_extension_still_needs_min_first():
    # the same 13-deg start, then an extension to +35 (range 63, above the supine minimum, top
    # above horizontal but short of a glide's +45): not a full glide, so min_first_deg applies
    assert _reps(SHORT_FIRST + [(2.5, 35.0), (1.0, 35.0)]) == []
    assert len(_reps(SHORT_FIRST + [(2.5, 35.0), (1.0, 35.0)], cfg=RepConfig(min_first_deg=10.0))) == 1


# Through the whole pipeline (mounting learned from the movements, filter, context): a short
# supine session of the issue-11 corpus (sensor/sim/corpus.py, mixed seed 433): walk in, lie
# down, thigh up to tabletop, three glides, get up, walk away. Its first flex-down creeps from
# tabletop under move_dps; the rep must count, on time, for any chunking.
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sensor.core.pipeline import Pipeline, analyze  # noqa: E402
from sensor.core.pipeline_config import PipelineConfig  # noqa: E402
from sensor.sim.corpus import make_session  # noqa: E402

SHORT = make_session("mixed", 433)
SHORT_REPS = analyze(SHORT.chunk, SHORT.posture, SHORT.rate_hz)[0].reps


def test_a_short_session_counts_its_crept_first_rep_on_time():
    truth = SHORT.labels["reps"]
    assert SHORT.posture == "supine" and len(truth) == 3
    assert len(SHORT_REPS) == 3
    for rep, true in zip(SHORT_REPS, truth):
        assert -0.3 <= rep.detected_s - true["top_s"] <= 0.3
        assert abs(rep.top_deg - true["top_deg"]) < 6 and abs(rep.bottom_deg - true["bottom_deg"]) < 6
    cfg_off = PipelineConfig()
    cfg_off.reps.creep_deg = math.inf
    assert len(analyze(SHORT.chunk, SHORT.posture, SHORT.rate_hz, config=cfg_off)[0].reps) == 2


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(1, 700), min_size=1, max_size=30))
def test_the_crept_first_rep_is_the_same_for_any_chunking(sizes):
    n = len(SHORT.chunk)
    p = Pipeline(SHORT.posture, SHORT.rate_hz)
    for part in SHORT.chunk.split((sizes * (n // max(sum(sizes), 1) + 1))[:n]):
        p.feed(part)
    p.finish()
    assert p.reps == SHORT_REPS
